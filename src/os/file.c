/* Safe creation of report and dump files (see file.h). */
#include "os/file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/fmt.h"

static size_t str_len(const char *s)
{
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

/* Appends s to buf at *len; false when it does not fit (with the terminator). */
static int append(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
    if (*len + n >= cap) return 0;
    for (size_t i = 0; i < n; i++) buf[*len + i] = s[i];
    *len += n;
    buf[*len] = '\0';
    return 1;
}

/* Where the extension of name starts (its length when it has none). */
static size_t ext_start(const char *name, size_t len)
{
    size_t base = 0;
    for (size_t i = 0; i < len; i++)
        if (name[i] == '/') base = i + 1;
    for (size_t i = len; i > base + 1; i--)
        if (name[i - 1] == '.') return i - 1;
    return len;
}

/* name with ".k" inserted before its extension, into out. */
static int numbered(const char *name, size_t len, unsigned k, char *out, size_t cap)
{
    size_t e = ext_start(name, len), n = 0;
    char num[16];
    size_t nl = hak_fmt(num, sizeof num, ".%u", k);
    out[0] = '\0';
    return append(out, cap, &n, name, e) && append(out, cap, &n, num, nl) &&
           append(out, cap, &n, name + e, len - e);
}

static int open_new(const char *name)
{
    int fd;
    do fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    while (fd < 0 && errno == EINTR);
    /* the umask may have taken bits away; the contract says 0600, exactly */
    if (fd >= 0) (void)fchmod(fd, 0600);
    return fd;
}

int hak_create_file(const char *path, const char *dir_name, char *final, size_t n)
{
    char name[PATH_MAX], alt[PATH_MAX];
    size_t len = 0;
    struct stat st;

    if (!path || !*path) {
        errno = ENOENT;
        return -1;
    }
    if (!append(name, sizeof name, &len, path, str_len(path))) {
        errno = ENAMETOOLONG;
        return -1;
    }
    /* "dir/" names a directory: made if it is not there yet (one level, like mkdir) */
    if (dir_name && name[len - 1] == '/' && stat(path, &st) != 0 && errno == ENOENT) (void)mkdir(path, 0700);
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (!dir_name) {
            errno = EISDIR;
            return -1;
        }
        if ((name[len - 1] != '/' && !append(name, sizeof name, &len, "/", 1)) ||
            !append(name, sizeof name, &len, dir_name, str_len(dir_name))) {
            errno = ENAMETOOLONG;
            return -1;
        }
    }
    for (unsigned k = 0; k <= HAK_FILE_MAX_SUFFIX; k++) {
        const char *t = name;
        if (k) {
            if (!numbered(name, len, k, alt, sizeof alt)) {
                errno = ENAMETOOLONG;
                return -1;
            }
            t = alt;
        }
        int fd = open_new(t);
        if (fd >= 0) {
            if (final && n) {
                size_t fl = 0;
                final[0] = '\0';
                append(final, n, &fl, t, str_len(t) < n ? str_len(t) : n - 1);
            }
            return fd;
        }
        /* ELOOP: O_NOFOLLOW met a symbolic link (some systems say so instead of EEXIST) */
        if (errno != EEXIST && errno != ELOOP) return -1;
    }
    errno = EEXIST;
    return -1;
}

size_t hak_file_default_name(char *buf, size_t n, const char *ext)
{
    return hak_fmt(buf, n, "hakmem-%d%s", (int)getpid(), ext ? ext : "");
}

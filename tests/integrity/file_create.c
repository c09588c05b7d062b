/* hak_create_file (src/os/file.c): mode 0600, never through a symbolic link, never over an
 * existing file, numbered names before the extension, directories get the default name.
 * Runs in an empty directory of its own (the current one, under tests/run.sh). */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "harness.h"
#include "os/file.h"

static void write_str(int fd, const char *s) { CHECK(write(fd, s, strlen(s)) == (ssize_t)strlen(s), "write"); }

static void slurp(const char *path, char *buf, size_t n)
{
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0, "open %s", path);
    ssize_t r = read(fd, buf, n - 1);
    CHECK(r >= 0, "read %s", path);
    buf[r] = '\0';
    close(fd);
}

static int create(const char *path, const char *dir_name, char *final)
{
    return hak_create_file(path, dir_name, final, 4096);
}

int main(void)
{
    char final[4096], buf[256];
    struct stat st;
    umask(022); /* the mode must not depend on it */

    /* a fresh name is used as it is, mode 0600 */
    int fd = create("hakmem-1.htrace", "unused", final);
    CHECK(fd >= 0, "create: %s", strerror(errno));
    CHECK(!strcmp(final, "hakmem-1.htrace"), "final name %s", final);
    CHECK(fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0600, "mode %o", st.st_mode & 0777);
    CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC, "close-on-exec");
    write_str(fd, "first");
    close(fd);

    /* an existing name is never overwritten: the number goes before the extension */
    fd = create("hakmem-1.htrace", NULL, final);
    CHECK(fd >= 0 && !strcmp(final, "hakmem-1.1.htrace"), "second: %s", final);
    close(fd);
    fd = create("hakmem-1.htrace", NULL, final);
    CHECK(fd >= 0 && !strcmp(final, "hakmem-1.2.htrace"), "third: %s", final);
    close(fd);
    slurp("hakmem-1.htrace", buf, sizeof buf);
    CHECK(!strcmp(buf, "first"), "the first file kept its content: '%s'", buf);

    /* no extension: appended; a leading dot is not an extension; dots in directories neither */
    close(create("report", NULL, final));
    fd = create("report", NULL, final);
    CHECK(fd >= 0 && !strcmp(final, "report.1"), "report: %s", final);
    close(fd);
    close(create(".hidden", NULL, final));
    fd = create(".hidden", NULL, final);
    CHECK(fd >= 0 && !strcmp(final, ".hidden.1"), ".hidden: %s", final);
    close(fd);
    CHECK(mkdir("d.x", 0700) == 0, "mkdir");
    close(create("d.x/out", NULL, final));
    fd = create("d.x/out", NULL, final);
    CHECK(fd >= 0 && !strcmp(final, "d.x/out.1"), "d.x/out: %s", final);
    close(fd);

    /* a symbolic link is never followed, dangling or not: the target stays untouched */
    int t = open("target", O_WRONLY | O_CREAT, 0644);
    write_str(t, "target");
    close(t);
    CHECK(symlink("target", "link.json") == 0, "symlink");
    CHECK(symlink("nowhere", "dangling.json") == 0, "symlink");
    fd = create("link.json", NULL, final);
    CHECK(fd >= 0 && !strcmp(final, "link.1.json"), "link: %s", final);
    write_str(fd, "new");
    close(fd);
    slurp("target", buf, sizeof buf);
    CHECK(!strcmp(buf, "target"), "the link's target was written: '%s'", buf);
    fd = create("dangling.json", NULL, final);
    CHECK(fd >= 0 && !strcmp(final, "dangling.1.json"), "dangling: %s", final);
    close(fd);
    CHECK(lstat("nowhere", &st) != 0, "a dangling link's target was created");

    /* a directory gets the default name inside it, numbered like any other */
    CHECK(mkdir("dumps", 0700) == 0, "mkdir");
    fd = create("dumps", "hakmem-7.htrace", final);
    CHECK(fd >= 0 && !strcmp(final, "dumps/hakmem-7.htrace"), "dir: %s", final);
    close(fd);
    fd = create("dumps/", "hakmem-7.htrace", final);
    CHECK(fd >= 0 && !strcmp(final, "dumps/hakmem-7.1.htrace"), "dir/: %s", final);
    close(fd);
    /* "dir/" that does not exist yet is made (one level), "a/b/" without a is not */
    fd = create("new/", "hakmem-7.htrace", final);
    CHECK(fd >= 0 && !strcmp(final, "new/hakmem-7.htrace"), "new/: %s", final);
    close(fd);
    CHECK(stat("new", &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700, "new/ made 0700");
    errno = 0;
    CHECK(create("none/deeper/", "hakmem-7.htrace", final) < 0 && errno == ENOENT, "none/deeper/: errno %d", errno);
    CHECK(create("plain", NULL, final) >= 0 && create("plain/", "x", final) < 0, "plain/ over a file");
    CHECK(symlink("dumps", "dumplink") == 0, "symlink");
    fd = create("dumplink", "hakmem-7.htrace", final);
    CHECK(fd >= 0 && !strcmp(final, "dumplink/hakmem-7.2.htrace"), "a link to a directory is a directory: %s", final);
    close(fd);
    errno = 0;
    CHECK(create("dumps", NULL, final) < 0 && errno == EISDIR, "a directory without a default name");

    /* errors are errors, not crashes */
    errno = 0;
    CHECK(create("no/such/dir/file", NULL, final) < 0 && errno == ENOENT, "missing directory: %d", errno);
    CHECK(create("", NULL, final) < 0, "empty name");
    char longname[5000];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    errno = 0;
    CHECK(create(longname, NULL, final) < 0 && errno == ENAMETOOLONG, "long name: %d", errno);

    /* the final name is cut to fit, never overflows */
    char small[8];
    fd = hak_create_file("hakmem-1.htrace", NULL, small, sizeof small);
    CHECK(fd >= 0 && !strcmp(small, "hakmem-"), "cut: '%s'", small);
    close(fd);

    /* the default name */
    hak_file_default_name(buf, sizeof buf, ".htrace");
    char want[64];
    snprintf(want, sizeof want, "hakmem-%d.htrace", (int)getpid());
    CHECK(!strcmp(buf, want), "default name %s", buf);
    printf("file_create: ok\n");
    return 0;
}

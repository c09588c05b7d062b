/* Async-signal-safe printf subset (see fmt.h). */
#include "os/fmt.h"

#include <errno.h>
#include <unistd.h>

struct out {
    char *p, *end;
};

static void put(struct out *o, char c)
{
    if (o->p < o->end) *o->p++ = c;
}

static void put_padded(struct out *o, const char *s, size_t len, unsigned width, bool left, char pad)
{
    if (!left)
        for (size_t i = len; i < width; i++) put(o, pad);
    for (size_t i = 0; i < len; i++) put(o, s[i]);
    if (left)
        for (size_t i = len; i < width; i++) put(o, ' ');
}

static size_t utoa(char *tmp, unsigned long long v, unsigned base)
{
    static const char digits[] = "0123456789abcdef";
    size_t n = 0;
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    for (size_t i = 0; i < n / 2; i++) {
        char t = tmp[i];
        tmp[i] = tmp[n - 1 - i];
        tmp[n - 1 - i] = t;
    }
    return n;
}

size_t hak_vfmt(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = {buf, buf + (size ? size - 1 : 0)};
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            put(&o, *f);
            continue;
        }
        f++;
        bool left = false;
        char pad = ' ';
        for (;; f++) {
            if (*f == '-') left = true;
            else if (*f == '0') pad = '0';
            else break;
        }
        unsigned width = 0;
        while (*f >= '0' && *f <= '9') width = width * 10 + (unsigned)(*f++ - '0');
        int lng = 0;
        while (*f == 'l') lng++, f++;
        if (*f == 'z') lng = 1, f++;
        char tmp[32];
        size_t n;
        switch (*f) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s) s = "(null)";
            size_t len = 0;
            while (s[len]) len++;
            put_padded(&o, s, len, width, left, ' ');
            break;
        }
        case 'c':
            tmp[0] = (char)va_arg(ap, int);
            put_padded(&o, tmp, 1, width, left, ' ');
            break;
        case 'd':
        case 'i': {
            long long v = lng >= 2 ? va_arg(ap, long long) : lng ? va_arg(ap, long) : va_arg(ap, int);
            unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
            size_t k = 0;
            if (v < 0) tmp[k++] = '-';
            n = k + utoa(tmp + k, u, 10);
            put_padded(&o, tmp, n, width, left, pad);
            break;
        }
        case 'u':
        case 'x': {
            unsigned long long v = lng >= 2 ? va_arg(ap, unsigned long long)
                                 : lng      ? va_arg(ap, unsigned long)
                                            : va_arg(ap, unsigned);
            n = utoa(tmp, v, *f == 'x' ? 16 : 10);
            put_padded(&o, tmp, n, width, left, pad);
            break;
        }
        case 'p': {
            tmp[0] = '0', tmp[1] = 'x';
            n = 2 + utoa(tmp + 2, (uintptr_t)va_arg(ap, void *), 16);
            put_padded(&o, tmp, n, width, left, ' ');
            break;
        }
        case '%':
            put(&o, '%');
            break;
        case '\0':
            f--;
            break;
        default:
            put(&o, '%');
            put(&o, *f);
        }
    }
    if (size) *o.p = '\0';
    return (size_t)(o.p - buf);
}

size_t hak_fmt(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n = hak_vfmt(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

void hak_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    int saved = errno; /* reporting must not change what the program sees in errno */
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        p += w;
        len -= (size_t)w;
    }
    errno = saved;
}

void hak_dprintf(int fd, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    size_t n = hak_vfmt(buf, sizeof buf, fmt, ap);
    va_end(ap);
    hak_write_all(fd, buf, n);
}

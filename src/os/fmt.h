/* Async-signal-safe formatting and output: reports, statistics and dumps are written
 * from signal handlers and from inside the allocator, where stdio (which allocates and
 * locks) cannot be used. */
#ifndef HAK_FMT_H
#define HAK_FMT_H

#include <stdarg.h>
#include "config.h"

/* A subset of printf: %s %c %d %i %u %x %p %% with l, ll, z length modifiers, a field
 * width and the 0 and - flags. Always NUL-terminates; returns the length written. */
size_t hak_vfmt(char *buf, size_t size, const char *fmt, va_list ap);
size_t hak_fmt(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Formats into a stack buffer and writes it all to fd (lines up to 1 KiB). */
void hak_dprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hak_write_all(int fd, const void *buf, size_t len);

#endif

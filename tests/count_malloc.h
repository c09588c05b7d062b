/* For the tests that prove the allocator never calls malloc (principle 6): this program's
 * own malloc family forwards to the C library's and counts every call made while in_hak
 * is set, which the test sets around each call into hakmem. Include once, in the test's
 * main file. */
#ifndef HAKMEM_TEST_COUNT_MALLOC_H
#define HAKMEM_TEST_COUNT_MALLOC_H

#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static __thread int in_hak;
static long calls_inside;

#define COUNT() (in_hak ? (void)__atomic_fetch_add(&calls_inside, 1, __ATOMIC_RELAXED) : (void)0)
void *malloc(size_t n) { COUNT(); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { COUNT(); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { COUNT(); return __libc_realloc(p, n); }
void free(void *p) { COUNT(); __libc_free(p); }
void *memalign(size_t a, size_t n) { COUNT(); return __libc_memalign(a, n); }
void *aligned_alloc(size_t a, size_t n) { COUNT(); return __libc_memalign(a, n); }
int posix_memalign(void **p, size_t a, size_t n) { COUNT(); *p = __libc_memalign(a, n); return *p ? 0 : 12; }

#endif

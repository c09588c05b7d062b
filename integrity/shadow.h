/* Telling an outside checker which bytes the program may touch: Valgrind's memcheck
 * (client requests, when the process runs under it: mode bit HAK_MODE_VALGRIND) and
 * AddressSanitizer (manual poisoning, in the `make asan` build). With either, block
 * headers, free blocks and the allocator's view of a block are inaccessible to the
 * program, so memcheck or ASan reports a use after free or an overflow at the faulting
 * instruction itself, with hakmem's own layout kept.
 *
 * The allocator's own accesses to a free block (links, poison, headers) open the bytes
 * just for that access and close them again: that happens in the boxes only. Everything
 * here is nothing at all in a normal build that is not under Valgrind. */
#ifndef HAK_SHADOW_H
#define HAK_SHADOW_H

#include "config.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define HAK_ASAN 1
#else
#define HAK_ASAN 0
#endif

#if HAK_LEVEL_MAX >= 1
#include <valgrind/memcheck.h>
#define HAK_SHADOW(lv) (HAK_ASAN || ((lv) & HAK_MODE_VALGRIND))
#else
#define HAK_SHADOW(lv) HAK_ASAN
#endif

/* The allocator is about to read or write [p, p+n) of a block the program may not touch. */
HAK_INLINE void hak_shadow_open(const void *p, size_t n, int lv)
{
    (void)p, (void)n, (void)lv;
    if (!HAK_SHADOW(lv)) return;
#if HAK_ASAN
    ASAN_UNPOISON_MEMORY_REGION(p, n);
#elif HAK_LEVEL_MAX >= 1
    VALGRIND_MAKE_MEM_DEFINED(p, n);
#endif
}

/* ... and is done with it. */
HAK_INLINE void hak_shadow_close(const void *p, size_t n, int lv)
{
    (void)p, (void)n, (void)lv;
    if (!HAK_SHADOW(lv)) return;
#if HAK_ASAN
    ASAN_POISON_MEMORY_REGION(p, n);
#elif HAK_LEVEL_MAX >= 1
    VALGRIND_MAKE_MEM_NOACCESS(p, n);
#endif
}

/* [user, user+n) now belongs to the program (memcheck: a heap block). */
HAK_INLINE void hak_shadow_alloc(const void *user, size_t n, int lv)
{
    (void)user, (void)n, (void)lv;
    if (!HAK_SHADOW(lv)) return;
#if HAK_ASAN
    ASAN_UNPOISON_MEMORY_REGION(user, n);
#elif HAK_LEVEL_MAX >= 1
    VALGRIND_MALLOCLIKE_BLOCK(user, n, 0, 0);
#endif
}

/* The program gave back user, n bytes: any access now is a use after free. */
HAK_INLINE void hak_shadow_free(const void *user, size_t n, int lv)
{
    (void)user, (void)n, (void)lv;
    if (!HAK_SHADOW(lv)) return;
#if HAK_ASAN
    ASAN_POISON_MEMORY_REGION(user, n);
#elif HAK_LEVEL_MAX >= 1
    VALGRIND_FREELIKE_BLOCK(user, 0);
#endif
}

#endif

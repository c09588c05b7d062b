/* The C allocation API. Compiled twice: as the hak_* functions (libhakmem.a) and, with
 * HAK_INTERPOSE, also under the C library's names (libhakmem*.so).
 *
 * A fixed-level build calls the fast paths instantiated at its level. The runtime-level
 * build runs the level-0 instance inline, guarded so that it can only succeed at level 0
 * (hak_fast_tiny_max, fast_tid), and otherwise the instance of the level in force: no
 * feature is tested per operation. */
#include <errno.h>
#include <string.h>

#include "api/init.h"
#include "front/front.h"
#include "front/lookup.h"
#include "integrity/guard.h"
#include "hakmem.h"
#include "large/large.h"
#include "os/os.h"
#include "slab/slab.h"

#ifdef HAKMEM_FIXED_LEVEL

/* The mode's ring and Valgrind bits are all that is decided at run time. */
#define L HAKMEM_FIXED_LEVEL
#define EXTRA (HAK_LEVEL_MAX >= 1 ? hak_mode & (HAK_MODE_RINGS | HAK_MODE_VALGRIND) : 0)

HAK_EXPORT void *hak_malloc(size_t n)
{
    if (hak_unlikely(EXTRA)) {
        if (EXTRA & HAK_MODE_RINGS) return hak_front_malloc(n, L | HAK_MODE_RINGS);
        return hak_front_malloc(n, L | HAK_MODE_VALGRIND);
    }
    return hak_front_malloc(n, L);
}

HAK_EXPORT void hak_free(void *p)
{
    unsigned r;
    if (hak_unlikely(EXTRA)) {
        if (EXTRA & HAK_MODE_RINGS) {
            if (!hak_front_free(p, L | HAK_MODE_RINGS, &r)) hak_free_slow(p, r);
        } else if (!hak_front_free(p, L | HAK_MODE_VALGRIND, &r)) {
            hak_free_slow(p, r);
        }
        return;
    }
    if (hak_likely(hak_front_free(p, L, &r))) return;
    hak_free_slow(p, r);
}

#else

/* HAK_TINY_MAX + 1 in mode 0, else 0: one compare tests both the size and the mode. */
size_t hak_fast_tiny_lim = HAK_TINY_MAX + 1;

#define HAK_MODE_SWITCH(call)                            \
    switch (hak_mode) {                                  \
    case 0: call(0);                                     \
    case 1: call(1);                                     \
    case 2: call(2);                                     \
    case 3: call(3);                                     \
    case 4: call(4);                                     \
    case 0 | HAK_MODE_RINGS: call(0 | HAK_MODE_RINGS);   \
    case 1 | HAK_MODE_RINGS: call(1 | HAK_MODE_RINGS);   \
    case 2 | HAK_MODE_RINGS: call(2 | HAK_MODE_RINGS);   \
    case 3 | HAK_MODE_RINGS: call(3 | HAK_MODE_RINGS);   \
    case 4 | HAK_MODE_RINGS: call(4 | HAK_MODE_RINGS);   \
    case 1 | HAK_MODE_VALGRIND: call(1 | HAK_MODE_VALGRIND); \
    case 2 | HAK_MODE_VALGRIND: call(2 | HAK_MODE_VALGRIND); \
    case 3 | HAK_MODE_VALGRIND: call(3 | HAK_MODE_VALGRIND); \
    default: call(4 | HAK_MODE_VALGRIND);                \
    }

static HAK_NOINLINE void *malloc_modes(size_t n)
{
#define MALLOC_IN(m) return hak_front_malloc(n, m)
    HAK_MODE_SWITCH(MALLOC_IN)
#undef MALLOC_IN
}

HAK_EXPORT void *hak_malloc(size_t n)
{
    if (hak_likely(n < hak_fast_tiny_lim)) return hak_front_pop(n, 0);
    return malloc_modes(n);
}

static HAK_NOINLINE void free_modes(void *p)
{
    unsigned r;
#define FREE_IN(m)                                       \
    if (!hak_front_free(p, m, &r)) hak_free_slow(p, r);  \
    return
    HAK_MODE_SWITCH(FREE_IN)
#undef FREE_IN
}

HAK_EXPORT void hak_free(void *p)
{
    unsigned r;
    if (hak_likely(hak_front_free(p, 0, &r))) return;
    if (hak_likely(hak_mode == 0)) hak_free_slow(p, r);
    else free_modes(p);
}

#endif

// ---- calloc, realloc ----

HAK_EXPORT void *hak_calloc(size_t nmemb, size_t size)
{
    size_t n;
    if (__builtin_mul_overflow(nmemb, size, &n)) {
        errno = ENOMEM;
        return NULL;
    }
    if (n > HAK_POOL_MAX) {
        /* A fresh mapping is already zero: skip the memset. */
        hak_ensure_init();
        bool fresh;
        void *p = hak_large_alloc(n, 0, &fresh);
        if (p && !fresh) memset(p, 0, n);
        return p;
    }
    void *p = hak_malloc(n);
    if (p) memset(p, 0, n);
    return p;
}

HAK_EXPORT void *hak_realloc(void *p, size_t n)
{
    if (!p) return hak_malloc(n);
    if (n == 0) {
        hak_free(p);
        return NULL;
    }
    if (HAK_QUARANTINE(HAK_MODE) && hak_region_of((uintptr_t)p) == HAK_REGION_GUARD) {
        size_t old = hak_guard_usable(p);
        void *q = old ? hak_malloc(n) : NULL;
        if (!old) hak_free(p); /* not a live guarded block: reported there */
        if (!q) return NULL;
        memcpy(q, p, n < old ? n : old);
        hak_free(p);
        return q;
    }
    struct hak_blockref ref;
    switch (hak_lookup(p, hak_region_of((uintptr_t)p), &ref)) {
    case HAK_LOOKUP_LARGE:
        if (n > HAK_POOL_MAX) return hak_large_realloc(ref.large, n);
        break;
    case HAK_LOOKUP_SLAB: {
        /* Stay in place unless the block would be less than half used; room means the
         * rest of the block, less the tail sentinel byte where there is one. */
        int lv = HAK_MODE;
        unsigned c = ref.slab->cls;
        size_t room = hak_layout[c].size - (size_t)((char *)p - (char *)hak_user_of(ref.base, lv)) -
                      (HAK_HEADERS(lv) ? 1 : 0);
        if (HAK_CHECKS(lv) && *hak_state_at(ref.base) != HAK_BLOCK_LIVE) {
            hak_violation_block(HAK_KIND_double_free, HAK_SITE_realloc, p, ref.base, ref.slab, HAK_BLOCK_LIVE,
                                *hak_state_at(ref.base), "state of the block given to realloc");
            errno = EINVAL;
            return NULL;
        }
        if (n <= room && n >= room / 2) {
            hak_chk_resize(ref.base, c, (size_t)((char *)p - (char *)hak_user_of(ref.base, lv)) + n,
                           HAK_HEADERS(lv) ? ((struct hak_block_header *)ref.base)->align_off : 0, lv);
            return p;
        }
        break;
    }
    default:
        /* Not a block of ours: there is no size to copy. */
        if (HAK_CHECKS(HAK_MODE))
            hak_report_bad_pointer(p, HAK_KIND_invalid_free, HAK_SITE_realloc);
        errno = EINVAL;
        return NULL;
    }
    void *q = hak_malloc(n);
    if (!q) return NULL;
    memcpy(q, p, n < ref.usable ? n : ref.usable);
    hak_free(p);
    return q;
}

HAK_EXPORT void *hak_reallocarray(void *p, size_t nmemb, size_t size)
{
    size_t n;
    if (__builtin_mul_overflow(nmemb, size, &n)) {
        errno = ENOMEM;
        return NULL;
    }
    return hak_realloc(p, n);
}

// ---- aligned allocation ----

/* align is a power of two. */
static void *alloc_aligned(size_t align, size_t n)
{
    if (align <= HAK_MIN_ALIGN) return hak_malloc(n < align ? align : n);
    hak_ensure_init();
    int lv = HAK_MODE;
    if (align <= hak_page_size && n <= HAK_POOL_MAX) {
        /* Where USER is BASE, every block of a class whose size is a multiple of align is
         * aligned (slabs start on page boundaries). */
        size_t m = n < align ? align : n;
        unsigned c = hak_size_class(m);
        if (!HAK_HEADERS(lv) && hak_class_sizes[c] % align == 0) return hak_alloc_class(c, n, lv);
        /* Otherwise take a block with room to slide the pointer up to the alignment. */
        size_t r = hak_class_request(n + align - HAK_MIN_ALIGN, lv);
        if (r <= HAK_POOL_MAX) {
            c = hak_size_class(r);
            char *u = hak_alloc_class(c, n, lv);
            if (!u) return NULL;
            char *a = (char *)hak_align_up((uintptr_t)u, align);
            if (a != u) {
                hak_slab_at((uintptr_t)u, hak_layout[c].slab_shift)->flags |= HAK_SLAB_ALIGNED;
                if (HAK_SHADOW(lv)) hak_shadow_free(u, (size_t)(a - u), lv); /* memcheck: the block is a */
                hak_chk_resize(hak_base_of(u, lv), c, (size_t)(a - u) + n, (size_t)(a - u), lv);
            }
            return a;
        }
    }
    bool fresh;
    return hak_large_alloc(n, align, &fresh);
}

static bool pow2(size_t a) { return a && !(a & (a - 1)); }

HAK_EXPORT int hak_posix_memalign(void **memptr, size_t align, size_t n)
{
    if (!pow2(align) || align % sizeof(void *)) return EINVAL;
    int saved = errno;
    void *p = alloc_aligned(align, n);
    if (!p) {
        errno = saved; /* posix_memalign reports through its result, not errno */
        return ENOMEM;
    }
    *memptr = p;
    return 0;
}

HAK_EXPORT void *hak_aligned_alloc(size_t align, size_t n)
{
    if (!pow2(align)) {
        errno = EINVAL;
        return NULL;
    }
    return alloc_aligned(align, n);
}

HAK_EXPORT void *hak_memalign(size_t align, size_t n)
{
    /* As glibc: a non-power-of-two alignment is rounded up. */
    if (align > ((size_t)1 << 62)) {
        errno = EINVAL;
        return NULL;
    }
    if (!pow2(align)) align = align ? (size_t)1 << (64 - __builtin_clzl(align)) : 1;
    return alloc_aligned(align, n);
}

HAK_EXPORT void *hak_valloc(size_t n)
{
    hak_ensure_init();
    return alloc_aligned(hak_page_size, n);
}

HAK_EXPORT void *hak_pvalloc(size_t n)
{
    hak_ensure_init();
    size_t m = n ? hak_align_up(n, hak_page_size) : hak_page_size;
    if (m < n) {
        errno = ENOMEM;
        return NULL;
    }
    return alloc_aligned(hak_page_size, m);
}

HAK_EXPORT size_t hak_malloc_usable_size(void *p)
{
    struct hak_blockref ref;
    if (!p) return 0;
    if (HAK_QUARANTINE(HAK_MODE) && hak_region_of((uintptr_t)p) == HAK_REGION_GUARD) return hak_guard_usable(p);
    switch (hak_lookup(p, hak_region_of((uintptr_t)p), &ref)) {
    case HAK_LOOKUP_SLAB:
    case HAK_LOOKUP_LARGE:
        return ref.usable;
    default:
        return 0;
    }
}

HAK_EXPORT void hak_trim(void)
{
    hak_ensure_init();
    struct hak_heap *h = &hak_heap_tls;
    if (h->state == HAK_HEAP_ACTIVE) hak_heap_flush(h);
    hak_pool_purge();
}

// ---- interposition ----
#ifdef HAK_INTERPOSE
#define HAK_ALIAS(name, target) \
    extern __typeof(target) name __attribute__((alias(#target), visibility("default")))

HAK_ALIAS(malloc, hak_malloc);
HAK_ALIAS(free, hak_free);
HAK_ALIAS(calloc, hak_calloc);
HAK_ALIAS(realloc, hak_realloc);
HAK_ALIAS(reallocarray, hak_reallocarray);
HAK_ALIAS(posix_memalign, hak_posix_memalign);
HAK_ALIAS(aligned_alloc, hak_aligned_alloc);
HAK_ALIAS(memalign, hak_memalign);
HAK_ALIAS(valloc, hak_valloc);
HAK_ALIAS(pvalloc, hak_pvalloc);
HAK_ALIAS(malloc_usable_size, hak_malloc_usable_size);
/* glibc's own entry points, used by some programs and by libc internals */
HAK_ALIAS(__libc_malloc, hak_malloc);
HAK_ALIAS(__libc_free, hak_free);
HAK_ALIAS(__libc_calloc, hak_calloc);
HAK_ALIAS(__libc_realloc, hak_realloc);
HAK_ALIAS(__libc_memalign, hak_memalign);
HAK_ALIAS(cfree, hak_free);

HAK_EXPORT int malloc_trim(size_t pad);
HAK_EXPORT int malloc_trim(size_t pad)
{
    (void)pad;
    hak_trim();
    return 1;
}
#endif

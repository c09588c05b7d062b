/* The C allocation API. Compiled twice: as the hak_* functions (libhakmem.a) and, with
 * HAK_INTERPOSE, also under the C library's names (libhakmem*.so).
 *
 * The fast paths are instantiated once per mode (config.h), each with its mode a
 * constant, so no feature is tested per operation. One of them is inline in malloc and
 * free themselves: the plain level of a fixed-level build, level 0 of the runtime-level
 * build. The others are called through a read-only table indexed by the mode, or, once
 * libhakmem.so's malloc and free are redirected to the mode's instance at start-up
 * (api/entry.h), jumped to directly. Which one
 * runs costs no compare of its own: in another mode, the size limit of malloc's fast
 * path and the region-map bound of free's are 0, so both fall through to the table. */
#include <errno.h>
#include <string.h>

#include "api/entry.h"
#include "api/init.h"
#include "front/front.h"
#include "front/lookup.h"
#include "integrity/guard.h"
#include "hakmem.h"
#include "large/large.h"
#include "os/os.h"
#include "slab/slab.h"

/* The instances start a cache line, so that what a redirected malloc or free costs
 * (src/api/entry.h) does not move with the code placed before them. malloc and free
 * themselves are left where they fall: aligning them too made level 0 4% slower on
 * bench_fixed_size's batch mode. */
#define HAK_HOT __attribute__((aligned(64)))

#define INSTANCE(name, m)                                                   \
    static HAK_NOINLINE HAK_HOT void *malloc_##name(size_t n)              \
    {                                                                       \
        return hak_front_malloc(n, m);                                      \
    }                                                                       \
    static HAK_NOINLINE HAK_HOT void free_##name(void *p)                  \
    {                                                                       \
        unsigned r;                                                         \
        if (hak_likely(hak_front_free(p, m, HAK_REGION_ENTRIES, &r))) return; \
        hak_free_slow(p, r);                                                \
    }
#define MALLOC_ENTRY(name, m) [m] = malloc_##name,
#define FREE_ENTRY(name, m) [m] = free_##name,

/* The modes of level l besides the plain one: (name, mode). Stacks are off under
 * Valgrind. */
#define LEVEL_MODES(X, l)                                     \
    X(l##_rings, l | HAK_MODE_RINGS)                          \
    X(l##_stacks, l | HAK_MODE_STACKS)                        \
    X(l##_rings_stacks, l | HAK_MODE_RINGS | HAK_MODE_STACKS) \
    X(l##_valgrind, l | HAK_MODE_VALGRIND)

#ifdef HAKMEM_FIXED_LEVEL
#define INLINE_MODE HAKMEM_FIXED_LEVEL
#define MODES(X) MODES_(X, HAKMEM_FIXED_LEVEL)
#if HAKMEM_FIXED_LEVEL >= 1
#define MODES_(X, l) X(l, l) LEVEL_MODES(X, l)
#else
#define MODES_(X, l) X(l, l)
#endif
#else
#define MODES(X)                                                             \
    X(0, 0) X(0_rings, HAK_MODE_RINGS)                                       \
    X(1, 1) X(2, 2) X(3, 3) X(4, 4)                                          \
    LEVEL_MODES(X, 1) LEVEL_MODES(X, 2) LEVEL_MODES(X, 3) LEVEL_MODES(X, 4)
#endif

_Static_assert((HAK_MODE_BITS | 7) < 64, "a mode indexes a table of 64");
MODES(INSTANCE)
static void *(*const malloc_in[64])(size_t) = {MODES(MALLOC_ENTRY)};
static void (*const free_in[64])(void *) = {MODES(FREE_ENTRY)};

#ifdef HAKMEM_FIXED_LEVEL

/* In the plain mode, the largest request the inline path serves plus one, and the region
 * map's size; in any other mode, 0. */
static size_t fast_tiny_lim = HAK_TINY_FAST_MAX(INLINE_MODE) + 1;
static uintptr_t fast_region_lim = HAK_REGION_ENTRIES;

void hak_api_select_mode(void)
{
    bool plain = hak_mode == INLINE_MODE;
    /* guarded allocations are chosen before the size classes (hak_front_malloc) */
    if (!plain || (HAK_QUARANTINE(INLINE_MODE) && hak_env.guard)) fast_tiny_lim = 0;
    if (!plain) fast_region_lim = 0;
}

HAK_EXPORT void *hak_malloc(size_t n)
{
    if (hak_likely(n < fast_tiny_lim)) return hak_front_pop(n, INLINE_MODE);
    return malloc_in[hak_mode](n);
}

HAK_EXPORT void hak_free(void *p)
{
    unsigned r;
    if (hak_likely(hak_front_free(p, INLINE_MODE, fast_region_lim, &r))) return;
    if (hak_unlikely(fast_region_lim == 0)) free_in[hak_mode](p);
    else hak_free_slow(p, r);
}

#else

/* Levels 0 and 1 (the default of libhakmem.so) are both inline. The largest request the
 * inline path of level 0, or 1, serves plus one, in that mode; 0 in any other. free tests
 * the mode instead. */
static size_t l0_tiny_lim = HAK_TINY_FAST_MAX(0) + 1, l1_tiny_lim;

#ifdef HAK_INTERPOSE
/* malloc and free themselves, by names that cannot be interposed */
extern void *hak_malloc_entry(size_t n) __attribute__((visibility("hidden")));
extern void hak_free_entry(void *p) __attribute__((visibility("hidden")));
#endif

void hak_api_select_mode(void)
{
    if (hak_mode != 0) l0_tiny_lim = 0;
    if (hak_mode == 1) l1_tiny_lim = HAK_TINY_FAST_MAX(1) + 1;
#ifdef HAK_INTERPOSE
    /* Outside level 0, malloc and free jump straight to the mode's instance (entry.h):
     * the code of libhakmem-lN.so, without the compares and the table. */
    if (hak_mode != 0 && hak_entry_redirect_ok()) {
        hak_entry_redirect((void *)hak_malloc_entry, (const void *)malloc_in[hak_mode]);
        hak_entry_redirect((void *)hak_free_entry, (const void *)free_in[hak_mode]);
    }
#endif
}

HAK_EXPORT void *hak_malloc(size_t n)
{
    if (hak_likely(n < l0_tiny_lim)) return hak_front_pop(n, 0);
    if (hak_likely(n < l1_tiny_lim)) return hak_front_pop(n, 1);
    return malloc_in[hak_mode](n);
}

HAK_EXPORT void hak_free(void *p)
{
    unsigned r;
    int m = hak_mode;
    if (hak_likely(m == 0)) {
        if (hak_likely(hak_front_free(p, 0, HAK_REGION_ENTRIES, &r))) return;
        hak_free_slow(p, r);
    } else if (hak_likely(m == 1)) {
        if (hak_likely(hak_front_free(p, 1, HAK_REGION_ENTRIES, &r))) return;
        hak_free_slow(p, r);
    } else {
        free_in[m](p);
    }
}

#ifdef HAK_INTERPOSE
extern __typeof(hak_malloc) hak_malloc_entry __attribute__((alias("hak_malloc"), visibility("hidden")));
extern __typeof(hak_free) hak_free_entry __attribute__((alias("hak_free"), visibility("hidden")));
#endif

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
        if (HAK_HEADERS(HAK_MODE) && !hak_large_guards_intact(ref.large, HAK_SITE_realloc)) {
            errno = EINVAL;
            return NULL;
        }
        if (n > HAK_POOL_MAX) return hak_large_realloc(ref.large, n);
        break;
    case HAK_LOOKUP_SLAB: {
        /* Stay in place unless the block would be less than half used; room means the
         * rest of the block, less the tail sentinel byte where there is one. */
        int lv = HAK_MODE;
        unsigned c = ref.slab->cls;
        size_t room = hak_layout[c].size - (size_t)((char *)p - (char *)hak_user_of(ref.base, lv)) -
                      (HAK_HEADERS(lv) ? 1 : 0);
        if (HAK_CHECKS(lv) && *hak_state_at(ref.base) != hak_state(c, HAK_BLOCK_LIVE)) {
            hak_violation_block(HAK_KIND_double_free, HAK_SITE_realloc, p, ref.base, ref.slab, HAK_BLOCK_LIVE,
                                hak_state_holder(*hak_state_at(ref.base)), "state of the block given to realloc");
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
    case HAK_LOOKUP_LARGE_BAD:
        if (HAK_CHECKS(HAK_MODE)) hak_report_large_header(p, ref.base, HAK_SITE_realloc);
        errno = EINVAL;
        return NULL;
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

/* Large blocks: mapped directly, unmapped on free, resized with mremap. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "large/large.h"
#include "os/os.h"
#include "stats.h"
#include "superslab/superslab.h"
#include "box/next_ptr.h"
#include "integrity/checks.h"
#include "integrity/shadow.h"
#include "integrity/stack_depot.h"
#include "inject/inject.h"

/* The last large blocks freed, so that freeing one again reads as a double free rather
 * than as a pointer hakmem never owned (its mapping is gone). */
#define HAK_LARGE_FREED_KEPT 64
static struct {
    uintptr_t user;
    uint32_t stacks[2];
} freed_recently[HAK_LARGE_FREED_KEPT];
static unsigned freed_next;

bool hak_large_freed_recently(const void *p, uint32_t stacks[2])
{
    for (unsigned i = 0; i < HAK_LARGE_FREED_KEPT; i++)
        if (__atomic_load_n(&freed_recently[i].user, __ATOMIC_RELAXED) == (uintptr_t)p) {
            stacks[0] = freed_recently[i].stacks[0];
            stacks[1] = freed_recently[i].stacks[1];
            return true;
        }
    return false;
}

static size_t map_size_for(size_t user_off, size_t size)
{
    size_t extra = HAK_HEADERS(HAK_MODE) ? 1 : 0; /* at least one byte of tail sentinel */
    if (size > PTRDIFF_MAX - user_off - hak_page_size - extra) return 0;
    return hak_align_up(user_off + size + extra, hak_page_size);
}

#if HAK_LEVEL_MAX >= 2
/* The bytes of the mapping after the requested size that the guard covers. */
static size_t tail_guard(const struct hak_large *l)
{
    size_t slack = l->map_size - l->user_off - l->size;
    return slack < HAK_LARGE_GUARD ? slack : HAK_LARGE_GUARD;
}

static void guards_fill(struct hak_large *l)
{
    char *user = hak_large_user(l);
    memset(user - HAK_LARGE_GUARD, HAK_TAIL_BYTE, HAK_LARGE_GUARD);
    memset(user + l->size, HAK_TAIL_BYTE, tail_guard(l));
}

bool hak_large_guards_intact(struct hak_large *l, unsigned site)
{
    char *user = hak_large_user(l);
    /* from the block down: the byte nearest it is the one an underflow reached first */
    for (char *at = user - 1; at >= user - HAK_LARGE_GUARD; at--)
        if (*at != (char)HAK_TAIL_BYTE) {
            hak_violation_large(HAK_KIND_canary_underflow, site, at, l, HAK_TAIL_BYTE, (uint8_t)*at,
                                "guard bytes before a large block");
            return false;
        }
    size_t n = tail_guard(l);
    size_t bad = hak_first_bad_byte(user + l->size, n, HAK_TAIL_BYTE);
    if (bad < n) {
        hak_violation_large(HAK_KIND_canary_overflow, site, user + l->size + bad, l, HAK_TAIL_BYTE,
                            (uint8_t)user[l->size + bad], "tail sentinel after the requested size of a large block");
        return false;
    }
    return true;
}
#else
static void guards_fill(struct hak_large *l) { (void)l; }
#endif

static void region_own(struct hak_large *l)
{
    uintptr_t a = (uintptr_t)l;
    if (l->user_off < HAK_SS_SIZE) {
        hak_region_set(a, l->map_size, HAK_REGION_LARGE, HAK_REGION_LARGE_CONT);
    } else {
        hak_region_set(a, HAK_SS_SIZE, HAK_REGION_LARGE_CONT, HAK_REGION_LARGE_CONT);
        hak_region_set(a + HAK_SS_SIZE, l->map_size - HAK_SS_SIZE, HAK_REGION_LARGE_PREV, HAK_REGION_LARGE_CONT);
    }
}

static void region_disown(struct hak_large *l)
{
    hak_region_set((uintptr_t)l, l->map_size, HAK_REGION_NONE, HAK_REGION_NONE);
}

/* map_size bytes at a 2 MiB boundary lying 2 MiB below a multiple of align (> 2 MiB). */
static void *map_below_aligned(size_t map_size, size_t align)
{
    if (map_size > SIZE_MAX - align) return NULL;
    char *a = hak_os_map_aligned(align + map_size, align);
    if (!a) return NULL;
    char *base = a + align - HAK_SS_SIZE;
    hak_os_unmap(a, align - HAK_SS_SIZE);
    hak_os_unmap(base + map_size, HAK_SS_SIZE);
    return base;
}

void *hak_large_alloc(size_t size, size_t align, bool *fresh)
{
    size_t user_off = align < HAK_LARGE_HEADER ? HAK_LARGE_HEADER : align < HAK_SS_SIZE ? align : HAK_SS_SIZE;
    size_t map_size = map_size_for(user_off, size);
    if (!map_size) {
        errno = ENOMEM;
        return NULL;
    }
    struct hak_large *l = align > HAK_SS_SIZE ? map_below_aligned(map_size, align)
                                              : hak_os_map_aligned(map_size, HAK_SS_SIZE);
    if (!l) {
        errno = ENOMEM;
        return NULL;
    }
    l->magic = HAK_LARGE_MAGIC;
    l->map_size = map_size;
    l->size = size;
    l->user_off = user_off;
    region_own(l);
    HAK_COUNT(large_mapped, 1);
    hak_count_mapped((ptrdiff_t)map_size);
    *fresh = true;
    if (HAK_CHECKS(HAK_MODE)) {
        /* this address is live again */
        for (unsigned i = 0; i < HAK_LARGE_FREED_KEPT; i++)
            if (freed_recently[i].user == (uintptr_t)hak_large_user(l))
                __atomic_store_n(&freed_recently[i].user, 0, __ATOMIC_RELAXED);
        l->alloc_stack = HAK_STACKS(HAK_MODE) ? hak_stack_capture_app(0) : 0;
    }
    if (HAK_HEADERS(HAK_MODE)) guards_fill(l);
    HAK_EV(HAK_MODE, large_map, large, HAK_EVENT_NO_CLASS, hak_large_user(l), l, map_size, size);
    HAK_EV(HAK_MODE, alloc, large, HAK_EVENT_NO_CLASS, hak_large_user(l), l, map_size - user_off, size);
    void *user = hak_large_user(l);
    if (!HAK_ASAN) hak_shadow_alloc(user, size, HAK_MODE);
    if (HAK_FAULT(missing_header, HAK_EVENT_NO_CLASS, user)) {
        /* the header as it was before it was written: a new mapping is zero */
        memset(l, 0, sizeof *l);
        HAK_FAULT_FIRED(missing_header);
    }
    return user;
}

void hak_large_free(struct hak_large *l)
{
    /* unmapped right after: only memcheck needs to hear of it (ASan would keep the poison) */
    if (!HAK_ASAN) hak_shadow_free(hak_large_user(l), l->size, HAK_MODE);
    if (HAK_CHECKS(HAK_MODE)) {
        unsigned i = __atomic_fetch_add(&freed_next, 1, __ATOMIC_RELAXED) % HAK_LARGE_FREED_KEPT;
        freed_recently[i].stacks[0] = l->alloc_stack;
        freed_recently[i].stacks[1] = HAK_STACKS(HAK_MODE) ? hak_stack_capture_app(0) : 0;
        __atomic_store_n(&freed_recently[i].user, (uintptr_t)hak_large_user(l), __ATOMIC_RELEASE);
    }
    HAK_EV(HAK_MODE, large_unmap, large, HAK_EVENT_NO_CLASS, hak_large_user(l), l, l->map_size, l->size);
    region_disown(l);
    l->magic = 0;
    HAK_COUNT(large_mapped, (size_t)-1);
    hak_count_mapped(-(ptrdiff_t)l->map_size);
    hak_os_unmap(l, l->map_size);
}

void *hak_large_realloc(struct hak_large *l, size_t size)
{
    size_t old = l->map_size, want = map_size_for(l->user_off, size);
    if (!want) {
        errno = ENOMEM;
        return NULL;
    }
    if (want <= old) {
        /* Shrink in place; give back the tail once it is worth a system call. */
        if (old - want >= ((size_t)64 << 10)) {
            region_disown(l);
            hak_os_unmap((char *)l + want, old - want);
            l->map_size = want;
            region_own(l);
            hak_count_mapped(-(ptrdiff_t)(old - want));
        }
        l->size = size;
        if (HAK_HEADERS(HAK_MODE)) guards_fill(l);
        return hak_large_user(l);
    }
    void *p = mremap(l, old, want, 0); /* grow in place when the pages after are free */
    if (p == MAP_FAILED) {
        /* Move the pages to a new 2 MiB-aligned range: reserve it, then let mremap
         * replace the reservation. Nothing is copied. */
        void *dest = hak_os_map_aligned(want, HAK_SS_SIZE);
        if (!dest) return NULL;
        p = mremap(l, old, want, MREMAP_MAYMOVE | MREMAP_FIXED, dest);
        if (p == MAP_FAILED) {
            hak_os_unmap(dest, want);
            errno = ENOMEM;
            return NULL;
        }
        hak_region_set((uintptr_t)l, old, HAK_REGION_NONE, HAK_REGION_NONE);
    }
    l = p;
    l->map_size = want;
    l->size = size;
    if (HAK_HEADERS(HAK_MODE)) guards_fill(l);
    region_own(l);
    hak_count_mapped((ptrdiff_t)(want - old));
    return hak_large_user(l);
}

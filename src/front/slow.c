/* The general paths behind the fast ones: allocation by class with refill, large
 * blocks, and free of anything that is not a plain block of a slab the thread owns
 * (another thread's, an abandoned slab's, an aligned block, a large block, or a pointer
 * hakmem does not own, which is reported from level 1 and ignored at level 0). */
#include <errno.h>

#include "api/init.h"
#include "front/front.h"
#include "front/lookup.h"
#include "large/large.h"
#include "slab/slab.h"

#if HAK_LEVEL_MAX >= 1
HAK_COLD void *hak_bin_bad_head(struct hak_bin *b, void *base, unsigned c, size_t n, unsigned site)
{
    hak_bad_pop(base, c, site);
    b->head = NULL;
    b->count = 0;
    return hak_alloc_class(c, n, HAK_MODE);
}

HAK_COLD void *hak_bad_user(void *user, void *base, unsigned c, size_t n, unsigned site)
{
    hak_violation_block(HAK_KIND_user_base_mismatch, site, user, base, NULL,
                        (uintptr_t)base + hak_layout[c].user_off, (uintptr_t)user, "USER of the block (expected, found)");
    return hak_alloc_class(c, n, HAK_MODE);
}
#endif

void *hak_alloc_class(unsigned c, size_t n, int lv)
{
    struct hak_heap *h = &hak_heap_tls;
    struct hak_bin *b = &h->bins[c];
    if (!b->head && !hak_heap_refill(c)) {
        errno = ENOMEM;
        return NULL;
    }
    /* a bad head is reported, its bin dropped, and the request served from a refill */
    return hak_bin_pop(b, c, n, HAK_SITE_slow_malloc, lv);
}

void *hak_malloc_slow(size_t n)
{
    hak_ensure_init();
    int lv = HAK_MODE;
    if (n < HAK_POOL_MAX) {
        size_t r = hak_class_request(n, lv);
        if (r <= HAK_POOL_MAX) return hak_alloc_class(hak_size_class(r), n, lv);
    }
    bool fresh;
    return hak_large_alloc(n, 0, &fresh);
}

/* A checked block of slab s goes back: to our cache, to an abandoned slab, or to the
 * owner's remote queue. The owner may have changed since the check (the owner exited,
 * the slab was adopted), so the block state is set here to what the destination expects:
 * free on a free list or in a cache, remote in a remote queue. */
void hak_free_route(struct hak_slab *s, void *base, int lv)
{
    struct hak_heap *h = &hak_heap_tls;
    uint32_t owner = __atomic_load_n(&s->owner, __ATOMIC_ACQUIRE);
    for (;;) {
        bool mine = owner == h->tid || owner == HAK_OWNER_ABANDONED;
        if (HAK_CHECKS(lv))
            __atomic_store_n(hak_state_at(base), hak_state(s->cls, mine ? HAK_BLOCK_FREE : HAK_BLOCK_REMOTE), __ATOMIC_RELEASE);
        if (owner == h->tid) {
            hak_bin_push(h, s->cls, base, HAK_SITE_slow_free, NULL, lv);
            return;
        }
        if (owner != HAK_OWNER_ABANDONED) {
            hak_remote_push(s, base, lv);
            return;
        }
        if (hak_abandoned_free(s, base, lv)) return;
        owner = HAK_OWNER_NONE; /* adopted meanwhile: push it remotely, whoever owns it now */
    }
}

static void free_base(void *p, struct hak_slab *s, void *base, int lv)
{
    struct hak_heap *h = &hak_heap_tls;
    uint32_t owner = __atomic_load_n(&s->owner, __ATOMIC_ACQUIRE);
    enum hak_free_by by = owner == h->tid || owner == HAK_OWNER_ABANDONED ? HAK_FREE_OWNER : HAK_FREE_REMOTE;
    if (!hak_chk_in(p, s, base, s->cls, by, HAK_SITE_slow_free, NULL, lv)) return;
    if (HAK_QUARANTINE(lv)) {
        if (h->state != HAK_HEAP_ACTIVE) h = hak_heap_setup();
        hak_quarantine_put(h, base, s->cls, lv);
        return;
    }
    hak_free_route(s, base, lv);
}

void hak_free_slow(void *p, unsigned region)
{
    int lv = HAK_MODE;
    struct hak_blockref ref;
    if (HAK_QUARANTINE(lv) && region == HAK_REGION_GUARD) {
        HAK_EV(lv, free, slow_free, HAK_EVENT_NO_CLASS, p, p, 0, 0);
        hak_guard_free(p);
        return;
    }
    switch (hak_lookup(p, region, &ref)) {
    case HAK_LOOKUP_SLAB:
        HAK_EV(lv, free, slow_free, ref.slab->cls, p, ref.base, 0, 0);
        free_base(p, ref.slab, ref.base, lv);
        return;
    case HAK_LOOKUP_LARGE:
        HAK_EV(lv, free, slow_free, HAK_EVENT_NO_CLASS, p, ref.base, 0, ref.large->size);
        /* reported: the block stays mapped, never reused */
        if (HAK_HEADERS(lv) && !hak_large_guards_intact(ref.large, HAK_SITE_slow_free)) return;
        hak_large_free(ref.large);
        return;
    case HAK_LOOKUP_FOREIGN:
        /* NULL, or not hakmem's: ignored at level 0, where nothing around it is read */
        if (HAK_CHECKS(lv) && p) hak_report_bad_pointer(p, HAK_KIND_foreign_free, HAK_SITE_slow_free);
        return;
    case HAK_LOOKUP_INTERIOR:
        if (HAK_CHECKS(lv)) hak_report_bad_pointer(p, HAK_KIND_interior_free, HAK_SITE_slow_free);
        return;
    case HAK_LOOKUP_UNASSIGNED:
        if (HAK_CHECKS(lv)) hak_report_bad_pointer(p, HAK_KIND_invalid_free, HAK_SITE_slow_free);
        return;
    case HAK_LOOKUP_LARGE_BAD:
        /* without its header the mapping's size is unknown: it stays mapped */
        if (HAK_CHECKS(lv)) hak_report_large_header(p, ref.base, HAK_SITE_slow_free);
        return;
    }
}

/* The general paths behind the fast ones: allocation by class with refill, large
 * blocks, and free of anything that is not a plain block of a slab the thread owns
 * (another thread's, an abandoned slab's, an aligned block, a large block, or a pointer
 * hakmem does not own). */
#include <errno.h>

#include "api/init.h"
#include "front/front.h"
#include "front/lookup.h"
#include "large/large.h"
#include "slab/slab.h"

void *hak_alloc_class(unsigned c, size_t n, int lv)
{
    struct hak_heap *h = &hak_heap_tls;
    struct hak_bin *b = &h->bins[c];
    if (!b->head) {
        if (!hak_heap_refill(c)) {
            errno = ENOMEM;
            return NULL;
        }
    }
    void *base = b->head;
    void *next = hak_next_get(base, c, slow_malloc, lv);
    b->head = next;
    b->count--;
    HAK_EV(lv, tls_pop, slow_malloc, c, base, base, next, b->count);
    return hak_block_out(base, c, n, HAK_SITE_slow_malloc, lv);
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

/* A block of slab s goes back: to our cache, to an abandoned slab, or to the owner. */
static void free_base(struct hak_slab *s, void *base, int lv)
{
    for (;;) {
        struct hak_heap *h = &hak_heap_tls;
        uint32_t owner = __atomic_load_n(&s->owner, __ATOMIC_ACQUIRE);
        if (owner == h->tid) {
            hak_bin_push(h, s->cls, base, HAK_SITE_slow_free, lv);
            return;
        }
        if (owner != HAK_OWNER_ABANDONED) {
            hak_remote_push(s, base, lv);
            return;
        }
        if (hak_abandoned_free(s, base, lv)) return;
        /* adopted meanwhile: its new owner decides */
    }
}

void hak_free_slow(void *p, unsigned region)
{
    int lv = HAK_MODE;
    struct hak_blockref ref;
    switch (hak_lookup(p, region, &ref)) {
    case HAK_LOOKUP_SLAB:
        HAK_EV(lv, free, slow_free, ref.slab->cls, p, ref.base, 0, 0);
        free_base(ref.slab, ref.base, lv);
        return;
    case HAK_LOOKUP_LARGE:
        HAK_EV(lv, free, slow_free, HAK_EVENT_NO_CLASS, p, ref.base, 0, ref.large->size);
        hak_large_free(ref.large);
        return;
    default:
        /* Not a block hakmem handed out: ignored at level 0, never touched. */
        return;
    }
}

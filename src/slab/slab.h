/* Operations on one slab's blocks, shared by the tiny classes and the mid-size pool
 * (they differ only in slab size, which the layout table gives per class).
 *
 * Every block of an assigned slab is in exactly one place: the slab's free list, its
 * remote queue, a thread cache, the program's hands, or never carved. used counts all
 * but the free list and the uncarved rest, so
 *      used + nfree + (capacity - carved) == capacity
 * holds whenever the owner is not in the middle of an operation (principle 5). Every
 * path that moves blocks across that line updates used and nfree here, once. */
#ifndef HAK_SLAB_H
#define HAK_SLAB_H

#include "box/next_ptr.h"
#include "inject/inject.h"
#include "superslab/superslab.h"

struct hak_heap;

/* A block goes back on its slab's free list (owner, or pool lock when abandoned). */
HAK_INLINE void hak_slab_push_free(struct hak_slab *s, void *base, unsigned site, int lv)
{
    /* level 1: the block lies in the slab it goes back to */
    if (HAK_CHECKS(lv) && hak_unlikely((char *)base < s->start ||
                                       (char *)base >= s->start + (size_t)s->capacity * hak_layout[s->cls].stride)) {
        if (HAK_RINGS(lv)) hak_ev_record(HAK_EV_drain, site, s->cls, s, base, s->used, s->nfree);
        hak_violation_block(HAK_KIND_slab_meta_invariant, site, base, base, s, (uintptr_t)s->start, (uintptr_t)base,
                            "block returned to a slab it is not in (slab start, block)");
        return;
    }
    hak_next_set_(base, s->free, s->cls, site, lv);
    s->free = base;
    s->nfree++;
    bool uncounted = HAK_FAULT(drain_no_count, s->cls, base);
    if (!uncounted) s->used--;
    if (HAK_RINGS(lv)) hak_ev_record(HAK_EV_drain, site, s->cls, s, base, s->used, s->nfree);
    if (uncounted) HAK_FAULT_FIRED(drain_no_count);
}

/* refill.c: fills the empty thread cache of class c; false when memory ran out. */
bool hak_refill(struct hak_heap *h, unsigned c, int lv);
/* drain.c: returns up to n blocks of the thread cache of class c to their slabs. */
void hak_drain(struct hak_heap *h, unsigned c, uint32_t n, int lv);
/* drain.c: gives the thread's slabs of class c back (release or abandon). */
void hak_slabs_disown(struct hak_heap *h, unsigned c, int lv);
/* drain.c: moves full slabs with remote frees back to the partial list and releases
 * empty slabs (all of them, or all but one when keep_one). */
void hak_slabs_tidy(struct hak_heap *h, unsigned c, bool keep_one, int lv);

/* remote.c: a free by a thread that does not own the slab. */
void hak_remote_push(struct hak_slab *s, void *base, int lv);
/* remote.c: the owner moves the remote queue onto the free list; returns the count. */
uint32_t hak_remote_collect(struct hak_slab *s, int lv);

HAK_INLINE bool hak_remote_pending(const struct hak_slab *s)
{
    return __atomic_load_n(&s->remote, __ATOMIC_RELAXED) != HAK_REMOTE_END;
}

#endif

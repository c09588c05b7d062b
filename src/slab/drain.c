/* Drain: blocks go from a thread cache back to their slabs' free lists, and slabs that
 * empty go back to the shared pool. Also the periodic tidy and the hand-over of a
 * thread's slabs when it exits. */
#include "front/heap.h"
#include "integrity/checks.h"
#include "slab/slab.h"

/* Level 2: a slab's free blocks are checked, as if reused, before the slab goes back to
 * the pool, where carving would write every block anew and erase what a dangling pointer
 * wrote into one. A bad block is reported (site slab_pool) and the slab's free list
 * dropped: the slab is kept, never released, and the block never handed out. */
static bool releasable(struct hak_slab *s, int lv)
{
    if (!HAK_HEADERS(lv)) return true;
    void *bad = hak_first_bad_free(s->free, s->nfree, s->cls, lv);
    if (hak_likely(!bad)) return true;
    hak_bad_pop(bad, s->cls, HAK_SITE_slab_pool);
    hak_drop_free_list(s);
    return false;
}

/* An empty slab is given back unless keep_one is set and it is the thread's only slab
 * of a tiny class: that one is kept so that a class whose population hovers around one
 * slab does not take and give back a slab over and over. (Pool slabs are 512 KiB: kept
 * for all 28 pool classes they would hold 14 MiB.) */
static void maybe_release(struct hak_heap *h, unsigned c, struct hak_slab *s, bool keep_one, int lv)
{
    struct hak_slab_list *partial = &h->partial[c];
    if (keep_one && c < HAK_TINY_CLASSES && s->list == HAK_LIST_PARTIAL && partial->count == 1 &&
        h->full[c].count == 0)
        return;
    hak_slab_list_remove(s->list == HAK_LIST_FULL ? &h->full[c] : partial, s);
    if (releasable(s, lv)) hak_slab_release(s);
    else hak_slab_list_append(&h->full[c], s, HAK_LIST_FULL);
}

void hak_drain(struct hak_heap *h, unsigned c, uint32_t n, int lv)
{
    struct hak_bin *b = &h->bins[c];
    unsigned shift = hak_layout[c].slab_shift;
    while (n-- && b->head) {
        void *p = b->head;
        b->head = hak_next_get(p, c, drain, lv);
        b->count--;
        struct hak_slab *s = hak_slab_at((uintptr_t)p, shift);
#ifdef HAKMEM_INJECT
        /* the slab found from the end of the block's USER area rounded up to the next
         * stride: for a slab's last block that is the next slab (a boundary block filed
         * under its neighbour) */
        bool misfiled = false;
        if (hak_inject_armed == HAK_FAULT_slab_index_user && s->index + 1 < hak_ss_of(s)->nslabs &&
            (char *)p + 2 * (size_t)hak_layout[c].stride > s->start + (size_t)s->capacity * hak_layout[c].stride &&
            (misfiled = HAK_FAULT(slab_index_user, c, p)))
            s = hak_slab_at((uintptr_t)hak_slab_end(s, shift), shift);
#endif
        hak_slab_push_free(s, p, HAK_SITE_drain, lv);
#ifdef HAKMEM_INJECT
        if (misfiled) HAK_FAULT_FIRED(slab_index_user);
#endif
        hak_chk_slab_counts(s, HAK_SITE_drain, lv);
        if (s->list == HAK_LIST_FULL) {
            hak_slab_list_remove(&h->full[c], s);
            hak_slab_list_append(&h->partial[c], s, HAK_LIST_PARTIAL);
        }
        if (s->used == 0) maybe_release(h, c, s, true, lv);
    }
}

void hak_slabs_tidy(struct hak_heap *h, unsigned c, bool keep_one, int lv)
{
    struct hak_slab *s, *next;
    for (s = h->full[c].head; s; s = next) {
        next = s->next;
        if (hak_remote_collect(s, lv)) {
            hak_slab_list_remove(&h->full[c], s);
            hak_slab_list_append(&h->partial[c], s, HAK_LIST_PARTIAL);
        }
    }
    for (s = h->partial[c].head; s; s = next) {
        next = s->next;
        hak_remote_collect(s, lv);
        if (s->used == 0) maybe_release(h, c, s, keep_one, lv);
    }
}

void hak_slabs_disown(struct hak_heap *h, unsigned c, int lv)
{
    struct hak_slab_list *lists[2] = {&h->partial[c], &h->full[c]};
    for (unsigned i = 0; i < 2; i++) {
        struct hak_slab *s;
        while ((s = lists[i]->head)) {
            hak_slab_list_remove(lists[i], s);
            hak_remote_collect(s, lv);
            if (s->used == 0 && releasable(s, lv)) hak_slab_release(s);
            else hak_slab_abandon(s);
        }
    }
}

/* Refill: a thread cache ran empty. Blocks come, in this order, from the thread's current
 * slab of the class (its free list, then its remote queue, then carving never-used
 * space), from its other slabs, from its full slabs that received remote frees, from a
 * slab an exited thread abandoned, and last from a fresh slab of the shared pool. */
#include "front/heap.h"
#include "integrity/checks.h"
#include "slab/slab.h"

/* Moves up to want blocks from s into bin b. */
static uint32_t take(struct hak_slab *s, struct hak_bin *b, uint32_t want, int lv)
{
    const struct hak_class_layout *l = &hak_layout[s->cls];
    uint32_t got = 0;
    if (!s->free) hak_remote_collect(s, lv);
    unsigned c = s->cls;
    if (s->free) {
        void *head = s->free, *tail = head, *next;
        got = 1;
        while (got < want && (next = hak_next_get(tail, c, refill, lv)) != NULL) {
            tail = next;
            got++;
        }
        s->free = got < want ? NULL : hak_next_get(tail, c, refill, lv);
        hak_next_set(tail, b->head, c, refill, lv);
        b->head = head;
        s->nfree -= got;
        s->used += got;
        b->count += got;
        HAK_EV(lv, refill, refill, c, s, head, got, b->count);
    }
    if (got < want && s->carved < s->capacity) {
        /* Carve from the highest block down so the bin hands out ascending addresses. */
        uint32_t n = want - got, left = s->capacity - s->carved;
        if (n > left) n = left;
        uint32_t stride = l->stride;
        bool short_stride = stride > HAK_HEADER_SIZE && HAK_FAULT(stride_no_header, c, s->start + (size_t)s->carved * l->stride);
        if (short_stride) stride -= HAK_HEADER_SIZE;
        char *first = s->start + (size_t)s->carved * l->stride;
        HAK_EV(lv, carve, carve, c, s, first, stride, n);
        if (short_stride) HAK_FAULT_FIRED(stride_no_header);
        char *p = first + (size_t)(n - 1) * stride;
        for (uint32_t i = 0; i < n; i++, p -= stride) {
            /* level 1: carving lands on the layout's block boundaries (the slab-bound check) */
            if (HAK_CHECKS(lv) && hak_unlikely(hak_block_index(l, (uintptr_t)(p - s->start)) * (size_t)l->stride !=
                                               (size_t)(p - s->start))) {
                hak_violation_block(HAK_KIND_slab_meta_invariant, HAK_SITE_carve, p, NULL, s, l->stride, stride,
                                    "carve stride (expected the layout's, found)");
                return got; /* nothing of this carve is handed out */
            }
            if (HAK_CHECKS(lv)) *hak_state_at(p) = hak_state(c, HAK_BLOCK_FREE);
            if (HAK_HEADERS(lv)) hak_poison_block(p, c, lv); /* as if freed: checked on the way out */
            hak_next_set(p, b->head, c, carve, lv);
            b->head = p;
        }
        s->carved += n;
        s->used += n;
        b->count += n;
        got += n;
    }
    hak_chk_slab_counts(s, HAK_SITE_refill, lv);
    return got;
}

/* Full slabs that others freed into since we last looked: scan a few, oldest first. */
static struct hak_slab *reclaim_full(struct hak_heap *h, unsigned c, int lv)
{
    struct hak_slab_list *full = &h->full[c];
    for (unsigned i = 0; i < 8 && full->head; i++) {
        struct hak_slab *s = full->tail;
        hak_slab_list_remove(full, s);
        if (hak_remote_collect(s, lv)) {
            hak_slab_list_push(&h->partial[c], s, HAK_LIST_PARTIAL);
            return s;
        }
        hak_slab_list_push(full, s, HAK_LIST_FULL);
    }
    return NULL;
}

static struct hak_slab *new_slab(struct hak_heap *h, unsigned c, int lv)
{
    struct hak_slab *s = reclaim_full(h, c, lv);
    if (s) return s;
    s = hak_slab_adopt(c, h->tid);
    if (s) {
        hak_remote_collect(s, lv);
    } else {
        s = hak_slab_acquire(c, h->tid);
        if (!s) return NULL;
    }
    hak_slab_list_push(&h->partial[c], s, HAK_LIST_PARTIAL);
    return s;
}

bool hak_refill(struct hak_heap *h, unsigned c, int lv)
{
    struct hak_bin *b = &h->bins[c];
    uint32_t want = hak_layout[c].batch;
    for (;;) {
        struct hak_slab *s = h->partial[c].head;
        if (!s && !(s = new_slab(h, c, lv))) return false;
        if (take(s, b, want, lv)) return true;
        hak_slab_list_remove(&h->partial[c], s);
        hak_slab_list_push(&h->full[c], s, HAK_LIST_FULL);
    }
}

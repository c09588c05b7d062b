/* Remote frees: a thread frees a block of a slab another thread owns. The block is pushed
 * onto the slab's remote queue with one compare-and-swap (lock-free, no ABA: consumers
 * only ever take the whole queue), and the owner moves the queue onto the slab's free
 * list when it needs blocks or tidies up. */
#include "inject/inject.h"
#include "integrity/checks.h"
#include "slab/slab.h"
#include "stats.h"

void hak_remote_push(struct hak_slab *s, void *base, int lv)
{
    void *head = __atomic_load_n(&s->remote, __ATOMIC_RELAXED);
    unsigned c = s->cls;
    for (;;) {
        /* Written with no event: a retry would record a link that never took effect. */
        hak_next_set_(base, head, c, HAK_SITE_remote_push, lv & ~HAK_MODE_RINGS);
        if (__atomic_compare_exchange_n(&s->remote, &head, base, true, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) break;
    }
    HAK_EV(lv, next_write, remote_push, c, hak_next_slot(base, lv), base, head, 0);
    HAK_EV(lv, remote_push, remote_push, c, base, s, head, 0);
}

/* Level 1: a node of s's remote queue must be a block of s that another thread freed. */
static bool remote_node_ok(struct hak_slab *s, void *node, int lv)
{
    if (hak_slab_at((uintptr_t)node, hak_layout[s->cls].slab_shift) != s) {
        hak_violation_block(HAK_KIND_remote_list_corrupt, HAK_SITE_remote_collect, node, NULL, s, (uintptr_t)s,
                            0, "remote queue node of another slab");
        return false;
    }
    uint8_t *st = hak_state_at(node);
    if (*st != hak_state(s->cls, HAK_BLOCK_REMOTE)) {
        hak_violation_block(HAK_KIND_remote_list_corrupt, HAK_SITE_remote_collect, node, node, s, HAK_BLOCK_REMOTE,
                            hak_state_holder(*st), "state of a remote queue node");
        return false;
    }
    *st = hak_state(s->cls, HAK_BLOCK_FREE);
    (void)lv;
    return true;
}

uint32_t hak_remote_collect(struct hak_slab *s, int lv)
{
    if (!hak_remote_pending(s)) return 0;
    void *head = __atomic_exchange_n(&s->remote, HAK_REMOTE_END, __ATOMIC_ACQUIRE);
    uint32_t n = 0;
    void *tail = NULL, *node = head;
    /* A bad node (reported from level 1) cuts the queue there: the rest is dropped. */
    while (node != HAK_REMOTE_END && node != NULL) {
        if (HAK_CHECKS(lv) && !remote_node_ok(s, node, lv)) break;
        tail = node;
        n++;
        node = hak_next_get(node, s->cls, remote_collect, lv);
    }
    if (!n) return 0;
    /* The end marker is overwritten here, so it never reaches a free list. */
    bool keep_end = HAK_FAULT(remote_sentinel, s->cls, tail);
    if (!keep_end) hak_next_set(tail, s->free, s->cls, remote_collect, lv);
    s->free = head;
    s->nfree += n;
    s->used -= n;
    HAK_EV(lv, remote_drain, remote_collect, s->cls, s, head, tail, n);
    if (keep_end) HAK_FAULT_FIRED(remote_sentinel);
    HAK_COUNT(remote_drains, 1);
    HAK_COUNT(remote_frees, n);
    return n;
}

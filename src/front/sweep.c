/* The exit sweep (level 2 and up). A free block is checked when it is handed out again
 * (hak_chk_pop): a write through a dangling pointer into a block that is never reused
 * would never be found (nor when its slab goes back to the pool, where carving writes
 * every block anew: drain.c checks a slab's free blocks before). So at exit every free
 * block whose owner can no longer change it
 * is checked as if it were reused: those the exiting thread holds (its quarantine at
 * level 4, its thread cache, the free lists of its slabs) and those of the slabs that
 * exited threads abandoned. Other threads may still run: their caches and slabs are
 * theirs, and are left alone.
 *
 * What it finds is reported as a pop would report it, at site `exit` (the quarantine's
 * own check, at site `quarantine`), and the list that held the block is dropped, so that
 * the block is never handed out, also under HAKMEM_ON_VIOLATION=report. */
#include "front/front.h"
#include "integrity/checks.h"
#include "slab/slab.h"

#if HAK_LEVEL_MAX >= 2

/* Slabs found with a bad block under the pool lock, reported once it is released (a
 * report may emit an LTTng event, and lttng-ust may allocate) and then dropped. */
#define SWEEP_REPORTS 16

void hak_exit_sweep(int lv)
{
    struct hak_heap *h = &hak_heap_tls;
    uint32_t me = 0;
    if (h->state == HAK_HEAP_ACTIVE) {
        me = h->tid;
#if HAK_LEVEL_MAX >= 4
        if (h->q_count) hak_quarantine_flush(h, lv); /* checks each block as it leaves */
#endif
        for (unsigned c = 0; c < HAK_NCLASSES; c++) {
            struct hak_bin *b = &h->bins[c];
            void *bad = hak_first_bad_free(b->head, b->count, c, lv);
            if (!bad) continue;
            hak_bad_pop(bad, c, HAK_SITE_exit);
            b->head = NULL; /* as hak_bin_bad_head drops it */
            b->count = 0;
        }
    }
    struct {
        struct hak_slab *s;
        void *head, *bad;
    } found[SWEEP_REPORTS];
    unsigned nfound = 0;
    hak_pool_lock(); /* stands in for the owner of abandoned slabs */
    for (struct hak_superslab *ss = hak_superslabs; ss && nfound < SWEEP_REPORTS; ss = ss->next) {
        if (ss->magic != HAK_SS_MAGIC) continue; /* hak_check_heap's to report */
        for (unsigned i = 0; i < ss->nslabs && nfound < SWEEP_REPORTS; i++) {
            struct hak_slab *s = &ss->slabs[i];
            uint32_t owner = __atomic_load_n(&s->owner, __ATOMIC_ACQUIRE);
            if ((owner != me || !me) && owner != HAK_OWNER_ABANDONED) continue;
            if (s->cls >= HAK_NCLASSES) continue;
            void *bad = hak_first_bad_free(s->free, s->nfree, s->cls, lv);
            if (bad) found[nfound++] = (typeof(found[0])){s, s->free, bad};
        }
    }
    hak_pool_unlock();
    for (unsigned i = 0; i < nfound; i++) {
        struct hak_slab *s = found[i].s;
        hak_bad_pop(found[i].bad, s->cls, HAK_SITE_exit);
        hak_pool_lock();
        /* unless an abandoned slab was adopted meanwhile (its new owner pops and finds the
         * block), its list goes */
        uint32_t owner = __atomic_load_n(&s->owner, __ATOMIC_ACQUIRE);
        if ((owner == me || owner == HAK_OWNER_ABANDONED) && s->free == found[i].head) hak_drop_free_list(s);
        hak_pool_unlock();
    }
}

#endif

/* The exit sweep (level 2 and up). A free block is checked when it is handed out again
 * (hak_chk_pop): a write through a dangling pointer into a block that is never reused
 * would never be found (nor when its slab goes back to the pool, where carving writes
 * every block anew: drain.c checks a slab's free blocks before). So at exit every free
 * block whose owner can no longer change it is checked as if it were reused: those the
 * exiting thread holds (its quarantine at level 4, its thread cache, the free lists of
 * its slabs) and those of the slabs that exited threads abandoned. Other threads may
 * still run: their caches and slabs are theirs, and are left alone. When the process has
 * one thread left, every slab is swept, and, unless a violation was reported already,
 * its live blocks too: their headers, canaries and tail sentinels, checked as free would
 * check them, so that an overflow past a block that is never freed is found.
 *
 * What it finds is reported as a pop would report it, at site `exit` (the quarantine's
 * own check, at site `quarantine`), and the list that held the block is dropped, so that
 * the block is never handed out, also under HAKMEM_ON_VIOLATION=report. */
#include <string.h>

#include "front/front.h"
#include "integrity/checks.h"
#include "integrity/report.h"
#include "os/os.h"
#include "slab/slab.h"

#if HAK_LEVEL_MAX >= 2

/* Whether the process has one thread left (/proc/self/stat, field 20), when it can tell:
 * then no other thread can free, reallocate or allocate anything while the sweep reads. */
static bool one_thread(void)
{
    char buf[1024];
    if (!hak_os_read_small("/proc/self/stat", buf, sizeof buf)) return false;
    const char *p = strrchr(buf, ')'); /* the command name before it may hold anything */
    for (unsigned field = 2; p && field < 20; field++) p = strchr(p + 1, ' ');
    return p && p[1] == '1' && p[2] == ' ';
}

/* Whether a live block's header, canary and tail sentinel are what free would find
 * (hak_chk_in): not after an overflow past a block the program never frees, or into the
 * next block's header. */
static bool live_intact(void *base, unsigned c, int lv)
{
    const struct hak_block_header *h = base;
    const char *user = (const char *)base + HAK_HEADER_SIZE;
    hak_shadow_open(base, hak_layout[c].stride, lv);
    bool ok = h->magic == HAK_HDR_LIVE && h->cls == c && h->canary == HAK_HDR_CANARY &&
              h->size <= hak_layout[c].size && hak_tail_intact(user, h->size, hak_layout[c].size);
    hak_shadow_close(base, hak_layout[c].stride, lv);
    return ok;
}

/* Bad blocks found under the pool lock, reported once it is released (a report may emit
 * an LTTng event, and lttng-ust may allocate); then a free list with one is dropped. */
#define SWEEP_REPORTS 16

struct finding {
    struct hak_slab *s;
    void *head; /* the free list that held the block; NULL for a live block */
    void *bad;
};

static unsigned sweep_slab(struct hak_slab *s, bool live, struct finding *f, unsigned room, int lv)
{
    unsigned n = 0, c = s->cls;
    void *bad = hak_first_bad_free(s->free, s->nfree, c, lv);
    if (bad && n < room) f[n++] = (struct finding){s, s->free, bad};
    if (!live) return n;
    const struct hak_class_layout *l = &hak_layout[c];
    uint8_t state = hak_state(c, HAK_BLOCK_LIVE);
    for (uint32_t i = 0; i < s->carved && n < room; i++) {
        char *base = s->start + (size_t)i * l->stride;
        if (*hak_state_at(base) == state && !live_intact(base, c, lv)) f[n++] = (struct finding){s, NULL, base};
    }
    return n;
}

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
    /* with other threads running, only what they cannot change: free lists of this
     * thread's slabs and abandoned ones (remote frees go to another list); alone, every
     * slab, live blocks included */
    bool alone = one_thread();
    /* a block reported already (its free refused under HAKMEM_ON_VIOLATION=report) stays
     * live as it was found: live blocks are checked only while nothing was reported */
    bool live = alone && hak_violations_reported() == 0;
    struct finding found[SWEEP_REPORTS];
    unsigned nfound = 0;
    hak_pool_lock(); /* stands in for the owner of abandoned slabs */
    for (struct hak_superslab *ss = hak_superslabs; ss && nfound < SWEEP_REPORTS; ss = ss->next) {
        if (ss->magic != HAK_SS_MAGIC) continue; /* hak_check_heap's to report */
        for (unsigned i = 0; i < ss->nslabs && nfound < SWEEP_REPORTS; i++) {
            struct hak_slab *s = &ss->slabs[i];
            uint32_t owner = __atomic_load_n(&s->owner, __ATOMIC_ACQUIRE);
            if (owner == HAK_OWNER_NONE || s->cls >= HAK_NCLASSES) continue;
            if (alone || (owner == me && me) || owner == HAK_OWNER_ABANDONED)
                nfound += sweep_slab(s, live, found + nfound, SWEEP_REPORTS - nfound, lv);
        }
    }
    hak_pool_unlock();
    for (unsigned i = 0; i < nfound; i++) {
        struct hak_slab *s = found[i].s;
        if (!found[i].head) {
            hak_bad_live((char *)found[i].bad + HAK_HEADER_SIZE, found[i].bad, s, HAK_SITE_exit);
            continue;
        }
        hak_bad_pop(found[i].bad, s->cls, HAK_SITE_exit);
        hak_pool_lock();
        /* unless an abandoned slab was adopted meanwhile (its new owner pops and finds the
         * block), its list goes */
        uint32_t owner = __atomic_load_n(&s->owner, __ATOMIC_ACQUIRE);
        if ((alone || (owner == me && me) || owner == HAK_OWNER_ABANDONED) && s->free == found[i].head)
            hak_drop_free_list(s);
        hak_pool_unlock();
    }
}

#endif

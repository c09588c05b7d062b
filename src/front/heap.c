/* Per-thread heaps: set-up, the slow paths behind the thread caches, periodic tidying,
 * and the hand-over of a thread's slabs when it exits. */
#include <pthread.h>

#include "api/init.h"
#include "front/front.h"
#include "slab/slab.h"
#include "integrity/violation.h"
#include "os/os.h"
#include "stats.h"
#include "trace/ring.h"
#if HAK_LEVEL_MAX >= 1
#include "integrity/signal.h"
#include "trace/lttng/loader.h"
#endif

__thread struct hak_heap hak_heap_tls;

static uint32_t next_tid = 1;

/* Every this many slow-path entries, a thread collects remote frees of its full slabs
 * and gives back slabs that emptied (the periodic drain). */
#define HAK_TIDY_TICKS 4096

struct hak_heap *hak_heap_setup(void)
{
    struct hak_heap *h = &hak_heap_tls;
    hak_ensure_init();
    if (h->state == HAK_HEAP_ACTIVE) return h;
    h->tid = __atomic_fetch_add(&next_tid, 1, __ATOMIC_RELAXED);
    if (h->tid >= HAK_OWNER_ABANDONED) h->tid = 1; /* after four billion threads */
    for (unsigned c = 0; c < HAK_NCLASSES; c++) h->bins[c].limit = hak_layout[c].tc_limit;
    h->canary_lo = h->canary_hi = HAK_TLS_CANARY ^ (uintptr_t)h;
    h->state = HAK_HEAP_ACTIVE;
#if HAK_LEVEL_MAX >= 1
    if (hak_level >= 1) hak_signal_thread_init();
#endif
    /* Last, once the heap works: these may allocate (keys past the first 32; lttng-ust's
     * per-thread state, set up here rather than inside the thread's first event). */
    hak_thread_exit_register(h);
#if HAK_LEVEL_MAX >= 1
    if (hak_lttng_emit) hak_lttng_thread_start();
#endif
    return h;
}

static void check_canaries(struct hak_heap *h)
{
    uint64_t want = HAK_TLS_CANARY ^ (uintptr_t)h;
    if (hak_unlikely(h->canary_lo != want || h->canary_hi != want)) {
        hak_violation_block(HAK_KIND_tls_canary, HAK_SITE_refill, h->canary_lo != want ? (void *)&h->canary_lo : (void *)&h->canary_hi,
                            h, NULL, want, h->canary_lo != want ? h->canary_lo : h->canary_hi, "thread cache canary");
        h->canary_lo = h->canary_hi = want; /* reported once; the bins may be wrong too */
    }
}

static void tidy(struct hak_heap *h)
{
    h->ticks = 0;
    for (unsigned c = 0; c < HAK_NCLASSES; c++)
        if (h->partial[c].count + h->full[c].count) hak_slabs_tidy(h, c, true, HAK_MODE);
}

struct hak_heap *hak_heap_refill(unsigned c)
{
    struct hak_heap *h = &hak_heap_tls;
    if (hak_unlikely(h->state != HAK_HEAP_ACTIVE)) h = hak_heap_setup();
    if (hak_unlikely(++h->ticks >= HAK_TIDY_TICKS)) tidy(h);
    if (HAK_HEADERS(HAK_MODE)) check_canaries(h);
    HAK_COUNT(refills, 1);
    return hak_refill(h, c, HAK_MODE) ? h : NULL;
}

void hak_heap_overflow(unsigned c)
{
    struct hak_heap *h = &hak_heap_tls;
    if (hak_unlikely(h->state != HAK_HEAP_ACTIVE)) h = hak_heap_setup();
    if (hak_unlikely(++h->ticks >= HAK_TIDY_TICKS)) tidy(h);
    if (HAK_HEADERS(HAK_MODE)) check_canaries(h);
    HAK_COUNT(drains, 1);
    struct hak_bin *b = &h->bins[c];
    hak_drain(h, c, b->count - b->limit / 2, HAK_MODE);
}

void hak_heap_flush(struct hak_heap *h)
{
#if HAK_LEVEL_MAX >= 4
    if (h->q_count) hak_quarantine_flush(h, HAK_MODE);
    if (h->quarantine) hak_os_unmap(h->quarantine, HAK_QUARANTINE_BLOCKS * sizeof(void *));
    h->quarantine = NULL;
#endif
    for (unsigned c = 0; c < HAK_NCLASSES; c++) {
        if (h->bins[c].count) hak_drain(h, c, h->bins[c].count, HAK_MODE);
        if (h->partial[c].count + h->full[c].count) hak_slabs_tidy(h, c, false, HAK_MODE);
    }
}

/* The thread is exiting: its cached blocks go back to their slabs, empty slabs to the
 * pool, and the rest are abandoned for another thread to adopt. The heap is left so that
 * a later malloc or free from another exit handler of this thread still works: it sets
 * the heap up again and registers this once more. */
void hak_heap_exit(struct hak_heap *h)
{
    if (h->state != HAK_HEAP_ACTIVE) return;
#if HAK_LEVEL_MAX >= 4
    if (h->q_count) hak_quarantine_flush(h, HAK_MODE);
    if (h->quarantine) hak_os_unmap(h->quarantine, HAK_QUARANTINE_BLOCKS * sizeof(void *));
    h->quarantine = NULL;
#endif
    for (unsigned c = 0; c < HAK_NCLASSES; c++) {
        if (h->bins[c].count) hak_drain(h, c, h->bins[c].count, HAK_MODE);
        h->bins[c].limit = 0;
        hak_slabs_disown(h, c, HAK_MODE);
    }
    h->tid = 0;
    h->state = HAK_HEAP_EXITED;
#if HAK_LEVEL_MAX >= 1
    if (HAK_RINGS(HAK_MODE)) {
        hak_ring_thread_exit();
        hak_seq_thread_exit();
    }
    if (hak_lttng_emit) hak_lttng_thread_exit();
    if (hak_level >= 1) hak_signal_thread_exit();
#endif
}

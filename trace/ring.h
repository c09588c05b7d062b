/* Per-thread pointer-trace rings: a fixed-size circular buffer of events per thread, in
 * mmap'd memory, written without locks by its thread only, and registered so that a
 * dump can find every ring, including those of threads that exited (the 64 most recent
 * exited rings are kept; older ones are reused by new threads). */
#ifndef HAK_RING_H
#define HAK_RING_H

#include "config.h"
#include "front/heap.h"
#include "trace/lttng/loader.h"
#include "trace/trace.h"

struct hak_ring {
    uint64_t written;  /* events ever written; the next goes to ev[written & mask] */
    uint64_t mask;     /* entries - 1 */
    uint64_t seq_next, seq_end; /* sequence numbers reserved by hak_ev_reserve: [next, end) */
    uint32_t tid;
    uint32_t flags;    /* HTRACE_RING_EXITED */
    struct hak_ring *next;      /* every ring, for dumps; never unlinked */
    struct hak_ring *exit_next; /* exited rings, oldest first, for reuse */
    size_t map_size;
    struct hak_event ev[] HAK_ALIGNED(64);
};

extern __thread struct hak_ring *hak_ring_tls;
extern struct hak_ring *hak_rings;
extern uint64_t hak_seq; /* the next sequence number */
extern bool hak_rings_on; /* HAKMEM_TRACE (hak_env_trace): events go to the rings */

/* The calling thread's ring, set up on its first event; NULL when the rings are off
 * (events then go to LTTng only) or cannot be mapped. */
struct hak_ring *hak_ring_setup(void);
void hak_ring_thread_exit(void);
/* An event of a thread without a ring: sets one up, or with the rings off hands the event
 * to LTTng alone (HAKMEM_LTTNG=1 without HAKMEM_TRACE), if some session records it. */
void hak_ev_record_ringless(unsigned op, unsigned site, unsigned cls, const void *ptr, const void *base,
                            uint64_t value, uint64_t size);

/* Sequence numbers, a total order across threads, come from one atomic counter. A fast
 * path that is about to record k events, all of them about the thread's own lists
 * (HAK_EV_THREAD_LOCAL), takes their k numbers in one atomic add. That keeps the order
 * true: the numbers are taken when the call starts, after everything the call could
 * depend on, and nothing another thread does meanwhile can be a cause of these events.
 * Any other event (a remote queue, a slab changing hands, a violation) takes its number
 * on its own and ends the reservation, so the events after it come after it. The fast
 * paths reserve exactly what they record (tests/trace/dump_count.sh checks that a
 * single-threaded trace has no gap). */
#define HAK_EV_THREAD_LOCAL(op)                                                                  \
    ((op) == HAK_EV_alloc || (op) == HAK_EV_free || (op) == HAK_EV_tls_push || (op) == HAK_EV_tls_pop || \
     (op) == HAK_EV_next_write || (op) == HAK_EV_next_read || (op) == HAK_EV_header_write)

HAK_INLINE void hak_ev_reserve(unsigned k)
{
    struct hak_ring *r = hak_ring_tls;
    if (hak_unlikely(!r) && (!hak_rings_on || !(r = hak_ring_setup()))) return;
    r->seq_next = __atomic_fetch_add(&hak_seq, k, __ATOMIC_RELAXED);
    r->seq_end = r->seq_next + k;
}

/* Ends the reservation of the calling thread, if any (a path that recorded fewer events
 * than it reserved). */
HAK_INLINE void hak_ev_unreserve(void)
{
    struct hak_ring *r = hak_ring_tls;
    if (r) r->seq_end = 0;
}

/* An event's fields, from a recording site's arguments (for the ring and for LTTng alone). */
HAK_INLINE void hak_ev_fill(struct hak_event *e, uint64_t seq, unsigned op, unsigned site, unsigned cls,
                            const void *ptr, const void *base, uint64_t value, uint64_t size)
{
    e->seq = seq;
    e->ptr = (uintptr_t)ptr;
    e->base = (uintptr_t)base;
    e->value = value;
    e->size = size;
    e->tid = hak_heap_tls.tid;
    e->cls = (uint16_t)cls;
    e->op = (uint8_t)op;
    e->site = (uint8_t)site;
}

/* Records one event in the calling thread's ring (and in LTTng when loaded). Without
 * rings, an event reserved by hak_ev_reserve takes its own number when it is recorded:
 * the order stays true, each number being taken after the event's causes. */
HAK_INLINE void hak_ev_record(unsigned op, unsigned site, unsigned cls, const void *ptr, const void *base,
                              uint64_t value, uint64_t size)
{
    struct hak_ring *r = hak_ring_tls;
    if (hak_unlikely(!r)) {
        /* with LTTng alone, most events are off in most sessions: tested here, not in a call */
        if (hak_rings_on || (hak_lttng_emit && hak_lttng_wanted(op)))
            hak_ev_record_ringless(op, site, cls, ptr, base, value, size);
        return;
    }
    uint64_t w = r->written, seq = r->seq_next;
    struct hak_event *e = &r->ev[w & r->mask];
    if (HAK_EV_THREAD_LOCAL(op) && hak_likely(seq < r->seq_end)) {
        r->seq_next = seq + 1;
    } else {
        seq = __atomic_fetch_add(&hak_seq, 1, __ATOMIC_RELAXED);
        r->seq_end = 0;
    }
    hak_ev_fill(e, seq, op, site, cls, ptr, base, value, size);
    __atomic_store_n(&r->written, w + 1, __ATOMIC_RELEASE);
    if (hak_unlikely(hak_lttng_emit != NULL) && hak_lttng_wanted(op)) hak_lttng_emit(e);
}

#endif

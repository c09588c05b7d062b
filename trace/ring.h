/* Per-thread pointer-trace rings: a fixed-size circular buffer of events per thread (an
 * entry is an event, or a fast path's events packed: trace/pack.h), in mmap'd memory,
 * written without locks by its thread only, and registered so that a dump can find every
 * ring, including those of threads that exited (the 64 most recent exited rings are
 * kept; older ones are reused by new threads). */
#ifndef HAK_RING_H
#define HAK_RING_H

#include <stddef.h>
#include <string.h>

#include "config.h"
#include "front/heap.h"
#include "trace/lttng/loader.h"
#include "trace/pack.h"
#include "trace/seq.h"
#include "trace/trace.h"

struct hak_ring {
    uint64_t written;  /* entries ever written; the next goes to ev[written & mask] */
    uint64_t mask;     /* entries - 1 */
    uint64_t room;     /* entries while a batch may take the fast way of hak_ev_record_n:
                        * 0 in a mode whose batches need ordinary stores (level 4, stacks:
                        * hak_ev_fill_nt) and while LTTng is loaded */
    uint32_t tid;
    uint32_t flags;    /* HTRACE_RING_EXITED */
    struct hak_ring *next;      /* every ring, for dumps; never unlinked */
    struct hak_ring *exit_next; /* exited rings, oldest first, for reuse */
    size_t map_size;
    struct hak_event ev[] HAK_ALIGNED(64);
};

extern __thread struct hak_ring *hak_ring_tls;
extern struct hak_ring *hak_rings;
extern bool hak_rings_on; /* HAKMEM_TRACE (hak_env_trace): events go to the rings */

/* The calling thread's ring, set up on its first event; NULL when the rings are off
 * (events then go to LTTng only) or cannot be mapped. */
struct hak_ring *hak_ring_setup(void);
void hak_ring_thread_exit(void);

/* An event of a thread without a ring: sets one up, or with the rings off hands the event
 * to LTTng alone (HAKMEM_LTTNG=1 without HAKMEM_TRACE), if some session records it. */
void hak_ev_record_ringless(unsigned op, unsigned site, unsigned cls, const void *ptr, const void *base,
                            uint64_t value, uint64_t size);
/* Hands events [w, w + k) of ring r to LTTng, those some session records. */
void hak_ev_emit(const struct hak_ring *r, uint64_t w, unsigned k);
/* LTTng was loaded: every ring's batches now take the way that hands events to it. */
void hak_rings_lttng_loaded(void);

/* The last 8 bytes of an event (tid, cls, op, site) are one word: the thread and class
 * part is the same for every event of a batch (hak_ev_who), the op and site part is a
 * constant at each recording site. */
_Static_assert(offsetof(struct hak_event, cls) == offsetof(struct hak_event, tid) + 4 &&
                   offsetof(struct hak_event, op) == offsetof(struct hak_event, tid) + 6 &&
                   offsetof(struct hak_event, site) == offsetof(struct hak_event, tid) + 7 &&
                   __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "tid, cls, op, site: one little-endian word");
HAK_INLINE uint64_t hak_ev_who(uint32_t tid, unsigned cls)
{
    return tid | (uint64_t)(uint16_t)cls << 32;
}

/* The event's last word: the batch's thread and class, the site's op and site. */
HAK_INLINE uint64_t hak_ev_tail(uint64_t who, const struct hak_ev_arg *a)
{
    return who | (uint64_t)(uint8_t)a->op << 48 | (uint64_t)(uint8_t)a->site << 56;
}

/* An event's fields, from a recording site's arguments (for the ring and for LTTng alone). */
HAK_INLINE void hak_ev_fill(struct hak_event *e, uint64_t seq, uint64_t who, const struct hak_ev_arg *a)
{
    e->seq = seq;
    e->ptr = (uintptr_t)a->ptr;
    e->base = (uintptr_t)a->base;
    e->value = a->value;
    e->size = a->size;
    uint64_t tail = hak_ev_tail(who, a);
    memcpy((char *)e + offsetof(struct hak_event, tid), &tail, sizeof tail);
}

/* The same with non-temporal stores: the entry goes to memory without taking a line of
 * the caches, which the ring (3 MiB by default) would otherwise take from the program's
 * blocks (docs/PERFORMANCE.md). Nothing orders them with later stores, and any locked
 * instruction waits for them to drain: they are used only for a batch whose numbers were
 * taken without the lock, and neither at level 4 (every free takes a block's state byte
 * with a compare-and-swap) nor in a mode that keeps stacks (each capture takes locked
 * adds: integrity/stack_depot.c); a dump copies another thread's entries after
 * hak_seq_barrier. */
HAK_INLINE void hak_ev_fill_nt(struct hak_event *e, uint64_t seq, uint64_t who, const struct hak_ev_arg *a)
{
#if HAK_SEQ_UNLOCKED
    _Static_assert(offsetof(struct hak_event, seq) == 0 && offsetof(struct hak_event, ptr) == 8 &&
                       offsetof(struct hak_event, base) == 16 && offsetof(struct hak_event, value) == 24 &&
                       offsetof(struct hak_event, size) == 32 && offsetof(struct hak_event, tid) == 40,
                   "six 8-byte words");
    long long *q = (long long *)(void *)e;
    __builtin_ia32_movnti64(q + 0, (long long)seq);
    __builtin_ia32_movnti64(q + 1, (long long)(uintptr_t)a->ptr);
    __builtin_ia32_movnti64(q + 2, (long long)(uintptr_t)a->base);
    __builtin_ia32_movnti64(q + 3, (long long)a->value);
    __builtin_ia32_movnti64(q + 4, (long long)a->size);
    __builtin_ia32_movnti64(q + 5, (long long)hak_ev_tail(who, a));
#else
    hak_ev_fill(e, seq, who, a);
#endif
}

/* Records k events about class cls in the calling thread's ring, numbered consecutively
 * (and hands them to LTTng when it is loaded); in one entry when they are a fast path's
 * (trace/pack.h) and the batch takes the fast way below. A fast path records all its
 * events in one call, at its end: one add for their sequence numbers (hak_seq_take) and
 * one update of the ring's count, the ring's state loaded once (k and the arguments are
 * constants and locals there, so the loop unrolls into plain stores, and the packing's
 * tests fold away; an array passed on to a call would have to be built in memory, hence
 * one call per event on the ringless way).
 * Numbers taken at the end of a call keep the order true: they come after everything the
 * call depended on, and no other thread may use what the call did before it returns (one
 * that does races with it: a program freeing one block from two threads at once, whose
 * frees may then be numbered either way). An event that another thread may depend on at
 * once (a remote push, a report) is recorded when it happens, on its own. A report comes
 * after the events of the call that led to it: a check that fails records them first
 * (hak_chk_in). A dump sees a batch whole or not at all: the count moves once, after the
 * events are written. */
#define HAK_EV_BATCH_MAX 3 /* the largest batch: a dump drops as many of a full ring's oldest entries */
void hak_ev_batch_too_big(void) __attribute__((error("a batch of events larger than HAK_EV_BATCH_MAX")));
HAK_INLINE void hak_ev_record_n(unsigned cls, unsigned k, const struct hak_ev_arg *a)
{
    if (__builtin_constant_p(k) && k > HAK_EV_BATCH_MAX) hak_ev_batch_too_big();
    struct hak_ring *r = hak_ring_tls;
    if (hak_unlikely(!r)) {
        /* with LTTng alone, most events are off in most sessions: tested here, not in a
         * call (two loads each); and one event per call, so that the arguments stay in
         * registers */
        bool rings = hak_rings_on;
#pragma GCC unroll 4
        for (unsigned i = 0; i < k; i++)
            if (rings || hak_lttng_wanted(a[i].op))
                hak_ev_record_ringless(a[i].op, a[i].site, cls, a[i].ptr, a[i].base, a[i].value, a[i].size);
        return;
    }
    /* packed before the numbers are taken: fewer registers live across that */
    struct hak_ev_arg p;
    bool packed = hak_pack(k, a, &p);
    bool unlocked;
    uint64_t seq = hak_seq_take_how(k, &unlocked);
    uint64_t w = r->written, i0 = w & r->mask, who = hak_ev_who(hak_heap_tls.tid, cls);
    if (hak_likely(i0 + k <= __atomic_load_n(&r->room, __ATOMIC_RELAXED))) {
        /* the batch does not wrap, LTTng is not loaded and the mode allows non-temporal
         * stores (one compare for the three): its entries are at constant offsets */
        struct hak_event *e = &r->ev[i0];
        if (packed) {
            /* a fast path's events, in one entry (trace/pack.h); LTTng, which reads the
             * entries a batch wrote, is not loaded on this way */
            if (hak_likely(unlocked)) hak_ev_fill_nt(e, seq, who, &p);
            else hak_ev_fill(e, seq, who, &p);
            __atomic_store_n(&r->written, w + 1, __ATOMIC_RELEASE);
            return;
        }
        if (hak_likely(unlocked)) {
#pragma GCC unroll 4
            for (unsigned i = 0; i < k; i++) hak_ev_fill_nt(&e[i], seq + i, who, &a[i]);
        } else {
            /* numbered with the lock (threads): ordinary stores (hak_ev_fill_nt). The
             * barrier keeps the compiler from computing the events' last words once for
             * both ways, before the branch: malloc and free would then hold them in
             * registers, or on the stack, on the way above too. */
            __asm__("" : "+r"(who));
#pragma GCC unroll 4
            for (unsigned i = 0; i < k; i++) hak_ev_fill(&e[i], seq + i, who, &a[i]);
        }
        __atomic_store_n(&r->written, w + k, __ATOMIC_RELEASE);
        return;
    }
    /* Every other batch (the same barrier). */
    __asm__("" : "+r"(who));
#pragma GCC unroll 4
    for (unsigned i = 0; i < k; i++) hak_ev_fill(&r->ev[(w + i) & r->mask], seq + i, who, &a[i]);
    __atomic_store_n(&r->written, w + k, __ATOMIC_RELEASE);
    if (hak_lttng_emit) hak_ev_emit(r, w, k);
}

/* Records one event. */
HAK_INLINE void hak_ev_record(unsigned op, unsigned site, unsigned cls, const void *ptr, const void *base,
                              uint64_t value, uint64_t size)
{
    const struct hak_ev_arg a = {op, site, ptr, base, value, size};
    hak_ev_record_n(cls, 1, &a);
}

#endif

/* Sequence numbers: one counter that every thread takes its events' numbers from, so that
 * the numbers are one order across threads (docs/EVENTS.md).
 *
 * A locked add on a counter all threads share costs a thread 20 cycles or more per batch:
 * it waits for the thread's earlier stores, the ring's among them, to drain. Most of the
 * time one thread takes every number: in a process with one thread, and often in one with
 * more (threads that never allocate; lttng-ust's own, when LTTng records the events). That
 * thread, the "solo" one, takes them with an add without the lock: one instruction (xadd),
 * which a signal handler running on the thread cannot split.
 *
 * The first other thread that takes a number ends this for the rest of the process, and
 * must not add while the solo thread may be inside its own unlocked add: it marks the
 * counter shared, makes every thread of the process pass a full memory barrier
 * (membarrier), then waits while the solo thread is busy. The solo thread marks itself
 * busy and then reads the mark again, with no barrier of its own: if it read the mark
 * before the other thread's barrier, its busy mark was visible by then and the other
 * thread waits for it; if after, it saw the counter shared and took the lock itself (the
 * asymmetric fence of liburcu's membarrier flavour). Where membarrier is missing, no
 * thread is ever solo. */
#ifndef HAK_TRACE_SEQ_H
#define HAK_TRACE_SEQ_H

#include "config.h"
#include "front/heap.h"

#if defined(__x86_64__) && __has_include(<sys/single_threaded.h>)
#include <sys/single_threaded.h>
#define HAK_SEQ_UNLOCKED 1 /* an unlocked add is one instruction here (xadd) */
#else
#define HAK_SEQ_UNLOCKED 0
#endif

#define HAK_SEQ_SHARED ((uintptr_t)1) /* more than one thread takes numbers */

struct hak_seq {
    uint64_t next;  /* the next number */
    uintptr_t solo; /* the only thread that took numbers so far (its heap's address), 0 for
                     * none yet, or HAK_SEQ_SHARED */
    unsigned busy;  /* written by the solo thread only: nonzero while it adds unlocked */
} HAK_ALIGNED(64);
extern struct hak_seq hak_seq;

/* The calling thread, as hak_seq.solo names it. */
HAK_INLINE uintptr_t hak_seq_self(void)
{
    return (uintptr_t)&hak_heap_tls;
}

/* Out of line: a thread that is not the solo one takes its first number: it becomes the
 * solo thread when there is none, else the counter becomes shared. */
void hak_seq_join(uintptr_t self);

/* Adds k to the counter without the lock, returning the number before. */
HAK_INLINE uint64_t hak_seq_add_unlocked(uint64_t k)
{
#if HAK_SEQ_UNLOCKED
    __asm__ volatile("xaddq %0, %1" : "+r"(k), "+m"(hak_seq.next) : : "memory");
    return k;
#else
    return __atomic_fetch_add(&hak_seq.next, k, __ATOMIC_RELAXED); /* never solo here (seq.c) */
#endif
}

/* Takes k consecutive sequence numbers; *unlocked: whether without the lock (the ring's
 * writer then uses stores that leave the caches alone: ring.h). While the process has one
 * thread (glibc's __libc_single_threaded, which pthread_create clears before a second
 * thread starts, so that every number taken before comes before the new thread's), no
 * other thread can add: no need to be solo. (A thread made with a bare clone() leaves the
 * flag set; glibc's malloc skips its own locks on the same condition, so such a thread
 * cannot allocate safely anyway.) */
HAK_INLINE uint64_t hak_seq_take_how(uint64_t k, bool *unlocked)
{
    *unlocked = true;
#if HAK_SEQ_UNLOCKED
    if (__libc_single_threaded) return hak_seq_add_unlocked(k);
#endif
    uintptr_t self = hak_seq_self(), solo = __atomic_load_n(&hak_seq.solo, __ATOMIC_RELAXED);
    if (hak_likely(solo == self)) {
        /* busy counts, so that a signal handler taking numbers inside leaves it as it was */
        unsigned busy = __atomic_load_n(&hak_seq.busy, __ATOMIC_RELAXED);
        __atomic_store_n(&hak_seq.busy, busy + 1, __ATOMIC_RELAXED);
        __asm__ volatile("" ::: "memory"); /* the mark, then the second read: no fence (above) */
        bool still = __atomic_load_n(&hak_seq.solo, __ATOMIC_RELAXED) == self;
        if (hak_likely(still)) k = hak_seq_add_unlocked(k);
        __atomic_store_n(&hak_seq.busy, busy, __ATOMIC_RELAXED);
        if (hak_likely(still)) return k;
    } else if (hak_unlikely(solo != HAK_SEQ_SHARED)) {
        hak_seq_join(self);
    }
    *unlocked = false;
    return __atomic_fetch_add(&hak_seq.next, k, __ATOMIC_RELAXED);
}

/* The same, for a caller that need not know how. */
HAK_INLINE uint64_t hak_seq_take(uint64_t k)
{
    bool unlocked;
    return hak_seq_take_how(k, &unlocked);
}

/* The next number to be taken (a dump's upper bound). */
HAK_INLINE uint64_t hak_seq_peek(void)
{
    return __atomic_load_n(&hak_seq.next, __ATOMIC_RELAXED);
}

/* Makes what every other thread of the process stored so far, its non-temporal stores
 * included, visible to the caller (membarrier), where registered: a dump calls it before
 * copying the entries a ring's count covers (ring.h). */
void hak_seq_barrier(void);

/* Start-up, when events are recorded: whether a thread may ever be solo (x86-64, where
 * membarrier works). */
void hak_seq_init(void);
/* The calling thread exits: if it was the solo thread, the next one to take a number may be. */
void hak_seq_thread_exit(void);
/* In a fork child, its only thread: whoever was solo in the parent (another thread, maybe
 * busy when the process forked), the child starts afresh. */
void hak_seq_fork_child(void);

#endif

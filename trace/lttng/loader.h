/* The side of LTTng that lives in libhakmem (trace/lttng_loader.c). It never links
 * lttng-ust: libhakmem-lttng.so is dlopen()ed only when HAKMEM_LTTNG=1. */
#ifndef HAK_LTTNG_LOADER_H
#define HAK_LTTNG_LOADER_H

#include "trace/event.h"

/* Loads libhakmem-lttng.so from the directory of the libhakmem*.so this code is in (else
 * through the dynamic linker's search), sets hak_lttng_emit (trace/trace.h) and emits
 * hakmem:geometry and one hakmem:layout per class. Call once, from the constructor, after
 * start-up (the layout table must be filled) and never from inside malloc: dlopen and
 * lttng-ust's start-up allocate. On failure prints one line and returns -1; the process
 * then runs without LTTng. */
int hak_lttng_load(void);

/* Optional: lets lttng-ust allocate the calling thread's state now rather than inside the
 * thread's first event. Call where a nested malloc is safe (no lock held, no list half
 * updated), e.g. when a thread's heap is set up. A no-op when LTTng is not loaded. */
void hak_lttng_thread_start(void);

/* Optional: gives back the calling thread's buffer of deferred events (64 KiB, mapped only
 * by threads whose allocations nested inside a tracepoint). Call when a thread's heap is
 * torn down. A no-op when there is none. */
void hak_lttng_thread_exit(void);

/* fork() in a process with LTTng loaded: call prepare before taking the allocator's locks
 * (lttng-ust's threads may be allocating), parent and child after releasing them. In the
 * child, lttng-ust registers it as a process of its own, and hakmem:geometry and the
 * layout are emitted again. No-ops when LTTng is not loaded. */
void hak_lttng_fork_prepare(void);
void hak_lttng_fork_parent(void);
void hak_lttng_fork_child(void);

/* Per event op, lttng-ust's flag saying whether some session records hakmem:NAME: a flag
 * that is always 0 before the provider is loaded (or when it is not), always 1 for an op
 * the provider does not know. Never NULL. */
extern const int *hak_lttng_state[HAK_EV_LIMIT];

/* Whether some session records events of this op (false until the provider is loaded):
 * what a caller of hak_lttng_emit tests first. */
static inline __attribute__((always_inline)) int hak_lttng_wanted(unsigned op)
{
    return op < HAK_EV_LIMIT && __atomic_load_n(hak_lttng_state[op], __ATOMIC_RELAXED);
}

#endif

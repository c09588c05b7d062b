/* Start-up, fork and thread exit. Nothing here allocates: pthread_key_create and
 * pthread_atfork are called from places where a nested malloc would be served. */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "api/env.h"
#include "api/init.h"
#include "inject/inject.h"
#include "front/front.h"
#include "front/heap.h"
#include "layout.h"
#include "os/fmt.h"
#include "os/os.h"
#include "superslab/superslab.h"
#include "hakmem.h"
#if HAK_LEVEL_MAX >= 1
#include <valgrind/valgrind.h>

#include "integrity/signal.h"
#include "integrity/stack_depot.h"
#include "trace/dump.h"
#include "trace/htrace_format.h"
#include "trace/lttng/loader.h"
#include "trace/ring.h"
#endif

#ifdef HAKMEM_FIXED_LEVEL
int hak_level = HAKMEM_FIXED_LEVEL;
int hak_mode = HAKMEM_FIXED_LEVEL;
#else
int hak_level; /* 0 until start-up reads the environment; no block exists before */
int hak_mode;
#endif
int hak_init_state;

static pthread_key_t exit_key;

#if HAK_LEVEL_MAX >= 1
/* Valgrind's memcheck, not another tool (callgrind must see the normal code): memcheck
 * preloads its own vgpreload_memcheck library into the program. */
static bool under_memcheck(void)
{
    const char *pre = getenv("LD_PRELOAD");
    return RUNNING_ON_VALGRIND && pre && strstr(pre, "vgpreload_memcheck");
}
#endif

/* Events are recorded (HAK_MODE_RINGS) for the rings, at level 3 and up unless
 * HAKMEM_TRACE says otherwise, and for LTTng. With LTTng alone, the same call sites hand
 * each event to LTTng and no ring is written (hak_rings_on). libhakmem-l0.so has neither. */
static bool events_wanted(void)
{
    if (HAK_LEVEL_MAX == 0) {
        if (hak_env.trace > 0 || hak_env.lttng)
            hak_dprintf(2, "hakmem: libhakmem-l0.so records no events; use libhakmem.so for HAKMEM_TRACE or HAKMEM_LTTNG\n");
        return false;
    }
    return hak_env_trace() || hak_env.lttng;
}

static void thread_exit(void *arg)
{
    hak_heap_exit(arg);
}

void hak_thread_exit_register(struct hak_heap *h)
{
    pthread_setspecific(exit_key, h);
}

void hak_init_slow(void)
{
    int expected = 0;
    if (!__atomic_compare_exchange_n(&hak_init_state, &expected, 1, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        while (__atomic_load_n(&hak_init_state, __ATOMIC_ACQUIRE) != 2) sched_yield();
        return;
    }
    hak_os_init();
    hak_env_read();
    hak_level = hak_env.level;
    hak_mode = hak_level | (events_wanted() ? HAK_MODE_RINGS : 0);
    if (HAK_LEVEL_MAX >= 1 && hak_level >= 1 && hak_env_stacks()) hak_mode |= HAK_MODE_STACKS;
#if HAK_LEVEL_MAX >= 1
    /* Under Valgrind, memcheck does the watching: blocks are annotated; rings and our own
     * stacks are off (memcheck keeps stacks, and libunwind's probing upsets it). */
    if (hak_level >= 1 && under_memcheck()) {
        hak_mode = hak_level | HAK_MODE_VALGRIND;
    }
#endif
#if HAK_LEVEL_MAX >= 1
    extern size_t hak_ring_entries;
    hak_ring_entries = hak_env.trace_ring;
    hak_rings_on = (hak_mode & HAK_MODE_RINGS) && hak_env_trace();
    if (hak_mode & HAK_MODE_RINGS) hak_seq_init();
#endif
    hak_api_select_mode();
    hak_layout_init();
#ifdef HAKMEM_INJECT
    hak_inject_init();
#endif
    pthread_key_create(&exit_key, thread_exit);
    __atomic_store_n(&hak_init_state, 2, __ATOMIC_RELEASE);
}

// ---- fork: the pool lock is held across fork so the child gets a consistent pool ----

/* Stack captures are held off first: one under way may allocate (libunwind does, on first
 * use), and would wait for the pool lock held here. */
static void fork_prepare(void)
{
#if HAK_LEVEL_MAX >= 1
    hak_lttng_fork_prepare(); /* first: lttng-ust's threads may be allocating */
    hak_stack_fork_prepare();
#endif
    hak_pool_lock();
}

static void fork_parent(void)
{
    hak_pool_unlock();
#if HAK_LEVEL_MAX >= 1
    hak_stack_fork_done(false);
    hak_lttng_fork_parent();
#endif
}

static void fork_child(void)
{
    hak_pool_after_fork_child();
#if HAK_LEVEL_MAX >= 1
    hak_stack_fork_done(true);
    if (hak_mode & HAK_MODE_RINGS) hak_seq_fork_child();
    hak_lttng_fork_child(); /* last: it allocates, and emits events */
#endif
}

__attribute__((constructor)) static void hak_constructor(void)
{
    hak_ensure_init();
    pthread_atfork(fork_prepare, fork_parent, fork_child);
#if HAK_LEVEL_MAX >= 1
    if (hak_level >= 1) hak_signal_install();
    /* dlopen allocates: only from here, never from inside malloc */
    if (hak_env.lttng) hak_lttng_load();
#endif
}

__attribute__((destructor)) static void hak_destructor(void)
{
#if HAK_LEVEL_MAX >= 2
    if (HAK_HEADERS(HAK_MODE)) hak_exit_sweep(HAK_MODE); /* before a dump at exit: it may add a violation */
#endif
#if HAK_LEVEL_MAX >= 1
    if (hak_env.trace_dump_at_exit && hak_trace_on()) {
        char path[256];
        if (hak_trace_dump_write(HTRACE_REASON_EXIT, 0, NULL, NULL, path, sizeof path) == 0)
            hak_dprintf(2, "hakmem: trace dump written to %s\n", path);
    }
#endif
    if (hak_env.stats) hak_stats_print(2);
}

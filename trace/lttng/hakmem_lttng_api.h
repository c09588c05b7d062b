/* What libhakmem-lttng.so exports. libhakmem never links it: trace/lttng_loader.c
 * dlopen()s it when HAKMEM_LTTNG=1 and looks these names up, so a process that does not
 * ask for LTTng never maps lttng-ust. */
#ifndef HAK_LTTNG_API_H
#define HAK_LTTNG_API_H

#include <signal.h>
#include <stdint.h>

#include "trace/event.h"
#include "trace/htrace_format.h"

/* hakmem:NAME for the event's op (events.def); an unknown op is dropped. */
void hak_lttng_event(const struct hak_event *ev);
/* The function that emits hakmem:NAME for events of op (what hak_lttng_event does for
 * them, without finding the event first), NULL for an op outside the schema. */
typedef void hak_lttng_event_fn(const struct hak_event *ev);
hak_lttng_event_fn *hak_lttng_event_for(unsigned op);
/* hakmem:geometry and one hakmem:layout per class: what a replay needs besides events. */
void hak_lttng_geometry(const struct htrace_geometry *g, uint32_t level);
void hak_lttng_layout(uint32_t cls, const struct htrace_class *c);
/* lttng-ust's flag telling whether hakmem:NAME (NAME the event of op) is enabled in any
 * session, NULL for an op outside the schema. It changes as sessions come and go; reading
 * it lets libhakmem skip an event nobody records without calling in here. */
const int *hak_lttng_event_state(unsigned op);
/* fork() in a traced process (lttng-ust's own fork wrapper, liblttng-ust-fork.so, does the
 * same around fork): before it, and after it in the parent and in the child, where
 * lttng-ust registers the child as a process of its own (its own vpid) rather than let it
 * write under the parent's. The signal mask is saved in *sigs before and restored after. */
void hak_lttng_before_fork(sigset_t *sigs);
void hak_lttng_after_fork_parent(sigset_t *sigs);
void hak_lttng_after_fork_child(sigset_t *sigs);
/* Sets up lttng-ust's per-thread state, which it would otherwise allocate (with malloc)
 * inside the first tracepoint a thread hits. Optional for the caller. */
void hak_lttng_thread_init(void);

typedef hak_lttng_event_fn *hak_lttng_event_for_fn(unsigned op);
typedef void hak_lttng_geometry_fn(const struct htrace_geometry *g, uint32_t level);
typedef void hak_lttng_layout_fn(uint32_t cls, const struct htrace_class *c);
typedef void hak_lttng_thread_init_fn(void);
typedef void hak_lttng_fork_fn(sigset_t *sigs);
typedef const int *hak_lttng_event_state_fn(unsigned op);

#define HAK_LTTNG_SONAME "libhakmem-lttng.so"

#endif

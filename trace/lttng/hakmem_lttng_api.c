/* libhakmem-lttng.so's entry points (hakmem_lttng_api.h): the tracepoint call sites.
 * Only these functions are exported; the tracepoint definitions stay hidden so they can
 * never clash with another copy of the provider in the process. */
#define LTTNG_UST_TRACEPOINT_DEFINE
#define LTTNG_UST_TRACEPOINT_HIDDEN_DEFINITION
#include "trace/lttng/hakmem_tp.h"

#include <lttng/ust-fork.h>
#include <lttng/ust-thread.h>

#include "trace/lttng/hakmem_lttng_api.h"

#define API __attribute__((visibility("default")))

API void hak_lttng_event(const struct hak_event *ev)
{
    /* lttng_ust_tracepoint needs the event name as a token: one case per event. */
    switch (ev->op) {
#define HAK_EVENT(name, num, doc) \
    case num: lttng_ust_tracepoint(hakmem, name, ev); break;
#include "trace/events.def"
#undef HAK_EVENT
    default: break;
    }
}

/* One function per event, for hak_lttng_event_for. */
#define HAK_EVENT(name, num, doc) \
    static void event_##name(const struct hak_event *ev) { lttng_ust_tracepoint(hakmem, name, ev); }
#include "trace/events.def"
#undef HAK_EVENT

API hak_lttng_event_fn *hak_lttng_event_for(unsigned op)
{
    switch (op) {
#define HAK_EVENT(name, num, doc) \
    case num: return event_##name;
#include "trace/events.def"
#undef HAK_EVENT
    default: return 0;
    }
}

API const int *hak_lttng_event_state(unsigned op)
{
    switch (op) {
#define HAK_EVENT(name, num, doc) \
    case num: return &lttng_ust_tracepoint_hakmem___##name.state;
#include "trace/events.def"
#undef HAK_EVENT
    default: return 0;
    }
}

API void hak_lttng_geometry(const struct htrace_geometry *g, uint32_t level)
{
    lttng_ust_tracepoint(hakmem, geometry, g, level);
}

API void hak_lttng_layout(uint32_t cls, const struct htrace_class *c)
{
    lttng_ust_tracepoint(hakmem, layout, cls, c);
}

API void hak_lttng_thread_init(void)
{
    lttng_ust_init_thread();
}

API void hak_lttng_before_fork(sigset_t *sigs)
{
    lttng_ust_before_fork(sigs);
}

API void hak_lttng_after_fork_parent(sigset_t *sigs)
{
    lttng_ust_after_fork_parent(sigs);
}

API void hak_lttng_after_fork_child(sigset_t *sigs)
{
    lttng_ust_after_fork_child(sigs);
}

/* The tracing entry points the allocator calls (rings, LTTng). See docs/EVENTS.md for
 * which operation records which events. */
#ifndef HAK_TRACE_H
#define HAK_TRACE_H

#include "trace/event.h"

enum hak_site {
#define HAK_SITE(name, num) HAK_SITE_##name = num,
#include "trace/sites.def"
#undef HAK_SITE
    HAK_SITE_LIMIT
};

/* The LTTng provider's entry point, set when libhakmem-lttng.so was loaded
 * (HAKMEM_LTTNG=1), else NULL. Called with every event some session records
 * (hak_lttng_wanted, trace/lttng/loader.h), after it went to the ring. */
extern void (*hak_lttng_emit)(const struct hak_event *ev);

#endif

/* One trace event: the record the rings hold, the dump stores and the viewer replays.
 * The fields and event numbers come from trace/events.def. */
#ifndef HAK_TRACE_EVENT_H
#define HAK_TRACE_EVENT_H

#include <stdint.h>

enum hak_event_op {
#define HAK_EVENT(name, num, doc) HAK_EV_##name = num,
#include "trace/events.def"
#undef HAK_EVENT
    HAK_EV_LIMIT
};

#define HAK_EVENT_NO_CLASS 0xffff

struct hak_event {
    uint64_t seq;   /* total order across threads */
    uint64_t ptr;
    uint64_t base;
    uint64_t value;
    uint64_t size;
    uint32_t tid;
    uint16_t cls;   /* size class or HAK_EVENT_NO_CLASS */
    uint8_t op;     /* enum hak_event_op */
    uint8_t site;   /* trace/sites.def */
};
_Static_assert(sizeof(struct hak_event) == 48, "event records are 48 bytes in rings and dumps");

/* Name of an event number, or NULL. */
static inline const char *hak_event_name(unsigned op)
{
    switch (op) {
#define HAK_EVENT(name, num, doc) case num: return #name;
#include "trace/events.def"
#undef HAK_EVENT
    default: return 0;
    }
}

#endif

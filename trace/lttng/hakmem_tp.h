/* The `hakmem` LTTng-UST tracepoint provider (docs/EVENTS.md).
 *
 * Every event of trace/events.def becomes hakmem:NAME, an instance of one class whose
 * fields are those of struct hak_event, so the events come from the schema and are never
 * listed here. hakmem:geometry and hakmem:layout carry what the dump's GEOMETRY and LAYOUT
 * sections carry, so that the viewer can replay an LTTng trace as it replays a dump.
 *
 * lttng-ust includes this file several times with different macro definitions (the
 * provider recipe); the HAK_EVENT expansion is re-evaluated on every pass. */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER hakmem

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "trace/lttng/hakmem_tp.h"

#if !defined(HAK_LTTNG_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define HAK_LTTNG_TP_H

#include <lttng/tracepoint.h>

#include "trace/event.h"
#include "trace/htrace_format.h"

/* Pointers are shown in hex; seq, tid, class, size and site in decimal. */
LTTNG_UST_TRACEPOINT_EVENT_CLASS(hakmem, event,
    LTTNG_UST_TP_ARGS(const struct hak_event *, ev),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, seq, ev->seq)
        lttng_ust_field_integer(uint32_t, tid, ev->tid)
        lttng_ust_field_integer(uint16_t, class, ev->cls)
        lttng_ust_field_integer_hex(uint64_t, ptr, ev->ptr)
        lttng_ust_field_integer_hex(uint64_t, base, ev->base)
        lttng_ust_field_integer_hex(uint64_t, value, ev->value)
        lttng_ust_field_integer(uint64_t, size, ev->size)
        lttng_ust_field_integer(uint8_t, site, ev->site)
    )
)

#define HAK_EVENT(name, num, doc) \
    LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(hakmem, event, hakmem, name, \
        LTTNG_UST_TP_ARGS(const struct hak_event *, ev))
#include "trace/events.def"
#undef HAK_EVENT

LTTNG_UST_TRACEPOINT_EVENT(hakmem, geometry,
    LTTNG_UST_TP_ARGS(const struct htrace_geometry *, g, uint32_t, lv),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer_hex(uint64_t, superslab_size, g->superslab_size)
        lttng_ust_field_integer_hex(uint64_t, remote_end, g->remote_end)
        lttng_ust_field_integer(uint32_t, superslab_header, g->superslab_header)
        lttng_ust_field_integer(uint32_t, block_header, g->block_header)
        lttng_ust_field_integer(uint32_t, page_size, g->page_size)
        lttng_ust_field_integer(uint32_t, nclasses, g->nclasses)
        lttng_ust_field_integer(uint32_t, tiny_max, g->tiny_max)
        lttng_ust_field_integer(uint32_t, pool_max, g->pool_max)
        lttng_ust_field_integer(uint32_t, level, lv)
        lttng_ust_field_integer(uint32_t, version, HTRACE_VERSION)
    )
)

LTTNG_UST_TRACEPOINT_EVENT(hakmem, layout,
    LTTNG_UST_TP_ARGS(uint32_t, cls, const struct htrace_class *, c),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint32_t, class, cls)
        lttng_ust_field_integer(uint32_t, size, c->size)
        lttng_ust_field_integer(uint32_t, stride, c->stride)
        lttng_ust_field_integer(uint32_t, user_off, c->user_off)
        lttng_ust_field_integer(uint32_t, next_off, c->next_off)
        lttng_ust_field_integer(uint8_t, kind, c->kind)
        lttng_ust_field_integer(uint8_t, slab_shift, c->slab_shift)
    )
)

#endif /* HAK_LTTNG_TP_H */

#include <lttng/tracepoint-event.h>

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

/* The fields of every hakmem:NAME event, in order: type, name, value, and how babeltrace2
 * shows it (pointers in hex; seq, tid, class, size and site in decimal). */
#define HAK_LTTNG_EVENT_FIELDS(X) \
    X(uint64_t, seq, ev->seq, dec) \
    X(uint32_t, tid, ev->tid, dec) \
    X(uint16_t, class, ev->cls, dec) \
    X(uint64_t, ptr, ev->ptr, hex) \
    X(uint64_t, base, ev->base, hex) \
    X(uint64_t, value, ev->value, hex) \
    X(uint64_t, size, ev->size, dec) \
    X(uint8_t, site, ev->site, dec)

#define HAK_LTTNG_FIELD_dec(type, name, src) lttng_ust_field_integer(type, name, src)
#define HAK_LTTNG_FIELD_hex(type, name, src) lttng_ust_field_integer_hex(type, name, src)
#define HAK_LTTNG_FIELD(type, name, src, fmt) HAK_LTTNG_FIELD_##fmt(type, name, src)

#if !defined(HAK_LTTNG_PAYLOAD_DEFINED) && !defined(LTTNG_UST_RING_BUFFER_NATURAL_ALIGN)
#define HAK_LTTNG_PAYLOAD_DEFINED
/* Where lttng-ust packs the ring buffer (architectures with efficient unaligned access,
 * lttng/ust-tracer.h: part of its ABI with providers), an event's payload is its fields
 * back to back, which is this struct. */
#define HAK_LTTNG_MEMBER(type, name, src, fmt) type name;
#define HAK_LTTNG_INIT(type, name, src, fmt) .name = (src),
struct hak_lttng_payload {
    HAK_LTTNG_EVENT_FIELDS(HAK_LTTNG_MEMBER)
} __attribute__((packed));
_Static_assert(sizeof(struct hak_lttng_payload) == 47, "the fields' sizes, back to back");
#endif

/* lttng-ust's generated probe writes each field with its own indirect call into the ring
 * buffer (some 40 instructions each): with 8 of them a traced malloc or free took 1.5
 * times the instructions of one under liblttng-ust-libc-wrapper (docs/PERFORMANCE.md). So the metadata, size and filter stages of the provider
 * recipe get the fields one by one, and the probe's stage writes the packed payload in
 * one call: the same bytes. That stage is the only one that has defined
 * LTTNG_UST__TP_SESSION_CHECK when it includes this file (lttng/ust-tracepoint-event.h
 * 2.13; the stages after it drop the fields). Were another stage to define it, the block
 * below would land among field descriptors and not compile; were the bytes to differ,
 * tests/trace/lttng_provider.sh, which reads every field of every event back, fails. */
#if defined(LTTNG_UST__TP_SESSION_CHECK) && !defined(LTTNG_UST_RING_BUFFER_NATURAL_ALIGN)
#define HAK_LTTNG_EVENT_PAYLOAD \
    { \
        const struct hak_lttng_payload hak_payload_ = {HAK_LTTNG_EVENT_FIELDS(HAK_LTTNG_INIT)}; \
        __chan->ops->event_write(&__ctx, &hak_payload_, sizeof hak_payload_, 1); \
    }
#else
#define HAK_LTTNG_EVENT_PAYLOAD HAK_LTTNG_EVENT_FIELDS(HAK_LTTNG_FIELD)
#endif

LTTNG_UST_TRACEPOINT_EVENT_CLASS(hakmem, event,
    LTTNG_UST_TP_ARGS(const struct hak_event *, ev),
    LTTNG_UST_TP_FIELDS(HAK_LTTNG_EVENT_PAYLOAD)
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

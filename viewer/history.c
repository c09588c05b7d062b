/* Block history matching (history.h). */
#include "history.h"

#include "eventfmt.h"

static int in(uint64_t a, uint64_t lo, uint64_t hi) { return a >= lo && a < hi; }

unsigned event_touches(const struct hak_event *ev, uint64_t lo, uint64_t hi)
{
    unsigned m = 0;
    switch (ev->op) {
    case HAK_EV_refill:
    case HAK_EV_drain:
    case HAK_EV_remote_drain:
        /* ptr is the slab's descriptor */
        if (in(ev->base, lo, hi)) m |= TOUCH_BASE;
        break;
    case HAK_EV_carve:
    case HAK_EV_slab_acquire:
    case HAK_EV_slab_release: {
        uint64_t len = ev->value && ev->size <= UINT64_MAX / ev->value ? ev->value * ev->size : 0;
        uint64_t end = ev->base + len < ev->base ? UINT64_MAX : ev->base + len;
        if (in(ev->base, lo, hi)) m |= TOUCH_BASE;
        else if (ev->base < hi && lo < end) m |= TOUCH_RANGE;
        break;
    }
    case HAK_EV_remote_push:
        /* base is the slab's descriptor */
        if (in(ev->ptr, lo, hi)) m |= TOUCH_PTR;
        break;
    case HAK_EV_large_map:
    case HAK_EV_large_unmap:
        if (in(ev->ptr, lo, hi)) m |= TOUCH_PTR;
        if (ev->base < hi && lo < ev->base + ev->value && ev->base + ev->value > ev->base) m |= TOUCH_RANGE;
        break;
    default:
        if (in(ev->ptr, lo, hi)) m |= TOUCH_PTR;
        if (in(ev->base, lo, hi)) m |= TOUCH_BASE;
        break;
    }
    if (event_value_is_addr(ev->op) && in(ev->value, lo, hi)) m |= TOUCH_VALUE;
    return m;
}

const char *touch_name(unsigned m)
{
    if (m & TOUCH_PTR) return "ptr";
    if (m & TOUCH_BASE) return "base";
    if (m & TOUCH_VALUE) return "value";
    if (m & TOUCH_RANGE) return "range";
    return "";
}

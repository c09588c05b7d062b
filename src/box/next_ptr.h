/* The next-pointer box: the only code that reads or writes a free-list link (principle 3).
 * A link lives at the layout's next offset from BASE; every thread cache, slab free list
 * and remote queue is linked through here, so the trace records every link operation
 * (next_read, next_write) here, and the link checks of Box I live here too. */
#ifndef HAK_BOX_NEXT_PTR_H
#define HAK_BOX_NEXT_PTR_H

#include <string.h>

#include "layout.h"
#include "trace/ring.h"

/* The end of a remote queue. Not NULL, so a remote link spliced into a thread list
 * without being rewritten faults at once instead of ending the list early. */
#define HAK_REMOTE_END ((void *)0xBADA55BADA55BADAull)

/* Records an event when the mode has rings. */
#define HAK_EV(lv, op, site, cls, ptr, base, value, size)                                        \
    do {                                                                                         \
        if (HAK_RINGS(lv))                                                                       \
            hak_ev_record(HAK_EV_##op, HAK_SITE_##site, (cls), (ptr), (base), (uint64_t)(value), \
                          (uint64_t)(size));                                                     \
    } while (0)

HAK_INLINE void *hak_next_slot(const void *base, int lv)
{
    return (char *)base + hak_next_off(lv);
}

#define hak_next_get(base, cls, site, lv) hak_next_get_((base), (cls), HAK_SITE_##site, (lv))
#define hak_next_set(base, next, cls, site, lv) hak_next_set_((base), (next), (cls), HAK_SITE_##site, (lv))

HAK_INLINE void *hak_next_get_(const void *base, unsigned cls, unsigned site, int lv)
{
    void *next, *slot = hak_next_slot(base, lv);
    memcpy(&next, slot, sizeof next);
    if (HAK_RINGS(lv)) hak_ev_record(HAK_EV_next_read, site, cls, slot, base, (uintptr_t)next, 0);
    return next;
}

HAK_INLINE void hak_next_set_(void *base, void *next, unsigned cls, unsigned site, int lv)
{
    void *slot = hak_next_slot(base, lv);
    memcpy(slot, &next, sizeof next);
    if (HAK_RINGS(lv)) hak_ev_record(HAK_EV_next_write, site, cls, slot, base, (uintptr_t)next, 0);
}

#endif

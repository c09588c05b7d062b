/* The next-pointer box: the only code that reads or writes a free-list link (principle 3).
 * A link lives at the layout's next offset from BASE; every thread cache, slab free list
 * and remote queue is linked through here. */
#ifndef HAK_BOX_NEXT_PTR_H
#define HAK_BOX_NEXT_PTR_H

#include <string.h>
#include "layout.h"

/* The end of a remote queue. Not NULL, so a remote link spliced into a thread list
 * without being rewritten faults at once instead of ending the list early. */
#define HAK_REMOTE_END ((void *)0xBADA55BADA55BADAull)

HAK_INLINE void *hak_next_get(const void *base, int lv)
{
    void *next;
    memcpy(&next, (const char *)base + hak_next_off(lv), sizeof next);
    return next;
}

HAK_INLINE void hak_next_set(void *base, void *next, int lv)
{
    memcpy((char *)base + hak_next_off(lv), &next, sizeof next);
}

#endif

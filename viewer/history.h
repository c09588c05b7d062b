/* Which events concern a block: those naming an address inside it (ptr, base), those
 * whose value points into it (a link, a list head), and those covering it (a carve, a
 * slab's acquire and release). Shared by `history` and by replay's report. */
#ifndef VIEWER_HISTORY_H
#define VIEWER_HISTORY_H

#include <stdint.h>

#include "trace/event.h"

#define TOUCH_PTR 1u
#define TOUCH_BASE 2u
#define TOUCH_VALUE 4u
#define TOUCH_RANGE 8u

/* Mask of the ways ev concerns [lo, hi); 0 if it does not. */
unsigned event_touches(const struct hak_event *ev, uint64_t lo, uint64_t hi);
/* "ptr", "base", "value", "range": the first way it does. */
const char *touch_name(unsigned mask);

#endif

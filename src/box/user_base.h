/* The USER<->BASE box: the only place that converts between the address a program sees
 * (USER) and the start of the block (BASE). Applied exactly once, at the API boundary
 * (principle 2): every list, slab and remote queue inside the allocator holds BASE
 * pointers, every pointer handed to or taken from the program is USER. */
#ifndef HAK_BOX_USER_BASE_H
#define HAK_BOX_USER_BASE_H

#include "layout.h"

HAK_INLINE void *hak_user_of(void *base, int lv)
{
    return (char *)base + hak_user_off(lv);
}

HAK_INLINE void *hak_base_of(void *user, int lv)
{
    return (char *)user - hak_user_off(lv);
}

#endif

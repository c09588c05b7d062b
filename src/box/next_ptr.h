/* The next-pointer box: the only code that reads or writes a free-list link (principle 3).
 * A link lives at the layout's next offset from BASE; every thread cache, slab free list
 * and remote queue is linked through here, so the trace records every link operation
 * (next_read, next_write) here, and the link checks of Box I live here too. */
#ifndef HAK_BOX_NEXT_PTR_H
#define HAK_BOX_NEXT_PTR_H

#include <string.h>

#include "inject/inject.h"
#include "integrity/shadow.h"
#include "integrity/violation.h"
#include "layout.h"
#include "superslab/superslab.h"
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

/* Level 1: a link must be NULL or a block boundary of a slab of class c (the remote end
 * marker, only in a remote queue). Returns the link, or NULL after reporting a bad one so
 * the rest of the list is dropped rather than followed. */
HAK_INLINE void *hak_chk_link(void *v, const void *base, unsigned c, unsigned site, int lv)
{
    if (!HAK_CHECKS(lv) || !v) return v;
    if (v == HAK_REMOTE_END) {
        if (site == HAK_SITE_remote_collect) return v;
        hak_violation_block(HAK_KIND_sentinel_leak, site, v, base, NULL, 0, (uintptr_t)v, "link holds the remote end marker");
        return NULL;
    }
    uintptr_t a = (uintptr_t)v;
    unsigned r = hak_region_of(a);
    const struct hak_slab *s = r >= HAK_REGION_TINY ? hak_slab_at(a, r) : NULL;
    if (!s || s->cls != c || __atomic_load_n(&s->owner, __ATOMIC_RELAXED) == HAK_OWNER_NONE ||
        (const char *)v < s->start) {
        hak_violation_block(HAK_KIND_freelist_corrupt, site, v, base, NULL, c, s ? s->cls : 0xffff,
                            "link outside every slab of the class (expected class, found class)");
        return NULL;
    }
    const struct hak_class_layout *l = &hak_layout[c];
    uint32_t i = hak_block_index(l, a - (uintptr_t)s->start);
    if (i >= s->capacity || s->start + (size_t)i * l->stride != (const char *)v) {
        hak_violation_block(HAK_KIND_next_misaligned, site, v, base, s, (uintptr_t)(s->start + (size_t)i * l->stride), a,
                            "link off a block boundary (expected, found)");
        return NULL;
    }
    return v;
}

/* The link of a block that hak_chk_pop just validated: read as is (the link itself is
 * checked when it is popped in turn, the remote end marker included). Not recorded here:
 * the pop's tls_pop carries it (hak_bin_pop). */
HAK_INLINE void *hak_next_pop(const void *base, int lv)
{
    void *next, *slot = hak_next_slot(base, lv);
    hak_shadow_open(slot, sizeof next, lv);
    memcpy(&next, slot, sizeof next);
    hak_shadow_close(slot, sizeof next, lv);
    return next;
}

#define hak_next_get(base, cls, site, lv) hak_next_get_((base), (cls), HAK_SITE_##site, (lv))
#define hak_next_set(base, next, cls, site, lv) hak_next_set_((base), (next), (cls), HAK_SITE_##site, (lv))

HAK_INLINE void *hak_next_get_(const void *base, unsigned cls, unsigned site, int lv)
{
    void *next, *slot = hak_next_slot(base, lv);
    hak_shadow_open(slot, sizeof next, lv);
    memcpy(&next, slot, sizeof next);
    hak_shadow_close(slot, sizeof next, lv);
    if (HAK_RINGS(lv)) hak_ev_record(HAK_EV_next_read, site, cls, slot, base, (uintptr_t)next, 0);
    return hak_chk_link(next, base, cls, site, lv);
}

/* Where the link of block base goes: its slot, unless the next_offset fault moves it (then
 * *fault is set, and the caller prints the fault's line once the write is recorded). */
HAK_INLINE void *hak_next_slot_w(void *base, unsigned cls, bool *fault, int lv)
{
    char *slot = hak_next_slot(base, lv);
    *fault = HAK_FAULT(next_offset, cls, base);
    return *fault ? slot + 1 : slot;
}

/* Writes link next into slot, the slot of block base that hak_next_slot_w gave, recorded
 * already. Level 1: the slot must be where the layout says, whoever computed it (a
 * constant compare that folds away unless something moved the slot: the next_offset
 * fault); a moved slot is reported and left alone. */
HAK_INLINE void hak_next_store(void *slot, void *base, void *next, unsigned site, int lv)
{
    if (HAK_CHECKS(lv) && hak_unlikely((char *)slot != (char *)base + hak_next_off(lv))) {
        hak_violation_block(HAK_KIND_next_misaligned, site, slot, base, NULL,
                            (uintptr_t)base + hak_next_off(lv), (uintptr_t)slot, "link slot (expected, found)");
        return;
    }
    hak_shadow_open(slot, sizeof next, lv);
    memcpy(slot, &next, sizeof next);
    hak_shadow_close(slot, sizeof next, lv);
}

HAK_INLINE void hak_next_set_(void *base, void *next, unsigned cls, unsigned site, int lv)
{
    bool fault;
    void *slot = hak_next_slot_w(base, cls, &fault, lv);
    if (HAK_RINGS(lv)) hak_ev_record(HAK_EV_next_write, site, cls, slot, base, (uintptr_t)next, 0);
    if (fault) HAK_FAULT_FIRED(next_offset);
    hak_next_store(slot, base, next, site, lv);
}

#endif

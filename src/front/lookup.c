/* hak_lookup: pointer -> block (see lookup.h). */
#include "front/lookup.h"
#include "box/user_base.h"
#include "integrity/checks.h"

static enum hak_lookup_result lookup_slab(char *p, unsigned shift, struct hak_blockref *ref)
{
    struct hak_slab *s = hak_slab_at((uintptr_t)p, shift);
    uint32_t owner = __atomic_load_n(&s->owner, __ATOMIC_ACQUIRE);
    if (owner == HAK_OWNER_NONE || p < s->start) return HAK_LOOKUP_UNASSIGNED;
    const struct hak_class_layout *l = &hak_layout[s->cls];
    uint32_t i = hak_block_index(l, (uintptr_t)(p - s->start));
    if (i >= s->capacity) return HAK_LOOKUP_UNASSIGNED;
    char *base = s->start + (size_t)i * l->stride;
    char *user = hak_user_of(base, HAK_MODE);
    /* A block of an aligned allocation is handed out at an offset into it. */
    if (p != user && !((s->flags & HAK_SLAB_ALIGNED) && p > user)) return HAK_LOOKUP_INTERIOR;
    ref->slab = s;
    ref->large = NULL;
    ref->base = base;
    ref->usable = hak_block_usable(p, base, s->cls, HAK_MODE);
    return HAK_LOOKUP_SLAB;
}

enum hak_lookup_result hak_lookup(void *p, unsigned region, struct hak_blockref *ref)
{
    if (region >= HAK_REGION_TINY) return lookup_slab(p, region, ref);
    if (region == HAK_REGION_NONE) return HAK_LOOKUP_FOREIGN;
    if (region != HAK_REGION_LARGE && region != HAK_REGION_LARGE_PREV) return HAK_LOOKUP_INTERIOR;
    /* the region map says a large block's header is there, so a wrong magic is a header
     * overwritten (or never written), not a stray pointer */
    struct hak_large *l = hak_large_header(p, region);
    ref->slab = NULL;
    ref->base = l;
    if (l->magic != HAK_LARGE_MAGIC) return HAK_LOOKUP_LARGE_BAD;
    if (hak_large_user(l) != p) return HAK_LOOKUP_INTERIOR;
    ref->large = l;
    ref->usable = hak_large_usable(l, HAK_MODE);
    return HAK_LOOKUP_LARGE;
}

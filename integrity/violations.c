/* The cold side of the checks of checks.h: turning a finding into a report, and the
 * poisoning helpers of level 2. */
#include "integrity/checks.h"

#if HAK_LEVEL_MAX >= 1
#include "inject/inject.h"
#include "integrity/report.h"
#include "large/large.h"

static const char *const site_names[] = {
#define HAK_SITE(name, num) [num] = #name,
#include "trace/sites.def"
#undef HAK_SITE
};

const char *hak_site_name(unsigned site)
{
    return site < sizeof site_names / sizeof site_names[0] && site_names[site] ? site_names[site] : "unknown";
}

void hak_note_stack(const void *base, unsigned which)
{
    uint32_t *ids = hak_block_stacks(base);
    if (ids) ids[which] = hak_stack_capture_app(0);
}

/* The ground truth of a fired fault, the violation event, then the report. */
static void violation_emit(struct hak_violation *v, unsigned site, unsigned cls)
{
#ifdef HAKMEM_INJECT
    hak_inject_flush(); /* the ground truth before the report (libhakmem-inject.so) */
#endif
    if (HAK_RINGS(HAK_MODE))
        hak_ev_record(HAK_EV_violation, site, cls, v->ptr, v->base, v->kind, v->found);
    hak_report(v);
}

HAK_COLD void hak_violation_block(unsigned kind, unsigned site, const void *ptr, const void *base,
                                  const struct hak_slab *s, uint64_t expected, uint64_t found, const char *what)
{
    struct hak_violation v = {
        .kind = kind, .site = hak_site_name(site), .ptr = ptr, .base = base, .cls = s ? s->cls : -1,
        .stride = s ? hak_layout[s->cls].stride : 0, .slab = s, .expected = expected, .found = found, .what = what,
    };
    if (kind == HAK_KIND_canary_overflow || kind == HAK_KIND_canary_underflow || kind == HAK_KIND_use_after_free_write)
        v.bad = ptr; /* the first byte found wrong */
    if (s && base && HAK_HEADERS(HAK_MODE) && ((const struct hak_block_header *)base)->magic == HAK_HDR_LIVE)
        v.size = ((const struct hak_block_header *)base)->size;
    uint32_t *ids = s && base ? hak_block_stacks(base) : NULL;
    if (ids) v.alloc_stack = ids[0], v.free_stack = ids[1];
    violation_emit(&v, site, s ? s->cls : HAK_EVENT_NO_CLASS);
}

HAK_COLD void hak_violation_large(unsigned kind, unsigned site, const void *at, const struct hak_large *l,
                                  uint64_t expected, uint64_t found, const char *what)
{
    struct hak_violation v = {
        .kind = kind, .site = hak_site_name(site), .ptr = at, .base = l, .cls = -1, .expected = expected,
        .found = found, .what = what, .bad = at, .size = l->size, .alloc_stack = l->alloc_stack,
    };
    violation_emit(&v, site, HAK_EVENT_NO_CLASS);
}

HAK_COLD void hak_violation_pointer(unsigned kind, unsigned site, const void *ptr)
{
    hak_violation_block(kind, site, ptr, NULL, NULL, 0, 0, NULL);
}

HAK_COLD void hak_bad_pop(void *base, unsigned c, unsigned site)
{
    uintptr_t a = (uintptr_t)base;
    if (base == HAK_REMOTE_END) {
        hak_violation_block(HAK_KIND_sentinel_leak, site, base, NULL, NULL, 0, a, "free-list entry is the remote end marker");
        return;
    }
    unsigned r = hak_region_of(a);
    const struct hak_slab *s = r >= HAK_REGION_TINY ? hak_slab_at(a, r) : NULL;
    if (!s || s->cls != c || __atomic_load_n(&s->owner, __ATOMIC_RELAXED) == HAK_OWNER_NONE) {
        hak_violation_block(HAK_KIND_freelist_corrupt, site, base, NULL, s, c, s ? s->cls : 0xffff,
                            "free-list entry outside every slab of the class (expected class, found class)");
        return;
    }
    uint8_t st = *hak_state_at(base);
    if (st != HAK_BLOCK_INTERIOR && hak_state_class(st) != c) {
        hak_violation_block(HAK_KIND_freelist_corrupt, site, base, NULL, s, c, hak_state_class(st),
                            "free-list entry: a block of another class (expected class, found class)");
        return;
    }
    st = hak_state_holder(st);
    if ((a & ((1u << HAK_GRANULE_SHIFT) - 1)) || st == HAK_BLOCK_INTERIOR) {
        hak_violation_block(HAK_KIND_next_misaligned, site, base, NULL, s, 0, a, "free-list entry off a block boundary");
        return;
    }
    if (st != HAK_BLOCK_FREE) {
        hak_violation_block(HAK_KIND_freelist_corrupt, site, base, base, s, HAK_BLOCK_FREE, st,
                            "state of a block on a free list (expected free, found)");
        return;
    }
    /* level 2: the header or the poison of the free block */
    const struct hak_block_header *h = base;
    const char *user = (const char *)base + HAK_HEADER_SIZE;
    hak_shadow_open(base, hak_layout[c].stride, HAK_MODE);
    if (h->magic != HAK_HDR_FREE || h->cls != c) {
        hak_violation_block(HAK_KIND_header_corrupt, site, base, base, s, HAK_HDR_FREE, h->magic, "header magic of a free block");
        return;
    }
    size_t span = HAK_QUARANTINE(HAK_MODE) ? hak_layout[c].size : hak_poison_span(hak_layout[c].size);
    size_t bad = hak_first_bad_byte(user, span, HAK_POISON_FREE);
    hak_violation_block(HAK_KIND_use_after_free_write, site, user + bad, base, s, HAK_POISON_FREE, (uint8_t)user[bad],
                        "poison byte of a free block (offset in the ptr field)");
}

HAK_COLD void hak_report_bad_pointer(const void *p, unsigned kind, unsigned site)
{
    uintptr_t a = (uintptr_t)p;
    unsigned r = hak_region_of(a);
    uint32_t stacks[2];
    if (kind == HAK_KIND_foreign_free && hak_large_freed_recently(p, stacks)) {
        struct hak_violation v = {.kind = HAK_KIND_double_free, .site = hak_site_name(site), .ptr = p, .cls = -1,
                                  .what = "a large block already unmapped", .alloc_stack = stacks[0], .free_stack = stacks[1]};
        if (HAK_RINGS(HAK_MODE)) hak_ev_record(HAK_EV_violation, site, HAK_EVENT_NO_CLASS, p, NULL, v.kind, 0);
        hak_report(&v);
        return;
    }
    if (r >= HAK_REGION_TINY) {
        const struct hak_slab *s = hak_slab_at(a, r);
        const char *what = "pointer into a slab no class holds";
        if (__atomic_load_n(&s->owner, __ATOMIC_RELAXED) == HAK_OWNER_NONE) {
        } else if ((const char *)p < s->start) {
            what = "pointer into the superslab's metadata, before the slab's first block";
        } else {
            const struct hak_class_layout *l = &hak_layout[s->cls];
            uint32_t i = hak_block_index(l, a - (uintptr_t)s->start);
            if (i < s->carved) {
                /* inside a block: name it and how far in */
                const char *base = s->start + (size_t)i * l->stride;
                const char *user = base + l->user_off;
                hak_violation_block(kind, site, p, base, s, (uintptr_t)user, a, "pointer (expected the block's, found)");
                return;
            }
            what = "pointer into space of the slab never carved into blocks";
        }
        /* no block there at all, whatever the state byte at p said */
        if (kind == HAK_KIND_interior_free) kind = HAK_KIND_invalid_free;
        hak_violation_block(kind, site, p, NULL, s, 0, a, what);
        return;
    }
    hak_violation_block(kind, site, p, NULL, NULL, 0, a,
                        r == HAK_REGION_NONE ? "pointer outside hakmem's memory" : "pointer inside a large block");
}

HAK_COLD void hak_report_large_header(const void *p, const void *base, unsigned site)
{
    hak_violation_block(HAK_KIND_header_corrupt, site, p, base, NULL, HAK_LARGE_MAGIC,
                        ((const struct hak_large *)base)->magic, "large block header magic");
}

size_t hak_first_bad_byte(const void *p, size_t n, uint8_t v)
{
    const uint8_t *b = p;
    size_t i = 0;
    uint64_t word = 0x0101010101010101ull * v, w;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, b + i, 8);
        if (w != word) break;
    }
    for (; i < n; i++)
        if (b[i] != v) return i;
    return n;
}

HAK_COLD void hak_bad_live(void *p, void *base, struct hak_slab *s, unsigned site)
{
    const struct hak_block_header *h = base;
    const char *user = (const char *)base + HAK_HEADER_SIZE;
    size_t size = hak_layout[s->cls].size;
    hak_shadow_open(base, hak_layout[s->cls].stride, HAK_MODE);
    if (h->magic == HAK_HDR_LIVE && h->cls == s->cls && h->canary != HAK_HDR_CANARY) {
        hak_violation_block(HAK_KIND_canary_underflow, site, p, base, s, HAK_HDR_CANARY, h->canary,
                            "canary right before the block");
    } else if (h->magic != HAK_HDR_LIVE || h->cls != s->cls || h->size > size) {
        hak_violation_block(HAK_KIND_header_corrupt, site, p, base, s, HAK_HDR_LIVE, h->magic, "header magic");
    } else {
        size_t n = h->size, tail = size - n;
        if (tail > HAK_TAIL_SPAN) tail = HAK_TAIL_SPAN;
        size_t bad = hak_first_bad_byte(user + n, tail, HAK_TAIL_BYTE);
        hak_violation_block(HAK_KIND_canary_overflow, site, (void *)(user + n + bad), base, s, HAK_TAIL_BYTE,
                            (uint8_t)user[n + bad], "tail sentinel after the requested size");
    }
    hak_shadow_close(base, hak_layout[s->cls].stride, HAK_MODE);
}

#endif

/* Packed ring entries: the events of one fast path in one 48-byte entry of the ring.
 *
 * A malloc/free pair at level 3 records five events (malloc: tls_pop, header_write,
 * alloc; free: free, tls_push), 240 bytes of ring, and storing them is most of what the
 * rings cost (docs/PERFORMANCE.md). Most of their fields repeat: every event of a malloc
 * is about one block, the header_write's value is a constant, a free's value and size are
 * 0, the link slot and USER lie a few bytes from BASE. Packed, the pair takes two entries,
 * and a ring keeps two and a half times the history in the same memory.
 *
 * Only the ring holds packed entries. The dump writer unpacks them (trace/dump.c), so a
 * dump, the viewer and LTTng see events of trace/events.def and nothing else; an entry's
 * op tells which it is: an event number, or one of enum hak_pack_op, above them all.
 * hak_pack packs only what hak_unpack gives back exactly, else the caller records the
 * events one by one; its tests fold away on the fast paths, whose events are built from
 * the same locals (constant ops and sites, pointers a constant apart). */
#ifndef HAK_TRACE_PACK_H
#define HAK_TRACE_PACK_H

#include <stdbool.h>

#include "config.h"
#include "integrity/block_header.h"
#include "trace/htrace_format.h"
#include "trace/trace.h"

/* One event to record: the fields of struct hak_event that a recording site gives (the
 * class is the batch's, the thread and the sequence number the writer's). */
struct hak_ev_arg {
    unsigned op, site;
    const void *ptr, *base;
    uint64_t value, size;
};

/* Packed entries. Every one keeps the site of its last event in `site` and the number of
 * its first event in `seq`; the others follow it at once. Fields, where S is the `size`
 * word: count in S's low 32 bits, two signed 16-bit offsets from the block above them. */
enum hak_pack_op {
    /* a malloc's tls_pop, alloc: ptr = BASE popped, base = the new head (tls_pop's
     * value), value = requested size (low 32 bits) and usable size (high 32), S = count
     * after, link slot - BASE (bits 32-47), USER - BASE (bits 48-63) */
    HAK_PACK_pop = 0x80,
    /* the same with the header_write between them (level >= 2): ptr = base = BASE,
     * value = HAK_HDR_LIVE, size = requested, site front_malloc */
    HAK_PACK_pop_header = 0x81,
    /* a free's free (site front_free, value and size 0), tls_push: ptr = BASE freed (the
     * free's base), base = previous head (tls_push's value), value = USER given back, S =
     * count after, link slot - BASE (bits 32-47), BASE pushed - BASE freed (bits 48-63) */
    HAK_PACK_free_push = 0x82,
};
#define HAK_PACK_MAX 3 /* events of the largest packed entry */
_Static_assert(HAK_PACK_MAX <= HTRACE_ENTRY_EVENTS_MAX, "a packed entry unpacks into a dump's ring");
_Static_assert((unsigned)HAK_PACK_pop >= (unsigned)HAK_EV_LIMIT && HAK_PACK_free_push < 256, "packed ops: above the events, one byte");

/* How many events the ring entry with op `op` stands for. */
HAK_INLINE unsigned hak_pack_events(unsigned op)
{
    switch (op) {
    case HAK_PACK_pop_header: return 3;
    case HAK_PACK_pop:
    case HAK_PACK_free_push: return 2;
    default: return 1;
    }
}

/* The offset of p from base as the 16 bits of a packed field; *fits cleared when it
 * does not fit in them. */
HAK_INLINE uint64_t hak_pack_off(const void *p, const void *base, bool *fits)
{
    intptr_t d = (const char *)p - (const char *)base;
    if (d < INT16_MIN || d > INT16_MAX) *fits = false;
    return (uint16_t)d;
}

HAK_INLINE bool hak_pack_u32(uint64_t v)
{
    return v <= UINT32_MAX;
}

/* Packs the k events of a into *out when they are one of the shapes above and nothing
 * is lost; false otherwise. */
HAK_INLINE bool hak_pack(unsigned k, const struct hak_ev_arg *a, struct hak_ev_arg *out)
{
    bool fits = true;
    if ((k == 2 || k == 3) && a[0].op == HAK_EV_tls_pop && a[k - 1].op == HAK_EV_alloc) {
        const struct hak_ev_arg *pop = &a[0], *al = &a[k - 1], *hw = &a[1];
        if (k == 3 && !(hw->op == HAK_EV_header_write && hw->site == HAK_SITE_front_malloc && hw->ptr == pop->base &&
                        hw->base == pop->base && hw->value == HAK_HDR_LIVE && hw->size == al->size))
            return false;
        if (al->site != pop->site || al->base != pop->base || !hak_pack_u32(pop->size) || !hak_pack_u32(al->size) ||
            !hak_pack_u32(al->value))
            return false;
        uint64_t s = pop->size | hak_pack_off(pop->ptr, pop->base, &fits) << 32 |
                     hak_pack_off(al->ptr, pop->base, &fits) << 48;
        *out = (struct hak_ev_arg){k == 3 ? HAK_PACK_pop_header : HAK_PACK_pop, pop->site, pop->base,
                                   (const void *)(uintptr_t)pop->value, al->size | al->value << 32, s};
        return fits;
    }
    if (k == 2 && a[0].op == HAK_EV_free && a[1].op == HAK_EV_tls_push) {
        const struct hak_ev_arg *fr = &a[0], *push = &a[1];
        if (fr->site != HAK_SITE_front_free || fr->value || fr->size || !hak_pack_u32(push->size)) return false;
        uint64_t s = push->size | hak_pack_off(push->ptr, fr->base, &fits) << 32 |
                     hak_pack_off(push->base, fr->base, &fits) << 48;
        *out = (struct hak_ev_arg){HAK_PACK_free_push, push->site, fr->base, (const void *)(uintptr_t)push->value,
                                   (uintptr_t)fr->ptr, s};
        return fits;
    }
    return false;
}

/* The ring entry e as the events it stands for, in order, into out[]; returns how many
 * (1 and a copy of e for an entry that is an event). */
static inline unsigned hak_unpack(const struct hak_event *e, struct hak_event out[HAK_PACK_MAX])
{
    unsigned n = hak_pack_events(e->op);
    if (n == 1) {
        out[0] = *e;
        return 1;
    }
    uint64_t blk = e->ptr, count = (uint32_t)e->size;
    uint64_t off1 = (uint64_t)(int64_t)(int16_t)(e->size >> 32), off2 = (uint64_t)(int64_t)(int16_t)(e->size >> 48);
    for (unsigned i = 0; i < n; i++) out[i] = (struct hak_event){.seq = e->seq + i, .tid = e->tid, .cls = e->cls, .site = e->site};
    if (e->op == HAK_PACK_free_push) {
        out[0].op = HAK_EV_free;
        out[0].site = HAK_SITE_front_free;
        out[0].ptr = e->value;
        out[0].base = blk;
        out[1].op = HAK_EV_tls_push;
        out[1].ptr = blk + off1;
        out[1].base = blk + off2;
        out[1].value = e->base;
        out[1].size = count;
        return n;
    }
    uint64_t req = (uint32_t)e->value, usable = e->value >> 32;
    out[0].op = HAK_EV_tls_pop;
    out[0].ptr = blk + off1;
    out[0].base = blk;
    out[0].value = e->base;
    out[0].size = count;
    if (n == 3) {
        out[1].op = HAK_EV_header_write;
        out[1].site = HAK_SITE_front_malloc;
        out[1].ptr = out[1].base = blk;
        out[1].value = HAK_HDR_LIVE;
        out[1].size = req;
    }
    struct hak_event *al = &out[n - 1];
    al->op = HAK_EV_alloc;
    al->ptr = blk + off2;
    al->base = blk;
    al->value = usable;
    al->size = req;
    return n;
}

#endif

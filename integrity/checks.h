/* Box I at the boundaries: the checks a block goes through when it leaves the allocator
 * (hak_chk_out), when it comes back (hak_chk_in), and on every free-list link
 * (hak_chk_link). Each is a no-op below the level it belongs to; the fast paths call
 * them unconditionally and the mode constant removes what does not apply. What a check
 * finds is reported by a cold function of violations.c, which returns only under
 * HAKMEM_ON_VIOLATION=report: then the caller leaves the block alone (never reused). */
#ifndef HAK_CHECKS_H
#define HAK_CHECKS_H

#include <string.h>

#include "box/next_ptr.h"
#include "inject/inject.h"
#include "integrity/block_header.h"
#include "integrity/poison.h"
#include "integrity/shadow.h"
#include "integrity/stack_depot.h"
#include "integrity/violation.h"
#include "superslab/superslab.h"

/* with stacks on: records the calling stack as block base's allocation (0) or free (1) stack */
void hak_note_stack(const void *base, unsigned which);
/* level 2: the first byte of [p, p+n) that is not v, or n */
size_t hak_first_bad_byte(const void *p, size_t n, uint8_t v);

enum hak_free_by { HAK_FREE_OWNER, HAK_FREE_REMOTE };

/* Cold: the report for a live block of slab s whose header, canary (canary_underflow) or
 * tail sentinel (canary_overflow) is not intact; p is the program's pointer to it. */
void hak_bad_live(void *p, void *base, struct hak_slab *s, unsigned site);

/* Level 2: a block just freed gets its free header and poison (the whole block at level 4). */
HAK_INLINE void hak_poison_block(void *base, unsigned c, int lv)
{
    struct hak_block_header *h = base;
    char *user = (char *)base + HAK_HEADER_SIZE;
    hak_shadow_open(base, hak_layout[c].stride, lv);
    hak_hdr_word_put(h, hak_hdr_word(HAK_HDR_FREE, c, HAK_BLOCK_FREE));
    if (HAK_QUARANTINE(lv)) memset(user, HAK_POISON_FREE, hak_layout[c].size);
    else hak_poison_fill(user, hak_poison_span(hak_layout[c].size));
    hak_shadow_close(base, hak_layout[c].stride, lv);
}

/* Cold: the report for a block that failed hak_chk_pop. */
void hak_bad_pop(void *base, unsigned c, unsigned site);

/* A block is about to leave a thread cache or free list: before anything reads it (its
 * link may be garbage), it must be a block of a slab of class c that is free (level 1),
 * with its free header and poison intact (level 2). Links are checked here, when they
 * are used, rather than when they are read. False when it is not: the caller reports it
 * with hak_bad_pop (from a cold path of its own, so that the fast path makes no call). */
HAK_INLINE bool hak_chk_pop(void *base, unsigned c, int lv)
{
    if (!HAK_CHECKS(lv)) return true;
    uintptr_t a = (uintptr_t)base;
    unsigned r = hak_region_of(a);
    if (hak_unlikely(r < HAK_REGION_TINY || (a & ((1u << HAK_GRANULE_SHIFT) - 1)) ||
                     *hak_state_at(base) != hak_state(c, HAK_BLOCK_FREE)))
        return false;
    if (HAK_HEADERS(lv)) {
        const struct hak_block_header *h = base;
        const char *user = (const char *)base + HAK_HEADER_SIZE;
        size_t size = hak_layout[c].size, span = HAK_QUARANTINE(lv) ? size : hak_poison_span(size);
        hak_shadow_open(base, HAK_HEADER_SIZE + span, lv);
        bool ok = h->magic == HAK_HDR_FREE && h->cls == c &&
                  (HAK_QUARANTINE(lv) ? hak_first_bad_byte(user, span, HAK_POISON_FREE) == span : hak_poison_intact(user, span));
        hak_shadow_close(base, HAK_HEADER_SIZE + span, lv);
        if (hak_unlikely(!ok)) return false;
    }
    return true;
}

/* Level 2: the first block of the n that the free list from head links that would fail
 * hak_chk_pop, or NULL: a list checked as if every block on it were reused. */
HAK_INLINE void *hak_first_bad_free(void *head, uint32_t n, unsigned c, int lv)
{
    void *base = head;
    for (uint32_t i = 0; i < n && base; i++) {
        if (!hak_chk_pop(base, c, lv)) return base;
        base = hak_next_pop(base, lv);
    }
    return NULL;
}

/* The free list of slab s, found with a bad block, is dropped: its blocks count as used
 * (used + free == carved holds), so none is handed out and the slab is never released. */
HAK_INLINE void hak_drop_free_list(struct hak_slab *s)
{
    s->used += s->nfree;
    s->nfree = 0;
    s->free = NULL;
}

/* A block checked by hak_chk_pop leaves for the program: its state becomes live (level 1),
 * its live header and tail sentinel are written (level 2; header false only under the
 * missing_header fault; the caller records header_write), its stack noted. */
HAK_INLINE void hak_chk_out(void *base, unsigned c, size_t n, bool header, int lv)
{
    if (!HAK_CHECKS(lv)) return;
    if (HAK_HEADERS(lv) && header) {
        struct hak_block_header *h = base;
        char *user = (char *)base + HAK_HEADER_SIZE;
        hak_shadow_open(base, hak_layout[c].stride, lv);
        h->magic = HAK_HDR_LIVE;
        h->state = HAK_BLOCK_LIVE;
        h->align_off = 0;
        h->size = (uint32_t)n;
        h->canary = HAK_HDR_CANARY;
        hak_tail_fill_fresh(user, n, hak_layout[c].size);
        hak_shadow_close(base, hak_layout[c].stride, lv);
    }
    *hak_state_at(base) = hak_state(c, HAK_BLOCK_LIVE);
    if (HAK_STACKS(lv)) hak_note_stack(base, 0);
}

/* A check of hak_chk_in failed: the free's event goes before the report, when the caller
 * left it to the check (fev). */
HAK_INLINE void hak_chk_in_failed(const struct hak_ev_arg *fev, unsigned c, int lv)
{
    if (HAK_RINGS(lv) && fev) hak_ev_record_n(c, 1, fev);
}

/* The program gives back p: block base of slab s, of class c (the caller checked that
 * base is 8-byte aligned). Level 1: its state must be live (else a double free, or p is not a block's
 * pointer: its granule is interior); the owner marks it free, another thread marks it
 * remote with a compare-and-swap (two threads freeing it at once: one wins, the other
 * reports).
 * Level 2: the header, its canary and the tail sentinel must be intact; the block is
 * poisoned and gets its free header. Returns false after reporting. fev: the free's
 * event, when the caller records it after the check (with its push): a failed check
 * records it before its report. */
HAK_INLINE bool hak_chk_in(void *p, struct hak_slab *s, void *base, unsigned c, enum hak_free_by by, unsigned site,
                           const struct hak_ev_arg *fev, int lv)
{
    if (!HAK_CHECKS(lv)) return true;
    uint8_t *st = hak_block_state(p, base), live = hak_state(c, HAK_BLOCK_LIVE);
    if (hak_unlikely(*st != live)) goto not_live;
    if (HAK_HEADERS(lv)) {
        struct hak_block_header *h = base;
        char *user = (char *)base + HAK_HEADER_SIZE;
        hak_shadow_open(base, hak_layout[c].stride, lv);
        /* one compare for the usual block (align_off 0: p is USER, as base was found from it);
         * the fields one by one for the others and for the report */
        if (hak_unlikely(hak_hdr_word_at(h) != hak_hdr_word(HAK_HDR_LIVE, c, HAK_BLOCK_LIVE) ||
                         h->canary != HAK_HDR_CANARY || (char *)p != user)) {
            if (hak_unlikely(h->magic != HAK_HDR_LIVE || h->cls != c || h->canary != HAK_HDR_CANARY)) {
                hak_chk_in_failed(fev, c, lv);
                hak_bad_live(p, base, s, site);
                return false;
            }
            if (hak_unlikely((char *)p != user + h->align_off)) {
                hak_chk_in_failed(fev, c, lv);
                hak_violation_block(HAK_KIND_interior_free, site, p, base, s, (uintptr_t)(user + h->align_off),
                                    (uintptr_t)p, "pointer (expected the block's, found)");
                return false;
            }
        }
        if (hak_unlikely(!hak_tail_intact(user, h->size, hak_layout[c].size))) {
            hak_chk_in_failed(fev, c, lv);
            hak_bad_live(p, base, s, site);
            return false;
        }
    }
    if (by == HAK_FREE_OWNER && !HAK_QUARANTINE(lv)) {
        if (hak_unlikely(*st != live)) goto not_live;
        *st = hak_state(c, HAK_BLOCK_FREE);
    } else {
        /* another thread's block, or any block at level 4 (quarantined by whoever frees it) */
        if (hak_unlikely(!__atomic_compare_exchange_n(st, &live, hak_state(c, HAK_QUARANTINE(lv) ? HAK_BLOCK_QUARANTINE : HAK_BLOCK_REMOTE),
                                                      false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)))
            goto not_live;
    }
    if (HAK_STACKS(lv)) hak_note_stack(base, 1);
    if (HAK_HEADERS(lv)) hak_poison_block(base, c, lv);
    hak_shadow_close(base, hak_layout[c].stride, lv);
    if (HAK_SHADOW(lv)) hak_shadow_free(p, hak_layout[c].stride - (size_t)((char *)p - (char *)base), lv);
    return true;
not_live:
    hak_chk_in_failed(fev, c, lv);
    if (*st == HAK_BLOCK_INTERIOR) hak_report_bad_pointer(p, HAK_KIND_interior_free, site);
    else hak_violation_block(HAK_KIND_double_free, site, p, base, s, HAK_BLOCK_LIVE, hak_state_holder(*st), "block state (1 live)");
    return false;
}

/* Level 2: a live block now holds size bytes from USER (realloc in place, an aligned
 * allocation's offset): the header and tail sentinel follow. align_off: USER of the
 * aligned allocation minus USER of the block. */
HAK_INLINE void hak_chk_resize(void *base, unsigned c, size_t size, size_t align_off, int lv)
{
    if (!HAK_HEADERS(lv)) return;
    struct hak_block_header *h = base;
    char *user = (char *)base + HAK_HEADER_SIZE;
    hak_shadow_open(base, hak_layout[c].stride, lv);
    h->size = (uint32_t)size;
    h->align_off = (uint16_t)align_off;
    size_t tail = hak_layout[c].size - size;
    memset(user + size, HAK_TAIL_BYTE, tail < HAK_TAIL_SPAN ? tail : HAK_TAIL_SPAN);
    hak_shadow_close(base, hak_layout[c].stride, lv);
    hak_shadow_alloc(user + align_off, size - align_off, lv);
}

/* Bytes the program may use from p in live block base of class c (level 2: what it
 * asked for; below: the rest of the block). */
HAK_INLINE size_t hak_block_usable(const void *p, const void *base, unsigned c, int lv)
{
    const char *user = (const char *)base + hak_user_off(lv);
    if (HAK_HEADERS(lv)) {
        hak_shadow_open(base, HAK_HEADER_SIZE, lv);
        size_t size = ((const struct hak_block_header *)base)->size;
        hak_shadow_close(base, HAK_HEADER_SIZE, lv);
        return size - (size_t)((const char *)p - user);
    }
    return (size_t)(user + hak_layout[c].size - (const char *)p);
}

/* Level 3: every block of a slab is on its free list, out of it (used), or never carved
 * (principle 5). A path that moved blocks without counting them breaks this at once. */
HAK_INLINE void hak_chk_slab_counts(const struct hak_slab *s, unsigned site, int lv)
{
    if (HAK_FEAT(lv, 3) && hak_unlikely((uint64_t)s->used + s->nfree != s->carved))
        hak_violation_block(HAK_KIND_slab_meta_invariant, site, s, s->start, s, s->carved,
                            (uint64_t)s->used + s->nfree, "used + free blocks (expected carved, found)");
}

#endif

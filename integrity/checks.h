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
#include "integrity/block_header.h"
#include "integrity/shadow.h"
#include "integrity/stack_depot.h"
#include "integrity/violation.h"
#include "superslab/superslab.h"

/* with stacks on: records the calling stack as block base's allocation (0) or free (1) stack */
void hak_note_stack(const struct hak_slab *s, const void *base, unsigned which);
/* level 2: the first byte of [p, p+n) that is not v, or n */
size_t hak_first_bad_byte(const void *p, size_t n, uint8_t v);
void hak_poison_block(void *base, unsigned c, int lv);

enum hak_free_by { HAK_FREE_OWNER, HAK_FREE_REMOTE };

HAK_INLINE uint8_t *hak_block_state_of(const struct hak_slab *s, const void *base)
{
    const struct hak_class_layout *l = &hak_layout[s->cls];
    return hak_slab_states(s) + hak_block_index(l, (uintptr_t)((const char *)base - s->start));
}

/* A block leaves for the program. Level 1: its state goes from free to live. Level 2:
 * its free header and poison must be intact; the live header and tail are written. */
HAK_INLINE bool hak_chk_out(void *base, unsigned c, size_t n, unsigned site, int lv)
{
    if (!HAK_CHECKS(lv)) return true;
    struct hak_slab *s = hak_slab_at((uintptr_t)base, hak_layout[c].slab_shift);
    uint8_t *st = hak_block_state_of(s, base);
    if (hak_unlikely(*st != HAK_BLOCK_FREE)) {
        hak_violation_block(HAK_KIND_freelist_corrupt, site, base, base, s, HAK_BLOCK_FREE, *st,
                            "state of a block on a free list (expected free, found)");
        return false;
    }
    if (HAK_HEADERS(lv)) {
        struct hak_block_header *h = base;
        hak_shadow_open(base, hak_layout[c].stride, lv);
        if (hak_unlikely(h->magic != HAK_HDR_FREE || h->cls != c)) {
            hak_violation_block(HAK_KIND_header_corrupt, site, base, base, s, HAK_HDR_FREE, h->magic,
                                "header magic of a free block");
            return false;
        }
        char *user = (char *)base + HAK_HEADER_SIZE;
        size_t span = HAK_QUARANTINE(lv) ? hak_layout[c].size : HAK_POISON_SPAN;
        if (span > hak_layout[c].size) span = hak_layout[c].size;
        size_t bad = hak_first_bad_byte(user, span, HAK_POISON_FREE);
        if (hak_unlikely(bad != span)) {
            hak_violation_block(HAK_KIND_use_after_free_write, site, user + bad, base, s, HAK_POISON_FREE,
                                (uint8_t)user[bad], "poison byte of a free block (offset in the ptr field)");
            return false;
        }
        h->magic = HAK_HDR_LIVE;
        h->state = HAK_BLOCK_LIVE;
        h->align_off = 0;
        h->size = (uint32_t)n;
        h->canary = HAK_HDR_CANARY;
        size_t tail = hak_layout[c].size - n;
        memset(user + n, HAK_TAIL_BYTE, tail < HAK_TAIL_SPAN ? tail : HAK_TAIL_SPAN);
        hak_shadow_close(base, hak_layout[c].stride, lv);
        HAK_EV(lv, header_write, front_malloc, c, base, base, HAK_HDR_LIVE, n);
    }
    *st = HAK_BLOCK_LIVE;
    if (hak_unlikely(hak_stacks_on)) hak_note_stack(s, base, 0);
    return true;
}

/* The program gives back p: block base of slab s. Level 1: its state must be live (else a
 * double free); the owner marks it free, another thread marks it remote with a
 * compare-and-swap (two threads freeing it at once: one wins, the other reports).
 * Level 2: the header, its canary and the tail sentinel must be intact; the block is
 * poisoned and gets its free header. Returns false after reporting. */
HAK_INLINE bool hak_chk_in(void *p, struct hak_slab *s, void *base, enum hak_free_by by, unsigned site, int lv)
{
    if (!HAK_CHECKS(lv)) return true;
    uint8_t *st = hak_block_state_of(s, base);
    unsigned c = s->cls;
    if (HAK_HEADERS(lv)) {
        struct hak_block_header *h = base;
        hak_shadow_open(base, hak_layout[c].stride, lv);
        if (hak_unlikely(h->magic != HAK_HDR_LIVE || h->cls != c || h->canary != HAK_HDR_CANARY)) {
            if (*st != HAK_BLOCK_LIVE)
                hak_violation_block(HAK_KIND_double_free, site, p, base, s, HAK_BLOCK_LIVE, *st, "block state");
            else if (h->magic == HAK_HDR_LIVE && h->cls == c)
                hak_violation_block(HAK_KIND_canary_underflow, site, p, base, s, HAK_HDR_CANARY, h->canary,
                                    "canary right before the block");
            else
                hak_violation_block(HAK_KIND_header_corrupt, site, p, base, s, HAK_HDR_LIVE, h->magic, "header magic");
            return false;
        }
        char *user = (char *)base + HAK_HEADER_SIZE;
        if (hak_unlikely((char *)p != user + h->align_off)) {
            hak_violation_block(HAK_KIND_interior_free, site, p, base, s, (uintptr_t)(user + h->align_off),
                                (uintptr_t)p, "pointer (expected the block's, found)");
            return false;
        }
        size_t n = h->size, tail = hak_layout[c].size - n;
        if (tail > HAK_TAIL_SPAN) tail = HAK_TAIL_SPAN;
        size_t bad = hak_first_bad_byte(user + n, tail, HAK_TAIL_BYTE);
        if (hak_unlikely(bad != tail)) {
            hak_violation_block(HAK_KIND_canary_overflow, site, user + n + bad, base, s, HAK_TAIL_BYTE,
                                (uint8_t)user[n + bad], "tail sentinel after the requested size");
            return false;
        }
    }
    if (by == HAK_FREE_OWNER && !HAK_QUARANTINE(lv)) {
        if (hak_unlikely(*st != HAK_BLOCK_LIVE)) goto double_free;
        *st = HAK_BLOCK_FREE;
    } else {
        /* another thread's block, or any block at level 4 (quarantined by whoever frees it) */
        uint8_t live = HAK_BLOCK_LIVE;
        if (hak_unlikely(!__atomic_compare_exchange_n(st, &live, HAK_QUARANTINE(lv) ? HAK_BLOCK_QUARANTINE : HAK_BLOCK_REMOTE,
                                                      false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)))
            goto double_free;
    }
    if (hak_unlikely(hak_stacks_on)) hak_note_stack(s, base, 1);
    if (HAK_HEADERS(lv)) hak_poison_block(base, c, lv);
    hak_shadow_close(base, hak_layout[c].stride, lv);
    if (HAK_SHADOW(lv)) hak_shadow_free(p, hak_layout[c].stride - (size_t)((char *)p - (char *)base), lv);
    return true;
double_free:
    hak_violation_block(HAK_KIND_double_free, site, p, base, s, HAK_BLOCK_LIVE, *st, "block state (1 live)");
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

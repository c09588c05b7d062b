/* The fast paths: size -> class -> pop -> return, and free -> owner check -> push.
 * Instantiated once per mode with lv a constant (src/api/malloc.c), so that every test of
 * a feature the mode lacks folds away. Anything rare is behind one branch to slow.c. */
#ifndef HAK_FRONT_H
#define HAK_FRONT_H

#include "box/next_ptr.h"
#include "box/user_base.h"
#include "front/heap.h"
#include "api/env.h"
#include "integrity/checks.h"
#include "integrity/guard.h"

/* Cold: the head base of bin b failed its check. Reports it, drops the bin (its blocks
 * cannot be trusted, so they are left out of every list) and serves the request of n
 * bytes from a refill; NULL when that fails. */
void *hak_bin_bad_head(struct hak_bin *b, void *base, unsigned c, size_t n, unsigned site);
/* Cold: block base was handed out at USER user, not where the layout says (reported);
 * the request is served again. */
void *hak_bad_user(void *user, void *base, unsigned c, size_t n, unsigned site);

/* Pops the head of the bin of class c, which is not empty, for a request of n bytes:
 * checked before it is read, BASE -> USER, recorded. (The cold paths are tail calls, so
 * that the fast path saves no register.) */
HAK_INLINE void *hak_bin_pop(struct hak_bin *b, unsigned c, size_t n, unsigned site, int lv)
{
    void *base = b->head;
    if (hak_unlikely(!hak_chk_pop(base, c, lv))) return hak_bin_bad_head(b, base, c, n, site);
    void *next = hak_next_pop(base, lv);
    b->head = next;
    b->count--;
    bool no_header = HAK_HEADERS(lv) && HAK_FAULT(missing_header, c, base);
    hak_chk_out(base, c, n, !no_header, lv);
    char *user = hak_user_of(base, lv);
    bool twice = HAK_FAULT(double_convert, c, base);
    if (twice) user += HAK_HEADER_SIZE;
    /* level 2 keeps the tail after n for its sentinel; below, the program may use the block */
    hak_shadow_alloc(user, HAK_HEADERS(lv) ? n : hak_layout[c].size, lv);
    if (HAK_RINGS(lv)) {
        /* tls_pop (with the link read), header_write (level 2, unless the fault left it
         * out), alloc */
        struct hak_ev_arg ev[] = {
            {HAK_EV_tls_pop, site, hak_next_slot(base, lv), base, (uintptr_t)next, b->count},
            {HAK_EV_header_write, HAK_SITE_front_malloc, base, base, HAK_HDR_LIVE, n},
            {HAK_EV_alloc, site, user, base, hak_layout[c].size, n},
        };
        if (!HAK_HEADERS(lv) || hak_unlikely(no_header)) ev[1] = ev[2];
        hak_ev_record_n(c, HAK_HEADERS(lv) && !no_header ? 3 : 2, ev);
    }
    if (no_header) HAK_FAULT_FIRED(missing_header);
    if (twice) HAK_FAULT_FIRED(double_convert);
    /* level 2: USER is BASE plus the layout's offset, whoever converted it (a constant
     * compare that folds away unless something moved USER: the double_convert fault) */
    if (HAK_HEADERS(lv) && hak_unlikely(user != (char *)base + hak_user_off(lv))) return hak_bad_user(user, base, c, n, site);
    return user;
}

/* A block goes on the thread's bin of class c; the caller has marked it free (its state
 * byte). fev: the event of the free that brings it, when the caller has not recorded it
 * yet (the two go in one batch), else NULL. */
HAK_INLINE void hak_bin_push(struct hak_heap *h, unsigned c, void *base, unsigned site, const struct hak_ev_arg *fev,
                             int lv)
{
    struct hak_bin *b = &h->bins[c];
    void *old = b->head, *freed = base;
    bool as_base = HAK_FAULT(user_as_base, c, base);
    if (as_base) base = (char *)base + HAK_HEADER_SIZE;
    bool bad_slot;
    void *slot = hak_next_slot_w(base, c, &bad_slot, lv);
    /* level 2: what goes on a list is the BASE of a block just freed, whoever converted it.
     * The caller has just marked block freed free in its state byte: the byte is read again
     * only when something moved the pointer since (a compare that folds away unless the
     * user_as_base fault is built in), which saves a free a load and its address. */
    bool not_base = HAK_HEADERS(lv) && hak_unlikely(base != freed) && *hak_state_at(base) != hak_state(c, HAK_BLOCK_FREE);
    if (!not_base) {
        b->head = base;
        b->count++;
    }
    if (HAK_RINGS(lv)) {
        /* the free, then tls_push (with the link written) */
        struct hak_ev_arg ev[] = {
            fev ? *fev : (struct hak_ev_arg){0},
            {HAK_EV_tls_push, site, slot, base, (uintptr_t)old, b->count},
        };
        if (fev) hak_ev_record_n(c, 2, ev);
        else hak_ev_record_n(c, 1, &ev[1]);
    }
    if (bad_slot) HAK_FAULT_FIRED(next_offset);
    if (as_base) HAK_FAULT_FIRED(user_as_base);
    if (hak_unlikely(not_base)) {
        hak_violation_block(HAK_KIND_user_base_mismatch, site, base, NULL, NULL, HAK_BLOCK_FREE, hak_state_holder(*hak_state_at(base)),
                            "state at the pointer pushed as a BASE (expected a free block's start)");
        return;
    }
    hak_next_store(slot, base, old, site, lv);
    if (hak_unlikely(b->count > b->limit)) hak_heap_overflow(c);
}

/* quarantine.c (level 4) */
void hak_quarantine_put(struct hak_heap *h, void *base, unsigned c, int lv);
void hak_quarantine_flush(struct hak_heap *h, int lv);

/* sweep.c (level 2): at exit, the free blocks no other thread can change, checked */
void hak_exit_sweep(int lv);

/* slow.c */
void hak_free_route(struct hak_slab *s, void *base, int lv);
void *hak_malloc_slow(size_t n);
void hak_free_slow(void *p, unsigned region);
void *hak_alloc_class(unsigned c, size_t n, int lv);

/* The largest request the tiny fast path serves at level lv (one byte less when a tail
 * sentinel byte is needed). */
#define HAK_TINY_FAST_MAX(lv) (HAK_TINY_MAX - (HAK_HEADERS(lv) ? 1 : 0))

/* Pops a block of the class of n <= HAK_TINY_FAST_MAX(lv) from the thread cache. */
HAK_INLINE void *hak_front_pop(size_t n, const int lv)
{
    unsigned c = hak_small_class[(hak_class_request(n, lv) + 7) >> 3];
    struct hak_bin *b = &hak_heap_tls.bins[c];
    if (hak_unlikely(b->head == NULL)) return hak_malloc_slow(n);
    return hak_bin_pop(b, c, n, HAK_SITE_front_malloc, lv);
}

HAK_INLINE void *hak_front_malloc(size_t n, const int lv)
{
    if (HAK_QUARANTINE(lv) && hak_unlikely(hak_env.guard) && hak_guard_wanted()) {
        void *p = hak_guard_alloc(n);
        if (p) return p;
    }
    if (hak_likely(n <= HAK_TINY_FAST_MAX(lv))) return hak_front_pop(n, lv);
    return hak_malloc_slow(n);
}

/* Pushes p on the thread cache when it is a plain block of a slab this thread owns;
 * otherwise returns false with the region of p in *region, for hak_free_slow. lim bounds
 * the region map's index: HAK_REGION_ENTRIES, or 0 to fail at once (malloc.c uses it
 * to test the mode in force without a compare of its own). */
HAK_INLINE bool hak_front_free(void *p, const int lv, uintptr_t lim, unsigned *region)
{
    uintptr_t a = (uintptr_t)p;
    unsigned r = hak_region_below(a, lim);
    if (hak_likely(r >= HAK_REGION_TINY)) {
        struct hak_slab *s = hak_slab_at(a, r);
        struct hak_heap *h = &hak_heap_tls;
        uint32_t me = h->tid;
        /* owner and flags in one compare (the slab's first word) */
        uint64_t w = __atomic_load_n((const uint64_t *)(const void *)s, __ATOMIC_RELAXED);
        if (hak_likely((w & HAK_SLAB_OWNER_FLAGS_MASK) == me)) {
            /* from level 1, a pointer off the 8-byte grid goes to the slow path */
            if (!HAK_CHECKS(lv) || hak_likely(!(a & ((1u << HAK_GRANULE_SHIFT) - 1)))) {
                void *base = hak_base_of(p, lv);
                unsigned c = (unsigned)(w >> 32) & 0xff;
                /* the free is recorded with the push that follows it, or on its own
                 * before any report of the check */
                const struct hak_ev_arg fev = {HAK_EV_free, HAK_SITE_front_free, p, base, 0, 0};
                if (hak_chk_in(p, s, base, c, HAK_FREE_OWNER, HAK_SITE_front_free, &fev, lv)) {
                    if (!HAK_QUARANTINE(lv)) {
                        hak_bin_push(h, c, base, HAK_SITE_front_free, &fev, lv);
                    } else {
                        if (HAK_RINGS(lv)) hak_ev_record_n(c, 1, &fev);
                        hak_quarantine_put(h, base, c, lv);
                    }
                }
                return true;
            }
        }
    }
    *region = r;
    return false;
}

#endif

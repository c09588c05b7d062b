/* Superslabs, slabs and the region map.
 *
 * A superslab is 2 MiB, aligned to 2 MiB, and split into slabs of one size: 32 slabs of
 * 64 KiB for tiny classes or 4 of 512 KiB for the mid-size pool. All metadata sits out of
 * band at the start of the superslab, so an overflow of a block cannot reach it:
 *
 *   superslab: [ header + slab metadata (4 KiB) | slab 0 blocks | slab 1 | ... | slab N-1 ]
 *
 * A slab is assigned to one class at a time, on demand, from the shared pool
 * (slab_pool.c) and returned to it when it is empty. Each assigned slab has an owner: the
 * thread that allocates from it. Only the owner touches its free list; other threads
 * free into its remote queue (src/slab/remote.c). A slab whose owner exited is
 * abandoned: frees into it take the pool lock until another thread adopts it.
 *
 * The region map says, for every 2 MiB of the address space, whether hakmem owns it and
 * how: ownership of any pointer is one shift and one byte load, and never reads memory
 * hakmem does not own (principle 4).
 */
#ifndef HAK_SUPERSLAB_H
#define HAK_SUPERSLAB_H

#include <stddef.h>

#include "config.h"
#include "layout.h"

/* Region map values. A superslab's entry is its slab shift, so that the free path gets
 * the slab index with the same load that proves ownership. */
enum {
    HAK_REGION_NONE = 0,
    HAK_REGION_LARGE = 1,      /* the first 2 MiB of a large mapping (its header) */
    HAK_REGION_LARGE_CONT = 2, /* further 2 MiB pieces of a large mapping */
    HAK_REGION_LARGE_PREV = 3, /* holds the USER pointer of a large block whose header is in
                                  the 2 MiB before (alignments of 2 MiB and more) */
    HAK_REGION_GUARD = 4,      /* a chunk of guarded blocks (integrity/guard.c) */
    HAK_REGION_TINY = HAK_TINY_SLAB_SHIFT,
    HAK_REGION_POOL = HAK_POOL_SLAB_SHIFT,
};
#define HAK_REGION_ENTRIES ((size_t)1 << (HAK_ADDR_BITS - HAK_SS_SHIFT))
extern uint8_t hak_regionmap[HAK_REGION_ENTRIES];

/* The region of address a, as if the map had only lim entries (0: every address is
 * foreign; the fast free path of src/api/malloc.c uses that as its mode test). */
HAK_INLINE unsigned hak_region_below(uintptr_t a, uintptr_t lim)
{
    uintptr_t i = a >> HAK_SS_SHIFT;
    if (hak_unlikely(i >= lim)) return HAK_REGION_NONE;
    return __atomic_load_n(&hak_regionmap[i], __ATOMIC_RELAXED);
}

/* The region of address a: one load, never of memory hakmem does not own. */
HAK_INLINE unsigned hak_region_of(uintptr_t a)
{
    return hak_region_below(a, HAK_REGION_ENTRIES);
}
void hak_region_set(uintptr_t start, size_t size, unsigned first, unsigned rest);

/* Slab owners besides thread ids (which start at 1). */
#define HAK_OWNER_NONE UINT32_MAX            /* not assigned to a class */
#define HAK_OWNER_ABANDONED (UINT32_MAX - 1) /* its thread exited */

/* Slab flags: any set bit sends a free of this slab's blocks off the fast path. */
#define HAK_SLAB_ALIGNED 0x01 /* holds blocks returned by an aligned allocation at an offset */

enum hak_slab_list_id { HAK_LIST_NONE, HAK_LIST_PARTIAL, HAK_LIST_FULL, HAK_LIST_ABANDONED };

struct hak_slab {
    /* read by every free */
    uint32_t owner; /* a thread id, HAK_OWNER_NONE or HAK_OWNER_ABANDONED (atomic) */
    uint8_t cls;
    uint8_t flags;
    uint8_t list;  /* enum hak_slab_list_id: which list links it */
    uint8_t index; /* in its superslab */
    /* the owner's (or, when abandoned, the pool lock's) */
    uint32_t used;     /* blocks out of the slab: allocated, in a thread cache or a remote queue */
    uint32_t nfree;    /* blocks on the free list */
    uint32_t capacity; /* blocks that fit */
    uint32_t carved;   /* blocks carved so far; the rest of the slab was never touched */
    char *start;       /* BASE of block 0 */
    void *free;        /* free list of BASE pointers, linked through the next-pointer box */
    struct hak_slab *next, *prev;
    /* other threads push here; terminated by HAK_REMOTE_END */
    void *remote;
};
_Static_assert(sizeof(struct hak_slab) == 64, "slab metadata is one cache line");
/* The free fast path reads owner, cls and flags as one little-endian word: owner in the
 * low 32 bits, cls in bits 32-39, flags in bits 40-47. */
_Static_assert(offsetof(struct hak_slab, owner) == 0 && offsetof(struct hak_slab, cls) == 4 &&
                   offsetof(struct hak_slab, flags) == 5,
               "owner, cls, flags form the slab's first word");
#define HAK_SLAB_OWNER_FLAGS_MASK 0x0000ff00ffffffffull

#define HAK_SS_MAGIC 0x48414b53u /* "HAKS" */
#define HAK_SS_DESC_SIZE 4096    /* the superslab header and its slab descriptors */
/* From level 1 every 8-byte granule of a superslab has a state byte: for the granule
 * where a block starts, who holds the block (free / live / remote / quarantined) and its
 * class, state << 6 | class (a free block's byte is its class); for every other granule
 * HAK_BLOCK_INTERIOR. So a
 * pointer's state is one shift and one load away, with no slab lookup and no division: a
 * pointer into the middle of a block, into never-carved space or off a block boundary
 * reads "interior", and one compare tells "a free block of class c" (what a popped link
 * must be). The map (256 KiB) follows the slab descriptors; slabs that would overlap it
 * are never assigned. */
#define HAK_GRANULE_SHIFT 3
#define HAK_SS_STATES_BYTES (HAK_SS_SIZE >> HAK_GRANULE_SHIFT)
#define HAK_SS_STATES_BEFORE (HAK_HEADER_SIZE >> HAK_GRANULE_SHIFT) /* see hak_block_state */
enum hak_block_state {
    HAK_BLOCK_FREE = 0,       /* in a free list or a thread cache */
    HAK_BLOCK_LIVE = 1,       /* held by the program */
    HAK_BLOCK_REMOTE = 2,     /* freed by another thread, in the slab's remote queue */
    HAK_BLOCK_QUARANTINE = 3, /* freed, held back from reuse (level 4) */
    HAK_BLOCK_INTERIOR = 0xff /* not the start of a carved block (no class is 63) */
};
_Static_assert(HAK_NCLASSES < 63, "a class fits the state byte's six lower bits");

/* The state byte of a block of class c held as st. */
HAK_INLINE uint8_t hak_state(unsigned c, enum hak_block_state st)
{
    return (uint8_t)((unsigned)st << 6 | c);
}

/* Who holds the block whose state byte is b (HAK_BLOCK_INTERIOR for no block). */
HAK_INLINE enum hak_block_state hak_state_holder(uint8_t b)
{
    return b == HAK_BLOCK_INTERIOR ? HAK_BLOCK_INTERIOR : (enum hak_block_state)(b >> 6);
}

/* The class of the block whose state byte is b. */
HAK_INLINE unsigned hak_state_class(uint8_t b)
{
    return b & 63;
}

/* Bytes of metadata at the start of a superslab. */
HAK_INLINE size_t hak_ss_meta_size(int lv)
{
    return HAK_SS_DESC_SIZE + (HAK_CHECKS(lv) ? HAK_SS_STATES_BYTES : 0);
}



struct hak_superslab {
    uint32_t magic;
    uint8_t kind;       /* enum hak_class_kind */
    uint8_t slab_shift;
    uint8_t nslabs;
    uint8_t nfree;      /* unassigned slabs */
    uint32_t meta_size; /* bytes of metadata before the first block */
    uint32_t free_mask; /* unassigned slabs */
    uint32_t dirty_mask; /* unassigned slabs whose pages may still be resident */
    struct hak_superslab *next, *prev;          /* every superslab */
    struct hak_superslab *avail_next, *avail_prev; /* those with an unassigned slab */
    bool on_avail;
    /* with stacks on: {allocation stack, free stack} ids per granule (used where a block
     * starts), in a mapping of its own */
    uint32_t (*stacks)[2];
    struct hak_slab slabs[HAK_MAX_SLABS] HAK_ALIGNED(HAK_CACHE_LINE);
};
_Static_assert(sizeof(struct hak_superslab) <= HAK_SS_DESC_SIZE - HAK_SS_STATES_BEFORE,
               "superslab header fits, before the state bytes of hak_block_state");



HAK_INLINE struct hak_superslab *hak_ss_of(const void *p)
{
    return (struct hak_superslab *)((uintptr_t)p & ~(uintptr_t)HAK_SS_MASK);
}

/* The {allocation, free} stack ids of the block at base, or NULL without stacks. */
HAK_INLINE uint32_t *hak_block_stacks(const void *base)
{
    struct hak_superslab *ss = hak_ss_of(base);
    if (!ss->stacks) return NULL;
    return ss->stacks[((uintptr_t)base & HAK_SS_MASK) >> HAK_GRANULE_SHIFT];
}

/* Slabs of ss that can be assigned (those not inside its metadata). */
HAK_INLINE unsigned hak_ss_assignable(const struct hak_superslab *ss)
{
    return ss->nslabs - (ss->meta_size >> ss->slab_shift);
}

/* The state byte of the granule at p (level 1 and up). */
HAK_INLINE uint8_t *hak_state_at(const void *p)
{
    return (uint8_t *)hak_ss_of(p) + HAK_SS_DESC_SIZE + (((uintptr_t)p & HAK_SS_MASK) >> HAK_GRANULE_SHIFT);
}

/* The state byte of the block at base, found from a pointer p into the same superslab
 * (the one given to free). The free fast path computes base from p before anything is
 * checked, so base may lie up to a header before p's superslab (p in its first bytes): its
 * byte is then one of the HAK_SS_STATES_BEFORE bytes just before the map, at the end of
 * the descriptor page, which always say "interior"; never a byte of the memory before,
 * which hakmem may not own (principle 4). As cheap as hak_state_at: p's superslab is
 * the one the caller found p's slab in. */
HAK_INLINE uint8_t *hak_block_state(const void *p, const void *base)
{
    char *ss = (char *)hak_ss_of(p);
    return (uint8_t *)ss + HAK_SS_DESC_SIZE + (((const char *)base - ss) >> HAK_GRANULE_SHIFT);
}

/* The slab holding address a, which lies in a superslab of the given slab shift. */
HAK_INLINE struct hak_slab *hak_slab_at(uintptr_t a, unsigned shift)
{
    return &hak_ss_of((void *)a)->slabs[(a & HAK_SS_MASK) >> shift];
}

HAK_INLINE char *hak_slab_end(const struct hak_slab *s, unsigned shift)
{
    return (char *)hak_ss_of(s) + ((size_t)(s->index + 1) << shift);
}

/* ---- the shared pool (slab_pool.c) ---- */
struct hak_slab *hak_slab_acquire(unsigned cls, uint32_t owner);
void hak_slab_release(struct hak_slab *s);
void hak_slab_abandon(struct hak_slab *s);
struct hak_slab *hak_slab_adopt(unsigned cls, uint32_t owner);
bool hak_abandoned_free(struct hak_slab *s, void *base, int lv);
void hak_pool_purge(void);
void hak_pool_lock(void);
void hak_pool_unlock(void);
bool hak_pool_trylock(void);
void hak_pool_after_fork_child(void);

/* ---- superslab mapping and the registry of all superslabs (superslab.c) ---- */
struct hak_superslab *hak_superslab_map(unsigned kind);
void hak_superslab_unmap(struct hak_superslab *ss);
extern struct hak_superslab *hak_superslabs; /* every mapped superslab, under the pool lock */

/* ---- lists of slabs (an owner's partial and full lists, the abandoned lists) ---- */
struct hak_slab_list {
    struct hak_slab *head, *tail;
    uint32_t count;
};

HAK_INLINE void hak_slab_list_push(struct hak_slab_list *l, struct hak_slab *s, unsigned id)
{
    s->prev = NULL;
    s->next = l->head;
    if (l->head) l->head->prev = s;
    else l->tail = s;
    l->head = s;
    l->count++;
    s->list = (uint8_t)id;
}

HAK_INLINE void hak_slab_list_append(struct hak_slab_list *l, struct hak_slab *s, unsigned id)
{
    s->next = NULL;
    s->prev = l->tail;
    if (l->tail) l->tail->next = s;
    else l->head = s;
    l->tail = s;
    l->count++;
    s->list = (uint8_t)id;
}

HAK_INLINE void hak_slab_list_remove(struct hak_slab_list *l, struct hak_slab *s)
{
    if (s->prev) s->prev->next = s->next;
    else l->head = s->next;
    if (s->next) s->next->prev = s->prev;
    else l->tail = s->prev;
    s->next = s->prev = NULL;
    l->count--;
    s->list = HAK_LIST_NONE;
}

#endif

/* The shadow heap: what the replay believes about every slab and block.
 *
 * Slabs are found by address through a map of 64 KiB granules; each slab keeps its own
 * hash map of the blocks the trace touched (keyed by block index), freed with the slab
 * when it is released. So memory follows the live slabs and the blocks seen in them,
 * never the number of events. */
#ifndef VIEWER_SHADOW_H
#define VIEWER_SHADOW_H

#include <stdint.h>

enum bstate {
    B_UNKNOWN = 0,   /* nothing seen yet (before the trace window) */
    B_UNCARVED,      /* in a slab acquired in the window, never carved */
    B_ALLOCATED,     /* handed to the program */
    B_POPPED,        /* taken off a thread list, being handed out */
    B_TLS,           /* in thread tid's list */
    B_SLABFREE,      /* on its slab's free list */
    B_REMOTE,        /* on its slab's remote queue */
    B_FREED,         /* given back, not on a list yet (in transit, or quarantined) */
    B_NSTATES
};
const char *bstate_name(unsigned s);

#define BF_LINK_KNOWN 0x01   /* link holds the last link written (or first read) */
#define BF_LINK_LEARNED 0x02 /* link was learned from a read, not seen written */
#define BF_ALIGNED 0x08      /* handed out by an aligned allocation: USER may sit further in */
#define BF_HEADER 0x10       /* its header was written since it was last popped (levels 2+) */

struct vblock {
    uint32_t key; /* block index + 1; 0: empty slot */
    uint8_t state, flags;
    uint16_t await; /* frees whose push (tls_push, remote_push, drain) is not seen yet */
    uint32_t tid; /* owner of the list (B_TLS), the allocating or freeing thread */
    uint32_t pad2;
    uint64_t link;      /* shadow value of the free-list link */
    uint64_t link_seq;  /* event that wrote (or first read) the link */
    uint64_t last_seq;  /* last allocator event on the block */
    uint64_t state_seq; /* event that put the block in its state */
    uint64_t ref_seq;   /* last event that linked the block into a list */
};

enum slab_origin {
    SO_ACQUIRED = 1, /* slab_acquire seen: every block's state is known */
    SO_DUMP = 2,     /* from the dump's slab table: blocks unknown until seen */
};

struct vslab {
    uint64_t desc, start, end; /* end: of the blocks (start + capacity * stride) */
    uint32_t stride, capacity, cls;
    uint8_t origin, counts_known, carved_known, pad;
    uint64_t used, nfree; /* the allocator's counts as the replay expects them (wrapping: hostile counts are not UB) */
    uint64_t carved;
    uint64_t since_seq;   /* first count-changing event since the counts last agreed */
    uint64_t acquire_seq; /* 0 for SO_DUMP */
    struct vblock *tab;   /* open addressing, linear probing */
    uint32_t mask, nblocks;
    uint8_t direct;       /* the table has a slot per block: indexed, never probed */
};

struct gran;
struct dslot;

#define SLAB_CACHE 1024 /* direct-mapped granule -> slab cache in front of the map */

struct slab_cache {
    uint64_t g;
    struct vslab *s;
};

struct shadow {
    struct slab_cache cache[SLAB_CACHE];
    struct gran *gran; /* granule (addr >> 16) -> up to two slabs */
    uint32_t gmask, gused;
    struct dslot *desc; /* descriptor address -> slab */
    uint32_t dmask, dused;
    struct vslab *last;
    uint64_t nslabs, blocks, peak_blocks, peak_slabs;
    uint64_t allowed; /* entries (blocks and granules) the shadow may hold: SHADOW_ENTRIES_* */
    int over;         /* a block or granule was refused for that bound */
};

#define SHADOW_MAX_SLAB (64ull << 20) /* a longer slab is not believed */
/* The shadow heap's bound, in entries, which its user raises for each event it replays
 * and each slab of a dump's table. No trace hakmem writes comes near it (an event adds
 * at most one carve's blocks, 128 at most, or an acquired slab's granules, 8 at most),
 * while a hostile trace could otherwise make one 48-byte event cost gigabytes: a carve of
 * millions of blocks, slabs spanning a thousand granules each. */
#define SHADOW_ENTRIES_BASE (1u << 18)
#define SHADOW_ENTRIES_PER_EVENT 256
#define SHADOW_ENTRIES_PER_SLAB 16 /* for each slab of a dump's table: a real one spans 8 granules at most */

int shadow_init(struct shadow *sh);
void shadow_free(struct shadow *sh);
/* The slab whose blocks contain addr, or NULL. */
struct vslab *shadow_slab_at(struct shadow *sh, uint64_t addr);
struct vslab *shadow_slab_by_desc(struct shadow *sh, uint64_t desc);
/* Adds a slab, first removing every slab its range overlaps. NULL if not believable
 * (empty, too long) or out of memory. */
struct vslab *shadow_slab_add(struct shadow *sh, uint64_t desc, uint64_t start, uint32_t stride, uint32_t capacity,
                              uint32_t cls, enum slab_origin origin);
void shadow_slab_remove(struct shadow *sh, struct vslab *s);
/* Every slab overlapping [lo, hi), to be called once each (removal is safe). */
void shadow_foreach_overlap(struct shadow *sh, uint64_t lo, uint64_t hi, void (*fn)(struct vslab *, void *), void *arg);

/* The block with index idx; created (state B_UNCARVED or B_UNKNOWN by origin) when
 * create is set, else NULL if never seen. NULL on out of memory. */
struct vblock *slab_block(struct shadow *sh, struct vslab *s, uint32_t idx, int create);
/* Where block key (index + 1) is looked up first. While the table is smaller than the
 * slab, indices are mixed (neighbouring ones would pile up in runs that colliding ones
 * probe through); once it has a slot per block, the index is the slot: no probing, and
 * neighbours stay together. */
static inline uint32_t bslot(const struct vslab *s, uint32_t key)
{
    return (s->direct ? key : key * 0x9E3779B1u >> 7) & s->mask;
}

/* Starts loading block idx's entry: the replay looks one event ahead. */
static inline void slab_block_prefetch(const struct vslab *s, uint32_t idx)
{
    __builtin_prefetch(&s->tab[bslot(s, idx + 1)]);
}

/* Default state of a block never seen in slab s. */
static inline unsigned slab_default_state(const struct vslab *s)
{
    return s->origin == SO_ACQUIRED ? B_UNCARVED : B_UNKNOWN;
}

#endif

/* The layout table: the one definition of size classes and of where things sit in a block.
 *
 * Every carve, capacity computation, USER<->BASE conversion and free-list link goes
 * through these numbers (principle 1 of docs/ARCHITECTURE.md). A block of class c is
 * stride bytes long and looks like this:
 *
 *   level 0-1:  BASE = USER                        level 2-4:  BASE        USER = BASE+16
 *              [ payload ........ size bytes ]                [ header 16 ][ payload ... size ]
 *   free:      [ next | (stale)            ]       free:      [ hdr | next ][ poison .........]
 *              next_off = 0                                    next_off = 8 (inside the header)
 *
 * Tiny classes (up to 1 KiB) live in 64 KiB slabs; mid-size classes (the pool, up to
 * 128 KiB) in 512 KiB slabs; larger requests are mapped directly (src/large).
 */
#ifndef HAK_LAYOUT_H
#define HAK_LAYOUT_H

#include "config.h"

#define HAK_TINY_CLASSES 21
#define HAK_NCLASSES 49
#define HAK_TINY_MAX 1024
#define HAK_POOL_MAX 131072
#define HAK_HEADER_SIZE 16
#define HAK_MIN_ALIGN 16

enum hak_class_kind { HAK_KIND_TINY = 1, HAK_KIND_POOL = 2 };

struct hak_class_layout {
    uint32_t size;      /* payload bytes a request of this class may use */
    uint32_t stride;    /* distance between block bases in a slab */
    uint32_t user_off;  /* USER - BASE */
    uint32_t next_off;  /* where the free-list link of a free block lives, from BASE */
    uint32_t tc_limit;  /* most blocks a thread cache holds before it drains */
    uint32_t batch;     /* blocks moved per refill or drain */
    uint8_t kind;       /* enum hak_class_kind */
    uint8_t slab_shift; /* log2 of the slab size for this kind */
    uint64_t div_magic; /* index = (off * div_magic) >> HAK_DIV_SHIFT, exact below a slab size */
};
#define HAK_DIV_SHIFT 40

extern struct hak_class_layout hak_layout[HAK_NCLASSES];
/* size -> class for sizes up to HAK_TINY_MAX, indexed by (size + 7) >> 3. */
extern uint8_t hak_small_class[(HAK_TINY_MAX >> 3) + 1];

/* Payload sizes of every class, the documented table (docs/ARCHITECTURE.md). */
extern const uint32_t hak_class_sizes[HAK_NCLASSES];

/* Fills the table for the level in force. Called once at start-up. */
void hak_layout_init(void);

/* USER - BASE and the link offset depend only on the level, never on the class, so the
 * fast paths use these and the table records the same values. */
HAK_INLINE uint32_t hak_user_off(int lv) { return HAK_HEADERS(lv) ? HAK_HEADER_SIZE : 0; }
HAK_INLINE uint32_t hak_next_off(int lv) { return HAK_HEADERS(lv) ? 8 : 0; }
/* At level 2 and up every block keeps at least one byte of tail sentinel after the
 * requested size, so a request of n bytes takes the class of n + 1. */
HAK_INLINE size_t hak_class_request(size_t n, int lv) { return HAK_HEADERS(lv) ? n + 1 : n; }

/* Class of a request of n payload bytes; n <= HAK_POOL_MAX. */
HAK_INLINE unsigned hak_size_class(size_t n)
{
    if (hak_likely(n <= HAK_TINY_MAX)) return hak_small_class[(n + 7) >> 3];
    /* Pool: four classes per power of two, from 1280 to 128 KiB. */
    size_t m = n - 1;
    unsigned b = 63 - (unsigned)__builtin_clzl(m); /* 10..16 */
    unsigned q = (unsigned)(m >> (b - 2)) & 3;     /* quarter within [2^b, 2^(b+1)) */
    return HAK_TINY_CLASSES + (b - 10) * 4 + q;
}

/* Index of the block at byte offset off from the start of a slab's blocks. */
HAK_INLINE uint32_t hak_block_index(const struct hak_class_layout *l, uintptr_t off)
{
    return (uint32_t)(((uint64_t)off * l->div_magic) >> HAK_DIV_SHIFT);
}

#endif

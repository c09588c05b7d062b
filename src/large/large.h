/* Large blocks (over HAK_POOL_MAX, or aligned beyond what a slab can give): one mapping
 * each, aligned to 2 MiB so the region map can own it, with a header at its start.
 *
 *   [ struct hak_large | ...padding to user_off... | payload ....... ]
 *   ^ base, 2 MiB aligned
 *
 * The header is found from the 2 MiB piece that holds the USER pointer. An alignment of
 * 2 MiB or more puts USER on a piece boundary: then user_off is 2 MiB, the header has the
 * piece before to itself, and the piece of USER is marked HAK_REGION_LARGE_PREV.
 */
#ifndef HAK_LARGE_H
#define HAK_LARGE_H

#include "config.h"
#include "superslab/superslab.h"

#define HAK_LARGE_MAGIC 0x48414b4c41524745ull /* "HAKLARGE" */
#define HAK_LARGE_HEADER 64

struct hak_large {
    uint64_t magic;
    size_t map_size; /* bytes mapped from base */
    size_t size;     /* bytes requested */
    size_t user_off; /* USER - base */
    uint32_t alloc_stack; /* stack depot id, with stacks on */
};

/* A new large block; *fresh tells whether its memory is known to be zero. */
void *hak_large_alloc(size_t size, size_t align, bool *fresh);
/* Where the header of the large block holding p is: p lies in a 2 MiB piece of region
 * HAK_REGION_LARGE (the header starts it) or HAK_REGION_LARGE_PREV (the piece before). */
HAK_INLINE struct hak_large *hak_large_header(const void *p, unsigned region)
{
    uintptr_t piece = (uintptr_t)p & ~(uintptr_t)HAK_SS_MASK;
    return (struct hak_large *)(region == HAK_REGION_LARGE_PREV ? piece - HAK_SS_SIZE : piece);
}
void hak_large_free(struct hak_large *l);
/* Resizes in place or by moving the pages (never copying); NULL with errno on failure. */
void *hak_large_realloc(struct hak_large *l, size_t size);

/* Level 2: the HAK_LARGE_GUARD bytes right before USER (the padding after the header) and
 * up to as many after the requested size (the mapping's slack: a request is mapped with at
 * least one byte more) hold HAK_TAIL_BYTE, and are checked when the block is freed or
 * resized: an underflow or an overflow of a large block is caught as the canary and the
 * tail sentinel catch them for blocks of slabs. False after reporting. */
#define HAK_LARGE_GUARD 16
bool hak_large_guards_intact(struct hak_large *l, unsigned site);

/* Level 1: whether p was the USER pointer of one of the last large blocks freed; then
 * stacks[] gets its allocation and free stack ids (0 without stacks). */
bool hak_large_freed_recently(const void *p, uint32_t stacks[2]);

HAK_INLINE void *hak_large_user(struct hak_large *l) { return (char *)l + l->user_off; }
/* What the program may use: up to the end of the mapping, or from level 2 the requested
 * size (the guard bytes follow it), as for blocks of slabs. */
HAK_INLINE size_t hak_large_usable(const struct hak_large *l, int lv)
{
    return HAK_HEADERS(lv) ? l->size : l->map_size - l->user_off;
}

#endif

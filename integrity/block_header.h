/* The block header of levels 2 and up: 16 bytes before USER, written when a block is
 * handed out and when it is freed, checked at every crossing of the boundary.
 *
 *   live:  BASE [ magic LIVE | cls | state | align_off | size (requested) | canary ] USER ...
 *   free:  BASE [ magic FREE | cls | state | align_off | next (the free-list link) ] USER [poison]
 *
 * The canary is the word right before USER, so a write just below the block (underflow)
 * changes it before anything else. After USER, a live block keeps tail sentinel bytes
 * from the requested size on; a free block's first bytes are poison. */
#ifndef HAK_BLOCK_HEADER_H
#define HAK_BLOCK_HEADER_H

#include "config.h"

struct hak_block_header {
    uint32_t magic;
    uint8_t cls;
    uint8_t state;      /* enum hak_block_state */
    uint16_t align_off; /* USER of an aligned allocation minus USER of the block */
    uint32_t size;      /* live: bytes requested */
    uint32_t canary;    /* live: HAK_HDR_CANARY */
};
_Static_assert(sizeof(struct hak_block_header) == 16, "the header is HAK_HEADER_SIZE bytes");

/* The header's first word (magic, class, state, align_off) as one little-endian integer:
 * free checks a live block's with one compare, and only when that fails looks at the
 * fields one by one (an aligned allocation's align_off, a report); free writes the free
 * header's with one store, from the class it has at hand. (malloc writes the fields it
 * changes, the class stays, and checks a free block's with two compares: building the
 * word from the class there costs more than it saves.) */
HAK_INLINE uint64_t hak_hdr_word(uint32_t magic, unsigned c, unsigned state)
{
    _Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && __builtin_offsetof(struct hak_block_header, cls) == 4 &&
                       __builtin_offsetof(struct hak_block_header, state) == 5 &&
                       __builtin_offsetof(struct hak_block_header, align_off) == 6,
                   "magic, cls, state, align_off: one little-endian word");
    return magic | (uint64_t)(uint8_t)c << 32 | (uint64_t)(uint8_t)state << 40; /* align_off 0 */
}

HAK_INLINE uint64_t hak_hdr_word_at(const void *base)
{
    uint64_t w;
    __builtin_memcpy(&w, base, sizeof w);
    return w;
}

/* Writes the header's first word: one store where the fields would take four. */
HAK_INLINE void hak_hdr_word_put(void *base, uint64_t w)
{
    __builtin_memcpy(base, &w, sizeof w);
}

#define HAK_HDR_LIVE 0xA110CA7Eu
#define HAK_HDR_FREE 0xF4EEB10Cu
#define HAK_HDR_CANARY 0xCA9A12E5u

#define HAK_POISON_FREE 0xDD  /* the first bytes of a free block */
#define HAK_TAIL_BYTE 0xCC    /* after the requested size in a live block */
/* Bytes poisoned and checked at levels 2-3 (the whole block at 4): with the header, one
 * cache line when the block starts one, so that a free and the malloc that reuses the
 * block touch no second line for it (a span of 64 took 5-20% more time at level 2). */
#define HAK_POISON_SPAN 48
#define HAK_TAIL_SPAN 16      /* sentinel bytes written and checked after the requested size */

#endif

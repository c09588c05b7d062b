/* The bytes a block carries from level 2 besides its header: the poison of a free block
 * (its first HAK_POISON_SPAN bytes at levels 2-3, all of it at level 4) and the tail
 * sentinel of a live one (HAK_TAIL_SPAN bytes from the requested size, or to the end of
 * the block when fewer follow). Both are written and checked sixteen bytes at a time: at
 * levels 2-3 every class is a multiple of 16 bytes (layout.c leaves out the 8-byte class),
 * so a span is one to three 16-byte chunks, with no call and no byte loop. */
#ifndef HAK_POISON_H
#define HAK_POISON_H

#include <string.h>

#include "integrity/block_header.h"

#ifdef __SSE2__
#include <emmintrin.h>

/* Writes sixteen bytes v at p. */
HAK_INLINE void hak_fill16(void *p, uint8_t v)
{
    _mm_storeu_si128((__m128i *)p, _mm_set1_epi8((char)v));
}

/* Which of the sixteen bytes at p are v: bit i for byte i. */
HAK_INLINE unsigned hak_match16(const void *p, uint8_t v)
{
    return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)p), _mm_set1_epi8((char)v)));
}
#else
HAK_INLINE void hak_fill16(void *p, uint8_t v)
{
    memset(p, v, 16);
}

HAK_INLINE unsigned hak_match16(const void *p, uint8_t v)
{
    unsigned m = 0;
    for (unsigned i = 0; i < 16; i++) m |= (unsigned)(((const uint8_t *)p)[i] == v) << i;
    return m;
}
#endif

/* Levels 2-3: the poison span of a class of size bytes (a multiple of 16). */
HAK_INLINE size_t hak_poison_span(size_t size)
{
    return size < HAK_POISON_SPAN ? size : HAK_POISON_SPAN;
}

/* Poisons the span bytes at user (16, 32 or 48). */
HAK_INLINE void hak_poison_fill(char *user, size_t span)
{
    _Static_assert(HAK_POISON_SPAN == 48, "three chunks");
    hak_fill16(user, HAK_POISON_FREE);
    if (span > 16) hak_fill16(user + 16, HAK_POISON_FREE);
    if (span > 32) hak_fill16(user + 32, HAK_POISON_FREE);
}

/* Whether the span bytes at user are all poison. */
HAK_INLINE bool hak_poison_intact(const char *user, size_t span)
{
    unsigned m = hak_match16(user, HAK_POISON_FREE);
    if (span > 16) m &= hak_match16(user + 16, HAK_POISON_FREE);
    if (span > 32) m &= hak_match16(user + 32, HAK_POISON_FREE);
    return m == 0xffff;
}

/* The sixteen bytes that hold the tail sentinel of a block of size bytes (at least 16)
 * with n requested: from n, or the block's last sixteen when fewer follow n. */
HAK_INLINE size_t hak_tail_at(size_t n, size_t size)
{
    return n < size - HAK_TAIL_SPAN ? n : size - HAK_TAIL_SPAN;
}

/* Writes the tail sentinel of a block just handed out: the bytes before n in the sixteen
 * are the program's, but it has not written them yet. (realloc in place, where it has,
 * writes only from n: hak_chk_resize.) */
HAK_INLINE void hak_tail_fill_fresh(char *user, size_t n, size_t size)
{
    _Static_assert(HAK_TAIL_SPAN == 16, "one chunk");
    hak_fill16(user + hak_tail_at(n, size), HAK_TAIL_BYTE);
}

/* Whether the tail sentinel from n is intact. */
HAK_INLINE bool hak_tail_intact(const char *user, size_t n, size_t size)
{
    size_t at = hak_tail_at(n, size);
    unsigned want = (0xffffu << (n - at)) & 0xffff; /* the bytes from n on */
    return (hak_match16(user + at, HAK_TAIL_BYTE) & want) == want;
}

#endif

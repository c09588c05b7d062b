/* The one gate from a pointer the program gives back to the block it names. Every free,
 * realloc and malloc_usable_size that leaves the fast path goes through it. It reads only
 * memory hakmem owns: the region map first, then our own metadata. */
#ifndef HAK_LOOKUP_H
#define HAK_LOOKUP_H

#include "large/large.h"
#include "superslab/superslab.h"

enum hak_lookup_result {
    HAK_LOOKUP_SLAB,       /* a block of a slab: ref.slab, ref.base */
    HAK_LOOKUP_LARGE,      /* a large block: ref.large */
    HAK_LOOKUP_FOREIGN,    /* not in memory hakmem owns */
    HAK_LOOKUP_INTERIOR,   /* inside a block, but not the pointer that was handed out */
    HAK_LOOKUP_UNASSIGNED, /* in hakmem's memory where no block is (free slab, metadata, tail) */
    HAK_LOOKUP_LARGE_BAD,  /* in a large mapping whose header's magic is wrong: ref.base */
};

struct hak_blockref {
    struct hak_slab *slab;
    struct hak_large *large;
    void *base;
    size_t usable; /* bytes from the pointer to the end of the block */
};

enum hak_lookup_result hak_lookup(void *p, unsigned region, struct hak_blockref *ref);

#endif

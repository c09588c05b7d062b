/* A write before the start of a block (an index that went to -1, a length prefix written
 * at p[-1]): arguments FROM TO [SIZE], the bytes p[-FROM] .. p[-TO] of a block of SIZE
 * bytes (default 136) are written. The block is the highest of eight live ones, so below
 * level 2 the bytes of a small block land in another live block of this program and
 * corrupt nothing of the allocator's; a large block's header is below it at every level. */
#include "heapbugs/lib/heapbug.h"

int main(int argc, char **argv)
{
    CHECK(argc == 3 || argc == 4, "usage: underflow FROM TO [SIZE]");
    long from = atol(argv[1]), to = atol(argv[2]);
    size_t size = argc == 4 ? (size_t)atol(argv[3]) : 136;
    CHECK(from >= to && to >= 1, "FROM >= TO >= 1");
    heapbug_start("write before the start of a block");
    char *blocks[8], *p = NULL;
    for (int i = 0; i < 8; i++) {
        blocks[i] = make_block(size);
        memset(blocks[i], 'a', size);
        if (!p || blocks[i] > p) p = blocks[i];
    }
    for (long i = from; i >= to; i--) poke(p, -i, 'U'); /* the bug */
    drop_block(p);
    void *bad[9];
    for (int i = 0; i < 8; i++) bad[i] = blocks[i]; /* p: never reused; the others: live */
    survive(size, bad, 8);
    return 0;
}

/* A write past the end of a block (an off-by-one terminator, a too-small buffer):
 * argument N, the number of bytes written right after the requested size. 136 bytes sit
 * in a class of 160, so even 16 bytes stay inside the block: the bug corrupts nothing but
 * the tail sentinel, and below level 2 nothing at all. */
#include "heapbugs/lib/heapbug.h"

int main(int argc, char **argv)
{
    CHECK(argc == 2, "usage: overflow N");
    long n = atol(argv[1]);
    heapbug_start("write past the end of a block");
    char *p = make_block(136);
    memset(p, 'a', 136);
    for (long i = 0; i < n; i++) poke(p, 136 + i, 'X'); /* the bug */
    drop_block(p);
    void *bad[] = {p};
    survive(136, bad, 1);
    return 0;
}

/* A write past the end of a block (an off-by-one terminator, a too-small buffer):
 * arguments N [SIZE [kept]], the number of bytes written right after the requested size
 * of a block of SIZE bytes (default 136); "kept": the block is never freed. 136 bytes sit in a class of 160, so even 16 bytes
 * stay inside the block: the bug corrupts nothing but the tail sentinel, and below level 2
 * nothing at all; a large block (SIZE over 128 KiB) ends in the slack of its last page. */
#include "heapbugs/lib/heapbug.h"

int main(int argc, char **argv)
{
    CHECK((argc >= 2 && argc <= 3) || (argc == 4 && !strcmp(argv[3], "kept")), "usage: overflow N [SIZE [kept]]");
    long n = atol(argv[1]);
    size_t size = argc >= 3 ? (size_t)atol(argv[2]) : 136;
    heapbug_start("write past the end of a block");
    char *p = make_block(size);
    memset(p, 'a', size);
    for (long i = 0; i < n; i++) poke(p, (long)size + i, 'X'); /* the bug */
    if (argc == 4) {
        survive(size, NULL, 0);
        return 0; /* p is still live */
    }
    drop_block(p);
    void *bad[] = {p};
    survive(size, bad, 1);
    return 0;
}

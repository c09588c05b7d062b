/* free() of a pointer into memory hakmem owns where no block starts: argument "superslab"
 * (the first byte of the 2 MiB superslab that holds a mid-size block: metadata, the state
 * map; a header's size below it lies memory hakmem may not own) or "uncarved" (32 KiB past
 * the first block of a slab of 1000-byte blocks, in space no block was carved from yet).
 * Either way a wild pointer, whose free must be named invalid_free and change nothing. */
#include <stdint.h>

#include "heapbugs/lib/heapbug.h"

int main(int argc, char **argv)
{
    CHECK(argc == 2, "usage: invalid_free superslab|uncarved");
    heapbug_start("free of a pointer into the allocator's own memory");
    size_t n;
    char *bad;
    if (!strcmp(argv[1], "superslab")) {
        n = 8000;
        char *p = make_block(n);
        bad = (char *)((uintptr_t)p & ~(uintptr_t)((2u << 20) - 1));
    } else if (!strcmp(argv[1], "uncarved")) {
        n = 1000;
        char *p = make_block(n);
        bad = p + (32 << 10);
    } else {
        CHECK(0, "unknown variant %s", argv[1]);
    }
    drop_block(bad); /* the bug */
    survive(n, NULL, 0);
    return 0;
}

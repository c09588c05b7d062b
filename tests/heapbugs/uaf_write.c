/* A write through a dangling pointer (a reference count decremented on an object already
 * freed): bytes 8..15 of a freed block are written, not its first 8 (where level 1 keeps
 * the free-list link). Argument "immediate": the block is asked for again right away;
 * "later": after thousands of allocations and frees of other sizes. Then blocks of its
 * size are allocated and freed until it is reused, or 5000 times. "never": no block of
 * its size is asked for again before the program exits. */
#include "heapbugs/lib/heapbug.h"

int main(int argc, char **argv)
{
    CHECK(argc == 2 && (!strcmp(argv[1], "immediate") || !strcmp(argv[1], "later") || !strcmp(argv[1], "never")),
          "usage: uaf_write immediate|later|never");
    heapbug_start("write to a freed block");
    char *p = make_block(136);
    memset(p, 'a', 136);
    drop_block(p);
    for (int i = 8; i < 16; i++) poke(p, i, 'W'); /* the bug */
    if (argv[1][0] == 'n') {
        survive(40, NULL, 0); /* blocks of another class */
        return 0;
    }
    if (argv[1][0] == 'l') {
        static const size_t sizes[] = {24, 40, 72, 200, 300, 520, 1000, 2000};
        void *keep[64] = {0};
        for (unsigned i = 0; i < 6000; i++) {
            unsigned k = i % 64;
            if (keep[k]) drop_block(keep[k]);
            keep[k] = make_block(sizes[i % 8]);
        }
        for (unsigned k = 0; k < 64; k++) drop_block(keep[k]);
        printf("heapbug: 12000 operations done\n");
    }
    for (int i = 0; i < 5000; i++) {
        char *q = make_block(136);
        if (q == p) {
            printf("heapbug: the freed block was reused after %d allocations\n", i);
            drop_block(q);
            break;
        }
        drop_block(q);
    }
    void *bad[] = {p};
    survive(136, bad, 1);
    return 0;
}

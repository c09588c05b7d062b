/* A pointer stored into a freed block's first 8 bytes (a "next" field of a list node
 * written after the node was freed), where level 1 keeps the free-list link. Argument
 * "outside": the address of a global; "misaligned": an address inside another live block
 * of the same size, off its start; "misaligned-far": the same, in a block of another
 * slab (64 KiB away at least). Then blocks of the same size are allocated and freed, 5000
 * times (so that level 4's quarantine lets the block go). */
#include "heapbugs/lib/heapbug.h"

static char global_node[136];

int main(int argc, char **argv)
{
    CHECK(argc == 2 && (!strcmp(argv[1], "outside") || !strcmp(argv[1], "misaligned") ||
                        !strcmp(argv[1], "misaligned-far")),
          "usage: fake_next outside|misaligned|misaligned-far");
    heapbug_start("a pointer written into a freed block's first bytes");
    static char *filler[2000];
    int nfill = 0;
    char *other = make_block(136);
    char *p = make_block(136);
    if (!strcmp(argv[1], "misaligned-far")) { /* other: a block of another slab */
        while ((uintptr_t)other >> 16 == (uintptr_t)p >> 16) {
            CHECK(nfill < 2000, "no block of 136 bytes outside p's 64 KiB");
            filler[nfill++] = other;
            other = make_block(136);
        }
    }
    memset(p, 'a', 136);
    drop_block(p);
    void *fake = argv[1][0] == 'o' ? (void *)global_node : (void *)(other + 8);
    void *volatile *slot = opaque(p);
    *slot = fake; /* the bug */
    for (int i = 0; i < 5000; i++) {
        char *q = make_block(136);
        CHECK(q != fake, "malloc returned the fake pointer %p", fake);
        drop_block(q);
    }
    void *bad[] = {fake, other};
    survive(136, bad, 2);
    drop_block(other);
    while (nfill) drop_block(filler[--nfill]);
    return 0;
}

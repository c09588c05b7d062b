/* uaf_fake_link: an application bug of the crash repros: a use after free that writes a
 * list link into a freed block (`node->next = other` on a node already freed).
 *
 * Two 40-byte nodes A and B are allocated and filled; A is freed, and then the program
 * stores B's address into A's first 8 bytes (the bug). At level 0 and 1 that is where a
 * free block keeps its free-list link, so the stored pointer becomes the next block of the
 * list A is on (the thread cache, or the slab's free list where the cache drained it):
 * once A is handed out again, B, still in use, is next, and B's own link is then read
 * from B's contents. The program then allocates NODES nodes of the same size, checks
 * them and frees them, twice (so that the thread cache refills from the slab, and level
 * 4's quarantine lets A go), and checks B's pattern at the end. Prints `victim PTR` (A) and `fake PTR` (B) first,
 * and `checksum ...` at the end when it gets there. Argument "clean": no store. */
#include "harness.h"
#include "lib/nodes.h"

#define NODES 6000
#define SIZE 40


static __attribute__((noinline, noclone, used)) void node_link(void *node, void *next)
{
    __asm__ volatile("" : "+r"(node) : : "memory");
    memcpy(node, &next, sizeof next); /* the bug when node was freed */
    __asm__ volatile("" : : : "memory");
}

int main(int argc, char **argv)
{
    int bug = 1;
    if (argc > 1) {
        CHECK(argc == 2 && !strcmp(argv[1], "clean"), "usage: uaf_fake_link [clean]");
        bug = 0;
    }
    void *a = node_new(SIZE), *b = node_new(SIZE);
    test_fill(a, SIZE, 1);
    test_fill(b, SIZE, 2);
    printf("victim %p\nfake %p\n", a, b);
    fflush(stdout);
    node_release(a);
    if (bug) node_link(a, b);

    /* two rounds: NODES nodes allocated (the thread cache refills from the slab's free
     * list, where A went), checked, freed */
    static void *nodes[NODES];
    uint64_t sum = 0, bad = 0, same = 0;
    for (unsigned round = 0; round < 2; round++) {
        for (unsigned i = 0; i < NODES; i++) {
            nodes[i] = node_new(SIZE);
            if (nodes[i] == b) same++; /* B handed out while still in use */
            test_fill(nodes[i], SIZE, 100 + i);
        }
        for (unsigned i = 0; i < NODES; i++) {
            if (test_verify(nodes[i], SIZE, 100 + i) != SIZE) bad++;
            sum += test_fnv1a(TEST_FNV_INIT, nodes[i], SIZE);
        }
        for (unsigned i = 0; i < NODES; i++)
            if (nodes[i] != b) node_release(nodes[i]);
    }
    if (test_verify(b, SIZE, 2) != SIZE) bad++;
    sum += test_fnv1a(TEST_FNV_INIT, b, SIZE);
    printf("checksum 0x%016" PRIx64 " nodes %u mismatches %" PRIu64 " fake_handed_out %" PRIu64 "\n", sum, NODES, bad,
           same);
    node_release(b);
    return 0;
}

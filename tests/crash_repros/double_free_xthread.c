/* double_free_xthread: an application bug of the crash repros: a block freed twice by
 * another thread (two owners of a shared node both releasing it, in the same thread).
 *
 * The main thread allocates a 48-byte node and hands it to a worker, which frees it, and
 * frees it again (the bug). Both frees are cross-thread (remote) frees onto the node's
 * slab's remote queue. The main thread then allocates and fills NODES nodes of the same
 * size, so its thread cache runs dry and refills from the slab, collecting the remote
 * queue, and checks that no two of them are the same block and that each still holds its
 * pattern. At level 0 the node is on the remote queue twice, its link pointing to itself,
 * and collecting the queue never ends: the program hangs. Prints `victim PTR` first, and
 * `checksum ...` at the end when it gets there. Argument "clean": one free only. */
#include <pthread.h>

#include "harness.h"
#include "lib/nodes.h"

#define NODES 6000
#define SIZE 48


static __attribute__((noinline, noclone, used)) void node_release_again(void *p)
{
    __asm__ volatile("" : "+r"(p) : : "memory");
    free(p); /* the bug */
    __asm__ volatile("" : : : "memory");
}

static void *victim;
static int twice = 1;

static void *worker(void *arg)
{
    (void)arg;
    node_release(victim);
    if (twice) node_release_again(victim);
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        CHECK(argc == 2 && !strcmp(argv[1], "clean"), "usage: double_free_xthread [clean]");
        twice = 0;
    }
    static void *nodes[NODES], *sorted[NODES];
    void *warm = node_new(SIZE); /* the main thread's heap and slab exist */
    victim = node_new(SIZE);
    test_fill(victim, SIZE, 1);
    printf("victim %p\n", victim);
    fflush(stdout);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, worker, NULL) == 0, "pthread_create");
    CHECK(pthread_join(t, NULL) == 0, "pthread_join");

    uint64_t sum = 0, bad = 0;
    for (unsigned i = 0; i < NODES; i++) {
        nodes[i] = node_new(SIZE);
        test_fill(nodes[i], SIZE, 100 + i);
    }
    for (unsigned i = 0; i < NODES; i++) {
        if (test_verify(nodes[i], SIZE, 100 + i) != SIZE) bad++;
        sum += test_fnv1a(TEST_FNV_INIT, nodes[i], SIZE);
    }
    memcpy(sorted, nodes, sizeof nodes);
    qsort(sorted, NODES, sizeof *sorted, cmp);
    unsigned dup = 0;
    for (unsigned i = 1; i < NODES; i++) dup += sorted[i] == sorted[i - 1];
    printf("checksum 0x%016" PRIx64 " nodes %u mismatches %" PRIu64 " duplicates %u\n", sum, NODES, bad, dup);
    for (unsigned i = 0; i < NODES; i++)
        if (i == 0 || sorted[i] != sorted[i - 1]) node_release(sorted[i]);
    node_release(warm);
    return 0;
}

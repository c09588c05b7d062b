/* The allocator never calls malloc (principle 6): this program's own malloc family counts
 * every call made while a hak_* function runs, over a workload that reaches every path
 * (threads and their exit, remote frees, large and aligned blocks, realloc, trim, checks,
 * statistics). The count must be zero. */
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>

#include "hakmem.h"
#include "harness.h"

#include "count_malloc.h"

#define HAK(expr) ({ in_hak = 1; __typeof__(expr) _r = (expr); in_hak = 0; _r; })
#define HAKV(expr) do { in_hak = 1; expr; in_hak = 0; } while (0)

#define NBLK 4096
static void *shared[4][NBLK];
static pthread_barrier_t barrier;

static void *worker(void *arg)
{
    long t = (long)arg;
    uint64_t s = 0x1234 + (uint64_t)t;
    void *mine[512] = {0};
    for (int i = 0; i < 200000; i++) {
        unsigned k = test_rand(&s) % 512;
        if (mine[k]) HAKV(hak_free(mine[k]));
        size_t n = test_rand(&s) % 3000;
        switch (i % 7) {
        case 0: mine[k] = HAK(hak_calloc(1, n)); break;
        case 1: mine[k] = HAK(hak_memalign(64 << (i % 5), n)); break;
        case 2: mine[k] = HAK(hak_realloc(NULL, n * 20)); break;
        default: mine[k] = HAK(hak_malloc(n));
        }
        CHECK(mine[k], "allocation failed");
        if (i % 11 == 0) mine[k] = HAK(hak_realloc(mine[k], n + 5000));
    }
    for (int k = 0; k < 512; k++) HAKV(hak_free(mine[k]));
    /* blocks another thread frees while this one lives (remote frees), then after it
     * exited (frees into abandoned slabs) */
    for (int k = 0; k < NBLK; k++) shared[t][k] = HAK(hak_malloc((size_t)(k % 700) + 1));
    pthread_barrier_wait(&barrier);
    for (int k = 0; k < NBLK / 2; k++) HAKV(hak_free(shared[(t + 1) % 4][k]));
    pthread_barrier_wait(&barrier);
    for (int k = 0; k < 64; k++) HAKV(hak_free(HAK(hak_malloc((size_t)k * 16)))); /* collects them */
    return NULL;
}

int main(void)
{
    pthread_t th[4];
    pthread_barrier_init(&barrier, NULL, 4);
    for (int round = 0; round < 3; round++) {
        for (long t = 0; t < 4; t++) pthread_create(&th[t], NULL, worker, (void *)t);
        for (int t = 0; t < 4; t++) pthread_join(th[t], NULL);
        for (int t = 0; t < 4; t++)
            for (int k = NBLK / 2; k < NBLK; k++) HAKV(hak_free(shared[t][k]));
    }
    void *big = HAK(hak_malloc(64 << 20));
    big = HAK(hak_realloc(big, 200 << 20));
    void *al = HAK(hak_aligned_alloc(1 << 20, 3 << 20));
    void *pv = HAK(hak_pvalloc(5000));
    void *vp = HAK(hak_valloc(100));
    void *pm = NULL;
    EXPECT_EQ(HAK(hak_posix_memalign(&pm, 256, 1000)), 0);
    EXPECT_EQ(HAK(hak_malloc_usable_size(big)) >= (200u << 20), 1);
    HAKV(hak_free(big)); HAKV(hak_free(al)); HAKV(hak_free(pv)); HAKV(hak_free(vp)); HAKV(hak_free(pm));
    HAKV(hak_trim());
    EXPECT_EQ(HAK(hak_check_heap()), 0);
    HAKV(hak_stats_print(open("/dev/null", 1)));
    struct hak_stats st;
    HAKV(hak_stats_get(&st));
    printf("calls into malloc from inside hakmem: %ld (remote frees seen: %zu)\n", calls_inside, st.remote_frees);
    CHECK(st.remote_frees > 0, "the workload exercised remote frees");
    EXPECT_EQ(calls_inside, 0);
    return 0;
}

/* Memory goes back to the OS without being asked: after a warm-up, ~300 MiB are allocated in
 * small (16..1024), medium (1K..128K) and large (128K..4M) blocks, a third of the bytes each,
 * every page touched, and all freed; RSS must then be within 24 MiB of the baseline. The same
 * again with the allocating and freeing done in two threads. malloc_trim is deliberately not
 * called. Blocks are freed in allocation order, so that the few blocks a thread cache may keep
 * at the end are the newest, packed in few regions; in random order they could pin a region
 * each. Allocators that keep freed memory for reuse (glibc, mimalloc, jemalloc and tcmalloc
 * with their defaults) fail this; glibc passes with
 * GLIBC_TUNABLES=glibc.malloc.tcache_count=0:glibc.malloc.mxfast=0:glibc.malloc.mmap_threshold=131072 */
#include "harness.h"

#include <dlfcn.h>
#include <pthread.h>
#include <sys/mman.h>

#define TOTAL ((size_t)300 << 20)
#define SLACK_KIB (24 * 1024L)

struct blk { unsigned char *p; size_t n; };

static inline size_t opaque(size_t x) { __asm__ volatile("" : "+r"(x)); return x; }

/* Averages 520 B, 64.5 KiB and 2.06 MiB: the odds below give each range a third of the bytes. */
static size_t pick_size(uint64_t *rng)
{
    uint64_t r = test_rand(rng);
    unsigned k = (unsigned)(r % 100000);
    r >>= 20;
    if (k < 99182) return 16 + r % 1009;
    if (k < 99976) return 1024 + r % (127 << 10);
    return (128 << 10) + r % (3968 << 10);
}

/* The block table comes from mmap, so that only the blocks are the allocator's; touched at
 * once, so that it is part of the baseline. */
static struct blk *table(size_t max)
{
    void *t = mmap(NULL, max * sizeof(struct blk), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(t != MAP_FAILED, "mmap of the block table failed");
    memset(t, 0, max * sizeof(struct blk));
    return t;
}

/* Allocates about `total` bytes, touching every byte; returns the block count. */
static size_t fill_up(struct blk *b, size_t max, size_t total, uint64_t seed)
{
    uint64_t rng = seed;
    size_t n = 0, bytes = 0;
    while (bytes < total && n < max) {
        size_t sz = pick_size(&rng);
        b[n].p = malloc(opaque(sz));
        CHECK(b[n].p != NULL, "malloc(%zu) failed after %zu bytes", sz, bytes);
        b[n].n = sz;
        memset(b[n].p, (int)(n & 0xff) | 1, sz);
        bytes += sz;
        n++;
    }
    return n;
}

static void release(struct blk *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        CHECK(b[i].p[0] == b[i].p[b[i].n - 1], "a block of %zu bytes changed", b[i].n);
        free(b[i].p);
    }
}

struct half { struct blk *b; size_t max; uint64_t seed; };
static pthread_barrier_t filled, measured;

static void *thread_main(void *arg)
{
    struct half *h = arg;
    size_t n = fill_up(h->b, h->max, TOTAL / 2, h->seed);
    pthread_barrier_wait(&filled);   /* main measures the peak */
    pthread_barrier_wait(&measured);
    release(h->b, n);
    return NULL;
}

static void warm_up(void)
{
    void *ps[1000];
    for (int i = 0; i < 1000; i++) ps[i] = malloc(opaque((size_t)(i % 200) * 8 + 16));
    for (int i = 0; i < 1000; i++) free(ps[i]);
    printf("rss_return: warm-up done\n"); /* stdio's buffer is part of the baseline */
    fflush(stdout);
}

static void report(const char *what, long base, long peak, long after)
{
    printf("%s: baseline %ld KiB, with everything allocated %ld KiB, after freeing %ld KiB\n",
           what, base, peak, after);
    CHECK(peak >= base + (long)(TOTAL >> 10) / 2, "%s: the allocations did not show in RSS", what);
    CHECK(after <= base + SLACK_KIB, "%s: RSS after freeing everything is %ld KiB, %ld KiB above the "
          "baseline (allowed: %ld)", what, after, after - base, SLACK_KIB);
}

int main(void)
{
    /* Level 4 holds freed blocks back in a quarantine on purpose (and they pin their slabs). */
    int (*level)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "hak_integrity_level");
    if (level && level() >= 4) SKIP("level 4 keeps freed blocks in quarantine by design");
    enum { MAX = 1 << 19 };
    struct blk *b = table(MAX);
    warm_up();

    long base = test_rss_kib();
    size_t n = fill_up(b, MAX, TOTAL, 1);
    long peak = test_rss_kib();
    release(b, n);
    long after = test_rss_kib();
    printf("single thread: %zu blocks\n", n);
    report("single thread", base, peak, after);

    /* Two threads allocate and free their halves concurrently. */
    struct half h[2] = { { b, MAX / 2, 3 }, { b + MAX / 2, MAX / 2, 5 } };
    pthread_barrier_init(&filled, NULL, 3);
    pthread_barrier_init(&measured, NULL, 3);
    base = test_rss_kib();
    pthread_t t[2];
    for (int i = 0; i < 2; i++) CHECK(pthread_create(&t[i], NULL, thread_main, &h[i]) == 0, "pthread_create failed");
    pthread_barrier_wait(&filled);
    peak = test_rss_kib();
    pthread_barrier_wait(&measured);
    for (int i = 0; i < 2; i++) CHECK(pthread_join(t[i], NULL) == 0, "pthread_join failed");
    after = test_rss_kib();
    report("two threads", base, peak, after);
    return 0;
}

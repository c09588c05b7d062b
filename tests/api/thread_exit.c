/* Many short-lived threads: 200 waves of 4 threads, each allocating thousands of blocks of
 * many sizes, freeing half, handing most of the rest to the main thread (which frees them
 * after the thread has exited) and leaking a few into a global list that is freed a wave
 * later. Whatever an exited thread cached must be reused: RSS after any later wave may exceed
 * RSS after wave 20 by a fixed slack only, not by something proportional to the waves.
 * The slack is wide because allocators that reclaim abandoned memory lazily (mimalloc) drift
 * by up to ~30 MiB here; a per-thread leak of even 70 KiB (720 threads) still exceeds it. */
#include "harness.h"

#include <pthread.h>

enum { WAVES = 200, NT = 4, BLOCKS = 2000, EARLY_WAVE = 20 };
#define SLACK_KIB (48 * 1024L)

struct blk { unsigned char *p; size_t n; uint64_t seed; };
struct job { int wave, id; struct blk *keep; size_t nkeep; };

static pthread_mutex_t leak_mu = PTHREAD_MUTEX_INITIALIZER;
static struct blk leaked[2][NT * BLOCKS]; /* by wave parity: this wave's, and the last one's */
static size_t nleaked[2];

static inline size_t opaque(size_t x) { __asm__ volatile("" : "+r"(x)); return x; }

/* One seed-derived word at each end and in every page: cheap, and every page is touched. */
static void mark(const struct blk *b)
{
    for (size_t off = 0; off + 16 <= b->n; off += 4096) {
        uint64_t w = (b->seed ^ off) * 0x9E3779B97F4A7C15ULL;
        memcpy(b->p + off, &w, 8);
    }
    uint64_t w = b->seed * 0xD1B54A32D192ED03ULL;
    memcpy(b->p + b->n - 8, &w, 8);
}

static void check_and_free(const struct blk *b, const char *who)
{
    for (size_t off = 0; off + 16 <= b->n; off += 4096) {
        uint64_t w = (b->seed ^ off) * 0x9E3779B97F4A7C15ULL, got;
        memcpy(&got, b->p + off, 8);
        CHECK(got == w, "%s: block %p of %zu bytes overwritten at byte %zu", who, b->p, b->n, off);
    }
    uint64_t w = b->seed * 0xD1B54A32D192ED03ULL, got;
    memcpy(&got, b->p + b->n - 8, 8);
    CHECK(got == w, "%s: block %p of %zu bytes overwritten at its end", who, b->p, b->n);
    free(b->p);
}

static size_t pick_size(uint64_t *rng)
{
    uint64_t r = test_rand(rng);
    unsigned k = r % 1000;
    r >>= 16;
    if (k < 900) return 16 + r % 1025;
    if (k < 998) return 1024 + r % (7 << 10);
    return (16 << 10) + r % (240 << 10);
}

static void *thread_main(void *arg)
{
    struct job *j = arg;
    struct blk *b = malloc(BLOCKS * sizeof *b); /* the hand-off array: freed by main as well */
    CHECK(b != NULL, "no memory for the block array");
    uint64_t rng = (uint64_t)j->wave * 131 + (uint64_t)j->id + 1;
    for (int i = 0; i < BLOCKS; i++) {
        b[i].n = pick_size(&rng);
        b[i].p = malloc(opaque(b[i].n));
        CHECK(b[i].p != NULL, "wave %d thread %d: malloc(%zu) failed", j->wave, j->id, b[i].n);
        b[i].seed = (uint64_t)j->wave << 32 | (uint64_t)j->id << 16 | (uint64_t)i;
        mark(&b[i]);
    }
    size_t keep = 0;
    for (int i = 0; i < BLOCKS; i++) {
        unsigned r = test_rand(&rng) % 20;
        if (r < 10) {
            check_and_free(&b[i], "thread freeing its own block");
        } else if (r == 10) { /* leaked into the global list, freed a wave later */
            pthread_mutex_lock(&leak_mu);
            leaked[j->wave & 1][nleaked[j->wave & 1]++] = b[i];
            pthread_mutex_unlock(&leak_mu);
        } else {
            b[keep++] = b[i];
        }
    }
    j->keep = b;
    j->nkeep = keep;
    if (j->id & 1) pthread_exit(NULL); /* the other way out of a thread */
    return NULL;
}

int main(void)
{
    long rss_early = 0, rss_max = 0;
    unsigned long handed = 0, leaked_total = 0;
    for (int wave = 0; wave < WAVES; wave++) {
        pthread_t t[NT];
        struct job jobs[NT];
        for (int i = 0; i < NT; i++) {
            jobs[i] = (struct job){ .wave = wave, .id = i };
            CHECK(pthread_create(&t[i], NULL, thread_main, &jobs[i]) == 0, "pthread_create failed in wave %d", wave);
        }
        for (int i = 0; i < NT; i++) {
            CHECK(pthread_join(t[i], NULL) == 0, "pthread_join failed in wave %d", wave);
            for (size_t k = 0; k < jobs[i].nkeep; k++)
                check_and_free(&jobs[i].keep[k], "main freeing an exited thread's block");
            handed += jobs[i].nkeep;
            free(jobs[i].keep);
        }
        /* The previous wave's leaks: their threads are long gone. */
        int old = (wave + 1) & 1;
        for (size_t k = 0; k < nleaked[old]; k++) check_and_free(&leaked[old][k], "main freeing a leaked block");
        leaked_total += nleaked[old];
        nleaked[old] = 0;

        long rss = test_rss_kib();
        CHECK(rss > 0, "cannot read RSS");
        if (wave + 1 == EARLY_WAVE) rss_early = rss;
        if (wave + 1 >= EARLY_WAVE && rss > rss_max) rss_max = rss;
    }
    for (size_t k = 0; k < nleaked[(WAVES - 1) & 1]; k++)
        check_and_free(&leaked[(WAVES - 1) & 1][k], "main freeing a leaked block");
    leaked_total += nleaked[(WAVES - 1) & 1];
    long rss_end = test_rss_kib();
    printf("thread_exit: %d threads, %lu blocks freed after their thread exited, %lu leaked and freed "
           "later; RSS after wave %d: %ld KiB, highest after: %ld KiB, at the end: %ld KiB\n",
           WAVES * NT, handed, leaked_total, EARLY_WAVE, rss_early, rss_max, rss_end);
    CHECK(rss_max <= rss_early + SLACK_KIB, "RSS grew from %ld KiB after wave %d to %ld KiB: memory of exited "
          "threads is not reused", rss_early, EARLY_WAVE, rss_max);
    return 0;
}

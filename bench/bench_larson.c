/* bench_larson: a larson-style multithreaded server workload with cross-thread frees.
 *
 * Usage: bench_larson [THREADS [ROUNDS [MIN [MAX [CHUNKS [SEED [OPS_PER_ROUND [MODE]]]]]]]]
 *        defaults      2        10      8     1000  5000    4141   100*CHUNKS      respawn
 *
 * There are THREADS arrays of CHUNKS blocks each, filled (untimed) by the main thread.
 * A round on an array is OPS_PER_ROUND replacements: pick a random block, check and free
 * it, malloc a new one of a random size in [MIN, MAX] and write its first and last byte.
 * Each array gets ROUNDS rounds, one after the other; the random numbers of a round
 * depend only on (SEED, array, round), so the work is the same on every run and the
 * measured quantity is the time of a fixed amount of work:
 *   ops = 2 * THREADS * ROUNDS * OPS_PER_ROUND allocator calls (one malloc, one free each).
 * Who runs the rounds (MODE):
 *   respawn  as in the original larson: a thread runs one round on its array, then
 *            starts a new thread that inherits the array and exits; so every block is
 *            freed by a thread other than the one that allocated it, whose heap has
 *            gone (thread-exit and orphaned-memory paths).
 *   handoff  THREADS long-lived threads; in round r thread i works on array (i+r) mod
 *            THREADS, waiting until the previous round on that array is done. Arrays
 *            pass around the ring, so blocks are freed by a live other thread (remote-
 *            free path).
 * Timed from the start of the first round to the end of the last one. */
#include <pthread.h>

#include "bench_common.h"

struct array {                /* one per cache-line pair: no false sharing between threads */
    unsigned char **blocks;
    pthread_mutex_t mu;       /* handoff: guards done */
    pthread_cond_t cv;
    uint32_t done;            /* handoff: rounds completed on this array */
    uint64_t sum;             /* checksum of the sizes allocated into it, in order */
} __attribute__((aligned(128)));

struct lineage {              /* respawn: the chain of threads working on one array */
    uint32_t index;
    uint32_t round;           /* round the next thread runs; written before it starts */
    pthread_t pred;           /* the thread that started it, joined by it */
    int has_pred;
    pthread_mutex_t mu;       /* guards finished and last */
    pthread_cond_t cv;
    int finished;
    pthread_t last;
} __attribute__((aligned(128)));

static struct {
    uint32_t threads, rounds, min, span, chunks;
    uint64_t seed, ops_per_round;
} cfg;

static struct array *arrays;
static struct lineage *lineages;

static unsigned char tag_of(uint32_t idx) { return (unsigned char)(idx * 0x9dU + 0x5aU); }

static uint64_t round_seed(uint32_t array, uint32_t round)
{
    return rng_seed(cfg.seed ^ ((uint64_t)array << 32) ^ ((uint64_t)round * 0x9e3779b97f4a7c15ULL));
}

static unsigned char *new_block(uint64_t *sum, uint32_t idx, uint32_t r32)
{
    size_t size = cfg.min + rng_range(r32, cfg.span);
    *sum = *sum * 31 + size;
    unsigned char *p = malloc(size);
    if (!p)
        die("bench_larson: malloc(%zu) failed", size);
    p[0] = tag_of(idx);
    p[size - 1] = tag_of(idx);
    return p;
}

static __attribute__((noinline)) void run_round(uint32_t a, uint32_t round)
{
    struct array *ar = &arrays[a];
    unsigned char **blocks = ar->blocks;
    uint64_t rng = round_seed(a, round), sum = ar->sum;
    for (uint64_t k = 0; k < cfg.ops_per_round; k++) {
        uint64_t r = rng_next(&rng);
        uint32_t idx = rng_range((uint32_t)(r >> 32), cfg.chunks);
        unsigned char *p = blocks[idx];
        if (p[0] != tag_of(idx))
            die("bench_larson: block %p of array %u index %u corrupted", (void *)p, a, idx);
        free(p);
        blocks[idx] = new_block(&sum, idx, (uint32_t)r);
    }
    ar->sum = sum;
}

static void *respawn_thread(void *arg)
{
    struct lineage *l = arg;
    uint32_t round = l->round;
    pthread_t pred = l->pred;
    int has_pred = l->has_pred;

    run_round(l->index, round);
    if (has_pred)
        pthread_join(pred, NULL);   /* long gone by now; reaps it */
    if (round + 1 < cfg.rounds) {
        l->round = round + 1;
        l->pred = pthread_self();
        l->has_pred = 1;
        pthread_t t;
        if (pthread_create(&t, NULL, respawn_thread, l) != 0)
            die("bench_larson: pthread_create failed");
    } else {
        pthread_mutex_lock(&l->mu);
        l->last = pthread_self();
        l->finished = 1;
        pthread_cond_signal(&l->cv);
        pthread_mutex_unlock(&l->mu);
    }
    return NULL;
}

static void *handoff_thread(void *arg)
{
    uint32_t i = (uint32_t)(uintptr_t)arg;
    for (uint32_t round = 0; round < cfg.rounds; round++) {
        uint32_t a = (i + round) % cfg.threads;
        struct array *ar = &arrays[a];
        pthread_mutex_lock(&ar->mu);
        while (ar->done != round)
            pthread_cond_wait(&ar->cv, &ar->mu);
        pthread_mutex_unlock(&ar->mu);
        run_round(a, round);
        pthread_mutex_lock(&ar->mu);
        ar->done = round + 1;
        pthread_cond_broadcast(&ar->cv);
        pthread_mutex_unlock(&ar->mu);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    uint64_t threads = arg_u64(argc, argv, 1, 2, "THREADS");
    uint64_t rounds = arg_u64(argc, argv, 2, 10, "ROUNDS");
    uint64_t min = arg_u64(argc, argv, 3, 8, "MIN");
    uint64_t max = arg_u64(argc, argv, 4, 1000, "MAX");
    uint64_t chunks = arg_u64(argc, argv, 5, 5000, "CHUNKS");
    uint64_t seed = arg_u64(argc, argv, 6, 4141, "SEED");
    uint64_t opr = arg_u64(argc, argv, 7, 100 * chunks, "OPS_PER_ROUND");
    const char *mode = arg_str(argc, argv, 8, "respawn");
    int handoff = strcmp(mode, "handoff") == 0;
    if (threads < 1 || threads > 4096 || rounds < 1 || rounds > UINT32_MAX || min < 1 ||
        max < min || max - min >= UINT32_MAX || chunks < 1 || chunks > UINT32_MAX ||
        (!handoff && strcmp(mode, "respawn") != 0))
        die("usage: bench_larson [THREADS [ROUNDS [MIN [MAX [CHUNKS [SEED [OPS_PER_ROUND "
            "[respawn|handoff]]]]]]]]");
    cfg.threads = (uint32_t)threads;
    cfg.rounds = (uint32_t)rounds;
    cfg.min = (uint32_t)min;
    cfg.span = (uint32_t)(max - min + 1);
    cfg.chunks = (uint32_t)chunks;
    cfg.seed = seed;
    cfg.ops_per_round = opr;

    arrays = aligned_alloc(128, threads * sizeof *arrays);
    lineages = aligned_alloc(128, threads * sizeof *lineages);
    if (!arrays || !lineages)
        die("bench_larson: out of memory");
    memset(arrays, 0, threads * sizeof *arrays);
    memset(lineages, 0, threads * sizeof *lineages);
    for (uint32_t a = 0; a < cfg.threads; a++) {
        arrays[a].blocks = malloc(chunks * sizeof *arrays[a].blocks);
        if (!arrays[a].blocks)
            die("bench_larson: out of memory");
        uint64_t rng = rng_seed(seed ^ 0xf111ULL ^ ((uint64_t)a << 40));
        for (uint32_t idx = 0; idx < cfg.chunks; idx++)
            arrays[a].blocks[idx] = new_block(&arrays[a].sum, idx, (uint32_t)rng_next(&rng));
        pthread_mutex_init(&arrays[a].mu, NULL);
        pthread_cond_init(&arrays[a].cv, NULL);
        lineages[a].index = a;
        pthread_mutex_init(&lineages[a].mu, NULL);
        pthread_cond_init(&lineages[a].cv, NULL);
    }
    pthread_t *tids = calloc(threads, sizeof *tids);
    if (!tids)
        die("bench_larson: out of memory");

    struct timing t;
    timing_start(&t);
    for (uint32_t i = 0; i < cfg.threads; i++) {
        int rc = handoff ? pthread_create(&tids[i], NULL, handoff_thread, (void *)(uintptr_t)i)
                         : pthread_create(&tids[i], NULL, respawn_thread, &lineages[i]);
        if (rc != 0)
            die("bench_larson: pthread_create failed");
    }
    for (uint32_t i = 0; i < cfg.threads; i++) {
        if (handoff) {
            pthread_join(tids[i], NULL);
            continue;
        }
        struct lineage *l = &lineages[i];
        pthread_mutex_lock(&l->mu);
        while (!l->finished)
            pthread_cond_wait(&l->cv, &l->mu);
        pthread_mutex_unlock(&l->mu);
        pthread_join(l->last, NULL);
    }
    timing_stop(&t);

    /* Untimed: final check, frees and the checksum. */
    uint64_t sum = 0;
    for (uint32_t a = 0; a < cfg.threads; a++) {
        for (uint32_t idx = 0; idx < cfg.chunks; idx++) {
            unsigned char *p = arrays[a].blocks[idx];
            if (p[0] != tag_of(idx))
                die("bench_larson: block %p of array %u index %u corrupted", (void *)p, a, idx);
            free(p);
        }
        free(arrays[a].blocks);
        sum = sum * 0x100000001b3ULL + arrays[a].sum;
    }
    free(tids);
    free(arrays);
    free(lineages);

    char params[160];
    snprintf(params, sizeof params,
             "mode=%s threads=%u rounds=%u chunks=%u ops_per_round=%" PRIu64 " min=%" PRIu64
             " max=%" PRIu64,
             handoff ? "handoff" : "respawn", cfg.threads, cfg.rounds, cfg.chunks, opr, min, max);
    report("bench_larson", params, 2 * threads * rounds * opr, &t, sum);
    return 0;
}

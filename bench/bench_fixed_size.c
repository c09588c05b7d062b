/* bench_fixed_size: mallocs and frees of one size, the allocator's fastest path.
 *
 * Usage: bench_fixed_size [ITERATIONS [SIZE [WORKING_SET [SEED [MODE]]]]]
 *        defaults        20000000     64     8192          42     random
 *
 * MODE random: like bench_random_mixed with a single size. Each iteration picks a random
 *   slot of WORKING_SET; an occupied slot is freed, an empty one gets malloc(SIZE).
 *   One iteration is one allocator call.
 * MODE batch: pure malloc/free pairs. WORKING_SET is the batch size N: N mallocs, then
 *   the N frees in allocation order, repeated; ITERATIONS is rounded up to whole batches
 *   of 2N calls. SEED is unused (nothing is random).
 * Either way the first and last byte of every block are written and the first one is
 * checked before free. ops counts allocator calls; only the loop is timed. */
#include "bench_common.h"

static unsigned char tag_of(uint64_t slot) { return (unsigned char)(slot * 0x9dU + 0x5aU); }

static __attribute__((noinline)) uint64_t run_random(unsigned char **slots, uint64_t iters,
                                                      uint32_t ws, uint64_t seed, size_t size)
{
    uint64_t rng = rng_seed(seed), mallocs = 0;
    for (uint64_t i = 0; i < iters; i++) {
        uint32_t slot = rng_range((uint32_t)(rng_next(&rng) >> 32), ws);
        unsigned char *p = slots[slot];
        if (p) {
            if (p[0] != tag_of(slot))
                die("bench_fixed_size: block %p of slot %u corrupted", (void *)p, slot);
            free(p);
            slots[slot] = NULL;
        } else {
            p = malloc(size);
            if (!p)
                die("bench_fixed_size: malloc(%zu) failed", size);
            p[0] = tag_of(slot);
            p[size - 1] = tag_of(slot);
            slots[slot] = p;
            mallocs++;
        }
    }
    return mallocs;
}

static __attribute__((noinline)) uint64_t run_batch(unsigned char **slots, uint64_t batches,
                                                     uint32_t n, size_t size)
{
    uint64_t sum = 0;
    for (uint64_t b = 0; b < batches; b++) {
        for (uint32_t j = 0; j < n; j++) {
            unsigned char *p = malloc(size);
            if (!p)
                die("bench_fixed_size: malloc(%zu) failed", size);
            p[0] = tag_of(j);
            p[size - 1] = tag_of(j);
            slots[j] = p;
        }
        escape(slots);
        for (uint32_t j = 0; j < n; j++) {
            unsigned char *p = slots[j];
            if (p[0] != tag_of(j))
                die("bench_fixed_size: block %p of batch slot %u corrupted", (void *)p, j);
            sum += p[size - 1];
            free(p);
        }
    }
    return sum;
}

int main(int argc, char **argv)
{
    uint64_t iters = arg_u64(argc, argv, 1, 20000000, "ITERATIONS");
    uint64_t size = arg_u64(argc, argv, 2, 64, "SIZE");
    uint64_t ws = arg_u64(argc, argv, 3, 8192, "WORKING_SET");
    uint64_t seed = arg_u64(argc, argv, 4, 42, "SEED");
    const char *mode = arg_str(argc, argv, 5, "random");
    int batch = strcmp(mode, "batch") == 0;
    if (size < 1 || ws < 1 || ws > UINT32_MAX || (!batch && strcmp(mode, "random") != 0))
        die("usage: bench_fixed_size [ITERATIONS [SIZE>0 [WORKING_SET>0 [SEED [random|batch]]]]]");

    unsigned char **slots = calloc(ws, sizeof *slots);
    if (!slots)
        die("bench_fixed_size: no memory for %" PRIu64 " slots", ws);

    uint64_t ops, sum;
    struct timing t;
    if (batch) {
        uint64_t batches = (iters + 2 * ws - 1) / (2 * ws);
        ops = batches * 2 * ws;
        timing_start(&t);
        sum = run_batch(slots, batches, (uint32_t)ws, size);
        timing_stop(&t);
    } else {
        ops = iters;
        timing_start(&t);
        sum = run_random(slots, iters, (uint32_t)ws, seed, size);
        timing_stop(&t);
        for (uint64_t i = 0; i < ws; i++)
            free(slots[i]);
    }
    free(slots);

    char params[128];
    snprintf(params, sizeof params, "mode=%s size=%" PRIu64 " working_set=%" PRIu64,
             batch ? "batch" : "random", size, ws);
    report("bench_fixed_size", params, ops, &t, sum);
    return 0;
}

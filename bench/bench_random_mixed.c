/* bench_random_mixed: random mallocs and frees of mixed sizes over a working set.
 *
 * Usage: bench_random_mixed [ITERATIONS [WORKING_SET [SEED [MIN [MAX]]]]]
 *        defaults          10000000     8192         42     16    1040
 *
 * WORKING_SET slots start empty. Each iteration draws one random number (seeded
 * xorshift) that picks a slot and a size: an occupied slot is freed, an empty one gets
 * malloc(size) with size uniform in [MIN, MAX]. So each iteration is exactly one
 * allocator call, the slots settle at about half full, and blocks die in random order.
 * The first and last byte of every block are written (and the first one checked before
 * free), so memory is touched without the bench turning into a memory-bandwidth test.
 * Only the loop is timed; the blocks still live afterwards are freed untimed. */
#include "bench_common.h"

static unsigned char tag_of(uint32_t slot) { return (unsigned char)(slot * 0x9dU + 0x5aU); }

/* The measured loop, kept out of line so profiles show it as one function. */
static __attribute__((noinline)) uint64_t run_loop(unsigned char **slots, uint64_t iters,
                                                    uint32_t ws, uint64_t seed, uint32_t min,
                                                    uint32_t span)
{
    uint64_t rng = rng_seed(seed), sum = 0;
    for (uint64_t i = 0; i < iters; i++) {
        uint64_t r = rng_next(&rng);
        uint32_t slot = rng_range((uint32_t)(r >> 32), ws);
        unsigned char *p = slots[slot];
        if (p) {
            if (p[0] != tag_of(slot))
                die("bench_random_mixed: block %p of slot %u corrupted", (void *)p, slot);
            free(p);
            slots[slot] = NULL;
        } else {
            size_t size = min + rng_range((uint32_t)r, span);
            p = malloc(size);
            if (!p)
                die("bench_random_mixed: malloc(%zu) failed", size);
            p[0] = tag_of(slot);
            p[size - 1] = tag_of(slot);
            slots[slot] = p;
            sum = sum * 31 + size;
        }
    }
    return sum;
}

int main(int argc, char **argv)
{
    uint64_t iters = arg_u64(argc, argv, 1, 10000000, "ITERATIONS");
    uint64_t ws = arg_u64(argc, argv, 2, 8192, "WORKING_SET");
    uint64_t seed = arg_u64(argc, argv, 3, 42, "SEED");
    uint64_t min = arg_u64(argc, argv, 4, 16, "MIN");
    uint64_t max = arg_u64(argc, argv, 5, 1040, "MAX");
    if (ws < 1 || ws > UINT32_MAX || min < 1 || max < min || max - min >= UINT32_MAX)
        die("usage: bench_random_mixed [ITERATIONS [WORKING_SET>0 [SEED [MIN>0 [MAX>=MIN]]]]]");

    unsigned char **slots = calloc(ws, sizeof *slots);
    if (!slots)
        die("bench_random_mixed: no memory for %" PRIu64 " slots", ws);

    struct timing t;
    timing_start(&t);
    uint64_t sum = run_loop(slots, iters, (uint32_t)ws, seed, (uint32_t)min,
                            (uint32_t)(max - min + 1));
    timing_stop(&t);

    for (uint64_t i = 0; i < ws; i++)
        free(slots[i]);
    free(slots);

    char params[128];
    snprintf(params, sizeof params, "working_set=%" PRIu64 " min=%" PRIu64 " max=%" PRIu64,
             ws, min, max);
    report("bench_random_mixed", params, iters, &t, sum);
    return 0;
}

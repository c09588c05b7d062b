/* Single-thread stress: a few million random malloc/calloc/free operations over a table of
 * slots, sizes mostly small (16..1040) with some medium (to 256 KiB) and a few large (to
 * 4 MiB), freed in random order and in bursts. Every block is filled with a pattern derived
 * from its seed at allocation and verified before it is freed; at the end, an FNV checksum of
 * the live blocks' memory must equal one computed from the seeds alone. */
#include "harness.h"

#include <malloc.h>

enum { SLOTS = 16384, OPS = 3000000, BURST_EVERY = 700000 };

struct slot { unsigned char *p; size_t n; uint64_t seed; };
static struct slot slots[SLOTS];


/* Mostly small, some medium, a few large; log-uniform above 1 KiB. */
static size_t pick_size(uint64_t *rng)
{
    uint64_t r = test_rand(rng);
    unsigned k = r % 10000;
    r >>= 16;
    if (k < 9650) return 16 + r % 1025;
    unsigned lo = k < 9995 ? 10 : 18, span = k < 9995 ? 8 : 4; /* 2^10..2^18 or 2^18..2^22 */
    double e = lo + span * (double)(r % 1000000) / 1e6;
    size_t base = (size_t)1 << (unsigned)e;
    return base + (size_t)((double)base * (e - (unsigned)e));
}

static void release(struct slot *s, unsigned long op)
{
    size_t bad = test_verify(s->p, s->n, s->seed);
    CHECK(bad == s->n, "op %lu: block %p of %zu bytes (seed %llu) was overwritten at byte %zu",
          op, s->p, s->n, (unsigned long long)s->seed, bad);
    free(s->p);
    s->p = NULL;
}

int main(void)
{
    uint64_t rng = 0x5eed;
    unsigned long allocs = 0, frees = 0, callocs = 0;
    size_t max_n = 0;
    for (unsigned long op = 1; op <= OPS; op++) {
        struct slot *s = &slots[test_rand(&rng) % SLOTS];
        if (s->p) {
            release(s, op);
            frees++;
        } else {
            size_t n = pick_size(&rng);
            int zero = test_rand(&rng) % 10 == 0;
            s->p = zero ? calloc(1, test_opaque(n)) : malloc(test_opaque(n));
            CHECK(s->p != NULL, "op %lu: %s(%zu) failed", op, zero ? "calloc" : "malloc", n);
            CHECK((uintptr_t)s->p % 16 == 0, "op %lu: block of %zu at %p is not 16-aligned", op, n, s->p);
            if (zero) {
                for (size_t i = 0; i < n; i++)
                    CHECK(s->p[i] == 0, "op %lu: calloc(1, %zu) byte %zu is 0x%02x", op, n, i, s->p[i]);
                callocs++;
            }
            s->n = n;
            s->seed = op * 0x9E3779B97F4A7C15ULL + 1;
            test_fill(s->p, n, s->seed);
            allocs++;
            if (n > max_n) max_n = n;
        }
        if (op % BURST_EVERY == 0) { /* free about half, so that whole slabs empty out */
            for (int i = 0; i < SLOTS; i++)
                if (slots[i].p && test_rand(&rng) % 2) { release(&slots[i], op); frees++; }
        }
    }

    /* The checksum of the live set as memory holds it, against the one the seeds give. */
    unsigned char *scratch = malloc(max_n);
    CHECK(scratch != NULL, "no memory for a %zu-byte scratch buffer", max_n);
    uint64_t have = TEST_FNV_INIT, want = TEST_FNV_INIT;
    size_t live = 0, live_bytes = 0;
    for (int i = 0; i < SLOTS; i++) {
        if (!slots[i].p) continue;
        have = test_fnv1a(have, slots[i].p, slots[i].n);
        test_fill(scratch, slots[i].n, slots[i].seed);
        want = test_fnv1a(want, scratch, slots[i].n);
        live++;
        live_bytes += slots[i].n;
    }
    if (have != want)
        for (int i = 0; i < SLOTS; i++)
            if (slots[i].p) release(&slots[i], OPS); /* names the damaged block */
    CHECK(have == want, "live-set checksum %016llx, expected %016llx",
          (unsigned long long)have, (unsigned long long)want);
    for (int i = 0; i < SLOTS; i++)
        if (slots[i].p) { release(&slots[i], OPS); frees++; }
    free(scratch);
    EXPECT_EQ(allocs, frees);
    printf("stress_single: %d ops, %lu allocations (%lu calloc), largest %zu, %zu live at the end "
           "(%zu bytes), checksum %016llx\n", OPS, allocs, callocs, max_n, live, live_bytes,
           (unsigned long long)have);
    return 0;
}

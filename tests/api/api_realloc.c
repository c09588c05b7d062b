/* realloc keeps the content: one block grown from 1 byte to 8 MiB and shrunk back with
 * several step patterns (+1 across every small class, x1.5, x2, random), content verified
 * at each step; realloc of aligned blocks; and many interleaved blocks reallocated at random. */
#include "harness.h"

#include <malloc.h>

#define TOP ((size_t)8 << 20)

static inline size_t opaque(size_t x) { __asm__ volatile("" : "+r"(x)); return x; }

static void check_block(const void *p, size_t n, const char *why)
{
    CHECK(p != NULL, "%s: realloc to %zu returned NULL", why, n);
    CHECK(n < 16 || (uintptr_t)p % 16 == 0, "%s: realloc to %zu returned %p, not 16-aligned", why, n, p);
    CHECK(malloc_usable_size((void *)p) >= n, "%s: realloc to %zu: usable size %zu", why, n,
          malloc_usable_size((void *)p));
}

/* Moves the block from size cur to size next, verifies the kept prefix and refills the
 * whole block (the pattern depends on the offset only, so a refill keeps the prefix). */
static unsigned char *step(unsigned char *p, size_t cur, size_t next, uint64_t seed, const char *why)
{
    p = realloc(p, opaque(next));
    check_block(p, next, why);
    size_t keep = cur < next ? cur : next;
    size_t bad = test_verify(p, keep, seed);
    CHECK(bad == keep, "%s: realloc %zu -> %zu lost the content at byte %zu", why, cur, next, bad);
    if (next > cur) test_fill(p, next, seed);
    return p;
}

enum pattern { P_LINEAR, P_HALF, P_DOUBLE, P_RANDOM, N_PATTERN };
static const char *const pattern_name[N_PATTERN] = { "+1 steps", "x1.5 steps", "x2 steps", "random steps" };

static size_t grow(enum pattern pat, size_t n, uint64_t *rng)
{
    switch (pat) {
    case P_LINEAR: return n < 8192 ? n + 1 : n < (256 << 10) ? n + 4097 : n + n / 2;
    case P_HALF: return n + n / 2 + 1;
    case P_DOUBLE: return n * 2;
    default: return n + 1 + test_rand(rng) % (n / 4 + 16);
    }
}

static size_t shrink(enum pattern pat, size_t n, uint64_t *rng)
{
    switch (pat) {
    case P_LINEAR: return n <= 8192 ? n - 1 : n <= (256 << 10) ? n - 4097 : n * 2 / 3;
    case P_HALF: return n * 2 / 3;
    case P_DOUBLE: return n / 2;
    default: {
        size_t d = 1 + test_rand(rng) % (n / 5 + 1);
        return d < n ? n - d : 1;
    }
    }
}

static void grow_and_shrink(void)
{
    for (int pat = 0; pat < N_PATTERN; pat++) {
        uint64_t rng = 1000 + pat, seed = 77 + pat;
        size_t n = 1;
        unsigned char *p = malloc(opaque(1));
        check_block(p, 1, pattern_name[pat]);
        test_fill(p, 1, seed);
        unsigned steps = 0;
        while (n < TOP) {
            size_t next = grow(pat, n, &rng);
            if (next > TOP) next = TOP;
            p = step(p, n, next, seed, pattern_name[pat]);
            n = next;
            steps++;
        }
        /* A neighbour allocated before shrinking: the block is not the last in its region. */
        void *wall = malloc(opaque(100));
        while (n > 1) {
            size_t next = shrink(pat, n, &rng);
            if (next < 1) next = 1;
            p = step(p, n, next, seed, pattern_name[pat]);
            n = next;
            steps++;
        }
        free(wall);
        free(p);
        printf("%s: %u reallocs\n", pattern_name[pat], steps);
    }
}

/* Aligned blocks keep their content through realloc; what comes back is ordinary memory
 * (only malloc's alignment is promised). */
static void aligned(void)
{
    static const size_t sizes[] = { 1, 24, 100, 1000, 5000, 70000, 1 << 20 };
    static const size_t targets[] = { 8, 40, 999, 4096, 100000, (1 << 20) + 5 };
    uint64_t seed = 500;
    for (size_t a = 16; a <= ((size_t)2 << 20); a *= 4) {
        for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
            for (size_t j = 0; j < sizeof targets / sizeof *targets; j++, seed++) {
                size_t n = sizes[i], t = targets[j];
                void *p = NULL;
                CHECK(posix_memalign(&p, opaque(a), n) == 0, "posix_memalign(%zu, %zu) failed", a, n);
                test_fill(p, n, seed);
                p = step(p, n, t, seed, "aligned block");
                p = step(p, t, n, seed, "aligned block, back");
                free(p);
                void *q = memalign(opaque(a), n); /* memalign'ed too */
                CHECK(q != NULL, "memalign(%zu, %zu) failed", a, n);
                test_fill(q, n, seed);
                q = step(q, n, t, seed, "memalign'ed block");
                free(q);
            }
        }
    }
}

/* Many live blocks, reallocated in random order to random sizes; every block is verified
 * at each realloc and all of them at the end. */
enum { SLOTS = 1500, OPS = 120000 };
struct slot { unsigned char *p; size_t n; uint64_t seed; };

static size_t random_size(uint64_t *rng)
{
    uint64_t r = test_rand(rng);
    unsigned k = r % 200;
    if (k == 0) return 65536 + (r >> 8) % (1 << 20);  /* 0.5% large */
    if (k <= 10) return 1024 + (r >> 8) % 64512;      /* 5% medium */
    return 1 + (r >> 8) % 1100;                       /* small */
}

static void interleaved(void)
{
    static struct slot s[SLOTS];
    uint64_t rng = 2024;
    unsigned long moved = 0;
    for (unsigned long op = 0; op < OPS; op++) {
        struct slot *x = &s[test_rand(&rng) % SLOTS];
        size_t n = random_size(&rng);
        if (!x->p) {
            x->p = realloc(NULL, opaque(n)); /* as malloc */
            check_block(x->p, n, "interleaved");
            x->n = n;
            x->seed = op + 1;
            test_fill(x->p, n, x->seed);
        } else if (test_rand(&rng) % 8 == 0) {
            CHECK(test_verify(x->p, x->n, x->seed) == x->n, "interleaved block of %zu was overwritten", x->n);
            free(x->p);
            x->p = NULL;
        } else {
            unsigned char *old = x->p;
            x->p = step(x->p, x->n, n, x->seed, "interleaved");
            moved += x->p != old;
            x->n = n;
        }
    }
    for (int i = 0; i < SLOTS; i++) {
        if (!s[i].p) continue;
        size_t bad = test_verify(s[i].p, s[i].n, s[i].seed);
        CHECK(bad == s[i].n, "interleaved block %d (%zu bytes) overwritten at byte %zu", i, s[i].n, bad);
        free(s[i].p);
    }
    printf("interleaved: %d ops, %lu moved\n", OPS, moved);
}

int main(void)
{
    grow_and_shrink();
    aligned();
    interleaved();
    printf("api_realloc: ok\n");
    return 0;
}

/* calloc must zero blocks that come back dirty from the allocator's caches: for many sizes,
 * blocks are filled with 0xAB and freed, then calloc'ed again and must read as zero. Also
 * large blocks (cached mappings are not fresh from the kernel), blocks left dirty by a
 * shrinking realloc, and blocks freed by another thread. */
#include "harness.h"

#include <pthread.h>

enum { K = 48 }; /* blocks per size: enough to cycle through a thread cache and a slab */

/* Hides a value from the optimizer; and makes the dirtying stores before free observable,
 * or dead-store elimination would drop the memset of a block about to be freed. */
static inline size_t opaque(size_t x) { __asm__ volatile("" : "+r"(x)); return x; }
static inline void escape(void *p) { __asm__ volatile("" : : "r"(p) : "memory"); }

static void dirty(void *p, size_t n)
{
    memset(p, 0xAB, n);
    escape(p);
}

static void expect_zero(const void *p, size_t n, const char *what, size_t size)
{
    const unsigned char *b = p;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, b + i, 8);
        if (w) break;
    }
    for (; i < n; i++)
        CHECK(b[i] == 0, "%s of %zu bytes: byte %zu is 0x%02x, not zero", what, size, i, b[i]);
}

/* One size: dirty K blocks, free them, calloc K blocks of that size (split three ways). */
static void cycle(size_t n, int reverse)
{
    void *ps[K];
    for (int i = 0; i < K; i++) {
        ps[i] = malloc(opaque(n));
        CHECK(ps[i] != NULL, "malloc(%zu) failed", n);
        dirty(ps[i], n);
    }
    for (int i = 0; i < K; i++) free(ps[reverse ? K - 1 - i : i]);
    for (int i = 0; i < K; i++) {
        if (i % 3 == 0) ps[i] = calloc(1, opaque(n));
        else if (i % 3 == 1 || n % 4) ps[i] = calloc(opaque(n), 1);
        else ps[i] = calloc(opaque(n / 4), 4);
        CHECK(ps[i] != NULL, "calloc(%zu) failed", n);
        expect_zero(ps[i], n, "calloc after free", n);
        dirty(ps[i], n); /* dirty again: the next size may reuse these */
    }
    for (int i = 0; i < K; i++) free(ps[i]);
}

static void large(void)
{
    static const size_t sizes[] = { 128 << 10, (128 << 10) + 1, 300000, 1 << 20, (1 << 20) + 4096,
                                    3 << 20, 4 << 20, 16 << 20, 40 << 20, 64 << 20 };
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
            size_t n = sizes[i];
            void *p = malloc(opaque(n));
            CHECK(p != NULL, "malloc(%zu) failed", n);
            dirty(p, n);
            free(p);
            p = calloc(1, opaque(n));
            CHECK(p != NULL, "calloc(1, %zu) failed", n);
            expect_zero(p, n, "large calloc after free", n);
            dirty(p, n);
            free(p);
            /* A smaller calloc may be carved from the freed larger block. */
            p = calloc(opaque(n / 2 + 17), 1);
            CHECK(p != NULL, "calloc(%zu, 1) failed", n / 2 + 17);
            expect_zero(p, n / 2 + 17, "calloc after a larger free", n / 2 + 17);
            free(p);
        }
    }
}

/* realloc shrink leaves the tail of the old block dirty; whatever reuses it must be zeroed. */
static void after_shrink(void)
{
    static const size_t sizes[] = { 32, 64, 100, 256, 1000, 4096, 20000, 70000, 200000,
                                    1 << 20, 2 << 20, 9 << 20 };
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        size_t big = sizes[i], small = big / 3;
        void *ps[8];
        for (int k = 0; k < 8; k++) {
            void *p = malloc(opaque(big));
            CHECK(p != NULL, "malloc(%zu) failed", big);
            dirty(p, big);
            ps[k] = realloc(p, opaque(small));
            CHECK(ps[k] != NULL, "realloc(%zu -> %zu) failed", big, small);
            const unsigned char *b = ps[k];
            for (size_t j = 0; j < small; j++)
                CHECK(b[j] == 0xAB, "realloc(%zu -> %zu) lost byte %zu", big, small, j);
        }
        /* Callocs of sizes between the shrunk and the original size, with the shrunk blocks
         * live (tails may be split off) and then freed. */
        for (int pass = 0; pass < 2; pass++) {
            for (int k = 0; k < 8; k++) {
                size_t n = small + (big - small) * (size_t)k / 7;
                void *q = calloc(1, opaque(n ? n : 1));
                CHECK(q != NULL, "calloc(%zu) failed", n);
                expect_zero(q, n, pass ? "calloc after freeing shrunk blocks" : "calloc beside shrunk blocks", n);
                dirty(q, n);
                free(q);
            }
            if (pass == 0)
                for (int k = 0; k < 8; k++) free(ps[k]);
        }
    }
}

/* Blocks freed by another thread come back to their owner through a remote path; they
 * are dirty too. */
struct remote { void *ps[K]; size_t n; };

static void *remote_free(void *arg)
{
    struct remote *r = arg;
    for (int i = 0; i < K; i++) free(r->ps[i]);
    return NULL;
}

static void cross_thread(void)
{
    for (size_t n = 16; n <= 65536; n = n * 5 / 4 + 8) {
        struct remote r = { .n = n };
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < K; i++) {
                r.ps[i] = malloc(opaque(n));
                CHECK(r.ps[i] != NULL, "malloc(%zu) failed", n);
                dirty(r.ps[i], n);
            }
            pthread_t t;
            CHECK(pthread_create(&t, NULL, remote_free, &r) == 0, "pthread_create failed");
            CHECK(pthread_join(t, NULL) == 0, "pthread_join failed");
            void *ps[K];
            for (int i = 0; i < K; i++) {
                ps[i] = calloc(opaque(n), 1);
                CHECK(ps[i] != NULL, "calloc(%zu) failed", n);
                expect_zero(ps[i], n, "calloc after a remote free", n);
            }
            for (int i = 0; i < K; i++) free(ps[i]);
        }
    }
}

int main(void)
{
    for (size_t n = 1; n <= 2048; n++) cycle(n, n & 1);
    for (size_t n = 2049; n <= 300000; n = n * 9 / 8 + 1) cycle(n, n & 1);
    large();
    after_shrink();
    cross_thread();
    /* A second sweep over the small sizes, now that every cache is thoroughly dirty. */
    for (size_t n = 1; n <= 1100; n += 3) cycle(n, 0);
    printf("api_calloc_reuse: ok\n");
    return 0;
}

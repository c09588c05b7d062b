/* glibc semantics of the allocation API: ENOMEM on failure with the old block intact, calloc
 * and reallocarray overflow, realloc(NULL, n) and realloc(p, 0), free(NULL), malloc(0),
 * posix_memalign's EINVAL without touching errno, large alignments, aligned_alloc, memalign,
 * valloc and pvalloc. */
#include "harness.h"

#include <errno.h>
#include <malloc.h>

static size_t page;

/* Hides a value from the optimizer: no folding, no compile-time size warnings. */
static inline size_t opaque(size_t x) { __asm__ volatile("" : "+r"(x)); return x; }

/* errno as memory holds it: clang assumes the allocation functions leave errno alone and
 * would otherwise fold the value stored before the call. */
static inline int err(void)
{
    __asm__ volatile("" ::: "memory");
    return errno;
}

static void *filled(size_t n, uint64_t seed)
{
    void *p = malloc(opaque(n));
    CHECK(p != NULL, "malloc(%zu) failed", n);
    test_fill(p, n, seed);
    return p;
}

static void expect_intact(void *p, size_t n, uint64_t seed, const char *after)
{
    size_t bad = test_verify(p, n, seed);
    CHECK(bad == n, "block of %zu bytes changed at byte %zu after %s", n, bad, after);
}

/* Sizes no allocator can satisfy: beyond PTRDIFF_MAX, or beyond the 47-bit user address space. */
static const size_t huge_sizes[] = { SIZE_MAX, SIZE_MAX - 4096, SIZE_MAX / 2 + 1, (size_t)1 << 48 };
#define N_HUGE (sizeof huge_sizes / sizeof *huge_sizes)

static void test_enomem(void)
{
    for (size_t i = 0; i < N_HUGE; i++) {
        size_t n = opaque(huge_sizes[i]);
        errno = 0;
        void *p = malloc(n);
        CHECK(p == NULL && err() == ENOMEM, "malloc(%#zx) gave %p, errno %d (want NULL, ENOMEM)", n, p, err());
        errno = 0;
        p = calloc(1, n);
        CHECK(p == NULL && err() == ENOMEM, "calloc(1, %#zx) gave %p, errno %d", n, p, err());
        errno = 0;
        p = calloc(n, 1);
        CHECK(p == NULL && err() == ENOMEM, "calloc(%#zx, 1) gave %p, errno %d", n, p, err());
        errno = 0;
        p = aligned_alloc(64, n & ~(size_t)63);
        CHECK(p == NULL && err() == ENOMEM, "aligned_alloc(64, %#zx) gave %p, errno %d", n, p, err());
        errno = 0;
        p = memalign(4096, n);
        CHECK(p == NULL && err() == ENOMEM, "memalign(4096, %#zx) gave %p, errno %d", n, p, err());
        errno = 0;
        p = valloc(n);
        CHECK(p == NULL && err() == ENOMEM, "valloc(%#zx) gave %p, errno %d", n, p, err());
        errno = 0;
        p = pvalloc(n);
        CHECK(p == NULL && err() == ENOMEM, "pvalloc(%#zx) gave %p, errno %d", n, p, err());
        void *m = &m;
        int rc = posix_memalign(&m, 64, n);
        CHECK(rc == ENOMEM, "posix_memalign(64, %#zx) returned %d, not ENOMEM", n, rc);
        CHECK(m == &m || m == NULL, "failed posix_memalign stored %p", m);

        /* A failed realloc leaves the old block, small or large, as it was. */
        static const size_t old_sizes[] = { 1, 100, 5000, 300000, 5 << 20 };
        for (size_t j = 0; j < sizeof old_sizes / sizeof *old_sizes; j++) {
            size_t o = old_sizes[j];
            void *q = filled(o, i * 10 + j);
            errno = 0;
            p = realloc(q, n);
            CHECK(p == NULL && err() == ENOMEM, "realloc(%zu-byte block, %#zx) gave %p, errno %d", o, n, p, err());
            expect_intact(q, o, i * 10 + j, "a failed realloc");
            errno = 0;
            p = reallocarray(q, n / 8, 8);
            CHECK(p == NULL && err() == ENOMEM, "reallocarray(%zu-byte block, %#zx, 8) gave %p, errno %d",
                  o, n / 8, p, err());
            expect_intact(q, o, i * 10 + j, "a failed reallocarray");
            free(q);
        }
    }
}

static void test_overflow(void)
{
    /* Each product overflows size_t, though each factor alone would be fine to ask for. */
    static const size_t pairs[][2] = {
        { SIZE_MAX / 2 + 1, 2 }, { 2, SIZE_MAX / 2 + 1 }, { (size_t)1 << 32, (size_t)1 << 32 },
        { ((size_t)1 << 32) + 1, ((size_t)1 << 32) - 1 }, { SIZE_MAX, SIZE_MAX }, { 65537, SIZE_MAX / 65536 },
        { SIZE_MAX / 16 + 1, 16 },
    };
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        size_t a = opaque(pairs[i][0]), b = opaque(pairs[i][1]);
        errno = 0;
        void *p = calloc(a, b);
        CHECK(p == NULL && err() == ENOMEM, "calloc(%#zx, %#zx) overflows but gave %p, errno %d", a, b, p, err());
        errno = 0;
        p = reallocarray(NULL, a, b);
        CHECK(p == NULL && err() == ENOMEM, "reallocarray(NULL, %#zx, %#zx) overflows but gave %p, errno %d",
              a, b, p, err());
        void *q = filled(64, 7);
        errno = 0;
        p = reallocarray(q, a, b);
        CHECK(p == NULL && err() == ENOMEM, "reallocarray(p, %#zx, %#zx) overflows but gave %p, errno %d",
              a, b, p, err());
        expect_intact(q, 64, 7, "an overflowing reallocarray");
        free(q);
    }
    /* Products that just fit are ordinary requests. */
    void *p = reallocarray(NULL, opaque(1000), 24);
    CHECK(p != NULL && malloc_usable_size(p) >= 24000, "reallocarray(NULL, 1000, 24) gave %p", p);
    test_fill(p, 24000, 3);
    p = reallocarray(p, opaque(3000), 24);
    CHECK(p != NULL && malloc_usable_size(p) >= 72000, "reallocarray(p, 3000, 24) gave %p", p);
    expect_intact(p, 24000, 3, "reallocarray growth");
    free(p);
    p = calloc(opaque(1000), 24);
    CHECK(p != NULL, "calloc(1000, 24) failed");
    free(p);
}

static void test_realloc_edges(void)
{
    /* realloc(NULL, n) is malloc(n). */
    for (size_t n = 0; n < 70000; n = n * 3 + 1) {
        void *p = realloc(NULL, opaque(n));
        CHECK(p != NULL, "realloc(NULL, %zu) returned NULL", n);
        CHECK(malloc_usable_size(p) >= n, "realloc(NULL, %zu): usable size %zu", n, malloc_usable_size(p));
        test_fill(p, n, n);
        expect_intact(p, n, n, "realloc(NULL, n)");
        free(p);
    }
    /* realloc(p, 0) frees p and returns NULL (glibc) or a unique freeable pointer. */
    void *uniq[64];
    size_t nu = 0;
    for (size_t n = 1; n < 10000000; n *= 7) {
        void *p = filled(n, n);
        void *r = realloc(p, opaque(0));
        if (r) {
            for (size_t k = 0; k < nu; k++) CHECK(uniq[k] != r, "realloc(p, 0) returned %p twice", r);
            uniq[nu++] = r;
        }
    }
    for (size_t k = 0; k < nu; k++) free(uniq[k]);
    void *r = realloc(NULL, opaque(0)); /* that is malloc(0): non-NULL */
    CHECK(r != NULL, "realloc(NULL, 0) returned NULL");
    free(r);
    /* reallocarray(p, 0, n) behaves as realloc(p, 0). */
    void *p = filled(100, 9);
    r = reallocarray(p, opaque(0), 8);
    free(r);
    /* Realloc to the same size or slightly smaller keeps the content. */
    p = filled(1000, 11);
    p = realloc(p, opaque(1000));
    CHECK(p != NULL, "realloc to the same size failed");
    expect_intact(p, 1000, 11, "realloc to the same size");
    p = realloc(p, opaque(999));
    CHECK(p != NULL, "realloc 1000 -> 999 failed");
    expect_intact(p, 999, 11, "realloc 1000 -> 999");
    free(p);
}

static void test_free_and_zero(void)
{
    errno = 4321;
    free(NULL);
    EXPECT_EQ(err(), 4321);
    /* free preserves errno (glibc >= 2.33, POSIX 2024), for small and large blocks. */
    for (size_t n = 8; n <= ((size_t)32 << 20); n *= 4) {
        void *p = filled(n, n);
        errno = 4321;
        free(p);
        CHECK(err() == 4321, "free of a %zu-byte block changed errno to %d", n, err());
    }
    /* malloc(0), calloc with a zero factor: unique, non-NULL, freeable. */
    enum { N = 200 };
    void *z[N];
    for (int i = 0; i < N; i++) {
        if (i % 3 == 0) z[i] = malloc(opaque(0));
        else if (i % 3 == 1) z[i] = calloc(opaque(0), 16);
        else z[i] = calloc(16, opaque(0));
        CHECK(z[i] != NULL, "zero-size request %d returned NULL", i);
        for (int k = 0; k < i; k++) CHECK(z[k] != z[i], "zero-size requests %d and %d both returned %p", k, i, z[i]);
    }
    for (int i = 0; i < N; i++) free(z[i]);
    EXPECT_EQ(malloc_usable_size(NULL), 0);
}

static void test_posix_memalign(void)
{
    static const size_t bad[] = { 0, 1, 2, 3, 4, 6, 12, 24, 40, 48, 96, 100, 4095, 4097, 12288,
                                  ((size_t)1 << 20) + 8, SIZE_MAX, SIZE_MAX - 7 };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        void *m = &m;
        errno = 4321;
        int rc = posix_memalign(&m, opaque(bad[i]), 64);
        CHECK(rc == EINVAL, "posix_memalign(alignment %zu) returned %d, not EINVAL", bad[i], rc);
        CHECK(err() == 4321, "posix_memalign(alignment %zu) set errno to %d", bad[i], err());
        CHECK(m == &m || m == NULL, "a failed posix_memalign stored %p", m);
    }
    /* Every valid alignment from 8 to 4 MiB, several sizes each, all live at once. */
    enum { NS = 9 };
    for (size_t a = 8; a <= ((size_t)4 << 20); a *= 2) {
        size_t sizes[NS] = { 1, 8, 16, 100, a - 1, a, a + 1, 3 * a, 4096 * 3 + 5 };
        void *ps[NS];
        for (int k = 0; k < NS; k++) {
            errno = 4321;
            int rc = posix_memalign(&ps[k], opaque(a), sizes[k]);
            CHECK(rc == 0, "posix_memalign(%zu, %zu) returned %d", a, sizes[k], rc);
            CHECK((uintptr_t)ps[k] % a == 0, "posix_memalign(%zu, %zu) gave %p, misaligned", a, sizes[k], ps[k]);
            CHECK(malloc_usable_size(ps[k]) >= sizes[k], "posix_memalign(%zu, %zu): usable size %zu",
                  a, sizes[k], malloc_usable_size(ps[k]));
            test_fill(ps[k], sizes[k], a + k);
        }
        for (int k = 0; k < NS; k++) {
            CHECK(test_verify(ps[k], sizes[k], a + k) == sizes[k],
                  "posix_memalign(%zu, %zu) block was overwritten", a, sizes[k]);
            free(ps[k]);
        }
    }
}

static size_t next_pow2(size_t a)
{
    size_t p = 1;
    while (p < a) p *= 2;
    return p;
}

static void test_aligned_apis(void)
{
    /* aligned_alloc and memalign with valid alignments up to 2 MiB. */
    for (size_t a = 1; a <= ((size_t)2 << 20); a *= 2) {
        for (size_t m = 1; m <= 3; m++) {
            size_t n = a * m;
            void *p = aligned_alloc(opaque(a), n);
            CHECK(p != NULL && (uintptr_t)p % a == 0, "aligned_alloc(%zu, %zu) gave %p", a, n, p);
            CHECK(malloc_usable_size(p) >= n, "aligned_alloc(%zu, %zu): usable size %zu", a, n, malloc_usable_size(p));
            test_fill(p, n, a);
            void *q = memalign(opaque(a), n + 3);
            CHECK(q != NULL && (uintptr_t)q % a == 0, "memalign(%zu, %zu) gave %p", a, n + 3, q);
            CHECK(malloc_usable_size(q) >= n + 3, "memalign(%zu, %zu): usable %zu", a, n + 3, malloc_usable_size(q));
            test_fill(q, n + 3, a + 1);
            expect_intact(p, n, a, "a neighbouring memalign");
            free(p);
            expect_intact(q, n + 3, a + 1, "a neighbouring free");
            free(q);
        }
    }
    /* A non-power-of-two alignment: glibc's memalign rounds it up to the next power of two
     * (its manual requires a power of two, so refusing with EINVAL is accepted too). The same
     * for aligned_alloc, which glibc >= 2.38 refuses. Alignments up to 16 may give malloc's. */
    static const size_t odd[] = { 24, 48, 100, 1000, 4097, 12288, 1000000, 3 << 20 };
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
        size_t a = odd[i], want = next_pow2(a);
        errno = 0;
        void *p = memalign(opaque(a), 200);
        CHECK(p != NULL ? (uintptr_t)p % want == 0 : err() == EINVAL,
              "memalign(%zu, 200) gave %p (errno %d), want %zu-aligned or EINVAL", a, p, err(), want);
        if (p) test_fill(p, 200, a);
        free(p);
        errno = 0;
        p = aligned_alloc(opaque(a), a * 2);
        CHECK(p != NULL ? (uintptr_t)p % want == 0 : err() == EINVAL,
              "aligned_alloc(%zu, %zu) gave %p (errno %d), want %zu-aligned or EINVAL", a, a * 2, p, err(), want);
        if (p) test_fill(p, a * 2, a);
        free(p);
    }
    for (size_t a = 0; a <= 16; a++) { /* tiny alignments give at least malloc's 16 */
        errno = 0;
        void *p = memalign(opaque(a), 40);
        if (a && (a & (a - 1)) == 0)
            CHECK(p != NULL && (uintptr_t)p % 16 == 0, "memalign(%zu, 40) gave %p, want 16-aligned", a, p);
        else
            CHECK(p != NULL ? (uintptr_t)p % 16 == 0 : err() == EINVAL,
                  "memalign(%zu, 40) gave %p (errno %d), want 16-aligned or EINVAL", a, p, err());
        free(p);
    }
}

static void test_page_apis(void)
{
    static const size_t sizes[] = { 0, 1, 15, 16, 100, 4095, 4096, 4097, 8191, 8192, 65535, 200000,
                                    (size_t)1 << 20, ((size_t)3 << 20) + 1 };
    void *vs[14], *ps[14];
    for (size_t i = 0; i < 14; i++) {
        size_t n = sizes[i], rounded = (n + page - 1) / page * page;
        vs[i] = valloc(opaque(n));
        CHECK(vs[i] != NULL && (uintptr_t)vs[i] % page == 0, "valloc(%zu) gave %p, want page-aligned", n, vs[i]);
        CHECK(malloc_usable_size(vs[i]) >= n, "valloc(%zu): usable %zu", n, malloc_usable_size(vs[i]));
        test_fill(vs[i], n, i);
        ps[i] = pvalloc(opaque(n));
        CHECK(ps[i] != NULL && (uintptr_t)ps[i] % page == 0, "pvalloc(%zu) gave %p, want page-aligned", n, ps[i]);
        CHECK(malloc_usable_size(ps[i]) >= rounded, "pvalloc(%zu): usable %zu, want >= %zu (whole pages)",
              n, malloc_usable_size(ps[i]), rounded);
        test_fill(ps[i], rounded, i + 100); /* the rounded-up size is the caller's */
    }
    for (size_t i = 0; i < 14; i++) {
        size_t n = sizes[i], rounded = (n + page - 1) / page * page;
        expect_intact(vs[i], n, i, "other valloc/pvalloc blocks were written");
        expect_intact(ps[i], rounded, i + 100, "other valloc/pvalloc blocks were written");
        free(vs[i]);
        free(ps[i]);
    }
}

int main(void)
{
    page = (size_t)sysconf(_SC_PAGESIZE);
    test_enomem();
    test_overflow();
    test_realloc_edges();
    test_free_and_zero();
    test_posix_memalign();
    test_aligned_apis();
    test_page_apis();
    /* After all the failures, the allocator still works. */
    void *p = filled(12345, 5);
    expect_intact(p, 12345, 5, "the final allocation");
    free(p);
    printf("api_semantics: ok\n");
    return 0;
}

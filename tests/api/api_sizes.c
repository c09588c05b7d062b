/* Every allocation API for every size 0..4096 and for powers of two and their neighbours up
 * to 64 MiB: alignment (16 bytes from 16 up; below, the largest power of two not above the
 * size; at least the requested alignment for the aligned APIs), usable size >= request, the
 * whole usable size writable, and live blocks never overlapping. */
#include "harness.h"

#include <malloc.h>

#define SMALL_MAX 4096
#define FULL_FILL_MAX (256u << 10) /* above this, write every page instead of every byte */

enum api { A_MALLOC, A_CALLOC, A_REALLOC, A_REALLOCARRAY, A_POSIX_MEMALIGN, A_ALIGNED_ALLOC,
           A_MEMALIGN, A_VALLOC, A_PVALLOC, N_API };
static const char *const api_name[N_API] = { "malloc", "calloc", "realloc", "reallocarray",
    "posix_memalign", "aligned_alloc", "memalign", "valloc", "pvalloc" };

struct blk { unsigned char *p; size_t req, usable, align; uint64_t seed; };

static size_t page;

/* Hides a value from the optimizer, so that no allocation is folded or its size warned about. */
static inline size_t opaque(size_t x) { __asm__ volatile("" : "+r"(x)); return x; }

static size_t natural_align(size_t n)
{
    if (n >= 16) return 16;
    size_t a = 1;
    while (a * 2 <= n) a *= 2;
    return a;
}

/* Large blocks: every page gets one seed-derived word, plus full fills of both ends. */
static void fill_block(const struct blk *b)
{
    if (b->usable <= FULL_FILL_MAX) { test_fill(b->p, b->usable, b->seed); return; }
    test_fill(b->p, 4096, b->seed);
    test_fill(b->p + b->usable - 4096, 4096, b->seed + 1);
    for (size_t off = 4096; off + 4096 + 8 <= b->usable; off += page) {
        uint64_t w = (b->seed ^ off) * 0x9E3779B97F4A7C15ULL;
        memcpy(b->p + off, &w, 8);
    }
}

static int verify_block(const struct blk *b, size_t *bad)
{
    if (b->usable <= FULL_FILL_MAX) { *bad = test_verify(b->p, b->usable, b->seed); return *bad == b->usable; }
    if ((*bad = test_verify(b->p, 4096, b->seed)) != 4096) return 0;
    size_t t = test_verify(b->p + b->usable - 4096, 4096, b->seed + 1);
    if (t != 4096) { *bad = b->usable - 4096 + t; return 0; }
    for (size_t off = 4096; off + 4096 + 8 <= b->usable; off += page) {
        uint64_t w = (b->seed ^ off) * 0x9E3779B97F4A7C15ULL, got;
        memcpy(&got, b->p + off, 8);
        if (got != w) { *bad = off; return 0; }
    }
    return 1;
}

static void check_zero(const unsigned char *p, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        CHECK(p[i] == 0, "%s(%zu): byte %zu is 0x%02x, not zero", what, n, i, p[i]);
}

/* The block the realloc-style APIs start from: a smaller or larger filled block whose
 * common prefix (described by *keep) must survive; NULL for size 0 (realloc(p, 0) frees p,
 * see api_semantics). */
static unsigned char *prior_block(size_t n, size_t i, size_t *old_n, struct blk *keep, uint64_t seed)
{
    if (n == 0) { *old_n = 0; keep->usable = 0; return NULL; }
    *old_n = (i & 1) ? n / 2 : n + n / 4 + 1;
    unsigned char *q = malloc(opaque(*old_n));
    CHECK(q != NULL, "malloc(%zu) for a realloc source failed", *old_n);
    keep->p = q;
    keep->usable = *old_n < n ? *old_n : n;
    keep->seed = seed;
    if (keep->usable) fill_block(keep);
    return q;
}

static void alloc_one(struct blk *b, int api, size_t n, size_t i)
{
    static const size_t pm_align[] = { 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 65536 };
    static const size_t aa_align[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 4096 };
    static const size_t ma_align[] = { 1, 8, 16, 32, 64, 128, 512, 2048, 8192 };
    size_t align = 1, old_n = 0;
    struct blk keep = { 0 };
    void *p = NULL;
    n = opaque(n);
    b->seed = (uint64_t)api << 40 | (uint64_t)i << 20 | 1;
    switch (api) {
    case A_MALLOC: p = malloc(n); break;
    case A_CALLOC:
        if (i % 3 == 0) p = calloc(n, 1);
        else if (i % 3 == 1 || n % 8) p = calloc(1, n);
        else p = calloc(n / 8, 8);
        CHECK(p != NULL, "calloc of %zu bytes failed", n);
        if (n <= FULL_FILL_MAX) check_zero(p, n, "calloc");
        else { check_zero(p, 4096, "calloc"); check_zero((unsigned char *)p + n - 4096, 4096, "calloc"); }
        break;
    case A_REALLOC: {
        unsigned char *q = prior_block(n, i, &old_n, &keep, b->seed ^ 0x55);
        p = realloc(q, n);
        break;
    }
    case A_REALLOCARRAY: {
        unsigned char *q = prior_block(n, i, &old_n, &keep, b->seed ^ 0x55);
        if (n % 16 == 0 && n) p = reallocarray(q, n / 16, 16);
        else if (i & 2) p = reallocarray(q, n, 1);
        else p = reallocarray(q, 1, n);
        break;
    }
    case A_POSIX_MEMALIGN: {
        align = pm_align[i % (sizeof pm_align / sizeof *pm_align)];
        int rc = posix_memalign(&p, align, n);
        CHECK(rc == 0, "posix_memalign(%zu, %zu) returned %d", align, n, rc);
        break;
    }
    case A_ALIGNED_ALLOC:
        align = aa_align[i % (sizeof aa_align / sizeof *aa_align)];
        p = aligned_alloc(align, n);
        break;
    case A_MEMALIGN:
        align = ma_align[i % (sizeof ma_align / sizeof *ma_align)];
        p = memalign(align, n);
        break;
    case A_VALLOC: align = page; p = valloc(n); break;
    case A_PVALLOC: align = page; p = pvalloc(n); break;
    }
    char what[64]; /* the call, for messages */
    if (api >= A_POSIX_MEMALIGN && api <= A_MEMALIGN) snprintf(what, sizeof what, "%s(alignment %zu, size %zu)", api_name[api], align, n);
    else snprintf(what, sizeof what, "%s(%zu)", api_name[api], n);
    CHECK(p != NULL, "%s returned NULL", what);
    if (keep.usable) {
        size_t bad;
        keep.p = p;
        CHECK(verify_block(&keep, &bad), "%s from %zu to %zu bytes lost the content at byte %zu of %zu",
              api_name[api], old_n, n, bad, keep.usable);
    }
    b->p = p;
    b->req = n;
    b->align = align > natural_align(n) ? align : natural_align(n);
    b->usable = malloc_usable_size(p);
    CHECK((uintptr_t)p % b->align == 0, "%s returned %p, not %zu-aligned", what, p, b->align);
    size_t need = n;
    if (api == A_PVALLOC) need = n ? (n + page - 1) / page * page : 0; /* pvalloc rounds up */
    CHECK(b->usable >= need, "%s: malloc_usable_size is %zu, below %zu", what, b->usable, need);
    fill_block(b);
}

static int by_addr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const struct blk *)a)->p, y = (uintptr_t)((const struct blk *)b)->p;
    return x < y ? -1 : x > y;
}

static void check_set(struct blk *set, size_t count, int api)
{
    for (size_t i = 0; i < count; i++) {
        size_t bad;
        CHECK(verify_block(&set[i], &bad), "%s(%zu) block %p (usable %zu): byte %zu was overwritten",
              api_name[api], set[i].req, set[i].p, set[i].usable, bad);
    }
    qsort(set, count, sizeof *set, by_addr);
    for (size_t i = 1; i < count; i++)
        CHECK(set[i - 1].p + set[i - 1].usable <= set[i].p,
              "%s: live blocks overlap: %p (request %zu, usable %zu) and %p (request %zu)",
              api_name[api], set[i - 1].p, set[i - 1].req, set[i - 1].usable, set[i].p, set[i].req);
}

static void free_set(struct blk *set, size_t count, uint64_t *rng)
{
    for (size_t i = count; i > 1; i--) { /* random order */
        size_t j = test_rand(rng) % i;
        struct blk t = set[i - 1]; set[i - 1] = set[j]; set[j] = t;
    }
    for (size_t i = 0; i < count; i++) free(set[i].p);
}

int main(void)
{
    page = (size_t)sysconf(_SC_PAGESIZE);
    size_t big[200], nbig = 0;
    for (int k = 12; k <= 26; k++) { /* 4 KiB .. 64 MiB */
        size_t s = (size_t)1 << k;
        if (k > 12) big[nbig++] = s - 1;
        big[nbig++] = s;
        big[nbig++] = s + 1;
        if (k < 24) big[nbig++] = s + s / 2;
    }
    struct blk *set = calloc(SMALL_MAX + 1 + nbig, sizeof *set);
    CHECK(set != NULL, "no memory for the block table");
    uint64_t rng = 42;
    for (int api = 0; api < N_API; api++) {
        for (size_t n = 0; n <= SMALL_MAX; n++) alloc_one(&set[n], api, n, n);
        check_set(set, SMALL_MAX + 1, api);
        free_set(set, SMALL_MAX + 1, &rng);
        for (size_t i = 0; i < nbig; i++) alloc_one(&set[i], api, big[i], i);
        check_set(set, nbig, api);
        free_set(set, nbig, &rng);
    }
    EXPECT_EQ(malloc_usable_size(NULL), 0);
    free(set);
    printf("api_sizes: %d APIs x %zu sizes ok\n", N_API, SMALL_MAX + 1 + nbig);
    return 0;
}

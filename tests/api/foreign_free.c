/* hakmem-specific (see foreign_free.sh; glibc aborts on the first of these): at integrity
 * level 0, free() of a pointer the allocator does not own is ignored safely. Only truly
 * foreign pointers are used (an interior pointer of an owned block is undefined at level 0):
 * stack, globals, a string literal, code, libc's data, mmap'd memory (also one whose previous
 * page is unmapped, and 2 MiB-aligned regions that look like the allocator's own, one with
 * its first page inaccessible), and impossible addresses. The foreign memory must not be
 * written, never be handed out by malloc, and the allocator must keep working, in the main
 * thread and in another one. */
#include "harness.h"

#include <dlfcn.h>
#include <pthread.h>
#include <sys/mman.h>

static inline void *launder(void *p) { __asm__ volatile("" : "+r"(p)); return p; }

/* Hides the pointer's origin, or the compiler warns (and may reason) about freeing it. */
static void foreign_free(void *p) { free(launder(p)); }

struct range { const unsigned char *lo, *hi; const char *what; };
static struct range ranges[16];
static int nranges;

static void add_range(const void *p, size_t n, const char *what)
{
    ranges[nranges++] = (struct range){ p, (const unsigned char *)p + n, what };
}

static size_t page;
static unsigned char global_bss[4096];
static unsigned char global_data[256] = { 1, 2, 3 };
static unsigned char *one_page, *after_hole, *region_raw, *region, *guarded_raw, *guarded;
#define REGION ((size_t)2 << 20)

/* Allocates, verifies and frees blocks of many sizes; none may lie in foreign memory. */
static void churn(const char *after)
{
    enum { N = 600 };
    static __thread unsigned char *ps[N];
    static __thread size_t ns[N];
    for (int i = 0; i < N; i++) {
        ns[i] = i == N - 1 ? (3 << 20) + 5 : (size_t)(i * 97 % 5000) + 1;
        ps[i] = malloc(ns[i]);
        CHECK(ps[i] != NULL, "after freeing %s: malloc(%zu) failed", after, ns[i]);
        for (int r = 0; r < nranges; r++)
            CHECK(ps[i] + ns[i] <= ranges[r].lo || ps[i] >= ranges[r].hi,
                  "after freeing %s: malloc(%zu) returned %p, inside %s", after, ns[i], ps[i], ranges[r].what);
        test_fill(ps[i], ns[i] < 256 ? ns[i] : 256, (uint64_t)i);
    }
    for (int i = 0; i < N; i++) {
        size_t k = ns[i] < 256 ? ns[i] : 256;
        CHECK(test_verify(ps[i], k, (uint64_t)i) == k, "after freeing %s: a block of %zu changed", after, ns[i]);
        if (i % 3 == 0) {
            ps[i] = realloc(ps[i], ns[i] * 2);
            CHECK(ps[i] != NULL, "after freeing %s: realloc failed", after);
            CHECK(test_verify(ps[i], k, (uint64_t)i) == k, "after freeing %s: realloc lost content", after);
        }
    }
    for (int i = N - 1; i >= 0; i--) free(ps[i]);
}

static void expect_unchanged(const void *p, size_t n, uint64_t seed, const char *what)
{
    size_t bad = test_verify(p, n, seed);
    CHECK(bad == n, "freeing %s wrote into it at byte %zu", what, bad);
}

static void set_up(void)
{
    page = (size_t)sysconf(_SC_PAGESIZE);
    add_range(global_bss, sizeof global_bss, "a global (.bss)");
    add_range(global_data, sizeof global_data, "a global (.data)");
    test_fill(global_bss, sizeof global_bss, 1);
    test_fill(global_data, sizeof global_data, 2);

    one_page = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(one_page != MAP_FAILED, "mmap failed");
    test_fill(one_page, page, 3);
    add_range(one_page, page, "an mmap'd page");

    unsigned char *two = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(two != MAP_FAILED, "mmap failed");
    after_hole = two + page;
    CHECK(munmap(two, page) == 0, "munmap failed"); /* the page before after_hole is gone */
    test_fill(after_hole, page, 4);
    add_range(after_hole, page, "a page after an unmapped one");

    /* 2 MiB-aligned memory with arbitrary bytes where an allocator would keep a header. */
    region_raw = mmap(NULL, 2 * REGION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(region_raw != MAP_FAILED, "mmap failed");
    region = (unsigned char *)(((uintptr_t)region_raw + REGION - 1) & ~(uintptr_t)(REGION - 1));
    test_fill(region, 64 << 10, 5);
    add_range(region, REGION, "a 2 MiB-aligned mmap'd region");

    guarded_raw = mmap(NULL, 2 * REGION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(guarded_raw != MAP_FAILED, "mmap failed");
    guarded = (unsigned char *)(((uintptr_t)guarded_raw + REGION - 1) & ~(uintptr_t)(REGION - 1));
    test_fill(guarded + page, 64 << 10, 6);
    CHECK(mprotect(guarded, page, PROT_NONE) == 0, "mprotect failed"); /* no header to read */
    add_range(guarded, REGION, "a 2 MiB-aligned region with an inaccessible first page");
}

static void run_all(const char *where)
{
    char what[160];
#define STEP(ptr, name)                                              \
    do {                                                             \
        snprintf(what, sizeof what, "%s (%s)", name, where);         \
        foreign_free(ptr);                                           \
        churn(what);                                                 \
    } while (0)

    unsigned char stack_buf[512];
    test_fill(stack_buf, sizeof stack_buf, 7);
    add_range(stack_buf, sizeof stack_buf, "a stack buffer");
    STEP(stack_buf, "a stack address");
    STEP(stack_buf + 16, "a stack address + 16");
    expect_unchanged(stack_buf, sizeof stack_buf, 7, "a stack buffer");
    nranges--; /* the stack buffer goes out of scope */

    STEP(global_bss, "a global");
    STEP(global_bss + 64, "a global + 64");
    STEP(global_data, "an initialised global");
    expect_unchanged(global_bss, sizeof global_bss, 1, "a global");
    expect_unchanged(global_data, sizeof global_data, 2, "an initialised global");

    STEP((void *)"a string literal", "a string literal");
    STEP((void *)(uintptr_t)churn, "a function's code");
    FILE saved = *stdout;
    foreign_free(stdout);
    CHECK(memcmp(&saved, stdout, sizeof saved) == 0, "freeing stdout wrote into it");
    churn("stdout");

    STEP(one_page, "an mmap'd page");
    STEP(one_page + 16, "an mmap'd page + 16");
    STEP(one_page + page - 16, "the end of an mmap'd page");
    expect_unchanged(one_page, page, 3, "an mmap'd page");

    STEP(after_hole, "the start of a page whose previous page is unmapped");
    STEP(after_hole + 16, "16 bytes into a page whose previous page is unmapped");
    expect_unchanged(after_hole, page, 4, "a page after an unmapped one");

    STEP(region, "the start of a 2 MiB-aligned mmap'd region");
    STEP(region + 64, "64 bytes into a 2 MiB-aligned region");
    STEP(region + 3 * page + 48, "a page into a 2 MiB-aligned region");
    STEP(region + (1 << 20), "the middle of a 2 MiB-aligned region");
    expect_unchanged(region, 64 << 10, 5, "a 2 MiB-aligned region");

    STEP(guarded + 2 * page, "a region whose first (header) page is inaccessible");
    STEP(guarded + page + 16, "just past an inaccessible region head");
    expect_unchanged(guarded + page, 64 << 10, 6, "a region with an inaccessible head");

    STEP((void *)1, "(void *)1");
    STEP((void *)16, "(void *)16");
    STEP((void *)(uintptr_t)4096, "(void *)4096");
    STEP((void *)-16, "(void *)-16");
    STEP((void *)(uintptr_t)0xffff800000000000ULL, "a kernel-half address");
    STEP((void *)(uintptr_t)0x00007ffffffff000ULL, "the top user page");
#undef STEP
}

static void *thread_main(void *arg)
{
    (void)arg;
    run_all("from a second thread");
    return NULL;
}

int main(void)
{
    Dl_info info;
    void *m = dlsym(RTLD_DEFAULT, "malloc");
    printf("foreign_free: malloc is from %s\n", m && dladdr(m, &info) && info.dli_fname ? info.dli_fname : "?");
    fflush(stdout);
    set_up();
    run_all("main thread");
    pthread_t t;
    CHECK(pthread_create(&t, NULL, thread_main, NULL) == 0, "pthread_create failed");
    CHECK(pthread_join(t, NULL) == 0, "pthread_join failed");
    churn("everything");
    printf("foreign_free: ok\n");
    return 0;
}

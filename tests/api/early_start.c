/* Allocation before main: in a .preinit_array function (before any shared library's
 * constructor, the allocator's own included), in a priority-101 constructor and in a plain
 * one, and in threads created from constructors. Blocks made that early stay alive into
 * main, which verifies them; a destructor allocates after main returns. */
#include "harness.h"

#include <malloc.h>
#include <pthread.h>

static inline size_t opaque(size_t x) { __asm__ volatile("" : "+r"(x)); return x; }

/* Before main (and in a destructor) a failure cannot go through main: print, exit at once. */
#define EARLY_CHECK(cond, what)                                                         \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            static const char m[] = "early_start: check failed: " what "\n";            \
            ssize_t r_ = write(2, m, sizeof m - 1);                                     \
            (void)r_;                                                                   \
            _exit(1);                                                                   \
        }                                                                               \
    } while (0)

static unsigned char *pre_block, *ctor101_block, *ctor_block, *aligned_block;
static size_t ctor_block_n;
static void *from_thread;
static pthread_t ctor_thread;
static int order; /* which stage ran last */

/* The work each stage does: malloc, calloc, realloc, a large block, free; one block kept. */
static unsigned char *exercise(size_t keep_n, uint64_t seed)
{
    void *a = malloc(opaque(100));
    EARLY_CHECK(a != NULL, "malloc");
    memset(a, 1, 100);
    unsigned char *z = calloc(opaque(50), 20);
    EARLY_CHECK(z != NULL, "calloc");
    for (int i = 0; i < 1000; i++) EARLY_CHECK(z[i] == 0, "calloc zeroed");
    a = realloc(a, opaque(5000));
    EARLY_CHECK(a != NULL, "realloc");
    EARLY_CHECK(((unsigned char *)a)[99] == 1, "realloc kept the content");
    void *big = malloc(opaque(3 << 20)); /* a large one too */
    EARLY_CHECK(big != NULL, "large malloc");
    memset(big, 2, 3 << 20);
    free(big);
    free(z);
    free(a);
    free(NULL);
    unsigned char *k = malloc(opaque(keep_n));
    EARLY_CHECK(k != NULL, "malloc of the kept block");
    test_fill(k, keep_n, seed);
    return k;
}

static void preinit(int argc, char **argv, char **envp)
{
    (void)argc; (void)argv; (void)envp;
    pre_block = exercise(777, 1);
    order = 1;
}
__attribute__((section(".preinit_array"), used)) static void (*const preinit_entry)(int, char **, char **) = preinit;

static void *ctor101_thread(void *arg)
{
    unsigned char *b = arg;
    EARLY_CHECK(test_verify(b, 64, 5) == 64, "a thread of the 101 constructor sees the block");
    free(b); /* a block of the constructor's thread, freed here */
    return exercise(333, 6);
}

__attribute__((constructor(101))) static void early_ctor(void)
{
    EARLY_CHECK(order == 1, "the .preinit_array function ran before the 101 constructor");
    EARLY_CHECK(test_verify(pre_block, 777, 1) == 777, "the preinit block survived");
    ctor101_block = exercise(4096, 2);
    int rc = posix_memalign((void **)&aligned_block, 4096, opaque(10000));
    EARLY_CHECK(rc == 0 && (uintptr_t)aligned_block % 4096 == 0, "posix_memalign in a constructor");
    test_fill(aligned_block, 10000, 3);
    unsigned char *handed = malloc(64);
    EARLY_CHECK(handed != NULL, "malloc for the thread");
    test_fill(handed, 64, 5);
    pthread_t t;
    void *ret;
    EARLY_CHECK(pthread_create(&t, NULL, ctor101_thread, handed) == 0, "pthread_create in the 101 constructor");
    EARLY_CHECK(pthread_join(t, &ret) == 0, "pthread_join in the 101 constructor");
    EARLY_CHECK(test_verify(ret, 333, 6) == 333, "the block from the 101 constructor's thread");
    free(ret);
    order = 2;
}

/* Runs concurrently with the rest of start-up and with main; joined in main. */
static void *ctor_thread_main(void *arg)
{
    (void)arg;
    void *ps[1000];
    for (int i = 0; i < 1000; i++) {
        ps[i] = malloc(opaque((size_t)(i * 37 % 3000 + 1)));
        EARLY_CHECK(ps[i] != NULL, "malloc in the constructor's thread");
    }
    for (int i = 0; i < 1000; i += 2) free(ps[i]);
    for (int i = 1; i < 1000; i += 2) free(ps[i]);
    return exercise(12345, 7);
}

__attribute__((constructor)) static void plain_ctor(void)
{
    EARLY_CHECK(order == 2, "the 101 constructor ran before the plain one");
    EARLY_CHECK(test_verify(ctor101_block, 4096, 2) == 4096, "the 101 constructor's block survived");
    /* Grow the preinit block: content kept. */
    pre_block = realloc(pre_block, opaque(100000));
    EARLY_CHECK(pre_block != NULL && test_verify(pre_block, 777, 1) == 777, "realloc of the preinit block");
    ctor_block_n = 2000;
    ctor_block = exercise(ctor_block_n, 4);
    EARLY_CHECK(pthread_create(&ctor_thread, NULL, ctor_thread_main, NULL) == 0, "pthread_create in a constructor");
    order = 3;
}

__attribute__((destructor)) static void dtor(void)
{
    unsigned char *b = exercise(5000, 9);
    EARLY_CHECK(test_verify(b, 5000, 9) == 5000, "a block allocated in a destructor");
    free(b);
}

int main(void)
{
    EXPECT_EQ(order, 3);
    size_t bad;
    bad = test_verify(pre_block, 777, 1);
    CHECK(bad == 777, "the block from .preinit_array changed at byte %zu", bad);
    bad = test_verify(ctor101_block, 4096, 2);
    CHECK(bad == 4096, "the block from the 101 constructor changed at byte %zu", bad);
    bad = test_verify(ctor_block, ctor_block_n, 4);
    CHECK(bad == ctor_block_n, "the block from the plain constructor changed at byte %zu", bad);
    bad = test_verify(aligned_block, 10000, 3);
    CHECK(bad == 10000, "the aligned block from the 101 constructor changed at byte %zu", bad);
    CHECK(malloc_usable_size(pre_block) >= 100000, "usable size of the realloc'ed preinit block: %zu",
          malloc_usable_size(pre_block));
    CHECK(pthread_join(ctor_thread, &from_thread) == 0, "joining the constructor's thread failed");
    bad = test_verify(from_thread, 12345, 7);
    CHECK(bad == 12345, "the block from the constructor's thread changed at byte %zu", bad);
    /* All of them are ordinary blocks: realloc and free them from main. */
    ctor_block = realloc(ctor_block, opaque(300000));
    CHECK(ctor_block != NULL, "realloc of the constructor's block failed");
    CHECK(test_verify(ctor_block, ctor_block_n, 4) == ctor_block_n, "realloc lost the constructor block's content");
    free(pre_block);
    free(ctor101_block);
    free(ctor_block);
    free(aligned_block);
    free(from_thread);
    unsigned char *after = exercise(100, 8);
    free(after);
    printf("early_start: ok\n");
    return 0;
}

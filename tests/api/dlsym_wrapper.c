/* Runs under dlsym_wrapper.so (see dlsym_wrapper.sh): allocations from the main thread and
 * from several threads go through the wrapper to the allocator under test; the wrapper must
 * have counted them, and its dlsym(RTLD_NEXT, "malloc") must have found that allocator. */
#include "harness.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>

struct dlsym_wrapper_counts {
    unsigned long malloc, free, calloc, realloc, bootstrap, bootstrap_frees;
};
typedef void get_fn(struct dlsym_wrapper_counts *, void **);

static inline size_t opaque(size_t x) { __asm__ volatile("" : "+r"(x)); return x; }

enum { N = 2000, NT = 4 };

/* N of each call; blocks verified, freed half in order and half in reverse. */
static void work(uint64_t seed)
{
    static const size_t sizes[] = { 1, 16, 100, 1000, 5000, 70000, 1 << 20 };
    void **ps = malloc(N * sizeof *ps);
    CHECK(ps != NULL, "malloc of the pointer array failed");
    for (int i = 0; i < N; i++) {
        size_t n = sizes[(size_t)i % 7];
        unsigned char *p = (i & 1) ? calloc(1, opaque(n)) : malloc(opaque(n));
        CHECK(p != NULL, "allocation of %zu failed", n);
        if (i & 1) CHECK(p[0] == 0 && p[n - 1] == 0, "calloc(1, %zu) not zeroed", n);
        test_fill(p, n < 64 ? n : 64, seed + (uint64_t)i);
        p = realloc(p, opaque(n + 10));
        CHECK(p != NULL, "realloc to %zu failed", n + 10);
        ps[i] = p;
    }
    for (int i = 0; i < N; i++) {
        size_t n = sizes[(size_t)i % 7], k = n < 64 ? n : 64;
        CHECK(test_verify(ps[i], k, seed + (uint64_t)i) == k, "block %d of %zu bytes changed", i, n);
    }
    for (int i = 0; i < N / 2; i++) free(ps[i]);
    for (int i = N - 1; i >= N / 2; i--) free(ps[i]);
    free(ps);
}

static void *thread_main(void *arg)
{
    work((uint64_t)(intptr_t)arg << 32);
    return NULL;
}

int main(void)
{
    get_fn *get = (get_fn *)dlsym(RTLD_DEFAULT, "dlsym_wrapper_get");
    CHECK(get != NULL, "dlsym_wrapper.so is not loaded (run through dlsym_wrapper.sh)");
    struct dlsym_wrapper_counts c0, c1, c2;
    void *real;
    get(&c0, &real);

    work(1);
    get(&c1, &real);
    CHECK(c1.malloc - c0.malloc >= N / 2 + 1, "the wrapper saw %lu mallocs, expected at least %d",
          c1.malloc - c0.malloc, N / 2 + 1);
    CHECK(c1.calloc - c0.calloc >= N / 2, "the wrapper saw %lu callocs, expected at least %d",
          c1.calloc - c0.calloc, N / 2);
    CHECK(c1.realloc - c0.realloc >= N, "the wrapper saw %lu reallocs, expected at least %d",
          c1.realloc - c0.realloc, N);
    CHECK(c1.free - c0.free >= N + 1, "the wrapper saw %lu frees, expected at least %d", c1.free - c0.free, N + 1);

    pthread_t t[NT];
    for (int i = 0; i < NT; i++)
        CHECK(pthread_create(&t[i], NULL, thread_main, (void *)(intptr_t)(i + 2)) == 0, "pthread_create failed");
    for (int i = 0; i < NT; i++) CHECK(pthread_join(t[i], NULL) == 0, "pthread_join failed");
    get(&c2, &real);
    CHECK(c2.malloc - c1.malloc >= NT * (N / 2 + 1), "threads: the wrapper saw %lu mallocs", c2.malloc - c1.malloc);
    CHECK(c2.free - c1.free >= NT * (N + 1), "threads: the wrapper saw %lu frees", c2.free - c1.free);

    /* The wrapper's forced dlerror allocation went to its static buffer, and the allocator
     * under test never saw the free of it (it would have been a foreign pointer there). */
    CHECK(c2.bootstrap >= 1, "the wrapper's bootstrap path never ran");

    /* The wrapper's next malloc is the allocator under test. */
    Dl_info info;
    CHECK(real != NULL && dladdr(real, &info) && info.dli_fname, "cannot tell where the real malloc is");
    const char *want = getenv("DLSYM_WRAPPER_EXPECT");
    if (want) {
        char a[PATH_MAX], b[PATH_MAX];
        CHECK(realpath(info.dli_fname, a) && realpath(want, b), "realpath of %s or %s failed", info.dli_fname, want);
        CHECK(strcmp(a, b) == 0, "the wrapper forwards to %s, not to %s", a, b);
    }
    printf("dlsym_wrapper: forwarding to %s; counted %lu malloc, %lu calloc, %lu realloc, %lu free; "
           "%lu bootstrap allocations from the static buffer, %lu frees of them swallowed\n",
           info.dli_fname, c2.malloc, c2.calloc, c2.realloc, c2.free, c2.bootstrap, c2.bootstrap_frees);
    return 0;
}

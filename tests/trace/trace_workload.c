/* A workload whose every allocator call is counted, for the trace tests:
 *   trace_workload count N    N mallocs and N frees in one thread, then hak_trace_dump(),
 *                             printing how many of each it made;
 *   trace_workload crash T    T threads allocate and free, and hand blocks to each other
 *                             (remote frees), while the main thread dereferences a bad
 *                             pointer: the fatal-signal handler writes the dump;
 *   trace_workload threads T N  N mallocs and frees in the main thread alone, then T
 *                             threads doing N each at once (with remote frees), then N more
 *                             in the main thread, then hak_trace_dump();
 *   trace_workload join T N   N mallocs and frees in the main thread alone; then with a
 *                             second thread that does not allocate; then the main thread
 *                             allocates on while that thread starts T threads doing N each
 *                             (the first number another thread takes, while the main thread
 *                             is taking its own: trace/seq.h), until they are done; N more
 *                             in the main thread, then hak_trace_dump(). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>

#include "harness.h"

static atomic_int go;
static atomic_long remote_frees; /* frees of a block another thread allocated */
static atomic_int started;        /* threads that made their first malloc and free */
static long nthreads;
static void *inbox[16][64]; /* inbox[i]: blocks thread i-1 allocated, for thread i to free */

static void *churn(void *arg)
{
    long me = (long)arg, next = (me + 1) % nthreads;
    uint64_t s = (uint64_t)me + 1;
    free(malloc(16));
    atomic_fetch_add(&started, 1);
    while (!atomic_load(&go)) {
        unsigned k = test_rand(&s) % 64;
        void *p = malloc(16 + test_rand(&s) % 1000);
        free(__atomic_exchange_n(&inbox[next][k], p, __ATOMIC_ACQ_REL)); /* not taken yet: ours */
        void *q = __atomic_exchange_n(&inbox[me][k], NULL, __ATOMIC_ACQ_REL); /* the previous thread's */
        free(q);
        if (q) atomic_fetch_add(&remote_frees, 1);
    }
    return NULL;
}

/* Each thread of `threads`: n mallocs and frees; every other block of its first 1024 is
 * freed by the previous thread (a remote free) once all are done with their own. */
static long per_thread;
static pthread_barrier_t handoff;
static void *both(void *arg)
{
    long me = (long)arg;
    static void *given[16][512];
    uint64_t s = (uint64_t)me + 7;
    for (long i = 0; i < per_thread; i++) {
        void *p = malloc(16 + test_rand(&s) % 500);
        if (i % 2 && i / 2 < 512) given[me][i / 2] = p;
        else free(p);
    }
    pthread_barrier_wait(&handoff);
    for (long i = 0; i < 512; i++) free(given[(me + 1) % nthreads][i]);
    pthread_barrier_wait(&handoff); /* the owners live until every remote free is done */
    return NULL;
}

/* `join`: the second thread, which starts the others once the main thread is busy. */
static atomic_int joined; /* 1: the main thread allocates; 2: the threads are done */
static void *starter(void *arg)
{
    (void)arg;
    pthread_t t[16];
    while (atomic_load(&joined) == 0) {
    }
    for (long i = 0; i < nthreads; i++) CHECK(pthread_create(&t[i], NULL, both, (void *)i) == 0, "pthread_create");
    for (long i = 0; i < nthreads; i++) pthread_join(t[i], NULL);
    atomic_store(&joined, 2);
    return NULL;
}

/* hakmem's hak_trace_dump, which the workload finds at run time (it links no library). */
static int (*dump_fn(void))(const char *)
{
    int (*dump)(const char *) = (int (*)(const char *))dlsym(RTLD_DEFAULT, "hak_trace_dump");
    CHECK(dump, "hak_trace_dump not found: run under libhakmem.so");
    return dump;
}

static void main_alone(long n)
{
    for (long i = 0; i < n; i++) {
        void *volatile p = malloc((size_t)(i % 300) + 1); /* volatile: the pair is not optimized away */
        free(p);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) return 2;
    long n = atol(argv[2]);
    if (!strcmp(argv[1], "count")) {
        int (*dump)(const char *) = dump_fn();
        static void *blocks[1 << 16];
        CHECK(n <= (1 << 16), "N too large");
        for (long i = 0; i < n; i++) blocks[i] = malloc((size_t)(i % 500) + 1);
        for (long i = 0; i < n; i++) free(blocks[i]);
        CHECK(dump(getenv("DUMP")) == 0, "hak_trace_dump failed");
        printf("mallocs %ld frees %ld\n", n, n);
        return 0;
    }
    pthread_t t[16];
    CHECK(n > 1 && n <= 16, "2..16 threads");
    if (!strcmp(argv[1], "threads")) {
        int (*dump)(const char *) = dump_fn();
        CHECK(argc == 4, "threads T N");
        per_thread = atol(argv[3]);
        nthreads = n;
        main_alone(per_thread);
        pthread_barrier_init(&handoff, NULL, (unsigned)n);
        for (long i = 0; i < n; i++) CHECK(pthread_create(&t[i], NULL, both, (void *)i) == 0, "pthread_create");
        for (long i = 0; i < n; i++) pthread_join(t[i], NULL);
        main_alone(per_thread);
        CHECK(dump(getenv("DUMP")) == 0, "hak_trace_dump failed");
        printf("threads %ld, %ld calls each\n", n, per_thread);
        return 0;
    }
    if (!strcmp(argv[1], "join")) {
        int (*dump)(const char *) = dump_fn();
        CHECK(argc == 4, "join T N");
        per_thread = atol(argv[3]);
        nthreads = n;
        pthread_barrier_init(&handoff, NULL, (unsigned)n);
        main_alone(per_thread);
        pthread_t s;
        CHECK(pthread_create(&s, NULL, starter, NULL) == 0, "pthread_create");
        main_alone(per_thread);
        atomic_store(&joined, 1);
        long during = 0;
        for (; atomic_load(&joined) == 1 && during < 5 * per_thread; during++) main_alone(1);
        pthread_join(s, NULL);
        main_alone(per_thread);
        CHECK(dump(getenv("DUMP")) == 0, "hak_trace_dump failed");
        printf("join %ld, %ld calls each; the main thread made %ld while the others ran\n", n, per_thread, during);
        return 0;
    }
    nthreads = n;
    for (long i = 0; i < n; i++) pthread_create(&t[i], NULL, churn, (void *)i);
    /* crash once every thread has a ring and cross-thread frees happened (they must be in
     * the dump), or after a while */
    for (volatile long spin = 0;
         spin < 200000000 && (atomic_load(&started) < n || atomic_load(&remote_frees) < 1000); spin++) {
    }
    *(volatile int *)(uintptr_t)16 = 1; /* the crash */
    return 0;
}

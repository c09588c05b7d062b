/* fork() from a multithreaded program while four threads allocate and free in loops: each
 * child verifies and frees blocks the parent allocated before the fork (in the main thread
 * and in the busy threads), then allocates, reallocates and frees heavily, large blocks too.
 * Some children create threads of their own, one of those forks again while its threads run.
 * A child that deadlocks is killed by its alarm and reported. */
#include "harness.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/wait.h>

enum { NW = 4, STABLE = 160, NFORK = 9, CHILD_ALARM = 30 };

struct blk { unsigned char *p; size_t n; uint64_t seed; };

static struct blk stable[NW][STABLE]; /* written before the ready barrier, then left alone */
static atomic_int stop;
static pthread_barrier_t ready;
static atomic_ulong worker_ops;

/* The hand-off between busy threads, so that they also free each other's blocks. */
static pthread_mutex_t xmu = PTHREAD_MUTEX_INITIALIZER;
static struct blk xchg[64];


static void new_blk(struct blk *b, size_t n, uint64_t seed, const char *who)
{
    b->p = malloc(test_opaque(n));
    CHECK(b->p != NULL, "%s: malloc(%zu) failed", who, n);
    b->n = n;
    b->seed = seed;
    test_fill(b->p, n, seed);
}

static void drop_blk(struct blk *b, const char *who)
{
    size_t bad = test_verify(b->p, b->n, b->seed);
    CHECK(bad == b->n, "%s: block %p of %zu bytes overwritten at byte %zu", who, b->p, b->n, bad);
    free(b->p);
    b->p = NULL;
}

static size_t pick_size(uint64_t *rng, int large_ok)
{
    uint64_t r = test_rand(rng);
    unsigned k = r % 1000;
    r >>= 16;
    if (k < 940) return 1 + r % 1100;
    if (k < 998 || !large_ok) return 1024 + r % (63 << 10);
    return (256 << 10) + r % (4 << 20);
}

/* Random malloc/realloc/free over a table of slots; everything verified and freed at the end. */
static void churn(uint64_t seed, unsigned long ops, const char *who)
{
    enum { N = 256 };
    struct blk b[N] = { { 0 } };
    uint64_t rng = seed | 1;
    for (unsigned long op = 0; op < ops; op++) {
        struct blk *x = &b[test_rand(&rng) % N];
        unsigned what = test_rand(&rng) % 4;
        if (!x->p) {
            new_blk(x, pick_size(&rng, 1), seed ^ op << 20, who);
        } else if (what == 0) {
            size_t n = pick_size(&rng, 1), keep = n < x->n ? n : x->n;
            unsigned char *p = realloc(x->p, test_opaque(n));
            CHECK(p != NULL, "%s: realloc to %zu failed", who, n);
            size_t bad = test_verify(p, keep, x->seed);
            CHECK(bad == keep, "%s: realloc %zu -> %zu lost byte %zu", who, x->n, n, bad);
            x->p = p;
            x->n = n;
            x->seed = seed ^ op << 20;
            test_fill(p, n, x->seed);
        } else {
            drop_blk(x, who);
        }
    }
    for (int i = 0; i < N; i++)
        if (b[i].p) drop_blk(&b[i], who);
}

static void *worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    uint64_t rng = 0xabc + (uint64_t)id;
    /* Niced, so that on a small machine the children and the main thread are not starved:
     * the busy threads only need to be inside the allocator when fork() happens. */
    setpriority(PRIO_PROCESS, (id_t)gettid(), 10);
    for (int i = 0; i < STABLE; i++) /* a few large ones among them */
        new_blk(&stable[id][i], i % 40 == 39 ? (1 << 20) + (size_t)i * 4096 : pick_size(&rng, 0),
                (uint64_t)id << 32 | (uint64_t)i, "worker set-up");
    pthread_barrier_wait(&ready);
    enum { N = 128 };
    struct blk b[N] = { { 0 } };
    unsigned long ops = 0;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        struct blk *x = &b[test_rand(&rng) % N];
        if (!x->p) {
            /* content checked only in the first and last bytes: these threads are here to
             * keep the allocator busy, not to spend their time filling memory */
            size_t n = pick_size(&rng, 1);
            x->p = malloc(test_opaque(n));
            CHECK(x->p != NULL, "worker %d: malloc(%zu) failed", id, n);
            x->n = n;
            x->p[0] = x->p[n - 1] = (unsigned char)n;
        } else {
            CHECK(x->p[0] == (unsigned char)x->n && x->p[x->n - 1] == (unsigned char)x->n,
                  "worker %d: block of %zu bytes changed", id, x->n);
            if (test_rand(&rng) % 16 == 0) { /* swap it with one from the hand-off table */
                pthread_mutex_lock(&xmu);
                struct blk *y = &xchg[test_rand(&rng) % 64], t = *y;
                *y = *x;
                *x = t;
                pthread_mutex_unlock(&xmu);
            } else {
                free(x->p);
                x->p = NULL;
            }
        }
        ops++;
    }
    for (int i = 0; i < N; i++) free(b[i].p);
    atomic_fetch_add(&worker_ops, ops);
    return NULL;
}

static void *child_thread(void *arg)
{
    churn((uint64_t)(intptr_t)arg * 0x1000193, 10000, "thread in a child");
    return NULL;
}

static void wait_ok(pid_t pid, const char *what)
{
    int st;
    pid_t r;
    while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR) {}
    CHECK(r == pid, "waitpid for the %s failed: errno %d", what, errno);
    CHECK(!WIFSIGNALED(st), "the %s was killed by signal %d (%s)%s", what, WTERMSIG(st),
          strsignal(WTERMSIG(st)), WTERMSIG(st) == SIGALRM ? ": deadlock after fork?" : "");
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the %s exited with status %d", what, WEXITSTATUS(st));
}

/* Several threads in the child churning, optionally a fork from among them. */
static void child_with_threads(int fork_again)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        CHECK(pthread_create(&t[i], NULL, child_thread, (void *)(intptr_t)(i + 1)) == 0,
              "pthread_create in a child failed");
    if (fork_again) {
        fflush(NULL);
        pid_t g = fork();
        CHECK(g >= 0, "fork in a child failed");
        if (g == 0) {
            churn(0x9999, 10000, "grandchild");
            exit(0);
        }
        wait_ok(g, "grandchild");
    }
    for (int i = 0; i < 4; i++) CHECK(pthread_join(t[i], NULL) == 0, "pthread_join in a child failed");
}

static void child(int f, struct blk *mine, int nmine)
{
    alarm(CHILD_ALARM);
    /* Blocks from before the fork: the main thread's and the busy threads' stable ones. */
    for (int i = 0; i < nmine; i++) drop_blk(&mine[i], "child freeing the parent's main-thread block");
    for (int w = 0; w < NW; w++)
        for (int i = 0; i < STABLE; i++) drop_blk(&stable[w][i], "child freeing a busy thread's block");
    churn(0x5151 + (uint64_t)f, 30000, "child");
    /* Large blocks: straight, and a realloc ladder up to 32 MiB. */
    for (size_t n = 1 << 20; n <= ((size_t)32 << 20); n *= 2) {
        struct blk b;
        new_blk(&b, n + 123, n, "child, large");
        drop_blk(&b, "child, large");
    }
    struct blk b;
    new_blk(&b, 1000, 77, "child, realloc ladder");
    for (size_t n = 4096; n <= ((size_t)32 << 20); n *= 4) {
        unsigned char *p = realloc(b.p, test_opaque(n));
        CHECK(p != NULL, "child: realloc to %zu failed", n);
        CHECK(test_verify(p, b.n, b.seed) == b.n, "child: realloc to %zu lost content", n);
        b.p = p;
        b.n = n;
        test_fill(p, n, b.seed);
    }
    drop_blk(&b, "child, realloc ladder");
    if (f % 3 == 1) child_with_threads(f == 4);
    exit(0);
}

int main(void)
{
    pthread_t t[NW];
    pthread_barrier_init(&ready, NULL, NW + 1);
    for (int i = 0; i < NW; i++)
        CHECK(pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i) == 0, "pthread_create failed");
    pthread_barrier_wait(&ready);

    for (int f = 0; f < NFORK; f++) {
        enum { M = 64 };
        struct blk mine[M];
        uint64_t rng = 0x77 + (uint64_t)f;
        for (int i = 0; i < M; i++)
            new_blk(&mine[i], i == 0 ? (4 << 20) + 5 : pick_size(&rng, 0), (uint64_t)f << 16 | (uint64_t)i, "parent");
        churn(0x100 + (uint64_t)f, 5000, "parent"); /* the main thread busy too, up to the fork */
        fflush(NULL);
        pid_t pid = fork();
        CHECK(pid >= 0, "fork %d failed: errno %d", f, errno);
        if (pid == 0) child(f, mine, M);
        wait_ok(pid, f % 3 == 1 ? "child with threads" : "child");
        for (int i = 0; i < M; i++) drop_blk(&mine[i], "parent after the fork");
    }

    atomic_store(&stop, 1);
    for (int i = 0; i < NW; i++) CHECK(pthread_join(t[i], NULL) == 0, "pthread_join failed");
    for (int w = 0; w < NW; w++)
        for (int i = 0; i < STABLE; i++) drop_blk(&stable[w][i], "parent, a busy thread's block");
    for (int i = 0; i < 64; i++) free(xchg[i].p);
    printf("fork_mt: %d forks, busy threads did %lu operations meanwhile\n", NFORK,
           (unsigned long)atomic_load(&worker_ops));
    return 0;
}

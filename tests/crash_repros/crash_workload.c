/* crash_workload: the deterministic workload of the crash repros (tests/crash_repros/).
 *
 * Usage: crash_workload [-t THREADS] [-n OPS] [-1 OPS1] [-w SLOTS] [-s SEED] [-r PERMILLE] [-L PERMILLE]
 *        defaults           3           20000   20000     1024       1         300          0
 *
 * Phase 1: the main thread alone makes OPS1 random operations over SLOTS slots (so a fault
 * armed with a small after=N fires at the same operation in every run), then frees
 * everything. Phase 2: THREADS threads make OPS operations each over their own SLOTS
 * slots; an occupied slot is freed by its thread, or (PERMILLE in 1000) handed to the next
 * thread, which frees it: a cross-thread (remote) free. Every 2048 operations a thread
 * frees all its slots at once, then allocates 256 blocks of one size (257..1024 bytes) and
 * frees every other one, so slabs fill up to their last block and thread caches overflow
 * and drain back to their slabs; the other half is freed at the next such fill.
 *
 * Sizes: a quarter 1..8 bytes (class 0), a quarter 9..16 (class 1), the rest 17..512,
 * 513..4096 and 4097..32768; with -L, PERMILLE in 1000 are large blocks instead (128 KiB to
 * 384 KiB, each a mapping of its own). Every block is filled with a pattern derived from its tag
 * (thread, operation) and checked when it is freed; the FNV-1a hash of what is read back
 * is added to the checksum, so the checksum depends only on the blocks' contents, not on
 * which thread freed them or when. The last lines are
 *     checksum 0x%016x blocks N mismatches M
 *     slabs_in_use K                 (when hak_stats_get is found: hakmem is loaded)
 *     large_mapped L
 * and the exit status is 0 whatever the checks found: corruption stays silent unless the
 * allocator notices it (the first block found changed is named on stderr). The slab count is taken after every thread has exited and the
 * main thread has called malloc_trim(0). */
#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>

#include "harness.h"
#include "hakmem.h"

#define MAXT 16
#define BURST 2048
#define FILL 256

struct slot {
    unsigned char *p;
    uint32_t n;
    uint64_t tag;
};

struct mailbox { /* blocks handed to a thread for it to free */
    pthread_mutex_t mu;
    struct slot *q;
    uint32_t len, cap;
};

static unsigned nthreads = 3, nslots = 1024, remote_pm = 300, large_pm;
static unsigned long nops = 20000, nops1 = 20000;
static uint64_t seed0 = 1;
static struct mailbox box[MAXT];
static pthread_barrier_t bar;
static uint64_t sums[MAXT + 1], blocks[MAXT + 1], bad[MAXT + 1];

static size_t pick_size(uint64_t r)
{
    unsigned k = (unsigned)(r % 100);
    uint64_t x = r >> 8;
    if (k < 25) return 1 + x % 8;
    if (k < 50) return 9 + x % 8;
    if (k < 85) return 17 + x % 496;
    if (k < 97) return 513 + x % 3584;
    return 4097 + x % 28672;
}

/* The size of an allocation from random bits r: one of pick_size's, or (-L) a large block.
 * It draws no random number of its own, so without -L every run makes the same calls. */
static size_t draw_size(uint64_t r)
{
    if (large_pm && (r >> 54) % 1000 < large_pm) return 131073 + (r >> 8) % 262144;
    return pick_size(r);
}

/* checks a block's pattern, adds what it holds to the checksum of thread slot me, frees it */
static void check_free(unsigned me, struct slot *s)
{
    static int told;
    size_t at = test_verify(s->p, s->n, s->tag);
    if (at != s->n) {
        bad[me]++;
        if (!__atomic_exchange_n(&told, 1, __ATOMIC_RELAXED))
            fprintf(stderr, "crash_workload: block %p (%u bytes) changed while in use, from byte %zu: silent corruption\n",
                    (void *)s->p, s->n, at);
    }
    sums[me] += test_fnv1a(TEST_FNV_INIT, s->p, s->n) ^ s->tag;
    blocks[me]++;
    free(s->p);
    s->p = NULL;
}

static void take_mail(unsigned me)
{
    struct mailbox *m = &box[me];
    pthread_mutex_lock(&m->mu);
    while (m->len) check_free(me, &m->q[--m->len]);
    pthread_mutex_unlock(&m->mu);
}

static void give(unsigned to, struct slot *s, unsigned me)
{
    struct mailbox *m = &box[to];
    pthread_mutex_lock(&m->mu);
    if (m->len < m->cap) {
        m->q[m->len++] = *s;
        s->p = NULL;
    }
    pthread_mutex_unlock(&m->mu);
    if (s->p) check_free(me, s); /* mailbox full: free it here */
}

/* FILL blocks of one size at once (slabs filled up to their last block), of which every
 * other one is freed at once (the thread cache overflows and drains back to the slabs)
 * and the rest at the thread's next fill or at its end */
static void fill(unsigned me, struct slot *f, unsigned long op, uint64_t r)
{
    for (unsigned k = 1; k < FILL; k += 2)
        if (f[k].p) check_free(me, &f[k]);
    uint32_t n = (uint32_t)(257 + r % 768); /* tiny classes 9..20: 64 to 240 blocks a slab */
    for (unsigned k = 0; k < FILL; k++) {
        f[k].n = n;
        f[k].tag = ((uint64_t)me << 48) | ((uint64_t)(k + 1) << 32) | op;
        f[k].p = malloc(n);
        CHECK(f[k].p != NULL, "malloc(%u) failed", n);
        test_fill(f[k].p, n, f[k].tag);
    }
    for (unsigned k = FILL; k--;)
        if (k % 2 == 0) check_free(me, &f[k]);
}

/* OPS random operations of thread me (MAXT: the main thread's phase 1) */
static void run_ops(unsigned me, unsigned long ops, int remote)
{
    struct slot *sl = calloc(nslots, sizeof *sl), *f = calloc(FILL, sizeof *f);
    CHECK(sl != NULL && f != NULL, "calloc");
    uint64_t rng = seed0 * 0x9E3779B97F4A7C15ULL + me + 1;
    for (unsigned long i = 0; i < ops; i++) {
        uint64_t r = test_rand(&rng);
        struct slot *s = &sl[(r >> 40) % nslots];
        if (s->p) {
            if (remote && (r >> 20) % 1000 < remote_pm) give((me + 1) % nthreads, s, me);
            else check_free(me, s);
        } else {
            s->n = (uint32_t)draw_size(test_rand(&rng));
            s->tag = ((uint64_t)me << 48) | i;
            s->p = malloc(s->n);
            CHECK(s->p != NULL, "malloc(%u) failed", s->n);
            test_fill(s->p, s->n, s->tag);
        }
        if (i % BURST == BURST - 1) {
            for (unsigned j = 0; j < nslots; j++)
                if (sl[j].p) check_free(me, &sl[j]);
            fill(me, f, i, test_rand(&rng));
        }
        if (remote && i % 64 == 63) take_mail(me);
    }
    for (unsigned j = 0; j < nslots; j++)
        if (sl[j].p) check_free(me, &sl[j]);
    for (unsigned k = 0; k < FILL; k++)
        if (f[k].p) check_free(me, &f[k]);
    free(f);
    free(sl);
}

static void *worker(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg;
    run_ops(me, nops, nthreads > 1);
    pthread_barrier_wait(&bar); /* every hand-over done */
    take_mail(me);
    pthread_barrier_wait(&bar); /* every remote free done before any thread exits */
    return NULL;
}

static unsigned long arg_num(const char *s, const char *what)
{
    char *end;
    unsigned long v = strtoul(s, &end, 0);
    CHECK(*s && !*end, "bad %s '%s'", what, s);
    return v;
}

int main(int argc, char **argv)
{
    int o;
    while ((o = getopt(argc, argv, "t:n:1:w:s:r:L:")) != -1) {
        switch (o) {
        case 't': nthreads = (unsigned)arg_num(optarg, "thread count"); break;
        case 'n': nops = arg_num(optarg, "operation count"); break;
        case '1': nops1 = arg_num(optarg, "phase-1 operation count"); break;
        case 'w': nslots = (unsigned)arg_num(optarg, "slot count"); break;
        case 's': seed0 = arg_num(optarg, "seed"); break;
        case 'r': remote_pm = (unsigned)arg_num(optarg, "remote permille"); break;
        case 'L': large_pm = (unsigned)arg_num(optarg, "large permille"); break;
        default:
            fprintf(stderr, "usage: crash_workload [-t THREADS] [-n OPS] [-1 OPS1] [-w SLOTS] [-s SEED] [-r PERMILLE] "
                            "[-L PERMILLE]\n");
            return 2;
        }
    }
    CHECK(nthreads >= 1 && nthreads <= MAXT && nslots >= 1 && remote_pm <= 1000 && large_pm <= 1000, "bad arguments");
    printf("crash_workload: threads=%u ops=%lu ops1=%lu slots=%u seed=%lu remote=%u/1000", nthreads, nops, nops1,
           nslots, (unsigned long)seed0, remote_pm);
    if (large_pm) printf(" large=%u/1000", large_pm);
    printf("\n");
    fflush(stdout);

    run_ops(MAXT, nops1, 0);

    pthread_t t[MAXT];
    pthread_barrier_init(&bar, NULL, nthreads);
    for (unsigned i = 0; i < nthreads; i++) {
        pthread_mutex_init(&box[i].mu, NULL);
        box[i].cap = nslots;
        box[i].q = calloc(nslots, sizeof *box[i].q);
        CHECK(box[i].q != NULL, "calloc");
    }
    for (unsigned i = 0; i < nthreads; i++)
        CHECK(pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i) == 0, "pthread_create");
    for (unsigned i = 0; i < nthreads; i++) CHECK(pthread_join(t[i], NULL) == 0, "pthread_join");
    for (unsigned i = 0; i < nthreads; i++) free(box[i].q);

    uint64_t sum = 0, nb = 0, nbad = 0;
    for (unsigned i = 0; i <= MAXT; i++) {
        sum += sums[i];
        nb += blocks[i];
        nbad += bad[i];
    }
    printf("checksum 0x%016" PRIx64 " blocks %" PRIu64 " mismatches %" PRIu64 "\n", sum, nb, nbad);
    fflush(stdout);

    malloc_trim(0);
    void (*get)(struct hak_stats *) = (void (*)(struct hak_stats *))dlsym(RTLD_DEFAULT, "hak_stats_get");
    if (get) {
        struct hak_stats st;
        get(&st);
        printf("slabs_in_use %zu\nlarge_mapped %zu\n", st.slabs_in_use, st.large_mapped);
    }
    return 0;
}

/* Multi-thread stress with cross-thread frees: NT threads allocate blocks whose content is
 * derived from (thread, index), free some themselves and hand about a third to the other
 * threads through mutex-protected inboxes (in malloc'ed batches, freed by the receiver too).
 * The receiver verifies the content exactly and frees it, or reallocates it first and keeps
 * it as its own. All counts must balance at the end. */
#include "harness.h"

#include <pthread.h>
#include <stdatomic.h>

enum { NT = 4, OPS = 1000000, SLOTS = 4096, BATCH = 48, DRAIN_EVERY = 64 };

struct msg { unsigned char *p; size_t n; uint32_t from; uint64_t index; };
struct batch { struct batch *next; int count; struct msg m[BATCH]; };
struct inbox { pthread_mutex_t mu; struct batch *head; };
struct slot { unsigned char *p; size_t n; uint64_t seed; };

struct worker {
    int id;
    uint64_t rng, next_index;
    struct slot slots[SLOTS];
    struct batch *out[NT];
    unsigned long allocs, frees, reallocs, sent, received, bytes_verified;
};

static struct inbox inbox[NT];
static struct worker workers[NT];
static pthread_barrier_t start, all_sent;


static uint64_t seed_of(uint32_t thread, uint64_t index) { return (uint64_t)(thread + 1) << 40 ^ index; }

static size_t pick_size(uint64_t *rng)
{
    uint64_t r = test_rand(rng);
    unsigned k = r % 1000;
    r >>= 16;
    if (k < 950) return 16 + r % 1025;
    if (k < 995) return 1024 + r % (15 << 10);
    return (16 << 10) + r % (240 << 10);
}

static void verify(struct worker *w, const unsigned char *p, size_t n, uint64_t seed, const char *what)
{
    size_t bad = test_verify(p, n, seed);
    CHECK(bad == n, "thread %d: %s block %p of %zu bytes (thread %u, index %llu) overwritten at byte %zu",
          w->id, what, p, n, (unsigned)(seed >> 40) - 1, (unsigned long long)(seed & ((1ULL << 40) - 1)), bad);
    w->bytes_verified += n;
}

static void flush(struct worker *w, int to)
{
    struct batch *b = w->out[to];
    if (!b) return;
    w->out[to] = NULL;
    pthread_mutex_lock(&inbox[to].mu);
    b->next = inbox[to].head;
    inbox[to].head = b;
    pthread_mutex_unlock(&inbox[to].mu);
}

static void send(struct worker *w, struct slot *s)
{
    int to = (w->id + 1 + (int)(test_rand(&w->rng) % (NT - 1))) % NT;
    if (!w->out[to]) {
        w->out[to] = malloc(sizeof(struct batch));
        CHECK(w->out[to] != NULL, "thread %d: no memory for a batch", w->id);
        w->out[to]->count = 0;
    }
    struct batch *b = w->out[to];
    b->m[b->count++] = (struct msg){ s->p, s->n, (uint32_t)(s->seed >> 40) - 1, s->seed & ((1ULL << 40) - 1) };
    s->p = NULL;
    w->sent++;
    if (b->count == BATCH) flush(w, to);
}

static struct slot *empty_slot(struct worker *w)
{
    struct slot *s = &w->slots[test_rand(&w->rng) % SLOTS];
    return s->p ? NULL : s;
}

/* Takes everything in the inbox; each block is verified, then freed, or (a quarter of them,
 * while the thread still works) reallocated, verified again and kept. */
static void drain(struct worker *w, int keep)
{
    pthread_mutex_lock(&inbox[w->id].mu);
    struct batch *b = inbox[w->id].head;
    inbox[w->id].head = NULL;
    pthread_mutex_unlock(&inbox[w->id].mu);
    while (b) {
        for (int i = 0; i < b->count; i++) {
            struct msg *m = &b->m[i];
            uint64_t seed = seed_of(m->from, m->index);
            verify(w, m->p, m->n, seed, "received");
            w->received++;
            w->frees++; /* the sender's block ends here; a kept realloc counts as a new one */
            if (test_rand(&w->rng) % 4 != 0) {
                free(m->p);
                continue;
            }
            size_t n = pick_size(&w->rng);
            unsigned char *p = realloc(m->p, test_opaque(n));
            CHECK(p != NULL, "thread %d: realloc of a received block to %zu failed", w->id, n);
            verify(w, p, n < m->n ? n : m->n, seed, "reallocated received");
            w->reallocs++;
            struct slot *s = keep ? empty_slot(w) : NULL;
            if (!s) {
                free(p);
                continue;
            }
            s->p = p;
            s->n = n;
            s->seed = seed_of((uint32_t)w->id, w->next_index++);
            test_fill(p, n, s->seed);
            w->allocs++;
        }
        struct batch *next = b->next;
        free(b);
        b = next;
    }
}

static void *run(void *arg)
{
    struct worker *w = arg;
    pthread_barrier_wait(&start); /* all threads at once, so that frees really cross */
    for (unsigned long op = 1; op <= OPS; op++) {
        struct slot *s = &w->slots[test_rand(&w->rng) % SLOTS];
        if (s->p) {
            if (test_rand(&w->rng) % 3 == 0) {
                send(w, s);
            } else {
                verify(w, s->p, s->n, s->seed, "own");
                free(s->p);
                s->p = NULL;
                w->frees++;
            }
        } else {
            s->n = pick_size(&w->rng);
            s->p = malloc(test_opaque(s->n));
            CHECK(s->p != NULL, "thread %d: malloc(%zu) failed", w->id, s->n);
            CHECK((uintptr_t)s->p % 16 == 0, "thread %d: malloc(%zu) gave %p, not 16-aligned", w->id, s->n, s->p);
            s->seed = seed_of((uint32_t)w->id, w->next_index++);
            test_fill(s->p, s->n, s->seed);
            w->allocs++;
        }
        if (op % DRAIN_EVERY == 0) drain(w, 1);
    }
    for (int i = 0; i < SLOTS; i++) { /* half of what is left goes to the others */
        struct slot *s = &w->slots[i];
        if (!s->p) continue;
        if (i & 1) {
            send(w, s);
        } else {
            verify(w, s->p, s->n, s->seed, "own");
            free(s->p);
            s->p = NULL;
            w->frees++;
        }
    }
    for (int to = 0; to < NT; to++) flush(w, to);
    pthread_barrier_wait(&all_sent); /* nobody sends after this */
    drain(w, 0);
    return NULL;
}

int main(void)
{
    pthread_t t[NT];
    pthread_barrier_init(&start, NULL, NT);
    pthread_barrier_init(&all_sent, NULL, NT);
    for (int i = 0; i < NT; i++) {
        pthread_mutex_init(&inbox[i].mu, NULL);
        workers[i].id = i;
        workers[i].rng = 0x1234 + (uint64_t)i * 7919;
    }
    for (int i = 0; i < NT; i++)
        CHECK(pthread_create(&t[i], NULL, run, &workers[i]) == 0, "pthread_create %d failed", i);
    unsigned long allocs = 0, frees = 0, reallocs = 0, sent = 0, received = 0, bytes = 0;
    for (int i = 0; i < NT; i++) {
        CHECK(pthread_join(t[i], NULL) == 0, "pthread_join %d failed", i);
        struct worker *w = &workers[i];
        allocs += w->allocs; frees += w->frees; reallocs += w->reallocs;
        sent += w->sent; received += w->received; bytes += w->bytes_verified;
        CHECK(inbox[i].head == NULL, "inbox %d not empty at the end", i);
    }
    EXPECT_EQ(sent, received);
    EXPECT_EQ(allocs, frees);
    printf("stress_threads: %d threads, %lu operations (%lu allocations, %lu frees, %lu sent across "
           "threads, %lu reallocs), %lu MiB verified\n", NT, allocs + frees + reallocs + sent, allocs,
           frees, sent, reallocs, bytes >> 20);
    return 0;
}

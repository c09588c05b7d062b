/* A workload for real dumps (real_dump.sh): threads allocate blocks of many sizes and
 * hand half of them to the next thread to free (cross-thread frees through remote
 * queues), keep some, free the rest, and exit (their slabs are abandoned and adopted). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4
#define ROUNDS 20
#define PER 2000

static void *slots[THREADS][PER];
static pthread_barrier_t bar;

static void *work(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg, seed = id * 7919u + 1;
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < PER; i++) {
            seed = seed * 1103515245u + 12345u;
            size_t n = 1 + (seed >> 16) % (i % 10 == 0 ? 4000 : 300);
            slots[id][i] = malloc(n);
            if (slots[id][i]) memset(slots[id][i], (int)id, n < 16 ? n : 16);
        }
        pthread_barrier_wait(&bar);
        /* free our odd slots and the next thread's even ones */
        unsigned next = (id + 1) % THREADS;
        for (int i = 0; i < PER; i++) {
            if (i % 2) free(slots[id][i]);
            else free(slots[next][i]);
        }
        pthread_barrier_wait(&bar);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS];
    pthread_barrier_init(&bar, NULL, THREADS);
    for (unsigned i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, work, (void *)(uintptr_t)i);
    for (unsigned i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    void *keep[100];
    for (int i = 0; i < 100; i++) keep[i] = malloc((size_t)(i * 37 % 900) + 1);
    for (int i = 0; i < 100; i += 3) free(keep[i]);
    puts("done");
    return 0;
}

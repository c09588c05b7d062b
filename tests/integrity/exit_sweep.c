/* The exit sweep with other threads still running: three threads keep allocating,
 * reallocating in place and freeing blocks they hand each other while the main thread
 * calls exit(). The sweep must then leave their blocks alone (live blocks are checked
 * only when one thread is left): a report here is a false one. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *shared[8192];

static void *worker(void *arg)
{
    uint32_t r = (uint32_t)(uintptr_t)arg;
    for (;;) {
        r = r * 1103515245u + 12345u;
        unsigned k = (r >> 8) % 8192;
        size_t n = (r >> 12) % 600 + 1;
        void *p = __atomic_exchange_n(&shared[k], NULL, __ATOMIC_ACQ_REL);
        if (p && (r & 0x10000)) {
            free(p);
        } else {
            p = p ? realloc(p, n) : malloc(n);
            if (!p) abort();
            memset(p, (int)k, n);
            free(__atomic_exchange_n(&shared[k], p, __ATOMIC_ACQ_REL));
        }
    }
    return NULL;
}

int main(void)
{
    for (uintptr_t i = 1; i <= 3; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, worker, (void *)i) != 0) abort();
    }
    usleep(20000);
    exit(0);
}

/* fork() while other threads are in the middle of capturing stacks (at level 4 every malloc
 * and free captures one, from inside the loader's lock): each child allocates and frees at
 * once, which captures its own stacks, and must finish. A child whose first capture waits
 * for a lock a parent's thread held at the fork is killed by its alarm and reported. */
#include "harness.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>

enum { NW = 2, NFORK = 400, CHILD_ALARM = 10 };

static atomic_int stop;
static atomic_ulong worker_ops; /* counted as they go: each fork waits for the threads to be busy */

static void *worker(void *arg)
{
    uint64_t rng = 0x5eed + (uint64_t)(intptr_t)arg;
    void *held[16] = { 0 };
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        void **x = &held[test_rand(&rng) % 16];
        free(*x);
        *x = malloc(test_opaque(1 + test_rand(&rng) % 300));
        CHECK(*x != NULL, "worker: malloc failed");
        atomic_fetch_add_explicit(&worker_ops, 1, memory_order_relaxed);
    }
    for (int i = 0; i < 16; i++) free(held[i]);
    return NULL;
}

int main(void)
{
    pthread_t t[NW];
    for (int i = 0; i < NW; i++)
        CHECK(pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i) == 0, "pthread_create failed");
    for (int f = 0; f < NFORK; f++) {
        unsigned long ops0 = atomic_load(&worker_ops);
        while (atomic_load(&worker_ops) < ops0 + 20) sched_yield();
        pid_t pid = fork();
        CHECK(pid >= 0, "fork %d failed: errno %d", f, errno);
        if (pid == 0) {
            alarm(CHILD_ALARM);
            for (int i = 0; i < 4; i++) { /* a small block and a large one */
                unsigned char *p = malloc(test_opaque(i % 2 ? 100 : 300000));
                if (!p) _exit(3);
                p[0] = 1;
                free(p);
            }
            _exit(0);
        }
        int st;
        pid_t r;
        while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR) {}
        CHECK(r == pid, "waitpid failed: errno %d", errno);
        CHECK(!WIFSIGNALED(st), "child %d was killed by signal %d (%s)%s", f, WTERMSIG(st),
              strsignal(WTERMSIG(st)), WTERMSIG(st) == SIGALRM ? ": deadlock after fork" : "");
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %d exited with status %d", f, WEXITSTATUS(st));
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < NW; i++) CHECK(pthread_join(t[i], NULL) == 0, "pthread_join failed");
    printf("fork_capture: %d children finished, the threads did %lu operations meanwhile\n", NFORK,
           (unsigned long)atomic_load(&worker_ops));
    return 0;
}

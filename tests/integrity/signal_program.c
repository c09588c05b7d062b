/* Fatal signals under libhakmem (LD_PRELOAD). The mode is argv[1]; signal_preload.sh
 * checks what each printed and how it ended:
 *   segv       writes through a bad pointer in crash_here
 *   thread     the same in a second thread
 *   overflow   overflows its stack (the handler runs on the alternate stack)
 *   fpe        divides by zero
 *   abort      calls abort() from abort_here
 *   own        installs its own SIGSEGV handler after start-up, faults three times and
 *              recovers each time: its handler wins, hakmem says nothing
 * Exits 77 when no hakmem handler is installed at start-up (the scripts fail then). */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile int *volatile bad_pointer = (int *)16;

__attribute__((noinline)) void crash_here(void)
{
    *bad_pointer = 1;
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void abort_here(void)
{
    abort();
}

static volatile int never;
__attribute__((noinline)) int recurse_forever(int n)
{
    volatile char pad[256];
    pad[0] = (char)n;
    if (never) return n;
    return recurse_forever(n + 1) + pad[0];
}

static volatile int zero;
__attribute__((noinline)) int divide_here(int x)
{
    return x / zero;
}

static void *thread_main(void *arg)
{
    (void)arg;
    crash_here();
    return NULL;
}

static sigjmp_buf again;
static int recovered;
static void own_handler(int sig)
{
    (void)sig;
    recovered++;
    siglongjmp(again, 1);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "segv";
    struct sigaction cur;
    sigaction(SIGSEGV, NULL, &cur);
    if (cur.sa_handler == SIG_DFL) {
        printf("no SIGSEGV handler installed at start-up (hak_signal_install not called)\n");
        return 77;
    }
    free(malloc(10));
    if (!strcmp(mode, "segv")) crash_here();
    if (!strcmp(mode, "thread")) {
        pthread_t t;
        pthread_create(&t, NULL, thread_main, NULL);
        pthread_join(t, NULL);
    }
    if (!strcmp(mode, "overflow")) return recurse_forever(0);
    if (!strcmp(mode, "fpe")) return divide_here(1);
    if (!strcmp(mode, "abort")) abort_here();
    if (!strcmp(mode, "own")) {
        struct sigaction sa = {.sa_handler = own_handler};
        sigemptyset(&sa.sa_mask);
        sigaction(SIGSEGV, &sa, NULL);
        sigsetjmp(again, 1);
        if (recovered < 3) crash_here();
        printf("recovered %d times\n", recovered);
        return 0;
    }
    return 1;
}

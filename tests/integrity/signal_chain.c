/* Chaining: a SIGSEGV handler installed before hakmem's (before start-up) still runs,
 * after hakmem's report, and sees the fault as it was (si_addr). Linked with libhakmem.a,
 * whose constructor starts hakmem and installs its handlers; this program's handler is
 * installed by a constructor of higher priority, which runs first. */
#include <signal.h>

#include "harness.h"
#include "integrity/signal.h"

static volatile int *volatile bad_pointer = (int *)24;

__attribute__((noinline)) void fault_here(void)
{
    *bad_pointer = 1;
    __asm__ volatile("" ::: "memory");
}

static void program_handler(int sig, siginfo_t *info, void *uc)
{
    (void)uc;
    char line[128];
    int n = snprintf(line, sizeof line, "program handler: signal %d at %p\n", sig, info->si_addr);
    write(2, line, (size_t)n);
    _exit(42);
}

__attribute__((constructor(101))) static void before_start_up(void)
{
    struct sigaction sa = {.sa_sigaction = program_handler, .sa_flags = SA_SIGINFO};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
}

int main(void)
{
    struct sigaction cur;
    sigaction(SIGSEGV, NULL, &cur);
    if (cur.sa_sigaction == program_handler) {
        printf("skipped: hakmem installed no handler at start-up\n");
        return 77;
    }
    hak_signal_install(); /* again: changes nothing, still chains to the program's */
    fault_here();
    return 1;
}

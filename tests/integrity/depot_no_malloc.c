/* Box I never calls malloc (principle 6): this program's own malloc family counts calls
 * made while stack capture (libunwind included), printing, symbolization, hak_report and
 * the fatal-signal handler run, in fresh threads too (libunwind sets up per-thread state
 * on first use). The count must be zero. */
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include "api/env.h"
#include "harness.h"
#include "integrity/report.h"
#include "integrity/signal.h"
#include "integrity/stack_depot.h"
#include "integrity/symbolize.h"

#include "count_malloc.h"

static char block[256] __attribute__((aligned(64)));

__attribute__((noinline)) static uint32_t capture_here(int depth)
{
    uint32_t id = depth ? capture_here(depth - 1) : hak_stack_capture(0);
    __asm__ volatile("" ::: "memory");
    return id;
}

static void *worker(void *arg)
{
    (void)arg;
    in_hak = 1;
    for (int d = 0; d < 20; d++) CHECK(capture_here(d), "captured in a thread");
    in_hak = 0;
    return NULL;
}

static void after_handler(int sig)
{
    (void)sig;
    in_hak = 0;
    fprintf(stderr, "calls into malloc from inside Box I: %ld\n", calls_inside);
    _exit(calls_inside == 0 ? 0 : 1);
}

__attribute__((constructor(101))) static void before_start_up(void)
{
    struct sigaction sa = {.sa_handler = after_handler};
    sigaction(SIGSEGV, &sa, NULL);
}

int main(void)
{
    setenv("HAKMEM_ON_VIOLATION", "report", 1);
    setenv("HAKMEM_REPORT", "report.txt", 1);
    setenv("HAKMEM_REPORT_JSON", "report.jsonl", 1);
    hak_env_read();
    hak_level = 4;

    in_hak = 1;
    uint32_t id = 0;
    for (int d = 0; d < 20; d++) id = capture_here(d);
    in_hak = 0;
    for (int t = 0; t < 4; t++) {
        pthread_t th;
        pthread_create(&th, NULL, worker, NULL);
        pthread_join(th, NULL);
    }

    in_hak = 1;
    hak_stack_print(open("/dev/null", 1), "  ", id);
    struct hak_sym s;
    hak_symbolize_self(NULL, (uintptr_t)&main, &s);
    struct hak_violation v = {.kind = HAK_KIND_canary_overflow, .site = "free", .ptr = block + 16, .base = block,
                              .cls = 3, .stride = 64, .expected = 0xcc, .found = 0x41, .what = "tail byte",
                              .alloc_stack = id, .free_stack = id, .bad = block + 40, .size = 24};
    hak_report(&v);
    hak_report(&v);
    in_hak = 0;
    CHECK(hak_violations_reported() == 2, "reported %lu", (unsigned long)hak_violations_reported());

    /* the fatal-signal handler: hakmem's first, then this program's (installed before
     * hakmem's constructor, so chained) */
    hak_signal_install();
    in_hak = 1;
    *(volatile int *)16 = 1;
    return 1;
}

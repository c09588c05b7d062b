/* What a stack capture costs (HAKMEM_STACKS=1 pays it on every malloc and free): ns per
 * hak_stack_capture at depth about 10, for a stack already in the depot (the common case)
 * and for the bare unwind. Prints the numbers; asserts nothing about them. */
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <time.h>

#include "harness.h"
#include "integrity/stack_depot.h"

#define ITERS 200000

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static volatile uint32_t sink;

__attribute__((noinline)) static void leaf_capture(int iters)
{
    for (int i = 0; i < iters; i++) sink = hak_stack_capture(0);
}

__attribute__((noinline)) static void leaf_unwind(int iters)
{
    void *buf[64];
    for (int i = 0; i < iters; i++) sink = (uint32_t)unw_backtrace(buf, 64);
}

/* depth frames of recursion, then the measured loop */
__attribute__((noinline)) static void nest(int depth, void (*leaf)(int), int iters)
{
    if (depth) nest(depth - 1, leaf, iters);
    else leaf(iters);
    __asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
    int iters = argc > 1 ? atoi(argv[1]) : ITERS;
    nest(4, leaf_capture, 1000); /* warm up: libunwind's caches, the depot */
    uintptr_t pcs[HAK_STACK_MAX_DEPTH];
    unsigned depth = hak_stack_get(sink, pcs, HAK_STACK_MAX_DEPTH);

    double t0 = now_ns();
    nest(4, leaf_capture, iters);
    double capture = (now_ns() - t0) / iters;
    nest(4, leaf_unwind, 1000);
    t0 = now_ns();
    nest(4, leaf_unwind, iters);
    double unwind = (now_ns() - t0) / iters;

    /* new stacks: every depth from 0 to 29 once, from a fresh call chain each */
    t0 = now_ns();
    for (int d = 0; d < 30; d++) nest(d + 20, leaf_capture, 1);
    double insert = (now_ns() - t0) / 30;

    printf("stack capture at depth %u: %.0f ns per capture (known stack), %.0f ns bare unw_backtrace, "
           "%.0f ns first capture of a new deeper stack\n", depth, capture, unwind, insert);
    CHECK(depth >= 8 && depth <= 14, "depth %u", depth);
    return 0;
}

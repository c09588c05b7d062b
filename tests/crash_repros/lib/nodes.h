/* The application-bug programs allocate and free through these two out-of-line functions,
 * hidden from the optimizer, so that every bug really happens and the reports' stacks
 * name them. */
#ifndef CRASH_REPROS_NODES_H
#define CRASH_REPROS_NODES_H

#include "harness.h"

static __attribute__((noinline, noclone, used)) void *node_new(size_t n)
{
    void *p = malloc(n);
    __asm__ volatile("" : "+r"(p) : : "memory");
    CHECK(p != NULL, "malloc(%zu) failed", n);
    return p;
}

static __attribute__((noinline, noclone, used)) void node_release(void *p)
{
    __asm__ volatile("" : "+r"(p) : : "memory");
    free(p);
    __asm__ volatile("" : : : "memory");
}

#endif

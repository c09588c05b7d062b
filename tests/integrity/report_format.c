/* hak_report (integrity/report.c) on a real level-2 block whose tail sentinel was
 * overwritten: the exact first line, the detail lines, the labelled hex dump, the stacks,
 * the JSON line; then HAKMEM_ON_VIOLATION. The mode is argv[1]; report_format.sh sets
 * the environment and checks what each mode printed and how it ended:
 *   format      two reports under HAKMEM_ON_VIOLATION=report, returns 0
 *   exit        HAKMEM_ON_VIOLATION=exit:N: ends with _exit(N) after the report
 *   abort       the default: one report, then SIGABRT, with the fatal-signal handler in
 *               place (it must not print a second report)
 *   recursive   a violation while reporting: one line, then SIGABRT */
#include "api/env.h"
#include "front/heap.h"
#include "front/lookup.h"
#include "harness.h"
#include "hakmem.h"
#include "integrity/report.h"
#include "integrity/signal.h"
#include "integrity/stack_depot.h"

__attribute__((noinline)) static uint32_t allocating_function(void)
{
    uint32_t id = hak_stack_capture(0);
    __asm__ volatile("" ::: "memory");
    return id;
}

__attribute__((noinline)) static uint32_t freeing_function(void)
{
    uint32_t id = hak_stack_capture(0);
    __asm__ volatile("" ::: "memory");
    return id;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "format";
    char *p = hak_malloc(24); /* starts hakmem: the environment, the level, the layout */
    CHECK(p, "malloc");
    CHECK(hak_level == 2, "run with HAKMEM_INTEGRITY_LEVEL=2 (level %d)", hak_level);
    memset(p, 'u', 24);
    p[24] = 'A', p[25] = 'B'; /* two bytes past the 24 asked for: over the tail sentinel */

    struct hak_blockref ref;
    CHECK(hak_lookup(p, hak_region_of((uintptr_t)p), &ref) == HAK_LOOKUP_SLAB, "lookup");
    struct hak_violation v = {
        .kind = HAK_KIND_canary_overflow, .site = "free", .ptr = p, .base = ref.base, .cls = ref.slab->cls,
        .stride = hak_layout[ref.slab->cls].stride, .slab = ref.slab, .expected = 0xcc, .found = 'A',
        .what = "tail sentinel byte", .alloc_stack = allocating_function(), .free_stack = freeing_function(),
        .bad = p + 24, .size = 24,
    };
    printf("base %p ptr %p class %d stride %u slab %p tid %u\n", v.base, v.ptr, v.cls, v.stride, v.slab,
           hak_heap_tls.tid);
    fflush(stdout);

    if (!strcmp(mode, "format")) {
        hak_report(&v);
        v.alloc_stack = v.free_stack = 0;
        v.what = NULL, v.bad = NULL;
        v.kind = HAK_KIND_double_free;
        hak_report(&v);
        EXPECT_EQ(hak_violations_reported(), 2);
        return 0;
    }
    if (!strcmp(mode, "exit")) {
        hak_report(&v);
        return 1; /* not reached */
    }
    if (!strcmp(mode, "abort")) {
        hak_signal_install();
        hak_report(&v);
        return 1;
    }
    if (!strcmp(mode, "recursive")) {
        hak_signal_install();
        CHECK(hak_report_lock() == HAK_REPORT_LOCKED, "lock");
        hak_report(&v); /* as if a check failed inside the report */
        return 1;
    }
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
}

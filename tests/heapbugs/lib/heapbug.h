/* Shared by the heap-bug programs of tests/heapbugs/: each program commits one bug that
 * real programs commit, through helpers the compiler cannot see through, so that the bug
 * really happens at -O1 (a store to freed memory or past the end is otherwise dead code
 * the optimizer may delete, and a malloc/free pair it may fold away).
 *
 * make_block and drop_block are the functions the level-4 report must name in its
 * allocation and free stacks: they are out of line and never tail calls. free_again is
 * drop_block under another name, for the second free of a double free: the report's free
 * stack must be the first free's, never name it.
 *
 * After the bug, a program that is still running (HAKMEM_ON_VIOLATION=report, or a level
 * that does not catch the bug) calls survive(): it allocates many blocks of the same size
 * at once and checks that no two overlap and, under HAKMEM_ON_VIOLATION=report, that none
 * is a block the allocator must never hand out again (a level that does not catch the
 * bug may reuse it). Exit status 3 and a "heapbug: FAIL" line when one is.
 *
 * The Makefile's generic rule knows only the .c file: after editing this header, touch
 * the .c files next to it. */
#ifndef HEAPBUG_H
#define HEAPBUG_H

#include <stdbool.h>

#include "harness.h"

#define HB_NOINLINE __attribute__((noinline, noclone, used))

/* After this, the compiler knows nothing about where p points or what it holds. */
static inline void *opaque(void *p)
{
    __asm__ volatile("" : "+r"(p) : : "memory");
    return p;
}

HB_NOINLINE void *make_block(size_t n);
HB_NOINLINE void drop_block(void *p);
HB_NOINLINE void free_again(void *p);
HB_NOINLINE void poke(void *p, long off, unsigned char v);
HB_NOINLINE unsigned char peek(const void *p, long off);

HB_NOINLINE void *make_block(size_t n)
{
    void *p = malloc(n);
    __asm__ volatile("" : : : "memory"); /* keeps this frame: the call is not a tail call */
    CHECK(p != NULL, "malloc(%zu) failed", n);
    return opaque(p);
}

HB_NOINLINE void drop_block(void *p)
{
    free(opaque(p));
    __asm__ volatile("" : : : "memory");
}

HB_NOINLINE void free_again(void *p)
{
    free(opaque(p));
    __asm__ volatile("" : : : "memory");
}

/* One byte store at p + off, wherever that is. */
HB_NOINLINE void poke(void *p, long off, unsigned char v)
{
    volatile unsigned char *b = opaque(p);
    b[off] = v;
}

/* One byte load at p + off, wherever that is. */
HB_NOINLINE unsigned char peek(const void *p, long off)
{
    const volatile unsigned char *b = opaque((void *)p);
    return b[off];
}

static inline bool report_mode(void)
{
    const char *v = getenv("HAKMEM_ON_VIOLATION");
    return v && strcmp(v, "report") == 0;
}

static inline void heapbug_start(const char *what)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("heapbug: %s\n", what);
}

#define HB_SURVIVE_BLOCKS 1000

static inline int hb_cmp(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;
    return x < y ? -1 : x > y;
}

/* Allocates HB_SURVIVE_BLOCKS blocks of n bytes, all live at once: none may overlap another
 * or, under HAKMEM_ON_VIOLATION=report, contain one of the nforbid pointers (blocks a
 * report said are never reused, or the program still holds). Exits 3 when one does. */
static inline void survive(size_t n, void *const *forbid, size_t nforbid)
{
    static void *blocks[HB_SURVIVE_BLOCKS];
    int bad = 0;
    if (!report_mode()) nforbid = 0;
    for (int i = 0; i < HB_SURVIVE_BLOCKS; i++) {
        blocks[i] = make_block(n);
        for (size_t j = 0; j < nforbid; j++)
            if ((char *)forbid[j] >= (char *)blocks[i] && (char *)forbid[j] < (char *)blocks[i] + n) {
                printf("heapbug: FAIL: malloc(%zu) returned %p, which holds %p, a block never to be reused\n", n,
                       blocks[i], forbid[j]);
                bad = 1;
            }
        test_fill(blocks[i], n, (uint64_t)i + 1);
    }
    for (int i = 0; i < HB_SURVIVE_BLOCKS; i++)
        if (test_verify(blocks[i], n, (uint64_t)i + 1) != n) {
            printf("heapbug: FAIL: block %p (#%d) was overwritten through another live block\n", blocks[i], i);
            bad = 1;
        }
    void *sorted[HB_SURVIVE_BLOCKS];
    memcpy(sorted, blocks, sizeof sorted);
    qsort(sorted, HB_SURVIVE_BLOCKS, sizeof sorted[0], hb_cmp);
    for (int i = 1; i < HB_SURVIVE_BLOCKS; i++)
        if ((char *)sorted[i - 1] + n > (char *)sorted[i]) {
            printf("heapbug: FAIL: live blocks %p and %p overlap\n", sorted[i - 1], sorted[i]);
            bad = 1;
        }
    if (bad) exit(3);
    for (int i = 0; i < HB_SURVIVE_BLOCKS; i++) drop_block(blocks[i]);
    printf("heapbug: survived: %d live blocks of %zu bytes, all distinct\n", HB_SURVIVE_BLOCKS, n);
}

#endif

/* bench_realloc_aligned: growing and shrinking with realloc, and aligned allocations.
 *
 * Usage: bench_realloc_aligned [ITERATIONS [SEED [WORKING_SET]]]
 *        defaults             5000000      42     2048
 *
 * WORKING_SET slots start empty. Each iteration picks a random slot and makes exactly
 * one allocator call on it:
 *   empty slot -> starts an object, one of
 *     35% string   malloc of 9..40 bytes; grows by appends, each append a realloc to the
 *                  exact new length (1..64 bytes more), up to a target of 64 B..4 KiB
 *                  (one string in 16: up to 64 KiB);
 *     25% vector   malloc(64); grows by doubling its capacity with realloc up to a target
 *                  of 1..64 KiB;
 *     40% aligned  posix_memalign or aligned_alloc (alternately) with an alignment of
 *                  16, 32, ..., 4096 bytes, one in 64 with 64 KiB; 8..2048 bytes (rounded
 *                  up to the alignment for aligned_alloc). A misaligned result is
 *                  counted (misaligned=N in the report, the first one described on
 *                  stderr) rather than fatal, so that allocators with a known alignment
 *                  bug can still be timed.
 *   a grown string  -> half the time shrinks once (realloc to half), then is freed;
 *   a grown vector  -> shrinks to fit (realloc to 5/8 of its capacity), then is freed;
 *   an aligned block -> is freed.
 * Objects thus live for many iterations and die in random order. The first byte of
 * every object is a tag checked after each realloc and before free; realloc'ed bytes
 * are written at the new end. ops counts allocator calls (= ITERATIONS); only the loop
 * is timed. */
#include "bench_common.h"

enum kind { EMPTY, STRING, VECTOR, ALIGNED };

struct obj {
    unsigned char *p;
    uint32_t len;      /* string: length; vector: capacity in bytes; aligned: size */
    uint32_t target;   /* growth target; 0 once the object shrank (next visit frees it) */
    uint8_t kind;
};

static uint64_t misaligned; /* aligned allocations that were not */

static unsigned char tag_of(uint32_t slot) { return (unsigned char)(slot * 0x9dU + 0x5aU); }

static void check_tag(const struct obj *o, uint32_t slot, const char *after)
{
    if (o->p[0] != tag_of(slot))
        die("bench_realloc_aligned: object %p of slot %u corrupted after %s", (void *)o->p,
            slot, after);
}

static unsigned char *xrealloc(unsigned char *p, size_t size)
{
    unsigned char *q = realloc(p, size);
    if (!q)
        die("bench_realloc_aligned: realloc(%zu) failed", size);
    return q;
}

static void start_object(struct obj *o, uint32_t slot, uint64_t r)
{
    uint32_t pick = (uint32_t)(r % 100);
    uint32_t r1 = (uint32_t)(r >> 8), r2 = (uint32_t)(r >> 32);
    if (pick < 35) {
        o->kind = STRING;
        o->len = 8 + (r1 & 31);
        o->target = (r2 & 15) == 0 ? 4096 + rng_range(r2, 61440) : 64 + rng_range(r2, 4033);
        o->p = malloc(o->len + 1);
        if (!o->p)
            die("bench_realloc_aligned: malloc(%u) failed", o->len + 1);
        o->p[o->len] = 0;
    } else if (pick < 60) {
        o->kind = VECTOR;
        o->len = 64;
        o->target = 1024u << (r1 % 7);
        o->p = malloc(o->len);
        if (!o->p)
            die("bench_realloc_aligned: malloc(%u) failed", o->len);
        o->p[o->len - 1] = 1;
    } else {
        size_t align = (r2 & 63) == 0 ? 65536 : (size_t)16 << (r1 % 9);
        size_t size = 8 + rng_range(r2, 2041);
        void *p;
        if (r1 & 0x1000) {
            if (posix_memalign(&p, align, size) != 0)
                die("bench_realloc_aligned: posix_memalign(%zu, %zu) failed", align, size);
        } else {
            size = (size + align - 1) & ~(align - 1);
            p = aligned_alloc(align, size);
            if (!p)
                die("bench_realloc_aligned: aligned_alloc(%zu, %zu) failed", align, size);
        }
        if ((uintptr_t)p & (align - 1)) {
            if (misaligned++ == 0)
                fprintf(stderr, "bench_realloc_aligned: %s(%zu, %zu) returned %p, not aligned\n",
                        (r1 & 0x1000) ? "posix_memalign" : "aligned_alloc", align, size, p);
        }
        o->kind = ALIGNED;
        o->p = p;
        o->len = (uint32_t)size;
        o->target = 0;
        o->p[size - 1] = 1;
    }
    o->p[0] = tag_of(slot);
}

static void end_object(struct obj *o, uint32_t slot)
{
    check_tag(o, slot, "its life");
    free(o->p);
    o->p = NULL;
    o->kind = EMPTY;
}

/* One allocator call on slot's object. Returns a value folded into the checksum. */
static uint64_t step(struct obj *o, uint32_t slot, uint64_t r)
{
    switch (o->kind) {
    case EMPTY:
        start_object(o, slot, r);
        return o->len;
    case STRING:
        if (o->target == 0 || (o->len >= o->target && (r & 1))) {
            end_object(o, slot);
            return 1;
        }
        if (o->len >= o->target) {            /* truncate once, free on the next visit */
            o->len /= 2;
            o->target = 0;
        } else {
            o->len += 1 + (uint32_t)((r >> 8) & 63);
        }
        o->p = xrealloc(o->p, o->len + 1);
        o->p[o->len] = 0;
        check_tag(o, slot, "realloc");
        return o->len;
    case VECTOR:
        if (o->target == 0) {
            end_object(o, slot);
            return 2;
        }
        if (o->len >= o->target) {            /* shrink to fit what is used */
            o->len = o->len / 8 * 5;
            o->target = 0;
        } else {
            o->len *= 2;
        }
        o->p = xrealloc(o->p, o->len);
        o->p[o->len - 1] = 1;
        check_tag(o, slot, "realloc");
        return o->len;
    default:
        end_object(o, slot);
        return 3;
    }
}

static __attribute__((noinline)) uint64_t run_loop(struct obj *objs, uint64_t iters,
                                                    uint32_t ws, uint64_t seed)
{
    uint64_t rng = rng_seed(seed), sum = 0;
    for (uint64_t i = 0; i < iters; i++) {
        uint64_t r = rng_next(&rng);
        uint32_t slot = rng_range((uint32_t)(r >> 32), ws);
        sum = sum * 31 + step(&objs[slot], slot, rng_next(&rng));
    }
    return sum;
}

int main(int argc, char **argv)
{
    uint64_t iters = arg_u64(argc, argv, 1, 5000000, "ITERATIONS");
    uint64_t seed = arg_u64(argc, argv, 2, 42, "SEED");
    uint64_t ws = arg_u64(argc, argv, 3, 2048, "WORKING_SET");
    if (ws < 1 || ws > UINT32_MAX)
        die("usage: bench_realloc_aligned [ITERATIONS [SEED [WORKING_SET>0]]]");

    struct obj *objs = calloc(ws, sizeof *objs);
    if (!objs)
        die("bench_realloc_aligned: no memory for %" PRIu64 " slots", ws);

    struct timing t;
    timing_start(&t);
    uint64_t sum = run_loop(objs, iters, (uint32_t)ws, seed);
    timing_stop(&t);

    for (uint32_t i = 0; i < ws; i++)
        if (objs[i].kind != EMPTY)
            end_object(&objs[i], i);
    free(objs);

    char params[96];
    snprintf(params, sizeof params, "working_set=%" PRIu64 " misaligned=%" PRIu64, ws, misaligned);
    report("bench_realloc_aligned", params, iters, &t, sum);
    return 0;
}

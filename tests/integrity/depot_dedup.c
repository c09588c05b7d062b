/* The stack depot (integrity/stack_depot.c): a stack is stored once and keeps its id,
 * different stacks get different ids, skip drops frames, frames symbolize to the
 * functions that made them, and threads capturing the same stacks at once agree. */
#include <fcntl.h>
#include <pthread.h>

#include "harness.h"
#include "integrity/stack_depot.h"

__attribute__((noinline)) uint32_t site_a(void)
{
    uint32_t id = hak_stack_capture(0);
    __asm__ volatile("" ::: "memory"); /* not a tail call: site_a stays on the stack */
    return id;
}

__attribute__((noinline)) uint32_t site_b(void)
{
    uint32_t id = hak_stack_capture(0);
    __asm__ volatile("" ::: "memory");
    return id;
}

__attribute__((noinline)) uint32_t site_app(void)
{
    uint32_t id = hak_stack_capture_app(0);
    __asm__ volatile("" ::: "memory");
    return id;
}

/* skip 1: the stack starts at whoever called helper */
__attribute__((noinline)) static uint32_t helper(void)
{
    uint32_t id = hak_stack_capture(1);
    __asm__ volatile("" ::: "memory");
    return id;
}

__attribute__((noinline)) uint32_t caller_of_helper(void)
{
    uint32_t id = helper();
    __asm__ volatile("" ::: "memory");
    return id;
}

/* A stack of depth n below here: distinct for every n. */
__attribute__((noinline)) uint32_t recurse(int n)
{
    uint32_t id = n ? recurse(n - 1) : hak_stack_capture(0);
    __asm__ volatile("" ::: "memory");
    return id;
}

static uint32_t ids[4][25];

static void *worker(void *arg)
{
    long t = (long)arg;
    for (int round = 0; round < 200; round++)
        for (int n = 0; n < 25; n++) {
            uint32_t id = recurse(n);
            if (round == 0) ids[t][n] = id;
            else CHECK(ids[t][n] == id, "thread %ld depth %d: id %u then %u", t, n, ids[t][n], id);
        }
    return NULL;
}

static unsigned seen, max_seen;
static void count(uint32_t id, const uintptr_t *pcs, unsigned depth, void *arg)
{
    (void)pcs, (void)arg;
    CHECK(depth >= 1 && depth <= HAK_STACK_MAX_DEPTH, "depth %u", depth);
    seen++;
    if (id > max_seen) max_seen = id;
}

static void frame_name(uintptr_t pc, char *buf, size_t n) { hak_frame_format(pc, false, buf, n); }

int main(void)
{
    uint32_t a[2], b = site_b();
    for (volatile int i = 0; i < 2; i++) a[i] = site_a(); /* one call site: the same stack twice */
    uint32_t a1 = a[0];
    CHECK(a1 != 0, "captured");
    EXPECT_EQ(a[0], a[1]);
    CHECK(b != 0 && b != a1, "site_b: %u, site_a: %u", b, a1);

    uintptr_t pcs[HAK_STACK_MAX_DEPTH];
    char name[768];
    unsigned n = hak_stack_get(a1, pcs, HAK_STACK_MAX_DEPTH);
    CHECK(n >= 2, "depth %u", n);
    frame_name(pcs[0], name, sizeof name);
    CHECK(strstr(name, " site_a+0x") && strstr(name, "depot_dedup)"), "frame 0: %s", name);
    frame_name(pcs[1], name, sizeof name);
    CHECK(strstr(name, " main+0x"), "frame 1: %s", name);

    /* linked with libhakmem.a, hakmem's code cannot be told from the program's: the
     * count applies (libhakmem.so drops its own frames; the allocator's tests show it) */
    uint32_t app = site_app();
    n = hak_stack_get(app, pcs, HAK_STACK_MAX_DEPTH);
    frame_name(pcs[0], name, sizeof name);
    CHECK(n >= 1 && strstr(name, " site_app+0x"), "capture_app, frame 0: %s", name);

    uint32_t h = caller_of_helper();
    n = hak_stack_get(h, pcs, HAK_STACK_MAX_DEPTH);
    frame_name(pcs[0], name, sizeof name);
    CHECK(n >= 1 && strstr(name, " caller_of_helper+0x"), "skip 1, frame 0: %s", name);

    /* deep stacks keep the innermost HAK_STACK_MAX_DEPTH frames */
    uint32_t deep = recurse(100);
    n = hak_stack_get(deep, pcs, HAK_STACK_MAX_DEPTH);
    EXPECT_EQ(n, HAK_STACK_MAX_DEPTH);
    frame_name(pcs[HAK_STACK_MAX_DEPTH - 1], name, sizeof name);
    CHECK(strstr(name, " recurse+0x"), "deep: %s", name);

    /* printing: one line per frame, symbolized, with the prefix */
    int fd = open("print.txt", O_RDWR | O_CREAT | O_TRUNC, 0600);
    hak_stack_print(fd, "pfx ", a1);
    hak_stack_print(fd, "pfx ", 999999);
    char out[16384];
    ssize_t r = pread(fd, out, sizeof out - 1, 0);
    out[r > 0 ? r : 0] = '\0';
    close(fd);
    fputs(out, stdout);
    CHECK(!strncmp(out, "pfx #0 0x", 9) && strstr(out, " site_a+0x"), "print: %s", out);
    CHECK(strstr(out, "\npfx #1 0x") && strstr(out, " main+0x"), "print: %s", out);
    CHECK(strstr(out, "pfx (stack 999999 unknown)\n"), "unknown id: %s", out);
    EXPECT_EQ(hak_stack_get(0, pcs, 4), 0);
    EXPECT_EQ(hak_stack_get(999999, pcs, 4), 0);

    /* threads at once: the same stack gets the same id in every thread */
    pthread_t th[4];
    for (long t = 0; t < 4; t++) pthread_create(&th[t], NULL, worker, (void *)t);
    for (int t = 0; t < 4; t++) pthread_join(th[t], NULL);
    for (int k = 0; k < 25; k++) {
        CHECK(ids[0][k] != 0, "depth %d captured", k);
        for (int j = 0; j < k; j++) CHECK(ids[0][j] != ids[0][k], "depths %d and %d share id %u", j, k, ids[0][k]);
    }
    /* threads start from different functions, so only the frames below differ: compare the ids
     * of each thread with the frames they hold */
    for (int t = 1; t < 4; t++)
        for (int k = 0; k < 25; k++) {
            uintptr_t p0[HAK_STACK_MAX_DEPTH], p1[HAK_STACK_MAX_DEPTH];
            unsigned n0 = hak_stack_get(ids[0][k], p0, HAK_STACK_MAX_DEPTH);
            unsigned n1 = hak_stack_get(ids[t][k], p1, HAK_STACK_MAX_DEPTH);
            bool eq = n0 == n1 && !memcmp(p0, p1, n0 * sizeof p0[0]);
            CHECK(eq == (ids[0][k] == ids[t][k]), "thread %d depth %d: same frames %d, ids %u %u", t, k, eq,
                  ids[0][k], ids[t][k]);
            CHECK(eq, "threads with the same stack got different stacks (depth %d)", k);
        }

    /* with threads, captures unwind from inside dl_iterate_phdr (the loader's lock first,
     * stack_depot.c) and drop the frames that adds: the same frames as alone */
    unsigned nb = hak_stack_get(b, pcs, HAK_STACK_MAX_DEPTH);
    uint32_t b2 = site_b();
    uintptr_t pcs2[HAK_STACK_MAX_DEPTH];
    unsigned nb2 = hak_stack_get(b2, pcs2, HAK_STACK_MAX_DEPTH);
    frame_name(pcs2[0], name, sizeof name);
    CHECK(strstr(name, " site_b+0x"), "threaded, frame 0: %s", name);
    frame_name(pcs2[1], name, sizeof name);
    CHECK(strstr(name, " main+0x"), "threaded, frame 1: %s", name);
    CHECK(nb2 == nb && pcs2[0] == pcs[0], "threaded: depth %u (alone %u), frame 0 %#lx (alone %#lx)", nb2, nb,
          (unsigned long)pcs2[0], (unsigned long)pcs[0]);
    h = caller_of_helper();
    n = hak_stack_get(h, pcs, HAK_STACK_MAX_DEPTH);
    frame_name(pcs[0], name, sizeof name);
    CHECK(n >= 1 && strstr(name, " caller_of_helper+0x"), "threaded, skip 1, frame 0: %s", name);

    hak_stack_foreach(count, NULL);
    CHECK(seen >= 29 && seen <= 200, "foreach saw %u stacks", seen);
    printf("depot_dedup: ok (%u stacks, last id %u)\n", seen, max_seen);
    return 0;
}

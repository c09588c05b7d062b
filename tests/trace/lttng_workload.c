/* A small deterministic allocation workload for the LTTng tests (tests/trace/lttng_*.sh).
 *
 * Each thread brackets its work between two allocations of LTTNG_MARK bytes, a size
 * nothing else in the run uses, so that a test can find, by the event's tid and seq, the
 * hakmem:alloc and hakmem:free events of exactly these calls among those of the C
 * library's start-up and of lttng-ust's own threads. Every call goes through a volatile
 * function pointer so the compiler cannot pair a malloc with its free and drop both.
 *
 *   lttng_workload [--threads N] [--maps] [--fork]
 * prints `lttng_workload: threads=N malloc=M free=F mark=S`, M and F the calls each thread
 * made between its two marks (the marks not counted), and, with
 * --maps, `lttng-ust mapped: yes|no` from /proc/self/maps. With --fork, a child forked
 * after the threads' work does the work of one thread again (it exits 0 when it did). */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define LTTNG_MARK 11111
#define SLOTS 256
#define OPS 20000

static void *(*volatile do_malloc)(size_t) = malloc;
static void (*volatile do_free)(void *) = free;

struct counts { unsigned long mallocs, frees; };

/* Mostly tiny sizes, some from the pool, a few mapped directly. */
static size_t pick_size(uint64_t r)
{
    unsigned k = (unsigned)(r >> 8) % 100;
    if (k < 80) return 1 + (r >> 20) % 1024;
    if (k < 98) return 1025 + (r >> 20) % (131072 - 1025);
    return 131073 + (r >> 20) % 262144;
}

static void *work(void *arg)
{
    struct counts *c = arg;
    void *slot[SLOTS] = {0};
    uint64_t r = 42;
    /* The thread's first event sets up lttng-ust's per-thread state, which allocates;
     * let that happen before the bracket. */
    do_free(do_malloc(1));
    void *begin = do_malloc(LTTNG_MARK);
    for (int i = 0; i < OPS; i++) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        unsigned s = (unsigned)(r >> 40) % SLOTS;
        if (slot[s]) {
            do_free(slot[s]);
            slot[s] = NULL;
            c->frees++;
        } else {
            size_t n = pick_size(r);
            slot[s] = do_malloc(n);
            if (!slot[s]) abort();
            memset(slot[s], 0xa5, n < 64 ? n : 64);
            c->mallocs++;
        }
    }
    for (int s = 0; s < SLOTS; s++) {
        if (slot[s]) do_free(slot[s]), c->frees++;
    }
    void *end = do_malloc(LTTNG_MARK);
    do_free(begin);
    do_free(end);
    return NULL;
}

/* Whether any mapping of this process is a liblttng-ust library. */
static int lttng_mapped(void)
{
    static char buf[1 << 16];
    int fd = open("/proc/self/maps", O_RDONLY), found = 0;
    ssize_t n;
    size_t keep = 0;
    if (fd < 0) return -1;
    while ((n = read(fd, buf + keep, sizeof buf - 1 - keep)) > 0) {
        buf[keep + n] = 0;
        if (strstr(buf, "liblttng-ust")) found = 1;
        /* keep the tail so a name split across two reads is still seen */
        size_t len = keep + (size_t)n;
        keep = len < 32 ? len : 32;
        memmove(buf, buf + len - keep, keep);
    }
    close(fd);
    return found;
}

int main(int argc, char **argv)
{
    int threads = 1, maps = 0, forks = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--maps")) maps = 1;
        else if (!strcmp(argv[i], "--fork")) forks = 1;
        else {
            fprintf(stderr, "usage: lttng_workload [--threads N] [--maps] [--fork]\n");
            return 2;
        }
    }
    if (threads < 1 || threads > 64) threads = 1;
    struct counts c[64] = {{0}};
    pthread_t t[64];
    work(&c[0]);
    for (int i = 1; i < threads; i++) pthread_create(&t[i], NULL, work, &c[i]);
    for (int i = 1; i < threads; i++) pthread_join(t[i], NULL);
    for (int i = 1; i < threads; i++) {
        if (c[i].mallocs != c[0].mallocs || c[i].frees != c[0].frees) return 1;
    }
    if (forks) {
        pid_t pid = fork();
        if (pid < 0) return 1;
        if (pid == 0) {
            struct counts cc = {0};
            work(&cc);
            _exit(cc.mallocs == c[0].mallocs && cc.frees == c[0].frees ? 0 : 1);
        }
        int st;
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return 1;
    }
    printf("lttng_workload: threads=%d malloc=%lu free=%lu mark=%d\n", threads, c[0].mallocs,
           c[0].frees, LTTNG_MARK);
    if (maps) printf("lttng-ust mapped: %s\n", lttng_mapped() ? "yes" : "no");
    return 0;
}

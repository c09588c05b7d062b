/* bench_exit: what a process's exit costs the allocator, with a heap left behind.
 *
 * Usage: bench_exit [BLOCKS [SIZE [SEED]]]
 *        defaults   1000000  64    42
 *
 * A child process (the allocator under test preloaded in it too) allocates BLOCKS blocks
 * of SIZE bytes, frees every other one in random order, tells the parent, and returns
 * from main. The parent times from that word to the child's end: the exit, where hakmem
 * at level 2 and up sweeps the heap (docs/INTEGRITY.md). ops is BLOCKS, the blocks the
 * heap holds (live or free) at exit; cpu_seconds and maxrss_kib are the child's. */
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_common.h"

static void child(int fd, uint64_t n, size_t size, uint64_t seed)
{
    unsigned char **v = malloc(n * sizeof *v);
    if (!v) die("bench_exit: out of memory");
    for (uint64_t i = 0; i < n; i++) {
        v[i] = malloc(size);
        if (!v[i]) die("bench_exit: malloc(%zu) failed", size);
        v[i][0] = (unsigned char)i;
        escape(v[i]);
    }
    uint64_t rng = rng_seed(seed);
    for (uint64_t k = 0; k < n / 2; k++) { /* half of them, picked at random (some twice: skipped) */
        uint64_t i = rng_range((uint32_t)(rng_next(&rng) >> 32), (uint32_t)n);
        if (v[i]) free(v[i]);
        v[i] = NULL;
    }
    double cpu = clock_sec(CLOCK_PROCESS_CPUTIME_ID);
    if (write(fd, &cpu, sizeof cpu) != sizeof cpu) die("bench_exit: write: %s", strerror(errno));
}

int main(int argc, char **argv)
{
    uint64_t n = arg_u64(argc, argv, 1, 1000000, "BLOCKS");
    size_t size = (size_t)arg_u64(argc, argv, 2, 64, "SIZE");
    uint64_t seed = arg_u64(argc, argv, 3, 42, "SEED");
    if (!n || n > UINT32_MAX || !size) die("bench_exit: BLOCKS 1 to 2^32 - 1, SIZE at least 1");
    int p[2];
    if (pipe(p) != 0) die("bench_exit: pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) die("bench_exit: fork: %s", strerror(errno));
    if (pid == 0) {
        close(p[0]);
        child(p[1], n, size, seed);
        return 0; /* the exit being measured */
    }
    close(p[1]);
    double child_cpu;
    if (read(p[0], &child_cpu, sizeof child_cpu) != sizeof child_cpu) die("bench_exit: the child failed");
    struct timing t;
    timing_start(&t);
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid) die("bench_exit: wait4: %s", strerror(errno));
    timing_stop(&t);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die("bench_exit: the child's exit status is %#x", status);
    t.cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6 -
            child_cpu;
    char params[64];
    snprintf(params, sizeof params, "blocks=%" PRIu64 " size=%zu", n, size);
    report_rss("bench_exit", params, n, &t, n * 31 + size, ru.ru_maxrss);
    return 0;
}

/* Helpers shared by the benchmarks: argument parsing, a seeded xorshift generator,
 * a monotonic clock, peak RSS and the one-line machine-readable report.
 *
 * Every benchmark prints exactly one line on stdout:
 *   NAME [key=value ...] ops=N seconds=S ops_per_sec=R cpu_seconds=C maxrss_kib=K checksum=X
 * where ops counts allocator calls (malloc, free, realloc, posix_memalign, ... each
 * count one), seconds is the time of the measured loop only (CLOCK_MONOTONIC),
 * cpu_seconds the process's CPU time over that loop, and maxrss_kib is the process's peak resident set size (getrusage ru_maxrss). checksum
 * depends only on the arguments, so two runs doing the same work print the same value.
 * Errors (bad arguments, allocation failure, corrupted blocks) go to stderr, exit 1. */
#ifndef HAKMEM_BENCH_COMMON_H
#define HAKMEM_BENCH_COMMON_H

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static inline void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* Argument i of argv as an unsigned integer, or def when absent or "-".
 * Accepts the suffixes k, M, G (powers of 1000), e.g. 10M. */
static inline uint64_t arg_u64(int argc, char **argv, int i, uint64_t def, const char *name)
{
    if (i >= argc || strcmp(argv[i], "-") == 0)
        return def;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(argv[i], &end, 0);
    if (end == argv[i] || argv[i][0] == '-' || errno != 0)
        die("%s: not a number: %s", name, argv[i]);
    switch (*end) {
    case 'k': case 'K': v *= 1000ULL; end++; break;
    case 'm': case 'M': v *= 1000000ULL; end++; break;
    case 'g': case 'G': v *= 1000000000ULL; end++; break;
    default: break;
    }
    if (*end != '\0')
        die("%s: not a number: %s", name, argv[i]);
    return v;
}

static inline const char *arg_str(int argc, char **argv, int i, const char *def)
{
    return (i >= argc || strcmp(argv[i], "-") == 0) ? def : argv[i];
}

/* splitmix64: turns any seed (0 included) into a good xorshift state. */
static inline uint64_t rng_seed(uint64_t seed)
{
    uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return z ? z : 1;
}

/* xorshift64*: a few instructions per number, so the loop measures the allocator. */
static inline uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dULL;
}

/* Maps 32 random bits onto [0, n) without a division. */
static inline uint32_t rng_range(uint32_t bits32, uint32_t n)
{
    return (uint32_t)(((uint64_t)bits32 * n) >> 32);
}

static inline double clock_sec(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The measured span: wall time (CLOCK_MONOTONIC, the figure reported as seconds and
 * used for ops_per_sec) and the CPU time of the whole process over the same span (all
 * threads; cpu_seconds below wall seconds on a single-threaded bench means the process
 * waited for a CPU). */
struct timing {
    double wall, cpu;
};

static inline void timing_start(struct timing *t)
{
    t->cpu = clock_sec(CLOCK_PROCESS_CPUTIME_ID);
    t->wall = clock_sec(CLOCK_MONOTONIC);
}

static inline void timing_stop(struct timing *t)
{
    t->wall = clock_sec(CLOCK_MONOTONIC) - t->wall;
    t->cpu = clock_sec(CLOCK_PROCESS_CPUTIME_ID) - t->cpu;
}

static inline long peak_rss_kib(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return -1;
    return ru.ru_maxrss; /* KiB on Linux */
}

/* Keeps the compiler from reasoning about (and removing) stores into p. */
static inline void escape(void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

/* Prints the report line with the peak RSS given (a child's, say). */
static inline void report_rss(const char *name, const char *params, uint64_t ops, const struct timing *t,
                              uint64_t checksum, long rss_kib)
{
    double rate = t->wall > 0 ? (double)ops / t->wall : 0.0;
    printf("%s%s%s ops=%" PRIu64 " seconds=%.6f ops_per_sec=%.0f cpu_seconds=%.6f maxrss_kib=%ld "
           "checksum=%016" PRIx64 "\n",
           name, params[0] ? " " : "", params, ops, t->wall, rate, t->cpu, rss_kib, checksum);
    fflush(stdout);
}

/* Prints the report line; params is "key=value ..." describing the run (may be ""). */
static inline void report(const char *name, const char *params, uint64_t ops,
                          const struct timing *t, uint64_t checksum)
{
    report_rss(name, params, ops, t, checksum, peak_rss_kib());
}

#endif /* HAKMEM_BENCH_COMMON_H */

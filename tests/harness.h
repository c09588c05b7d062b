/* A tiny test harness: CHECK(cond, fmt, ...) fails the test with a message naming the
 * file and line; EXPECT_EQ compares integers and prints both. A test program returns 0
 * when every check passed, 77 to say it was skipped. Helpers for deterministic data:
 * a seeded xorshift generator, byte patterns and an FNV-1a checksum. */
#ifndef HAKMEM_TEST_HARNESS_H
#define HAKMEM_TEST_HARNESS_H

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
            exit(1);                                                          \
        }                                                                     \
    } while (0)

#define EXPECT_EQ(a, b)                                                       \
    do {                                                                      \
        long long _a = (long long)(a), _b = (long long)(b);                   \
        if (_a != _b) {                                                       \
            fprintf(stderr, "%s:%d: expected %s == %s, got %lld != %lld\n",   \
                    __FILE__, __LINE__, #a, #b, _a, _b);                      \
            exit(1);                                                          \
        }                                                                     \
    } while (0)

#define SKIP(...)                                                             \
    do {                                                                      \
        printf("skipped: " __VA_ARGS__);                                      \
        putchar('\n');                                                        \
        exit(77);                                                             \
    } while (0)

static inline uint64_t test_rand(uint64_t *s) /* xorshift64*, never returns for s == 0 */
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* Hides x from the optimizer, so an allocation size or a bug is not folded away. */
static inline size_t test_opaque(size_t x)
{
    __asm__ volatile("" : "+r"(x));
    return x;
}

/* Word i of a test pattern: a function of (seed, i). */
static inline uint64_t test_pattern_word(uint64_t seed, size_t i)
{
    return (seed ^ (i * 0xD1B54A32D192ED03ULL)) * 0x9E3779B97F4A7C15ULL;
}

/* Fills p with bytes derived from seed, a word at a time (the tail takes the low bytes of
 * the next word), so that a later test_verify can tell whether anything else wrote it. */
static inline void test_fill(void *p, size_t n, uint64_t seed)
{
    unsigned char *b = p;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w = test_pattern_word(seed, i / 8);
        memcpy(b + i, &w, 8);
    }
    uint64_t w = test_pattern_word(seed, i / 8);
    for (; i < n; i++, w >>= 8) b[i] = (unsigned char)w;
}

/* Returns the offset of the first byte that differs from test_fill's, or n. */
static inline size_t test_verify(const void *p, size_t n, uint64_t seed)
{
    const unsigned char *b = p;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, b + i, 8);
        if (w != test_pattern_word(seed, i / 8)) break;
    }
    for (uint64_t w = test_pattern_word(seed, i / 8) >> (8 * (i & 7)); i < n; i++, w >>= 8)
        if (b[i] != (unsigned char)w) return i;
    return n;
}

static inline uint64_t test_fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}
#define TEST_FNV_INIT 0xcbf29ce484222325ULL

/* Resident set size of this process in KiB, from /proc/self/statm. */
static inline long test_rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, res = 0;
    if (!f) return -1;
    if (fscanf(f, "%ld %ld", &size, &res) != 2) res = -1;
    fclose(f);
    return res < 0 ? -1 : res * (sysconf(_SC_PAGESIZE) / 1024);
}

#endif

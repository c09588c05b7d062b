/* Reports from several threads at once (HAKMEM_ON_VIOLATION=report) come out whole: one
 * reporter at a time, so every report's lines follow its own banner. Thread t reports
 * at site "tT" about pointers of its own range; the lines are checked afterwards. */
#include <pthread.h>

#include "api/env.h"
#include "harness.h"
#include "integrity/report.h"

#define THREADS 4
#define REPORTS 100

static pthread_barrier_t start;

static void *worker(void *arg)
{
    long t = (long)arg;
    char site[8];
    snprintf(site, sizeof site, "t%ld", t);
    pthread_barrier_wait(&start);
    for (int i = 0; i < REPORTS; i++) {
        struct hak_violation v = {.kind = HAK_KIND_invalid_free, .site = site, .cls = -1,
                                  .ptr = (void *)(uintptr_t)((t + 1) << 20 | (uintptr_t)i << 4),
                                  .expected = (uint64_t)t, .found = (uint64_t)i, .what = "thread and report"};
        hak_report(&v);
    }
    return NULL;
}

int main(void)
{
    setenv("HAKMEM_ON_VIOLATION", "report", 1);
    setenv("HAKMEM_REPORT", "threads.txt", 1);
    hak_env_read();
    pthread_barrier_init(&start, NULL, THREADS);
    pthread_t th[THREADS];
    for (long t = 0; t < THREADS; t++) pthread_create(&th[t], NULL, worker, (void *)t);
    for (int t = 0; t < THREADS; t++) pthread_join(th[t], NULL);
    EXPECT_EQ(hak_violations_reported(), THREADS * REPORTS);

    FILE *f = fopen("threads.txt", "r");
    CHECK(f, "the report file");
    char line[512];
    int reports = 0, lines = 0;
    long cur = -1;
    while (fgets(line, sizeof line, f)) {
        long t, a, b;
        unsigned long p;
        lines++;
        if (sscanf(line, "hakmem: integrity violation: invalid_free at t%ld (", &t) == 1) {
            cur = t;
            reports++;
        } else if (sscanf(line, "hakmem:   pointer 0x%lx", &p) == 1) {
            CHECK((long)(p >> 20) - 1 == cur, "pointer %lx under the banner of thread %ld", p, cur);
        } else if (sscanf(line, "hakmem:   thread and report: expected 0x%lx, found 0x%lx", &a, &b) == 2) {
            CHECK(a == cur, "line of thread %ld under the banner of thread %ld", a, cur);
        } else {
            CHECK(!strcmp(line, "hakmem:   a pointer hakmem owns but no block starts at\n"), "unexpected line: %s", line);
        }
    }
    fclose(f);
    EXPECT_EQ(reports, THREADS * REPORTS);
    EXPECT_EQ(lines, THREADS * REPORTS * 4);
    printf("report_threads: ok (%d reports, %d lines)\n", reports, lines);
    return 0;
}

/* hak_env_read (src/api/env.c): every variable of INTERFACE.md's table, good values
 * parsed into struct hak_env, bad ones reported in exactly one line with the default
 * used. Calls hak_env_read directly, with stderr captured in a file. */
#include <fcntl.h>

#include "api/env.h"
#include "harness.h"

static const char *vars[] = {"HAKMEM_INTEGRITY_LEVEL", "HAKMEM_ON_VIOLATION", "HAKMEM_TRACE",
                             "HAKMEM_TRACE_RING", "HAKMEM_TRACE_DUMP", "HAKMEM_TRACE_DUMP_AT_EXIT",
                             "HAKMEM_STACKS", "HAKMEM_GUARD", "HAKMEM_LTTNG", "HAKMEM_REPORT",
                             "HAKMEM_REPORT_JSON", "HAKMEM_STATS", "HAKMEM_INJECT"};

static char said[8192];

/* Reads the environment with name=value (and nothing else set); what it printed goes to said. */
static void read_with(const char *name, const char *value)
{
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) unsetenv(vars[i]);
    if (name) setenv(name, value, 1);
    int saved = dup(2), fd = open("stderr.txt", O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0 && saved >= 0, "capture");
    dup2(fd, 2);
    hak_env_read();
    dup2(saved, 2);
    close(saved);
    ssize_t n = pread(fd, said, sizeof said - 1, 0);
    said[n > 0 ? n : 0] = '\0';
    close(fd);
}

static void expect_ok(const char *name, const char *value)
{
    read_with(name, value);
    CHECK(said[0] == '\0', "%s='%s' is valid but was reported: %s", name, value, said);
}

static void expect_bad(const char *name, const char *value, const char *line)
{
    read_with(name, value);
    CHECK(!strcmp(said, line), "%s='%s':\n  said     %s  expected %s", name, value, said, line);
}

int main(void)
{
    /* the defaults */
    read_with(NULL, NULL);
    CHECK(said[0] == '\0', "nothing set, something said: %s", said);
    EXPECT_EQ(hak_env.level, 1);
    EXPECT_EQ(hak_env.on_violation, HAK_ON_ABORT);
    EXPECT_EQ(hak_env.trace, -1);
    EXPECT_EQ(hak_env_trace(), 0);
    EXPECT_EQ(hak_env.trace_ring, 65536);
    CHECK(hak_env.trace_dump == NULL, "dump default");
    EXPECT_EQ(hak_env.trace_dump_at_exit, 0);
    EXPECT_EQ(hak_env.stacks, -1);
    EXPECT_EQ(hak_env_stacks(), 0);
    EXPECT_EQ(hak_env.guard, 0);
    EXPECT_EQ(hak_env.lttng, 0);
    CHECK(!hak_env.report && !hak_env.report_json && !hak_env.inject, "file defaults");
    EXPECT_EQ(hak_env.stats, 0);

    /* good values */
    expect_ok("HAKMEM_INTEGRITY_LEVEL", "4");
    EXPECT_EQ(hak_env.level, 4);
    EXPECT_EQ(hak_env_trace(), 1); /* by level */
    EXPECT_EQ(hak_env_stacks(), 1);
    expect_ok("HAKMEM_INTEGRITY_LEVEL", "3");
    EXPECT_EQ(hak_env_trace(), 1);
    EXPECT_EQ(hak_env_stacks(), 0);
    expect_ok("HAKMEM_ON_VIOLATION", "report");
    EXPECT_EQ(hak_env.on_violation, HAK_ON_REPORT);
    expect_ok("HAKMEM_ON_VIOLATION", "abort");
    EXPECT_EQ(hak_env.on_violation, HAK_ON_ABORT);
    expect_ok("HAKMEM_ON_VIOLATION", "exit:0");
    EXPECT_EQ(hak_env.on_violation, HAK_ON_EXIT);
    EXPECT_EQ(hak_env.exit_code, 0);
    expect_ok("HAKMEM_ON_VIOLATION", "exit:255");
    EXPECT_EQ(hak_env.exit_code, 255);
    expect_ok("HAKMEM_TRACE", "1");
    EXPECT_EQ(hak_env.trace, 1);
    EXPECT_EQ(hak_env_trace(), 1);
    expect_ok("HAKMEM_TRACE", "0");
    EXPECT_EQ(hak_env.trace, 0);
    expect_ok("HAKMEM_TRACE_RING", "1024");
    EXPECT_EQ(hak_env.trace_ring, 1024);
    expect_ok("HAKMEM_TRACE_RING", "16777216");
    EXPECT_EQ(hak_env.trace_ring, 16777216);
    expect_ok("HAKMEM_TRACE_DUMP", "/tmp/dumps");
    CHECK(hak_env.trace_dump && !strcmp(hak_env.trace_dump, "/tmp/dumps"), "dump path");
    expect_ok("HAKMEM_TRACE_DUMP_AT_EXIT", "1");
    EXPECT_EQ(hak_env.trace_dump_at_exit, 1);
    expect_ok("HAKMEM_STACKS", "1");
    EXPECT_EQ(hak_env.stacks, 1);
    EXPECT_EQ(hak_env_stacks(), 1);
    expect_ok("HAKMEM_GUARD", "all");
    EXPECT_EQ(hak_env.guard, 1);
    expect_ok("HAKMEM_GUARD", "100");
    EXPECT_EQ(hak_env.guard, 100);
    expect_ok("HAKMEM_GUARD", "0");
    EXPECT_EQ(hak_env.guard, 0);
    expect_ok("HAKMEM_LTTNG", "1");
    EXPECT_EQ(hak_env.lttng, 1);
    expect_ok("HAKMEM_REPORT", "r.txt");
    CHECK(hak_env.report && !strcmp(hak_env.report, "r.txt"), "report path");
    expect_ok("HAKMEM_REPORT_JSON", "r.jsonl");
    CHECK(hak_env.report_json && !strcmp(hak_env.report_json, "r.jsonl"), "json path");
    expect_ok("HAKMEM_STATS", "1");
    EXPECT_EQ(hak_env.stats, 1);
    expect_ok("HAKMEM_INJECT", "next_off_by_one,after=100,class=3");
    CHECK(hak_env.inject && !strcmp(hak_env.inject, "next_off_by_one,after=100,class=3"), "inject raw");

    /* the copies do not depend on the environment staying as it was */
    setenv("HAKMEM_REPORT", "before", 1);
    hak_env_read();
    setenv("HAKMEM_REPORT", "after!", 1);
    CHECK(!strcmp(hak_env.report, "before"), "report path copied");

    /* bad values: one line each, the default used */
    expect_bad("HAKMEM_INTEGRITY_LEVEL", "5",
               "hakmem: invalid HAKMEM_INTEGRITY_LEVEL='5' (expected 0..4); using 1\n");
    EXPECT_EQ(hak_env.level, 1);
    expect_bad("HAKMEM_ON_VIOLATION", "exit:256",
               "hakmem: invalid HAKMEM_ON_VIOLATION='exit:256' (expected abort, report or exit:N with N in 0..255); using abort\n");
    EXPECT_EQ(hak_env.on_violation, HAK_ON_ABORT);
    expect_bad("HAKMEM_ON_VIOLATION", "exit:",
               "hakmem: invalid HAKMEM_ON_VIOLATION='exit:' (expected abort, report or exit:N with N in 0..255); using abort\n");
    expect_bad("HAKMEM_ON_VIOLATION", "Abort",
               "hakmem: invalid HAKMEM_ON_VIOLATION='Abort' (expected abort, report or exit:N with N in 0..255); using abort\n");
    expect_bad("HAKMEM_TRACE", "yes", "hakmem: invalid HAKMEM_TRACE='yes' (expected 0 or 1); using 0\n");
    EXPECT_EQ(hak_env_trace(), 0);
    expect_bad("HAKMEM_TRACE_RING", "1000",
               "hakmem: invalid HAKMEM_TRACE_RING='1000' (expected a power of two from 1024 to 16777216); using 65536\n");
    EXPECT_EQ(hak_env.trace_ring, 65536);
    expect_bad("HAKMEM_TRACE_RING", "512",
               "hakmem: invalid HAKMEM_TRACE_RING='512' (expected a power of two from 1024 to 16777216); using 65536\n");
    expect_bad("HAKMEM_TRACE_RING", "33554432",
               "hakmem: invalid HAKMEM_TRACE_RING='33554432' (expected a power of two from 1024 to 16777216); using 65536\n");
    char dflt[128];
    snprintf(dflt, sizeof dflt, "hakmem: invalid HAKMEM_TRACE_DUMP='' (expected a file name); using ./hakmem-%d.htrace\n",
             (int)getpid());
    expect_bad("HAKMEM_TRACE_DUMP", "", dflt);
    CHECK(hak_env.trace_dump == NULL, "dump default after a bad value");
    expect_bad("HAKMEM_TRACE_DUMP_AT_EXIT", "2",
               "hakmem: invalid HAKMEM_TRACE_DUMP_AT_EXIT='2' (expected 0 or 1); using 0\n");
    expect_bad("HAKMEM_STACKS", "on", "hakmem: invalid HAKMEM_STACKS='on' (expected 0 or 1); using 0\n");
    EXPECT_EQ(hak_env.stacks, -1);
    expect_bad("HAKMEM_GUARD", "some",
               "hakmem: invalid HAKMEM_GUARD='some' (expected 0, all or N in 1..1073741824); using 0\n");
    expect_bad("HAKMEM_GUARD", "-1",
               "hakmem: invalid HAKMEM_GUARD='-1' (expected 0, all or N in 1..1073741824); using 0\n");
    EXPECT_EQ(hak_env.guard, 0);
    expect_bad("HAKMEM_LTTNG", "", "hakmem: invalid HAKMEM_LTTNG='' (expected 0 or 1); using 0\n");
    expect_bad("HAKMEM_REPORT", "", "hakmem: invalid HAKMEM_REPORT='' (expected a file name); using stderr\n");
    CHECK(!hak_env.report, "report default after a bad value");
    expect_bad("HAKMEM_REPORT_JSON", "", "hakmem: invalid HAKMEM_REPORT_JSON='' (expected a file name); using none\n");
    expect_bad("HAKMEM_STATS", "true", "hakmem: invalid HAKMEM_STATS='true' (expected 0 or 1); using 0\n");

    /* a value cannot forge lines: control bytes escaped, long values cut */
    expect_bad("HAKMEM_TRACE", "1\nhakmem: forged",
               "hakmem: invalid HAKMEM_TRACE='1\\x0ahakmem: forged' (expected 0 or 1); using 0\n");
    char longv[300];
    memset(longv, 'x', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    read_with("HAKMEM_STATS", longv);
    CHECK(strchr(said, '\n') == said + strlen(said) - 1, "one line: %s", said);
    CHECK(strstr(said, "xxx...' (expected 0 or 1); using 0"), "cut: %s", said);
    char longpath[5000];
    memset(longpath, 'p', sizeof longpath - 1);
    longpath[sizeof longpath - 1] = '\0';
    read_with("HAKMEM_REPORT", longpath);
    CHECK(strstr(said, "(expected a file name shorter than 4096 bytes); using stderr\n"), "long path: %s", said);
    CHECK(!hak_env.report, "long path not used");

    /* several bad values: one line each */
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) unsetenv(vars[i]);
    setenv("HAKMEM_TRACE", "x", 1);
    setenv("HAKMEM_GUARD", "y", 1);
    setenv("HAKMEM_INTEGRITY_LEVEL", "4", 1);
    setenv("HAKMEM_STACKS", "z", 1);
    int saved = dup(2), fd = open("stderr.txt", O_RDWR | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    hak_env_read();
    dup2(saved, 2);
    ssize_t n = pread(fd, said, sizeof said - 1, 0);
    said[n > 0 ? n : 0] = '\0';
    CHECK(!strcmp(said, "hakmem: invalid HAKMEM_TRACE='x' (expected 0 or 1); using 1\n"
                        "hakmem: invalid HAKMEM_STACKS='z' (expected 0 or 1); using 1\n"
                        "hakmem: invalid HAKMEM_GUARD='y' (expected 0, all or N in 1..1073741824); using 0\n"),
          "three lines, level defaults shown resolved:\n%s", said);
    printf("env_parse: ok\n");
    return 0;
}

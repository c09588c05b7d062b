/* Reading HAKMEM_* variables (see env.h and INTERFACE.md). Runs inside the first malloc
 * of the process, so it neither allocates nor uses stdio: values are parsed by hand and
 * file names copied into static buffers. */
#include <stdlib.h>
#include <unistd.h>

#include "api/env.h"
#include "os/fmt.h"

#define HAK_DEFAULT_LEVEL 1

struct hak_env hak_env = {.level = HAK_DEFAULT_LEVEL, .trace = -1, .stacks = -1,
                          .trace_ring = HAK_TRACE_RING_DEFAULT};

static char trace_dump_buf[HAK_ENV_PATH_MAX], report_buf[HAK_ENV_PATH_MAX],
    report_json_buf[HAK_ENV_PATH_MAX], inject_buf[HAK_ENV_INJECT_MAX];

// ---- parsing ----

/* A decimal integer in [lo, hi], the whole string; false otherwise. */
static bool parse_int(const char *s, long lo, long hi, long *out)
{
    long v = 0;
    if (!*s) return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return false;
        v = v * 10 + (*s - '0');
        if (v > hi) return false;
    }
    if (v < lo) return false;
    *out = v;
    return true;
}

static bool str_eq(const char *a, const char *b)
{
    while (*a && *a == *b) a++, b++;
    return *a == *b;
}

static bool starts_with(const char *s, const char *prefix)
{
    while (*prefix)
        if (*s++ != *prefix++) return false;
    return true;
}

/* Copies s into buf; false when it is empty or does not fit. */
static bool copy_str(char *buf, size_t size, const char *s)
{
    size_t n = 0;
    while (s[n]) {
        if (n + 1 >= size) return false;
        buf[n] = s[n];
        n++;
    }
    buf[n] = '\0';
    return n > 0;
}

// ---- the one-line complaint ----

/* The value as it may be shown on one line: control and non-ASCII bytes escaped, long
 * values cut, so a hostile value cannot forge further lines. */
static void printable(char *out, size_t size, const char *v)
{
    size_t n = 0;
    for (; *v && n + 8 < size; v++) {
        unsigned char c = (unsigned char)*v;
        if (c >= 0x20 && c < 0x7f && c != '\\') out[n++] = (char)c;
        else n += hak_fmt(out + n, size - n, "\\x%02x", c);
        if (n >= 64 && v[1]) {
            out[n++] = '.', out[n++] = '.', out[n++] = '.';
            break;
        }
    }
    out[n] = '\0';
}

static void bad_value(const char *name, const char *value, const char *expected, const char *dflt)
{
    char shown[96];
    printable(shown, sizeof shown, value);
    hak_dprintf(2, "hakmem: invalid %s='%s' (expected %s); using %s\n", name, shown, expected, dflt);
}

// ---- one reader per kind of variable ----

static bool read_bool(const char *name, bool dflt)
{
    const char *v = secure_getenv(name);
    long n;
    if (!v) return dflt;
    if (parse_int(v, 0, 1, &n)) return n;
    bad_value(name, v, "0 or 1", dflt ? "1" : "0");
    return dflt;
}

/* 0 or 1, or -1 when unset; a bad value gives -1 too (the level's default, shown resolved). */
static int read_tristate(const char *name, bool by_level)
{
    const char *v = secure_getenv(name);
    long n;
    if (!v) return -1;
    if (parse_int(v, 0, 1, &n)) return (int)n;
    bad_value(name, v, "0 or 1", by_level ? "1" : "0");
    return -1;
}

/* A file or directory name, copied to buf; NULL when unset or bad. */
static const char *read_path(const char *name, char *buf, size_t size, const char *dflt)
{
    const char *v = secure_getenv(name);
    if (!v) return NULL;
    if (copy_str(buf, size, v)) return buf;
    bad_value(name, v, *v ? "a file name shorter than 4096 bytes" : "a file name", dflt);
    return NULL;
}

static void read_level(void)
{
    const char *v = secure_getenv("HAKMEM_INTEGRITY_LEVEL");
    long n;
    hak_env.level = HAK_DEFAULT_LEVEL;
    if (v) {
        if (parse_int(v, 0, 4, &n)) hak_env.level = (int)n;
        else bad_value("HAKMEM_INTEGRITY_LEVEL", v, "0..4", "1");
    }
#ifdef HAKMEM_FIXED_LEVEL
    if (v && hak_env.level > HAKMEM_FIXED_LEVEL)
        hak_dprintf(2, "hakmem: HAKMEM_INTEGRITY_LEVEL=%d capped at %d by libhakmem-l%d.so\n",
                    hak_env.level, HAKMEM_FIXED_LEVEL, HAKMEM_FIXED_LEVEL);
    hak_env.level = HAKMEM_FIXED_LEVEL;
#endif
}

static void read_on_violation(void)
{
    const char *v = secure_getenv("HAKMEM_ON_VIOLATION");
    long n;
    hak_env.on_violation = HAK_ON_ABORT;
    hak_env.exit_code = 0;
    if (!v || str_eq(v, "abort")) return;
    if (str_eq(v, "report")) {
        hak_env.on_violation = HAK_ON_REPORT;
    } else if (starts_with(v, "exit:") && parse_int(v + 5, 0, 255, &n)) {
        hak_env.on_violation = HAK_ON_EXIT;
        hak_env.exit_code = (int)n;
    } else {
        bad_value("HAKMEM_ON_VIOLATION", v, "abort, report or exit:N with N in 0..255", "abort");
    }
}

static void read_trace_ring(void)
{
    const char *v = secure_getenv("HAKMEM_TRACE_RING");
    long n;
    hak_env.trace_ring = HAK_TRACE_RING_DEFAULT;
    if (!v) return;
    if (parse_int(v, HAK_TRACE_RING_MIN, HAK_TRACE_RING_MAX, &n) && !(n & (n - 1)))
        hak_env.trace_ring = (uint32_t)n;
    else
        bad_value("HAKMEM_TRACE_RING", v, "a power of two from 1024 to 16777216", "65536");
}

static void read_guard(void)
{
    const char *v = secure_getenv("HAKMEM_GUARD");
    long n;
    hak_env.guard = 0;
    if (!v) return;
    if (str_eq(v, "all")) hak_env.guard = 1;
    else if (parse_int(v, 0, HAK_GUARD_MAX, &n)) hak_env.guard = (uint32_t)n;
    else bad_value("HAKMEM_GUARD", v, "0, all or N in 1..1073741824", "0");
}

static void read_inject(void)
{
    const char *v = secure_getenv("HAKMEM_INJECT");
    hak_env.inject = NULL;
    if (!v || !*v) return;
    if (copy_str(inject_buf, sizeof inject_buf, v)) hak_env.inject = inject_buf;
    else bad_value("HAKMEM_INJECT", v, "fault[,after=N][,class=C] shorter than 256 bytes", "none");
}

void hak_env_read(void)
{
    char dump_default[64];
    read_level();
    read_on_violation();
    hak_env.trace = read_tristate("HAKMEM_TRACE", hak_env.level >= 3);
    read_trace_ring();
    hak_fmt(dump_default, sizeof dump_default, "./hakmem-%d.htrace", (int)getpid());
    hak_env.trace_dump = read_path("HAKMEM_TRACE_DUMP", trace_dump_buf, sizeof trace_dump_buf, dump_default);
    hak_env.trace_dump_at_exit = read_bool("HAKMEM_TRACE_DUMP_AT_EXIT", false);
    hak_env.stacks = read_tristate("HAKMEM_STACKS", hak_env.level >= 4);
    read_guard();
    hak_env.lttng = read_bool("HAKMEM_LTTNG", false);
    hak_env.report = read_path("HAKMEM_REPORT", report_buf, sizeof report_buf, "stderr");
    hak_env.report_json = read_path("HAKMEM_REPORT_JSON", report_json_buf, sizeof report_json_buf, "none");
    hak_env.stats = read_bool("HAKMEM_STATS", false);
    read_inject();
}

/* Reading HAKMEM_* variables (see env.h and docs/INTEGRITY.md). */
#include <stdlib.h>

#include "api/env.h"
#include "os/fmt.h"

#define HAK_DEFAULT_LEVEL 1

struct hak_env hak_env = {.level = HAK_DEFAULT_LEVEL};

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

static void bad_value(const char *name, const char *value, const char *expected, const char *dflt)
{
    hak_dprintf(2, "hakmem: invalid %s='%s' (expected %s); using %s\n", name, value, expected, dflt);
}

static bool read_bool(const char *name, bool dflt)
{
    const char *v = secure_getenv(name);
    long n;
    if (!v) return dflt;
    if (parse_int(v, 0, 1, &n)) return n;
    bad_value(name, v, "0 or 1", dflt ? "1" : "0");
    return dflt;
}

void hak_env_read(void)
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
    hak_env.stats = read_bool("HAKMEM_STATS", false);
}

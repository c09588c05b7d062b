/* The environment, read once at start-up with secure_getenv (a set-user-ID process
 * ignores it), before anything else looks at it: nothing reads a variable later, so no
 * path pays for getenv. Every value is validated; a bad one is reported in exactly one
 * line, `hakmem: invalid NAME='VALUE' (expected ...); using DEFAULT`, and the default
 * used. INTERFACE.md ("Environment") is the table of the variables. */
#ifndef HAK_ENV_H
#define HAK_ENV_H

#include "config.h"

/* HAKMEM_ON_VIOLATION: what hak_report does after the report and the dump. */
enum hak_on_violation {
    HAK_ON_ABORT = 0, /* raise SIGABRT (the default) */
    HAK_ON_REPORT,    /* return and keep running; the caller never reuses the bad block */
    HAK_ON_EXIT,      /* _exit(hak_env.exit_code) */
};

#define HAK_TRACE_RING_DEFAULT 65536u
#define HAK_TRACE_RING_MIN 1024u
#define HAK_TRACE_RING_MAX (1u << 24)
#define HAK_GUARD_MAX (1u << 30)
#define HAK_ENV_PATH_MAX 4096 /* longest file name kept (PATH_MAX) */
#define HAK_ENV_INJECT_MAX 256

struct hak_env {
    int level;            /* HAKMEM_INTEGRITY_LEVEL 0..4, capped by a fixed-level build */
    int on_violation;     /* HAKMEM_ON_VIOLATION: enum hak_on_violation */
    int exit_code;        /* the N of exit:N, 0..255 */
    int trace;            /* HAKMEM_TRACE: 1 or 0; -1 unset: by level (hak_env_trace) */
    uint32_t trace_ring;  /* HAKMEM_TRACE_RING: ring entries per thread, a power of two */
    const char *trace_dump; /* HAKMEM_TRACE_DUMP: file or directory; NULL unset, which
                               means ./hakmem-PID.htrace */
    bool trace_dump_at_exit; /* HAKMEM_TRACE_DUMP_AT_EXIT: also dump when the process exits */
    int stacks;           /* HAKMEM_STACKS: 1 or 0; -1 unset: by level (hak_env_stacks) */
    uint32_t guard;       /* HAKMEM_GUARD: 0 off, 1 every allocation ("all"), N one in N */
    bool lttng;           /* HAKMEM_LTTNG: load the LTTng-UST provider and emit events */
    const char *report;   /* HAKMEM_REPORT: file for reports; NULL: stderr */
    const char *report_json; /* HAKMEM_REPORT_JSON: file for JSON lines; NULL: none */
    bool stats;           /* HAKMEM_STATS: print statistics at exit */
    const char *inject;   /* HAKMEM_INJECT, raw (only libhakmem-inject.so parses it); NULL unset */
};
extern struct hak_env hak_env;

/* Reads every variable. Called once by start-up; sets every field, so calling it again
 * (tests) starts from the defaults. The strings are copies: the program may change its
 * environment afterwards. */
void hak_env_read(void);

/* HAKMEM_TRACE and HAKMEM_STACKS with their level-dependent defaults applied. */
HAK_INLINE bool hak_env_trace(void) { return hak_env.trace < 0 ? hak_env.level >= 3 : hak_env.trace > 0; }
HAK_INLINE bool hak_env_stacks(void) { return hak_env.stacks < 0 ? hak_env.level >= 4 : hak_env.stacks > 0; }

#endif

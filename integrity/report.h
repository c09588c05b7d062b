/* Box I reports: a violation found by a check becomes a report (INTERFACE.md "Violation
 * reports"), a JSON line, a trace dump, and then what HAKMEM_ON_VIOLATION says. */
#ifndef HAK_REPORT_H
#define HAK_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

enum hak_kind {
    HAK_KIND_NONE = 0,
#define HAK_KIND(name, level, doc) HAK_KIND_##name,
#include "integrity/kinds.def"
#undef HAK_KIND
    HAK_KIND_LIMIT
};

const char *hak_kind_name(unsigned kind);

/* What a check found. Fields that do not apply are 0 (cls: -1). */
struct hak_violation {
    unsigned kind;        /* enum hak_kind */
    const char *site;     /* the check that found it, e.g. "free", "tls_pop" */
    const void *ptr;      /* the pointer the program gave or the link that was read */
    const void *base;     /* BASE of the block it belongs to */
    int cls;              /* size class, -1 when none */
    uint32_t stride;
    const void *slab;     /* the slab descriptor */
    uint64_t expected, found;
    const char *what;     /* what expected/found are, e.g. "header magic" */
    uint32_t alloc_stack, free_stack; /* stack depot ids, 0 when unknown */
    const void *bad;      /* the first byte found wrong (sentinel, poison), NULL when none */
    size_t size;          /* bytes the program asked for, 0 when unknown */
};

/* Reports v. Returns only when HAKMEM_ON_VIOLATION=report (the caller must then leave
 * the bad block alone: never reuse it). */
void hak_report(const struct hak_violation *v);

/* How many violations were reported so far (tests, statistics). */
uint64_t hak_violations_reported(void);

/* ---- the pieces of hak_report, for the fatal-signal handler (integrity/signal.c) ----
 * One thread reports at a time: the reporter lock, which knows its owner, so that a
 * violation or fault met while reporting is recognised instead of deadlocking. */
enum hak_report_lock_result {
    HAK_REPORT_LOCKED,    /* the caller reports; hak_report_unlock when done */
    HAK_REPORT_RECURSIVE, /* the calling thread is already reporting */
    HAK_REPORT_TIMEOUT,   /* another thread held it for seconds: report anyway, unlocked */
};
enum hak_report_lock_result hak_report_lock(void);
void hak_report_unlock(void);
/* True once hak_report decided to abort: the SIGABRT that follows is its own. */
bool hak_report_aborting(void);
/* Where reports go: the HAKMEM_REPORT file (created on first use) or stderr. */
int hak_report_fd(void);
/* The report's lines, from the banner to the stacks; counts the violation. */
void hak_report_describe(int fd, const struct hak_violation *v);
/* When the rings record: writes a trace dump (reason: enum htrace_reason) and prints
 * where it went to fd. Returns true and the path in path when one was written. */
bool hak_report_dump(int fd, unsigned reason, uint64_t reason_arg, const struct hak_violation *v, char *path,
                     size_t n);
/* Appends v's JSON line to HAKMEM_REPORT_JSON, when set. dump: the dump's path or NULL. */
void hak_report_json(const struct hak_violation *v, const char *dump);

#endif

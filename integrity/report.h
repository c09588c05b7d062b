/* Box I reports: a violation found by a check becomes a report (INTERFACE.md "Violation
 * reports"), a JSON line, a trace dump, and then what HAKMEM_ON_VIOLATION says. */
#ifndef HAK_REPORT_H
#define HAK_REPORT_H

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
};

/* Reports v. Returns only when HAKMEM_ON_VIOLATION=report (the caller must then leave
 * the bad block alone: never reuse it). */
void hak_report(const struct hak_violation *v);

/* How many violations were reported so far (tests, statistics). */
uint64_t hak_violations_reported(void);

#endif

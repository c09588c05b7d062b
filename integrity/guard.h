/* Guarded allocations (HAKMEM_GUARD, level 4): a block ends against a PROT_NONE guard
 * page and its pages are protected when it is freed, so reads past the end and reads
 * after free fault. The fatal-signal handler asks here whether a fault hit one. */
#ifndef HAK_GUARD_H
#define HAK_GUARD_H

#include <stddef.h>

#include "integrity/report.h"

/* When addr lies in a guard page or a protected freed guarded block, fills v (kind
 * guard_overflow or use_after_free_access, the block, its stacks) and returns true. */
bool hak_guard_classify(const void *addr, struct hak_violation *v);

/* Whether this allocation is to be guarded (HAKMEM_GUARD: all, or one in N). */
bool hak_guard_wanted(void);
/* A guarded block of n bytes (n up to a page), or NULL: then allocate normally. */
void *hak_guard_alloc(size_t n);
/* Frees guarded block p (its region is HAK_REGION_GUARD); reports bad frees. */
void hak_guard_free(void *p);
/* Bytes of live guarded block p, or 0. */
size_t hak_guard_usable(const void *p);

#endif

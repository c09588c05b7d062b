/* Reporting entry points of the checks (violations.c), cold and out of line. */
#ifndef HAK_VIOLATION_H
#define HAK_VIOLATION_H

#include "config.h"
#include "integrity/report.h"

struct hak_slab;

/* Reports kind at site about ptr (block base of slab s when known). Returns only under
 * HAKMEM_ON_VIOLATION=report. */
void hak_violation_block(unsigned kind, unsigned site, const void *ptr, const void *base, const struct hak_slab *s,
                         uint64_t expected, uint64_t found, const char *what);
void hak_violation_pointer(unsigned kind, unsigned site, const void *ptr);
/* Reports kind at site about byte at of large block l (whose header is intact). */
struct hak_large;
void hak_violation_large(unsigned kind, unsigned site, const void *at, const struct hak_large *l, uint64_t expected,
                         uint64_t found, const char *what);
const char *hak_site_name(unsigned site);
/* A pointer given to free or realloc that names no live block: kind foreign_free,
 * interior_free or invalid_free (double_free when it is a large block freed before). */
void hak_report_bad_pointer(const void *p, unsigned kind, unsigned site);
/* p lies in a large mapping whose header (at base) has lost its magic: header_corrupt. */
void hak_report_large_header(const void *p, const void *base, unsigned site);

#endif

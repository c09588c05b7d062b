/* Names of event numbers, sites and violation kinds: from the schema files (the .def
 * files of trace/ and integrity/kinds.def), overridden by the names a dump carries in its
 * SCHEMA, SITES and KINDS sections, so that a dump written by a newer allocator still
 * reads right. */
#ifndef VIEWER_NAMES_H
#define VIEWER_NAMES_H

#include <stdint.h>

/* Violation kinds: the allocator's numbers (integrity/kinds.def, from 1), then the few
 * that only the replay can name (docs/VIEWER.md). */
enum vkind {
    VK_NONE = 0,
#define HAK_KIND(name, level, doc) VK_##name,
#include "integrity/kinds.def"
#undef HAK_KIND
    VK_ALLOC_LIMIT,
    VK_double_alloc = 100, /* a block handed out while it was already allocated */
    VK_LIMIT
};

enum vsite {
#define HAK_SITE(name, num) VS_##name = num,
#include "trace/sites.def"
#undef HAK_SITE
};

struct vnames {
    char *op[256];
    char *site[256];
    char *kind[256];
};

const char *op_name(const struct vnames *n, unsigned op);
const char *site_name(const struct vnames *n, unsigned site);
const char *kind_name(const struct vnames *n, unsigned kind);
/* Event number of "alloc", "tls_push", ...; -1 when unknown. */
int op_by_name(const char *name);

/* Parses a "NUMBER NAME\n" table into tab (numbers >= 256 and junk lines are skipped). */
void names_parse(char *tab[256], const char *text, uint64_t len);
void names_free(struct vnames *n);

#endif

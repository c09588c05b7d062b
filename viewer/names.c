/* Names of events, sites and kinds (names.h). */
#include "names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/event.h"

static const char *const site_table[256] = {
#define HAK_SITE(name, num) [num] = #name,
#include "trace/sites.def"
#undef HAK_SITE
};

static const char *const kind_table[VK_LIMIT] = {
#define HAK_KIND(name, level, doc) [VK_##name] = #name,
#include "integrity/kinds.def"
#undef HAK_KIND
    [VK_double_alloc] = "double_alloc",
};

static const char *numbered(char *buf, const char *what, unsigned n)
{
    snprintf(buf, 32, "%s%u", what, n);
    return buf;
}

const char *op_name(const struct vnames *n, unsigned op)
{
    static __thread char buf[32];
    if (op < 256 && n && n->op[op]) return n->op[op];
    const char *s = hak_event_name(op);
    return s ? s : numbered(buf, "op", op);
}

const char *site_name(const struct vnames *n, unsigned site)
{
    static __thread char buf[32];
    if (site < 256 && n && n->site[site]) return n->site[site];
    if (site < 256 && site_table[site]) return site_table[site];
    return numbered(buf, "site", site);
}

const char *kind_name(const struct vnames *n, unsigned kind)
{
    static __thread char buf[32];
    if (kind < 256 && n && n->kind[kind]) return n->kind[kind];
    if (kind < VK_LIMIT && kind_table[kind]) return kind_table[kind];
    return numbered(buf, "kind", kind);
}

int op_by_name(const char *name)
{
    for (unsigned op = 1; op < HAK_EV_LIMIT; op++) {
        const char *s = hak_event_name(op);
        if (s && strcmp(s, name) == 0) return (int)op;
    }
    return -1;
}

/* Only identifier characters are kept, so a hostile table cannot put control characters
 * or quotes into the output. */
void names_parse(char *tab[256], const char *text, uint64_t len)
{
    uint64_t i = 0;
    while (i < len) {
        uint64_t e = i;
        while (e < len && text[e] != '\n') e++;
        unsigned long num = 0;
        uint64_t p = i;
        int digits = 0;
        while (p < e && text[p] >= '0' && text[p] <= '9' && digits < 6) num = num * 10 + (unsigned)(text[p++] - '0'), digits++;
        if (digits && p < e && text[p] == ' ' && num < 256) {
            p++;
            uint64_t q = p;
            while (q < e && q - p < 48 &&
                   ((text[q] >= 'a' && text[q] <= 'z') || (text[q] >= 'A' && text[q] <= 'Z') ||
                    (text[q] >= '0' && text[q] <= '9') || text[q] == '_'))
                q++;
            if (q > p && q == e) {
                char *s = strndup(text + p, (size_t)(q - p));
                if (s) {
                    free(tab[num]);
                    tab[num] = s;
                }
            }
        }
        i = e + 1;
    }
}

void names_free(struct vnames *n)
{
    for (int i = 0; i < 256; i++) {
        free(n->op[i]);
        free(n->site[i]);
        free(n->kind[i]);
        n->op[i] = n->site[i] = n->kind[i] = NULL;
    }
}

/* JSON writer (json.h). */
#include "json.h"

#include <inttypes.h>

void json_init(struct json *j, FILE *f, int pretty)
{
    j->f = f;
    j->depth = 0;
    j->first[0] = 1;
    j->after_key = 0;
    j->pretty = pretty;
}

static void indent(struct json *j)
{
    if (!j->pretty) return;
    fputc('\n', j->f);
    for (int i = 0; i < j->depth; i++) fputs("  ", j->f);
}

/* Before any value: the comma and line break that separate it from the previous one. */
static void sep(struct json *j)
{
    if (j->after_key) {
        j->after_key = 0;
        return;
    }
    if (j->depth > 0) {
        if (!j->first[j->depth]) fputc(',', j->f);
        indent(j);
    }
    j->first[j->depth] = 0;
}

static void open_(struct json *j, char c)
{
    sep(j);
    fputc(c, j->f);
    if (j->depth < 63) j->depth++;
    j->first[j->depth] = 1;
}

static void close_(struct json *j, char c)
{
    int empty = j->first[j->depth];
    if (j->depth > 0) j->depth--;
    if (!empty) indent(j);
    fputc(c, j->f);
}

void json_obj(struct json *j) { open_(j, '{'); }
void json_end(struct json *j) { close_(j, '}'); }
void json_arr(struct json *j) { open_(j, '['); }
void json_aend(struct json *j) { close_(j, ']'); }

/* The length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or 0. */
static int utf8_len(const unsigned char *p)
{
    int n;
    uint32_t c;
    if (p[0] < 0x80) return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf) n = 2, c = p[0] & 0x1f;
    else if (p[0] >= 0xe0 && p[0] <= 0xef) n = 3, c = p[0] & 0x0f;
    else if (p[0] >= 0xf0 && p[0] <= 0xf4) n = 4, c = p[0] & 0x07;
    else return 0;
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0; /* also stops at the terminating NUL */
        c = c << 6 | (p[i] & 0x3f);
    }
    if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) || (n == 4 && (c < 0x10000 || c > 0x10ffff)))
        return 0;
    return n;
}

/* Strings from a trace (site names, paths of mapped files, babeltrace2's messages) are
 * bytes: a byte that is not part of well-formed UTF-8 becomes U+FFFD, so that the output
 * is always JSON. */
void json_quote(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int n = utf8_len(p);
        if (*p == '"' || *p == '\\') {
            fputc('\\', f);
            fputc(*p, f);
        } else if (*p < 0x20 || *p == 0x7f) {
            fprintf(f, "\\u%04x", *p);
        } else if (n == 0) {
            fputs("\\ufffd", f);
            n = 1;
        } else {
            fwrite(p, 1, (size_t)n, f);
        }
        p += n;
    }
    fputc('"', f);
}

void json_key(struct json *j, const char *k)
{
    sep(j);
    json_quote(j->f, k);
    fputs(j->pretty ? ": " : ":", j->f);
    j->after_key = 1;
}

void json_str(struct json *j, const char *s)
{
    sep(j);
    json_quote(j->f, s ? s : "");
}

void json_u64(struct json *j, uint64_t v)
{
    sep(j);
    fprintf(j->f, "%" PRIu64, v);
}

void json_i64(struct json *j, int64_t v)
{
    sep(j);
    fprintf(j->f, "%" PRId64, v);
}

void json_hex(struct json *j, uint64_t v)
{
    sep(j);
    fprintf(j->f, "\"0x%" PRIx64 "\"", v);
}

void json_bool(struct json *j, int v)
{
    sep(j);
    fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
    sep(j);
    fputs("null", j->f);
}

void json_kstr(struct json *j, const char *k, const char *s) { json_key(j, k); json_str(j, s); }
void json_ku64(struct json *j, const char *k, uint64_t v) { json_key(j, k); json_u64(j, v); }
void json_khex(struct json *j, const char *k, uint64_t v) { json_key(j, k); json_hex(j, v); }
void json_kbool(struct json *j, const char *k, int v) { json_key(j, k); json_bool(j, v); }

void json_done(struct json *j)
{
    fputc('\n', j->f);
    fflush(j->f);
}

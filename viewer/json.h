/* A small streaming JSON writer: keeps track of commas and nesting so that commands
 * write documents as they go, with no tree in memory. Addresses are written as "0x..."
 * strings (64-bit values do not survive JSON numbers in most readers). */
#ifndef VIEWER_JSON_H
#define VIEWER_JSON_H

#include <stdint.h>
#include <stdio.h>

struct json {
    FILE *f;
    int depth;
    int first[64]; /* no member written yet at this depth */
    int after_key;
    int pretty;
};

void json_init(struct json *j, FILE *f, int pretty);
void json_obj(struct json *j);   /* { */
void json_end(struct json *j);   /* } */
void json_arr(struct json *j);   /* [ */
void json_aend(struct json *j);  /* ] */
void json_key(struct json *j, const char *k);
void json_str(struct json *j, const char *s);
void json_u64(struct json *j, uint64_t v);
void json_i64(struct json *j, int64_t v);
void json_hex(struct json *j, uint64_t v);
void json_bool(struct json *j, int v);
void json_null(struct json *j);
/* key + value in one call */
void json_kstr(struct json *j, const char *k, const char *s);
void json_ku64(struct json *j, const char *k, uint64_t v);
void json_khex(struct json *j, const char *k, uint64_t v);
void json_kbool(struct json *j, const char *k, int v);
/* Ends the document with a newline. */
void json_done(struct json *j);
/* Writes s as a JSON string literal. */
void json_quote(FILE *f, const char *s);

#endif

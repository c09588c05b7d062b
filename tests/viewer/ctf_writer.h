/* A tiny CTF 1.8 writer for tests: the hakmem events as LTTng would record them (per-CPU
 * stream files, event names hakmem:NAME, fields _seq, _tid, ...), so that the viewer's
 * CTF reader (libbabeltrace2) can be tested without an LTTng session daemon. Writing
 * CTF, not parsing it: the viewer never parses CTF itself. */
#ifndef TESTS_VIEWER_CTF_WRITER_H
#define TESTS_VIEWER_CTF_WRITER_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/event.h"
#include "trace/htrace_format.h"

#define CTF_MAX_CPUS 16
#define CTF_PACKET 32768 /* payload bytes per packet */
#define CTF_ID_GEOMETRY 100
#define CTF_ID_LAYOUT 101
#define CTF_ID_FOREIGN 200 /* other:e0, other:e1, ...: events of another provider */

struct ctf_stream {
    FILE *f;
    unsigned char buf[CTF_PACKET + 256];
    size_t len;
    uint64_t ts_begin, ts_last;
    int any;
};

struct ctf_writer {
    struct ctf_stream s[CTF_MAX_CPUS];
    unsigned ncpus;
    uint64_t discarded;
    unsigned foreign;      /* event classes of another provider in the metadata (set before ctf_open_dir) */
    unsigned foreign_next; /* the class of the next one written */
};

static void ctf_put(struct ctf_stream *s, const void *p, size_t n)
{
    memcpy(s->buf + s->len, p, n);
    s->len += n;
}

static void ctf_flush(struct ctf_stream *s, unsigned cpu)
{
    if (!s->len) return;
    unsigned char head[8 + 8 * 5 + 4];
    uint32_t magic = 0xC1FC1FC1u, stream_id = 0;
    uint64_t content = (uint64_t)(sizeof head + s->len) * 8, disc = 0;
    memcpy(head, &magic, 4);
    memcpy(head + 4, &stream_id, 4);
    memcpy(head + 8, &s->ts_begin, 8);
    memcpy(head + 16, &s->ts_last, 8);
    memcpy(head + 24, &content, 8);
    memcpy(head + 32, &content, 8); /* packet_size == content_size: no padding */
    memcpy(head + 40, &disc, 8);
    uint32_t c = cpu;
    memcpy(head + 48, &c, 4);
    fwrite(head, 1, sizeof head, s->f);
    fwrite(s->buf, 1, s->len, s->f);
    s->len = 0;
    s->any = 0;
}

static void ctf_begin_event(struct ctf_stream *s, unsigned cpu, uint32_t id, uint64_t ts)
{
    if (s->len > CTF_PACKET) ctf_flush(s, cpu);
    if (ts <= s->ts_last && (s->any || s->ts_last)) ts = s->ts_last + 1; /* monotonic per stream */
    if (!s->any) s->ts_begin = ts;
    s->any = 1;
    s->ts_last = ts;
    ctf_put(s, &id, 4);
    ctf_put(s, &ts, 8);
}

static void ctf_event(struct ctf_writer *w, unsigned cpu, const struct hak_event *e, uint64_t ts)
{
    struct ctf_stream *s = &w->s[cpu % w->ncpus];
    ctf_begin_event(s, cpu % w->ncpus, e->op, ts);
    ctf_put(s, &e->seq, 8);
    ctf_put(s, &e->tid, 4);
    ctf_put(s, &e->cls, 2);
    ctf_put(s, &e->ptr, 8);
    ctf_put(s, &e->base, 8);
    ctf_put(s, &e->value, 8);
    ctf_put(s, &e->size, 8);
    ctf_put(s, &e->site, 1);
}

/* An event of another provider, of each foreign class in turn: a session records other
 * providers' events beside hakmem's, whose fields may have the same names. */
static void ctf_foreign(struct ctf_writer *w, unsigned cpu, uint64_t ts, uint64_t junk)
{
    struct ctf_stream *s = &w->s[cpu % w->ncpus];
    ctf_begin_event(s, cpu % w->ncpus, CTF_ID_FOREIGN + w->foreign_next++ % w->foreign, ts);
    uint32_t tid = (uint32_t)junk;
    ctf_put(s, &junk, 8);
    ctf_put(s, &tid, 4);
    ctf_put(s, &junk, 8);
}

static void ctf_geometry(struct ctf_writer *w, const struct htrace_geometry *g, uint32_t level, uint32_t version,
                         uint64_t ts)
{
    struct ctf_stream *s = &w->s[0];
    ctf_begin_event(s, 0, CTF_ID_GEOMETRY, ts);
    ctf_put(s, &g->superslab_size, 8);
    ctf_put(s, &g->remote_end, 8);
    ctf_put(s, &g->superslab_header, 4);
    ctf_put(s, &g->block_header, 4);
    ctf_put(s, &g->page_size, 4);
    ctf_put(s, &g->nclasses, 4);
    ctf_put(s, &g->tiny_max, 4);
    ctf_put(s, &g->pool_max, 4);
    ctf_put(s, &level, 4);
    ctf_put(s, &version, 4);
}

static void ctf_layout(struct ctf_writer *w, uint32_t cls, const struct htrace_class *c, uint64_t ts)
{
    struct ctf_stream *s = &w->s[0];
    ctf_begin_event(s, 0, CTF_ID_LAYOUT, ts);
    ctf_put(s, &cls, 4);
    ctf_put(s, &c->size, 4);
    ctf_put(s, &c->stride, 4);
    ctf_put(s, &c->user_off, 4);
    ctf_put(s, &c->next_off, 4);
    ctf_put(s, &c->kind, 1);
    ctf_put(s, &c->slab_shift, 1);
}

static int ctf_open_dir(struct ctf_writer *w, const char *dir, unsigned ncpus)
{
    char path[4096];
    snprintf(path, sizeof path, "mkdir -p '%s'", dir);
    if (system(path) != 0) return -1;
    w->ncpus = ncpus ? (ncpus > CTF_MAX_CPUS ? CTF_MAX_CPUS : ncpus) : 1;
    snprintf(path, sizeof path, "%s/metadata", dir);
    FILE *m = fopen(path, "w");
    if (!m) return -1;
    fprintf(m, "/* CTF 1.8 */\n\n"
               "typealias integer { size = 8; align = 8; signed = false; } := uint8_t;\n"
               "typealias integer { size = 16; align = 8; signed = false; } := uint16_t;\n"
               "typealias integer { size = 32; align = 8; signed = false; } := uint32_t;\n"
               "typealias integer { size = 64; align = 8; signed = false; } := uint64_t;\n"
               "typealias integer { size = 64; align = 8; signed = false; base = 16; } := uint64_hex_t;\n\n"
               "trace {\n\tmajor = 1;\n\tminor = 8;\n\tbyte_order = le;\n"
               "\tpacket.header := struct {\n\t\tuint32_t magic;\n\t\tuint32_t stream_id;\n\t};\n};\n\n"
               "env {\n\tdomain = \"ust\";\n\ttracer_name = \"lttng-ust\";\n\tprocname = \"gen_trace\";\n};\n\n"
               "clock {\n\tname = \"monotonic\";\n\tfreq = 1000000000;\n\toffset = 0;\n};\n\n"
               "typealias integer { size = 64; align = 8; signed = false; map = clock.monotonic.value; } := uint64_clock_t;\n\n"
               "stream {\n\tid = 0;\n"
               "\tpacket.context := struct {\n\t\tuint64_clock_t timestamp_begin;\n\t\tuint64_clock_t timestamp_end;\n"
               "\t\tuint64_t content_size;\n\t\tuint64_t packet_size;\n\t\tuint64_t events_discarded;\n\t\tuint32_t cpu_id;\n\t};\n"
               "\tevent.header := struct {\n\t\tuint32_t id;\n\t\tuint64_clock_t timestamp;\n\t};\n};\n\n");
    for (unsigned op = 1; op < HAK_EV_LIMIT; op++) {
        fprintf(m, "event {\n\tname = \"hakmem:%s\";\n\tid = %u;\n\tstream_id = 0;\n\tloglevel = 13;\n"
                   "\tfields := struct {\n\t\tuint64_t _seq;\n\t\tuint32_t _tid;\n\t\tuint16_t _class;\n"
                   "\t\tuint64_hex_t _ptr;\n\t\tuint64_hex_t _base;\n\t\tuint64_hex_t _value;\n\t\tuint64_t _size;\n"
                   "\t\tuint8_t _site;\n\t};\n};\n\n",
                hak_event_name(op), op);
    }
    fprintf(m, "event {\n\tname = \"hakmem:geometry\";\n\tid = %u;\n\tstream_id = 0;\n"
               "\tfields := struct {\n\t\tuint64_hex_t _superslab_size;\n\t\tuint64_hex_t _remote_end;\n"
               "\t\tuint32_t _superslab_header;\n\t\tuint32_t _block_header;\n\t\tuint32_t _page_size;\n"
               "\t\tuint32_t _nclasses;\n\t\tuint32_t _tiny_max;\n\t\tuint32_t _pool_max;\n\t\tuint32_t _level;\n\t\tuint32_t _version;\n\t};\n};\n\n",
            CTF_ID_GEOMETRY);
    fprintf(m, "event {\n\tname = \"hakmem:layout\";\n\tid = %u;\n\tstream_id = 0;\n"
               "\tfields := struct {\n\t\tuint32_t _class;\n\t\tuint32_t _size;\n\t\tuint32_t _stride;\n"
               "\t\tuint32_t _user_off;\n\t\tuint32_t _next_off;\n\t\tuint8_t _kind;\n\t\tuint8_t _slab_shift;\n\t};\n};\n",
            CTF_ID_LAYOUT);
    for (unsigned i = 0; i < w->foreign; i++)
        fprintf(m, "\nevent {\n\tname = \"other:e%u\";\n\tid = %u;\n\tstream_id = 0;\n"
                   "\tfields := struct {\n\t\tuint64_t _seq;\n\t\tuint32_t _tid;\n\t\tuint64_hex_t _ptr;\n\t};\n};\n",
                i, CTF_ID_FOREIGN + i);
    fclose(m);
    for (unsigned c = 0; c < w->ncpus; c++) {
        snprintf(path, sizeof path, "%s/chan_%u", dir, c);
        if (!(w->s[c].f = fopen(path, "wb"))) return -1;
    }
    return 0;
}

static void ctf_close(struct ctf_writer *w)
{
    for (unsigned c = 0; c < w->ncpus; c++) {
        ctf_flush(&w->s[c], c);
        if (w->s[c].f) fclose(w->s[c].f);
        w->s[c].f = NULL;
    }
}

#endif

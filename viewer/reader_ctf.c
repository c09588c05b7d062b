/* The LTTng/CTF reader: libbabeltrace2 does the decoding, in a graph of source.ctf.fs
 * (every stream of the trace directory) -> filter.utils.muxer (one stream, in timestamp
 * order) -> a simple sink of ours that turns hakmem:NAME events into struct hak_event.
 * The graph runs one step at a time as the viewer pulls events, so memory stays bounded.
 *
 * The muxer orders by timestamp, the replay needs seq order: a thread's events are in seq
 * order in its stream, threads interleave by a little, so a reorder window (stream.h)
 * keyed on seq puts them right. hakmem:geometry and hakmem:layout fill in what a dump's
 * GEOMETRY and LAYOUT sections give.
 *
 * One process at a time: LTTng's default buffers are per user, so a session that records a
 * program which starts others (a shell script, make, a launcher) holds the events of all
 * of them, each process numbering its own from 1; replayed as one heap they would look
 * corrupt. An event's process is its vpid context field (lttng add-context -u -t vpid),
 * else the vpid of its trace's environment (per-process buffers, --buffers-pid).
 * Each program that loads the provider emits a hakmem:geometry first: a process that
 * exec()s another program (a launcher, `env`, `sh -c 'exec ...'`) runs a new heap under
 * the same vpid, so a program is a vpid and the number of its geometry events so far,
 * "PID" for the first, "PID.N" for the Nth. The reader keeps to the program asked for,
 * or to the first it meets; when another shows up it reads the rest of the trace only to
 * count each program's events, and fails with a message naming them. Without a vpid, a
 * second hakmem:geometry is all there is to go by. */
#include <babeltrace2/babeltrace.h>
#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "bt_guard.h"
#include "source.h"
#include "stream.h"

#define WINDOW 65536
#define CACHE 64
#define BATCH 4096 /* events the graph runs for between two arms of the guard (bt_guard.h) */

enum { F_SEQ, F_TID, F_CLASS, F_PTR, F_BASE, F_VALUE, F_SIZE, F_SITE, NEV_FIELDS };
static const char *const ev_fields[NEV_FIELDS] = {"seq", "tid", "class", "ptr", "base", "value", "size", "site"};
enum { G_SS_SIZE, G_REMOTE_END, G_SS_HEADER, G_BLOCK_HEADER, G_PAGE, G_NCLASSES, G_TINY_MAX, G_POOL_MAX, G_LEVEL,
       G_VERSION, NGEO };
static const char *const geo_fields[NGEO] = {"superslab_size", "remote_end", "superslab_header", "block_header",
                                             "page_size", "nclasses", "tiny_max", "pool_max", "level", "version"};
enum { L_CLASS, L_SIZE, L_STRIDE, L_USER_OFF, L_NEXT_OFF, L_KIND, L_SLAB_SHIFT, NLAY };
static const char *const lay_fields[NLAY] = {"class", "size", "stride", "user_off", "next_off", "kind", "slab_shift"};

enum { K_OTHER, K_EVENT, K_GEOMETRY, K_LAYOUT };

struct evclass {
    const bt_event_class *ec;
    int kind, op;
    int64_t idx[NGEO]; /* member index of each field we read, -1 if absent */
    int64_t vpid_idx;  /* member index of vpid in the event's common context, -1 if absent */
};

struct ctf {
    bt_graph *graph;
    const bt_plugin *p_ctf, *p_utils;
    bt_message_iterator *it;
    struct vsource *s;
    struct reorder ro;
    struct hak_event *out; /* released by the window, not yet handed out */
    size_t nout, pos, cap;
    int ended, failed;
    int aborted; /* babeltrace2 aborted (bt_guard.h): no more calls into it */
    int have_back; /* an event read ahead at open, handed out first */
    struct hak_event back;
    struct evclass cache[CACHE];
    unsigned ncache;
    uint32_t want_pid, want_gen; /* the program asked for (0: the first met; gen 0: its only one) */
    uint32_t pid, gen;           /* the program being read, pid 0 until known */
    const bt_trace *env_trace;   /* the trace whose environment's vpid is env_pid */
    uint32_t env_pid;
    struct program *progs;       /* every program met, in the order met */
    size_t nprogs, progs_cap;
    uint32_t *latest;            /* by pid (open addressing): 1 + index of its latest program, 0 empty */
    size_t latest_mask;
    int scanning;                /* another program showed up: only counting, to the end */
    char mixed[512];             /* the error, once known */
};

/* A program of the trace: a process's Nth heap (see the top of this file). */
struct program {
    uint32_t pid, gen;
    uint64_t events;
    int geometry; /* its hakmem:geometry was seen */
};

/* Where c->latest keeps pid's latest program (an empty slot if none yet). */
static uint32_t *latest_slot(struct ctf *c, uint32_t pid)
{
    size_t i = (pid * 0x9E3779B1u) & c->latest_mask;
    while (c->latest[i] && c->progs[c->latest[i] - 1].pid != pid) i = (i + 1) & c->latest_mask;
    return &c->latest[i];
}

/* The program that the next event of pid belongs to. A geometry starts a new one when the
 * process's program already had one: a forked child's first events (lttng-ust registering
 * it, which allocates) come before the geometry that hakmem emits for it, and belong with
 * it. NULL when out of memory. */
static struct program *program_of(struct ctf *c, uint32_t pid, int geometry)
{
    /* a table by pid, not a search of every program met: a trace may hold many processes */
    if (!c->latest || (c->nprogs + 1) * 2 > c->latest_mask + 1) {
        size_t mask = c->latest ? c->latest_mask * 2 + 1 : 63;
        uint32_t *t = calloc(mask + 1, sizeof *t), *old = c->latest;
        if (!t) return NULL;
        c->latest = t;
        c->latest_mask = mask;
        for (size_t i = 0; i < c->nprogs; i++) *latest_slot(c, c->progs[i].pid) = (uint32_t)i + 1; /* latest last */
        free(old);
    }
    uint32_t *slot = latest_slot(c, pid);
    struct program *p = *slot ? &c->progs[*slot - 1] : NULL;
    if (p && !geometry) return p;
    if (p && !p->geometry) {
        p->geometry = 1;
        return p;
    }
    /* the process's first event, or its second geometry */
    uint32_t gen = p ? p->gen + 1 : 1;
    if (c->nprogs == c->progs_cap) {
        size_t cap = c->progs_cap ? 2 * c->progs_cap : 16;
        struct program *n = realloc(c->progs, cap * sizeof *n);
        if (!n) return NULL;
        c->progs = n;
        c->progs_cap = cap;
    }
    struct program *q = &c->progs[c->nprogs++];
    *q = (struct program){pid, gen, 0, geometry};
    *slot = (uint32_t)c->nprogs;
    return q;
}

/* The error of a trace that mixes programs, once counted: each, with its events. */
static void name_programs(struct ctf *c)
{
    size_t len = sizeof c->mixed;
    int n;
    if (!c->pid && !c->want_pid) {
        n = snprintf(c->mixed, len,
                     "the trace holds the events of %zu programs (hakmem:geometry events) and nothing tells "
                     "them apart: record with the vpid context (lttng add-context -u -t vpid, as hakmem-run "
                     "--lttng does) or per-process buffers (--buffers-pid)",
                     c->nprogs);
        return;
    }
    if (c->want_pid && !c->gen) {
        char want[32] = "";
        if (c->want_gen) snprintf(want, sizeof want, ".%u", c->want_gen);
        n = snprintf(c->mixed, len, "no events of --pid %u%s in the trace; its %zu programs:", c->want_pid, want,
                     c->nprogs);
    } else {
        n = snprintf(c->mixed, len, "the trace holds the events of %zu programs; choose one with --pid:", c->nprogs);
    }
    for (size_t i = 0; i < c->nprogs && n > 0 && (size_t)n < len; i++) {
        const struct program *p = &c->progs[i];
        int more = 0; /* whether the process ran more than one program */
        for (size_t k = 0; k < c->nprogs && !more; k++) more = k != i && c->progs[k].pid == p->pid;
        char id[32];
        if (more) snprintf(id, sizeof id, "%u.%u", p->pid, p->gen);
        else snprintf(id, sizeof id, "%u", p->pid);
        n += snprintf(c->mixed + n, len - (size_t)n, " %s (%llu events)%s", id, (unsigned long long)p->events,
                      i + 1 < c->nprogs ? "," : "");
    }
    if (n > 0 && (size_t)n >= len) memcpy(c->mixed + len - 5, " ...", 5);
}

/* babeltrace2's error, on one line */
static void take_error(char *err, size_t len, const char *what)
{
    const bt_error *e = bt_current_thread_take_error();
    const char *msg = NULL;
    if (e && bt_error_get_cause_count(e) > 0)
        msg = bt_error_cause_get_message(bt_error_borrow_cause_by_index(e, bt_error_get_cause_count(e) - 1));
    snprintf(err, len, "%s%s%s", what, msg ? ": " : "", msg ? msg : "");
    for (char *p = err; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    if (e) bt_error_release(e);
}

static int64_t member(const bt_field_class *fc, const char *name)
{
    if (!fc || bt_field_class_get_type(fc) != BT_FIELD_CLASS_TYPE_STRUCTURE) return -1;
    uint64_t n = bt_field_class_structure_get_member_count(fc);
    for (uint64_t i = 0; i < n; i++) {
        const char *m = bt_field_class_structure_member_get_name(bt_field_class_structure_borrow_member_by_index_const(fc, i));
        /* LTTng names fields with a leading underscore in its metadata */
        if (m && (strcmp(m, name) == 0 || (m[0] == '_' && strcmp(m + 1, name) == 0))) return (int64_t)i;
    }
    return -1;
}

static struct evclass *classify(struct ctf *c, const bt_event_class *ec)
{
    for (unsigned i = 0; i < c->ncache && i < CACHE; i++)
        if (c->cache[i].ec == ec) return &c->cache[i];
    /* a trace may have more event classes than the cache: the oldest entries make room
     * (the entry returned is used until the next call only) */
    struct evclass *e = &c->cache[c->ncache++ % CACHE];
    *e = (struct evclass){.ec = ec, .kind = K_OTHER};
    for (int k = 0; k < NGEO; k++) e->idx[k] = -1;
    const bt_stream_class *sc = bt_event_class_borrow_stream_class_const(ec);
    e->vpid_idx = member(sc ? bt_stream_class_borrow_event_common_context_field_class_const(sc) : NULL, "vpid");
    const char *name = bt_event_class_get_name(ec);
    if (!name || strncmp(name, "hakmem:", 7) != 0) return e;
    const bt_field_class *fc = bt_event_class_borrow_payload_field_class_const(ec);
    if (strcmp(name + 7, "geometry") == 0) {
        e->kind = K_GEOMETRY;
        for (int k = 0; k < NGEO; k++) e->idx[k] = member(fc, geo_fields[k]);
    } else if (strcmp(name + 7, "layout") == 0) {
        e->kind = K_LAYOUT;
        for (int k = 0; k < NLAY; k++) e->idx[k] = member(fc, lay_fields[k]);
    } else if ((e->op = op_by_name(name + 7)) > 0) {
        e->kind = K_EVENT;
        for (int k = 0; k < NEV_FIELDS; k++) e->idx[k] = member(fc, ev_fields[k]);
    }
    return e;
}

static uint64_t field(const bt_field *payload, int64_t idx)
{
    if (idx < 0) return 0;
    const bt_field *f = bt_field_structure_borrow_member_field_by_index_const(payload, (uint64_t)idx);
    if (!f) return 0;
    bt_field_class_type t = bt_field_get_class_type(f);
    if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER)) return bt_field_integer_unsigned_get_value(f);
    if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)) return (uint64_t)bt_field_integer_signed_get_value(f);
    return 0;
}

/* The process of an event, 0 when nothing says (see the top of this file). */
static uint32_t event_pid(struct ctf *c, const struct evclass *e, const bt_event *ev)
{
    if (e->vpid_idx >= 0) {
        const bt_field *cc = bt_event_borrow_common_context_field_const(ev);
        if (cc) return (uint32_t)field(cc, e->vpid_idx);
    }
    const bt_stream *st = bt_event_borrow_stream_const(ev);
    const bt_trace *t = st ? bt_stream_borrow_trace_const(st) : NULL;
    if (t != c->env_trace) {
        const bt_value *v = t ? bt_trace_borrow_environment_entry_value_by_name_const(t, "vpid") : NULL;
        c->env_trace = t;
        c->env_pid = v && bt_value_get_type(v) == BT_VALUE_TYPE_SIGNED_INTEGER
                         ? (uint32_t)bt_value_integer_signed_get(v)
                         : 0;
    }
    return c->env_pid;
}

/* Whether an event of process pid (kind: K_EVENT, K_GEOMETRY or K_LAYOUT) belongs to the
 * program being read. Counts it for its program; starts the scan when it shows another one;
 * -1 on an error (c->mixed says which). */
static int ours(struct ctf *c, uint32_t pid, int kind)
{
    if (c->want_pid && !pid) {
        snprintf(c->mixed, sizeof c->mixed,
                 "--pid %u: the trace does not say which process an event is of (no vpid context, no "
                 "per-process buffers)",
                 c->want_pid);
        return -1;
    }
    struct program *p = program_of(c, pid, kind == K_GEOMETRY);
    if (!p) {
        snprintf(c->mixed, sizeof c->mixed, "out of memory");
        return -1;
    }
    p->events++;
    if (c->scanning) return 0;
    if (c->want_pid && (pid != c->want_pid || (c->want_gen && p->gen != c->want_gen))) return 0;
    if (!c->gen) {
        c->pid = pid;
        c->gen = p->gen;
        c->s->meta.pid = pid;
        c->s->meta.program = pid ? p->gen : 0;
        return 1;
    }
    if (pid == c->pid && p->gen == c->gen) return 1;
    /* another program: another process (no --pid), or another program of the one asked
     * for, when the process ran several and --pid did not say which */
    c->scanning = 1;
    return 0;
}

static int emit(struct ctf *c, const struct hak_event *ev)
{
    struct hak_event rel;
    if (!reorder_push(&c->ro, ev, &rel)) return 0;
    if (c->nout == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 1024;
        struct hak_event *n = realloc(c->out, nc * sizeof *n);
        if (!n) return -1;
        c->out = n;
        c->cap = nc;
    }
    c->out[c->nout++] = rel;
    return 0;
}

static int on_message(struct ctf *c, const bt_message *msg)
{
    struct vmeta *m = &c->s->meta;
    bt_message_type t = bt_message_get_type(msg);
    if (t == BT_MESSAGE_TYPE_DISCARDED_EVENTS) {
        uint64_t n = 0;
        if (bt_message_discarded_events_get_count(msg, &n) == BT_PROPERTY_AVAILABILITY_AVAILABLE) m->discarded += n;
        else m->discarded++;
        return 0;
    }
    if (t != BT_MESSAGE_TYPE_EVENT) return 0;
    const bt_event *ev = bt_message_event_borrow_event_const(msg);
    struct evclass *e = classify(c, bt_event_borrow_class_const(ev));
    if (e->kind == K_OTHER) return 0;
    const bt_field *p = bt_event_borrow_payload_field_const(ev);
    if (!p) return 0;
    int mine = ours(c, event_pid(c, e, ev), e->kind);
    if (mine < 0) return -2;
    if (!mine) return 0;
    if (e->kind == K_EVENT) {
        struct hak_event h = {
            .seq = field(p, e->idx[F_SEQ]), .tid = (uint32_t)field(p, e->idx[F_TID]),
            .cls = (uint16_t)field(p, e->idx[F_CLASS]), .ptr = field(p, e->idx[F_PTR]),
            .base = field(p, e->idx[F_BASE]), .value = field(p, e->idx[F_VALUE]),
            .size = field(p, e->idx[F_SIZE]), .site = (uint8_t)field(p, e->idx[F_SITE]), .op = (uint8_t)e->op,
        };
        return emit(c, &h);
    }
    if (e->kind == K_GEOMETRY) {
        struct htrace_geometry *g = &m->geo;
        g->superslab_size = field(p, e->idx[G_SS_SIZE]);
        g->remote_end = field(p, e->idx[G_REMOTE_END]);
        g->superslab_header = (uint32_t)field(p, e->idx[G_SS_HEADER]);
        g->block_header = (uint32_t)field(p, e->idx[G_BLOCK_HEADER]);
        g->page_size = (uint32_t)field(p, e->idx[G_PAGE]);
        g->nclasses = (uint32_t)field(p, e->idx[G_NCLASSES]);
        g->tiny_max = (uint32_t)field(p, e->idx[G_TINY_MAX]);
        g->pool_max = (uint32_t)field(p, e->idx[G_POOL_MAX]);
        m->level = (uint32_t)field(p, e->idx[G_LEVEL]);
        /* the event schema's version (trace/htrace_format.h); providers before it had none */
        m->version = e->idx[G_VERSION] < 0 ? 1 : (uint32_t)field(p, e->idx[G_VERSION]);
        m->have_geometry = 1;
        if (g->remote_end) m->remote_end = g->remote_end;
        return 0;
    }
    struct htrace_class hc = {
        .size = (uint32_t)field(p, e->idx[L_SIZE]), .stride = (uint32_t)field(p, e->idx[L_STRIDE]),
        .user_off = (uint32_t)field(p, e->idx[L_USER_OFF]), .next_off = (uint32_t)field(p, e->idx[L_NEXT_OFF]),
        .kind = (uint8_t)field(p, e->idx[L_KIND]), .slab_shift = (uint8_t)field(p, e->idx[L_SLAB_SHIFT]),
    };
    uint64_t cls = field(p, e->idx[L_CLASS]);
    if (cls < VMAX_CLASSES) vmeta_set_class(m, (uint32_t)cls, &hc);
    return 0;
}

/* source.ctf.fs takes trace directories (those holding a metadata file); an LTTng
 * session directory holds them further down (ust/uid/0/64-bit/, ...): look for them,
 * never following symbolic links, bounded in depth and count. */
#define MAX_DEPTH 10
#define MAX_TRACES 1024

static int find_traces(const char *dir, int depth, bt_value *inputs, unsigned *n)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/metadata", dir);
    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        if (*n >= MAX_TRACES) return 0;
        (*n)++;
        return bt_value_array_append_string_element(inputs, dir) == BT_VALUE_ARRAY_APPEND_ELEMENT_STATUS_OK ? 0 : -1;
    }
    if (depth >= MAX_DEPTH) return 0;
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    int rc = 0;
    while (!rc && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path) continue;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) rc = find_traces(path, depth + 1, inputs, n);
    }
    closedir(d);
    return rc;
}

static bt_graph_simple_sink_component_initialize_func_status sink_init(bt_message_iterator *it, void *data)
{
    struct ctf *c = data;
    c->it = it;
    return BT_GRAPH_SIMPLE_SINK_COMPONENT_INITIALIZE_FUNC_STATUS_OK;
}

static bt_graph_simple_sink_component_consume_func_status sink_consume(bt_message_iterator *it, void *data)
{
    struct ctf *c = data;
    bt_message_array_const msgs;
    uint64_t n;
    switch (bt_message_iterator_next(it, &msgs, &n)) {
    case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK: break;
    case BT_MESSAGE_ITERATOR_NEXT_STATUS_END: return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
    case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN: return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_AGAIN;
    case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR: return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_MEMORY_ERROR;
    default: return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
    }
    int rc = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (!rc) rc = on_message(c, msgs[i]);
        bt_message_put_ref(msgs[i]);
    }
    if (rc == -2) return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR; /* c->mixed says why */
    return rc ? BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_MEMORY_ERROR
              : BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}

/* Runs the graph until BATCH events are out, or to its end: 0, or -1 with s->err set. */
static int run_graph(struct ctf *c)
{
    struct vsource *s = c->s;
    if (sigsetjmp(*bt_guard_jmp(), 1)) {
        char why[512];
        bt_guard_why(why, sizeof why);
        snprintf(s->err, sizeof s->err, "CTF decoding failed: %s", why);
        c->failed = c->aborted = 1;
        return -1;
    }
    bt_guard_arm();
    int rc = 0;
    while (!c->ended && c->nout - c->pos < BATCH) {
        bt_graph_run_once_status st = bt_graph_run_once(c->graph);
        if (st == BT_GRAPH_RUN_ONCE_STATUS_END) {
            c->ended = 1;
        } else if (st != BT_GRAPH_RUN_ONCE_STATUS_OK && st != BT_GRAPH_RUN_ONCE_STATUS_AGAIN) {
            take_error(s->err, sizeof s->err, "CTF decoding failed");
            if (c->mixed[0]) snprintf(s->err, sizeof s->err, "%s", c->mixed);
            c->failed = 1;
            rc = -1;
            break;
        }
    }
    bt_guard_disarm();
    return rc;
}

static int next_event(struct vsource *s, struct hak_event *ev)
{
    struct ctf *c = s->impl;
    if (c->have_back) {
        c->have_back = 0;
        *ev = c->back;
        return 1;
    }
    while (c->pos == c->nout || c->scanning) {
        c->pos = c->nout = 0;
        if (c->failed) return -1;
        /* another program showed up, or the one asked for never did */
        if (c->ended && (c->scanning || (c->want_pid && !c->gen))) {
            name_programs(c);
            snprintf(s->err, sizeof s->err, "%s", c->mixed);
            c->failed = 1;
            return -1;
        }
        if (c->ended) {
            if (!reorder_pop(&c->ro, ev)) return 0;
            return 1;
        }
        if (run_graph(c) < 0) return -1;
    }
    *ev = c->out[c->pos++];
    return 1;
}

static void close_ctf(struct vsource *s)
{
    struct ctf *c = s->impl;
    if (!c) return;
    if (!c->aborted) {
        if (!sigsetjmp(*bt_guard_jmp(), 1)) { /* (sigsetjmp may only stand alone in a condition) */
            bt_guard_arm();
            bt_graph_put_ref(c->graph);
            bt_plugin_put_ref(c->p_ctf);
            bt_plugin_put_ref(c->p_utils);
        }
        bt_guard_disarm(); /* also after an abort while finalizing: what was read stands */
    }
    reorder_free(&c->ro);
    free(c->progs);
    free(c->latest);
    free(c->out);
    free(c);
    s->impl = NULL;
}

/* The graph of the top of this file, for the traces in path or below it: 0, or -1 with
 * err set. Every call into babeltrace2 here runs under the caller's guard. */
static int open_graph(struct ctf *c, const char *path, char *err, size_t errlen)
{
    bt_value *params = NULL;
    if (bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, &c->p_ctf) != BT_PLUGIN_FIND_STATUS_OK ||
        bt_plugin_find("utils", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, &c->p_utils) != BT_PLUGIN_FIND_STATUS_OK) {
        take_error(err, errlen, "babeltrace2's ctf and utils plugins are needed to read a trace directory");
        goto bad;
    }
    const bt_component_class_source *src_cls = bt_plugin_borrow_source_component_class_by_name_const(c->p_ctf, "fs");
    const bt_component_class_filter *mux_cls = bt_plugin_borrow_filter_component_class_by_name_const(c->p_utils, "muxer");
    if (!src_cls || !mux_cls || !(c->graph = bt_graph_create(0))) {
        snprintf(err, errlen, "babeltrace2 lacks source.ctf.fs or filter.utils.muxer");
        goto bad;
    }
    bt_value *inputs = NULL;
    unsigned ntraces = 0;
    if (!(params = bt_value_map_create()) ||
        bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) != BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK ||
        find_traces(path, 0, inputs, &ntraces)) {
        snprintf(err, errlen, "out of memory");
        goto bad;
    }
    if (!ntraces) {
        snprintf(err, errlen, "not a CTF trace: no metadata file in the directory or below it");
        goto bad;
    }
    const bt_component_filter *mux;
    const bt_component_sink *sink;
    if (bt_graph_add_filter_component(c->graph, mux_cls, "mux", NULL, BT_LOGGING_LEVEL_NONE, &mux) !=
        BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
        take_error(err, errlen, "cannot set up the muxer");
        goto bad;
    }
    /* One source per trace directory: with per-process buffers (--buffers-pid) each
     * process is a trace of its own, which one source.ctf.fs does not merge. */
    uint64_t nports = 0;
    for (uint64_t t = 0; t < ntraces; t++) {
        const bt_value *dir = bt_value_array_borrow_element_by_index_const(inputs, t);
        bt_value *one = bt_value_map_create(), *in = NULL;
        const bt_component_source *src;
        char name[32];
        snprintf(name, sizeof name, "src%llu", (unsigned long long)t);
        int ok = one && bt_value_map_insert_empty_array_entry(one, "inputs", &in) == BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK &&
                 bt_value_array_append_string_element(in, bt_value_string_get(dir)) ==
                     BT_VALUE_ARRAY_APPEND_ELEMENT_STATUS_OK;
        if (!ok) {
            bt_value_put_ref(one);
            snprintf(err, errlen, "out of memory");
            goto bad;
        }
        bt_graph_add_component_status st =
            bt_graph_add_source_component(c->graph, src_cls, name, one, BT_LOGGING_LEVEL_NONE, &src);
        bt_value_put_ref(one);
        if (st != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
            take_error(err, errlen, "not a CTF trace directory");
            goto bad;
        }
        uint64_t n = bt_component_source_get_output_port_count(src);
        for (uint64_t i = 0; i < n; i++, nports++) {
            /* the muxer adds an input port each time one is connected */
            const bt_port_input *port = bt_component_filter_borrow_input_port_by_index_const(mux, nports);
            if (!port || bt_graph_connect_ports(c->graph, bt_component_source_borrow_output_port_by_index_const(src, i),
                                                port, NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
                take_error(err, errlen, "cannot connect the trace's streams");
                goto bad;
            }
        }
    }
    if (!nports) {
        snprintf(err, errlen, "not a CTF trace directory: no streams");
        goto bad;
    }
    if (bt_graph_add_simple_sink_component(c->graph, "hakmem", sink_init, sink_consume, NULL, c, &sink) !=
            BT_GRAPH_ADD_COMPONENT_STATUS_OK ||
        bt_graph_connect_ports(c->graph, bt_component_filter_borrow_output_port_by_name_const(mux, "out"),
                               bt_component_sink_borrow_input_port_by_index_const(sink, 0),
                               NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
        take_error(err, errlen, "cannot set up the graph");
        goto bad;
    }
    bt_value_put_ref(params);
    return 0;
bad:
    bt_value_put_ref(params);
    return -1;
}

struct vsource *ctf_open(const char *path, uint32_t pid, uint32_t gen, char *err, size_t errlen)
{
    bt_logging_set_global_level(BT_LOGGING_LEVEL_NONE);
    struct vsource *s = vsource_alloc(VFMT_CTF, path);
    struct ctf *c = calloc(1, sizeof *c);
    if (!s || !c || reorder_init(&c->ro, WINDOW)) {
        snprintf(err, errlen, "out of memory");
        free(c);
        free(s);
        return NULL;
    }
    c->s = s;
    c->want_pid = pid;
    c->want_gen = gen;
    s->impl = c;
    s->meta.version = HTRACE_VERSION; /* until a hakmem:geometry says otherwise */
    s->next = next_event;
    s->close = close_ctf;
    if (sigsetjmp(*bt_guard_jmp(), 1)) {
        char why[512];
        bt_guard_why(why, sizeof why);
        snprintf(err, errlen, "not a readable CTF trace: %s", why);
        c->aborted = 1;
        vsource_close(s);
        return NULL;
    }
    bt_guard_arm();
    int r = open_graph(c, path, err, errlen);
    bt_guard_disarm();
    if (r) {
        vsource_close(s);
        return NULL;
    }
    /* Run until the first hakmem event (or the end), so that the geometry and layout,
     * which come first, are known before the caller looks at the metadata. */
    r = next_event(s, &c->back);
    if (r < 0) {
        snprintf(err, errlen, "%s", s->err);
        vsource_close(s);
        return NULL;
    }
    c->have_back = r > 0;
    if (s->meta.version > HTRACE_VERSION) {
        snprintf(err, errlen, "trace of event schema version %u; this viewer reads %u to %u", s->meta.version,
                 HTRACE_VERSION_MIN, HTRACE_VERSION);
        vsource_close(s);
        return NULL;
    }
    return s;
}

/* summary: what a trace holds: the run (pid, level, why it was dumped), its rings, counts
 * by event, thread and class, the seq range and the violations. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "eventfmt.h"
#include "json.h"

struct tcount {
    uint32_t tid;
    uint64_t n;
};

struct counts {
    uint64_t by_op[256];
    uint64_t *by_class; /* 65536 entries: class 0xffff is "none" */
    struct tcount *thr; /* open addressing on tid */
    uint32_t tmask, tused;
    uint64_t events, first, last, holes, out_of_order, violations;
    int have_violation;
    struct hak_event violation;
};

static int count_thread(struct counts *c, uint32_t tid)
{
    uint32_t i = (tid * 0x9E3779B1u) & c->tmask;
    for (;; i = (i + 1) & c->tmask) {
        if (c->thr[i].n && c->thr[i].tid == tid) {
            c->thr[i].n++;
            return 0;
        }
        if (!c->thr[i].n) break;
    }
    if ((c->tused + 1) * 2 > c->tmask) {
        uint32_t nmask = c->tmask * 2 + 1;
        struct tcount *nt = calloc((size_t)nmask + 1, sizeof *nt);
        if (!nt) return -1;
        for (uint32_t k = 0; k <= c->tmask; k++) {
            if (!c->thr[k].n) continue;
            uint32_t j = (c->thr[k].tid * 0x9E3779B1u) & nmask;
            while (nt[j].n) j = (j + 1) & nmask;
            nt[j] = c->thr[k];
        }
        free(c->thr);
        c->thr = nt;
        c->tmask = nmask;
        i = (tid * 0x9E3779B1u) & c->tmask;
        while (c->thr[i].n) i = (i + 1) & c->tmask;
    }
    c->thr[i].tid = tid;
    c->thr[i].n = 1;
    c->tused++;
    return 0;
}

static int by_tid(const void *a, const void *b)
{
    const struct tcount *x = a, *y = b;
    return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static void print_text(const struct vmeta *m, struct counts *c, struct tcount *thr, uint32_t nthr)
{
    printf("input:      %s (%s)\n", m->path, m->format == VFMT_HTRACE ? ".htrace dump" : "CTF trace");
    if (m->have_header)
        printf("run:        pid %u, level %u, dumped on %s (%" PRIu64 "), seq_next %" PRIu64 "\n", m->pid, m->level,
               reason_name(m->reason), m->reason_arg, m->seq_next);
    if (m->format == VFMT_CTF && m->program)
        printf("program:    pid %u, the %u%s program it ran\n", m->pid, m->program,
               m->program == 1 ? "st" : m->program == 2 ? "nd" : m->program == 3 ? "rd" : "th");
    printf("events:     %" PRIu64, c->events);
    if (c->events) printf(", seq %" PRIu64 " .. %" PRIu64 " (%" PRIu64 " missing)", c->first, c->last, c->holes);
    printf("\n");
    if (m->format == VFMT_HTRACE) {
        printf("complete:   every ring from seq %" PRIu64 "%s\n", m->complete_from,
               m->complete_from ? " (earlier events only from rings that kept them)" : "");
        printf("rings:      %u\n", m->nrings);
        for (uint32_t i = 0; i < m->nrings; i++) {
            const struct vring *r = &m->rings[i];
            printf("  thread %-6u %10" PRIu64 " events kept; ring of %" PRIu64 " entries, %" PRIu64 " written%s", r->tid,
                   r->count, r->capacity, r->written, r->flags & HTRACE_RING_EXITED ? ", exited" : "");
            if (r->count) printf(", seq %" PRIu64 " .. %" PRIu64, r->first_seq, r->last_seq);
            if (r->late) printf(", %" PRIu64 " written after the dump began (dropped)", r->late);
            printf("\n");
        }
        printf("slabs:      %u in the dump's slab table\n", m->nslabs);
        printf("stacks:     %u\n", m->nstacks);
    }
    if (m->discarded) printf("discarded:  %" PRIu64 " events lost by the tracer\n", m->discarded);
    if (c->out_of_order) printf("disorder:   %" PRIu64 " events out of seq order\n", c->out_of_order);
    printf("by event:\n");
    for (unsigned op = 0; op < 256; op++)
        if (c->by_op[op]) printf("  %-14s %12" PRIu64 "\n", op_name(&m->names, op), c->by_op[op]);
    printf("by thread:\n");
    for (uint32_t i = 0; i < nthr; i++) printf("  %-14u %12" PRIu64 "\n", thr[i].tid, thr[i].n);
    printf("by class:\n");
    for (unsigned k = 0; k < 65536; k++) {
        if (!c->by_class[k]) continue;
        if (k == HAK_EVENT_NO_CLASS) printf("  %-14s %12" PRIu64 "\n", "none", c->by_class[k]);
        else printf("  %-14u %12" PRIu64 "\n", k, c->by_class[k]);
    }
    printf("violations: %" PRIu64 " event%s", c->violations, c->violations == 1 ? "" : "s");
    if (m->have_violation)
        printf("; report: %s at %s (thread %u, seq %" PRIu64 ", ptr 0x%" PRIx64 ")", kind_name(&m->names, m->violation.kind),
               m->violation.site[0] ? m->violation.site : "?", m->violation.tid, m->violation.seq, m->violation.ptr);
    printf("\n");
    if (c->have_violation) {
        printf("first violation event:\n");
        event_text(stdout, m, &c->violation);
    }
}

static void print_json(const struct vmeta *m, struct counts *c, struct tcount *thr, uint32_t nthr)
{
    struct json j;
    json_init(&j, stdout, 1);
    json_obj(&j);
    json_kstr(&j, "input", m->path);
    json_kstr(&j, "format", m->format == VFMT_HTRACE ? "htrace" : "ctf");
    if (m->format == VFMT_CTF && m->program) {
        json_ku64(&j, "pid", m->pid);
        json_ku64(&j, "program", m->program);
    }
    if (m->have_header) {
        json_ku64(&j, "pid", m->pid);
        json_ku64(&j, "level", m->level);
        json_kstr(&j, "reason", reason_name(m->reason));
        json_ku64(&j, "reason_arg", m->reason_arg);
        json_ku64(&j, "seq_next", m->seq_next);
    }
    json_ku64(&j, "events", c->events);
    json_key(&j, "seq");
    json_obj(&j);
    json_ku64(&j, "first", c->events ? c->first : 0);
    json_ku64(&j, "last", c->events ? c->last : 0);
    json_ku64(&j, "missing", c->holes);
    json_ku64(&j, "out_of_order", c->out_of_order);
    json_end(&j);
    json_ku64(&j, "complete_from", m->complete_from);
    json_ku64(&j, "discarded", m->discarded);
    json_key(&j, "rings");
    json_arr(&j);
    for (uint32_t i = 0; i < m->nrings; i++) {
        const struct vring *r = &m->rings[i];
        json_obj(&j);
        json_ku64(&j, "tid", r->tid);
        json_ku64(&j, "capacity", r->capacity);
        json_ku64(&j, "written", r->written);
        json_ku64(&j, "count", r->count);
        json_ku64(&j, "first_seq", r->first_seq);
        json_ku64(&j, "last_seq", r->last_seq);
        json_ku64(&j, "dropped_late", r->late);
        json_kbool(&j, "exited", !!(r->flags & HTRACE_RING_EXITED));
        json_kbool(&j, "lost_older", !!(r->flags & HTRACE_RING_LOST));
        json_end(&j);
    }
    json_aend(&j);
    json_ku64(&j, "slabs", m->nslabs);
    json_ku64(&j, "stacks", m->nstacks);
    json_key(&j, "by_event");
    json_obj(&j);
    for (unsigned op = 0; op < 256; op++)
        if (c->by_op[op]) json_ku64(&j, op_name(&m->names, op), c->by_op[op]);
    json_end(&j);
    json_key(&j, "by_thread");
    json_obj(&j);
    char key[32];
    for (uint32_t i = 0; i < nthr; i++) {
        snprintf(key, sizeof key, "%u", thr[i].tid);
        json_ku64(&j, key, thr[i].n);
    }
    json_end(&j);
    json_key(&j, "by_class");
    json_obj(&j);
    for (unsigned k = 0; k < 65536; k++) {
        if (!c->by_class[k]) continue;
        if (k == HAK_EVENT_NO_CLASS) snprintf(key, sizeof key, "none");
        else snprintf(key, sizeof key, "%u", k);
        json_ku64(&j, key, c->by_class[k]);
    }
    json_end(&j);
    json_key(&j, "violations");
    json_obj(&j);
    json_ku64(&j, "events", c->violations);
    json_key(&j, "first_event");
    if (c->have_violation) event_json(&j, m, &c->violation);
    else json_null(&j);
    json_key(&j, "report");
    if (m->have_violation) {
        const struct htrace_violation *v = &m->violation;
        json_obj(&j);
        json_kstr(&j, "kind", kind_name(&m->names, v->kind));
        json_kstr(&j, "site", v->site);
        json_ku64(&j, "tid", v->tid);
        json_ku64(&j, "seq", v->seq);
        json_khex(&j, "ptr", v->ptr);
        json_khex(&j, "base", v->base);
        json_khex(&j, "expected", v->expected);
        json_khex(&j, "found", v->found);
        json_ku64(&j, "alloc_stack", v->alloc_stack);
        json_ku64(&j, "free_stack", v->free_stack);
        json_end(&j);
    } else {
        json_null(&j);
    }
    json_end(&j);
    json_end(&j);
    json_done(&j);
}

int cmd_summary(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int json = 0, o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
        if (o == 'j') json = 1;
        else return cli_usage(argv[0], o == 'h' ? NULL : "bad option");
    }
    if (optind != argc - 1) return cli_usage(argv[0], "one INPUT expected");
    struct vsource *s = cli_open(argv[optind], json);
    if (!s) return EXIT_BADINPUT;

    struct counts c;
    memset(&c, 0, sizeof c);
    c.by_class = calloc(65536, sizeof *c.by_class);
    c.tmask = 63;
    c.thr = calloc(c.tmask + 1, sizeof *c.thr);
    if (!c.by_class || !c.thr) {
        fprintf(stderr, "hakmem-trace: out of memory\n");
        return EXIT_BADINPUT;
    }
    struct hak_event ev;
    int r;
    uint64_t prev = 0;
    while ((r = vsource_next(s, &ev)) > 0) {
        if (!c.events) c.first = ev.seq;
        else if (ev.seq <= prev) c.out_of_order++;
        else c.holes += ev.seq - prev - 1;
        prev = ev.seq;
        if (!c.events || ev.seq > c.last) c.last = ev.seq;
        c.events++;
        c.by_op[ev.op]++;
        c.by_class[ev.cls]++;
        count_thread(&c, ev.tid);
        if (ev.op == HAK_EV_violation) {
            if (!c.violations) c.violation = ev, c.have_violation = 1;
            c.violations++;
        }
    }
    int rc = EXIT_CLEAN;
    if (r < 0) {
        rc = cli_stream_error(s, json);
    } else {
        struct tcount *thr = malloc((c.tused ? c.tused : 1) * sizeof *thr);
        uint32_t n = 0;
        for (uint32_t i = 0; thr && i <= c.tmask; i++)
            if (c.thr[i].n) thr[n++] = c.thr[i];
        if (thr) qsort(thr, n, sizeof *thr, by_tid);
        if (json) print_json(&s->meta, &c, thr, thr ? n : 0);
        else print_text(&s->meta, &c, thr, thr ? n : 0);
        free(thr);
    }
    free(c.by_class);
    free(c.thr);
    vsource_close(s);
    return rc;
}

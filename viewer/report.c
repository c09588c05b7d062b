/* The replay's report (report.h). */
#include "report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "eventfmt.h"
#include "history.h"

static uint64_t noticed_seq(const struct vmeta *m, const struct report *rp)
{
    if (rp->st->have_violation_event) return rp->st->violation.seq;
    if (m->have_violation) return m->violation.seq;
    return 0;
}

int report_collect(struct vsource *s, struct report *rp, uint32_t nhist)
{
    const struct finding *f = rp->f;
    rp->hist_cap = nhist;
    rp->hist = nhist ? calloc(nhist, sizeof *rp->hist) : NULL;
    uint64_t bad = f->first_bad.seq, until = noticed_seq(&s->meta, rp);
    if (until < bad) until = bad;
    uint64_t lo = f->block_base, hi = f->block_base + f->stride;
    uint64_t first = f->culprit_seq && f->culprit_seq < bad ? f->culprit_seq : bad;
    if (f->window_from && f->window_from < first) first = f->window_from;
    struct hak_event ev;
    int r;
    while ((r = vsource_next(s, &ev)) > 0) {
        if (ev.seq > until && ev.seq > bad) break;
        if (ev.seq >= first && ev.seq <= bad) rp->culprit_distance++;
        if (f->culprit_seq && ev.seq == f->culprit_seq && !rp->have_culprit) rp->culprit = ev, rp->have_culprit = 1;
        if (f->window_from && ev.seq == f->window_from && !rp->have_window) rp->window = ev, rp->have_window = 1;
        if (f->culprit_last && ev.seq == f->culprit_last && !rp->have_last) rp->last = ev, rp->have_last = 1;
        if (!f->have_block || ev.seq < f->history_from || !event_touches(&ev, lo, hi)) continue;
        if (ev.seq <= bad) {
            if (rp->hist) rp->hist[rp->hist_seen % rp->hist_cap] = ev;
            rp->hist_seen++;
        } else if (rp->nafter < REPORT_AFTER) {
            rp->after[rp->nafter++] = ev;
        }
    }
    if (rp->culprit_distance) rp->culprit_distance--; /* events strictly between */
    return r < 0 ? -1 : 0;
}

void report_free(struct report *rp)
{
    free(rp->hist);
    rp->hist = NULL;
}

static void marked(FILE *out, const struct vmeta *m, const struct report *rp, const struct hak_event *ev)
{
    const struct finding *f = rp->f;
    const char *mark = ev->seq == f->first_bad.seq ? "bad>"
                       : f->culprit_seq && ev->seq == f->culprit_seq && !f->culprit_outside ? "cul>"
                       : f->window_from && ev->seq == f->window_from ? "win>"
                                                                      : "    ";
    fprintf(out, "  %s", mark);
    event_text(out, m, ev);
}

static void stacks_text(FILE *out, const struct vmeta *m, struct symbolizer *z)
{
    if (!m->have_violation) return;
    const struct vstack *a = vmeta_stack(m, m->violation.alloc_stack), *fr = vmeta_stack(m, m->violation.free_stack);
    if (a) {
        fprintf(out, "allocation stack (id %u):\n", a->id);
        stack_text(z, a, out);
    }
    if (fr) {
        fprintf(out, "free stack (id %u):\n", fr->id);
        stack_text(z, fr, out);
    }
}

void report_text(FILE *out, const struct vmeta *m, const struct report *rp, struct symbolizer *z)
{
    const struct finding *f = rp->f;
    fprintf(out, "kind:       %s%s\n", kind_name(&m->names, f->kind),
            f->by_allocator ? " (reported by the allocator)" : "");
    fprintf(out, "what:       %s\n", f->what);
    fprintf(out, "first bad:");
    event_text(out, m, &f->first_bad);
    if (f->culprit_outside) {
        fprintf(out, "culprit:    outside the trace: the program wrote the block after the allocator's last event on it\n");
        fprintf(out, "window:     from seq %" PRIu64 " to seq %" PRIu64 "; last allocator event on the block:\n",
                f->window_from, f->first_bad.seq);
        if (rp->have_window) {
            fprintf(out, "          ");
            event_text(out, m, &rp->window);
        }
        if (f->have_neighbour)
            fprintf(out, "neighbour:  the block before (0x%" PRIx64 ") is %s%s\n", f->neighbour_base,
                    bstate_name(f->neighbour_state),
                    f->neighbour_state == B_ALLOCATED ? ": an overflow out of it would land here" : "");
    } else if (f->culprit_seq && rp->have_culprit) {
        fprintf(out, "culprit:  ");
        event_text(out, m, &rp->culprit);
        if (f->culprit_seq != f->first_bad.seq)
            fprintf(out, "            %" PRIu64 " events before the first bad one\n", rp->culprit_distance);
        if (rp->have_last && f->culprit_last != f->culprit_seq)
            fprintf(out, "            (the earliest of the events up to seq %" PRIu64 " that moved the slab's counts)\n",
                    f->culprit_last);
    } else if (f->culprit_seq) {
        fprintf(out, "culprit:    seq %" PRIu64 " (not in the trace any more)\n", f->culprit_seq);
    } else {
        fprintf(out, "culprit:    not in the trace");
        if (f->window_from) fprintf(out, "; last allocator event on the block: seq %" PRIu64, f->window_from);
        fprintf(out, "\n");
    }
    if (f->have_block) {
        fprintf(out, "block:      0x%" PRIx64 ", class %u, stride %u, slab 0x%" PRIx64 "-0x%" PRIx64 " (descriptor 0x%" PRIx64 ")\n",
                f->block_base, f->block_cls, f->stride, f->slab_start, f->slab_end, f->slab_desc);
    }
    if (f->have_values)
        fprintf(out, "expected:   0x%" PRIx64 ", found 0x%" PRIx64 "\n", f->expected, f->found_value);
    if (rp->st->have_violation_event && !f->by_allocator) {
        fprintf(out, "noticed:  ");
        event_text(out, m, &rp->st->violation);
        if (f->culprit_seq && rp->st->violation.seq > f->culprit_seq)
            fprintf(out, "            by the allocator, %" PRIu64 " seqs after the culprit\n",
                    rp->st->violation.seq - f->culprit_seq);
    }
    if (m->have_violation)
        fprintf(out, "report:     %s at %s, thread %u, ptr 0x%" PRIx64 ", expected 0x%" PRIx64 ", found 0x%" PRIx64 "\n",
                kind_name(&m->names, m->violation.kind), m->violation.site[0] ? m->violation.site : "?",
                m->violation.tid, m->violation.ptr, m->violation.expected, m->violation.found);
    if (rp->hist_seen || rp->nafter) {
        uint64_t k = rp->hist_seen < rp->hist_cap ? rp->hist_seen : rp->hist_cap;
        fprintf(out, "history of the block (%" PRIu64 " of %" PRIu64 " events up to the first bad one%s):\n", k,
                rp->hist_seen, rp->nafter ? ", then what followed" : "");
        for (uint64_t i = rp->hist_seen - k; i < rp->hist_seen; i++) marked(out, m, rp, &rp->hist[i % rp->hist_cap]);
        for (uint32_t i = 0; i < rp->nafter; i++) marked(out, m, rp, &rp->after[i]);
    }
    stacks_text(out, m, z);
}

static void ev_or_seq(struct json *j, const struct vmeta *m, int have, const struct hak_event *ev, uint64_t seq)
{
    json_obj(j);
    if (have) event_json_fields(j, m, ev);
    else json_ku64(j, "seq", seq);
}

void report_json(struct json *j, const struct vmeta *m, const struct report *rp, struct symbolizer *z)
{
    const struct finding *f = rp->f;
    json_obj(j);
    json_kstr(j, "kind", kind_name(&m->names, f->kind));
    json_kstr(j, "source", f->by_allocator ? "allocator" : "replay");
    json_kstr(j, "rule", f->rule ? f->rule : "");
    json_kstr(j, "what", f->what);
    json_key(j, "first_bad");
    event_json(j, m, &f->first_bad);
    json_key(j, "culprit");
    if (f->culprit_outside) {
        ev_or_seq(j, m, rp->have_window, &rp->window, f->window_from);
        json_kbool(j, "outside_trace", 1);
        json_key(j, "window");
        json_obj(j);
        json_ku64(j, "from", f->window_from);
        json_ku64(j, "to", f->first_bad.seq);
        json_end(j);
        json_end(j);
    } else if (f->culprit_seq) {
        ev_or_seq(j, m, rp->have_culprit, &rp->culprit, f->culprit_seq);
        json_kbool(j, "outside_trace", 0);
        json_ku64(j, "events_before_first_bad", f->culprit_seq == f->first_bad.seq ? 0 : rp->culprit_distance);
        if (rp->st->have_violation_event && rp->st->violation.seq > f->culprit_seq)
            json_ku64(j, "seqs_before_noticed", rp->st->violation.seq - f->culprit_seq);
        if (f->culprit_last && f->culprit_last != f->culprit_seq) json_ku64(j, "candidates_until", f->culprit_last);
        json_end(j);
    } else {
        json_null(j);
    }
    json_key(j, "block");
    if (f->have_block) {
        json_obj(j);
        json_khex(j, "base", f->block_base);
        json_ku64(j, "class", f->block_cls);
        json_ku64(j, "stride", f->stride);
        json_khex(j, "slab", f->slab_start);
        json_khex(j, "slab_end", f->slab_end);
        json_khex(j, "slab_desc", f->slab_desc);
        json_end(j);
    } else {
        json_null(j);
    }
    if (f->have_values) {
        json_khex(j, "expected", f->expected);
        json_khex(j, "found", f->found_value);
    }
    if (f->have_neighbour) {
        json_key(j, "neighbour");
        json_obj(j);
        json_khex(j, "base", f->neighbour_base);
        json_kstr(j, "state", bstate_name(f->neighbour_state));
        json_ku64(j, "since", f->neighbour_seq);
        json_end(j);
    }
    json_key(j, "noticed");
    if (rp->st->have_violation_event) event_json(j, m, &rp->st->violation);
    else json_null(j);
    json_key(j, "report");
    if (m->have_violation) {
        const struct htrace_violation *v = &m->violation;
        json_obj(j);
        json_kstr(j, "kind", kind_name(&m->names, v->kind));
        json_kstr(j, "site", v->site);
        json_ku64(j, "tid", v->tid);
        json_ku64(j, "seq", v->seq);
        json_khex(j, "ptr", v->ptr);
        json_khex(j, "base", v->base);
        json_khex(j, "expected", v->expected);
        json_khex(j, "found", v->found);
        json_end(j);
    } else {
        json_null(j);
    }
    json_key(j, "history");
    json_arr(j);
    uint64_t k = rp->hist_seen < rp->hist_cap ? rp->hist_seen : rp->hist_cap;
    for (uint64_t i = rp->hist_seen - k; i < rp->hist_seen; i++) event_json(j, m, &rp->hist[i % rp->hist_cap]);
    for (uint32_t i = 0; i < rp->nafter; i++) event_json(j, m, &rp->after[i]);
    json_aend(j);
    json_key(j, "stacks");
    json_obj(j);
    if (m->have_violation) {
        const struct vstack *a = vmeta_stack(m, m->violation.alloc_stack), *fr = vmeta_stack(m, m->violation.free_stack);
        json_key(j, "alloc");
        if (a) stack_json(z, a, j);
        else json_null(j);
        json_key(j, "free");
        if (fr) stack_json(z, fr, j);
        else json_null(j);
    }
    json_end(j);
    json_end(j);
}

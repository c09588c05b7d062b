/* history ADDR: every event on the block that contains ADDR and every event whose value
 * points into it. A slab can serve several classes over a trace, so the block containing
 * ADDR depends on time: a first pass finds the lives of the slab around ADDR (from
 * slab_acquire/slab_release and the dump's slab table), the second prints the events. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "eventfmt.h"
#include "history.h"
#include "json.h"

#define MAX_LIVES 4096

struct life {
    uint64_t from, to;       /* seq range */
    uint64_t slab, slab_end; /* start of the slab's blocks, end */
    uint64_t lo, hi;         /* the block containing ADDR */
    uint32_t cls, stride;
    const char *how;
};

struct lives {
    struct life v[MAX_LIVES];
    uint32_t n;
};

static void add_life(struct lives *L, uint64_t from, uint64_t to, uint64_t start, uint64_t stride, uint64_t cap,
                     uint32_t cls, uint64_t addr, const char *how)
{
    if (L->n == MAX_LIVES || !stride) return;
    uint64_t idx = (addr - start) / stride;
    L->v[L->n++] = (struct life){.from = from, .to = to, .slab = start, .slab_end = start + stride * cap,
                                 .lo = start + idx * stride, .hi = start + (idx + 1) * stride,
                                 .cls = cls, .stride = (uint32_t)stride, .how = how};
}

static int covers(uint64_t addr, uint64_t base, uint64_t stride, uint64_t n)
{
    if (!stride || n > UINT64_MAX / stride) return 0;
    return addr >= base && addr - base < stride * n;
}

static const struct life *life_at(const struct lives *L, uint64_t seq)
{
    for (uint32_t i = 0; i < L->n; i++)
        if (seq >= L->v[i].from && seq <= L->v[i].to) return &L->v[i];
    return NULL;
}

int cmd_history(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int json = 0, o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
        if (o == 'j') json = 1;
        else return cli_usage(argv[0], o == 'h' ? NULL : "bad option");
    }
    uint64_t addr;
    if (optind != argc - 2) return cli_usage(argv[0], "ADDR and INPUT expected");
    if (cli_u64(argv[optind], &addr)) return cli_usage(argv[0], "ADDR must be a number (0x... for hex)");
    const char *path = argv[optind + 1];

    static struct lives L;
    L.n = 0;
    struct vsource *s = cli_open(path, json);
    if (!s) return EXIT_BADINPUT;
    struct hak_event ev;
    int r, open_life = -1;
    uint64_t last_closed = 0;
    while ((r = vsource_next(s, &ev)) > 0) {
        if (ev.op == HAK_EV_slab_acquire && covers(addr, ev.base, ev.value, ev.size)) {
            add_life(&L, ev.seq, UINT64_MAX, ev.base, ev.value, ev.size, ev.cls, addr, "slab_acquire");
            open_life = (int)L.n - 1;
        } else if (ev.op == HAK_EV_slab_release && covers(addr, ev.base, ev.value, ev.size)) {
            if (open_life >= 0) L.v[open_life].to = ev.seq;
            else add_life(&L, last_closed, ev.seq, ev.base, ev.value, ev.size, ev.cls, addr, "slab_release");
            open_life = -1;
            last_closed = ev.seq + 1;
        } else if ((ev.op == HAK_EV_large_map || ev.op == HAK_EV_large_unmap) && ev.value &&
                   covers(addr, ev.base, ev.value, 1)) {
            if (!life_at(&L, ev.seq)) add_life(&L, ev.seq, UINT64_MAX, ev.base, ev.value, 1, HAK_EVENT_NO_CLASS, addr, "large_map");
            if (ev.op == HAK_EV_large_unmap && L.n) L.v[L.n - 1].to = ev.seq;
        }
    }
    if (r < 0) {
        int rc = cli_stream_error(s, json);
        vsource_close(s);
        return rc;
    }
    const struct vmeta *m = &s->meta;
    if (open_life < 0) {
        /* the slab as the dump's table saw it, from the last release on */
        for (uint32_t i = 0; i < m->nslabs; i++) {
            const struct htrace_slab *d = &m->slabs[i];
            if (d->cls >= VMAX_CLASSES || !m->cls[d->cls].known) continue;
            uint32_t stride = m->cls[d->cls].stride;
            if (covers(addr, d->start, stride, d->capacity)) {
                add_life(&L, last_closed, UINT64_MAX, d->start, stride, d->capacity, d->cls, addr, "slab table");
                break;
            }
        }
    }
    vsource_close(s);

    if (!(s = cli_open(path, json))) return EXIT_BADINPUT;
    m = &s->meta;
    struct json j;
    if (json) {
        json_init(&j, stdout, 1);
        json_obj(&j);
        json_kstr(&j, "input", path);
        json_khex(&j, "addr", addr);
        json_key(&j, "blocks");
        json_arr(&j);
        for (uint32_t i = 0; i < L.n; i++) {
            const struct life *l = &L.v[i];
            json_obj(&j);
            json_khex(&j, "base", l->lo);
            json_key(&j, "class");
            if (l->cls == HAK_EVENT_NO_CLASS) json_null(&j);
            else json_u64(&j, l->cls);
            json_ku64(&j, "stride", l->stride);
            json_khex(&j, "slab", l->slab);
            json_ku64(&j, "from_seq", l->from);
            json_key(&j, "to_seq");
            if (l->to == UINT64_MAX) json_null(&j);
            else json_u64(&j, l->to);
            json_kstr(&j, "known_from", l->how);
            json_end(&j);
        }
        json_aend(&j);
        json_key(&j, "events");
        json_arr(&j);
    } else {
        if (!L.n) printf("0x%" PRIx64 " lies in no slab or mapping the trace shows: events naming it exactly\n", addr);
        for (uint32_t i = 0; i < L.n; i++) {
            const struct life *l = &L.v[i];
            printf("block 0x%" PRIx64 " (", l->lo);
            if (l->cls == HAK_EVENT_NO_CLASS) printf("large mapping, %u bytes", l->stride);
            else printf("class %u, stride %u", l->cls, l->stride);
            printf(") in 0x%" PRIx64 "-0x%" PRIx64 ", seq %" PRIu64 " .. ", l->slab, l->slab_end, l->from);
            if (l->to == UINT64_MAX) printf("end");
            else printf("%" PRIu64, l->to);
            printf(" (from %s)\n", l->how);
        }
    }
    uint64_t shown = 0;
    while ((r = vsource_next(s, &ev)) > 0) {
        const struct life *l = life_at(&L, ev.seq);
        unsigned t = l ? event_touches(&ev, l->lo, l->hi) : event_touches(&ev, addr, addr + 1);
        if (!t) continue;
        shown++;
        if (json) {
            json_obj(&j);
            event_json_fields(&j, m, &ev);
            json_kstr(&j, "match", touch_name(t));
            json_end(&j);
        } else {
            printf("%-6s", touch_name(t));
            event_text(stdout, m, &ev);
        }
    }
    int rc = EXIT_CLEAN;
    if (r < 0) {
        fflush(stdout);
        rc = cli_stream_error(s, 0);
    } else if (json) {
        json_aend(&j);
        json_ku64(&j, "count", shown);
        json_end(&j);
        json_done(&j);
    } else {
        printf("%" PRIu64 " event%s\n", shown, shown == 1 ? "" : "s");
    }
    vsource_close(s);
    return rc;
}

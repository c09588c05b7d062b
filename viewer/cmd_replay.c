/* replay: the trace through the shadow heap; exit 0 when every event is consistent, 3
 * with the finding when one is not (or when the trace holds the allocator's violation). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "json.h"
#include "replay.h"
#include "report.h"
#include "symbolize.h"

int cmd_replay(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, 0, 'j'}, {"history", required_argument, 0, 'H'},
                                         {"no-symbols", no_argument, 0, 'S'}, {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int json = 0, symbols = 1, o;
    uint64_t nhist = 24;
    optind = 1;
    while ((o = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
        switch (o) {
        case 'j': json = 1; break;
        case 'S': symbols = 0; break;
        case 'H':
            if (cli_u64(optarg, &nhist) || nhist > 100000) return cli_usage(argv[0], "--history takes 0 to 100000");
            break;
        default: return cli_usage(argv[0], o == 'h' ? NULL : "bad option");
        }
    }
    if (optind != argc - 1) return cli_usage(argv[0], "one INPUT expected");
    const char *path = argv[optind];
    struct vsource *s = cli_open(path, json);
    if (!s) return EXIT_BADINPUT;
    struct replay *rp = replay_new(&s->meta);
    if (!rp) {
        fprintf(stderr, "hakmem-trace: out of memory\n");
        vsource_close(s);
        return EXIT_BADINPUT;
    }
    /* one event ahead: its block's entry loads while the one before is replayed */
    struct hak_event ev[2];
    int r = vsource_next(s, &ev[0]), k = 0;
    while (r > 0) {
        r = vsource_next(s, &ev[k ^ 1]);
        if (r > 0) replay_prefetch(rp, &ev[k ^ 1]);
        replay_event(rp, &ev[k]);
        k ^= 1;
        if (replay_over(rp, s->err, sizeof s->err)) r = -1;
    }
    if (r < 0 || replay_over(rp, s->err, sizeof s->err)) {
        int rc = cli_stream_error(s, json);
        replay_free(rp);
        vsource_close(s);
        return rc;
    }
    replay_end(rp);
    const struct finding *f = replay_finding(rp);
    const struct replay_stats *st = replay_stats(rp);

    struct report rep = {.f = f, .st = st};
    struct vsource *s2 = NULL;
    if (f->found) {
        s2 = cli_open(path, json);
        if (!s2 || report_collect(s2, &rep, (uint32_t)nhist)) {
            int rc = s2 ? cli_stream_error(s2, json) : EXIT_BADINPUT;
            report_free(&rep);
            vsource_close(s2);
            replay_free(rp);
            vsource_close(s);
            return rc;
        }
    }
    struct symbolizer *z = symbols && f->found ? symbolizer_new(&s->meta) : NULL;
    const struct vmeta *m = &s->meta;
    if (json) {
        struct json j;
        json_init(&j, stdout, 1);
        json_obj(&j);
        json_kstr(&j, "status", f->found ? "corrupt" : "clean");
        json_kstr(&j, "input", path);
        json_ku64(&j, "events", st->events);
        json_ku64(&j, "checked", st->checked);
        json_ku64(&j, "complete_from", m->complete_from);
        json_ku64(&j, "out_of_order", st->out_of_order);
        json_ku64(&j, "unknown_slab", st->unknown_slab);
        json_ku64(&j, "peak_blocks", st->peak_blocks);
        json_key(&j, "finding");
        if (f->found) report_json(&j, m, &rep, z);
        else json_null(&j);
        json_end(&j);
        json_done(&j);
    } else {
        printf("replay of %s: %s (%" PRIu64 " events, %" PRIu64 " checked", path, f->found ? "CORRUPT" : "clean",
               st->events, st->checked);
        if (m->complete_from) printf(", complete from seq %" PRIu64, m->complete_from);
        printf(")\n");
        if (f->found) report_text(stdout, m, &rep, z);
    }
    int rc = f->found ? EXIT_CORRUPT : EXIT_CLEAN;
    symbolizer_free(z);
    report_free(&rep);
    vsource_close(s2);
    replay_free(rp);
    vsource_close(s);
    return rc;
}

/* tail: the last N events of the trace, or of one thread, ending at the first violation
 * event when there is one (what led up to it is what matters). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "eventfmt.h"
#include "json.h"

#define MAX_TAIL 10000000u

int cmd_tail(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, 0, 'j'}, {"thread", required_argument, 0, 't'},
                                         {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int json = 0, o, one_thread = 0;
    uint64_t n = 20, tid = 0;
    optind = 1;
    while ((o = getopt_long(argc, argv, "jn:t:h", opts, NULL)) != -1) {
        switch (o) {
        case 'j': json = 1; break;
        case 'n':
            if (cli_u64(optarg, &n) || n == 0 || n > MAX_TAIL) return cli_usage(argv[0], "-n takes a count from 1 to 10000000");
            break;
        case 't':
            if (cli_u64(optarg, &tid) || tid > UINT32_MAX) return cli_usage(argv[0], "--thread takes a thread id");
            one_thread = 1;
            break;
        default: return cli_usage(argv[0], o == 'h' ? NULL : "bad option");
        }
    }
    if (optind != argc - 1) return cli_usage(argv[0], "one INPUT expected");
    struct vsource *s = cli_open(argv[optind], json);
    if (!s) return EXIT_BADINPUT;
    struct hak_event *ring = malloc(n * sizeof *ring), ev;
    if (!ring) {
        fprintf(stderr, "hakmem-trace: out of memory\n");
        vsource_close(s);
        return EXIT_BADINPUT;
    }
    uint64_t seen = 0;
    int r, stopped_at_violation = 0;
    while ((r = vsource_next(s, &ev)) > 0) {
        if (one_thread && ev.tid != tid) continue;
        ring[seen++ % n] = ev;
        if (ev.op == HAK_EV_violation) {
            stopped_at_violation = 1;
            break;
        }
    }
    int rc = EXIT_CLEAN;
    if (r < 0) {
        rc = cli_stream_error(s, json);
    } else {
        uint64_t k = seen < n ? seen : n;
        struct json j;
        if (json) {
            json_init(&j, stdout, 1);
            json_obj(&j);
            json_kstr(&j, "input", s->meta.path);
            json_kbool(&j, "at_violation", stopped_at_violation);
            json_key(&j, "events");
            json_arr(&j);
        }
        for (uint64_t i = seen - k; i < seen; i++) {
            if (json) event_json(&j, &s->meta, &ring[i % n]);
            else event_text(stdout, &s->meta, &ring[i % n]);
        }
        if (json) {
            json_aend(&j);
            json_end(&j);
            json_done(&j);
        }
    }
    free(ring);
    vsource_close(s);
    return rc;
}

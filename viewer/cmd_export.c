/* export: every event as a JSON line, or as a Chrome/Perfetto trace (instant events, one
 * track per thread, one microsecond per seq so the order is the order of the trace). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "eventfmt.h"
#include "json.h"

int cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, 0, 'j'}, {"format", required_argument, 0, 'f'},
                                         {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int json = 0, o;
    const char *format = NULL;
    optind = 1;
    while ((o = getopt_long(argc, argv, "jf:h", opts, NULL)) != -1) {
        if (o == 'j') json = 1;
        else if (o == 'f') format = optarg;
        else return cli_usage(argv[0], o == 'h' ? NULL : "bad option");
    }
    if (!format) return cli_usage(argv[0], "--format jsonl or chrome is required");
    int chrome = strcmp(format, "chrome") == 0;
    if (!chrome && strcmp(format, "jsonl") != 0) return cli_usage(argv[0], "--format takes jsonl or chrome");
    if (optind != argc - 1) return cli_usage(argv[0], "one INPUT expected");
    struct vsource *s = cli_open(argv[optind], json);
    if (!s) return EXIT_BADINPUT;
    static char buf[1 << 16];
    setvbuf(stdout, buf, _IOFBF, sizeof buf);

    struct json j;
    /* jsonl is one document per line; with --json the lines become one array */
    int one_doc = chrome || json;
    json_init(&j, stdout, 0);
    if (chrome) {
        json_obj(&j);
        json_kstr(&j, "displayTimeUnit", "ns");
        json_key(&j, "otherData");
        json_obj(&j);
        json_kstr(&j, "input", s->meta.path);
        json_kstr(&j, "time_unit", "one microsecond per seq");
        json_end(&j);
        json_key(&j, "traceEvents");
        json_arr(&j);
    } else if (one_doc) {
        json_obj(&j);
        json_kstr(&j, "input", s->meta.path);
        json_key(&j, "events");
        json_arr(&j);
    }
    struct hak_event ev;
    int r;
    while ((r = vsource_next(s, &ev)) > 0) {
        if (chrome) {
            json_obj(&j);
            json_kstr(&j, "name", op_name(&s->meta.names, ev.op));
            json_kstr(&j, "cat", ev.op == HAK_EV_violation ? "violation" : "hakmem");
            json_kstr(&j, "ph", "i");
            json_kstr(&j, "s", ev.op == HAK_EV_violation ? "g" : "t");
            json_ku64(&j, "ts", ev.seq);
            json_ku64(&j, "pid", s->meta.pid);
            json_ku64(&j, "tid", ev.tid);
            json_key(&j, "args");
            json_obj(&j);
            event_json_fields(&j, &s->meta, &ev);
            json_end(&j);
            json_end(&j);
        } else if (one_doc) {
            event_json(&j, &s->meta, &ev);
        } else {
            struct json line;
            json_init(&line, stdout, 0);
            event_json(&line, &s->meta, &ev);
            fputc('\n', stdout);
        }
    }
    if (r < 0) {
        if (one_doc) {
            /* a trace that goes bad after events were written (a CTF trace can, far into
             * it): the document still closes, and says at its end that it stops short */
            json_aend(&j);
            json_kstr(&j, "status", "error");
            json_kstr(&j, "error", s->err[0] ? s->err : "read error");
            json_end(&j);
            json_done(&j);
        }
        fflush(stdout);
        int rc = cli_stream_error(s, 0);
        vsource_close(s);
        return rc;
    }
    if (one_doc) {
        json_aend(&j);
        json_end(&j);
        json_done(&j);
    }
    fflush(stdout);
    vsource_close(s);
    return EXIT_CLEAN;
}

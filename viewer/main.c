/* hakmem-trace: the viewer of hakmem's traces (docs/VIEWER.md).
 *   hakmem-trace COMMAND [options] INPUT
 * INPUT is a .htrace dump or an LTTng trace directory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"

static const struct command commands[] = {
    {"summary", cmd_summary, "summary [--json] INPUT", "counts by event, thread and class; seq range; violations"},
    {"replay", cmd_replay, "replay [--json] [--history N] [--no-symbols] INPUT",
     "replay into a shadow heap; exit 0 when consistent, 3 with the finding when not"},
    {"history", cmd_history, "history [--json] ADDR INPUT",
     "every event on the block that contains ADDR, and every event whose value points into it"},
    {"tail", cmd_tail, "tail [--json] [-n N] [--thread T] INPUT", "the last N events (before the violation, if any)"},
    {"export", cmd_export, "export --format jsonl|chrome [--json] INPUT", "events as JSON lines or Chrome/Perfetto trace JSON"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: hakmem-trace COMMAND [options] INPUT\n"
               "INPUT is a .htrace dump or an LTTng trace directory (CTF).\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++) fprintf(f, "  %-52s %s\n", commands[i].usage, commands[i].help);
    fprintf(f, "\nevery command also takes --pid P (or P.N, the Nth program process P ran): the events of\n"
               "that program, in an LTTng trace that holds several (recorded with the vpid context, or with\n"
               "per-process buffers)\n");
    fprintf(f, "\nexit status: 0 ok (replay: consistent), 1 unreadable input, 2 usage, 3 replay found corruption\n");
}

int cli_usage(const char *name, const char *why)
{
    if (why) fprintf(stderr, "hakmem-trace %s: %s\n", name, why);
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0) fprintf(stderr, "usage: hakmem-trace %s\n", commands[i].usage);
    return EXIT_USAGE;
}

static void error_doc(const char *path, const char *msg)
{
    struct json j;
    json_init(&j, stdout, 0);
    json_obj(&j);
    json_kstr(&j, "status", "error");
    json_kstr(&j, "input", path);
    json_kstr(&j, "error", msg);
    json_end(&j);
    json_done(&j);
}

/* --pid P or P.N, taken by every command (main strips it before the command parses the
 * rest): the program to read in an LTTng trace that holds several (source.h) */
static uint32_t cli_pid, cli_gen;

/* "P" or "P.N", P and N from 1; 0 on success. */
static int parse_pid(const char *v)
{
    char buf[32];
    const char *dot = strchr(v, '.');
    uint64_t pid, gen = 0;
    if (dot) {
        if ((size_t)(dot - v) >= sizeof buf) return -1;
        memcpy(buf, v, (size_t)(dot - v));
        buf[dot - v] = 0;
        if (cli_u64(dot + 1, &gen) || gen == 0 || gen > UINT32_MAX) return -1;
        v = buf;
    }
    if (cli_u64(v, &pid) || pid == 0 || pid > UINT32_MAX) return -1;
    cli_pid = (uint32_t)pid;
    cli_gen = (uint32_t)gen;
    return 0;
}

struct vsource *cli_open(const char *path, int json)
{
    char err[1024] = "";
    struct vsource *s = vsource_open(path, cli_pid, cli_gen, err, sizeof err);
    if (!s) {
        fprintf(stderr, "hakmem-trace: %s: %s\n", path, err[0] ? err : "cannot read");
        if (json) error_doc(path, err);
    }
    return s;
}

int cli_stream_error(struct vsource *s, int json)
{
    const char *msg = s->err[0] ? s->err : "read error";
    fprintf(stderr, "hakmem-trace: %s: %s\n", s->meta.path, msg);
    if (json) error_doc(s->meta.path, msg);
    return EXIT_BADINPUT;
}

int cli_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-') return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return EXIT_CLEAN;
    }
    /* --pid P or --pid=P, anywhere after the command: taken out here */
    int n = 2;
    for (int i = 2; i < argc; i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "--") == 0) {
            while (i < argc) argv[n++] = argv[i++];
            break;
        }
        if (strcmp(argv[i], "--pid") == 0) {
            if (i + 1 >= argc) return cli_usage(argv[1], "--pid needs a process id, or PID.N for its Nth program");
            v = argv[++i];
        } else if (strncmp(argv[i], "--pid=", 6) == 0) {
            v = argv[i] + 6;
        } else {
            argv[n++] = argv[i];
            continue;
        }
        if (parse_pid(v)) return cli_usage(argv[1], "--pid needs a process id, or PID.N for its Nth program");
    }
    argv[n] = NULL;
    argc = n;
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, argv[1]) == 0) return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "hakmem-trace: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}

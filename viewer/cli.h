/* The command line: one table of commands (main.c), each in its own file exporting
 * cmd_NAME(argc, argv), with argv[0] the command's name. Exit codes are mapped here once. */
#ifndef VIEWER_CLI_H
#define VIEWER_CLI_H

#include "source.h"

enum {
    EXIT_CLEAN = 0,     /* done; for replay: the trace is consistent */
    EXIT_BADINPUT = 1,  /* the input could not be read: a one-line message says why */
    EXIT_USAGE = 2,     /* bad command line */
    EXIT_CORRUPT = 3,   /* replay found an inconsistency (or the trace holds a violation) */
};

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *usage;
    const char *help;
};

int cmd_summary(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_tail(int argc, char **argv);
int cmd_export(int argc, char **argv);

/* Opens INPUT; on failure prints "hakmem-trace: INPUT: why" (and, with json, an error
 * document on stdout) and returns NULL. */
struct vsource *cli_open(const char *path, int json);
/* A read error in the middle of the stream: same message; returns EXIT_BADINPUT. */
int cli_stream_error(struct vsource *s, int json);
/* Prints the command's usage line to stderr; returns EXIT_USAGE. */
int cli_usage(const char *name, const char *why);
/* Parses an unsigned number (decimal or 0x hex); 0 on success. */
int cli_u64(const char *s, uint64_t *out);

#endif

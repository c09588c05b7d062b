/* The replay's report: the finding with the events it names read back from the trace
 * (a second pass: the replay itself keeps only seq numbers), the block's history, the
 * allocator's own report and its stacks, symbolized. */
#ifndef VIEWER_REPORT_H
#define VIEWER_REPORT_H

#include <stdio.h>

#include "json.h"
#include "replay.h"
#include "symbolize.h"

#define REPORT_AFTER 8

struct report {
    const struct finding *f;
    const struct replay_stats *st;
    int have_culprit, have_window, have_last;
    struct hak_event culprit, window, last;
    struct hak_event *hist; /* ring of the block's last events up to the first bad one */
    uint32_t hist_cap;
    uint64_t hist_seen;
    struct hak_event after[REPORT_AFTER]; /* the block's events after it, up to the allocator's notice */
    uint32_t nafter;
    uint64_t culprit_distance; /* events from the culprit to the first bad event */
};

/* Reads the trace again (s freshly opened) for the events the finding names. */
int report_collect(struct vsource *s, struct report *rp, uint32_t nhist);
void report_free(struct report *rp);
void report_text(FILE *out, const struct vmeta *m, const struct report *rp, struct symbolizer *z);
/* Writes the "finding" member's value. */
void report_json(struct json *j, const struct vmeta *m, const struct report *rp, struct symbolizer *z);

#endif

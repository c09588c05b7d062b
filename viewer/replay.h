/* The replay: events in seq order go through a shadow heap (shadow.h) and every
 * invariant of docs/EVENTS.md is checked against it. The first inconsistency becomes the
 * finding: its kind, the first bad event, and the culprit, the earliest event that put
 * the state wrong (or, when the cause lies outside the trace, the window in which the
 * program must have written the block). Nothing is reported that depends on state the
 * trace does not show: a block first seen in the middle of its life is learned, not
 * judged. Localization rules: docs/VIEWER.md. */
#ifndef VIEWER_REPLAY_H
#define VIEWER_REPLAY_H

#include <stdint.h>

#include "shadow.h"
#include "source.h"

struct finding {
    int found;
    unsigned kind;          /* enum vkind */
    int by_allocator;       /* the trace's violation, not explained by the replay */
    char what[320];         /* one sentence: what is inconsistent */
    struct hak_event first_bad;
    uint64_t culprit_seq;   /* 0: none in the trace */
    int culprit_outside;    /* the cause is a write by the program, between window_from and first_bad */
    uint64_t window_from;   /* last allocator event on the block before the bad value was seen */
    uint64_t culprit_last;  /* for slab counts: the last event that could have been the culprit */
    const char *rule;       /* which invariant (README) */
    int have_block;
    uint64_t block_base, slab_start, slab_end, slab_desc;
    uint32_t block_cls, stride;
    uint64_t history_from;  /* the block's history is meaningful from this seq (slab acquired) */
    int have_values;
    uint64_t expected, found_value;
    /* the block just before, when the program may have overflowed it */
    int have_neighbour;
    uint64_t neighbour_base, neighbour_seq;
    unsigned neighbour_state;
};

struct replay_stats {
    uint64_t events;          /* all events seen */
    uint64_t checked;         /* replayed against the shadow heap */
    uint64_t before_window;   /* before complete_from: not replayed */
    uint64_t out_of_order;    /* seq not above the previous one */
    uint64_t unknown_slab;    /* events on blocks of no slab the trace shows */
    uint64_t first_seq, last_seq;
    uint64_t violations;
    int have_violation_event;
    struct hak_event violation; /* the first violation event */
    uint64_t peak_blocks, peak_slabs;
};

struct replay;

struct replay *replay_new(const struct vmeta *m);
/* Returns 1 when this event produced the finding. After a finding the replay only
 * counts (the shadow state is wrong from there on). */
int replay_event(struct replay *r, const struct hak_event *ev);
/* Starts loading the shadow state of the block ev is about, to be replayed next (the
 * cache misses of one event overlap the work on the one before). */
void replay_prefetch(struct replay *r, const struct hak_event *ev);
/* End of the trace: a violation the replay could not explain becomes the finding. */
void replay_end(struct replay *r);
/* Whether the trace asked the shadow heap for more than its bound (SHADOW_ENTRIES_BASE):
 * then the replay is not to be trusted, and err says why. */
int replay_over(const struct replay *r, char *err, size_t len);
const struct finding *replay_finding(const struct replay *r);
const struct replay_stats *replay_stats(const struct replay *r);
void replay_free(struct replay *r);

#endif

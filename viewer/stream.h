/* Putting events in seq order, bounded in memory:
 *   merge    a k-way merge of inputs that are each in seq order (the rings of a dump);
 *   reorder  a window of at most W events that releases the smallest seq first, for
 *            inputs that are only nearly in seq order (LTTng's per-CPU streams, muxed by
 *            timestamp: a thread's events are in seq order, threads interleave a little). */
#ifndef VIEWER_STREAM_H
#define VIEWER_STREAM_H

#include <stdint.h>

#include "trace/event.h"

/* pull(ctx, i, &ev): the next event of input i, left where it is (valid until the next
 * pull of input i); 1 event, 0 end of input, -1 error. */
typedef int (*merge_pull_fn)(void *ctx, uint32_t i, const struct hak_event **ev);

struct merge_node {
    uint64_t seq; /* the key, kept here so that sifting touches only the heap */
    uint32_t i;
};

struct merge {
    merge_pull_fn pull;
    void *ctx;
    uint32_t n, live;
    struct merge_node *heap; /* inputs by their current seq, smallest on top */
    const struct hak_event **cur; /* current event of each input */
    int started;
};

int merge_init(struct merge *m, uint32_t n, merge_pull_fn pull, void *ctx);
/* 1: *ev is the next event in seq order; 0: all inputs ended; -1: an input failed. */
int merge_next(struct merge *m, struct hak_event *ev);
void merge_free(struct merge *m);

struct reorder {
    struct hak_event *heap;
    uint32_t size, cap;
    uint64_t last_out;  /* seq released last */
    uint64_t late;      /* events that came after a bigger seq had been released */
    int any_out;
};

int reorder_init(struct reorder *r, uint32_t window);
/* Adds ev; when the window is full, releases the smallest into *out and returns 1. */
int reorder_push(struct reorder *r, const struct hak_event *ev, struct hak_event *out);
/* Releases the smallest event left; 0 when empty. */
int reorder_pop(struct reorder *r, struct hak_event *out);
void reorder_free(struct reorder *r);

#endif

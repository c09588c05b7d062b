/* Seq ordering (stream.h). */
#include "stream.h"

#include <stdlib.h>

// ---- k-way merge ----

static inline int before(const struct merge_node *a, const struct merge_node *b)
{
    return a->seq < b->seq || (a->seq == b->seq && a->i < b->i); /* ties by input: deterministic */
}

static void sift_down(struct merge *m, uint32_t i)
{
    uint32_t n = m->live;
    struct merge_node *h = m->heap, x = h[i];
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, s = l;
        if (l >= n) break;
        if (r < n && before(&h[r], &h[l])) s = r;
        if (!before(&h[s], &x)) break;
        h[i] = h[s];
        i = s;
    }
    h[i] = x;
}

int merge_init(struct merge *m, uint32_t n, merge_pull_fn pull, void *ctx)
{
    m->pull = pull;
    m->ctx = ctx;
    m->n = n;
    m->live = 0;
    m->started = 0;
    m->heap = calloc(n ? n : 1, sizeof *m->heap);
    m->cur = calloc(n ? n : 1, sizeof *m->cur);
    return m->heap && m->cur ? 0 : -1;
}

int merge_next(struct merge *m, struct hak_event *ev)
{
    if (!m->started) {
        m->started = 1;
        for (uint32_t i = 0; i < m->n; i++) {
            int r = m->pull(m->ctx, i, &m->cur[i]);
            if (r < 0) return -1;
            if (r > 0) m->heap[m->live++] = (struct merge_node){m->cur[i]->seq, i};
        }
        for (uint32_t i = m->live / 2; i-- > 0;) sift_down(m, i);
    } else if (m->live) {
        /* Refill the input whose event went out last time, then restore the heap. */
        uint32_t top = m->heap[0].i;
        int r = m->pull(m->ctx, top, &m->cur[top]);
        if (r < 0) return -1;
        if (r == 0) m->heap[0] = m->heap[--m->live];
        else m->heap[0].seq = m->cur[top]->seq;
        if (m->live) sift_down(m, 0);
    }
    if (!m->live) return 0;
    *ev = *m->cur[m->heap[0].i];
    return 1;
}

void merge_free(struct merge *m)
{
    free(m->heap);
    free(m->cur);
    m->heap = NULL;
    m->cur = NULL;
}

// ---- reorder window ----

static void rsift_up(struct hak_event *h, uint32_t i)
{
    while (i) {
        uint32_t p = (i - 1) / 2;
        if (h[p].seq <= h[i].seq) return;
        struct hak_event t = h[p];
        h[p] = h[i];
        h[i] = t;
        i = p;
    }
}

static void rsift_down(struct hak_event *h, uint32_t n, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, s = i;
        if (l < n && h[l].seq < h[s].seq) s = l;
        if (r < n && h[r].seq < h[s].seq) s = r;
        if (s == i) return;
        struct hak_event t = h[i];
        h[i] = h[s];
        h[s] = t;
        i = s;
    }
}

int reorder_init(struct reorder *r, uint32_t window)
{
    r->cap = window ? window : 1;
    r->size = 0;
    r->late = 0;
    r->any_out = 0;
    r->last_out = 0;
    r->heap = malloc(((size_t)r->cap + 1) * sizeof *r->heap);
    return r->heap ? 0 : -1;
}

static void take_min(struct reorder *r, struct hak_event *out)
{
    *out = r->heap[0];
    r->heap[0] = r->heap[--r->size];
    rsift_down(r->heap, r->size, 0);
    if (r->any_out && out->seq < r->last_out) r->late++;
    r->last_out = out->seq;
    r->any_out = 1;
}

int reorder_push(struct reorder *r, const struct hak_event *ev, struct hak_event *out)
{
    /* Insert first: the new event may itself be the smallest. */
    r->heap[r->size] = *ev;
    rsift_up(r->heap, r->size++);
    if (r->size <= r->cap) return 0;
    take_min(r, out);
    return 1;
}

int reorder_pop(struct reorder *r, struct hak_event *out)
{
    if (!r->size) return 0;
    take_min(r, out);
    return 1;
}

void reorder_free(struct reorder *r)
{
    free(r->heap);
    r->heap = NULL;
}

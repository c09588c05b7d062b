/* The replay (replay.h): one function per event, each checking the event against the
 * shadow heap and then applying it. The invariants are those of docs/EVENTS.md; the
 * culprit rules are in docs/VIEWER.md ("Localization"). */
#include "replay.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PENDING (1u << 20)

struct vthread {
    uint64_t key; /* tid + 1; 0: empty */
    uint64_t *pend; /* blocks whose links this thread read since its last list operation */
    uint32_t npend, cap;
    int overflow;
};

struct replay {
    const struct vmeta *m;
    struct shadow sh;
    struct vthread *thr;
    uint32_t tmask, tused;
    struct finding f;
    struct replay_stats st;
    int stopped;
    uint64_t prev_seq;
    int any;
};

int replay_over(const struct replay *r, char *err, size_t len)
{
    if (!r->sh.over) return 0;
    snprintf(err, len, "the trace asks the shadow heap for more than %llu blocks and slab granules in %llu events; "
             "no trace hakmem writes needs that many (a carve of more blocks, or slabs larger, than any real one)",
             (unsigned long long)r->sh.allowed, (unsigned long long)r->st.events);
    return 1;
}

const struct finding *replay_finding(const struct replay *r) { return &r->f; }
const struct replay_stats *replay_stats(const struct replay *r) { return &r->st; }

// ---- threads ----

static struct vthread *thread_of(struct replay *r, uint32_t tid)
{
    uint64_t key = (uint64_t)tid + 1;
    uint32_t i = (uint32_t)(key * 0x9E3779B97F4A7C15ull >> 40) & r->tmask;
    for (;; i = (i + 1) & r->tmask) {
        if (r->thr[i].key == key) return &r->thr[i];
        if (!r->thr[i].key) break;
    }
    if ((r->tused + 1) * 2 > r->tmask) {
        uint32_t omask = r->tmask, nmask = omask * 2 + 1;
        struct vthread *nt = calloc((size_t)nmask + 1, sizeof *nt);
        if (!nt) return NULL;
        for (uint32_t k = 0; k <= omask; k++) {
            if (!r->thr[k].key) continue;
            uint32_t j = (uint32_t)(r->thr[k].key * 0x9E3779B97F4A7C15ull >> 40) & nmask;
            while (nt[j].key) j = (j + 1) & nmask;
            nt[j] = r->thr[k];
        }
        free(r->thr);
        r->thr = nt;
        r->tmask = nmask;
        i = (uint32_t)(key * 0x9E3779B97F4A7C15ull >> 40) & r->tmask;
        while (r->thr[i].key) i = (i + 1) & r->tmask;
    }
    r->thr[i].key = key;
    r->tused++;
    return &r->thr[i];
}

static void pend_add(struct vthread *t, uint64_t base)
{
    if (!t || t->overflow) return;
    if (t->npend == t->cap) {
        uint32_t nc = t->cap ? t->cap * 2 : 64;
        uint64_t *np = nc <= MAX_PENDING ? realloc(t->pend, (size_t)nc * sizeof *np) : NULL;
        if (!np) {
            t->overflow = 1; /* an operation that reads this much is not believed */
            return;
        }
        t->pend = np;
        t->cap = nc;
    }
    t->pend[t->npend++] = base;
}

static void pend_clear(struct vthread *t)
{
    if (!t) return;
    t->npend = 0;
    t->overflow = 0;
}

// ---- findings ----

static void set_block(struct replay *r, const struct vslab *s, uint32_t idx)
{
    struct finding *f = &r->f;
    f->have_block = 1;
    f->block_base = s->start + (uint64_t)idx * s->stride;
    f->block_cls = s->cls;
    f->stride = s->stride;
    f->slab_start = s->start;
    f->slab_end = s->end;
    f->slab_desc = s->desc;
    f->history_from = s->acquire_seq;
}

static void report(struct replay *r, unsigned kind, const struct hak_event *ev, uint64_t culprit, const char *rule,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void report(struct replay *r, unsigned kind, const struct hak_event *ev, uint64_t culprit, const char *rule,
                   const char *fmt, ...)
{
    if (r->stopped) return;
    struct finding *f = &r->f;
    f->found = 1;
    f->kind = kind;
    f->first_bad = *ev;
    f->culprit_seq = culprit ? culprit : ev->seq;
    f->rule = rule;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->what, sizeof f->what, fmt, ap);
    va_end(ap);
    r->stopped = 1;
}

static void values(struct replay *r, uint64_t expected, uint64_t found)
{
    r->f.have_values = 1;
    r->f.expected = expected;
    r->f.found_value = found;
}

static uint64_t later(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* The event that put block b where it should not be: the last event that linked it
 * into a list, if that came after it entered its present state, else that state change. */
static uint64_t misplaced_culprit(const struct vblock *b)
{
    return b->ref_seq > b->state_seq ? b->ref_seq : b->state_seq;
}

// ---- where a pointer falls ----

enum loc {
    LOC_NONE,    /* in no slab the trace shows: nothing can be checked */
    LOC_SKIP,    /* in a slab known only from the dump, of another class: an older life */
    LOC_FOREIGN, /* in a slab of another class acquired in the window */
    LOC_OFF,     /* inside a block, not at its start */
    LOC_OK,
};

struct where {
    struct vslab *s;
    uint32_t idx, off;
};

static enum loc locate(struct replay *r, uint64_t addr, unsigned cls, struct where *w)
{
    struct vslab *s = shadow_slab_at(&r->sh, addr);
    w->s = s;
    if (!s) return LOC_NONE;
    if (cls != HAK_EVENT_NO_CLASS && cls != s->cls) return s->origin == SO_ACQUIRED ? LOC_FOREIGN : LOC_SKIP;
    /* a slab is at most SHADOW_MAX_SLAB long: 32-bit division is enough, and quicker */
    uint32_t d = (uint32_t)(addr - s->start);
    uint32_t idx = d / s->stride;
    w->idx = idx;
    w->off = d - idx * s->stride;
    return w->off ? LOC_OFF : LOC_OK;
}

static const struct vclass *layout_of(const struct replay *r, unsigned cls)
{
    if (cls >= VMAX_CLASSES || !r->m->cls[cls].known) return NULL;
    return &r->m->cls[cls];
}

/* A pointer off a block start by exactly USER - BASE is a USER/BASE mix-up. */
static unsigned off_kind(const struct replay *r, const struct where *w, unsigned dflt)
{
    const struct vclass *l = layout_of(r, w->s->cls);
    if (l && l->user_off && (w->off == l->user_off || w->off == w->s->stride - l->user_off))
        return VK_user_base_mismatch;
    return dflt;
}

/* Validates a block pointer of event ev (role names the field in messages) and returns
 * its shadow block, or NULL when the pointer cannot be checked or a finding was made. */
static struct vblock *block_at(struct replay *r, const struct hak_event *ev, uint64_t addr, const char *role,
                               unsigned off_dflt, struct where *w)
{
    enum loc l = locate(r, addr, ev->cls, w);
    switch (l) {
    case LOC_NONE: r->st.unknown_slab++; return NULL;
    case LOC_SKIP: return NULL;
    case LOC_FOREIGN:
        report(r, VK_freelist_corrupt, ev, 0, "class",
               "%s %s 0x%llx of class %u lies in a slab of class %u", hak_event_name(ev->op) ? hak_event_name(ev->op) : "event",
               role, (unsigned long long)addr, ev->cls, w->s->cls);
        if (r->stopped) {
            uint64_t d = addr - w->s->start;
            set_block(r, w->s, (uint32_t)(d / w->s->stride));
        }
        return NULL;
    case LOC_OFF: {
        unsigned k = off_kind(r, w, off_dflt);
        report(r, k, ev, 0, "boundary", "%s %s 0x%llx is %u bytes into the block at 0x%llx (stride %u)%s",
               hak_event_name(ev->op) ? hak_event_name(ev->op) : "event", role, (unsigned long long)addr, w->off,
               (unsigned long long)(addr - w->off), w->s->stride,
               k == VK_user_base_mismatch ? ": a USER pointer where a BASE was expected, or the reverse" : "");
        set_block(r, w->s, w->idx);
        values(r, addr - w->off, addr);
        return NULL;
    }
    case LOC_OK: break;
    }
    struct vblock *b = slab_block(&r->sh, w->s, w->idx, 1);
    return b;
}

// ---- the events ----

static void on_alloc(struct replay *r, const struct hak_event *ev)
{
    struct where w;
    if (ev->cls == HAK_EVENT_NO_CLASS) return; /* large blocks have no shadow state */
    struct vblock *b = block_at(r, ev, ev->base, "base", VK_alignment_violation, &w);
    if (!b) return;
    const struct vclass *l = layout_of(r, w.s->cls);
    uint64_t uoff = ev->ptr - ev->base;
    int aligned = ev->site == VS_aligned;
    if (l && (aligned ? (uoff < l->user_off || uoff >= w.s->stride) : uoff != l->user_off)) {
        report(r, VK_user_base_mismatch, ev, 0, "user_off", "alloc handed out USER 0x%llx = BASE + %llu, the layout says BASE + %u",
               (unsigned long long)ev->ptr, (unsigned long long)uoff, l->user_off);
        set_block(r, w.s, w.idx);
        values(r, ev->base + l->user_off, ev->ptr);
        return;
    }
    /* where blocks have headers (user_off > 0), every block popped for the program gets
     * its header written before it is handed out */
    if (l && l->user_off && b->state == B_POPPED && !(b->flags & BF_HEADER)) {
        report(r, VK_header_corrupt, ev, 0, "header", "alloc of a block whose header was not written since its pop at seq %llu",
               (unsigned long long)b->state_seq);
        set_block(r, w.s, w.idx);
        return;
    }
    switch (b->state) {
    case B_POPPED:
    case B_UNKNOWN: break;
    case B_ALLOCATED:
        report(r, VK_double_alloc, ev, 0, "transition", "alloc of a block already allocated at seq %llu",
               (unsigned long long)b->state_seq);
        set_block(r, w.s, w.idx);
        return;
    default:
        report(r, VK_freelist_corrupt, ev, 0, "transition", "alloc of a block that is %s (since seq %llu), not popped",
               bstate_name(b->state), (unsigned long long)b->state_seq);
        set_block(r, w.s, w.idx);
        return;
    }
    b->state = B_ALLOCATED;
    b->tid = ev->tid;
    b->state_seq = ev->seq;
    /* await stays: a remote free's push may be recorded even after the block
     * was collected and handed out again */
    b->flags = (uint8_t)((b->flags & ~BF_ALIGNED) | (aligned ? BF_ALIGNED : 0));
    b->last_seq = ev->seq;
}

static void on_free(struct replay *r, const struct hak_event *ev)
{
    struct where w;
    if (ev->cls == HAK_EVENT_NO_CLASS) return;
    struct vblock *b = block_at(r, ev, ev->base, "base", VK_alignment_violation, &w);
    if (!b) return;
    const struct vclass *l = layout_of(r, w.s->cls);
    uint64_t uoff = ev->ptr - ev->base;
    int aligned = ev->site == VS_aligned || (b->flags & BF_ALIGNED);
    if (l && (aligned ? (uoff < l->user_off || uoff >= w.s->stride) : uoff != l->user_off)) {
        report(r, VK_user_base_mismatch, ev, 0, "user_off", "free of USER 0x%llx took BASE 0x%llx (USER - %llu), the layout says USER - %u",
               (unsigned long long)ev->ptr, (unsigned long long)ev->base, (unsigned long long)uoff, l->user_off);
        set_block(r, w.s, w.idx);
        values(r, ev->ptr - l->user_off, ev->base);
        return;
    }
    switch (b->state) {
    case B_ALLOCATED:
    case B_POPPED:
    case B_UNKNOWN: break;
    case B_UNCARVED:
        report(r, VK_invalid_free, ev, 0, "transition", "free of a block that was never carved");
        set_block(r, w.s, w.idx);
        return;
    default:
        report(r, VK_double_free, ev, 0, "transition", "free of a block that is %s since seq %llu",
               bstate_name(b->state), (unsigned long long)b->state_seq);
        set_block(r, w.s, w.idx);
        return;
    }
    b->state = B_FREED;
    if (b->await < UINT16_MAX) b->await++;
    b->tid = ev->tid;
    b->state_seq = ev->seq;
    b->last_seq = ev->seq;
}

/* Shared by next_write and next_read: the base, and the slot the link sits in. */
static struct vblock *link_block(struct replay *r, const struct hak_event *ev, struct where *w)
{
    struct vblock *b = block_at(r, ev, ev->base, "base", VK_next_misaligned, w);
    if (!b) return NULL;
    const struct vclass *l = layout_of(r, w->s->cls);
    if (l && ev->ptr != ev->base + l->next_off) {
        int64_t d = (int64_t)(ev->ptr - ev->base);
        uint64_t next_block = ev->base + w->s->stride;
        int overlaps = d >= 0 && ev->ptr + 8 > next_block;
        report(r, VK_next_misaligned, ev, 0, "slot",
               "%s at BASE%+lld, the link slot is BASE+%u%s", hak_event_name(ev->op), (long long)d, l->next_off,
               overlaps ? ": the 8-byte link overlaps the next block" : "");
        set_block(r, w->s, w->idx);
        values(r, ev->base + l->next_off, ev->ptr);
        return NULL;
    }
    return b;
}

/* A link value: NULL, the remote end marker, or a block start of the same class. */
static void check_link_value(struct replay *r, const struct hak_event *ev, const struct where *wb)
{
    uint64_t v = ev->value;
    if (!v || v == r->m->remote_end) return;
    struct where w;
    enum loc l = locate(r, v, ev->cls, &w);
    if (l == LOC_FOREIGN) {
        report(r, VK_freelist_corrupt, ev, 0, "link", "link 0x%llx points into a slab of class %u, not %u",
               (unsigned long long)v, w.s->cls, ev->cls);
        set_block(r, wb->s, wb->idx);
    } else if (l == LOC_OFF) {
        unsigned k = off_kind(r, &w, VK_next_misaligned);
        report(r, k, ev, 0, "link", "link 0x%llx is %u bytes into the block at 0x%llx, not a block start",
               (unsigned long long)v, w.off, (unsigned long long)(v - w.off));
        set_block(r, wb->s, wb->idx);
        values(r, v - w.off, v);
    } else if (l == LOC_OK && (ev->op == HAK_EV_next_write || ev->op == HAK_EV_tls_push)) {
        struct vblock *t = slab_block(&r->sh, w.s, w.idx, 1);
        if (t) t->ref_seq = ev->seq;
    }
}

/* A link written (next_write, or a tls_push that carries it): the block it went into, or
 * NULL when there is nothing more to do (the replay stopped, or the write was late). */
static struct vblock *link_write(struct replay *r, const struct hak_event *ev, struct where *w)
{
    struct vblock *b = link_block(r, ev, w);
    if (!b) return NULL;
    if (b->await && b->state != B_FREED && ev->site == VS_remote_push) {
        /* A remote free records its link write after its compare-and-swap: the owner may
         * have collected the block in between. This is that write, recorded late; the
         * link the shadow holds since is the newer one. */
        b->last_seq = ev->seq;
        return NULL;
    }
    if (b->state == B_ALLOCATED) {
        report(r, VK_freelist_corrupt, ev, 0, "transition", "link written into a block allocated since seq %llu",
               (unsigned long long)b->state_seq);
        set_block(r, w->s, w->idx);
        return NULL;
    }
    if (b->state == B_UNCARVED) {
        report(r, VK_freelist_corrupt, ev, 0, "transition", "link written into a block never carved");
        set_block(r, w->s, w->idx);
        return NULL;
    }
    if (ev->value == r->m->remote_end && (b->state == B_TLS || b->state == B_SLABFREE)) {
        report(r, VK_sentinel_leak, ev, 0, "sentinel", "the remote end marker written into a block %s",
               bstate_name(b->state));
        set_block(r, w->s, w->idx);
        return NULL;
    }
    check_link_value(r, ev, w);
    if (r->stopped) return NULL;
    /* check_link_value may have added a block to this slab's table, moving b */
    if (!(b = slab_block(&r->sh, w->s, w->idx, 1))) return NULL;
    b->link = ev->value;
    b->link_seq = ev->seq;
    b->flags = (uint8_t)((b->flags | BF_LINK_KNOWN) & ~BF_LINK_LEARNED);
    b->last_seq = ev->seq;
    return b;
}

static void on_next_write(struct replay *r, const struct hak_event *ev)
{
    struct where w;
    link_write(r, ev, &w);
}

static void outside_write(struct replay *r, const struct where *w, const struct vblock *b)
{
    struct finding *f = &r->f;
    f->culprit_outside = 1;
    f->window_from = b->last_seq;
    f->culprit_seq = b->last_seq;
    if (w->idx > 0) {
        const struct vblock *nb = slab_block(&r->sh, w->s, w->idx - 1, 0);
        f->have_neighbour = 1;
        f->neighbour_base = w->s->start + (uint64_t)(w->idx - 1) * w->s->stride;
        f->neighbour_state = nb ? nb->state : slab_default_state(w->s);
        f->neighbour_seq = nb ? nb->state_seq : 0;
    }
}

/* A link read (next_read, or a tls_pop that carries it): the block it came from, or NULL
 * when the replay stopped. */
static struct vblock *link_read(struct replay *r, const struct hak_event *ev, struct where *w)
{
    struct vblock *b = link_block(r, ev, w);
    if (!b) return NULL;
    if (b->state == B_ALLOCATED || b->state == B_POPPED || b->state == B_UNCARVED) {
        report(r, VK_freelist_corrupt, ev, misplaced_culprit(b), "transition",
               "a free list reached a block that is %s (since seq %llu)", bstate_name(b->state),
               (unsigned long long)b->state_seq);
        set_block(r, w->s, w->idx);
        return NULL;
    }
    if ((b->flags & BF_LINK_KNOWN) && ev->value != b->link) {
        /* A remote free may record its link a moment after the owner read it: a block
         * in transit to a remote queue is learned, not judged. */
        if (b->state == B_FREED || (b->flags & BF_LINK_LEARNED)) {
            b->link = ev->value;
            b->link_seq = ev->seq;
        } else {
            report(r, VK_use_after_free_write, ev, 0, "link_readback",
                   "link read back as 0x%llx, but the last link written (seq %llu) was 0x%llx: the program wrote the free block",
                   (unsigned long long)ev->value, (unsigned long long)b->link_seq, (unsigned long long)b->link);
            set_block(r, w->s, w->idx);
            values(r, b->link, ev->value);
            outside_write(r, w, b);
            return NULL;
        }
    }
    if (ev->value == r->m->remote_end && (b->state == B_TLS || b->state == B_SLABFREE)) {
        report(r, VK_sentinel_leak, ev, later(b->link_seq, b->state_seq), "sentinel",
               "the remote end marker read from a block %s", bstate_name(b->state));
        set_block(r, w->s, w->idx);
        return NULL;
    }
    check_link_value(r, ev, w);
    if (r->stopped) return NULL;
    /* check_link_value may have added a block to this slab's table, moving b */
    if (!(b = slab_block(&r->sh, w->s, w->idx, 1))) return NULL;
    if (!(b->flags & BF_LINK_KNOWN)) {
        b->link = ev->value;
        b->link_seq = ev->seq;
        b->flags |= BF_LINK_KNOWN | BF_LINK_LEARNED;
    }
    b->last_seq = ev->seq;
    return b;
}

static void on_next_read(struct replay *r, const struct hak_event *ev)
{
    struct where w;
    if (link_read(r, ev, &w)) pend_add(thread_of(r, ev->tid), ev->base);
}

/* From version 2 a tls_push carries the link it wrote (ptr = the link slot): the write is
 * judged first, as a next_write before it would be. */
static void on_tls_push(struct replay *r, const struct hak_event *ev)
{
    struct where w;
    struct vblock *b = HTRACE_TLS_LINKS(r->m->version) ? link_write(r, ev, &w)
                                                       : block_at(r, ev, ev->ptr, "ptr", VK_next_misaligned, &w);
    if (!b) return;
    switch (b->state) {
    case B_FREED:
    case B_UNKNOWN: break;
    case B_TLS:
    case B_SLABFREE:
    case B_REMOTE:
        report(r, VK_double_free, ev, 0, "transition", "push of a block already %s since seq %llu",
               bstate_name(b->state), (unsigned long long)b->state_seq);
        set_block(r, w.s, w.idx);
        return;
    default:
        report(r, VK_freelist_corrupt, ev, 0, "transition", "push of a block that is %s since seq %llu, with no free",
               bstate_name(b->state), (unsigned long long)b->state_seq);
        set_block(r, w.s, w.idx);
        return;
    }
    if ((b->flags & BF_LINK_KNOWN) && b->link == r->m->remote_end) {
        report(r, VK_sentinel_leak, ev, b->link_seq, "sentinel",
               "a block whose link is the remote end marker pushed on a thread list");
        set_block(r, w.s, w.idx);
        return;
    }
    b->state = B_TLS;
    b->tid = ev->tid;
    b->state_seq = ev->seq;
    b->ref_seq = ev->seq;
    if (b->await) b->await--;
    b->last_seq = ev->seq;
}

/* From version 2 a tls_pop carries the link it read (ptr = the link slot): the read is
 * judged first, as a next_read before it would be. */
static void on_tls_pop(struct replay *r, const struct hak_event *ev)
{
    struct where w;
    struct vthread *t = thread_of(r, ev->tid);
    struct vblock *b = HTRACE_TLS_LINKS(r->m->version) ? link_read(r, ev, &w)
                                                       : block_at(r, ev, ev->ptr, "ptr", VK_next_misaligned, &w);
    pend_clear(t);
    if (!b) return;
    if (b->state == B_TLS && b->tid != ev->tid) {
        report(r, VK_freelist_corrupt, ev, misplaced_culprit(b), "transition",
               "pop by thread %u of a block in thread %u's list", ev->tid, b->tid);
        set_block(r, w.s, w.idx);
        return;
    }
    if (b->state != B_TLS && b->state != B_UNKNOWN) {
        report(r, b->state == B_REMOTE ? VK_remote_list_corrupt : VK_freelist_corrupt, ev, misplaced_culprit(b),
               "transition", "pop of a block that is %s since seq %llu", bstate_name(b->state),
               (unsigned long long)b->state_seq);
        set_block(r, w.s, w.idx);
        return;
    }
    if (ev->value == r->m->remote_end) {
        report(r, VK_sentinel_leak, ev, later(b->link_seq, b->state_seq), "sentinel",
               "the remote end marker became the head of a thread list");
        set_block(r, w.s, w.idx);
        return;
    }
    b->state = B_POPPED;
    b->flags &= (uint8_t)~BF_HEADER;
    b->tid = ev->tid;
    b->state_seq = ev->seq;
    b->last_seq = ev->seq;
}

static void on_header_write(struct replay *r, const struct hak_event *ev)
{
    struct where w;
    struct vblock *b = block_at(r, ev, ev->base, "base", VK_alignment_violation, &w);
    if (!b) return;
    b->flags |= BF_HEADER;
    b->last_seq = ev->seq;
}

static struct vslab *slab_of_event(struct replay *r, const struct hak_event *ev)
{
    struct vslab *s = shadow_slab_by_desc(&r->sh, ev->ptr);
    if (!s) s = shadow_slab_at(&r->sh, ev->base);
    return s;
}

/* Counts: the allocator's used and nfree, tracked from the first time a drain shows them
 * (or from slab_acquire), moved by every event that moves blocks across the slab's line. */
static void count_change(struct vslab *s, const struct hak_event *ev, uint64_t dused, uint64_t dfree)
{
    if (!s || !s->counts_known) return;
    s->used += dused;
    s->nfree += dfree;
    if (!s->since_seq) s->since_seq = ev->seq;
}

/* Moves the blocks thread t read off a list into state to, checking each was in one of
 * the states the operation takes from. */
static void move_pending(struct replay *r, const struct hak_event *ev, struct vthread *t, unsigned from, unsigned to,
                         unsigned kind)
{
    if (!t || t->overflow) return;
    for (uint32_t i = 0; i < t->npend && !r->stopped; i++) {
        struct where w;
        enum loc l = locate(r, t->pend[i], ev->cls, &w);
        if (l != LOC_OK) continue;
        struct vblock *b = slab_block(&r->sh, w.s, w.idx, 1);
        if (!b) continue;
        int ok = b->state == from || b->state == B_UNKNOWN ||
                 (from == B_REMOTE && b->state == B_FREED && b->await);
        if (!ok) {
            report(r, kind, ev, misplaced_culprit(b), "transition",
                   "%s took the block 0x%llx, which is %s since seq %llu", hak_event_name(ev->op),
                   (unsigned long long)t->pend[i], bstate_name(b->state), (unsigned long long)b->state_seq);
            set_block(r, w.s, w.idx);
            return;
        }
        if ((b->flags & BF_LINK_KNOWN) && b->link == r->m->remote_end) {
            /* the marker entered this list with the block: the splice kept it */
            report(r, VK_sentinel_leak, ev, from == B_REMOTE ? ev->seq : later(b->link_seq, b->state_seq),
                   "sentinel", "%s moved the block 0x%llx whose link is still the remote end marker",
                   hak_event_name(ev->op), (unsigned long long)t->pend[i]);
            set_block(r, w.s, w.idx);
            return;
        }
        b->state = (uint8_t)to;
        b->tid = ev->tid;
        b->state_seq = ev->seq;
        b->last_seq = ev->seq;
    }
}

static void on_refill(struct replay *r, const struct hak_event *ev)
{
    struct vthread *t = thread_of(r, ev->tid);
    struct vslab *s = slab_of_event(r, ev);
    if (s && (s->origin == SO_ACQUIRED || s->cls == ev->cls)) {
        move_pending(r, ev, t, B_SLABFREE, B_TLS, VK_freelist_corrupt);
        /* value: blocks taken from the free list (size is not used: carved blocks
         * come with their own carve event) */
        count_change(s, ev, ev->value, 0 - ev->value);
    }
    pend_clear(t);
}

static void on_carve(struct replay *r, const struct hak_event *ev)
{
    struct vslab *s = slab_of_event(r, ev);
    if (!s || (s->origin != SO_ACQUIRED && s->cls != ev->cls)) return;
    const struct vclass *l = layout_of(r, s->cls);
    if (ev->value != s->stride || (l && l->stride != s->stride)) {
        report(r, VK_slab_meta_invariant, ev, 0, "carve", "carve with stride %llu in a slab of stride %u (layout: %u)",
               (unsigned long long)ev->value, s->stride, l ? l->stride : 0);
        values(r, s->stride, ev->value);
        set_block(r, s, 0);
        return;
    }
    if (ev->base < s->start || (ev->base - s->start) % s->stride) {
        report(r, VK_slab_meta_invariant, ev, 0, "carve", "carve starts at 0x%llx, not a block of the slab at 0x%llx",
               (unsigned long long)ev->base, (unsigned long long)s->start);
        set_block(r, s, 0);
        return;
    }
    uint64_t first = (ev->base - s->start) / s->stride;
    if (s->carved_known && first != s->carved) {
        report(r, VK_slab_meta_invariant, ev, 0, "carve", "carve from block %llu, but %llu blocks were carved before",
               (unsigned long long)first, (unsigned long long)s->carved);
        set_block(r, s, (uint32_t)first);
        values(r, s->carved, first);
        return;
    }
    if (first > s->capacity || ev->size > s->capacity - first) { /* first + size may wrap */
        if (first <= s->capacity && ev->size <= UINT32_MAX) /* capacity, stride < 2^26 (SHADOW_MAX_SLAB): the bytes fit */
            report(r, VK_slab_meta_invariant, ev, 0, "carve", "carving %llu blocks from block %llu runs %llu bytes past the slab's %u blocks",
                   (unsigned long long)ev->size, (unsigned long long)first,
                   (unsigned long long)((first + ev->size - s->capacity) * s->stride), s->capacity);
        else
            report(r, VK_slab_meta_invariant, ev, 0, "carve", "carving %llu blocks from block %llu: the slab has %u",
                   (unsigned long long)ev->size, (unsigned long long)first, s->capacity);
        set_block(r, s, first < s->capacity ? (uint32_t)first : 0);
        return;
    }
    for (uint64_t i = 0; i < ev->size; i++) {
        struct vblock *b = slab_block(&r->sh, s, (uint32_t)(first + i), 1);
        if (!b) {
            if (r->sh.over) return;
            continue;
        }
        if (b->state != B_UNCARVED && b->state != B_UNKNOWN) {
            report(r, VK_slab_meta_invariant, ev, 0, "carve", "carve of a block that is %s since seq %llu",
                   bstate_name(b->state), (unsigned long long)b->state_seq);
            set_block(r, s, (uint32_t)(first + i));
            return;
        }
        b->state = B_TLS;
        b->tid = ev->tid;
        b->state_seq = ev->seq;
        b->ref_seq = ev->seq;
        b->last_seq = ev->seq;
    }
    s->carved = first + ev->size;
    s->carved_known = 1;
    count_change(s, ev, ev->size, 0); /* carved blocks leave the slab for a thread list */
}

static void on_drain(struct replay *r, const struct hak_event *ev)
{
    struct where w;
    struct vthread *t = thread_of(r, ev->tid);
    pend_clear(t);
    struct vslab *s = slab_of_event(r, ev);
    struct vblock *b = block_at(r, ev, ev->base, "base", VK_next_misaligned, &w);
    if (r->stopped) return;
    if (b) {
        /* from a thread list, or straight from a free (a free into an abandoned slab
         * goes to its free list under the pool lock) */
        if (b->state != B_TLS && b->state != B_UNKNOWN && b->state != B_FREED) {
            report(r, VK_freelist_corrupt, ev, misplaced_culprit(b), "transition",
                   "drain of a block that is %s since seq %llu", bstate_name(b->state), (unsigned long long)b->state_seq);
            set_block(r, w.s, w.idx);
            return;
        }
        if ((b->flags & BF_LINK_KNOWN) && b->link == r->m->remote_end) {
            report(r, VK_sentinel_leak, ev, b->link_seq, "sentinel",
                   "drain put a block whose link is the remote end marker on the slab's free list");
            set_block(r, w.s, w.idx);
            return;
        }
        if (b->state == B_FREED && b->await) b->await--;
        b->state = B_SLABFREE;
        b->tid = ev->tid;
        b->state_seq = ev->seq;
        b->last_seq = ev->seq;
        if (!s) s = w.s;
    }
    if (!s || (s->origin != SO_ACQUIRED && s->cls != ev->cls)) return;
    if (!s->counts_known) {
        s->used = ev->value;
        s->nfree = ev->size;
        s->counts_known = 1;
        s->since_seq = 0;
        return;
    }
    uint64_t used = s->used - 1, nfree = s->nfree + 1;
    if (used != ev->value || nfree != ev->size) {
        report(r, VK_slab_meta_invariant, ev, s->since_seq ? s->since_seq : ev->seq, "counts",
               "drain says used %llu nfree %llu, the blocks the trace moved give used %lld nfree %lld",
               (unsigned long long)ev->value, (unsigned long long)ev->size, (long long)used, (long long)nfree);
        r->f.culprit_last = ev->seq;
        values(r, used, ev->value);
        if (b) set_block(r, w.s, w.idx);
        else set_block(r, s, 0);
        return;
    }
    s->used = used;
    s->nfree = nfree;
    s->since_seq = 0; /* the counts agree: a later mismatch comes from a later event */
}

static void on_remote_push(struct replay *r, const struct hak_event *ev)
{
    struct where w;
    struct vblock *b = block_at(r, ev, ev->ptr, "ptr", VK_next_misaligned, &w);
    if (!b) return;
    struct vslab *q = shadow_slab_by_desc(&r->sh, ev->base);
    if (q && q != w.s) {
        report(r, VK_remote_list_corrupt, ev, 0, "remote", "block pushed on the remote queue of another slab (0x%llx)",
               (unsigned long long)ev->base);
        set_block(r, w.s, w.idx);
        return;
    }
    if (b->await) {
        /* a free's push: its owner may already have collected the block (and even
         * handed it out again), since a remote free records its push after the CAS */
        b->await--;
        if (b->state == B_FREED) {
            b->state = B_REMOTE;
            b->state_seq = ev->seq;
        }
    } else if (b->state == B_UNKNOWN) {
        b->state = B_REMOTE;
        b->state_seq = ev->seq;
    } else if (b->state == B_TLS || b->state == B_SLABFREE || b->state == B_REMOTE || b->state == B_FREED) {
        report(r, VK_double_free, ev, 0, "transition", "remote push of a block already %s since seq %llu",
               bstate_name(b->state), (unsigned long long)b->state_seq);
        set_block(r, w.s, w.idx);
        return;
    } else {
        report(r, VK_freelist_corrupt, ev, 0, "transition", "remote push of a block that is %s since seq %llu, with no free",
               bstate_name(b->state), (unsigned long long)b->state_seq);
        set_block(r, w.s, w.idx);
        return;
    }
    b->ref_seq = ev->seq;
    b->last_seq = ev->seq;
}

static void on_remote_drain(struct replay *r, const struct hak_event *ev)
{
    struct vthread *t = thread_of(r, ev->tid);
    struct vslab *s = slab_of_event(r, ev);
    if (s && (s->origin == SO_ACQUIRED || s->cls == ev->cls)) {
        /* the queue's last block must have had its end marker overwritten by now */
        struct where w;
        if (locate(r, ev->value, ev->cls, &w) == LOC_OK) {
            struct vblock *b = slab_block(&r->sh, w.s, w.idx, 0);
            if (b && (b->flags & BF_LINK_KNOWN) && b->link == r->m->remote_end) {
                report(r, VK_sentinel_leak, ev, 0, "sentinel",
                       "remote_drain spliced the queue onto the free list without overwriting the end marker of its last block 0x%llx",
                       (unsigned long long)ev->value);
                set_block(r, w.s, w.idx);
                pend_clear(t);
                return;
            }
        }
        if (t && !t->overflow)
            for (uint32_t i = 0; i < t->npend && !r->stopped; i++) {
                struct where wb;
                enum loc l = locate(r, t->pend[i], ev->cls, &wb);
                if (l == LOC_OK && wb.s != s) {
                    report(r, VK_remote_list_corrupt, ev, 0, "remote",
                           "the remote queue of slab 0x%llx held block 0x%llx of another slab", (unsigned long long)s->start,
                           (unsigned long long)t->pend[i]);
                    set_block(r, wb.s, wb.idx);
                }
            }
        move_pending(r, ev, t, B_REMOTE, B_SLABFREE, VK_remote_list_corrupt);
        count_change(s, ev, 0 - ev->size, ev->size);
    }
    pend_clear(t);
}

static void acquire_fits(struct replay *r, const struct hak_event *ev)
{
    const struct vclass *l = layout_of(r, ev->cls);
    if (l && ev->value != l->stride) {
        report(r, VK_slab_meta_invariant, ev, 0, "acquire", "slab of class %u acquired with stride %llu, the layout says %u",
               ev->cls, (unsigned long long)ev->value, l->stride);
        values(r, l->stride, ev->value);
        return;
    }
    if (l && l->slab_shift >= 12 && l->slab_shift < 40) {
        uint64_t size = 1ull << l->slab_shift, region = ev->base & ~(size - 1);
        if (ev->base + ev->value * ev->size > region + size)
            report(r, VK_slab_meta_invariant, ev, 0, "acquire",
                   "capacity %llu x stride %llu from 0x%llx runs %llu bytes past the %llu-byte slab",
                   (unsigned long long)ev->size, (unsigned long long)ev->value, (unsigned long long)ev->base,
                   (unsigned long long)(ev->base + ev->value * ev->size - region - size), (unsigned long long)size);
    }
}

static void on_slab_acquire(struct replay *r, const struct hak_event *ev)
{
    if (ev->value == 0 || ev->value > (1u << 30) || ev->size == 0 || ev->size > (1u << 30)) return;
    acquire_fits(r, ev);
    if (r->stopped) return;
    struct vslab *old = shadow_slab_at(&r->sh, ev->base);
    if (old && old->origin == SO_ACQUIRED) {
        report(r, VK_slab_meta_invariant, ev, 0, "acquire", "slab at 0x%llx acquired again without a release (acquired at seq %llu)",
               (unsigned long long)ev->base, (unsigned long long)old->acquire_seq);
        set_block(r, old, 0);
        return;
    }
    struct vslab *s = shadow_slab_add(&r->sh, ev->ptr, ev->base, (uint32_t)ev->value, (uint32_t)ev->size, ev->cls,
                                      SO_ACQUIRED);
    if (!s) return;
    s->acquire_seq = ev->seq;
    s->counts_known = 1;
    s->carved_known = 1;
}

static void on_slab_release(struct replay *r, const struct hak_event *ev)
{
    struct vslab *s = slab_of_event(r, ev);
    if (!s) return;
    if (s->origin == SO_ACQUIRED) {
        if (s->counts_known && s->used != 0) {
            report(r, VK_slab_meta_invariant, ev, s->since_seq ? s->since_seq : ev->seq, "counts",
                   "slab released with %lld blocks still out by the trace's count", (long long)s->used);
            r->f.culprit_last = ev->seq;
            set_block(r, s, 0);
            return;
        }
        for (uint32_t i = 0; i <= s->mask; i++) {
            const struct vblock *b = &s->tab[i];
            if (!b->key) continue;
            if (b->state == B_ALLOCATED || b->state == B_TLS || b->state == B_REMOTE || b->state == B_POPPED ||
                b->state == B_FREED) {
                report(r, VK_slab_meta_invariant, ev, 0, "release", "slab released while its block %u is %s since seq %llu",
                       b->key - 1, bstate_name(b->state), (unsigned long long)b->state_seq);
                set_block(r, s, b->key - 1);
                return;
            }
        }
    }
    shadow_slab_remove(&r->sh, s);
}

static void on_violation(struct replay *r, const struct hak_event *ev)
{
    r->st.violations++;
    if (!r->st.have_violation_event) {
        r->st.have_violation_event = 1;
        r->st.violation = *ev;
    }
}

/* The allocator noticed something the replay saw nothing wrong with: its kind becomes
 * the finding. Misuse at a call (double free, ...) is that call; a write by the program
 * (canary, poison, header) happened after the last allocator event on the block; for
 * the allocator's own invariants the trace holds no culprit. */
static void allocator_finding(struct replay *r, const struct hak_event *ev, const char *why)
{
    struct finding *f = &r->f;
    f->found = 1;
    f->by_allocator = 1;
    f->kind = (unsigned)ev->value;
    f->first_bad = *ev;
    f->rule = "allocator";
    f->culprit_seq = 0;
    snprintf(f->what, sizeof f->what, "the allocator reported %s; %s", kind_name(&r->m->names, f->kind), why);
    r->stopped = 1;
    switch (f->kind) {
    case VK_double_free:
    case VK_invalid_free:
    case VK_interior_free:
    case VK_foreign_free:
    case VK_alignment_violation: f->culprit_seq = ev->seq; break;
    default: break;
    }
    struct where w;
    uint64_t addr = ev->base ? ev->base : ev->ptr;
    if (locate(r, addr, HAK_EVENT_NO_CLASS, &w) == LOC_NONE) return;
    set_block(r, w.s, w.idx);
    struct vblock *b = slab_block(&r->sh, w.s, w.idx, 0);
    switch (f->kind) {
    case VK_header_corrupt:
    case VK_canary_overflow:
    case VK_canary_underflow:
    case VK_use_after_free_write:
    case VK_tls_canary:
    case VK_guard_overflow:
    case VK_use_after_free_access:
        if (b) outside_write(r, &w, b);
        break;
    default:
        if (b && !f->culprit_seq) f->window_from = b->last_seq;
        break;
    }
}

// ---- driver ----

struct replay *replay_new(const struct vmeta *m)
{
    struct replay *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->m = m;
    r->tmask = 63;
    r->thr = calloc(r->tmask + 1, sizeof *r->thr);
    if (!r->thr || shadow_init(&r->sh)) {
        replay_free(r);
        return NULL;
    }
    /* The dump's slab table: the slabs as they were at the end. A slab acquired in the
     * window replaces its entry when the acquire comes by. */
    for (uint32_t i = 0; i < m->nslabs; i++) {
        const struct htrace_slab *d = &m->slabs[i];
        if (d->cls >= VMAX_CLASSES || !m->cls[d->cls].known) continue;
        uint32_t stride = m->cls[d->cls].stride;
        uint64_t cap = d->capacity;
        if (d->end > d->start && (d->end - d->start) / stride < cap) cap = (d->end - d->start) / stride;
        r->sh.allowed += SHADOW_ENTRIES_PER_SLAB;
        if (r->sh.over) break;
        shadow_slab_add(&r->sh, d->desc, d->start, stride, (uint32_t)cap, d->cls, SO_DUMP);
    }
    return r;
}

void replay_prefetch(struct replay *r, const struct hak_event *ev)
{
    uint64_t addr;
    switch (ev->op) {
    case HAK_EV_tls_push:
    case HAK_EV_tls_pop:
    case HAK_EV_remote_push: addr = ev->ptr; break;
    case HAK_EV_alloc:
    case HAK_EV_free:
    case HAK_EV_next_write:
    case HAK_EV_next_read:
    case HAK_EV_drain:
    case HAK_EV_header_write: addr = ev->base; break;
    default: return;
    }
    struct vslab *s = shadow_slab_at(&r->sh, addr);
    if (s) slab_block_prefetch(s, (uint32_t)(addr - s->start) / s->stride);
}

int replay_event(struct replay *r, const struct hak_event *ev)
{
    struct replay_stats *st = &r->st;
    if (!st->events) st->first_seq = ev->seq;
    st->events++;
    r->sh.allowed += SHADOW_ENTRIES_PER_EVENT;
    if (r->any && ev->seq <= r->prev_seq) st->out_of_order++;
    r->any = 1;
    r->prev_seq = ev->seq;
    st->last_seq = ev->seq;
    if (ev->op == HAK_EV_violation) on_violation(r, ev);
    if (r->stopped) return 0;
    if (ev->op == HAK_EV_violation) {
        allocator_finding(r, ev, "the replay found every event before it consistent");
        return 1;
    }
    if (ev->seq < r->m->complete_from) {
        st->before_window++;
        return 0;
    }
    st->checked++;
    switch (ev->op) {
    case HAK_EV_alloc: on_alloc(r, ev); break;
    case HAK_EV_free: on_free(r, ev); break;
    case HAK_EV_tls_push: on_tls_push(r, ev); break;
    case HAK_EV_tls_pop: on_tls_pop(r, ev); break;
    case HAK_EV_next_write: on_next_write(r, ev); break;
    case HAK_EV_next_read: on_next_read(r, ev); break;
    case HAK_EV_refill: on_refill(r, ev); break;
    case HAK_EV_drain: on_drain(r, ev); break;
    case HAK_EV_remote_push: on_remote_push(r, ev); break;
    case HAK_EV_remote_drain: on_remote_drain(r, ev); break;
    case HAK_EV_slab_acquire: on_slab_acquire(r, ev); break;
    case HAK_EV_slab_release: on_slab_release(r, ev); break;
    case HAK_EV_carve: on_carve(r, ev); break;
    case HAK_EV_header_write: on_header_write(r, ev); break;
    case HAK_EV_violation: break;
    default: break; /* large_map, large_unmap and unknown events carry no slab state */
    }
    if (r->stopped) {
        st->peak_blocks = r->sh.peak_blocks;
        st->peak_slabs = r->sh.peak_slabs;
        return 1;
    }
    return 0;
}

void replay_end(struct replay *r)
{
    r->st.peak_blocks = r->sh.peak_blocks;
    r->st.peak_slabs = r->sh.peak_slabs;
    if (r->stopped || !r->m->have_violation) return;
    /* A violation section without a violation event in the rings: the report's word. */
    const struct htrace_violation *v = &r->m->violation;
    struct hak_event ev = {.seq = v->seq, .ptr = v->ptr, .base = v->base, .value = v->kind, .size = v->found,
                           .tid = v->tid, .cls = HAK_EVENT_NO_CLASS, .op = HAK_EV_violation};
    allocator_finding(r, &ev, "no violation event of the trace explains it");
}

void replay_free(struct replay *r)
{
    if (!r) return;
    if (r->thr)
        for (uint32_t i = 0; i <= r->tmask; i++) free(r->thr[i].pend);
    free(r->thr);
    shadow_free(&r->sh);
    free(r);
}

/* gen_trace: writes .htrace dumps (and CTF traces) of a simulated hakmem heap, for the
 * viewer's tests and benchmark. The simulation follows docs/EVENTS.md event for event:
 * threads with per-class lists, slabs carved from 2 MiB superslabs, refills, drains,
 * cross-thread frees through remote queues, slabs released and reused by other classes.
 * One corruption can be injected; the generator prints the ground truth the tests compare
 * the viewer's finding with ("culprit SEQ", "first_bad SEQ", ...), computed here, as the
 * events are written.
 *
 * usage: gen_trace [options] -o OUT.htrace [--ctf DIR]
 *   --threads N --ops N --ring N --seed N --level L --remote PCT --live N
 *   --inject shifted|moved_link|double_free|sentinel|count|uaf_write|overflow|stride|user_base|canary
 *   --at N --after N --notice --cpus N --stacks --late N --race PCT --lttng LIBHAKMEM_LTTNG.so
 *   --foreign N  the CTF trace also declares N event classes of another provider (other:e0,
 *                ...) and has one of them, in turn, before each hakmem event
 *   --format 1   the events of .htrace version 1 (tls_* with ptr = base, after a next_* each) */
#include <dlfcn.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctf_writer.h"
#include "trace/event.h"
#include "trace/htrace_format.h"

// ---- the layout ----

#define NCLS 12
#define SS_SIZE (2ull << 20)
#define SS_HEADER 4096u
#define SLAB_SHIFT 16
#define SLABS_PER_SS 32
#define BASE_ADDR 0x7f3000000000ull
#define REMOTE_END 0xBADA55BADA55BADAull
#define BATCH 16
#define TC_LIMIT 24
#define MAXT 256

enum { S_unknown = 0, S_front_malloc, S_front_free, S_slow_malloc, S_slow_free, S_refill, S_carve, S_drain,
       S_remote_push, S_remote_collect };

static const uint32_t sizes[NCLS] = {8, 16, 32, 48, 64, 80, 96, 112, 128, 256, 512, 1024};
static uint32_t stride_of[NCLS], user_off, next_off, level = 3;

/* integrity/kinds.def numbers its kinds from 1 in order */
enum {
    K_NONE,
#define HAK_KIND(name, lv, doc) K_##name,
#include "integrity/kinds.def"
#undef HAK_KIND
};
static const char *const kind_names[] = {
    "none",
#define HAK_KIND(name, lv, doc) #name,
#include "integrity/kinds.def"
#undef HAK_KIND
};

// ---- a u64 -> u64 map (the simulated memory of link slots, last events per block) ----

struct map {
    uint64_t *k, *v;
    uint64_t mask, used;
};

static void map_init(struct map *m)
{
    m->mask = 4095;
    m->used = 0;
    m->k = calloc(m->mask + 1, 8);
    m->v = calloc(m->mask + 1, 8);
}

static uint64_t mh(uint64_t k) { return (k * 0x9E3779B97F4A7C15ull) >> 20; }

static void map_put(struct map *m, uint64_t k, uint64_t v)
{
    if ((m->used + 1) * 2 > m->mask) {
        struct map n = {.mask = m->mask * 2 + 1};
        n.k = calloc(n.mask + 1, 8);
        n.v = calloc(n.mask + 1, 8);
        for (uint64_t i = 0; i <= m->mask; i++)
            if (m->k[i]) {
                uint64_t j = mh(m->k[i]) & n.mask;
                while (n.k[j]) j = (j + 1) & n.mask;
                n.k[j] = m->k[i];
                n.v[j] = m->v[i];
            }
        n.used = m->used;
        free(m->k);
        free(m->v);
        *m = n;
    }
    uint64_t i = mh(k) & m->mask;
    while (m->k[i] && m->k[i] != k) i = (i + 1) & m->mask;
    if (!m->k[i]) m->used++;
    m->k[i] = k;
    m->v[i] = v;
}

static uint64_t map_get(const struct map *m, uint64_t k)
{
    for (uint64_t i = mh(k) & m->mask; m->k[i]; i = (i + 1) & m->mask)
        if (m->k[i] == k) return m->v[i];
    return 0;
}

// ---- state ----

struct slab {
    uint64_t desc, region, start, free, remote;
    uint32_t cls, stride, cap, carved;
    int64_t used, nfree; /* signed: a counting bug may take them below zero */
    int owner; /* thread index, -1 unassigned */
    int synced; /* counts last shown (drain) or reset (acquire), no count-changing event since */
};

struct vec {
    uint32_t *v;
    uint32_t n, cap;
};

static void vec_push(struct vec *a, uint32_t x)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 8;
        a->v = realloc(a->v, a->cap * sizeof *a->v);
    }
    a->v[a->n++] = x;
}

static void vec_del(struct vec *a, uint32_t x)
{
    for (uint32_t i = 0; i < a->n; i++)
        if (a->v[i] == x) {
            a->v[i] = a->v[--a->n];
            return;
        }
}

struct thread {
    uint32_t tid;
    uint64_t head[NCLS];
    uint32_t count[NCLS];
    struct vec slabs[NCLS];
    struct hak_event *ring;
    uint64_t cap, alloc, written;
};

struct live {
    uint64_t user, base;
    uint32_t cls, req;
};

static struct thread th[MAXT];
static unsigned nthreads = 4;
static struct slab *slabs;
static uint32_t nslabs, slabs_cap;
static struct vec free_slabs; /* unassigned slab indices */
static struct live *lives;
static uint32_t nlive, live_cap;
static struct map mem, last;
static uint64_t seq = 1, ring_cap = 1u << 22;
static int track_last;
static struct ctf_writer ctf;
static int use_ctf;
static uint32_t format = HTRACE_VERSION; /* --format 1: the event shapes of version 1 */
static uint64_t ctf_ts = 1000;
static int crashed;
/* --lttng LIB: every event also goes to the real tracepoint provider (libhakmem-lttng.so) */
static void (*lt_event)(const struct hak_event *);
static int trim_next = -1; /* a thread to trim at the next operation */
/* --race PCT: that share of remote frees record their link write and push one operation
 * late, as a real one does when its thread is preempted right after the compare-and-swap
 * (the owner may collect the block in between). */
static uint64_t race_pct;
struct late_push {
    unsigned t, c;
    uint64_t b, old, desc;
};
static struct late_push late_pushes[64];
static unsigned nlate;

// ---- the ground truth of an injection ----

static const char *inject;
static uint64_t inject_at, after_ops = 2000;
static int injected, notice;
static uint64_t truth_culprit, truth_first_bad, truth_window, truth_block;
static const char *truth_kind;
static uint64_t inject_op_done;
static uint64_t vio_ptr, vio_base, vio_kind;

static uint64_t rnd_state = 88172645463325252ull;
static uint64_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

static uint64_t emit(unsigned t, unsigned op, unsigned site, unsigned cls, uint64_t ptr, uint64_t base, uint64_t value,
                     uint64_t size)
{
    struct thread *T = &th[t];
    struct hak_event e = {.seq = seq++, .ptr = ptr, .base = base, .value = value, .size = size, .tid = T->tid,
                          .cls = (uint16_t)cls, .op = (uint8_t)op, .site = (uint8_t)site};
    if (T->alloc < T->cap && T->written == T->alloc) {
        uint64_t na = T->alloc ? T->alloc * 2 : 1024;
        if (na > T->cap) na = T->cap;
        T->ring = realloc(T->ring, na * sizeof *T->ring);
        if (!T->ring) {
            fprintf(stderr, "gen_trace: out of memory\n");
            exit(2);
        }
        T->alloc = na;
    }
    T->ring[T->written % T->cap] = e;
    T->written++;
    if (lt_event) lt_event(&e);
    if (use_ctf) {
        /* per-CPU streams: a thread runs mostly on one CPU and sometimes migrates */
        unsigned cpu = (t + (rnd() % 8 == 0)) % ctf.ncpus;
        ctf_ts += 10 + rnd() % 20;
        uint64_t ts = ctf_ts - rnd() % 25;
        if (ctf.foreign) ctf_foreign(&ctf, cpu, ts, e.seq ^ e.ptr);
        ctf_event(&ctf, cpu, &e, ts);
    }
    if (track_last) {
        switch (op) {
        case HAK_EV_remote_push: map_put(&last, ptr, e.seq); break;
        case HAK_EV_tls_push:
        case HAK_EV_tls_pop:
            if (!HTRACE_TLS_LINKS(format)) {
                map_put(&last, ptr, e.seq);
                break;
            }
            /* ptr is the link slot */
            __attribute__((fallthrough));
        case HAK_EV_alloc:
        case HAK_EV_free:
        case HAK_EV_next_write:
        case HAK_EV_next_read:
        case HAK_EV_header_write:
        case HAK_EV_drain: map_put(&last, base, e.seq); break;
        default: break;
        }
    }
    return e.seq;
}

static uint64_t slot(uint64_t b) { return b + next_off; }

#define PROGRAM_BYTES 0x4141414141414141ull

/* Every link read goes through here: the first read of the bytes the program wrote is
 * the first bad event of uaf_write and overflow. */
static uint64_t read_link(unsigned t, unsigned site, unsigned c, uint64_t b);

static uint64_t read_link(unsigned t, unsigned site, unsigned c, uint64_t b)
{
    uint64_t link = map_get(&mem, slot(b));
    uint64_t q = emit(t, HAK_EV_next_read, site, c, slot(b), b, link, 0);
    if (link == PROGRAM_BYTES && !truth_first_bad) truth_first_bad = q;
    return link;
}

static struct slab *slab_of(uint64_t a)
{
    if (a < BASE_ADDR) return NULL;
    uint64_t k = (a - BASE_ADDR) / SS_SIZE, i = (a & (SS_SIZE - 1)) >> SLAB_SHIFT;
    uint64_t n = k * SLABS_PER_SS + i;
    if (n >= nslabs) return NULL;
    struct slab *s = &slabs[n];
    return s->owner >= 0 && a >= s->start && a < s->start + (uint64_t)s->cap * s->stride ? s : NULL;
}

static void new_superslab(void)
{
    if (nslabs + SLABS_PER_SS > slabs_cap) {
        slabs_cap = slabs_cap ? slabs_cap * 2 : 64;
        slabs = realloc(slabs, slabs_cap * sizeof *slabs);
    }
    uint64_t ss = BASE_ADDR + (uint64_t)(nslabs / SLABS_PER_SS) * SS_SIZE;
    for (unsigned i = 0; i < SLABS_PER_SS; i++) {
        struct slab *s = &slabs[nslabs];
        memset(s, 0, sizeof *s);
        s->region = ss + ((uint64_t)i << SLAB_SHIFT);
        s->start = i ? s->region : ss + SS_HEADER;
        s->desc = ss + 256 + 64 * i;
        s->owner = -1;
        vec_push(&free_slabs, nslabs);
        nslabs++;
    }
}

static void stop(const char *why)
{
    (void)why;
    crashed = 1;
}

static struct slab *acquire(unsigned t, unsigned c)
{
    if (!free_slabs.n) new_superslab();
    /* reuse the most recently released slab first, so slabs change class */
    uint32_t n = free_slabs.v[free_slabs.n - 1];
    free_slabs.n--;
    struct slab *s = &slabs[n];
    s->cls = c;
    s->stride = stride_of[c];
    s->cap = (uint32_t)((s->region + (1u << SLAB_SHIFT) - s->start) / s->stride);
    s->carved = s->used = s->nfree = 0;
    s->free = 0;
    s->remote = REMOTE_END;
    s->owner = (int)t;
    s->synced = 1;
    vec_push(&th[t].slabs[c], n);
    uint32_t cap = s->cap;
    if (inject && !injected && !strcmp(inject, "stride") && seq >= inject_at) {
        /* crash #5: capacity from the bare class size, not the stride */
        cap = (uint32_t)((s->region + (1u << SLAB_SHIFT) - s->start) / sizes[c]);
        injected = 1;
        truth_kind = "slab_meta_invariant";
    }
    uint64_t q = emit(t, HAK_EV_slab_acquire, S_refill, c, s->desc, s->start, s->stride, cap);
    if (injected && !strcmp(inject, "stride") && !truth_culprit) {
        truth_culprit = truth_first_bad = q;
        truth_block = s->start;
        stop("carving would overrun the slab");
    }
    return s;
}

static void release(unsigned t, struct slab *s)
{
    emit(t, HAK_EV_slab_release, S_drain, s->cls, s->desc, s->start, s->stride, s->cap);
    vec_del(&th[t].slabs[s->cls], (uint32_t)(s - slabs));
    s->owner = -1;
    vec_push(&free_slabs, (uint32_t)(s - slabs));
}

static void remote_collect(unsigned t, struct slab *s)
{
    if (s->remote == REMOTE_END) return;
    uint64_t head = s->remote, tail = head, n = 0;
    s->remote = REMOTE_END;
    uint64_t *moved = NULL;
    size_t nm = 0, cm = 0;
    for (;;) {
        uint64_t next = read_link(t, S_remote_collect, s->cls, tail);
        if (nm == cm) moved = realloc(moved, (cm = cm ? cm * 2 : 16) * 8);
        moved[nm++] = tail;
        n++;
        if (next == REMOTE_END) break;
        if (n > (1u << 20) || !slab_of(next)) {
            stop("a remote queue that does not end");
            free(moved);
            return;
        }
        tail = next;
    }
    int skip = inject && !injected && !strcmp(inject, "sentinel") && seq >= inject_at;
    if (!skip) {
        emit(t, HAK_EV_next_write, S_remote_collect, s->cls, slot(tail), tail, s->free, 0);
        map_put(&mem, slot(tail), s->free);
    }
    s->free = head;
    s->nfree += (int64_t)n;
    s->used -= (int64_t)n;
    s->synced = 0;
    uint64_t q = emit(t, HAK_EV_remote_drain, S_remote_collect, s->cls, s->desc, head, tail, n);
    if (track_last)
        for (size_t i = 0; i < nm; i++) map_put(&last, moved[i], q);
    free(moved);
    if (skip) {
        /* crash #6: the end marker of the queue's last block reaches the free list */
        injected = 1;
        truth_culprit = truth_first_bad = q;
        truth_block = tail;
        truth_kind = "sentinel_leak";
    }
}

/* src/slab/refill.c's take(), event for event: the free list first (refill: value =
 * blocks from the free list, size = the list's count after), then carving (carve). */
static uint32_t take(unsigned t, struct slab *s, uint32_t want)
{
    unsigned c = s->cls;
    struct thread *T = &th[t];
    uint32_t got = 0;
    if (!s->free) remote_collect(t, s);
    if (crashed) return 0;
    if (s->free) {
        uint64_t head = s->free, tail = head, *moved = malloc(want * 8);
        size_t nm = 0;
        for (;;) {
            uint64_t next = read_link(t, S_refill, c, tail);
            moved[nm++] = tail;
            got++;
            if (next == REMOTE_END) {
                stop("the free list ends in the remote end marker: the next read faults");
                free(moved);
                return 0;
            }
            if (got == want || !next) {
                s->free = next;
                break;
            }
            tail = next;
        }
        emit(t, HAK_EV_next_write, S_refill, c, slot(tail), tail, T->head[c], 0);
        map_put(&mem, slot(tail), T->head[c]);
        T->head[c] = head;
        s->nfree -= got;
        int bug = inject && !injected && !strcmp(inject, "count") && s->synced && seq >= inject_at;
        if (!bug) s->used += got; /* crash #8: the splice forgot to count */
        T->count[c] += got;
        uint64_t q = emit(t, HAK_EV_refill, S_refill, c, s->desc, head, got, T->count[c]);
        if (track_last)
            for (size_t i = 0; i < nm; i++) map_put(&last, moved[i], q);
        free(moved);
        s->synced = 0;
        if (bug) {
            injected = 1;
            truth_culprit = q;
            truth_kind = "slab_meta_invariant";
            truth_block = s->start;
            trim_next = (int)t; /* its next drain shows the count */
        }
    }
    if (got < want && s->carved < s->cap) {
        uint32_t n = want - got, left = s->cap - s->carved;
        if (n > left) n = left;
        uint64_t lo = s->start + (uint64_t)s->carved * s->stride;
        uint64_t q = emit(t, HAK_EV_carve, S_carve, c, s->desc, lo, s->stride, n);
        for (uint32_t i = n; i-- > 0;) {
            uint64_t p = lo + (uint64_t)i * s->stride;
            if (track_last) map_put(&last, p, q);
            emit(t, HAK_EV_next_write, S_carve, c, slot(p), p, T->head[c], 0);
            map_put(&mem, slot(p), T->head[c]);
            T->head[c] = p;
        }
        s->carved += n;
        s->used += n;
        T->count[c] += n;
        got += n;
        s->synced = 0;
    }
    return got;
}

static int refill(unsigned t, unsigned c)
{
    struct vec *v = &th[t].slabs[c];
    int fresh = inject && !injected && !strcmp(inject, "stride") && seq >= inject_at;
    for (uint32_t i = 0; i < v->n && !crashed && !fresh; i++) {
        struct slab *s = &slabs[v->v[i]];
        if ((s->free || s->remote != REMOTE_END || s->carved < s->cap) && take(t, s, BATCH)) return 1;
    }
    if (crashed) return 0;
    struct slab *s = acquire(t, c);
    if (crashed) return 0;
    return take(t, s, BATCH) > 0;
}

static void drain(unsigned t, unsigned c, uint32_t n)
{
    struct thread *T = &th[t];
    while (n-- && T->head[c] && !crashed) {
        uint64_t p = T->head[c], link = read_link(t, S_drain, c, p);
        T->head[c] = link;
        T->count[c]--;
        struct slab *s = slab_of(p);
        if (!s) {
            stop("drain of a block whose slab is gone");
            return;
        }
        emit(t, HAK_EV_next_write, S_drain, c, slot(p), p, s->free, 0);
        map_put(&mem, slot(p), s->free);
        s->free = p;
        s->nfree++;
        s->used--;
        uint64_t q = emit(t, HAK_EV_drain, S_drain, c, s->desc, p, (uint64_t)s->used, (uint64_t)s->nfree);
        if (injected && !strcmp(inject, "count") && !truth_first_bad && s->start == truth_block) truth_first_bad = q;
        s->synced = 1;
        struct vec *v = &T->slabs[c];
        if (s->used == 0 && s->remote == REMOTE_END && v->n > 1) release(t, s);
    }
}

/* malloc_trim / thread exit: every list drained, remote queues collected, empty slabs
 * given back (so slabs come back later for other classes). */
static void trim(unsigned t)
{
    struct thread *T = &th[t];
    for (unsigned c = 0; c < NCLS && !crashed; c++) {
        drain(t, c, T->count[c]);
        struct vec *v = &T->slabs[c];
        for (uint32_t i = 0; i < v->n && !crashed;) {
            struct slab *s = &slabs[v->v[i]];
            remote_collect(t, s);
            if (s->used == 0 && !crashed) release(t, s);
            else i++;
        }
    }
}

static uint64_t do_malloc(unsigned t, unsigned c, uint32_t req)
{
    struct thread *T = &th[t];
    if (!T->head[c] && !refill(t, c)) return 0;
    if (crashed) return 0;
    uint64_t b = T->head[c];
    if (!slab_of(b) && !(inject && !strcmp(inject, "shifted"))) {
        stop("pop of a pointer in no slab faults");
        return 0;
    }
    /* the pop carries the link it reads (ptr = the link slot); version 1 read it first */
    uint64_t link = HTRACE_TLS_LINKS(format) ? map_get(&mem, slot(b)) : read_link(t, S_front_malloc, c, b);
    uint64_t at = HTRACE_TLS_LINKS(format) ? slot(b) : b, base = HTRACE_TLS_LINKS(format) ? b : 0;
    if (link == REMOTE_END || (link && !slab_of(link) && !(inject && !strcmp(inject, "shifted")))) {
        /* the next pop would fault: the trace ends at this pop */
        uint64_t q = emit(t, HAK_EV_tls_pop, S_front_malloc, c, at, base, link, T->count[c] - 1);
        if (link == PROGRAM_BYTES && !truth_first_bad) truth_first_bad = q;
        stop("garbage list head");
        return 0;
    }
    T->head[c] = link;
    T->count[c]--;
    uint64_t pq = emit(t, HAK_EV_tls_pop, S_front_malloc, c, at, base, link, T->count[c]);
    if (link == PROGRAM_BYTES && !truth_first_bad) truth_first_bad = pq;
    if (truth_block && b == truth_block && !strcmp(inject, "shifted") && notice) {
        /* level 2 checks the header on pop: the shifted pointer is noticed here */
        vio_ptr = b;
        vio_base = b;
        vio_kind = K_header_corrupt;
        stop("noticed");
        return 0;
    }
    if (level >= 2) emit(t, HAK_EV_header_write, S_front_malloc, c, b, b, 0x48414b00u | c, req);
    uint64_t u = b + user_off;
    int bad_conv = inject && !injected && !strcmp(inject, "user_base") && seq >= inject_at && user_off;
    uint64_t q = emit(t, HAK_EV_alloc, S_front_malloc, c, bad_conv ? b : u, b, sizes[c], req);
    if (bad_conv) {
        injected = 1;
        truth_culprit = truth_first_bad = q;
        truth_kind = "user_base_mismatch";
        truth_block = b;
    }
    return u;
}

/* Returns the seq of the free event (0 when none was written). */
static uint64_t do_free(unsigned t, const struct live *l)
{
    struct thread *T = &th[t];
    unsigned c = l->cls;
    uint64_t b = l->base;
    struct slab *s = slab_of(b);
    if (!s) {
        stop("free into a slab that is gone");
        return 0;
    }
    if (inject && !injected && !strcmp(inject, "canary") && seq >= inject_at) {
        /* the program overflowed past its request: the allocator's tail check notices at free */
        injected = 1;
        truth_kind = "canary_overflow";
        truth_window = map_get(&last, b);
        truth_block = b;
        vio_ptr = l->user;
        vio_base = b;
        vio_kind = K_canary_overflow;
        notice = 1;
        stop("noticed");
        return 0;
    }
    uint64_t fseq = emit(t, HAK_EV_free, S_front_free, c, l->user, b, 0, l->req);
    if (s->owner == (int)t) {
        uint64_t p = b, old = T->head[c];
        int shifted = inject && !injected && !strcmp(inject, "shifted") && seq >= inject_at && user_off;
        int moved = inject && !injected && !strcmp(inject, "moved_link") && seq >= inject_at;
        if (shifted) p = l->user; /* crash #2: the USER pointer pushed as if it were BASE */
        uint64_t at = slot(p) + (moved ? 1 : 0); /* crash #1: the link one byte off its slot */
        uint64_t q = 0;
        if (!HTRACE_TLS_LINKS(format)) q = emit(t, HAK_EV_next_write, S_front_free, c, at, p, old, 0);
        map_put(&mem, slot(p), moved ? (old << 8) | 0x41 : old);
        T->head[c] = p;
        T->count[c]++;
        /* the push carries the link it writes (ptr = the link slot); version 1 wrote it first */
        if (HTRACE_TLS_LINKS(format)) q = emit(t, HAK_EV_tls_push, S_front_free, c, at, p, old, T->count[c]);
        else emit(t, HAK_EV_tls_push, S_front_free, c, p, 0, old, T->count[c]);
        if (shifted || moved) {
            injected = 1;
            truth_culprit = truth_first_bad = q;
            truth_kind = shifted ? "user_base_mismatch" : "next_misaligned";
            truth_block = p;
        }
        if (T->count[c] > TC_LIMIT) drain(t, c, TC_LIMIT / 2);
    } else {
        uint64_t old = s->remote;
        map_put(&mem, slot(b), old);
        s->remote = b;
        if (race_pct && nlate < 64 && rnd() % 100 < race_pct) {
            late_pushes[nlate++] = (struct late_push){t, c, b, old, s->desc};
        } else {
            emit(t, HAK_EV_next_write, S_remote_push, c, slot(b), b, old, 0);
            emit(t, HAK_EV_remote_push, S_remote_push, c, b, s->desc, old, 0);
        }
    }
    return fseq;
}

// ---- program-side corruption (no allocator event) ----

/* A block on some thread's list, found by walking the lists. */
static int pick_listed(uint64_t *out, unsigned *out_cls)
{
    for (unsigned k = 0; k < nthreads; k++) {
        unsigned t = (unsigned)((k + rnd()) % nthreads);
        for (unsigned c = 0; c < NCLS; c++) {
            if (th[t].count[c] < 2) continue;
            uint64_t b = th[t].head[c];
            uint32_t n = (uint32_t)(rnd() % th[t].count[c]);
            for (uint32_t i = 0; i < n && b; i++) b = map_get(&mem, slot(b));
            if (b && slab_of(b)) {
                *out = b;
                *out_cls = c;
                return 1;
            }
        }
    }
    return 0;
}

static int is_listed(uint64_t x, unsigned c)
{
    for (unsigned t = 0; t < nthreads; t++) {
        uint64_t b = th[t].head[c];
        for (uint32_t i = 0; i < th[t].count[c] && b; i++, b = map_get(&mem, slot(b)))
            if (b == x) return 1;
    }
    return 0;
}

static void program_write(void)
{
    uint64_t b = 0;
    unsigned c;
    if (!strcmp(inject, "uaf_write")) {
        if (!pick_listed(&b, &c)) return;
    } else {
        /* overflow: a live block whose neighbour after it is on a thread list */
        for (uint32_t i = 0; i < nlive && !b; i++) {
            const struct live *l = &lives[(i + rnd()) % nlive];
            uint64_t nb = l->base + stride_of[l->cls];
            struct slab *s = slab_of(l->base);
            if (s && slab_of(nb) == s && is_listed(nb, l->cls)) b = nb;
        }
        if (!b) return;
    }
    injected = 1;
    truth_kind = "use_after_free_write";
    truth_block = b;
    truth_window = map_get(&last, b);
    map_put(&mem, slot(b), PROGRAM_BYTES);
    /* the next read of the slot will see the program's bytes: found in emit's caller */
}

// ---- the dump ----

static void put(FILE *f, const void *p, size_t n) { fwrite(p, 1, n, f); }

static void pad8(FILE *f)
{
    static const char z[8];
    long at = ftell(f);
    put(f, z, (size_t)((8 - at % 8) % 8));
}

static void section(FILE *f, uint32_t type, const void *p, uint64_t n)
{
    struct htrace_section h = {.type = type, .size = n};
    put(f, &h, sizeof h);
    if (n) put(f, p, (size_t)n);
    pad8(f);
}

static void write_text_section(FILE *f, uint32_t type, const char *text)
{
    section(f, type, text, strlen(text));
}

static int write_dump(const char *path, int with_stacks, uint64_t late)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    struct htrace_header h = {.version = format, .header_size = sizeof h, .pid = 4242, .level = level,
                              .event_size = sizeof(struct hak_event),
                              .reason = vio_kind ? HTRACE_REASON_VIOLATION : crashed ? HTRACE_REASON_SIGNAL : HTRACE_REASON_EXPLICIT,
                              .reason_arg = vio_kind ? vio_kind : crashed ? 11 : 0, .time_ns = 1700000000000000000ull,
                              .seq_next = seq};
    memcpy(h.magic, HTRACE_MAGIC, 8);
    put(f, &h, sizeof h);
    struct htrace_geometry g = {.superslab_size = SS_SIZE, .remote_end = REMOTE_END, .superslab_header = SS_HEADER,
                                .block_header = user_off, .page_size = 4096, .nclasses = NCLS, .tiny_max = 1024,
                                .pool_max = 131072};
    section(f, HTRACE_SEC_GEOMETRY, &g, sizeof g);
    {
        uint32_t head[2] = {NCLS, sizeof(struct htrace_class)};
        struct htrace_class cl[NCLS];
        for (unsigned c = 0; c < NCLS; c++)
            cl[c] = (struct htrace_class){.size = sizes[c], .stride = stride_of[c], .user_off = user_off,
                                          .next_off = next_off, .kind = 1, .slab_shift = SLAB_SHIFT};
        struct htrace_section sh = {.type = HTRACE_SEC_LAYOUT, .size = sizeof head + sizeof cl};
        put(f, &sh, sizeof sh);
        put(f, head, sizeof head);
        put(f, cl, sizeof cl);
        pad8(f);
    }
    char text[4096];
    size_t n = 0;
    for (unsigned op = 1; op < HAK_EV_LIMIT; op++) n += (size_t)snprintf(text + n, sizeof text - n, "%u %s\n", op, hak_event_name(op));
    write_text_section(f, HTRACE_SEC_SCHEMA, text);
    write_text_section(f, HTRACE_SEC_SITES, "0 unknown\n1 front_malloc\n2 front_free\n3 slow_malloc\n4 slow_free\n5 refill\n"
                                            "6 carve\n7 drain\n8 remote_push\n9 remote_collect\n");
    n = 0;
    for (unsigned k = 1; k < sizeof kind_names / sizeof *kind_names; k++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%u %s\n", k, kind_names[k]);
    write_text_section(f, HTRACE_SEC_KINDS, text);
    /* an unknown section a newer writer might add: readers skip it */
    write_text_section(f, 77, "future section");
    if (vio_kind) {
        struct htrace_violation v = {.kind = (uint32_t)vio_kind, .tid = th[0].tid, .seq = seq, .ptr = vio_ptr,
                                     .base = vio_base, .expected = 0x48414b00u, .found = 0x41414141u,
                                     .alloc_stack = with_stacks ? 1 : 0, .free_stack = with_stacks ? 2 : 0};
        snprintf(v.site, sizeof v.site, "%s", vio_kind == K_canary_overflow ? "free" : "front_malloc");
        section(f, HTRACE_SEC_VIOLATION, &v, sizeof v);
    }
    {
        uint32_t cnt = 0;
        for (uint32_t i = 0; i < nslabs; i++) cnt += slabs[i].owner >= 0;
        uint32_t head[2] = {cnt, sizeof(struct htrace_slab)};
        struct htrace_section sh = {.type = HTRACE_SEC_SLABS, .size = sizeof head + (uint64_t)cnt * sizeof(struct htrace_slab)};
        put(f, &sh, sizeof sh);
        put(f, head, sizeof head);
        for (uint32_t i = 0; i < nslabs; i++) {
            const struct slab *s = &slabs[i];
            if (s->owner < 0) continue;
            struct htrace_slab e = {.desc = s->desc, .start = s->start, .end = s->region + (1u << SLAB_SHIFT),
                                    .free_head = s->free, .remote_head = s->remote, .cls = s->cls,
                                    .owner = th[s->owner].tid, .used = s->used, .nfree = s->nfree,
                                    .capacity = s->cap, .carved = s->carved};
            put(f, &e, sizeof e);
        }
        pad8(f);
    }
    for (unsigned t = 0; t < nthreads; t++) {
        struct thread *T = &th[t];
        uint64_t count = T->written < T->cap ? T->written : T->cap;
        uint64_t written = T->written + (t == 0 ? late : 0); /* one event per entry: the two counts agree */
        struct htrace_ring r = {.tid = T->tid, .flags = written > count ? HTRACE_RING_LOST : 0, .capacity = T->cap,
                                .written = written, .count = count};
        struct htrace_section sh = {.type = HTRACE_SEC_RING, .size = sizeof r + count * sizeof(struct hak_event)};
        put(f, &sh, sizeof sh);
        put(f, &r, sizeof r);
        uint64_t first = T->written - count;
        for (uint64_t i = 0; i < count; i++) {
            struct hak_event e = T->ring[(first + i) % T->cap];
            if (t == 0 && i < late) {
                /* written while the dump was being taken: newer than seq_next, maybe torn */
                e.seq = seq + i;
                e.ptr = 0xdeadbeef;
            }
            put(f, &e, sizeof e);
        }
        pad8(f);
    }
    if (with_stacks) {
        uint64_t s1[3] = {(uint64_t)(uintptr_t)&do_malloc + 4, (uint64_t)(uintptr_t)&program_write + 8,
                          (uint64_t)(uintptr_t)&write_dump + 12};
        uint64_t s2[2] = {(uint64_t)(uintptr_t)&do_free + 4, (uint64_t)(uintptr_t)&drain + 16};
        uint32_t hd[2] = {0, 0}, a[2] = {1, 3}, b[2] = {2, 2};
        struct htrace_section sh = {.type = HTRACE_SEC_STACKS, .size = 8 + 8 + sizeof s1 + 8 + sizeof s2};
        put(f, &sh, sizeof sh);
        put(f, hd, 8);
        put(f, a, 8);
        put(f, s1, sizeof s1);
        put(f, b, 8);
        put(f, s2, sizeof s2);
        pad8(f);
        FILE *m = fopen("/proc/self/maps", "r");
        static char maps[1 << 20];
        size_t len = m ? fread(maps, 1, sizeof maps - 1, m) : 0;
        if (m) fclose(m);
        section(f, HTRACE_SEC_MAPS, maps, len);
    }
    section(f, HTRACE_SEC_END, NULL, 0);
    return fclose(f);
}

static int truth_culprit_only(void)
{
    /* scenarios whose bad event may never come (the list is not read again) still end */
    return seq > inject_at + 400000;
}

// ---- main ----

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"threads", required_argument, 0, 't'}, {"ops", required_argument, 0, 'n'}, {"ring", required_argument, 0, 'r'},
        {"seed", required_argument, 0, 's'},    {"level", required_argument, 0, 'l'}, {"remote", required_argument, 0, 'R'},
        {"live", required_argument, 0, 'L'},    {"inject", required_argument, 0, 'i'}, {"at", required_argument, 0, 'a'},
        {"after", required_argument, 0, 'A'},   {"notice", no_argument, 0, 'N'},      {"ctf", required_argument, 0, 'c'},
        {"cpus", required_argument, 0, 'C'},    {"stacks", no_argument, 0, 'S'},     {"late", required_argument, 0, 'T'},
        {"lttng", required_argument, 0, 'P'},   {"race", required_argument, 0, 'X'},
        {"format", required_argument, 0, 'F'},  {"foreign", required_argument, 0, 'f'}, {0, 0, 0, 0}};
    const char *out = NULL, *ctf_dir = NULL, *lttng_lib = NULL;
    uint64_t nops = 20000, remote_pct = 25, target_live = 2000, late = 0;
    unsigned ncpus = 4;
    int with_stacks = 0, o;
    inject_at = UINT64_MAX;
    while ((o = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (o) {
        case 'o': out = optarg; break;
        case 't': nthreads = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'n': nops = strtoull(optarg, NULL, 0); break;
        case 'r': ring_cap = strtoull(optarg, NULL, 0); break;
        case 's': rnd_state = strtoull(optarg, NULL, 0) * 2654435761u + 1; break;
        case 'l': level = (uint32_t)strtoul(optarg, NULL, 0); break;
        case 'R': remote_pct = strtoull(optarg, NULL, 0); break;
        case 'L': target_live = strtoull(optarg, NULL, 0); break;
        case 'i': inject = optarg; break;
        case 'a': inject_at = strtoull(optarg, NULL, 0); break;
        case 'A': after_ops = strtoull(optarg, NULL, 0); break;
        case 'N': notice = 1; break;
        case 'c': ctf_dir = optarg; break;
        case 'C': ncpus = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'S': with_stacks = 1; break;
        case 'T': late = strtoull(optarg, NULL, 0); break;
        case 'P': lttng_lib = optarg; break;
        case 'X': race_pct = strtoull(optarg, NULL, 0); break;
        case 'F': format = (uint32_t)strtoul(optarg, NULL, 0); break;
        case 'f': ctf.foreign = (unsigned)strtoul(optarg, NULL, 0); break;
        default: fprintf(stderr, "usage: see the comment at the top of gen_trace.c\n"); return 2;
        }
    }
    if ((!out && !ctf_dir) || !nthreads || nthreads > MAXT || !ring_cap || level > 4 || format < HTRACE_VERSION_MIN ||
        format > HTRACE_VERSION) {
        fprintf(stderr, "gen_trace: -o FILE or --ctf DIR, 1..%d threads, a ring of at least 1, level 0..4, format %d..%d\n",
                MAXT, HTRACE_VERSION_MIN, HTRACE_VERSION);
        return 2;
    }
    if (inject_at == UINT64_MAX) inject_at = nops * 5 / 4; /* in events (about 2.6 per op): about the middle */
    user_off = level >= 2 ? 16 : 0;
    next_off = level >= 2 ? 8 : 0;
    for (unsigned c = 0; c < NCLS; c++) stride_of[c] = sizes[c] + user_off;
    map_init(&mem);
    map_init(&last);
    track_last = inject && (!strcmp(inject, "uaf_write") || !strcmp(inject, "overflow") || !strcmp(inject, "canary"));
    for (unsigned t = 0; t < nthreads; t++) {
        th[t].tid = t + 1;
        th[t].cap = ring_cap;
    }
    if (lttng_lib) {
        void *h = dlopen(lttng_lib, RTLD_NOW);
        void (*geo)(const struct htrace_geometry *, uint32_t) = h ? (void (*)(const struct htrace_geometry *, uint32_t))dlsym(h, "hak_lttng_geometry") : NULL;
        void (*lay)(uint32_t, const struct htrace_class *) = h ? (void (*)(uint32_t, const struct htrace_class *))dlsym(h, "hak_lttng_layout") : NULL;
        lt_event = h ? (void (*)(const struct hak_event *))dlsym(h, "hak_lttng_event") : NULL;
        if (!geo || !lay || !lt_event) {
            fprintf(stderr, "gen_trace: %s: %s\n", lttng_lib, dlerror());
            return 2;
        }
        struct htrace_geometry g = {.superslab_size = SS_SIZE, .remote_end = REMOTE_END, .superslab_header = SS_HEADER,
                                    .block_header = user_off, .page_size = 4096, .nclasses = NCLS, .tiny_max = 1024,
                                    .pool_max = 131072};
        geo(&g, level);
        for (unsigned c = 0; c < NCLS; c++) {
            struct htrace_class cl = {.size = sizes[c], .stride = stride_of[c], .user_off = user_off, .next_off = next_off,
                                      .kind = 1, .slab_shift = SLAB_SHIFT};
            lay(c, &cl);
        }
    }
    if (ctf_dir) {
        if (ctf_open_dir(&ctf, ctf_dir, ncpus)) {
            fprintf(stderr, "gen_trace: cannot write %s\n", ctf_dir);
            return 2;
        }
        use_ctf = 1;
        struct htrace_geometry g = {.superslab_size = SS_SIZE, .remote_end = REMOTE_END, .superslab_header = SS_HEADER,
                                    .block_header = user_off, .page_size = 4096, .nclasses = NCLS, .tiny_max = 1024,
                                    .pool_max = 131072};
        ctf_geometry(&ctf, &g, level, format, 1);
        for (unsigned c = 0; c < NCLS; c++) {
            struct htrace_class cl = {.size = sizes[c], .stride = stride_of[c], .user_off = user_off, .next_off = next_off,
                                      .kind = 1, .slab_shift = SLAB_SHIFT};
            ctf_layout(&ctf, c, &cl, 2 + c);
        }
    }
    uint64_t after = 0;
    unsigned t = 0;
    for (uint64_t op = 0; op < nops && !crashed; op++) {
        /* after the injection: on until the corruption shows, then `after` more */
        if (injected && (truth_first_bad || truth_culprit_only()) && ++after > after_ops) break;
        if (inject && !injected && seq >= inject_at && (!strcmp(inject, "uaf_write") || !strcmp(inject, "overflow")))
            program_write();
        /* the late halves of raced remote frees, some operations later */
        for (unsigned k = 0; (op % 40 == 0 || nlate == 64) && k < nlate; k++) {
            const struct late_push *p = &late_pushes[k];
            emit(p->t, HAK_EV_next_write, S_remote_push, p->c, slot(p->b), p->b, p->old, 0);
            emit(p->t, HAK_EV_remote_push, S_remote_push, p->c, p->b, p->desc, p->old, 0);
        }
        if (op % 40 == 0 || nlate == 64) nlate = 0;
        t = (unsigned)(rnd() % nthreads);
        if (op % 3000 == 2999 || trim_next >= 0) {
            trim(trim_next >= 0 ? (unsigned)trim_next : t);
            trim_next = -1;
            continue;
        }
        /* the live set swells and shrinks, so lists overflow into drains and slabs empty */
        uint64_t target = (op / 4000) % 2 ? target_live / 8 : target_live;
        if (nlive < target && (nlive == 0 || rnd() % 100 < 60)) {
            unsigned c = (unsigned)(rnd() % 100 < 80 ? rnd() % 9 : 9 + rnd() % 3);
            uint32_t req = sizes[c] - (level >= 2) - (uint32_t)(rnd() % 8);
            uint64_t u = do_malloc(t, c, req);
            if (!u) continue;
            if (nlive == live_cap) lives = realloc(lives, (live_cap = live_cap ? live_cap * 2 : 1024) * sizeof *lives);
            lives[nlive++] = (struct live){.user = u, .base = u - user_off, .cls = c, .req = req};
        } else if (nlive) {
            uint32_t i = (uint32_t)(rnd() % nlive);
            struct live l = lives[i];
            lives[i] = lives[--nlive];
            struct slab *s = slab_of(l.base);
            /* most frees come from the owner; remote_pct percent from another thread */
            unsigned ft = s && s->owner >= 0 ? (unsigned)s->owner : t;
            if (nthreads > 1 && rnd() % 100 < remote_pct) ft = (ft + 1 + (unsigned)(rnd() % (nthreads - 1))) % nthreads;
            t = ft;
            int dbl = inject && !injected && !strcmp(inject, "double_free") && seq >= inject_at && s &&
                      s->owner == (int)ft;
            do_free(ft, &l);
            if (dbl && !crashed) {
                uint64_t q = do_free(ft, &l); /* the program frees it again */
                injected = 1;
                truth_culprit = truth_first_bad = q;
                truth_kind = "double_free";
                truth_block = l.base;
            }
        }
    }
    if (notice && vio_kind == 0 && injected) {
        vio_ptr = truth_block;
        vio_base = truth_block;
        vio_kind = K_freelist_corrupt;
    }
    if (vio_kind) {
        uint64_t q = emit(t, HAK_EV_violation, S_front_malloc, HAK_EVENT_NO_CLASS, vio_ptr, vio_base, vio_kind, 0);
        printf("noticed %" PRIu64 "\n", q);
        if (!strcmp(truth_kind ? truth_kind : "", "canary_overflow")) truth_first_bad = q;
    }
    if (injected && truth_window) truth_culprit = truth_window; /* outside the trace: the window's start */
    if (use_ctf) ctf_close(&ctf);
    if (out && write_dump(out, with_stacks, late)) {
        fprintf(stderr, "gen_trace: cannot write %s\n", out);
        return 2;
    }
    uint64_t total = seq - 1;
    printf("events %" PRIu64 "\n", total);
    if (inject) {
        printf("injected %s\n", injected ? inject : "none");
        if (truth_kind) printf("kind %s\n", truth_kind);
        if (truth_culprit) printf("culprit %" PRIu64 "\n", truth_culprit);
        if (truth_first_bad) printf("first_bad %" PRIu64 "\n", truth_first_bad);
        if (truth_window) printf("window_from %" PRIu64 "\n", truth_window);
        if (truth_block) printf("block 0x%" PRIx64 "\n", truth_block);
    }
    if (crashed) printf("stopped %s\n", vio_kind ? "violation" : "crash");
    (void)inject_op_done;
    return 0;
}

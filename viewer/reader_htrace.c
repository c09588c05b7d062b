/* The .htrace reader (trace/htrace_format.h): checks the whole file's structure up front
 * (every size against what remains of the file), keeps the small sections in memory and
 * streams the rings through a k-way merge by seq, reading each ring with pread into a
 * bounded buffer. A dump written while other threads kept running can hold events newer
 * than the dump's start (seq >= seq_next, some of them torn): those are dropped. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source.h"
#include "stream.h"

#define EV_SIZE sizeof(struct hak_event)
#define RING_BUDGET (16u << 20) /* bytes of ring buffers in all */
#define MAX_TEXT (64u << 20)   /* text sections larger than this are skipped */
#define MAX_STACK_DEPTH 4096

struct cursor {
    uint64_t base;  /* file offset of the first record kept */
    uint64_t total; /* records kept */
    uint64_t left;  /* records not read yet */
    uint32_t pos, n, cap;
    struct hak_event *buf;
};

struct htrace {
    int fd;
    uint64_t fsize;
    uint32_t event_size;
    uint64_t seq_limit;
    struct cursor *cur;
    struct merge merge;
    unsigned char *raw; /* records of event_size > 48 are read here first */
};

static int rd(int fd, uint64_t off, void *buf, size_t n)
{
    char *p = buf;
    while (n) {
        ssize_t r = pread(fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Reads records [idx, idx + n) of a ring into out (n <= buffer). */
static int read_records(struct htrace *h, uint64_t base_off, uint64_t idx, uint32_t n, struct hak_event *out)
{
    uint64_t off = base_off + idx * h->event_size;
    if (h->event_size == EV_SIZE) return rd(h->fd, off, out, (size_t)n * EV_SIZE);
    for (uint32_t i = 0; i < n; i++) {
        if (rd(h->fd, off + (uint64_t)i * h->event_size, h->raw, h->event_size)) return -1;
        memcpy(&out[i], h->raw, EV_SIZE);
    }
    return 0;
}

static int pull(void *ctx, uint32_t i, const struct hak_event **evp)
{
    struct vsource *s = ctx;
    struct htrace *h = s->impl;
    struct cursor *c = &h->cur[i];
    for (;;) {
        if (c->pos == c->n) {
            if (!c->left) return 0;
            if (!c->buf && !(c->buf = malloc((size_t)c->cap * EV_SIZE))) {
                snprintf(s->err, sizeof s->err, "out of memory");
                return -1;
            }
            uint32_t n = c->left < c->cap ? (uint32_t)c->left : c->cap;
            if (read_records(h, c->base, c->total - c->left, n, c->buf)) {
                snprintf(s->err, sizeof s->err, "read error in the ring of thread %u (file changed?)",
                         s->meta.rings[i].tid);
                return -1;
            }
            c->pos = 0;
            c->n = n;
            c->left -= n;
            /* The rings are read in turns, which the kernel's readahead takes for random
             * reads: ask for each ring's next chunk now, so it is in memory when needed. */
            if (c->left) {
                uint64_t next = c->base + (c->total - c->left) * h->event_size;
                uint64_t len = (c->left < c->cap ? c->left : c->cap) * h->event_size;
                posix_fadvise(h->fd, (off_t)next, (off_t)len, POSIX_FADV_WILLNEED);
            }
        }
        const struct hak_event *ev = &c->buf[c->pos++];
        if (ev->seq >= h->seq_limit) {
            s->meta.rings[i].late++;
            continue;
        }
        *evp = ev;
        return 1;
    }
}

static int next_event(struct vsource *s, struct hak_event *ev)
{
    struct htrace *h = s->impl;
    return merge_next(&h->merge, ev);
}

static void close_htrace(struct vsource *s)
{
    struct htrace *h = s->impl;
    if (!h) return;
    if (h->cur)
        for (uint32_t i = 0; i < s->meta.nrings; i++) free(h->cur[i].buf);
    free(h->cur);
    free(h->raw);
    merge_free(&h->merge);
    if (h->fd >= 0) close(h->fd);
    free(h);
    s->impl = NULL;
}

// ---- sections ----

static char *read_text(int fd, uint64_t off, uint64_t size)
{
    char *t = malloc((size_t)size + 1);
    if (!t) return NULL;
    if (rd(fd, off, t, (size_t)size)) {
        free(t);
        return NULL;
    }
    t[size] = 0;
    return t;
}

static int parse_layout(struct vmeta *m, int fd, uint64_t off, uint64_t size, char *err, size_t errlen)
{
    uint32_t head[2];
    if (size < sizeof head) return fail(err, errlen, "LAYOUT section of %llu bytes is too short", (unsigned long long)size);
    if (rd(fd, off, head, sizeof head)) return fail(err, errlen, "read error");
    uint32_t n = head[0], esz = head[1];
    if (esz < sizeof(struct htrace_class) || esz > 4096)
        return fail(err, errlen, "LAYOUT section: entry size %u is not valid", esz);
    if ((uint64_t)n * esz > size - sizeof head)
        return fail(err, errlen, "LAYOUT section: %u classes of %u bytes do not fit in %llu bytes", n, esz,
                    (unsigned long long)size);
    memset(m->cls, 0, sizeof m->cls);
    m->nclasses = 0;
    for (uint32_t c = 0; c < n && c < VMAX_CLASSES; c++) {
        struct htrace_class e;
        if (rd(fd, off + sizeof head + (uint64_t)c * esz, &e, sizeof e)) return fail(err, errlen, "read error");
        vmeta_set_class(m, c, &e);
    }
    if (m->nclasses < n && n <= VMAX_CLASSES) m->nclasses = n;
    return 0;
}

static int parse_stacks(struct vmeta *m, int fd, uint64_t off, uint64_t size, char *err, size_t errlen)
{
    /* The count in the section head is not trusted (a writer may leave it 0): entries are
     * read until the payload ends. */
    if (size < 8) return fail(err, errlen, "STACKS section of %llu bytes is too short", (unsigned long long)size);
    if (size > (256u << 20)) return 0;
    unsigned char *p = malloc((size_t)size);
    if (!p) return fail(err, errlen, "out of memory");
    if (rd(fd, off, p, (size_t)size)) {
        free(p);
        return fail(err, errlen, "read error");
    }
    uint64_t at = 8, nst = 0, npc = 0;
    while (at + 8 <= size) {
        uint32_t depth;
        memcpy(&depth, p + at + 4, 4);
        if (depth > MAX_STACK_DEPTH || (uint64_t)depth * 8 > size - at - 8) {
            free(p);
            return fail(err, errlen, "STACKS section: a stack of depth %u runs past the section", depth);
        }
        nst++;
        npc += depth;
        at += 8 + (uint64_t)depth * 8;
    }
    free(m->stacks);
    free(m->stack_pcs);
    m->stacks = calloc(nst ? nst : 1, sizeof *m->stacks);
    m->stack_pcs = malloc((npc ? npc : 1) * sizeof *m->stack_pcs);
    if (!m->stacks || !m->stack_pcs) {
        free(p);
        return fail(err, errlen, "out of memory");
    }
    at = 8;
    uint64_t k = 0;
    for (uint64_t i = 0; i < nst; i++) {
        uint32_t id, depth;
        memcpy(&id, p + at, 4);
        memcpy(&depth, p + at + 4, 4);
        memcpy(m->stack_pcs + k, p + at + 8, (size_t)depth * 8);
        m->stacks[i] = (struct vstack){.id = id, .depth = depth, .pc = m->stack_pcs + k};
        k += depth;
        at += 8 + (uint64_t)depth * 8;
    }
    m->nstacks = (uint32_t)nst;
    free(p);
    return 0;
}

static int parse_slabs(struct vmeta *m, int fd, uint64_t off, uint64_t size, char *err, size_t errlen)
{
    uint32_t head[2];
    if (size < sizeof head) return fail(err, errlen, "SLABS section of %llu bytes is too short", (unsigned long long)size);
    if (rd(fd, off, head, sizeof head)) return fail(err, errlen, "read error");
    uint32_t n = head[0], esz = head[1];
    if (esz < sizeof(struct htrace_slab) || esz > 4096)
        return fail(err, errlen, "SLABS section: entry size %u is not valid", esz);
    if ((uint64_t)n * esz > size - sizeof head)
        return fail(err, errlen, "SLABS section: %u slabs of %u bytes do not fit in %llu bytes", n, esz,
                    (unsigned long long)size);
    free(m->slabs);
    m->slabs = calloc(n ? n : 1, sizeof *m->slabs);
    if (!m->slabs) return fail(err, errlen, "out of memory");
    for (uint32_t i = 0; i < n; i++)
        if (rd(fd, off + sizeof head + (uint64_t)i * esz, &m->slabs[i], sizeof m->slabs[i]))
            return fail(err, errlen, "read error");
    m->nslabs = n;
    m->have_slabs = 1;
    return 0;
}

static int add_ring(struct vmeta *m, uint32_t *cap, int fd, uint64_t off, uint64_t size, uint32_t esz, char *err,
                    size_t errlen)
{
    struct htrace_ring r;
    if (size < sizeof r) return fail(err, errlen, "RING section at offset %llu is too short", (unsigned long long)off);
    if (rd(fd, off, &r, sizeof r)) return fail(err, errlen, "read error");
    if (r.count > (size - sizeof r) / esz)
        return fail(err, errlen, "ring of thread %u at offset %llu: %llu events do not fit in its %llu bytes", r.tid,
                    (unsigned long long)off, (unsigned long long)r.count, (unsigned long long)size);
    /* from version 3 capacity and written count entries, each of which held up to
     * HTRACE_ENTRY_EVENTS_MAX events (trace/htrace_format.h); before, one */
    uint64_t per = HTRACE_RING_ENTRIES(m->version) ? HTRACE_ENTRY_EVENTS_MAX : 1;
    uint64_t most = r.capacity < r.written ? r.capacity : r.written;
    if (r.count > (most > UINT64_MAX / per ? UINT64_MAX : most * per))
        return fail(err, errlen, "ring of thread %u: %llu events but capacity %llu and %llu written", r.tid,
                    (unsigned long long)r.count, (unsigned long long)r.capacity, (unsigned long long)r.written);
    if (!HTRACE_RING_ENTRIES(m->version) && r.written > r.count) r.flags |= HTRACE_RING_LOST;
    if (m->nrings == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 16;
        struct vring *nr = realloc(m->rings, (size_t)nc * sizeof *nr);
        if (!nr) return fail(err, errlen, "out of memory");
        m->rings = nr;
        *cap = nc;
    }
    m->rings[m->nrings++] = (struct vring){.tid = r.tid, .flags = r.flags, .capacity = r.capacity,
                                           .written = r.written, .count = r.count, .offset = off + sizeof r};
    return 0;
}

/* Finds each ring's first and last event older than the dump (seq < limit), and from
 * them the seq from which every ring is complete. */
static int scan_rings(struct vsource *s, struct htrace *h, char *err, size_t errlen)
{
    struct vmeta *m = &s->meta;
    enum { CHUNK = 1024 };
    struct hak_event *buf = malloc(CHUNK * sizeof *buf);
    if (!buf) return fail(err, errlen, "out of memory");
    m->complete_from = 0;
    for (uint32_t i = 0; i < m->nrings; i++) {
        struct vring *r = &m->rings[i];
        uint64_t k = 0, found = 0;
        r->first_seq = r->last_seq = 0;
        /* the first event older than the dump, read in chunks (a torn prefix can be long) */
        while (k < r->count && !found) {
            uint32_t n = r->count - k < CHUNK ? (uint32_t)(r->count - k) : CHUNK;
            if (read_records(h, r->offset, k, n, buf)) {
                free(buf);
                return fail(err, errlen, "read error");
            }
            for (uint32_t j = 0; j < n; j++, k++)
                if (buf[j].seq < h->seq_limit) {
                    r->first_seq = buf[j].seq;
                    found = 1;
                    break;
                }
        }
        r->start = k;
        if (!found) continue; /* nothing older than the dump */
        for (uint64_t end = r->count; end > k && !r->last_seq;) {
            uint32_t n = end - k < CHUNK ? (uint32_t)(end - k) : CHUNK;
            if (read_records(h, r->offset, end - n, n, buf)) {
                free(buf);
                return fail(err, errlen, "read error");
            }
            for (uint32_t j = n; j-- > 0;)
                if (buf[j].seq < h->seq_limit) {
                    r->last_seq = buf[j].seq;
                    break;
                }
            end -= n;
        }
        int lost_older = (r->flags & HTRACE_RING_LOST) || k > 0;
        if (lost_older && r->first_seq > m->complete_from) m->complete_from = r->first_seq;
    }
    free(buf);
    return 0;
}

struct vsource *htrace_open_fd(int fd, const char *path, char *err, size_t errlen)
{
    struct vsource *s = vsource_alloc(VFMT_HTRACE, path);
    struct htrace *h = calloc(1, sizeof *h);
    if (!s || !h) {
        free(s);
        free(h);
        close(fd);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->fd = fd;
    s->impl = h;
    s->next = next_event;
    s->close = close_htrace;
    struct vmeta *m = &s->meta;

    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        fail(err, errlen, "not a regular file");
        goto bad;
    }
    h->fsize = (uint64_t)st.st_size;
    if (h->fsize == 0) {
        fail(err, errlen, "empty file");
        goto bad;
    }
    struct htrace_header hd;
    if (h->fsize < sizeof hd) {
        fail(err, errlen, "truncated: %llu bytes, shorter than the %zu-byte header", (unsigned long long)h->fsize,
             sizeof hd);
        goto bad;
    }
    if (rd(fd, 0, &hd, sizeof hd)) {
        fail(err, errlen, "read error");
        goto bad;
    }
    if (memcmp(hd.magic, HTRACE_MAGIC, 8) != 0) {
        fail(err, errlen, "bad magic: not a hakmem .htrace dump");
        goto bad;
    }
    if (hd.version < HTRACE_VERSION_MIN || hd.version > HTRACE_VERSION) {
        fail(err, errlen, "unsupported .htrace version %u (this viewer reads %u to %u)", hd.version, HTRACE_VERSION_MIN,
             HTRACE_VERSION);
        goto bad;
    }
    if (hd.header_size < sizeof hd || hd.header_size > h->fsize) {
        fail(err, errlen, "bad header size %u", hd.header_size);
        goto bad;
    }
    if (hd.event_size < EV_SIZE || hd.event_size > 4096 || hd.event_size % 8) {
        fail(err, errlen, "bad event size %u", hd.event_size);
        goto bad;
    }
    h->event_size = hd.event_size;
    if (h->event_size != EV_SIZE && !(h->raw = malloc(h->event_size))) {
        fail(err, errlen, "out of memory");
        goto bad;
    }
    m->have_header = 1;
    m->version = hd.version;
    m->pid = hd.pid;
    m->level = hd.level;
    m->reason = hd.reason;
    m->reason_arg = hd.reason_arg;
    m->time_ns = hd.time_ns;
    m->seq_next = hd.seq_next;
    h->seq_limit = hd.seq_next ? hd.seq_next : UINT64_MAX;

    uint64_t off = hd.header_size;
    uint32_t ring_cap = 0;
    int ended = 0;
    while (!ended) {
        struct htrace_section sec;
        off = (off + 7) & ~(uint64_t)7;
        if (off >= h->fsize || h->fsize - off < sizeof sec) {
            fail(err, errlen, "truncated: no END section (file ends at offset %llu)", (unsigned long long)h->fsize);
            goto bad;
        }
        if (rd(fd, off, &sec, sizeof sec)) {
            fail(err, errlen, "read error");
            goto bad;
        }
        uint64_t pay = off + sizeof sec, rest = h->fsize - pay;
        if (sec.size > rest) {
            fail(err, errlen, "section of type %u at offset %llu: size %llu runs past the end of the file (%llu bytes left)",
                 sec.type, (unsigned long long)off, (unsigned long long)sec.size, (unsigned long long)rest);
            goto bad;
        }
        int rc = 0;
        switch (sec.type) {
        case HTRACE_SEC_END: ended = 1; break;
        case HTRACE_SEC_LAYOUT: rc = parse_layout(m, fd, pay, sec.size, err, errlen); break;
        case HTRACE_SEC_GEOMETRY:
            if (sec.size < sizeof m->geo) {
                rc = fail(err, errlen, "GEOMETRY section of %llu bytes is too short", (unsigned long long)sec.size);
                break;
            }
            if (rd(fd, pay, &m->geo, sizeof m->geo)) rc = fail(err, errlen, "read error");
            m->have_geometry = 1;
            m->remote_end = m->geo.remote_end;
            break;
        case HTRACE_SEC_SCHEMA:
        case HTRACE_SEC_SITES:
        case HTRACE_SEC_KINDS: {
            if (sec.size > (1u << 20)) break;
            char *t = read_text(fd, pay, sec.size);
            if (!t) {
                rc = fail(err, errlen, "read error");
                break;
            }
            names_parse(sec.type == HTRACE_SEC_SCHEMA ? m->names.op
                        : sec.type == HTRACE_SEC_SITES ? m->names.site
                                                        : m->names.kind,
                        t, sec.size);
            free(t);
            break;
        }
        case HTRACE_SEC_RING: rc = add_ring(m, &ring_cap, fd, pay, sec.size, h->event_size, err, errlen); break;
        case HTRACE_SEC_STACKS: rc = parse_stacks(m, fd, pay, sec.size, err, errlen); break;
        case HTRACE_SEC_MAPS:
            if (sec.size > MAX_TEXT) break;
            free(m->maps);
            if (!(m->maps = read_text(fd, pay, sec.size))) rc = fail(err, errlen, "read error");
            m->maps_len = (size_t)sec.size;
            break;
        case HTRACE_SEC_SLABS: rc = parse_slabs(m, fd, pay, sec.size, err, errlen); break;
        case HTRACE_SEC_VIOLATION:
            if (sec.size < sizeof m->violation) {
                rc = fail(err, errlen, "VIOLATION section of %llu bytes is too short", (unsigned long long)sec.size);
                break;
            }
            if (rd(fd, pay, &m->violation, sizeof m->violation)) rc = fail(err, errlen, "read error");
            m->violation.site[sizeof m->violation.site - 1] = 0;
            m->have_violation = 1;
            break;
        default: m->sections_skipped++; break; /* a newer writer's section: skippable by design */
        }
        if (rc) goto bad;
        off = pay + sec.size;
    }

    if (scan_rings(s, h, err, errlen)) goto bad;
    h->cur = calloc(m->nrings ? m->nrings : 1, sizeof *h->cur);
    if (!h->cur || merge_init(&h->merge, m->nrings, pull, s)) {
        fail(err, errlen, "out of memory");
        goto bad;
    }
    uint32_t per = m->nrings ? RING_BUDGET / EV_SIZE / m->nrings : 0;
    if (per < 64) per = 64;
    if (per > 16384) per = 16384;
    for (uint32_t i = 0; i < m->nrings; i++) {
        struct vring *r = &m->rings[i];
        struct cursor *c = &h->cur[i];
        c->total = c->left = r->count - r->start;
        c->base = r->offset + r->start * h->event_size;
        c->cap = c->left < per ? (uint32_t)(c->left ? c->left : 1) : per;
    }
    return s;
bad:
    vsource_close(s);
    return NULL;
}

struct vsource *htrace_open(const char *path, char *err, size_t errlen)
{
    /* O_NONBLOCK: a FIFO named as input must not block the open; fstat then rejects it. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return NULL;
    }
    return htrace_open_fd(fd, path, err, errlen);
}

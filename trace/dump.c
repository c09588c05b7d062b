/* The dump writer: every ring, the layout, geometry, slabs, stacks and memory map in one
 * .htrace file (trace/htrace_format.h, docs/TRACE_FORMAT.md). It runs on a violation, in
 * a fatal-signal handler and at exit, so it uses async-signal-safe calls only (open,
 * write, pwrite, read, close, clock_gettime) and a buffer on its own stack. */
#include "trace/dump.h"
#include "hakmem.h"

#if HAK_LEVEL_MAX >= 1
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "api/env.h"
#include "box/next_ptr.h"
#include "hakmem.h"
#include "integrity/stack_depot.h"
#include "os/file.h"
#include "os/fmt.h"
#include "os/os.h"
#include "superslab/superslab.h"
#include "trace/htrace_format.h"
#include "trace/ring.h"

/* Rings, not LTTng alone (whose events are in the LTTng trace). */
bool hak_trace_on(void)
{
    return HAK_RINGS(HAK_MODE) && hak_rings_on;
}

uint64_t hak_trace_seq_now(void)
{
    return hak_seq_peek();
}

// ---- a buffered writer that remembers its file offset ----

struct out {
    int fd;
    bool failed;
    uint64_t off; /* file offset of buf[0] */
    size_t len;
    char buf[8192];
};

static void flush(struct out *o)
{
    const char *p = o->buf;
    size_t n = o->len;
    while (n && !o->failed) {
        ssize_t w = write(o->fd, p, n);
        if (w <= 0) {
            o->failed = true;
            break;
        }
        p += w;
        n -= (size_t)w;
    }
    o->off += o->len;
    o->len = 0;
}

static void put(struct out *o, const void *data, size_t n)
{
    const char *p = data;
    while (n) {
        if (o->len == sizeof o->buf) flush(o);
        size_t k = sizeof o->buf - o->len;
        if (k > n) k = n;
        memcpy(o->buf + o->len, p, k);
        o->len += k;
        p += k;
        n -= k;
    }
}

static uint64_t tell(const struct out *o) { return o->off + o->len; }

static void pad8(struct out *o)
{
    static const char zero[8];
    put(o, zero, (8 - tell(o) % 8) % 8);
}

/* Starts a section whose size is not known yet; end_section patches it. */
static uint64_t begin_section(struct out *o, uint32_t type)
{
    struct htrace_section s = {.type = type};
    pad8(o);
    uint64_t at = tell(o);
    put(o, &s, sizeof s);
    return at;
}

static void end_section(struct out *o, uint64_t at)
{
    uint64_t size = tell(o) - at - sizeof(struct htrace_section);
    flush(o);
    if (pwrite(o->fd, &size, sizeof size, (off_t)(at + offsetof(struct htrace_section, size))) != sizeof size)
        o->failed = true;
    pad8(o);
}

static void section(struct out *o, uint32_t type, const void *data, size_t n)
{
    uint64_t at = begin_section(o, type);
    put(o, data, n);
    end_section(o, at);
}

// ---- the sections ----

static void put_geometry(struct out *o)
{
    struct htrace_geometry g = {
        .superslab_size = HAK_SS_SIZE,
        .remote_end = (uintptr_t)HAK_REMOTE_END,
        .superslab_header = (uint32_t)hak_ss_meta_size(HAK_MODE),
        .block_header = hak_user_off(HAK_MODE),
        .page_size = (uint32_t)hak_page_size,
        .nclasses = HAK_NCLASSES,
        .tiny_max = HAK_TINY_MAX,
        .pool_max = HAK_POOL_MAX,
    };
    section(o, HTRACE_SEC_GEOMETRY, &g, sizeof g);
}

static void put_layout(struct out *o)
{
    uint64_t at = begin_section(o, HTRACE_SEC_LAYOUT);
    uint32_t head[2] = {HAK_NCLASSES, sizeof(struct htrace_class)};
    put(o, head, sizeof head);
    for (unsigned c = 0; c < HAK_NCLASSES; c++) {
        const struct hak_class_layout *l = &hak_layout[c];
        struct htrace_class e = {.size = l->size, .stride = l->stride, .user_off = l->user_off,
                                 .next_off = l->next_off, .kind = l->kind, .slab_shift = l->slab_shift};
        put(o, &e, sizeof e);
    }
    end_section(o, at);
}

#define LINE(name, num) #num " " #name "\n"
static const char schema_text[] =
#define HAK_EVENT(name, num, doc) LINE(name, num)
#include "trace/events.def"
#undef HAK_EVENT
    ;
static const char sites_text[] =
#define HAK_SITE(name, num) LINE(name, num)
#include "trace/sites.def"
#undef HAK_SITE
    ;
#undef LINE

static void put_kinds(struct out *o)
{
    uint64_t at = begin_section(o, HTRACE_SEC_KINDS);
    char line[64];
    for (unsigned k = 1; k < HAK_KIND_LIMIT; k++) put(o, line, hak_fmt(line, sizeof line, "%u %s\n", k, hak_kind_name(k)));
    end_section(o, at);
}

/* Without the pool lock (a report may come from under it, a signal from anywhere) the
 * list of superslabs could change under us: then the section is left out. */
static void put_slabs(struct out *o)
{
    if (!hak_pool_trylock()) return;
    uint64_t at = begin_section(o, HTRACE_SEC_SLABS);
    uint32_t head[2] = {0, sizeof(struct htrace_slab)};
    uint64_t count_at = tell(o);
    put(o, head, sizeof head);
    for (struct hak_superslab *ss = hak_superslabs; ss; ss = ss->next) {
        for (unsigned i = 0; i < ss->nslabs; i++) {
            const struct hak_slab *s = &ss->slabs[i];
            uint32_t owner = __atomic_load_n(&s->owner, __ATOMIC_RELAXED);
            if (owner == HAK_OWNER_NONE) continue;
            struct htrace_slab e = {
                .desc = (uintptr_t)s, .start = (uintptr_t)s->start,
                .end = (uintptr_t)hak_slab_end(s, ss->slab_shift), .free_head = (uintptr_t)s->free,
                .remote_head = (uintptr_t)__atomic_load_n(&s->remote, __ATOMIC_RELAXED),
                .cls = s->cls, .owner = owner, .used = s->used, .nfree = s->nfree,
                .capacity = s->capacity, .carved = s->carved, .flags = s->flags,
            };
            put(o, &e, sizeof e);
            head[0]++;
        }
    }
    hak_pool_unlock();
    flush(o);
    if (pwrite(o->fd, head, sizeof head[0], (off_t)count_at) != sizeof head[0]) o->failed = true;
    end_section(o, at);
}

/* Another thread may write its ring while we copy it: the ring is first copied, oldest
 * first, into a scratch mapping; then every entry the thread may have overwritten during
 * the copy is dropped, so the section holds only whole entries, in order. */
static void put_ring(struct out *o, struct hak_ring *r)
{
    uint64_t cap = r->mask + 1;
    uint64_t w1 = __atomic_load_n(&r->written, __ATOMIC_ACQUIRE);
    /* the entries below w1 were stored before the count was; those stored without the
     * caches (ring.h) are visible to us once every thread passed a barrier */
    hak_seq_barrier();
    uint64_t count = w1 < cap ? w1 : cap;
    size_t bytes = count * sizeof(struct hak_event);
    struct hak_event *copy = bytes ? hak_os_map(bytes) : NULL;
    if (bytes && !copy) return;
    uint64_t first = (w1 - count) & r->mask, n1 = cap - first < count ? cap - first : count;
    memcpy(copy, &r->ev[first], n1 * sizeof(struct hak_event));
    memcpy(copy + n1, &r->ev[0], (count - n1) * sizeof(struct hak_event));
    uint64_t w2 = __atomic_load_n(&r->written, __ATOMIC_ACQUIRE);
    /* entries of index below w2 - cap were (or were being) overwritten; and those of the
     * batch in flight, which moves `written` once, after its entries */
    uint64_t lost = w2 + HAK_EV_BATCH_MAX > cap ? w2 + HAK_EV_BATCH_MAX - cap : 0, oldest = w1 - count, drop = lost > oldest ? lost - oldest : 0;
    if (drop > count) drop = count;
    /* packed entries go out as the events they stand for (trace/pack.h) */
    uint64_t events = 0;
    for (uint64_t i = drop; i < count; i++) events += hak_pack_events(copy[i].op);
    struct htrace_ring h = {.tid = r->tid, .flags = r->flags | (oldest + drop ? HTRACE_RING_LOST : 0),
                            .capacity = cap, .written = w1, .count = events};
    uint64_t at = begin_section(o, HTRACE_SEC_RING);
    put(o, &h, sizeof h);
    for (uint64_t i = drop; i < count; i++) {
        struct hak_event ev[HAK_PACK_MAX];
        put(o, ev, hak_unpack(&copy[i], ev) * sizeof ev[0]);
    }
    end_section(o, at);
    if (copy) hak_os_unmap(copy, bytes);
}

struct stacks_out {
    struct out *o;
    uint32_t count;
};

static void put_stack(uint32_t id, const uintptr_t *pcs, unsigned depth, void *arg)
{
    struct stacks_out *so = arg;
    struct out *o = so->o;
    uint32_t head[2] = {id, depth};
    so->count++;
    put(o, head, sizeof head);
    for (unsigned i = 0; i < depth; i++) {
        uint64_t pc = pcs[i];
        put(o, &pc, sizeof pc);
    }
}

static void put_stacks(struct out *o)
{
    uint64_t at = begin_section(o, HTRACE_SEC_STACKS);
    uint32_t head[2] = {0, 0};
    uint64_t count_at = tell(o);
    put(o, head, sizeof head);
    struct stacks_out so = {o, 0};
    hak_stack_foreach(put_stack, &so);
    flush(o);
    if (pwrite(o->fd, &so.count, sizeof so.count, (off_t)count_at) != sizeof so.count) o->failed = true;
    end_section(o, at);
}

static void put_maps(struct out *o)
{
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    uint64_t at = begin_section(o, HTRACE_SEC_MAPS);
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) put(o, buf, (size_t)n);
    close(fd);
    end_section(o, at);
}

static void put_violation(struct out *o, const struct hak_violation *v)
{
    struct htrace_violation e = {
        .kind = v->kind, .tid = hak_heap_tls.tid, .seq = hak_trace_seq_now(), .ptr = (uintptr_t)v->ptr,
        .base = (uintptr_t)v->base, .expected = v->expected, .found = v->found,
        .alloc_stack = v->alloc_stack, .free_stack = v->free_stack,
    };
    hak_fmt(e.site, sizeof e.site, "%s", v->site ? v->site : "");
    section(o, HTRACE_SEC_VIOLATION, &e, sizeof e);
}

int hak_trace_dump_write(unsigned reason, uint64_t reason_arg, const struct hak_violation *v,
                         const char *explicit_path, char *path_out, size_t path_size)
{
    if (!hak_trace_on()) return -1;
    char dflt[64];
    hak_fmt(dflt, sizeof dflt, "hakmem-%d.htrace", (int)getpid());
    const char *path = explicit_path ? explicit_path : hak_env.trace_dump ? hak_env.trace_dump : dflt;
    struct out o = {.fd = hak_create_file(path, dflt, path_out, path_size)};
    if (o.fd < 0) {
        /* the caller's message names what could not be created */
        int e = errno;
        if (path_out && path_size) hak_fmt(path_out, path_size, "%s", path);
        errno = e;
        return -1;
    }

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct htrace_header h = {
        .version = HTRACE_VERSION, .header_size = sizeof h, .pid = (uint32_t)getpid(),
        .level = (uint32_t)hak_level, .event_size = sizeof(struct hak_event), .reason = reason,
        .reason_arg = reason_arg, .time_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec,
        .seq_next = hak_trace_seq_now(),
    };
    memcpy(h.magic, HTRACE_MAGIC, sizeof h.magic);
    put(&o, &h, sizeof h);
    put_geometry(&o);
    put_layout(&o);
    section(&o, HTRACE_SEC_SCHEMA, schema_text, sizeof schema_text - 1);
    section(&o, HTRACE_SEC_SITES, sites_text, sizeof sites_text - 1);
    put_kinds(&o);
    if (v) put_violation(&o, v);
    put_slabs(&o);
    for (struct hak_ring *r = __atomic_load_n(&hak_rings, __ATOMIC_ACQUIRE); r; r = r->next) put_ring(&o, r);
    put_stacks(&o);
    put_maps(&o);
    section(&o, HTRACE_SEC_END, NULL, 0);
    flush(&o);
    close(o.fd);
    return o.failed ? -1 : 0;
}

HAK_EXPORT int hak_trace_dump(const char *path)
{
    char out[256];
    return hak_trace_dump_write(HTRACE_REASON_EXPLICIT, 0, NULL, path, out, sizeof out);
}

#else

HAK_EXPORT int hak_trace_dump(const char *path)
{
    (void)path;
    return -1; /* libhakmem-l0.so has no rings */
}

#endif

/* Violation reports (see report.h and INTERFACE.md, "Violation reports"), in the spirit
 * of SLUB's: a banner line in a fixed format that scripts match, then what the block is,
 * what was expected and found, the first bad byte, a labelled hex dump of the block, the
 * allocation and free stacks, and where the trace dump went. Then HAKMEM_ON_VIOLATION.
 *
 * It runs inside the allocator and in signal handlers: write(2) through hak_dprintf, no
 * malloc, no stdio, memory of unknown state read only through process_vm_readv (which
 * fails instead of faulting). One thread reports at a time (the reporter lock); a
 * violation met while reporting prints one line and aborts. */
#include "config.h"
#if HAK_LEVEL_MAX >= 1

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "api/env.h"
#include "front/heap.h"
#include "integrity/block_header.h"
#include "integrity/report.h"
#include "integrity/stack_depot.h"
#include "layout.h"
#include "os/file.h"
#include "os/fmt.h"
#include "superslab/superslab.h"
#include "trace/dump.h"
#include "trace/htrace_format.h"

#define P "hakmem:   " /* the prefix of a report's detail lines */

// ---- kinds ----

static const char *const kind_names[] = {
#define HAK_KIND(name, level, doc) [HAK_KIND_##name] = #name,
#include "integrity/kinds.def"
#undef HAK_KIND
};

static const char *const kind_docs[] = {
#define HAK_KIND(name, level, doc) [HAK_KIND_##name] = doc,
#include "integrity/kinds.def"
#undef HAK_KIND
};

const char *hak_kind_name(unsigned kind)
{
    if (kind == HAK_KIND_NONE) return "none";
    return kind < HAK_KIND_LIMIT ? kind_names[kind] : "unknown";
}

// ---- the reporter lock ----

static int reporter;  /* kernel thread id of the thread reporting; 0: none */
static int aborting;  /* hak_report is about to raise SIGABRT */
static uint64_t reported;

static int my_tid(void) { return (int)syscall(SYS_gettid); }

enum hak_report_lock_result hak_report_lock(void)
{
    int me = my_tid();
    if (__atomic_load_n(&reporter, __ATOMIC_ACQUIRE) == me) return HAK_REPORT_RECURSIVE;
    /* Wait at most ten seconds: the reporter may itself wait for something this thread
     * holds (a fatal signal that interrupted it inside the dynamic loader's lock). */
    for (unsigned i = 0; i < 10000 + 100; i++) {
        int none = 0;
        if (__atomic_compare_exchange_n(&reporter, &none, me, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return HAK_REPORT_LOCKED;
        if (i < 100) {
            sched_yield();
        } else {
            struct timespec ms = {0, 1000000};
            nanosleep(&ms, NULL);
        }
    }
    return HAK_REPORT_TIMEOUT;
}

void hak_report_unlock(void)
{
    int me = my_tid();
    __atomic_compare_exchange_n(&reporter, &me, 0, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

bool hak_report_aborting(void) { return __atomic_load_n(&aborting, __ATOMIC_ACQUIRE); }

uint64_t hak_violations_reported(void) { return __atomic_load_n(&reported, __ATOMIC_RELAXED); }

// ---- output files, created on first use (under the lock) ----

/* Creates the file named by HAKMEM_REPORT or HAKMEM_REPORT_JSON; on failure says so once
 * and returns fallback. */
static int open_output(int *fd, const char *path, const char *ext, int fallback)
{
    if (*fd >= 0 || *fd == -2) return *fd >= 0 ? *fd : fallback;
    char dflt[64];
    hak_file_default_name(dflt, sizeof dflt, ext);
    *fd = hak_create_file(path, dflt, NULL, 0);
    if (*fd < 0) {
        hak_dprintf(2, "hakmem: cannot create '%s' (errno %d)%s\n", path, errno,
                    fallback >= 0 ? "; reporting to stderr" : "");
        *fd = -2;
        return fallback;
    }
    return *fd;
}

static int report_file = -1, json_file = -1; /* -1 not opened yet, -2 failed */

int hak_report_fd(void)
{
    return hak_env.report ? open_output(&report_file, hak_env.report, ".report", 2) : 2;
}

// ---- reading memory that may not be there ----

/* Copies n bytes at addr into buf; false when they cannot be read. process_vm_readv on
 * ourselves reports EFAULT instead of faulting. Where it is not allowed (seccomp), only
 * hakmem's own slabs are read, which are always mapped. */
static bool safe_read(const void *addr, void *buf, size_t n)
{
    struct iovec local = {buf, n}, remote = {(void *)addr, n};
    ssize_t r = syscall(SYS_process_vm_readv, getpid(), &local, 1UL, &remote, 1UL, 0UL);
    if (r == (ssize_t)n) return true;
    if (r < 0 && (errno == ENOSYS || errno == EPERM)) {
        unsigned region = hak_region_of((uintptr_t)addr);
        if ((region == HAK_REGION_TINY || region == HAK_REGION_POOL) &&
            hak_region_of((uintptr_t)addr + n - 1) == region) {
            for (size_t i = 0; i < n; i++) ((char *)buf)[i] = ((const volatile char *)addr)[i];
            return true;
        }
    }
    return false;
}

// ---- the text report ----

static uint64_t cur_seq;  /* the report in progress (under the lock) */
static uint32_t cur_tid;

static const struct hak_class_layout *layout_of(const struct hak_violation *v)
{
    return v->cls >= 0 && v->cls < HAK_NCLASSES ? &hak_layout[v->cls] : NULL;
}

static uint32_t stride_of(const struct hak_violation *v)
{
    const struct hak_class_layout *l = layout_of(v);
    return v->stride ? v->stride : l ? l->stride : 0;
}

static void describe_slab(int fd, const void *slab)
{
    unsigned region = hak_region_of((uintptr_t)slab);
    struct hak_slab s;
    if ((region != HAK_REGION_TINY && region != HAK_REGION_POOL) || !safe_read(slab, &s, sizeof s)) {
        hak_dprintf(fd, P "slab %p\n", slab);
        return;
    }
    char owner[32];
    if (s.owner == HAK_OWNER_NONE) hak_fmt(owner, sizeof owner, "none");
    else if (s.owner == HAK_OWNER_ABANDONED) hak_fmt(owner, sizeof owner, "abandoned");
    else hak_fmt(owner, sizeof owner, "thread %u", s.owner);
    hak_dprintf(fd, P "slab %p: #%u of superslab %p, class %u, owner %s, used %u, free %u, capacity %u\n", slab,
                s.index, (void *)hak_ss_of(slab), s.cls, owner, s.used, s.nfree, s.capacity);
}

/* One hex dump line: label, address, offset from base, 16 bytes (fewer at the end). */
static bool dump_line(int fd, const char *label, const unsigned char *a, size_t n, const unsigned char *base)
{
    unsigned char b[16];
    char hex[16 * 3 + 1], text[17];
    if (!safe_read(a, b, n)) {
        hak_dprintf(fd, P "  %-8s %p +%-5ld (unreadable)\n", label, (const void *)a, (long)(a - base));
        return false;
    }
    size_t h = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i < n) h += hak_fmt(hex + h, sizeof hex - h, "%02x ", b[i]);
        else h += hak_fmt(hex + h, sizeof hex - h, "   ");
        text[i] = i < n ? (b[i] >= 0x20 && b[i] < 0x7f ? (char)b[i] : '.') : ' ';
    }
    text[16] = '\0';
    hak_dprintf(fd, P "  %-8s %p +%-5ld %s |%s|\n", label, (const void *)a, (long)(a - base), hex, text);
    return true;
}

/* The region [start, start+len): its first `show` bytes, and the line holding bad. */
static bool dump_region(int fd, const char *label, const unsigned char *start, size_t len, size_t show,
                        const unsigned char *bad, const unsigned char *base)
{
    size_t off = 0;
    for (; off < len && off < show; off += 16)
        if (!dump_line(fd, label, start + off, len - off < 16 ? len - off : 16, base)) return false;
    if (bad && bad >= start + off && bad < start + len) {
        size_t line = (size_t)(bad - start) & ~(size_t)15;
        if (line > off) hak_dprintf(fd, P "  %-8s ...\n", label);
        return dump_line(fd, label, start + line, len - line < 16 ? len - line : 16, base);
    }
    if (off < len) hak_dprintf(fd, P "  %-8s ... (%zu more bytes)\n", label, len - off);
    return true;
}

/* header | object (the requested size when known) | redzone (the rest of the stride). */
static void dump_block(int fd, const struct hak_violation *v)
{
    const struct hak_class_layout *l = layout_of(v);
    const unsigned char *base = v->base, *bad = v->bad;
    uint32_t stride = stride_of(v);
    if (!l || !base || !stride || v->kind == HAK_KIND_guard_overflow || v->kind == HAK_KIND_use_after_free_access)
        return;
    size_t hdr = l->user_off, size = v->size;
    struct hak_block_header h;
    if (!size && hdr >= sizeof h && safe_read(base, &h, sizeof h) && h.magic == HAK_HDR_LIVE) size = h.size;
    if (!size || size > stride - hdr) size = stride - hdr;
    hak_dprintf(fd, P "block bytes (stride %u):\n", stride);
    if (hdr && !dump_region(fd, "header", base, hdr, hdr, bad, base)) return;
    if (!dump_region(fd, "object", base + hdr, size, 64, bad, base)) return;
    if (hdr + size < stride) dump_region(fd, "redzone", base + hdr + size, stride - hdr - size, 32, bad, base);
}

void hak_report_describe(int fd, const struct hak_violation *v)
{
    const struct hak_class_layout *l = layout_of(v);
    const char *site = v->site ? v->site : "unknown";
    __atomic_fetch_add(&reported, 1, __ATOMIC_RELAXED);
    cur_seq = hak_trace_seq_now();
    cur_tid = hak_heap_tls.tid;
    hak_dprintf(fd, "hakmem: integrity violation: %s at %s (level %d, thread %u, op %llu)\n",
                hak_kind_name(v->kind), site, hak_level, cur_tid, (unsigned long long)cur_seq);
    if (v->kind > HAK_KIND_NONE && v->kind < HAK_KIND_LIMIT) hak_dprintf(fd, P "%s\n", kind_docs[v->kind]);
    if (v->base && v->ptr)
        hak_dprintf(fd, P "pointer %p = block base %p %c %ld\n", v->ptr, v->base, v->ptr >= v->base ? '+' : '-',
                    v->ptr >= v->base ? (long)((const char *)v->ptr - (const char *)v->base)
                                      : (long)((const char *)v->base - (const char *)v->ptr));
    else if (v->ptr) hak_dprintf(fd, P "pointer %p\n", v->ptr);
    else if (v->base) hak_dprintf(fd, P "block base %p\n", v->base);
    if (l)
        hak_dprintf(fd, P "class %d: size %u, stride %u, user offset %u\n", v->cls, l->size, stride_of(v),
                    l->user_off);
    if (v->size) hak_dprintf(fd, P "requested size %zu\n", v->size);
    if (v->slab) describe_slab(fd, v->slab);
    if (v->what || v->expected || v->found)
        hak_dprintf(fd, P "%s: expected 0x%llx, found 0x%llx\n", v->what ? v->what : "value",
                    (unsigned long long)v->expected, (unsigned long long)v->found);
    if (v->bad) {
        unsigned char b;
        char val[16] = "unreadable";
        if (safe_read(v->bad, &b, 1)) hak_fmt(val, sizeof val, "0x%02x", b);
        if (v->base)
            hak_dprintf(fd, P "first bad byte at %p (base + %ld): %s\n", v->bad,
                        (long)((const char *)v->bad - (const char *)v->base), val);
        else
            hak_dprintf(fd, P "first bad byte at %p: %s\n", v->bad, val);
    }
    dump_block(fd, v);
    if (v->alloc_stack) {
        hak_dprintf(fd, P "allocated at:\n");
        hak_stack_print(fd, P "  ", v->alloc_stack);
    }
    if (v->free_stack) {
        hak_dprintf(fd, P "freed at:\n");
        hak_stack_print(fd, P "  ", v->free_stack);
    }
}

bool hak_report_dump(int fd, unsigned reason, uint64_t reason_arg, const struct hak_violation *v, char *path,
                     size_t n)
{
    if (!hak_trace_on()) return false;
    if (hak_trace_dump_write(reason, reason_arg, v, NULL, path, n) != 0) {
        hak_dprintf(fd, "hakmem: trace dump could not be written to %s (errno %d)\n", path, errno);
        return false;
    }
    hak_dprintf(fd, "hakmem: trace dump written to %s\n", path);
    hak_dprintf(fd, "hakmem: replay it with: hakmem-trace replay %s\n", path);
    return true;
}

// ---- JSON ----

struct jout {
    char *p, *end;
};

static void jraw(struct jout *o, const char *s)
{
    while (*s && o->p < o->end) *o->p++ = *s++;
}

static void jfmt_u(struct jout *o, const char *key, unsigned long long v)
{
    o->p += hak_fmt(o->p, (size_t)(o->end - o->p), ",\"%s\":%llu", key, v);
}

static void jstr(struct jout *o, const char *s)
{
    jraw(o, "\"");
    for (; *s && o->end - o->p > 8; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') *o->p++ = '\\', *o->p++ = (char)c;
        else if (c < 0x20) o->p += hak_fmt(o->p, (size_t)(o->end - o->p), "\\u%04x", c);
        else *o->p++ = (char)c;
    }
    jraw(o, "\"");
}

static void jkey(struct jout *o, const char *key)
{
    jraw(o, ",\"");
    jraw(o, key);
    jraw(o, "\":");
}

static void jhex(struct jout *o, const char *key, unsigned long long v)
{
    o->p += hak_fmt(o->p, (size_t)(o->end - o->p), ",\"%s\":\"0x%llx\"", key, v);
}

static void jstack(struct jout *o, const char *key, uint32_t id)
{
    uintptr_t pcs[HAK_STACK_MAX_DEPTH];
    unsigned n = hak_stack_get(id, pcs, HAK_STACK_MAX_DEPTH);
    char frame[400];
    jkey(o, key);
    jraw(o, "[");
    for (unsigned i = 0; i < n; i++) {
        if (i) jraw(o, ",");
        hak_frame_format(pcs[i], false, frame, sizeof frame);
        jstr(o, frame);
    }
    jraw(o, "]");
}

static char json_line[64 * 1024]; /* one report at a time: under the lock */

void hak_report_json(const struct hak_violation *v, const char *dump)
{
    if (!hak_env.report_json) return;
    int fd = open_output(&json_file, hak_env.report_json, ".jsonl", -1);
    if (fd < 0) return;
    struct jout o = {json_line, json_line + sizeof json_line - 2};
    jraw(&o, "{\"kind\":");
    jstr(&o, hak_kind_name(v->kind));
    jkey(&o, "site");
    jstr(&o, v->site ? v->site : "unknown");
    jfmt_u(&o, "level", (unsigned)hak_level);
    jfmt_u(&o, "tid", cur_tid);
    jfmt_u(&o, "seq", cur_seq);
    jhex(&o, "ptr", (uintptr_t)v->ptr);
    jhex(&o, "base", (uintptr_t)v->base);
    o.p += hak_fmt(o.p, (size_t)(o.end - o.p), ",\"class\":%d", v->cls);
    jfmt_u(&o, "stride", stride_of(v));
    jhex(&o, "expected", v->expected);
    jhex(&o, "found", v->found);
    jkey(&o, "what");
    if (v->what) jstr(&o, v->what);
    else jraw(&o, "null");
    jstack(&o, "alloc_stack", v->alloc_stack);
    jstack(&o, "free_stack", v->free_stack);
    jkey(&o, "dump");
    if (dump) jstr(&o, dump);
    else jraw(&o, "null");
    jraw(&o, "}");
    *o.p++ = '\n';
    hak_write_all(fd, json_line, (size_t)(o.p - json_line));
}

// ---- hak_report ----

/* abort(), marked as ours, so that the fatal-signal handler only passes it on. */
static void report_abort(void)
{
    __atomic_store_n(&aborting, 1, __ATOMIC_RELEASE);
    abort();
}

void hak_report(const struct hak_violation *v)
{
    enum hak_report_lock_result lk = hak_report_lock();
    if (lk == HAK_REPORT_RECURSIVE) {
        hak_dprintf(hak_report_fd(), "hakmem: integrity violation: %s at %s while reporting another; aborting\n",
                    hak_kind_name(v->kind), v->site ? v->site : "unknown");
        report_abort();
    }
    int fd = hak_report_fd();
    char path[4096];
    hak_report_describe(fd, v);
    bool dumped = hak_report_dump(fd, HTRACE_REASON_VIOLATION, v->kind, v, path, sizeof path);
    if (lk == HAK_REPORT_LOCKED) { /* the JSON line is built in a shared buffer */
        hak_report_json(v, dumped ? path : NULL);
        hak_report_unlock();
    }
    switch (hak_env.on_violation) {
    case HAK_ON_REPORT: return;
    case HAK_ON_EXIT: _exit(hak_env.exit_code);
    default: report_abort();
    }
}

#endif

/* The input side of the viewer: what a trace says about the run (struct vmeta: the
 * layout, geometry, rings, slabs, stacks, memory map and violation of a dump, or their
 * LTTng counterparts) and one stream of events in seq order (struct vsource), whatever
 * the reader behind it: .htrace dumps (reader_htrace.c) or LTTng/CTF trace directories
 * (reader_ctf.c). Commands only see this interface. */
#ifndef VIEWER_SOURCE_H
#define VIEWER_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "names.h"
#include "trace/event.h"
#include "trace/htrace_format.h"

#define VMAX_CLASSES 1024 /* classes beyond this are treated as unknown */
#define VDEFAULT_REMOTE_END 0xBADA55BADA55BADAull

enum vformat { VFMT_HTRACE = 1, VFMT_CTF = 2 };

struct vclass {
    uint32_t size, stride, user_off, next_off;
    uint8_t kind, slab_shift, known;
};

struct vring {
    uint32_t tid, flags;
    uint64_t capacity, written, count;
    uint64_t first_seq, last_seq; /* of the events kept (after dropping late ones) */
    uint64_t late;                /* events written after the dump began (dropped) */
    uint64_t offset;              /* file offset of the first event */
    uint64_t start;               /* index of the first event kept */
};

struct vstack {
    uint32_t id, depth;
    const uint64_t *pc;
};

struct vmeta {
    enum vformat format;
    const char *path;
    int have_header;
    uint32_t version, pid, level, reason;
    uint64_t reason_arg, time_ns, seq_next;

    int have_geometry;
    struct htrace_geometry geo;
    uint64_t remote_end;
    uint32_t nclasses;
    struct vclass cls[VMAX_CLASSES];

    uint32_t nrings;
    struct vring *rings;
    /* Every thread's events are present from this seq on (rings that wrapped lost what
     * came before); the replay checks nothing before it. */
    uint64_t complete_from;

    uint32_t nslabs;
    struct htrace_slab *slabs;
    int have_slabs;

    uint32_t nstacks;
    struct vstack *stacks;
    uint64_t *stack_pcs;

    char *maps;
    size_t maps_len;

    int have_violation;
    struct htrace_violation violation;

    struct vnames names;
    uint64_t discarded; /* events a tracer reported lost (CTF) */
    uint32_t program;   /* CTF: which program of process pid was read (from 1), 0 when the
                         * trace does not name processes */
    uint64_t sections_skipped;
};

struct vsource {
    struct vmeta meta;
    /* 1: *ev filled; 0: end of stream; -1: error (err says why). */
    int (*next)(struct vsource *s, struct hak_event *ev);
    void (*close)(struct vsource *s);
    void *impl;
    char err[1024];
};

/* Opens a .htrace file or a CTF trace directory. NULL on error, with err filled.
 * pid, gen: the program whose events to read, pid 0 for "the only one". An LTTng trace may
 * hold the events of several programs (all of a user's processes write to the same
 * buffers by default, and a process that exec()s another program starts a new heap): a
 * program is the vpid of its events (the vpid context, or per-process buffers) and, when
 * the process ran several one after the other, gen, the Nth from 1 (0: the only one). A
 * trace that mixes programs fails with a message naming them, unless pid chooses one.
 * A dump is of one process: a pid other than its own is an error. */
struct vsource *vsource_open(const char *path, uint32_t pid, uint32_t gen, char *err, size_t errlen);
void vsource_close(struct vsource *s);
static inline int vsource_next(struct vsource *s, struct hak_event *ev) { return s->next(s, ev); }

/* The readers, used by vsource_open. */
struct vsource *htrace_open(const char *path, char *err, size_t errlen);
/* Same, from an open file descriptor (the fuzzer's in-memory files). The fd is kept. */
struct vsource *htrace_open_fd(int fd, const char *path, char *err, size_t errlen);
struct vsource *ctf_open(const char *path, uint32_t pid, uint32_t gen, char *err, size_t errlen);

/* Helpers for readers. */
struct vsource *vsource_alloc(enum vformat f, const char *path);
void vmeta_free(struct vmeta *m);
void vmeta_set_class(struct vmeta *m, uint32_t cls, const struct htrace_class *c);
const struct vstack *vmeta_stack(const struct vmeta *m, uint32_t id);
const char *reason_name(uint32_t reason);

#endif

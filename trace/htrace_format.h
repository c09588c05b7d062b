/* The .htrace dump format (docs/TRACE_FORMAT.md): written by trace/dump.c with
 * async-signal-safe calls only, read by the viewer. Little-endian, every integer of the
 * width its type says, every section padded to 8 bytes.
 *
 *   struct htrace_header
 *   section*   each: struct htrace_section, then `size` payload bytes, then padding to 8
 *   END        a section of type HTRACE_SEC_END and size 0
 *
 * A reader must check every size against what remains of the file and treat unknown
 * section types as skippable (that is how the format grows without a new version). */
#ifndef HAK_HTRACE_FORMAT_H
#define HAK_HTRACE_FORMAT_H

#include <stdint.h>

#define HTRACE_MAGIC "HAKTRACE" /* 8 bytes, no terminator in the file */
/* 2: tls_push and tls_pop carry the link they write or read (ptr = the link slot), and the
 * thread-cache paths record no next_write or next_read of their own. 1: ptr = base there,
 * each with a next_* event before it. Readers take both (HTRACE_TLS_LINKS). */
#define HTRACE_VERSION 3
#define HTRACE_VERSION_MIN 1
#define HTRACE_TLS_LINKS(version) ((version) >= 2)
/* 3: a ring's entries may each have held up to HTRACE_ENTRY_EVENTS_MAX events (the ring
 * packs a fast path's events into one entry: trace/pack.h), so that a RING section's
 * count of events may exceed its capacity and written, which count entries; and
 * HTRACE_RING_LOST tells whether older entries were lost. Before 3, an entry was an event
 * and older events were lost when written > count. */
#define HTRACE_ENTRY_EVENTS_MAX 3
#define HTRACE_RING_ENTRIES(version) ((version) >= 3)

enum htrace_reason {
    HTRACE_REASON_EXPLICIT = 1,  /* hak_trace_dump() */
    HTRACE_REASON_VIOLATION = 2, /* reason_arg: the violation kind number */
    HTRACE_REASON_SIGNAL = 3,    /* reason_arg: the signal number */
    HTRACE_REASON_EXIT = 4,      /* HAKMEM_TRACE_DUMP_AT_EXIT=1 */
};

struct htrace_header {
    char magic[8];
    uint32_t version;
    uint32_t header_size; /* sizeof(struct htrace_header): sections start here */
    uint32_t pid;
    uint32_t level;       /* integrity level of the run */
    uint32_t event_size;  /* sizeof(struct hak_event) */
    uint32_t reason;      /* enum htrace_reason */
    uint64_t reason_arg;
    uint64_t time_ns;     /* CLOCK_REALTIME when the dump was written */
    uint64_t seq_next;    /* the next sequence number that would have been given */
    uint8_t reserved[24];
};
_Static_assert(sizeof(struct htrace_header) == 80, "header size");

enum htrace_section_type {
    HTRACE_SEC_END = 0,
    HTRACE_SEC_LAYOUT = 1,   /* u32 nclasses, u32 entry size, then struct htrace_class each */
    HTRACE_SEC_GEOMETRY = 2, /* struct htrace_geometry */
    HTRACE_SEC_SCHEMA = 3,   /* text: one "NUMBER NAME\n" line per event of trace/events.def */
    HTRACE_SEC_SITES = 4,    /* text: one "NUMBER NAME\n" line per site of trace/sites.def */
    HTRACE_SEC_KINDS = 5,    /* text: one "NUMBER NAME\n" line per violation kind */
    HTRACE_SEC_RING = 6,     /* struct htrace_ring, then `count` struct hak_event, oldest first */
    HTRACE_SEC_STACKS = 7,   /* u32 count, u32 reserved, then per stack: u32 id, u32 depth, u64 pc[depth] */
    HTRACE_SEC_MAPS = 8,     /* text: /proc/self/maps at the time of the dump */
    HTRACE_SEC_SLABS = 9,    /* u32 count, u32 entry size, then struct htrace_slab each */
    HTRACE_SEC_VIOLATION = 10, /* struct htrace_violation: what the report said */
};

struct htrace_section {
    uint32_t type;
    uint32_t flags; /* 0 */
    uint64_t size;  /* payload bytes, not counting the padding to 8 */
};

struct htrace_class {
    uint32_t size, stride, user_off, next_off;
    uint8_t kind;       /* 1 tiny, 2 pool */
    uint8_t slab_shift; /* log2 of the slab size */
    uint8_t pad[6];
};
_Static_assert(sizeof(struct htrace_class) == 24, "class entry size");

struct htrace_geometry {
    uint64_t superslab_size;
    uint64_t remote_end;      /* the remote-queue end marker */
    uint32_t superslab_header; /* bytes before slab 0's blocks */
    uint32_t block_header;    /* bytes of the per-block header at this level (0 below 2) */
    uint32_t page_size;
    uint32_t nclasses;
    uint32_t tiny_max, pool_max; /* largest request of a tiny class, of the pool */
};
_Static_assert(sizeof(struct htrace_geometry) == 40, "geometry size");

struct htrace_ring {
    uint32_t tid;
    uint32_t flags;    /* HTRACE_RING_EXITED, HTRACE_RING_LOST */
    uint64_t capacity; /* entries of the ring */
    uint64_t written;  /* entries ever written to it; the oldest were overwritten */
    uint64_t count;    /* events that follow: those of the last min(written, capacity)
                        * entries, at most HTRACE_ENTRY_EVENTS_MAX per entry (before
                        * version 3, one: count = min(written, capacity)) */
};
#define HTRACE_RING_EXITED 1u /* the thread had exited */
#define HTRACE_RING_LOST 2u   /* (version 3) entries older than the first that follows were written */

struct htrace_slab {
    uint64_t desc;      /* address of the slab descriptor (identifies the slab) */
    uint64_t start;     /* BASE of block 0 */
    uint64_t end;       /* end of the slab */
    uint64_t free_head; /* first BASE on its free list */
    uint64_t remote_head;
    uint32_t cls, owner, used, nfree, capacity, carved, flags, pad;
};
_Static_assert(sizeof(struct htrace_slab) == 72, "slab entry size");

struct htrace_violation {
    uint32_t kind, tid;
    uint64_t seq, ptr, base, expected, found;
    uint32_t alloc_stack, free_stack; /* ids in the STACKS section, 0 when unknown */
    char site[64];                    /* NUL-terminated */
};
_Static_assert(sizeof(struct htrace_violation) == 120, "violation size");

#endif

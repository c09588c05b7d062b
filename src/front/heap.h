/* The per-thread heap: one cache of free blocks per class (a singly linked list of BASE
 * pointers, the "thread list") and the slabs the thread owns. It lives in initial-exec
 * TLS, so reaching it is one %fs-relative access and needs no initialization check: a
 * thread that never allocated has empty caches with a limit of 0, which sends its first
 * malloc and free to the slow path, where the heap is set up. */
#ifndef HAK_FRONT_HEAP_H
#define HAK_FRONT_HEAP_H

#include "layout.h"
#include "superslab/superslab.h"

struct hak_bin {
    void *head;     /* BASE pointers, linked through the next-pointer box */
    uint32_t count;
    uint32_t limit; /* a push beyond it drains half the bin to the slabs */
};

/* Level 4: a thread holds back at most this many freed blocks, or bytes of them. */
#define HAK_QUARANTINE_BLOCKS 4096u
#define HAK_QUARANTINE_BYTES ((size_t)4 << 20)

enum hak_heap_state { HAK_HEAP_NEW = 0, HAK_HEAP_ACTIVE, HAK_HEAP_EXITED };

/* Level 2: the words around the bins must keep these values, or something overwrote the
 * thread's cache (a stray write into TLS). Checked on every slow path. */
#define HAK_TLS_CANARY 0x7A11C0DEC0FFEE00ull

struct hak_heap {
    uint64_t canary_lo;
    struct hak_bin bins[HAK_NCLASSES];
    uint64_t canary_hi;
    uint32_t tid;   /* owner id written into the slabs; 0 until set up */
    uint32_t state; /* enum hak_heap_state */
    uint32_t ticks; /* slow-path entries since the last tidy */
    struct hak_slab_list partial[HAK_NCLASSES]; /* owned slabs that may have blocks */
    struct hak_slab_list full[HAK_NCLASSES];    /* owned slabs found without blocks */
    void **quarantine; /* level 4: BASE pointers of freed blocks held back (quarantine.c) */
    uint32_t q_head, q_count;
    size_t q_bytes;
};

extern __thread struct hak_heap hak_heap_tls;

/* Sets up the calling thread's heap (and the allocator, on first use). */
struct hak_heap *hak_heap_setup(void);
/* The bin of class c is empty: refill it. Sets up the heap if needed; NULL when out of memory. */
struct hak_heap *hak_heap_refill(unsigned c);
/* The bin of class c went over its limit. */
void hak_heap_overflow(unsigned c);
/* Returns every cached block to its slab (trim, thread exit). */
void hak_heap_flush(struct hak_heap *h);
/* The thread exits (its pthread key destructor). */
void hak_heap_exit(struct hak_heap *h);

#endif

/* Ring set-up, registration and reuse (see ring.h). */
#include "trace/ring.h"
#include "trace/htrace_format.h"

#if HAK_LEVEL_MAX >= 1
#include <pthread.h>

#include "front/heap.h"
#include "os/os.h"

#define HAK_RING_DEFAULT_ENTRIES 65536
#define HAK_EXITED_RINGS_KEPT 64

__thread struct hak_ring *hak_ring_tls;
struct hak_ring *hak_rings;
size_t hak_ring_entries = HAK_RING_DEFAULT_ENTRIES;
bool hak_rings_on;

static pthread_mutex_t exit_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hak_ring *exited_head, *exited_tail;
static unsigned exited_count;

/* The oldest exited ring once more than HAK_EXITED_RINGS_KEPT are kept, else NULL. */
static struct hak_ring *reuse_exited(void)
{
    struct hak_ring *r = NULL;
    pthread_mutex_lock(&exit_lock);
    if (exited_count > HAK_EXITED_RINGS_KEPT) {
        r = exited_head;
        exited_head = r->exit_next;
        if (!exited_head) exited_tail = NULL;
        exited_count--;
    }
    pthread_mutex_unlock(&exit_lock);
    return r;
}

struct hak_ring *hak_ring_setup(void)
{
    if (!hak_rings_on) return NULL;
    if (hak_ring_tls) return hak_ring_tls; /* the first event of a batch set it up for the others */
    struct hak_ring *r = reuse_exited();
    if (r) {
        __atomic_store_n(&r->written, 0, __ATOMIC_RELEASE);
        r->flags = 0;
    } else {
        size_t entries = hak_ring_entries;
        size_t size = hak_align_up(sizeof(struct hak_ring) + entries * sizeof(struct hak_event), hak_page_size);
        r = hak_os_map(size);
        if (!r) return NULL;
        r->mask = entries - 1;
        r->map_size = size;
        struct hak_ring *head = __atomic_load_n(&hak_rings, __ATOMIC_RELAXED);
        do {
            r->next = head;
        } while (!__atomic_compare_exchange_n(&hak_rings, &head, r, true, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
    }
    /* No fast way at level 4 and with stacks (hak_ev_fill_nt), nor once LTTng is loaded.
     * The ring is listed by now, so hak_rings_lttng_loaded may be setting its room to 0 at
     * the same time: the store is sequentially consistent, so that either the load below
     * sees LTTng loaded, or the loader's walk comes after the store and overwrites it. */
    bool plain = HAK_QUARANTINE(hak_mode) || (hak_mode & HAK_MODE_STACKS);
    __atomic_store_n(&r->room, plain ? 0 : r->mask + 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&hak_lttng_emit, __ATOMIC_SEQ_CST)) __atomic_store_n(&r->room, 0, __ATOMIC_RELAXED);
    r->tid = hak_heap_tls.tid;
    r->exit_next = NULL;
    hak_ring_tls = r;
    return r;
}

/* An event of a thread without a ring, for LTTng alone: numbered and handed over. */
HAK_INLINE void emit_alone(unsigned op, unsigned site, unsigned cls, const void *ptr, const void *base,
                           uint64_t value, uint64_t size)
{
    if (!hak_lttng_emit) return;
    const struct hak_ev_arg a = {op, site, ptr, base, value, size};
    struct hak_event e;
    hak_ev_fill(&e, 0, hak_ev_who(hak_heap_tls.tid, cls), &a);
    /* the fields in memory before the number is taken: no register has to keep them
     * across the call that taking it may make (hak_seq_join), so none is saved */
    __asm__ volatile("" : : "m"(e) : "memory");
    e.seq = hak_seq_take(1);
    hak_lttng_emit(&e);
}

/* The first event of a thread with rings on: its ring is set up (else the event goes to
 * LTTng alone), then the event recorded. Apart, so that the LTTng-only way, taken for
 * every event when rings are off, saves no register for the ring's. */
static __attribute__((noinline)) void record_first(unsigned op, unsigned site, unsigned cls, const void *ptr,
                                                   const void *base, uint64_t value, uint64_t size)
{
    if (hak_ring_setup()) hak_ev_record(op, site, cls, ptr, base, value, size);
    else if (hak_lttng_wanted(op)) emit_alone(op, site, cls, ptr, base, value, size);
}

void hak_ev_record_ringless(unsigned op, unsigned site, unsigned cls, const void *ptr, const void *base,
                            uint64_t value, uint64_t size)
{
    if (hak_rings_on) record_first(op, site, cls, ptr, base, value, size);
    else emit_alone(op, site, cls, ptr, base, value, size);
}

void hak_ev_emit(const struct hak_ring *r, uint64_t w, unsigned k)
{
    for (unsigned i = 0; i < k; i++) {
        const struct hak_event *e = &r->ev[(w + i) & r->mask];
        if (hak_lttng_wanted(e->op)) hak_lttng_emit(e);
    }
}

void hak_rings_lttng_loaded(void)
{
    for (struct hak_ring *r = __atomic_load_n(&hak_rings, __ATOMIC_SEQ_CST); r; r = r->next)
        __atomic_store_n(&r->room, 0, __ATOMIC_SEQ_CST); /* against hak_ring_setup's */
}

void hak_ring_thread_exit(void)
{
    struct hak_ring *r = hak_ring_tls;
    if (!r) return;
    hak_ring_tls = NULL;
    r->flags |= HTRACE_RING_EXITED;
    pthread_mutex_lock(&exit_lock);
    if (exited_tail) exited_tail->exit_next = r;
    else exited_head = r;
    exited_tail = r;
    exited_count++;
    pthread_mutex_unlock(&exit_lock);
}

#endif

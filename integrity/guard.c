/* Guarded allocations (HAKMEM_GUARD, level 4), in the spirit of KFENCE: a block of up to
 * one page gets a page of its own, ending right against a PROT_NONE guard page, and its
 * page is protected when it is freed. A read or write past the end, or any access after
 * free, faults at once; the fatal-signal handler asks hak_guard_classify what was hit.
 *
 *   guard chunk (2 MiB, marked HAK_REGION_GUARD):
 *   [ header: slot table (2 pages) | data 0 | guard 0 | data 1 | guard 1 | ... ]
 *
 * Freed slots stay protected in a FIFO of HAK_GUARD_FREED slots before they are reused,
 * so a dangling pointer keeps faulting for a long while. One lock: guarded mode is for
 * finding bugs, not for speed. */
#include "integrity/guard.h"

#if HAK_LEVEL_MAX >= 4
#include <pthread.h>
#include <string.h>

#include "api/env.h"
#include "front/heap.h"
#include "integrity/checks.h"
#include "integrity/stack_depot.h"
#include "os/os.h"
#include "superslab/superslab.h"

#define HAK_GUARD_HEADER_PAGES 2
#define HAK_GUARD_FREED 1024

enum { SLOT_FREE, SLOT_LIVE, SLOT_FREED };

struct guard_slot {
    char *user;
    uint32_t size;
    uint32_t state;
    uint32_t alloc_stack, free_stack;
};

struct guard_chunk {
    struct guard_chunk *next_avail;
    uint32_t nslots, nfree;
    uint32_t free_head; /* first free slot + 1, 0 none; slots link through .size while free */
    struct guard_slot slots[];
};

static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;
static struct guard_chunk *avail;
static struct { struct guard_chunk *chunk; uint32_t slot; } freed[HAK_GUARD_FREED];
static uint32_t freed_head, freed_count;
static __thread uint32_t guard_tick;

static char *slot_data(struct guard_chunk *g, uint32_t i)
{
    return (char *)g + (HAK_GUARD_HEADER_PAGES + 2 * (size_t)i) * hak_page_size;
}

static struct guard_chunk *chunk_new(void)
{
    struct guard_chunk *g = hak_os_map_aligned(HAK_SS_SIZE, HAK_SS_SIZE);
    if (!g) return NULL;
    size_t pages = HAK_SS_SIZE / hak_page_size;
    g->nslots = g->nfree = (uint32_t)((pages - HAK_GUARD_HEADER_PAGES) / 2);
    if (sizeof *g + g->nslots * sizeof g->slots[0] > HAK_GUARD_HEADER_PAGES * hak_page_size) {
        hak_os_unmap(g, HAK_SS_SIZE);
        return NULL;
    }
    for (uint32_t i = 0; i < g->nslots; i++) {
        g->slots[i].size = i + 2 < g->nslots + 1 ? i + 2 : 0; /* free list: i -> i + 1 */
        hak_os_protect(slot_data(g, i) + hak_page_size, hak_page_size, false);
    }
    g->slots[g->nslots - 1].size = 0;
    g->free_head = 1;
    hak_region_set((uintptr_t)g, HAK_SS_SIZE, HAK_REGION_GUARD, HAK_REGION_GUARD);
    return g;
}

/* A freed slot leaves the FIFO: its page becomes usable (and zero) again. */
static void recycle_oldest(void)
{
    struct guard_chunk *g = freed[freed_head].chunk;
    uint32_t i = freed[freed_head].slot;
    freed_head = (freed_head + 1) % HAK_GUARD_FREED;
    freed_count--;
    char *data = slot_data(g, i);
    hak_os_protect(data, hak_page_size, true);
    hak_os_purge(data, hak_page_size);
    g->slots[i].state = SLOT_FREE;
    g->slots[i].size = g->free_head;
    g->free_head = i + 1;
    if (g->nfree++ == 0) {
        g->next_avail = avail;
        avail = g;
    }
}

bool hak_guard_wanted(void)
{
    uint32_t every = hak_env.guard;
    return every && (every == 1 || ++guard_tick % every == 0);
}

void *hak_guard_alloc(size_t n)
{
    if (n > hak_page_size) return NULL;
    if (hak_heap_tls.state != HAK_HEAP_ACTIVE) hak_heap_setup(); /* the thread id of reports */
    pthread_mutex_lock(&guard_lock);
    if (!avail && freed_count) recycle_oldest();
    if (!avail && !(avail = chunk_new())) {
        pthread_mutex_unlock(&guard_lock);
        return NULL;
    }
    struct guard_chunk *g = avail;
    uint32_t i = g->free_head - 1;
    g->free_head = g->slots[i].size;
    if (--g->nfree == 0) avail = g->next_avail;
    struct guard_slot *sl = &g->slots[i];
    /* the end of the block touches the guard page (16-byte aligned: up to 15 bytes of slack) */
    sl->user = slot_data(g, i) + hak_page_size - hak_align_up(n, HAK_MIN_ALIGN);
    sl->size = (uint32_t)n;
    sl->state = SLOT_LIVE;
    sl->alloc_stack = HAK_STACKS(HAK_MODE) ? hak_stack_capture_app(0) : 0;
    sl->free_stack = 0;
    pthread_mutex_unlock(&guard_lock);
    return sl->user;
}

/* The slot of p in guard chunk g, or NULL when p is not in a slot's data page. */
static struct guard_slot *slot_of(struct guard_chunk *g, const char *p, bool *in_guard_page)
{
    size_t page = (size_t)(p - (char *)g) / hak_page_size;
    if (page < HAK_GUARD_HEADER_PAGES) return NULL;
    uint32_t i = (uint32_t)((page - HAK_GUARD_HEADER_PAGES) / 2);
    if (i >= g->nslots) return NULL;
    *in_guard_page = (page - HAK_GUARD_HEADER_PAGES) % 2 == 1;
    return &g->slots[i];
}

static void report(unsigned kind, const void *p, const struct guard_slot *sl, const char *what)
{
    struct hak_violation v = {
        .kind = kind, .site = "guard", .ptr = p, .base = sl ? sl->user : NULL, .cls = -1,
        .expected = sl ? (uintptr_t)sl->user : 0, .found = (uintptr_t)p, .what = what,
        .alloc_stack = sl ? sl->alloc_stack : 0, .free_stack = sl ? sl->free_stack : 0,
    };
    hak_report(&v);
}

void hak_guard_free(void *p)
{
    struct guard_chunk *g = (struct guard_chunk *)((uintptr_t)p & ~(uintptr_t)HAK_SS_MASK);
    bool in_guard;
    pthread_mutex_lock(&guard_lock);
    struct guard_slot *sl = slot_of(g, p, &in_guard);
    if (!sl || sl->user != p || sl->state != SLOT_LIVE) {
        unsigned kind = !sl || sl->user != p ? HAK_KIND_invalid_free : HAK_KIND_double_free;
        pthread_mutex_unlock(&guard_lock);
        report(kind, p, sl, kind == HAK_KIND_double_free ? "a guarded block already freed" : "pointer (expected the block's, found)");
        return;
    }
    sl->state = SLOT_FREED;
    sl->free_stack = HAK_STACKS(HAK_MODE) ? hak_stack_capture_app(0) : 0;
    uint32_t i = (uint32_t)(sl - g->slots);
    hak_os_protect(slot_data(g, i), hak_page_size, false);
    if (freed_count == HAK_GUARD_FREED) recycle_oldest();
    freed[(freed_head + freed_count) % HAK_GUARD_FREED].chunk = g;
    freed[(freed_head + freed_count) % HAK_GUARD_FREED].slot = i;
    freed_count++;
    pthread_mutex_unlock(&guard_lock);
}

size_t hak_guard_usable(const void *p)
{
    struct guard_chunk *g = (struct guard_chunk *)((uintptr_t)p & ~(uintptr_t)HAK_SS_MASK);
    bool in_guard;
    struct guard_slot *sl = slot_of(g, p, &in_guard);
    return sl && sl->user == p && sl->state == SLOT_LIVE ? sl->size : 0;
}

/* Called from the fatal-signal handler: reads only the slot table, takes no lock. */
bool hak_guard_classify(const void *addr, struct hak_violation *v)
{
    if (hak_region_of((uintptr_t)addr) != HAK_REGION_GUARD) return false;
    struct guard_chunk *g = (struct guard_chunk *)((uintptr_t)addr & ~(uintptr_t)HAK_SS_MASK);
    bool in_guard;
    const struct guard_slot *sl = slot_of(g, addr, &in_guard);
    if (!sl) return false;
    bool freed_access = !in_guard && sl->state == SLOT_FREED;
    if (!in_guard && !freed_access) return false;
    *v = (struct hak_violation){
        .kind = freed_access ? HAK_KIND_use_after_free_access : HAK_KIND_guard_overflow,
        .site = "guard", .ptr = addr, .base = sl->user, .cls = -1,
        .expected = (uintptr_t)sl->user + sl->size, .found = (uintptr_t)addr,
        .what = freed_access ? "access to a freed guarded block (block end, access)"
                             : "access past the end of a guarded block (block end, access)",
        .alloc_stack = sl->alloc_stack, .free_stack = sl->free_stack,
    };
    return true;
}

#elif HAK_LEVEL_MAX >= 1

bool hak_guard_classify(const void *addr, struct hak_violation *v)
{
    (void)addr, (void)v;
    return false; /* guarded mode is a level-4 feature */
}

#endif

/* The shared pool of slabs: assigns unassigned slabs to classes, takes empty ones back,
 * keeps the slabs of exited threads until another thread adopts them, and gives memory
 * back to the OS. One lock guards it all; it is taken once per slab (64 KiB or more of
 * allocation), never per block. */
#include <pthread.h>
#include <string.h>

#include "box/next_ptr.h"
#include "integrity/checks.h"
#include "integrity/shadow.h"
#include "os/os.h"
#include "slab/slab.h"
#include "stats.h"
#include "superslab/superslab.h"

/* Unassigned slabs whose pages are still resident are purged in one sweep once they
 * add up to this much. */
#define HAK_PURGE_THRESHOLD ((size_t)8 << 20)

static pthread_mutex_t pool_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct hak_superslab *avail_head[3], *avail_tail[3]; /* by kind */
static struct hak_superslab *spare[3]; /* one wholly unassigned superslab kept per kind */
static struct hak_slab_list abandoned[HAK_NCLASSES];
static size_t dirty_bytes;

void hak_pool_lock(void) { pthread_mutex_lock(&pool_mutex); }
void hak_pool_unlock(void) { pthread_mutex_unlock(&pool_mutex); }
bool hak_pool_trylock(void) { return pthread_mutex_trylock(&pool_mutex) == 0; }

void hak_pool_after_fork_child(void)
{
    pthread_mutex_init(&pool_mutex, NULL);
}

// ---- superslabs with unassigned slabs ----

static void avail_remove(struct hak_superslab *ss)
{
    unsigned k = ss->kind;
    if (ss->avail_prev) ss->avail_prev->avail_next = ss->avail_next;
    else avail_head[k] = ss->avail_next;
    if (ss->avail_next) ss->avail_next->avail_prev = ss->avail_prev;
    else avail_tail[k] = ss->avail_prev;
    ss->avail_next = ss->avail_prev = NULL;
    ss->on_avail = false;
}

/* Partly used superslabs go first so that slabs are taken from them and wholly unused
 * ones can be unmapped. */
static void avail_add(struct hak_superslab *ss, bool at_tail)
{
    unsigned k = ss->kind;
    if (ss->on_avail) avail_remove(ss);
    ss->on_avail = true;
    if (at_tail) {
        ss->avail_next = NULL;
        ss->avail_prev = avail_tail[k];
        if (avail_tail[k]) avail_tail[k]->avail_next = ss;
        else avail_head[k] = ss;
        avail_tail[k] = ss;
    } else {
        ss->avail_prev = NULL;
        ss->avail_next = avail_head[k];
        if (avail_head[k]) avail_head[k]->avail_prev = ss;
        else avail_tail[k] = ss;
        avail_head[k] = ss;
    }
}

static size_t slab_bytes(const struct hak_superslab *ss)
{
    return (size_t)1 << ss->slab_shift;
}

static void purge_slab(struct hak_superslab *ss, unsigned i)
{
    char *start = (char *)ss + ((size_t)i << ss->slab_shift), *end = start + slab_bytes(ss);
    char *meta_end = (char *)ss + ss->meta_size;
    if (start < meta_end) start = meta_end; /* keep the metadata */
    hak_os_purge(start, (size_t)(end - start));
    ss->dirty_mask &= ~(1u << i);
    dirty_bytes -= slab_bytes(ss);
}

static void purge_superslab(struct hak_superslab *ss)
{
    uint32_t m = ss->dirty_mask & ss->free_mask;
    while (m) {
        unsigned i = (unsigned)__builtin_ctz(m);
        m &= m - 1;
        purge_slab(ss, i);
    }
}

static void purge_all_locked(void)
{
    for (struct hak_superslab *ss = hak_superslabs; ss; ss = ss->next) purge_superslab(ss);
    HAK_COUNT(purges, 1);
}

void hak_pool_purge(void)
{
    hak_pool_lock();
    purge_all_locked();
    hak_pool_unlock();
}

// ---- assigning and releasing slabs ----

static void slab_init(struct hak_superslab *ss, struct hak_slab *s, unsigned cls, uint32_t owner)
{
    const struct hak_class_layout *l = &hak_layout[cls];
    char *start = (char *)ss + ((size_t)s->index << ss->slab_shift);
    if (start < (char *)ss + ss->meta_size) start = (char *)ss + ss->meta_size;
    s->cls = (uint8_t)cls;
    s->flags = 0;
    s->list = HAK_LIST_NONE;
    s->used = s->nfree = s->carved = 0;
    s->start = start;
    s->capacity = (uint32_t)((size_t)(hak_slab_end(s, ss->slab_shift) - start) / l->stride);
    s->free = NULL;
    s->next = s->prev = NULL;
    /* every granule interior until carving marks where blocks start */
    if (HAK_CHECKS(HAK_MODE)) memset(hak_state_at(start), HAK_BLOCK_INTERIOR, (size_t)(hak_slab_end(s, ss->slab_shift) - start) >> HAK_GRANULE_SHIFT);
    hak_shadow_close(start, (size_t)s->capacity * l->stride, HAK_MODE); /* no block is the program's yet */
    __atomic_store_n(&s->remote, HAK_REMOTE_END, __ATOMIC_RELAXED);
    __atomic_store_n(&s->owner, owner, __ATOMIC_RELEASE);
}

struct hak_slab *hak_slab_acquire(unsigned cls, uint32_t owner)
{
    unsigned kind = hak_layout[cls].kind;
    hak_pool_lock();
    struct hak_superslab *ss = avail_head[kind];
    if (!ss) {
        ss = hak_superslab_map(kind);
        if (!ss) {
            hak_pool_unlock();
            return NULL;
        }
        avail_add(ss, false);
    }
    if (ss == spare[kind]) spare[kind] = NULL;
    /* Reuse resident pages first. */
    uint32_t m = ss->free_mask & ss->dirty_mask;
    unsigned i = (unsigned)__builtin_ctz(m ? m : ss->free_mask);
    ss->free_mask &= ~(1u << i);
    if (ss->dirty_mask & (1u << i)) {
        ss->dirty_mask &= ~(1u << i);
        dirty_bytes -= slab_bytes(ss);
    }
    if (--ss->nfree == 0) avail_remove(ss);
    struct hak_slab *s = &ss->slabs[i];
    slab_init(ss, s, cls, owner);
    hak_pool_unlock();
    HAK_EV(HAK_MODE, slab_acquire, slab_pool, cls, s, s->start, hak_layout[cls].stride, s->capacity);
    HAK_COUNT(slab_acquires, 1);
    HAK_COUNT(slabs_in_use, 1);
    return s;
}

static void release_locked(struct hak_slab *s)
{
    struct hak_superslab *ss = hak_ss_of(s);
    unsigned kind = ss->kind;
    HAK_EV(HAK_MODE, slab_release, slab_pool, s->cls, s, s->start, hak_layout[s->cls].stride, s->capacity);
    __atomic_store_n(&s->owner, HAK_OWNER_NONE, __ATOMIC_RELEASE);
    s->free = NULL;
    s->flags = 0;
    ss->free_mask |= 1u << s->index;
    if (s->carved) {
        ss->dirty_mask |= 1u << s->index;
        dirty_bytes += slab_bytes(ss);
    }
    ss->nfree++;
    if (ss->nfree < hak_ss_assignable(ss)) {
        if (!ss->on_avail) avail_add(ss, false);
    } else if (spare[kind] && spare[kind] != ss) {
        /* A second wholly unused superslab: give it back. */
        avail_remove(ss);
        dirty_bytes -= (size_t)__builtin_popcount(ss->dirty_mask) * slab_bytes(ss);
        hak_superslab_unmap(ss);
    } else {
        spare[kind] = ss;
        purge_superslab(ss);
        avail_add(ss, true);
    }
    if (dirty_bytes > HAK_PURGE_THRESHOLD) purge_all_locked();
    HAK_COUNT(slab_releases, 1);
    HAK_COUNT(slabs_in_use, (size_t)-1);
}

void hak_slab_release(struct hak_slab *s)
{
    hak_pool_lock();
    release_locked(s);
    hak_pool_unlock();
}

// ---- slabs of exited threads ----

void hak_slab_abandon(struct hak_slab *s)
{
    hak_pool_lock();
    __atomic_store_n(&s->owner, HAK_OWNER_ABANDONED, __ATOMIC_RELEASE);
    hak_slab_list_append(&abandoned[s->cls], s, HAK_LIST_ABANDONED);
    hak_pool_unlock();
    HAK_COUNT(slabs_abandoned, 1);
}

struct hak_slab *hak_slab_adopt(unsigned cls, uint32_t owner)
{
    if (!__atomic_load_n(&abandoned[cls].head, __ATOMIC_RELAXED)) return NULL;
    hak_pool_lock();
    struct hak_slab *s = abandoned[cls].head;
    if (s) {
        hak_slab_list_remove(&abandoned[cls], s);
        __atomic_store_n(&s->owner, owner, __ATOMIC_RELEASE);
    }
    hak_pool_unlock();
    if (s) HAK_COUNT(slabs_adopted, 1);
    return s;
}

/* A free into an abandoned slab: done under the pool lock, which stands in for the
 * owner. Returns false when the slab was adopted meanwhile (the caller frees again). */
bool hak_abandoned_free(struct hak_slab *s, void *base, int lv)
{
    void *bad = NULL;
    hak_pool_lock();
    if (__atomic_load_n(&s->owner, __ATOMIC_ACQUIRE) != HAK_OWNER_ABANDONED) {
        hak_pool_unlock();
        return false;
    }
    hak_remote_collect(s, lv);
    hak_slab_push_free(s, base, HAK_SITE_abandoned_free, lv);
    if (s->used == 0) {
        /* level 2: its free blocks checked before release, as drain.c's releasable does */
        hak_slab_list_remove(&abandoned[s->cls], s);
        if (HAK_HEADERS(lv)) bad = hak_first_bad_free(s->free, s->nfree, s->cls, lv);
        if (!bad) release_locked(s);
    }
    hak_pool_unlock();
    if (hak_unlikely(bad)) {
        /* reported without the lock (the report may reach lttng-ust, which may allocate);
         * in no list meanwhile, the slab cannot be adopted; then its free list goes */
        hak_bad_pop(bad, s->cls, HAK_SITE_slab_pool);
        hak_pool_lock();
        hak_drop_free_list(s);
        hak_slab_list_append(&abandoned[s->cls], s, HAK_LIST_ABANDONED);
        hak_pool_unlock();
    }
    return true;
}

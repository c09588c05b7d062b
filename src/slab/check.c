/* hak_check_heap: walks every superslab and checks the invariants of every slab.
 * Free lists are walked only where no other thread can change them meanwhile: the
 * calling thread's slabs, and abandoned ones (the pool lock stands in for their owner).
 * From level 2 their blocks, and those of the calling thread's cache, are checked as a
 * pop would check them, so that calls placed through a program bracket a write after
 * free. */
#include "api/init.h"
#include "front/heap.h"
#include "integrity/checks.h"
#include "hakmem.h"
#include "os/fmt.h"
#include "slab/slab.h"

static int problem(const struct hak_slab *s, const char *what, size_t expected, size_t found)
{
    hak_dprintf(2, "hakmem: check_heap: slab %p (class %u, owner %u): %s: expected %zu, found %zu\n",
                (const void *)s, s->cls, s->owner, what, expected, found);
    return 1;
}

static int check_free_list(const struct hak_slab *s, int lv)
{
    const struct hak_class_layout *l = &hak_layout[s->cls];
    size_t n = 0;
    for (const char *p = s->free; p; p = hak_next_get(p, s->cls, check, lv & ~HAK_MODE_RINGS)) {
        if (p < s->start || p >= s->start + (size_t)s->carved * l->stride)
            return problem(s, "free-list link outside the carved blocks", (uintptr_t)s->start, (uintptr_t)p);
        if ((size_t)(p - s->start) % l->stride)
            return problem(s, "free-list link off a block boundary", 0, (size_t)(p - s->start) % l->stride);
        if (++n > s->carved) return problem(s, "free list longer than the carved blocks (a cycle)", s->carved, n);
        /* level 2: what a pop would find: the free header, and the poison a write after
         * free overwrites */
        if (HAK_HEADERS(lv) && !hak_chk_pop((void *)p, s->cls, lv)) {
            hak_dprintf(2, "hakmem: check_heap: slab %p (class %u, owner %u): free block %p: its header or poison "
                           "changed (written after free)\n", (const void *)s, s->cls, s->owner, (const void *)p);
            return 1;
        }
    }
    if (n != s->nfree) return problem(s, "free-list length", s->nfree, n);
    return 0;
}

static int check_slab(const struct hak_superslab *ss, const struct hak_slab *s, uint32_t me, int lv)
{
    const struct hak_class_layout *l = &hak_layout[s->cls];
    int bad = 0;
    if (s->cls >= HAK_NCLASSES) return problem(s, "class", HAK_NCLASSES, s->cls);
    if ((unsigned)l->slab_shift != ss->slab_shift) bad += problem(s, "slab size of the class", l->slab_shift, ss->slab_shift);
    size_t room = (size_t)(hak_slab_end(s, ss->slab_shift) - s->start) / l->stride;
    if (s->capacity != room) bad += problem(s, "capacity", room, s->capacity);
    if (s->carved > s->capacity) bad += problem(s, "carved blocks", s->capacity, s->carved);
    uint32_t owner = __atomic_load_n(&s->owner, __ATOMIC_ACQUIRE);
    if (owner == me || owner == HAK_OWNER_ABANDONED) {
        bad += check_free_list(s, lv);
        if ((size_t)s->used + s->nfree != s->carved)
            bad += problem(s, "used + free == carved", s->carved, (size_t)s->used + s->nfree);
    }
    return bad;
}

/* Level 2: the blocks of the calling thread's cache, as a pop would find them. */
static int check_bins(const struct hak_heap *h, int lv)
{
    int bad = 0;
    for (unsigned c = 0; c < HAK_NCLASSES; c++) {
        const struct hak_bin *b = &h->bins[c];
        void *p = hak_first_bad_free(b->head, b->count, c, lv);
        if (!p) continue;
        hak_dprintf(2, "hakmem: check_heap: thread cache of class %u: block %p: its header or poison changed "
                       "(written after free), or it is not a free block of the class\n", c, p);
        bad++;
    }
    return bad;
}

HAK_EXPORT int hak_check_heap(void)
{
    hak_ensure_init();
    int lv = HAK_MODE, bad = 0;
    uint32_t me = hak_heap_tls.state == HAK_HEAP_ACTIVE ? hak_heap_tls.tid : 0;
    if (me && HAK_HEADERS(lv)) bad += check_bins(&hak_heap_tls, lv);
    hak_pool_lock();
    for (struct hak_superslab *ss = hak_superslabs; ss; ss = ss->next) {
        if (ss->magic != HAK_SS_MAGIC) {
            hak_dprintf(2, "hakmem: check_heap: superslab %p: bad magic %x\n", (void *)ss, ss->magic);
            bad++;
            continue;
        }
        unsigned assigned = 0;
        for (unsigned i = 0; i < ss->nslabs; i++) {
            const struct hak_slab *s = &ss->slabs[i];
            if (__atomic_load_n(&s->owner, __ATOMIC_ACQUIRE) == HAK_OWNER_NONE) continue;
            assigned++;
            bad += check_slab(ss, s, me, lv);
        }
        if (assigned + ss->nfree != hak_ss_assignable(ss)) {
            hak_dprintf(2, "hakmem: check_heap: superslab %p: %u assigned + %u free != %u slabs\n",
                        (void *)ss, assigned, ss->nfree, hak_ss_assignable(ss));
            bad++;
        }
    }
    hak_pool_unlock();
    return bad;
}

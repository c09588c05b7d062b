/* Mapping superslabs, the region map, and the registry of every superslab. */
#include <string.h>

#include "superslab/superslab.h"

#include "integrity/shadow.h"
#include "os/os.h"
#include "stats.h"

/* 64 MiB of address space, zero until written: the pages of the map that are never
 * written cost nothing, and reading them reads the zero page. */
uint8_t hak_regionmap[HAK_REGION_ENTRIES];

struct hak_superslab *hak_superslabs;

void hak_region_set(uintptr_t start, size_t size, unsigned first, unsigned rest)
{
    uintptr_t i = start >> HAK_SS_SHIFT, end = (start + size - 1) >> HAK_SS_SHIFT;
    __atomic_store_n(&hak_regionmap[i], (uint8_t)first, __ATOMIC_RELEASE);
    while (++i <= end) __atomic_store_n(&hak_regionmap[i], (uint8_t)rest, __ATOMIC_RELEASE);
}

static size_t stack_table_size(const struct hak_superslab *ss)
{
    (void)ss;
    return HAK_SS_STATES_BYTES * sizeof ss->stacks[0];
}

/* Called with the pool lock held. */
struct hak_superslab *hak_superslab_map(unsigned kind)
{
    struct hak_superslab *ss = hak_os_map_aligned(HAK_SS_SIZE, HAK_SS_SIZE);
    if (!ss) return NULL;
    unsigned shift = kind == HAK_KIND_TINY ? HAK_TINY_SLAB_SHIFT : HAK_POOL_SLAB_SHIFT;
    ss->magic = HAK_SS_MAGIC;
    ss->kind = (uint8_t)kind;
    ss->slab_shift = (uint8_t)shift;
    ss->nslabs = (uint8_t)(HAK_SS_SIZE >> shift);
    ss->meta_size = (uint32_t)hak_ss_meta_size(HAK_MODE);
    /* slabs wholly inside the metadata are never assigned */
    unsigned dead = ss->meta_size >> shift;
    ss->free_mask = (uint32_t)(((uint64_t)1 << ss->nslabs) - 1) & ~(uint32_t)(((uint64_t)1 << dead) - 1);
    ss->nfree = (uint8_t)__builtin_popcount(ss->free_mask);
    ss->dirty_mask = 0;
    for (unsigned i = 0; i < ss->nslabs; i++) {
        ss->slabs[i].owner = HAK_OWNER_NONE;
        ss->slabs[i].index = (uint8_t)i;
    }
    ss->stacks = HAK_STACKS(HAK_MODE) ? hak_os_map(stack_table_size(ss)) : NULL;
    if (HAK_CHECKS(HAK_MODE)) {
        /* No block starts in the metadata that the first assignable slab shares, nor a
         * header's size before it, where the free fast path may look for one's state
         * (hak_block_state); slab_init marks the rest of each slab. */
        size_t from = (size_t)dead << shift;
        memset(hak_state_at((char *)ss + from) - HAK_SS_STATES_BEFORE, HAK_BLOCK_INTERIOR,
               HAK_SS_STATES_BEFORE + ((ss->meta_size - from) >> HAK_GRANULE_SHIFT));
    }
    ss->prev = NULL;
    ss->next = hak_superslabs;
    if (hak_superslabs) hak_superslabs->prev = ss;
    hak_superslabs = ss;
    hak_region_set((uintptr_t)ss, HAK_SS_SIZE, shift, shift);

    size_t n = HAK_COUNT(superslabs_mapped, 1) + 1;
    if (n > hak_counters.superslabs_peak) hak_counters.superslabs_peak = n;
    hak_count_mapped((ptrdiff_t)HAK_SS_SIZE);
    return ss;
}

/* Called with the pool lock held; the superslab has no assigned slab. */
void hak_superslab_unmap(struct hak_superslab *ss)
{
    if (ss->prev) ss->prev->next = ss->next;
    else hak_superslabs = ss->next;
    if (ss->next) ss->next->prev = ss->prev;
    hak_region_set((uintptr_t)ss, HAK_SS_SIZE, HAK_REGION_NONE, HAK_REGION_NONE);
    ss->magic = 0;
    hak_shadow_open(ss, HAK_SS_SIZE, HAK_MODE); /* leave no poison behind for the next mapping here */
    if (ss->stacks) hak_os_unmap(ss->stacks, stack_table_size(ss));
    hak_os_unmap(ss, HAK_SS_SIZE);
    HAK_COUNT(superslabs_mapped, (size_t)-1);
    hak_count_mapped(-(ptrdiff_t)HAK_SS_SIZE);
}

/* Counters of the slow paths, for HAKMEM_STATS and hak_stats_get. The fast paths count
 * nothing (principle 7). */
#ifndef HAK_STATS_H
#define HAK_STATS_H

#include "config.h"

struct hak_counters {
    size_t superslabs_mapped, superslabs_peak, large_mapped;
    size_t bytes_mapped, bytes_mapped_peak;
    size_t slabs_in_use;
    size_t refills, drains, remote_frees, remote_drains;
    size_t slab_acquires, slab_releases, slabs_adopted, slabs_abandoned, purges;
};
extern struct hak_counters hak_counters;

#define HAK_COUNT(field, n) __atomic_fetch_add(&hak_counters.field, (n), __ATOMIC_RELAXED)

/* Keeps bytes_mapped and its peak. */
void hak_count_mapped(ptrdiff_t delta);

#endif

/* Statistics: counters of the slow paths (stats.h) and their report. */
#include "hakmem.h"
#include "api/init.h"
#include "os/fmt.h"
#include "stats.h"

struct hak_counters hak_counters;

void hak_count_mapped(ptrdiff_t delta)
{
    size_t now = __atomic_add_fetch(&hak_counters.bytes_mapped, (size_t)delta, __ATOMIC_RELAXED);
    size_t peak = __atomic_load_n(&hak_counters.bytes_mapped_peak, __ATOMIC_RELAXED);
    while (now > peak && !__atomic_compare_exchange_n(&hak_counters.bytes_mapped_peak, &peak, now, true,
                                                      __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
}

#define LOAD(f) __atomic_load_n(&hak_counters.f, __ATOMIC_RELAXED)

HAK_EXPORT void hak_stats_get(struct hak_stats *o)
{
    o->superslabs_mapped = LOAD(superslabs_mapped);
    o->superslabs_peak = LOAD(superslabs_peak);
    o->slabs_in_use = LOAD(slabs_in_use);
    o->large_mapped = LOAD(large_mapped);
    o->bytes_mapped = LOAD(bytes_mapped);
    o->bytes_mapped_peak = LOAD(bytes_mapped_peak);
    o->refills = LOAD(refills);
    o->drains = LOAD(drains);
    o->remote_frees = LOAD(remote_frees);
    o->remote_drains = LOAD(remote_drains);
    o->slab_acquires = LOAD(slab_acquires);
    o->slab_releases = LOAD(slab_releases);
    o->slabs_adopted = LOAD(slabs_adopted);
}

HAK_EXPORT void hak_stats_print(int fd)
{
    struct hak_stats s;
    hak_stats_get(&s);
    hak_dprintf(fd,
                "hakmem: stats: level %d\n"
                "hakmem:   mapped      %zu KiB now, %zu KiB peak\n"
                "hakmem:   superslabs  %zu now, %zu peak; slabs in use %zu; large mappings %zu\n"
                "hakmem:   refills %zu, drains %zu, remote frees %zu in %zu drains\n"
                "hakmem:   slabs acquired %zu, released %zu, adopted %zu\n",
                hak_level, s.bytes_mapped >> 10, s.bytes_mapped_peak >> 10, s.superslabs_mapped,
                s.superslabs_peak, s.slabs_in_use, s.large_mapped, s.refills, s.drains, s.remote_frees,
                s.remote_drains, s.slab_acquires, s.slab_releases, s.slabs_adopted);
}

HAK_EXPORT int hak_integrity_level(void)
{
    hak_ensure_init();
    return hak_level;
}

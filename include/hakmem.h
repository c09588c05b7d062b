/* hakmem: a debug allocator with integrity levels and pointer tracing.
 *
 * Two ways to use it:
 *   - LD_PRELOAD=libhakmem.so: malloc, free and the rest of the C allocation API are
 *     replaced for the whole process (see hakmem(3)).
 *   - link libhakmem.a and call the hak_* functions below explicitly; the C library's
 *     malloc is left alone.
 * The hak_* functions have exactly the semantics of their C library namesakes.
 */
#ifndef HAKMEM_H
#define HAKMEM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HAKMEM_VERSION_MAJOR 0
#define HAKMEM_VERSION_MINOR 1

void *hak_malloc(size_t size);
void hak_free(void *ptr);
void *hak_calloc(size_t nmemb, size_t size);
void *hak_realloc(void *ptr, size_t size);
void *hak_reallocarray(void *ptr, size_t nmemb, size_t size);
int hak_posix_memalign(void **memptr, size_t alignment, size_t size);
void *hak_aligned_alloc(size_t alignment, size_t size);
void *hak_memalign(size_t alignment, size_t size);
void *hak_valloc(size_t size);
void *hak_pvalloc(size_t size);
size_t hak_malloc_usable_size(void *ptr);

/* Returns every cached block and empty slab of the calling thread and releases
 * empty memory to the OS (what malloc_trim(0) does when interposed). */
void hak_trim(void);

/* Walks every slab of every superslab and checks the allocator's invariants; from
 * level 2 also the free blocks of the calling thread's cache and slabs, and of abandoned
 * slabs, as handing them out would (a write after free). Returns the number of problems
 * found (0: consistent); each is reported. */
int hak_check_heap(void);

/* Writes a trace dump (.htrace: every thread's pointer-trace ring, the layout, slabs,
 * stacks and memory map) to path, or to HAKMEM_TRACE_DUMP when path is NULL. Returns 0,
 * or -1 when the rings are off (HAKMEM_TRACE=0, or below level 3 without HAKMEM_TRACE=1)
 * or the file could not be written. Replay it with `hakmem-trace replay FILE`. */
int hak_trace_dump(const char *path);

/* Allocator statistics, as printed at exit with HAKMEM_STATS=1. */
struct hak_stats {
    size_t superslabs_mapped;   /* superslabs currently mapped */
    size_t superslabs_peak;     /* most superslabs mapped at once */
    size_t slabs_in_use;        /* slabs assigned to a class */
    size_t large_mapped;        /* large mappings currently live */
    size_t bytes_mapped;        /* bytes currently mapped from the OS */
    size_t bytes_mapped_peak;
    size_t refills, drains, remote_frees, remote_drains;
    size_t slab_acquires, slab_releases, slabs_adopted;
};
void hak_stats_get(struct hak_stats *out);
void hak_stats_print(int fd);

/* The integrity level in force (0..4). */
int hak_integrity_level(void);

#ifdef __cplusplus
}
#endif
#endif /* HAKMEM_H */

/* The OS layer: the only place that maps, unmaps and advises memory. Nothing here (or
 * anywhere in hakmem) calls malloc (principle 6). */
#ifndef HAK_OS_H
#define HAK_OS_H

#include "config.h"

extern size_t hak_page_size;

void hak_os_init(void);
/* size bytes of fresh zeroed memory whose address is a multiple of align (a power of two
 * >= the page size). NULL with errno ENOMEM on failure. */
void *hak_os_map_aligned(size_t size, size_t align);
void *hak_os_map(size_t size);
void hak_os_unmap(void *p, size_t size);
/* Gives the pages back to the OS; the range stays mapped and reads as zero afterwards. */
void hak_os_purge(void *p, size_t size);
int hak_os_protect(void *p, size_t size, bool accessible);
/* The start of a small file such as /proc/self/stat, NUL-terminated in buf (at most size
 * - 1 bytes, one read): false when it cannot be read. No stdio: it allocates. */
bool hak_os_read_small(const char *path, char *buf, size_t size);

HAK_INLINE size_t hak_align_up(size_t n, size_t a) { return (n + a - 1) & ~(a - 1); }

#endif

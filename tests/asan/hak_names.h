/* Force-included into the stress tests of `make asan`: they call the C allocation API,
 * and here that API is hakmem's explicit one, so the allocator runs inside an ASan and
 * UBSan build without replacing the sanitizer's own malloc. */
#include <stddef.h>
#include "hakmem.h"
#define malloc hak_malloc
#define free hak_free
#define calloc hak_calloc
#define realloc hak_realloc
#define reallocarray hak_reallocarray
#define posix_memalign hak_posix_memalign
#define aligned_alloc hak_aligned_alloc
#define memalign hak_memalign
#define valloc hak_valloc
#define pvalloc hak_pvalloc
#define malloc_usable_size hak_malloc_usable_size

/* free() of memory malloc never returned: argument "stack" (a local array), "global" (a
 * static array) or "mmap" (a page from mmap). */
#include <sys/mman.h>

#include "heapbugs/lib/heapbug.h"

static char global_buffer[256];

HB_NOINLINE static void free_stack_buffer(void)
{
    char buffer[256];
    memset(opaque(buffer), 'a', sizeof buffer);
    drop_block(buffer); /* the bug */
    __asm__ volatile("" : : : "memory");
}

int main(int argc, char **argv)
{
    CHECK(argc == 2, "usage: foreign_free stack|global|mmap");
    heapbug_start("free of memory malloc never returned");
    if (!strcmp(argv[1], "stack")) {
        free_stack_buffer();
    } else if (!strcmp(argv[1], "global")) {
        drop_block(global_buffer); /* the bug */
    } else if (!strcmp(argv[1], "mmap")) {
        void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        CHECK(page != MAP_FAILED, "mmap");
        drop_block(page); /* the bug */
    } else {
        CHECK(0, "unknown variant %s", argv[1]);
    }
    survive(256, NULL, 0);
    return 0;
}

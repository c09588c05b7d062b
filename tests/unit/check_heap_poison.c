/* hak_check_heap from level 2: a byte written into a freed block is found, in the calling
 * thread's cache and on a slab's free list, and nothing once it is put back. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hakmem.h"
#include "harness.h"

int main(int argc, char **argv)
{
    (void)argc;
    const char *lv = getenv("HAKMEM_INTEGRITY_LEVEL");
    if (!lv || strcmp(lv, "2") != 0) { /* read at start-up, before main: run again with it */
        setenv("HAKMEM_INTEGRITY_LEVEL", "2", 1);
        execv("/proc/self/exe", argv);
        CHECK(0, "execv /proc/self/exe failed");
    }
    char *b[64];
    for (int i = 0; i < 64; i++) b[i] = hak_malloc(40);
    for (int i = 0; i < 64; i += 2) hak_free(b[i]);
    EXPECT_EQ(hak_check_heap(), 0);

    /* a write after free into a block of the thread cache: one problem */
    volatile char *dangling = b[10];
    char saved = dangling[20];
    dangling[20] = 'W';
    EXPECT_EQ(hak_check_heap(), 1);
    dangling[20] = saved;
    EXPECT_EQ(hak_check_heap(), 0);

    /* the same block on its slab's free list */
    hak_trim();
    dangling[20] = 'W';
    EXPECT_EQ(hak_check_heap(), 1);
    dangling[20] = saved;
    EXPECT_EQ(hak_check_heap(), 0);

    for (int i = 1; i < 64; i += 2) hak_free(b[i]);
    EXPECT_EQ(hak_check_heap(), 0);
    return 0;
}

/* A read past the end of a block (a loop that reads one element too many). Only guarded
 * mode (HAKMEM_GUARD, level 4) can see a read: a guarded block of 64 bytes ends right
 * against its guard page. */
#include "heapbugs/lib/heapbug.h"

int main(void)
{
    heapbug_start("read past the end of a block");
    char *p = make_block(64);
    memset(p, 'a', 64);
    unsigned sum = 0;
    for (long i = 0; i <= 64; i++) sum += peek(p, i); /* the bug: i == 64 */
    printf("heapbug: sum %u\n", sum);
    drop_block(p);
    survive(64, NULL, 0);
    return 0;
}

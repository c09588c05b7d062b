/* A read through a dangling pointer (a field of an object read after the object was
 * freed). Only guarded mode (HAKMEM_GUARD, level 4) can see a read. */
#include "heapbugs/lib/heapbug.h"

int main(void)
{
    heapbug_start("read of a freed block");
    char *p = make_block(64);
    memset(p, 'a', 64);
    drop_block(p);
    unsigned char c = peek(p, 8); /* the bug */
    printf("heapbug: read 0x%02x from the freed block\n", c);
    survive(64, NULL, 0);
    return 0;
}

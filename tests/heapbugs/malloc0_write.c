/* A write into the block malloc(0) returned (code that assumes a zero-length buffer still
 * has room for a terminator). */
#include "heapbugs/lib/heapbug.h"

int main(void)
{
    heapbug_start("write into a malloc(0) block");
    char *p = make_block(0);
    poke(p, 0, '\0'); /* the bug */
    drop_block(p);
    void *bad[] = {p};
    survive(8, bad, 1);
    return 0;
}

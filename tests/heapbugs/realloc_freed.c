/* realloc() of a pointer already freed (a buffer grown through a stale copy of its
 * pointer). */
#include <errno.h>

#include "heapbugs/lib/heapbug.h"

int main(void)
{
    heapbug_start("realloc of a freed block");
    char *p = make_block(136);
    memset(p, 'a', 136);
    drop_block(p);
    char *q = realloc(opaque(p), 300); /* the bug */
    printf("heapbug: realloc returned %p (errno %d)\n", (void *)q, q ? 0 : errno);
    if (q && q != p) drop_block(q);
    survive(136, NULL, 0);
    return 0;
}

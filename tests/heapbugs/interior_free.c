/* free() of a pointer inside a live block, not its start (a pointer advanced while
 * parsing, or a struct member's address): argument OFFSET, the distance from the start. */
#include "heapbugs/lib/heapbug.h"

int main(int argc, char **argv)
{
    CHECK(argc == 2, "usage: interior_free OFFSET");
    long off = atol(argv[1]);
    heapbug_start("free of an interior pointer");
    char *p = make_block(136);
    memset(p, 'a', 136);
    drop_block(p + off); /* the bug */
    void *held[] = {p};   /* still live: never handed out again */
    survive(136, held, 1);
    return 0;
}

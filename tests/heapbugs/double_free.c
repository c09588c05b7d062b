/* A block freed twice by the thread that allocated it (an error path that frees what the
 * normal path freed already). Argument: the size (136 bytes when none; 1 MiB makes it a
 * large block, unmapped by the first free). */
#include "heapbugs/lib/heapbug.h"

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : 136;
    heapbug_start("double free, same thread");
    char *p = make_block(n);
    memset(p, 'a', n);
    drop_block(p);
    free_again(p); /* the bug */
    survive(n < 4096 ? n : 4096, NULL, 0);
    return 0;
}

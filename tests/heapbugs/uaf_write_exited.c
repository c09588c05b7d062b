/* A write through a dangling pointer by a thread that then exits: it frees a block and
 * writes bytes 8..15 of it. Argument "abandoned": another block of the same slab is still
 * live when the thread exits, so the slab is abandoned with the written block on its free
 * list; "freed-later": the same, and the main thread then frees that live block, which
 * empties the abandoned slab; "released": no block is live, so the slab goes back to the
 * pool as the thread exits. No block of that size is asked for again. */
#include <pthread.h>

#include "heapbugs/lib/heapbug.h"

static void *worker(void *keep)
{
    char *live = make_block(136);
    char *p = make_block(136);
    memset(p, 'a', 136);
    drop_block(p);
    for (int i = 8; i < 16; i++) poke(p, i, 'W'); /* the bug */
    if (keep) *(char **)keep = live;             /* stays live: the slab outlives the thread */
    else drop_block(live);
    return NULL;
}

int main(int argc, char **argv)
{
    CHECK(argc == 2 && (!strcmp(argv[1], "abandoned") || !strcmp(argv[1], "freed-later") ||
                        !strcmp(argv[1], "released")),
          "usage: uaf_write_exited abandoned|freed-later|released");
    heapbug_start("write to a freed block by a thread that exits");
    pthread_t t;
    char *live = NULL;
    bool keep = argv[1][0] != 'r';
    CHECK(pthread_create(&t, NULL, worker, keep ? &live : NULL) == 0, "pthread_create");
    CHECK(pthread_join(t, NULL) == 0, "pthread_join");
    CHECK(!keep || live, "the worker's live block");
    if (argv[1][0] == 'f') drop_block(live); /* into the abandoned slab, which it empties */
    survive(40, NULL, 0);                    /* blocks of another class */
    return 0;
}

/* A write through a dangling pointer by a thread that then exits: it frees a block, writes
 * bytes 8..15 of it, and exits while another block of the same slab is still live, so its
 * slab is abandoned with the written block on its free list rather than released. No block
 * of that size is asked for again: the main thread's exit finds it. */
#include <pthread.h>

#include "heapbugs/lib/heapbug.h"

static void *worker(void *out)
{
    char *keep = make_block(136); /* stays live: the slab outlives the thread */
    char *p = make_block(136);
    memset(p, 'a', 136);
    drop_block(p);
    for (int i = 8; i < 16; i++) poke(p, i, 'W'); /* the bug */
    *(char **)out = keep;
    return NULL;
}

int main(void)
{
    heapbug_start("write to a freed block by a thread that exits");
    pthread_t t;
    char *keep = NULL;
    CHECK(pthread_create(&t, NULL, worker, &keep) == 0, "pthread_create");
    CHECK(pthread_join(t, NULL) == 0, "pthread_join");
    CHECK(keep != NULL, "the worker's block");
    survive(40, NULL, 0); /* blocks of another class */
    return 0;             /* keep stays live: freeing it would release the slab */
}

/* A block freed twice by two threads: argument "owner-first": the thread that allocated it
 * frees it, then another thread frees it again (two owners of a shared object both
 * releasing it); "other-first": another thread frees it (a legitimate remote free), then
 * the allocating thread frees it again. */
#include <pthread.h>

#include "heapbugs/lib/heapbug.h"

static void *victim;

static void *other_thread(void *again)
{
    if (again) free_again(victim); /* the bug */
    else drop_block(victim);
    return NULL;
}

static void free_in_other_thread(int again)
{
    pthread_t t;
    CHECK(pthread_create(&t, NULL, other_thread, again ? victim : NULL) == 0, "pthread_create");
    CHECK(pthread_join(t, NULL) == 0, "pthread_join");
}

int main(int argc, char **argv)
{
    CHECK(argc == 2 && (!strcmp(argv[1], "owner-first") || !strcmp(argv[1], "other-first")),
          "usage: double_free_thread owner-first|other-first");
    heapbug_start(argv[1][1] == 'w' ? "double free: owner, then another thread"
                                     : "double free: another thread, then the owner");
    /* the main thread has allocated before, so the other thread's free is remote */
    void *warm = make_block(136);
    victim = make_block(136);
    memset(victim, 'a', 136);
    if (argv[1][1] == 'w') {
        drop_block(victim);
        free_in_other_thread(1);
    } else {
        free_in_other_thread(0);
        free_again(victim); /* the bug */
    }
    drop_block(warm);
    survive(136, NULL, 0);
    return 0;
}

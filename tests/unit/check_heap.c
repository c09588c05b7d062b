/* hak_check_heap: zero problems after a workload with threads that exit; exactly the
 * problems made on purpose afterwards (each check can fail). */
#include <pthread.h>

#include "front/heap.h"
#include "hakmem.h"
#include "harness.h"
#include "slab/slab.h"

static void *keep[2][20000];

static void *worker(void *arg)
{
    void **k = arg;
    uint64_t s = (uintptr_t)arg;
    for (int i = 0; i < 20000; i++) k[i] = hak_malloc(test_rand(&s) % 2048);
    for (int i = 0; i < 20000; i += 2) hak_free(k[i]);
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, worker, keep[i]);
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    void *mine[1000];
    for (int i = 0; i < 1000; i++) mine[i] = hak_malloc(48);
    for (int i = 0; i < 1000; i += 3) hak_free(mine[i]);
    hak_trim(); /* our cached blocks go back to the slab free lists */
    EXPECT_EQ(hak_check_heap(), 0);

    /* break the count of free blocks of one of our slabs: exactly one problem */
    struct hak_slab *s = hak_slab_at((uintptr_t)mine[1], HAK_TINY_SLAB_SHIFT);
    EXPECT_EQ(s->owner, hak_heap_tls.tid);
    s->nfree++;
    EXPECT_EQ(hak_check_heap(), 2); /* free-list length, and used + free == carved */
    s->nfree--;
    /* a free-list link off a block boundary */
    void *saved = s->free;
    s->free = (char *)saved + 8;
    CHECK(hak_check_heap() >= 1, "misaligned link found");
    s->free = saved;
    EXPECT_EQ(hak_check_heap(), 0);

    for (int i = 0; i < 2; i++)
        for (int j = 1; j < 20000; j += 2) hak_free(keep[i][j]);
    for (int i = 0; i < 1000; i++)
        if (i % 3) hak_free(mine[i]);
    hak_trim();
    EXPECT_EQ(hak_check_heap(), 0);
    struct hak_stats st;
    hak_stats_get(&st);
    printf("after freeing everything: %zu slabs in use, %zu superslabs mapped, %zu adopted\n",
           st.slabs_in_use, st.superslabs_mapped, st.slabs_adopted);
    EXPECT_EQ(st.slabs_in_use, 0);
    CHECK(st.superslabs_mapped <= 2, "at most one spare superslab per kind stays mapped");
    return 0;
}

/* Start-up: the environment, the layout table for the level, fork and thread-exit hooks.
 * Runs on the first allocation of the process (which may come before main, from another
 * library's constructor) or from our constructor, whichever is first. */
#ifndef HAK_INIT_H
#define HAK_INIT_H

#include "config.h"

extern int hak_init_state; /* 0 not started, 1 running, 2 done */

void hak_init_slow(void);
/* Points malloc and free at the fast paths of the mode in force (src/api/malloc.c). */
void hak_api_select_mode(void);

HAK_INLINE void hak_ensure_init(void)
{
    if (hak_unlikely(__atomic_load_n(&hak_init_state, __ATOMIC_ACQUIRE) != 2)) hak_init_slow();
}

struct hak_heap;
/* Makes the thread's exit call hak_heap_exit(h). */
void hak_thread_exit_register(struct hak_heap *h);

#endif

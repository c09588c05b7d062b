/* Sequence numbers: the solo thread and the way to a shared counter (see seq.h). */
#include "trace/seq.h"

#if HAK_LEVEL_MAX >= 1
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

struct hak_seq hak_seq = {.next = 1};
static bool registered; /* for MEMBARRIER_CMD_PRIVATE_EXPEDITED */

static long membarrier(int cmd)
{
    return syscall(SYS_membarrier, cmd, 0, 0);
}

void hak_seq_init(void)
{
#if HAK_SEQ_UNLOCKED
    long cmds = membarrier(MEMBARRIER_CMD_QUERY);
    bool usable = cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
                  membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
#else
    bool usable = false; /* no unlocked add (seq.h) */
#endif
    registered = usable;
    __atomic_store_n(&hak_seq.solo, usable ? 0 : HAK_SEQ_SHARED, __ATOMIC_RELAXED);
}

void hak_seq_barrier(void)
{
    if (registered) membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void hak_seq_join(uintptr_t self)
{
    uintptr_t solo = 0;
    if (__atomic_compare_exchange_n(&hak_seq.solo, &solo, self, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
        return; /* the first: solo from its next number on (this one takes the lock) */
    if (solo == HAK_SEQ_SHARED || solo == self) return;
    if (!__atomic_compare_exchange_n(&hak_seq.solo, &solo, HAK_SEQ_SHARED, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
        hak_seq_join(self); /* the solo thread exited meanwhile, or another got here first */
        return;
    }
    /* Every thread passes a full barrier: the solo thread then either sees the counter
     * shared, or its busy mark is visible here (seq.h). The command cannot fail once
     * registered (hak_seq_init); were it to, the slower global barrier does the same. */
    if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0) membarrier(MEMBARRIER_CMD_GLOBAL);
    while (__atomic_load_n(&hak_seq.busy, __ATOMIC_ACQUIRE)) {
#if HAK_SEQ_UNLOCKED
        __builtin_ia32_pause();
#endif
    }
}

void hak_seq_thread_exit(void)
{
    uintptr_t self = hak_seq_self();
    __atomic_compare_exchange_n(&hak_seq.solo, &self, 0, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
}

void hak_seq_fork_child(void)
{
    hak_seq.busy = 0;
    hak_seq_init(); /* a registration for membarrier may not outlive the parent's memory */
}

#endif

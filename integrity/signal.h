/* The fatal-signal handler (level >= 1): SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGABRT print
 *
 *   hakmem: fatal signal NAME at ADDR
 *
 * (ADDR: the faulting address, si_addr; for SIGABRT and signals sent by a process, the
 * interrupted instruction), the violation when the fault hit a guard page
 * (hak_guard_classify), a symbolized backtrace of the interrupted code, and the trace dump
 * when the rings record. Then the handler that was there before is put back and the
 * signal delivered to it again, so the process dies of the same signal, or the program's
 * own handler runs (chaining). A handler the program installs later simply replaces ours.
 *
 * The SIGABRT that hak_report raises after a report only passes through. A fault while
 * handling one gives up after one line. Handlers run on an alternate signal stack, so a
 * stack overflow is reported too: one per thread that called hak_signal_thread_init. */
#ifndef HAK_SIGNAL_H
#define HAK_SIGNAL_H

#include "config.h"

/* Installs the handlers (once; later calls do nothing) and the calling thread's
 * alternate stack. Start-up calls it at level >= 1. */
void hak_signal_install(void);

/* Gives the calling thread an alternate signal stack, unless it has one (the program's
 * own, or ours). Call when a thread first uses the allocator. */
void hak_signal_thread_init(void);
/* Takes the thread's alternate stack away again, if it is ours (thread exit). */
void hak_signal_thread_exit(void);

#endif

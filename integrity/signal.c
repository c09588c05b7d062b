/* The fatal-signal handler (see signal.h). Everything it calls is async-signal-safe in
 * practice: write(2), open(2), mmap(2), and libunwind's local unwinder, which reads the
 * stack and the loaded objects' unwind tables without allocating. */
#include "config.h"
#if HAK_LEVEL_MAX >= 1

#define UNW_LOCAL_ONLY
#include <errno.h>
#include <libunwind.h>
#include <signal.h>
#include <unistd.h>

#include "api/env.h"
#include "integrity/guard.h"
#include "integrity/report.h"
#include "integrity/signal.h"
#include "integrity/stack_depot.h"
#include "os/fmt.h"
#include "os/os.h"
#include "trace/htrace_format.h"

/* The guard-page classifier belongs to the level-4 guard allocator; until it is linked
 * in, every fault is an ordinary one. */
#pragma weak hak_guard_classify

static const struct {
    int sig;
    const char *name;
} fatal[] = {{SIGSEGV, "SIGSEGV"}, {SIGBUS, "SIGBUS"}, {SIGILL, "SIGILL"}, {SIGFPE, "SIGFPE"}, {SIGABRT, "SIGABRT"}};
#define NFATAL (sizeof fatal / sizeof fatal[0])

static struct sigaction previous[NFATAL]; /* what was installed before us */
static int installed;
static __thread int handling; /* the signal this thread is handling, 0 none */

#define ALTSTACK_SIZE (128 * 1024) /* libunwind's cursor, symbolization buffers, the dump */
static __thread char *altstack;   /* ours: a guard page, then ALTSTACK_SIZE bytes */

static unsigned slot_of(int sig)
{
    for (unsigned i = 0; i < NFATAL; i++)
        if (fatal[i].sig == sig) return i;
    return 0;
}

// ---- alternate stacks ----

void hak_signal_thread_init(void)
{
    stack_t cur;
    if (altstack || sigaltstack(NULL, &cur) != 0 || !(cur.ss_flags & SS_DISABLE)) return;
    char *p = hak_os_map(hak_page_size + ALTSTACK_SIZE);
    if (!p) return;
    hak_os_protect(p, hak_page_size, false); /* an overflow of the handler faults, not corrupts */
    stack_t ss = {.ss_sp = p + hak_page_size, .ss_size = ALTSTACK_SIZE, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) {
        hak_os_unmap(p, hak_page_size + ALTSTACK_SIZE);
        return;
    }
    altstack = p;
}

void hak_signal_thread_exit(void)
{
    stack_t cur;
    if (!altstack) return;
    if (sigaltstack(NULL, &cur) == 0 && cur.ss_sp == altstack + hak_page_size) {
        if (cur.ss_flags & SS_ONSTACK) return; /* running on it: leave it be */
        stack_t off = {.ss_flags = SS_DISABLE};
        sigaltstack(&off, NULL);
    }
    hak_os_unmap(altstack, hak_page_size + ALTSTACK_SIZE);
    altstack = NULL;
}

// ---- the handler ----

/* Puts the previous handler back and delivers the signal to it once this one returns:
 * a fault raised by an instruction simply happens again when it is re-executed (with
 * its si_addr intact); anything sent (raise, kill, abort) is sent again. */
static void pass_on(int sig, const siginfo_t *info, unsigned slot, bool dfl)
{
    struct sigaction sa = previous[slot];
    if (dfl) {
        sa.sa_handler = SIG_DFL;
        sa.sa_flags = 0;
        sigemptyset(&sa.sa_mask);
    }
    sigaction(sig, &sa, NULL);
    if (info->si_code <= 0 || sig == SIGABRT) raise(sig);
}

static void print_backtrace(int fd, void *uc)
{
    unw_cursor_t cur;
    uintptr_t pcs[64];
    unsigned n = 0;
    if (unw_init_local2(&cur, (unw_context_t *)uc, UNW_INIT_SIGNAL_FRAME) == 0) {
        do {
            unw_word_t ip;
            if (unw_get_reg(&cur, UNW_REG_IP, &ip) < 0 || !ip) break;
            pcs[n++] = (uintptr_t)ip;
        } while (n < 64 && unw_step(&cur) > 0);
    }
    hak_dprintf(fd, "hakmem: backtrace:\n");
    hak_frames_print(fd, "hakmem:   ", pcs, n, true);
}

/* Where the signal happened: the faulting address, or for a signal that was sent (or
 * SIGABRT, which has none) the interrupted instruction. */
static const void *signal_addr(int sig, const siginfo_t *info, void *uc)
{
    unw_cursor_t cur;
    unw_word_t ip = 0;
    if (sig != SIGABRT && info->si_code > 0) return info->si_addr;
    if (unw_init_local2(&cur, (unw_context_t *)uc, UNW_INIT_SIGNAL_FRAME) == 0) unw_get_reg(&cur, UNW_REG_IP, &ip);
    return (const void *)ip;
}

static void handler(int sig, siginfo_t *info, void *uc)
{
    int saved_errno = errno;
    unsigned slot = slot_of(sig);
    const char *name = fatal[slot].name;

    if (sig == SIGABRT && hak_report_aborting()) { /* hak_report's own abort: reported already */
        pass_on(sig, info, slot, false);
        errno = saved_errno;
        return;
    }
    if (handling) { /* a fault in this handler: stop here, die of it */
        hak_dprintf(2, "hakmem: fatal signal %s while handling another; giving up\n", name);
        pass_on(sig, info, slot, true);
        errno = saved_errno;
        return;
    }
    handling = sig;
    const void *addr = signal_addr(sig, info, uc);
    enum hak_report_lock_result lk = hak_report_lock();
    int fd = hak_report_fd();
    if (lk == HAK_REPORT_RECURSIVE) { /* hak_report of this thread faulted */
        hak_dprintf(fd, "hakmem: fatal signal %s at %p while reporting; giving up\n", name, addr);
        handling = 0;
        pass_on(sig, info, slot, true);
        errno = saved_errno;
        return;
    }
    hak_dprintf(fd, "hakmem: fatal signal %s at %p\n", name, addr);
    struct hak_violation v = {.cls = -1};
    bool guard = (sig == SIGSEGV || sig == SIGBUS) && info->si_code > 0 && hak_guard_classify &&
                 hak_guard_classify(info->si_addr, &v);
    if (guard) hak_report_describe(fd, &v);
    print_backtrace(fd, uc);
    char path[4096];
    bool dumped = hak_report_dump(fd, HTRACE_REASON_SIGNAL, (uint64_t)sig, guard ? &v : NULL, path, sizeof path);
    if (lk == HAK_REPORT_LOCKED) {
        if (guard) hak_report_json(&v, dumped ? path : NULL);
        hak_report_unlock();
    }
    /* a guard violation is a violation: exit:N applies; abort and report cannot go on
     * past the faulting access, so the signal proceeds */
    if (guard && hak_env.on_violation == HAK_ON_EXIT) _exit(hak_env.exit_code);
    handling = 0;
    pass_on(sig, info, slot, false);
    errno = saved_errno;
}

void hak_signal_install(void)
{
    if (__atomic_exchange_n(&installed, 1, __ATOMIC_ACQ_REL)) return;
    hak_signal_thread_init();
    struct sigaction sa = {.sa_sigaction = handler, .sa_flags = SA_SIGINFO | SA_ONSTACK};
    sigemptyset(&sa.sa_mask);
    for (unsigned i = 0; i < NFATAL; i++) sigaction(fatal[i].sig, &sa, &previous[i]);
}

#endif

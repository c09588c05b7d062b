/* Calls into libbabeltrace2 under a guard (bt_guard.h). */
#include "bt_guard.h"

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

/* What babeltrace2 may die of on a hostile trace: its own abort on a failed precondition,
 * faults of its ctf plugin (a clock class without a frequency divides by zero, a sequence
 * of 2^31 elements or a scope that is not a structure is a bad access, arrays nested
 * 45,000 deep overflow the stack), glib's trap when an allocation fails. */
static const int guarded[] = {SIGABRT, SIGFPE, SIGSEGV, SIGBUS, SIGILL, SIGTRAP};
#define NGUARDED (sizeof guarded / sizeof guarded[0])

static struct {
    sigjmp_buf jmp;
    volatile sig_atomic_t armed, sig;
    bool installed;
    char altstack[64 << 10]; /* a fault may be a stack overflow (deeply nested metadata) */
    int scratch; /* what fd 2 is while armed: babeltrace2's output, kept for bt_guard_why */
    int stderr_fd; /* a copy of the real fd 2 */
    struct rlimit as; /* the address-space limit outside the guard */
    bool as_known;
} guard = {.scratch = -1, .stderr_fd = -1};

/* While armed, the process may grow by this much address space at most: babeltrace2
 * makes an object for every element of an array the metadata declares before it reads
 * one, so a 16 KB trace declaring 10^8 elements would take gigabytes and seconds before
 * anything failed. Far more than a batch of real events or the opening of a directory of
 * a thousand traces takes (half a gigabyte); past it glib's allocation fails and traps,
 * which the guard catches. */
#define AS_ROOM (1ull << 30)

/* The process's address space now, in bytes (0 if unknown). */
static unsigned long long address_space(void)
{
    char buf[64];
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = '\0';
    return strtoull(buf, NULL, 10) * (unsigned long long)sysconf(_SC_PAGESIZE);
}

/* Back to the armed call site; outside a guard, the signal does what it would do without
 * this handler: the default action, once the handler returns (raised again for an abort
 * or a trap, which would not happen again; a fault does). */
static void on_signal(int sig)
{
    if (guard.armed) {
        guard.armed = 0;
        guard.sig = sig;
        siglongjmp(guard.jmp, 1);
    }
    signal(sig, SIG_DFL);
    if (sig == SIGABRT || sig == SIGTRAP) raise(sig);
}

sigjmp_buf *bt_guard_jmp(void)
{
    return &guard.jmp;
}

void bt_guard_arm(void)
{
    if (!guard.installed) {
        guard.installed = true;
        stack_t ss = {.ss_sp = guard.altstack, .ss_size = sizeof guard.altstack};
        struct sigaction sa = {.sa_handler = on_signal, .sa_flags = sigaltstack(&ss, NULL) == 0 ? SA_ONSTACK : 0};
        sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < NGUARDED; i++) sigaction(guarded[i], &sa, NULL);
        guard.scratch = memfd_create("hakmem-trace-babeltrace2", MFD_CLOEXEC);
        if (guard.scratch < 0) guard.scratch = open("/dev/null", O_WRONLY | O_CLOEXEC);
        guard.stderr_fd = fcntl(2, F_DUPFD_CLOEXEC, 3);
        guard.as_known = getrlimit(RLIMIT_AS, &guard.as) == 0;
    }
    unsigned long long now = guard.as_known ? address_space() : 0;
    if (now && (guard.as.rlim_cur == RLIM_INFINITY || now + AS_ROOM < guard.as.rlim_cur)) {
        struct rlimit lim = {now + AS_ROOM, guard.as.rlim_max};
        setrlimit(RLIMIT_AS, &lim);
    }
    if (guard.scratch >= 0 && guard.stderr_fd >= 0) {
        fflush(stderr);
        dup2(guard.scratch, 2);
    }
    guard.armed = 1;
}

void bt_guard_disarm(void)
{
    guard.armed = 0;
    if (guard.as_known) setrlimit(RLIMIT_AS, &guard.as);
    if (guard.scratch >= 0 && guard.stderr_fd >= 0) {
        fflush(stderr);
        dup2(guard.stderr_fd, 2);
    }
}

/* The message of one of babeltrace2's log lines: what follows "MM-DD HH:MM:SS.mmm PID
 * TID LEVEL TAG FUNCTION@FILE:LINE "; the whole line if it is not one. */
static const char *log_message(const char *line)
{
    const char *p = line;
    for (int field = 0; field < 7; field++) {
        p += strspn(p, " ");
        size_t n = strcspn(p, " ");
        if (!p[n]) return line;
        if (field == 6 && !memchr(p, '@', n)) return line;
        p += n;
    }
    return p + strspn(p, " ");
}

void bt_guard_why(char *buf, size_t len)
{
    bt_guard_disarm();
    /* the library's last lines: the reason, then "Aborting..." */
    char tail[4096];
    ssize_t n = 0;
    off_t end = guard.scratch >= 0 ? lseek(guard.scratch, 0, SEEK_END) : -1;
    if (end > 0) {
        off_t from = end > (off_t)sizeof tail - 1 ? end - (off_t)sizeof tail + 1 : 0;
        n = pread(guard.scratch, tail, sizeof tail - 1, from);
    }
    tail[n > 0 ? n : 0] = '\0';
    const char *why = NULL;
    for (char *line = strtok(tail, "\n"); line; line = strtok(NULL, "\n")) {
        const char *m = log_message(line);
        if (*m && strcmp(m, "Aborting...") != 0 && !strstr(m, "precondition not satisfied")) why = m;
    }
    if (guard.sig == SIGABRT) snprintf(buf, len, "babeltrace2 aborted%s%s", why ? ": " : "", why ? why : "");
    else snprintf(buf, len, "babeltrace2 crashed (SIG%s)%s%s", sigabbrev_np(guard.sig), why ? ": " : "", why ? why : "");
    if (guard.scratch >= 0 && ftruncate(guard.scratch, 0) == 0) lseek(guard.scratch, 0, SEEK_SET);
}

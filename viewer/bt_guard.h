/* Calls into libbabeltrace2 under a guard.
 *
 * babeltrace2 checks its library's preconditions even in release builds and, when one
 * fails, prints a few log lines (whatever the log level) and aborts the process. Its ctf
 * plugin lets some hostile metadata through to such a check (a structure with two fields
 * of one name aborts `babeltrace2 TRACE` itself), and some to a fault of its own (a clock
 * class without a frequency: a division by zero, SIGFPE). The viewer must instead refuse
 * the input in one line and exit 1, so every call into babeltrace2 runs armed:
 *
 *     if (sigsetjmp(*bt_guard_jmp(), 1)) { ... babeltrace2 aborted: bt_guard_why() ... }
 *     bt_guard_arm();
 *     ... calls into babeltrace2, none to a function that arms again ...
 *     bt_guard_disarm();
 *
 * While armed, SIGABRT, SIGFPE, SIGSEGV, SIGBUS, SIGILL and SIGTRAP (glib's g_error, on an
 * allocation that fails) jump back to the sigsetjmp (so it is written at each call site:
 * its frame must still be live), the library's output goes to a scratch file instead of
 * stderr, and the process may grow by 1 GiB of address space at most (babeltrace2
 * allocates for every element of an array the metadata declares). After a jump the guard
 * is disarmed and stderr restored; the library's state is not to be trusted any more: the
 * caller makes no further call into it (the objects it holds are left, not put). */
#ifndef VIEWER_BT_GUARD_H
#define VIEWER_BT_GUARD_H

#include <setjmp.h>
#include <stddef.h>

/* The jump buffer for the next arm. */
sigjmp_buf *bt_guard_jmp(void);
/* Arms the guard (installs the signal handlers the first time). */
void bt_guard_arm(void);
/* Disarms it: the signals do what they do by default again, babeltrace2's output goes
 * to stderr again. */
void bt_guard_disarm(void);
/* After a jump: "babeltrace2 aborted: " and the library's last message (its reason), or
 * "babeltrace2 crashed (SIGNAL)", on one line, into buf. */
void bt_guard_why(char *buf, size_t len);

#endif

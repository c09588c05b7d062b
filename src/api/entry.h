/* libhakmem.so's malloc and free sent straight to the instance of the mode chosen at
 * start-up (src/api/malloc.c, docs/ARCHITECTURE.md "One library, every level").
 *
 * libhakmem.so holds every mode's fast path. malloc and free themselves inline level 0
 * (and level 1) and reach the others through a table: two compares and an indirect call,
 * 1.05x the time of the fixed-level build at level 2. Once the mode is known, before the
 * first block is handed out, hak_entry_redirect writes a jump to the mode's instance over
 * the first instruction of the entry point, so that every later call runs the same code
 * as libhakmem-lN.so, behind one direct jump. Where it cannot (see hak_entry_redirect_ok),
 * nothing is written and the table path is taken: same behaviour, a few instructions more.
 */
#ifndef HAK_API_ENTRY_H
#define HAK_API_ENTRY_H

#include <stdbool.h>

/* Whether the entry points may be rewritten in this process now: x86-64, one thread (no
 * other can be inside the code being written), and no debugger or tracer attached (its
 * breakpoints keep a copy of the bytes they replace and would write the old byte back).
 * Reads /proc/self/status; false when it cannot. */
bool hak_entry_redirect_ok(void);

/* Writes "jmp to" over the first instruction of the function at entry, which must be one
 * this code knows to be at least 5 bytes long (a 7-byte RIP-relative load or compare, as
 * gcc emits first in malloc and free): no jump inside the function can then land in the
 * bytes replaced. The write is one 8-byte store, so a signal handler calling malloc sees
 * the old instruction or the jump, never a mix. False, with nothing changed, when the
 * instruction is not one of those, the target is out of reach or the page's protection
 * cannot be changed. */
bool hak_entry_redirect(void *entry, const void *to);

#endif

/* The stack depot: allocation and free stacks captured with libunwind, stored once each
 * (deduplicated by hash) in mmap'd memory, referred to by a 32-bit id (0: none). */
#ifndef HAK_STACK_DEPOT_H
#define HAK_STACK_DEPOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define HAK_STACK_MAX_DEPTH 32

/* The calling thread's stack, without its innermost `skip` frames; 0 when it could not
 * be captured or stored. Never allocates with malloc; safe to call from inside malloc. */
uint32_t hak_stack_capture(unsigned skip);

/* The stack of the program code that called into hakmem: every innermost frame inside
 * hakmem's own code is dropped, however it was inlined. That code is known in
 * libhakmem.so; in a program linked with libhakmem.a it is not, and static_skip frames
 * are dropped instead (as hak_stack_capture would). */
uint32_t hak_stack_capture_app(unsigned static_skip);

/* The frames of stack id (return addresses, innermost first); returns the depth. */
unsigned hak_stack_get(uint32_t id, uintptr_t *pcs, unsigned max);

/* Prints stack id, one symbolized frame a line ("    #N 0xPC function+0xOFF (module)"),
 * each line prefixed with prefix. Async-signal-safe. The line is prefix, then "#N ...":
 * the prefix carries the indentation. An unknown id prints one "(stack N unknown)" line. */
void hak_stack_print(int fd, const char *prefix, uint32_t id);

/* The same for frames from elsewhere (a signal context's backtrace). first_exact: pcs[0]
 * is the faulting instruction, not a return address (integrity/symbolize.h). */
void hak_frames_print(int fd, const char *prefix, const uintptr_t *pcs, unsigned n, bool first_exact);
/* One frame as "0xPC function+0xOFF (module)" into buf; returns the length. */
size_t hak_frame_format(uintptr_t pc, bool exact, char *buf, size_t size);

/* fork() handlers: prepare waits for the captures under way in other threads and gives up
 * new ones until done is called, in the parent and in the child (child: true). */
void hak_stack_fork_prepare(void);
void hak_stack_fork_done(bool child);

/* Calls fn for every stored stack (the dump writer's STACKS section). */
void hak_stack_foreach(void (*fn)(uint32_t id, const uintptr_t *pcs, unsigned depth, void *arg), void *arg);

#endif

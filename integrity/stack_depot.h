/* The stack depot: allocation and free stacks captured with libunwind, stored once each
 * (deduplicated by hash) in mmap'd memory, referred to by a 32-bit id (0: none). */
#ifndef HAK_STACK_DEPOT_H
#define HAK_STACK_DEPOT_H

#include <stdint.h>

#include "config.h"

#define HAK_STACK_MAX_DEPTH 32

/* The calling thread's stack, without its innermost `skip` frames; 0 when it could not
 * be captured or stored. Never allocates with malloc; safe to call from inside malloc. */
uint32_t hak_stack_capture(unsigned skip);

/* The frames of stack id (return addresses, innermost first); returns the depth. */
unsigned hak_stack_get(uint32_t id, uintptr_t *pcs, unsigned max);

/* Prints stack id, one symbolized frame a line ("    #N 0xPC function+0xOFF (module)"),
 * each line prefixed with prefix. Async-signal-safe. */
void hak_stack_print(int fd, const char *prefix, uint32_t id);

/* Calls fn for every stored stack (the dump writer's STACKS section). */
void hak_stack_foreach(void (*fn)(uint32_t id, const uintptr_t *pcs, unsigned depth, void *arg), void *arg);

#endif

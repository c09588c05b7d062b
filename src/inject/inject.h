/* Fault injection, in libhakmem-inject.so only (compiled with HAKMEM_INJECT): each fault
 * of faults.def is a deliberate bug at one place in the allocator, armed by
 * HAKMEM_INJECT=FAULT[,after=N][,class=C]. It fires once, at its (N+1)-th opportunity in
 * class C, and then prints the ground truth the crash repros compare with:
 *     hakmem-inject: fired FAULT seq=S tid=T ptr=P
 * S is the sequence number of the trace event that recorded the faulty operation. In
 * every other build the hooks are constant false and vanish. */
#ifndef HAK_INJECT_H
#define HAK_INJECT_H

#include "config.h"

enum hak_fault {
    HAK_FAULT_none = 0,
#define HAK_FAULT_DEF(name, cls, doc) HAK_FAULT_##name,
#include "inject/faults.def"
#undef HAK_FAULT_DEF
};

#ifdef HAKMEM_INJECT
extern unsigned hak_inject_armed;
bool hak_inject_due(unsigned fault, unsigned cls, const void *ptr);
void hak_inject_fired(unsigned fault);
/* The reporter prints a fired fault's line first, if its site has not yet. */
void hak_inject_flush(void);
void hak_inject_init(void);
/* true when fault f fires now, at an operation on class cls about block ptr */
#define HAK_FAULT(f, cls, ptr) \
    (hak_unlikely(hak_inject_armed == HAK_FAULT_##f) && hak_inject_due(HAK_FAULT_##f, (cls), (ptr)))
/* after the faulty operation's event was recorded: prints the line */
#define HAK_FAULT_FIRED(f) hak_inject_fired(HAK_FAULT_##f)
#else
#define HAK_FAULT(f, cls, ptr) ((void)(cls), (void)(ptr), false)
#define HAK_FAULT_FIRED(f) ((void)0)
#endif

#endif

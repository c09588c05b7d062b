/* Trace dumps (.htrace, trace/htrace_format.h): written on a violation, a fatal signal,
 * hak_trace_dump() and at exit when asked, with async-signal-safe calls only. */
#ifndef HAK_DUMP_H
#define HAK_DUMP_H

#include <stddef.h>
#include <stdint.h>

#include "integrity/report.h"

/* The sequence number the next event will get (the "op" of a report line). */
uint64_t hak_trace_seq_now(void);

/* True when rings are recording (level >= 3 or HAKMEM_TRACE=1). */
bool hak_trace_on(void);

/* Writes a dump to HAKMEM_TRACE_DUMP (or explicit_path when not NULL); on success returns
 * 0 and the file's name in path_out. reason: enum htrace_reason. v: the violation that
 * caused it, or NULL. */
int hak_trace_dump_write(unsigned reason, uint64_t reason_arg, const struct hak_violation *v,
                         const char *explicit_path, char *path_out, size_t path_size);

#endif

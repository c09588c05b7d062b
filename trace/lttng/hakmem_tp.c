/* The probes of the `hakmem` provider: this file only instantiates hakmem_tp.h
 * (the lttng-ust provider recipe). The call sites are in hakmem_lttng_api.c. */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_PROVIDER_HIDDEN_DEFINITION
#include "trace/lttng/hakmem_tp.h"

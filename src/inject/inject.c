/* Arming and firing the faults of inject.h. */
#include "inject/inject.h"

#ifdef HAKMEM_INJECT
#include <stdlib.h>
#include <string.h>

#include "api/env.h"
#include "front/heap.h"
#include "os/fmt.h"
#include "trace/ring.h"

unsigned hak_inject_armed;
static long inject_after, inject_class = -2; /* -2: the fault's default class */
static long seen;

static const struct {
    const char *name;
    int cls;
} faults[] = {
    {"none", -1},
#define HAK_FAULT_DEF(name, cls, doc) {#name, cls},
#include "inject/faults.def"
#undef HAK_FAULT_DEF
};
#define NFAULTS (sizeof faults / sizeof faults[0])

static bool parse_long(const char *s, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0) return false;
    *out = v;
    return true;
}

void hak_inject_init(void)
{
    const char *spec = hak_env.inject;
    if (!spec || !*spec) return;
    char buf[128];
    hak_fmt(buf, sizeof buf, "%s", spec);
    char *save = NULL, *tok = strtok_r(buf, ",", &save);
    unsigned f = 0;
    for (unsigned i = 1; tok && i < NFAULTS; i++)
        if (!strcmp(tok, faults[i].name)) f = i;
    if (!f) goto bad;
    while ((tok = strtok_r(NULL, ",", &save))) {
        if (!strncmp(tok, "after=", 6) && parse_long(tok + 6, &inject_after)) continue;
        if (!strncmp(tok, "class=", 6) && parse_long(tok + 6, &inject_class)) continue;
        goto bad;
    }
    if (inject_class == -2) inject_class = faults[f].cls;
    if (inject_class == -3) inject_class = hak_small_class[0]; /* 1 from level 2: no 8-byte class */
    hak_inject_armed = f;
    return;
bad:
    hak_dprintf(2, "hakmem-inject: invalid HAKMEM_INJECT='%s' (expected FAULT[,after=N][,class=C] with FAULT one of "
                   "next_offset user_as_base double_convert slab_index_user stride_no_header remote_sentinel "
                   "drain_no_count missing_header); nothing armed\n", spec);
}

/* A fault that fired but whose line is not printed yet: a check may catch the faulty
 * operation right after its event and report before the fault site prints. */
static __thread unsigned pending;
static __thread const void *pending_ptr;

bool hak_inject_due(unsigned fault, unsigned cls, const void *ptr)
{
    if (inject_class >= 0 && (long)cls != inject_class) return false;
    if (__atomic_fetch_add(&seen, 1, __ATOMIC_RELAXED) != inject_after) return false;
    /* one shot: disarm before firing, so no other thread fires it too */
    unsigned armed = fault;
    if (!__atomic_compare_exchange_n(&hak_inject_armed, &armed, HAK_FAULT_none, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_RELAXED))
        return false;
    pending = fault;
    pending_ptr = ptr;
    return true;
}

void hak_inject_flush(void)
{
    if (pending) hak_inject_fired(pending);
}

void hak_inject_fired(unsigned fault)
{
    if (pending != fault) return; /* printed already */
    pending = 0;
    const void *ptr = pending_ptr;
    /* the event this thread recorded last is the faulty operation's */
    struct hak_ring *r = hak_ring_tls;
    const struct hak_event *last = r && r->written ? &r->ev[(r->written - 1) & r->mask] : NULL;
    uint64_t seq = last ? last->seq + hak_pack_events(last->op) - 1 : 0; /* a packed entry's last event */
    hak_dprintf(2, "hakmem-inject: fired %s seq=%lu tid=%u ptr=%p\n", faults[fault].name, (unsigned long)seq,
                hak_heap_tls.tid, ptr);
}
#endif

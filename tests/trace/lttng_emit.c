/* Drives libhakmem-lttng.so directly, without the allocator: dlopen()s the provider given
 * on the command line and emits, through its API, two events of every kind of
 * trace/events.def (one through hak_lttng_event, one through the function that
 * hak_lttng_event_for gives for its op), a geometry and two layout entries, all with values derived from the
 * event number, so that tests/trace/lttng_provider.sh can check every field of every
 * hakmem:NAME event as babeltrace2 reads it back. Expects to run in a session recording
 * hakmem:*, and checks that hak_lttng_event_state says so.
 *
 *   lttng_emit PATH/libhakmem-lttng.so
 * prints one `NAME VALUES` line per event emitted, in the format the test compares. */
#include <dlfcn.h>
#include <inttypes.h>
#include <stdio.h>

#include "trace/lttng/hakmem_lttng_api.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: lttng_emit PATH/libhakmem-lttng.so\n");
        return 2;
    }
    void *h = dlopen(argv[1], RTLD_NOW);
    if (!h) {
        fprintf(stderr, "lttng_emit: %s\n", dlerror());
        return 1;
    }
    hak_lttng_event_fn *event = (hak_lttng_event_fn *)dlsym(h, "hak_lttng_event");
    hak_lttng_geometry_fn *geometry = (hak_lttng_geometry_fn *)dlsym(h, "hak_lttng_geometry");
    hak_lttng_layout_fn *layout = (hak_lttng_layout_fn *)dlsym(h, "hak_lttng_layout");
    hak_lttng_event_state_fn *state = (hak_lttng_event_state_fn *)dlsym(h, "hak_lttng_event_state");
    hak_lttng_event_for_fn *event_for = (hak_lttng_event_for_fn *)dlsym(h, "hak_lttng_event_for");
    if (!event || !geometry || !layout || !state || !event_for) {
        fprintf(stderr, "lttng_emit: missing API symbol\n");
        return 1;
    }
    /* Run inside a session recording hakmem:*, every event must read as enabled. */
    int bad_state = state(0) != NULL || state(255) != NULL;
#define HAK_EVENT(name, num, doc) bad_state |= !state(num) || !*state(num);
#include "trace/events.def"
#undef HAK_EVENT
    if (bad_state) {
        fprintf(stderr, "lttng_emit: hak_lttng_event_state does not match the session\n");
        return 1;
    }
    /* Every op of the schema has its function; none outside it. */
    int bad_for = event_for(0) != NULL || event_for(255) != NULL;
#define HAK_EVENT(name, num, doc) bad_for |= !event_for(num);
#include "trace/events.def"
#undef HAK_EVENT
    if (bad_for) {
        fprintf(stderr, "lttng_emit: hak_lttng_event_for does not match the schema\n");
        return 1;
    }
    /* Every field distinct and above 32 bits where it is 64 bits wide, so a truncated or
     * swapped field shows. */
#define HAK_EVENT(name, num, doc)                                                          \
    {                                                                                      \
        struct hak_event e = {.seq = 1000 + num, .tid = 7 + num, .cls = (uint16_t)(num * 3), \
                              .op = num, .site = (uint8_t)(num + 1),                      \
                              .ptr = 0x7f0000000000ull + num * 0x10,                     \
                              .base = 0x7f0000000000ull + num * 0x10 - 0x8,              \
                              .value = 0xbada55bada55bad0ull + num,                       \
                              .size = 0x100000000ull + num};                              \
        for (int way = 0; way < 2; way++) {                                                \
            if (way) e.seq += 500;                                                         \
            if (way) event_for(num)(&e);                                                   \
            else event(&e);                                                                \
            printf("%s seq=%" PRIu64 " tid=%u class=%u ptr=0x%" PRIx64 " base=0x%" PRIx64  \
                   " value=0x%" PRIx64 " size=%" PRIu64 " site=%u\n",                     \
                   #name, e.seq, e.tid, e.cls, e.ptr, e.base, e.value, e.size, e.site);    \
        }                                                                                  \
    }
#include "trace/events.def"
#undef HAK_EVENT
    /* An op outside the schema must be dropped, not crash. */
    struct hak_event bad = {.op = 0};
    event(&bad);
    bad.op = 255;
    event(&bad);

    struct htrace_geometry g = {.superslab_size = 1u << 21, .remote_end = 0xBADA55BADA55BADAull,
                                .superslab_header = 4096, .block_header = 16, .page_size = 4096,
                                .nclasses = 2, .tiny_max = 1024, .pool_max = 131072};
    geometry(&g, 3);
    printf("geometry superslab_size=0x%" PRIx64 " remote_end=0x%" PRIx64
           " superslab_header=%u block_header=%u page_size=%u nclasses=%u tiny_max=%u"
           " pool_max=%u level=3 version=%u\n",
           g.superslab_size, g.remote_end, g.superslab_header, g.block_header, g.page_size,
           g.nclasses, g.tiny_max, g.pool_max, HTRACE_VERSION);
    for (uint32_t c = 0; c < 2; c++) {
        struct htrace_class l = {.size = 16 + 16 * c, .stride = 32 + 16 * c, .user_off = 16,
                                 .next_off = 8, .kind = 1 + c, .slab_shift = 16 + 3 * c};
        layout(c, &l);
        printf("layout class=%u size=%u stride=%u user_off=%u next_off=%u kind=%u slab_shift=%u\n",
               c, l.size, l.stride, l.user_off, l.next_off, l.kind, l.slab_shift);
    }
    return 0;
}

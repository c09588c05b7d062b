/* Event formatting (eventfmt.h). */
#include "eventfmt.h"

#include <inttypes.h>

int event_value_is_addr(unsigned op)
{
    switch (op) {
    case HAK_EV_tls_push:
    case HAK_EV_tls_pop:
    case HAK_EV_next_write:
    case HAK_EV_next_read:
    case HAK_EV_remote_push:
    case HAK_EV_remote_drain: return 1;
    default: return 0;
    }
}

void event_text(FILE *f, const struct vmeta *m, const struct hak_event *ev)
{
    char cls[16];
    if (ev->cls == HAK_EVENT_NO_CLASS) snprintf(cls, sizeof cls, "-");
    else snprintf(cls, sizeof cls, "%u", ev->cls);
    fprintf(f, "%12" PRIu64 "  t%-4u %-12s c%-3s ptr=0x%-14" PRIx64 " base=0x%-14" PRIx64, ev->seq, ev->tid,
            op_name(&m->names, ev->op), cls, ev->ptr, ev->base);
    if (event_value_is_addr(ev->op)) fprintf(f, " value=0x%-16" PRIx64, ev->value);
    else if (ev->op == HAK_EV_violation) fprintf(f, " kind=%-16s", kind_name(&m->names, (unsigned)ev->value));
    else fprintf(f, " value=%-18" PRIu64, ev->value);
    fprintf(f, " size=%-6" PRIu64 " @%s\n", ev->size, site_name(&m->names, ev->site));
}

void event_json_fields(struct json *j, const struct vmeta *m, const struct hak_event *ev)
{
    json_ku64(j, "seq", ev->seq);
    json_ku64(j, "tid", ev->tid);
    json_kstr(j, "op", op_name(&m->names, ev->op));
    json_key(j, "class");
    if (ev->cls == HAK_EVENT_NO_CLASS) json_null(j);
    else json_u64(j, ev->cls);
    json_khex(j, "ptr", ev->ptr);
    json_khex(j, "base", ev->base);
    if (event_value_is_addr(ev->op)) json_khex(j, "value", ev->value);
    else json_ku64(j, "value", ev->value);
    if (ev->op == HAK_EV_violation) json_kstr(j, "kind", kind_name(&m->names, (unsigned)ev->value));
    json_ku64(j, "size", ev->size);
    json_kstr(j, "site", site_name(&m->names, ev->site));
}

void event_json(struct json *j, const struct vmeta *m, const struct hak_event *ev)
{
    json_obj(j);
    event_json_fields(j, m, ev);
    json_end(j);
}

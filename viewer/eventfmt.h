/* One event as a line of text or a JSON object: the same in every command. */
#ifndef VIEWER_EVENTFMT_H
#define VIEWER_EVENTFMT_H

#include <stdio.h>

#include "json.h"
#include "source.h"

void event_text(FILE *f, const struct vmeta *m, const struct hak_event *ev);
/* Writes the event's fields as members of the object being written. */
void event_json_fields(struct json *j, const struct vmeta *m, const struct hak_event *ev);
void event_json(struct json *j, const struct vmeta *m, const struct hak_event *ev);
/* Does the event's value hold an address (a link, a head, a block), not a count? */
int event_value_is_addr(unsigned op);

#endif

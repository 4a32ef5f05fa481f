/*
 * zt_outbox_int.h - what zt_outbox.c (writing, templates) and
 * zt_outbox_send.c (the sender) share; not for other modules.
 */
#ifndef ZT_OUTBOX_INT_H
#define ZT_OUTBOX_INT_H

#include <json-c/json.h>

#include "zt_arena.h"

/* Append s to *buf HTML-escaped (a new arena string). */
void zt__outbox_esc(struct zt_arena *a, char **buf, const char *s);
/* A payload member as a string, NULL when absent or null. */
const char *zt__outbox_field(struct json_object *payload, const char *key);

#endif

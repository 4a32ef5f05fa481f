/*
 * checkin - the gate (/api/checkin/…): scans, undo, counts, the offline
 * bundle and the sync of offline scans.  Rules live in lib/zt_checkin.c;
 * docs/checkin.md.
 */
#include "config.h"

#include "zt_checkin.h"
#include "zt_etag.h"
#include "zt_json.h"
#include "zt_serve.h"
#include "zt_time.h"
#include "zt_uuid.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A gate name: 1–40 characters of text. */
static enum zt_err
gate_name(struct zt_req *req, const char *field, const char *v)
{
	size_t n = v != NULL ? strlen(v) : 0;
	if (n == 0 || n > ZT_CHECKIN_GATE_MAX)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field '%s' must be a gate name of 1 to %d characters",
		    field, ZT_CHECKIN_GATE_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return zt_fail(req, ZT_EBADREQ, "invalid_field",
			    "field '%s' must not hold control characters",
			    field);
	return ZT_OK;
}

/* The :id of the path as an event id (404 when it cannot be one). */
static enum zt_err
path_event(struct zt_req *req, const char **id)
{
	*id = zt_uuid_norm(req->arena, zt_param(req, "id"));
	if (*id == NULL)
		return zt_fail(req, ZT_ENOTFOUND, "event_not_found",
		    "no such event: %s", zt_param(req, "id"));
	return ZT_OK;
}

static const char *const scan_keys[] = {
    "eventId", "payload", "ticketId", "gate", NULL};

static enum zt_err
post_scan(struct zt_req *req)
{
	struct zt_checkin_scan s = {0};
	const char *event = NULL;
	struct json_object *out;
	enum zt_err e;
	if ((e = zt_json_known(req, req->json, NULL, scan_keys)) != ZT_OK ||
	    (e = zt_json_uuid(req, req->json, "eventId", ZT_REQUIRED, &event,
		 NULL)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "payload", ZT_OPTIONAL, 512,
		 &s.payload, NULL)) != ZT_OK ||
	    (e = zt_json_uuid(req, req->json, "ticketId", ZT_OPTIONAL,
		 &s.ticket, NULL)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "gate", ZT_REQUIRED, 200, &s.gate,
		 NULL)) != ZT_OK ||
	    (e = gate_name(req, "gate", s.gate)) != ZT_OK)
		return e;
	if ((s.payload == NULL) == (s.ticket == NULL))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "send exactly one of the fields 'payload' and 'ticketId'");
	if ((e = zt_checkin_scan(req, event, &s, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

static const char *const undo_keys[] = {"eventId", "ticketId", NULL};

static enum zt_err
post_undo(struct zt_req *req)
{
	const char *event = NULL, *ticket = NULL;
	struct json_object *out;
	enum zt_err e;
	if ((e = zt_json_known(req, req->json, NULL, undo_keys)) != ZT_OK ||
	    (e = zt_json_uuid(req, req->json, "eventId", ZT_REQUIRED, &event,
		 NULL)) != ZT_OK ||
	    (e = zt_json_uuid(req, req->json, "ticketId", ZT_REQUIRED, &ticket,
		 NULL)) != ZT_OK)
		return e;
	if ((e = zt_checkin_undo(req, event, ticket, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

static enum zt_err
get_stats(struct zt_req *req)
{
	const char *event;
	struct json_object *out;
	enum zt_err e;
	if ((e = path_event(req, &event)) != ZT_OK ||
	    (e = zt_checkin_stats(req, event, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

static void
free_gz(void *p)
{
	free(p);
}

/* The bundle is private (the team's), revalidated on every use: an ETag
 * of its data and 304 when the device has them already.  generatedAt, the
 * moment it was made, goes beside the data and outside the tag: two
 * requests a second apart are the same bundle. */
static enum zt_err
get_bundle(struct zt_req *req)
{
	const char *event, *text, *etag;
	struct json_object *out;
	unsigned char *gz = NULL;
	size_t len, gz_len = 0;
	char now[ZT_TIME_LEN];
	enum zt_err e;
	if ((e = path_event(req, &event)) != ZT_OK ||
	    (e = zt_checkin_bundle(req, event, &out)) != ZT_OK)
		return e;
	text = zt_json_text(req, out, &len);
	json_object_put(out);
	etag = zt_etag_of(req, text, len);
	/* {…} → {…,"generatedAt":"…"} */
	text = zt_arena_printf(req->arena, "%.*s,\"generatedAt\":\"%s\"}",
	    (int)len - 1, text, zt_time_format((int64_t)time(NULL), now));
	len = strlen(text);
	zt_reply_header(req, "Cache-Control", "private, no-cache");
	zt_reply_header(req, "Vary", "Accept-Encoding");
	if (zt_accepts_gzip(req) &&
	    (gz = zt_etag_gzip(text, len, &gz_len)) != NULL) {
		zt_req_defer(req, free_gz, gz);
		/* another representation, another strong tag */
		etag = zt_arena_printf(
		    req->arena, "%.*s-gz\"", (int)strlen(etag) - 1, etag);
	}
	zt_reply_header(req, "ETag", etag);
	if (zt_etag_match(zt_header(req, "If-None-Match"), etag))
		return zt_reply(req, 304, NULL);
	if (gz != NULL) {
		zt_reply_header(req, "Content-Encoding", "gzip");
		return zt_reply_text(req, 200, (const char *)gz, gz_len);
	}
	return zt_reply_text(req, 200, text, len);
}

static const char *const sync_keys[] = {"eventId", "deviceId", "scans", NULL};
static const char *const sync_scan_keys[] = {
    "payload", "ticketId", "gate", "scannedAt", NULL};

/* scans[i] into s, or 400 naming scans[i].<field> */
static enum zt_err
sync_scan(struct zt_req *req, struct json_object *o, size_t i,
    struct zt_checkin_scan *s)
{
	const char *where = zt_arena_printf(req->arena, "scans[%zu].", i);
	struct json_object *v;
	const char *at;
	if (!json_object_is_type(o, json_type_object))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'scans[%zu]' must be an object", i);
	if (zt_json_known(req, o, where, sync_scan_keys) != ZT_OK)
		return ZT_EBADREQ;
	if ((v = json_object_object_get(o, "payload")) != NULL) {
		if (!json_object_is_type(v, json_type_string) ||
		    json_object_get_string_len(v) > 512)
			return zt_fail(req, ZT_EBADREQ, "invalid_field",
			    "field '%spayload' must be a ticket code", where);
		s->payload = json_object_get_string(v);
	}
	if ((v = json_object_object_get(o, "ticketId")) != NULL) {
		s->ticket =
		    json_object_is_type(v, json_type_string)
			? zt_uuid_norm(req->arena, json_object_get_string(v))
			: NULL;
		if (s->ticket == NULL)
			return zt_fail(req, ZT_EBADREQ, "invalid_field",
			    "field '%sticketId' must be a uuid", where);
	}
	if ((s->payload == NULL) == (s->ticket == NULL))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "send exactly one of the fields '%spayload' and "
		    "'%sticketId'",
		    where, where);
	v = json_object_object_get(o, "gate");
	s->gate = v != NULL && json_object_is_type(v, json_type_string)
		      ? json_object_get_string(v)
		      : NULL;
	if (gate_name(req, zt_arena_printf(req->arena, "%sgate", where),
		s->gate) != ZT_OK)
		return ZT_EBADREQ;
	v = json_object_object_get(o, "scannedAt");
	at = v != NULL && json_object_is_type(v, json_type_string)
		 ? json_object_get_string(v)
		 : NULL;
	if (at == NULL || zt_time_parse(at, &s->scanned_at) != 0 ||
	    s->scanned_at <= 0)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field '%sscannedAt' must be an RFC 3339 time", where);
	return ZT_OK;
}

static enum zt_err
post_sync(struct zt_req *req)
{
	const char *event = NULL, *device = NULL;
	struct json_object *arr = NULL, *out;
	struct zt_checkin_scan *scans;
	size_t n;
	enum zt_err e;
	if ((e = zt_json_known(req, req->json, NULL, sync_keys)) != ZT_OK ||
	    (e = zt_json_uuid(req, req->json, "eventId", ZT_REQUIRED, &event,
		 NULL)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "deviceId", ZT_REQUIRED,
		 ZT_CHECKIN_DEVICE_MAX, &device, NULL)) != ZT_OK)
		return e;
	if (device[0] == '\0')
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'deviceId' must not be empty");
	arr = json_object_object_get(req->json, "scans");
	if (arr != NULL && json_object_is_type(arr, json_type_array) &&
	    json_object_array_length(arr) > ZT_CHECKIN_SYNC_MAX)
		return zt_fail(req, ZT_ETOOLARGE, "too_many_scans",
		    "field 'scans' holds %zu scans: send at most %d per call",
		    json_object_array_length(arr), ZT_CHECKIN_SYNC_MAX);
	if ((e = zt_json_array(req, req->json, "scans", ZT_REQUIRED,
		 ZT_CHECKIN_SYNC_MAX, &arr, NULL)) != ZT_OK)
		return e;
	n = json_object_array_length(arr);
	scans = zt_arena_alloc(req->arena, sizeof(*scans) * (n ? n : 1));
	memset(scans, 0, sizeof(*scans) * (n ? n : 1));
	for (size_t i = 0; i < n; i++)
		if ((e = sync_scan(req, json_object_array_get_idx(arr, i), i,
			 &scans[i])) != ZT_OK)
			return e;
	if ((e = zt_checkin_sync(req, event, device, scans, n, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

static enum zt_err
get_duplicates(struct zt_req *req)
{
	const char *event;
	struct json_object *out;
	enum zt_err e;
	if ((e = path_event(req, &event)) != ZT_OK ||
	    (e = zt_checkin_duplicates(req, event, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

static const struct zt_route routes[] = {
    {"POST", "/api/checkin/scan", post_scan, ZT_AUTH_SCANNER, 4096, 0},
    {"POST", "/api/checkin/undo", post_undo, ZT_AUTH_MANAGER, 4096, 0},
    {"POST", "/api/checkin/sync", post_sync, ZT_AUTH_SCANNER, 512 * 1024, 0},
    {"GET", "/api/checkin/events/:id/stats", get_stats, ZT_AUTH_SCANNER, 0, 0},
    {"GET", "/api/checkin/events/:id/bundle", get_bundle, ZT_AUTH_SCANNER, 0,
	0},
    {"GET", "/api/checkin/events/:id/duplicates", get_duplicates,
	ZT_AUTH_SCANNER, 0, 0},
};

int
main(void)
{
	return zt_serve("checkin", routes, ZT_ROUTES_LEN(routes),
	    ZT_NEED_PG | ZT_NEED_LIVE | ZT_NEED_JWT | ZT_NEED_REDIS |
		ZT_NEED_AUTH);
}

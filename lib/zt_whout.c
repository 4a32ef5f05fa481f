/* zt_whout.c - outgoing webhooks: endpoints, events, signatures; see
 * zt_whout.h.  Sending is zt_whout_send.c. */
#include "zt_whout.h"
#include "zt_audit.h"
#include "zt_config.h"
#include "zt_crypto.h"
#include "zt_db.h"
#include "zt_http.h"
#include "zt_json.h"
#include "zt_server.h"
#include "zt_team.h"
#include "zt_time.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const types[] = {"booking.confirmed", "booking.refunded",
    "ticket.checked_in", "ticket.transferred", "event.published",
    "event.cancelled", "payout.paid", NULL};

#define EP_COLS                                                                \
	"id, url, array_to_json(events)::text, description, status,"           \
	" extract(epoch FROM created_at)::bigint,"                             \
	" extract(epoch FROM disabled_at)::bigint, disabled_reason,"           \
	" extract(epoch FROM failing_since)::bigint,"                          \
	" extract(epoch FROM CASE WHEN prev_until > now() THEN prev_until"     \
	" END)::bigint"

static struct zt_sql q_emit = ZT_SQL("whout_emit",
    "INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_type, body)"
    " SELECT tenant_id, id, $2, $3 FROM webhook_endpoints"
    " WHERE tenant_id = $1 AND status = 'active' AND deleted_at IS NULL"
    "   AND $2 = ANY (events)",
    3);
static struct zt_sql q_count = ZT_SQL("whout_count",
    "SELECT count(*) FROM webhook_endpoints WHERE tenant_id = $1"
    " AND deleted_at IS NULL",
    1);
static struct zt_sql q_insert = ZT_SQL("whout_insert",
    "INSERT INTO webhook_endpoints (tenant_id, url, events, description,"
    " secret, created_by) VALUES ($1, $2, $3::text[], $4, $5, $6)"
    " RETURNING " EP_COLS,
    6);
static struct zt_sql q_list = ZT_SQL("whout_list",
    "SELECT " EP_COLS " FROM webhook_endpoints WHERE tenant_id = $1"
    " AND deleted_at IS NULL ORDER BY created_at, id",
    1);
static struct zt_sql q_update = ZT_SQL("whout_update",
    "UPDATE webhook_endpoints SET url = coalesce($3, url),"
    " events = coalesce($4::text[], events),"
    " description = coalesce($5, description),"
    " status = CASE WHEN $6 = '1' THEN 'active' ELSE status END,"
    " disabled_at = CASE WHEN $6 = '1' THEN NULL ELSE disabled_at END,"
    " disabled_reason = CASE WHEN $6 = '1' THEN NULL ELSE disabled_reason"
    " END,"
    " failing_since = CASE WHEN $6 = '1' THEN NULL ELSE failing_since END"
    " WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL"
    " RETURNING " EP_COLS,
    6);
static struct zt_sql q_delete = ZT_SQL("whout_delete",
    "UPDATE webhook_endpoints SET deleted_at = now(), status = 'disabled'"
    " WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL RETURNING id",
    2);
static struct zt_sql q_rotate = ZT_SQL("whout_rotate",
    "UPDATE webhook_endpoints SET prev_secret = secret,"
    " prev_until = now() + make_interval(secs => $4::int), secret = $3"
    " WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL"
    " RETURNING " EP_COLS,
    4);
static struct zt_sql q_exists = ZT_SQL("whout_exists",
    "SELECT status FROM webhook_endpoints WHERE id = $1 AND tenant_id = $2"
    " AND deleted_at IS NULL",
    2);
static struct zt_sql q_deliveries = ZT_SQL("whout_deliveries",
    "SELECT d.id, d.event_type, d.status, d.attempts,"
    " extract(epoch FROM d.created_at)::bigint,"
    " extract(epoch FROM d.delivered_at)::bigint,"
    " extract(epoch FROM CASE WHEN d.status = 'pending'"
    "   THEN d.next_attempt_at END)::bigint,"
    " d.last_status, d.last_error,"
    " coalesce((SELECT json_agg(json_build_object('at',"
    "   to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
    "   'httpStatus', a.http_status, 'durationMs', a.duration_ms,"
    "   'response', a.response_prefix, 'error', a.error) ORDER BY a.at)"
    "   FROM webhook_attempts a WHERE a.delivery_id = d.id), '[]')::text"
    " FROM webhook_deliveries d WHERE d.endpoint_id = $1 AND d.tenant_id = $2"
    " ORDER BY d.created_at DESC, d.id LIMIT 50",
    2);
static struct zt_sql q_redeliver = ZT_SQL("whout_redeliver",
    "UPDATE webhook_deliveries SET status = 'pending', attempts = 0,"
    " next_attempt_at = now(), retry_until = now() + make_interval(secs =>"
    " $4::int) WHERE id = $1 AND endpoint_id = $2 AND tenant_id = $3"
    " RETURNING id, status",
    4);

int
zt_whout_known_type(const char *type)
{
	for (int i = 0; types[i] != NULL; i++)
		if (strcmp(types[i], type) == 0)
			return 1;
	return 0;
}

enum zt_err
zt_whout_emit(struct zt_req *req, struct zt_error *err, const char *tenant_id,
    const char *type, struct json_object *data)
{
	char id[ZT_UUID_BUF], when[ZT_TIME_LEN];
	struct json_object *body = json_object_new_object();
	const char *p[3];

	zt_uuid_new(id);
	json_object_object_add(body, "id", json_object_new_string(id));
	json_object_object_add(body, "type", json_object_new_string(type));
	json_object_object_add(body, "createdAt",
	    json_object_new_string(zt_time_format((int64_t)time(NULL), when)));
	json_object_object_add(
	    body, "tenantId", json_object_new_string(tenant_id));
	json_object_object_add(body, "data",
	    data != NULL ? json_object_get(data) : json_object_new_object());
	p[0] = tenant_id;
	p[1] = type;
	p[2] = zt_json_text(req, body, NULL);
	json_object_put(body);
	return zt_db_queue(req, err, &q_emit, p, NULL);
}

enum zt_err
zt_whout_event(struct zt_req *req, const char *tenant_id, const char *type, ...)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct json_object *data = json_object_new_object();
	const char *k, *v;
	size_t kl;
	va_list ap;
	enum zt_err e;

	va_start(ap, type);
	while ((k = va_arg(ap, const char *)) != NULL) {
		if ((v = va_arg(ap, const char *)) == NULL)
			continue;
		kl = strlen(k);
		json_object_object_add(data, k,
		    kl > 5 && strcmp(k + kl - 5, "Paise") == 0
			? json_object_new_int64(atoll(v))
			: json_object_new_string(v));
	}
	va_end(ap);
	e = zt_whout_emit(req, &err, tenant_id, type, data);
	json_object_put(data);
	return e != ZT_OK ? zt_fail_error(req, &err) : ZT_OK;
}

/* ---- signatures ---- */

static char *
hmac_hex(struct zt_arena *a, const char *secret, const char *msg, size_t n)
{
	unsigned char h[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(
	    &st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, n);
	crypto_auth_hmacsha256_final(&st, h);
	sodium_memzero(&st, sizeof(st));
	return zt_hex(a, h, sizeof(h));
}

char *
zt_whout_signature(struct zt_arena *a, long long t, const char *body,
    const char *secret, const char *prev)
{
	char *msg = zt_arena_printf(a, "%lld.%s", t, body);
	size_t n = strlen(msg);
	char *sig =
	    zt_arena_printf(a, "t=%lld,v1=%s", t, hmac_hex(a, secret, msg, n));
	if (prev != NULL && *prev != '\0')
		sig = zt_arena_printf(
		    a, "%s,v1=%s", sig, hmac_hex(a, prev, msg, n));
	return sig;
}

/* ---- addresses ---- */

static int
v4_ok(uint32_t a)
{
	static const struct {
		uint32_t net, mask;
	} bad[] = {
	    {0x00000000, 0xff000000}, /* 0/8 "this network" */
	    {0x0a000000, 0xff000000}, /* 10/8 */
	    {0x64400000, 0xffc00000}, /* 100.64/10 carrier-grade NAT */
	    {0x7f000000, 0xff000000}, /* 127/8 loopback */
	    {0xa9fe0000, 0xffff0000}, /* 169.254/16 link-local, metadata */
	    {0xac100000, 0xfff00000}, /* 172.16/12 */
	    {0xc0000000, 0xffffff00}, /* 192.0.0/24 protocol assignments */
	    {0xc0000200, 0xffffff00}, /* 192.0.2/24 documentation */
	    {0xc0a80000, 0xffff0000}, /* 192.168/16 */
	    {0xc6120000, 0xfffe0000}, /* 198.18/15 benchmarking */
	    {0xc6336400, 0xffffff00}, /* 198.51.100/24 documentation */
	    {0xcb007100, 0xffffff00}, /* 203.0.113/24 documentation */
	    {0xe0000000, 0xe0000000}, /* 224/3 multicast, reserved, broadcast */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if ((a & bad[i].mask) == bad[i].net)
			return 0;
	return 1;
}

int
zt_whout_addr_ok(const struct sockaddr *sa, int allow_local)
{
	if (allow_local)
		return 1;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		return v4_ok(ntohl(in->sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6) {
		const unsigned char *b =
		    ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		static const unsigned char mapped[12] = {
		    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		static const unsigned char nat64[12] = {
		    0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
		static const unsigned char zero[12] = {0};
		uint32_t v4 = ((uint32_t)b[12] << 24) |
			      ((uint32_t)b[13] << 16) | ((uint32_t)b[14] << 8) |
			      b[15];
		if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0)
			return v4_ok(v4);
		if (memcmp(b, zero, 12) == 0) /* ::, ::1, IPv4-compatible */
			return 0;
		if ((b[0] & 0xfe) == 0xfc) /* fc00::/7 unique local */
			return 0;
		if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) /* fe80::/10 */
			return 0;
		if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) /* fec0::/10 */
			return 0;
		if (b[0] == 0xff) /* multicast */
			return 0;
		if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d &&
		    b[3] == 0xb8) /* 2001:db8::/32 documentation */
			return 0;
		return 1;
	}
	return 0;
}

/* ---- management ---- */

static struct json_object *
endpoint_json(const PGresult *r, int i)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(
	    o, "webhookId", json_object_new_string(PQgetvalue(r, i, 0)));
	json_object_object_add(
	    o, "url", json_object_new_string(PQgetvalue(r, i, 1)));
	json_object_object_add(
	    o, "events", json_tokener_parse(PQgetvalue(r, i, 2)));
	json_object_object_add(
	    o, "description", json_object_new_string(PQgetvalue(r, i, 3)));
	json_object_object_add(
	    o, "status", json_object_new_string(PQgetvalue(r, i, 4)));
	json_object_object_add(
	    o, "createdAt", zt_json_epoch(zt_db_val(r, i, 5)));
	json_object_object_add(
	    o, "disabledAt", zt_json_epoch(zt_db_val(r, i, 6)));
	json_object_object_add(
	    o, "disabledReason", zt_json_nullable(zt_db_val(r, i, 7)));
	json_object_object_add(
	    o, "failingSince", zt_json_epoch(zt_db_val(r, i, 8)));
	json_object_object_add(
	    o, "previousSecretUntil", zt_json_epoch(zt_db_val(r, i, 9)));
	return o;
}

static enum zt_err
bad(struct zt_req *req, const char *field, const char *why)
{
	return zt_fail(
	    req, ZT_EBADREQ, "invalid_field", "field '%s' %s", field, why);
}

/* The URL rule at registration: https:// (http:// only to loopback
 * outside production), no credentials, no control characters. */
static enum zt_err
check_url(struct zt_req *req, const char *url)
{
	char why[160];
	const char *host, *end;
	size_t n = strlen(url);
	int prod = zt_config_production(&zt_g.cfg);

	if (n < 9 || n > 2048 || zt_http_has_ctl(url) || strchr(url, ' ') ||
	    zt_http_check_base("webhook", url, why, sizeof(why)) != 0 ||
	    (prod && strncmp(url, "https://", 8) != 0))
		return bad(req, "url",
		    prod ? "must be an https:// URL"
			 : "must be an https:// URL (http:// only to "
			   "loopback outside production)");
	host = strstr(url, "://") + 3;
	end = host + strcspn(host, "/?#");
	if (memchr(host, '@', (size_t)(end - host)) != NULL)
		return bad(
		    req, "url", "must not carry a user name or password");
	if (prod) {
		/* a literal address is checked now; names as they resolve */
		char lit[64];
		size_t hl = (size_t)(end - host);
		struct sockaddr_in a4 = {.sin_family = AF_INET};
		struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
		const char *colon;
		if (*host == '[') {
			const char *close = memchr(host, ']', hl);
			hl = close ? (size_t)(close - host - 1) : 0;
			host++;
		} else if ((colon = memchr(host, ':', hl)) != NULL) {
			hl = (size_t)(colon - host);
		}
		if (hl > 0 && hl < sizeof(lit)) {
			memcpy(lit, host, hl);
			lit[hl] = '\0';
			if ((inet_pton(AF_INET, lit, &a4.sin_addr) == 1 &&
				!zt_whout_addr_ok((struct sockaddr *)&a4, 0)) ||
			    (inet_pton(AF_INET6, lit, &a6.sin6_addr) == 1 &&
				!zt_whout_addr_ok((struct sockaddr *)&a6, 0)))
				return bad(req, "url",
				    "must not point at a private, loopback or "
				    "link-local address");
		}
	}
	return ZT_OK;
}

static enum zt_err
events_param(struct zt_req *req, struct json_object *events, const char **out)
{
	const char *v[7];
	size_t n;
	enum zt_err e = zt_json_pick(req, events, "events", types, 7, v, &n);
	if (e == ZT_OK)
		*out = zt_db_array(req, v, n);
	return e;
}

static const char *
new_secret(struct zt_req *req)
{
	unsigned char raw[32];
	char *s;
	randombytes_buf(raw, sizeof(raw));
	s = zt_arena_printf(
	    req->arena, "whsec_%s", zt_b64url(req->arena, raw, sizeof(raw)));
	sodium_memzero(raw, sizeof(raw));
	return s;
}

static enum zt_err
no_webhook(struct zt_req *req)
{
	return zt_fail(req, ZT_ENOTFOUND, "webhook_not_found",
	    "no such webhook in this organization");
}

static enum zt_err
finish(struct zt_req *req, const char *action, const char *id,
    struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	enum zt_err e = zt_audit(
	    req, action, zt_arena_printf(req->arena, "webhook:%s", id), NULL);
	if (e == ZT_OK && zt_db_commit(req, &err) != ZT_OK)
		e = zt_fail_error(req, &err);
	if (e != ZT_OK && out != NULL) {
		json_object_put(*out);
		*out = NULL;
	}
	return e;
}

enum zt_err
zt_whout_create(struct zt_req *req, const char *url, struct json_object *events,
    const char *description, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[6], *arr = NULL, *secret;
	PGresult *r;
	enum zt_err e;

	if ((e = check_url(req, url)) != ZT_OK ||
	    (e = events_param(req, events, &arr)) != ZT_OK)
		return e;
	if ((e = zt_team_begin(req, ZT_ROLE_OWNER, NULL)) != ZT_OK)
		return e;
	p[0] = req->tenant_id;
	if ((r = zt_db_exec(req, &err, &q_count, p)) == NULL)
		return zt_fail_error(req, &err);
	if (atoi(PQgetvalue(r, 0, 0)) >= ZT_WHOUT_MAX_ENDPOINTS)
		return zt_fail(req, ZT_ECONFLICT, "too_many_webhooks",
		    "an organization may register %d webhooks",
		    ZT_WHOUT_MAX_ENDPOINTS);
	secret = new_secret(req);
	p[1] = url;
	p[2] = arr;
	p[3] = description ? description : "";
	p[4] = secret;
	p[5] = req->user_id;
	if ((r = zt_db_exec(req, &err, &q_insert, p)) == NULL)
		return zt_fail_error(req, &err);
	*out = endpoint_json(r, 0);
	if ((e = finish(req, "webhook.created", PQgetvalue(r, 0, 0), out)) !=
	    ZT_OK)
		return e;
	json_object_object_add(*out, "secret", json_object_new_string(secret));
	return ZT_OK;
}

enum zt_err
zt_whout_list(struct zt_req *req, struct json_object **out)
{
	return zt_team_list_rows(
	    req, ZT_ROLE_OWNER, &q_list, "webhooks", endpoint_json, out);
}

enum zt_err
zt_whout_update(struct zt_req *req, const char *id, const char *url,
    struct json_object *events, const char *description, int enable,
    struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[6], *arr = NULL;
	PGresult *r;
	enum zt_err e;

	if (!zt_is_uuid(id))
		return no_webhook(req);
	if ((url != NULL && (e = check_url(req, url)) != ZT_OK) ||
	    (events != NULL && (e = events_param(req, events, &arr)) != ZT_OK))
		return e;
	if ((e = zt_team_begin(req, ZT_ROLE_OWNER, NULL)) != ZT_OK)
		return e;
	p[0] = id;
	p[1] = req->tenant_id;
	p[2] = url;
	p[3] = arr;
	p[4] = description;
	p[5] = enable == 1 ? "1" : "0";
	if ((r = zt_db_exec(req, &err, &q_update, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return no_webhook(req);
	*out = endpoint_json(r, 0);
	return finish(req, "webhook.updated", id, out);
}

enum zt_err
zt_whout_delete(struct zt_req *req, const char *id)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {id, req->tenant_id};
	PGresult *r;
	enum zt_err e;

	if (!zt_is_uuid(id))
		return no_webhook(req);
	if ((e = zt_team_begin(req, ZT_ROLE_OWNER, NULL)) != ZT_OK)
		return e;
	if ((r = zt_db_exec(req, &err, &q_delete, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return no_webhook(req);
	return finish(req, "webhook.deleted", id, NULL);
}

enum zt_err
zt_whout_rotate(struct zt_req *req, const char *id, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	char overlap[16];
	const char *p[4], *secret;
	PGresult *r;
	enum zt_err e;

	if (!zt_is_uuid(id))
		return no_webhook(req);
	if ((e = zt_team_begin(req, ZT_ROLE_OWNER, NULL)) != ZT_OK)
		return e;
	snprintf(overlap, sizeof(overlap), "%d", ZT_WHOUT_ROTATE_OVERLAP);
	secret = new_secret(req);
	p[0] = id;
	p[1] = req->tenant_id;
	p[2] = secret;
	p[3] = overlap;
	if ((r = zt_db_exec(req, &err, &q_rotate, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return no_webhook(req);
	*out = endpoint_json(r, 0);
	if ((e = finish(req, "webhook.secret_rotated", id, out)) != ZT_OK)
		return e;
	json_object_object_add(*out, "secret", json_object_new_string(secret));
	return ZT_OK;
}

/* The endpoint exists in the caller's tenant (zt_team_begin done). */
static enum zt_err
find_endpoint(struct zt_req *req, const char *id, int *active)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {id, req->tenant_id};
	PGresult *r;
	if ((r = zt_db_exec(req, &err, &q_exists, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return no_webhook(req);
	*active = strcmp(PQgetvalue(r, 0, 0), "active") == 0;
	return ZT_OK;
}

static struct json_object *
delivery_json(const PGresult *r, int i)
{
	struct json_object *o = json_object_new_object();
	const char *st = zt_db_val(r, i, 7);
	json_object_object_add(
	    o, "deliveryId", json_object_new_string(PQgetvalue(r, i, 0)));
	json_object_object_add(
	    o, "type", json_object_new_string(PQgetvalue(r, i, 1)));
	json_object_object_add(
	    o, "status", json_object_new_string(PQgetvalue(r, i, 2)));
	json_object_object_add(
	    o, "attempts", json_object_new_int(atoi(PQgetvalue(r, i, 3))));
	json_object_object_add(
	    o, "createdAt", zt_json_epoch(zt_db_val(r, i, 4)));
	json_object_object_add(
	    o, "deliveredAt", zt_json_epoch(zt_db_val(r, i, 5)));
	json_object_object_add(
	    o, "nextAttemptAt", zt_json_epoch(zt_db_val(r, i, 6)));
	json_object_object_add(o, "lastHttpStatus",
	    st != NULL ? json_object_new_int(atoi(st)) : NULL);
	json_object_object_add(
	    o, "lastError", zt_json_nullable(zt_db_val(r, i, 8)));
	json_object_object_add(
	    o, "tries", json_tokener_parse(PQgetvalue(r, i, 9)));
	return o;
}

enum zt_err
zt_whout_deliveries(
    struct zt_req *req, const char *id, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {id, req->tenant_id};
	PGresult *r;
	int active;
	enum zt_err e;

	if (!zt_is_uuid(id))
		return no_webhook(req);
	if ((e = zt_team_begin(req, ZT_ROLE_OWNER, NULL)) != ZT_OK ||
	    (e = find_endpoint(req, id, &active)) != ZT_OK)
		return e;
	if ((r = zt_db_exec(req, &err, &q_deliveries, p)) == NULL ||
	    zt_db_commit_rows(req, &err, r, "deliveries", delivery_json, out) !=
		ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

enum zt_err
zt_whout_redeliver(struct zt_req *req, const char *id, const char *delivery_id,
    struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	char window[16];
	const char *p[4];
	PGresult *r;
	int active;
	enum zt_err e;

	if (!zt_is_uuid(id) || !zt_is_uuid(delivery_id))
		return no_webhook(req);
	if ((e = zt_team_begin(req, ZT_ROLE_OWNER, NULL)) != ZT_OK ||
	    (e = find_endpoint(req, id, &active)) != ZT_OK)
		return e;
	if (!active)
		return zt_fail(req, ZT_ECONFLICT, "webhook_disabled",
		    "enable the webhook first");
	snprintf(window, sizeof(window), "%d", ZT_WHOUT_RETRY_FOR);
	p[0] = delivery_id;
	p[1] = id;
	p[2] = req->tenant_id;
	p[3] = window;
	if ((r = zt_db_exec(req, &err, &q_redeliver, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_ENOTFOUND, "delivery_not_found",
		    "no such delivery of this webhook");
	*out = json_object_new_object();
	json_object_object_add(
	    *out, "deliveryId", json_object_new_string(delivery_id));
	json_object_object_add(
	    *out, "status", json_object_new_string("pending"));
	return finish(req, "webhook.redelivered", delivery_id, out);
}

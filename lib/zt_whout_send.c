/* zt_whout_send.c - sending webhook deliveries (cron/webhooks); see
 * zt_whout.h and docs/webhooks.md. */
#include "zt_config.h"
#include "zt_db.h"
#include "zt_http.h"
#include "zt_log.h"
#include "zt_metrics.h"
#include "zt_outbox.h"
#include "zt_server.h"
#include "zt_time.h"
#include "zt_whout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define BATCH 50

/* under the system scope: what is due, across tenants */
static struct zt_sql q_due = ZT_SQL("whout_due",
    "SELECT d.id, d.tenant_id FROM webhook_deliveries d"
    " JOIN webhook_endpoints e ON e.id = d.endpoint_id"
    " WHERE d.status = 'pending' AND d.next_attempt_at <= now()"
    "   AND e.status = 'active' AND e.deleted_at IS NULL"
    " ORDER BY d.next_attempt_at LIMIT $1::int",
    1);
/* under the delivery's tenant: the row, locked */
static struct zt_sql q_lock = ZT_SQL("whout_lock",
    "SELECT d.body, d.event_type, d.attempts, e.url, e.secret,"
    " CASE WHEN e.prev_until > now() THEN e.prev_secret END, e.id"
    " FROM webhook_deliveries d JOIN webhook_endpoints e"
    "   ON e.id = d.endpoint_id"
    " WHERE d.id = $1 AND d.status = 'pending' AND d.next_attempt_at <= now()"
    "   AND e.status = 'active' AND e.deleted_at IS NULL"
    " FOR UPDATE OF d SKIP LOCKED",
    1);
static struct zt_sql q_attempt = ZT_SQL("whout_attempt",
    "INSERT INTO webhook_attempts (tenant_id, delivery_id, http_status,"
    " duration_ms, response_prefix, error) VALUES ($1, $2, $3::int, $4::int,"
    " $5, $6)",
    6);
static struct zt_sql q_ok = ZT_SQL("whout_ok",
    "WITH d AS (UPDATE webhook_deliveries SET status = 'delivered',"
    " delivered_at = now(), attempts = attempts + 1, last_status = $2::int,"
    " last_error = NULL WHERE id = $1 RETURNING endpoint_id)"
    " UPDATE webhook_endpoints SET failing_since = NULL"
    " WHERE id = (SELECT endpoint_id FROM d)",
    2);
/* a failed try: the next one after the backoff, or none past retry_until;
 * answers whether the endpoint has now failed for ZT_WHOUT_DISABLE_AFTER */
static struct zt_sql q_fail = ZT_SQL("whout_fail",
    "WITH d AS (UPDATE webhook_deliveries SET attempts = attempts + 1,"
    " last_status = $2::int, last_error = $3,"
    " next_attempt_at = now() + make_interval(secs => $4::int),"
    " status = CASE WHEN now() + make_interval(secs => $4::int)"
    "   > retry_until THEN 'failed' ELSE 'pending' END"
    " WHERE id = $1 RETURNING endpoint_id)"
    " UPDATE webhook_endpoints SET failing_since = coalesce(failing_since,"
    " now()) WHERE id = (SELECT endpoint_id FROM d)"
    " RETURNING failing_since <= now() - make_interval(secs => $5::int),"
    " url, (SELECT name FROM tenants WHERE id = tenant_id),"
    " to_char(failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"')",
    5);
static struct zt_sql q_disable = ZT_SQL("whout_disable",
    "UPDATE webhook_endpoints SET status = 'disabled', disabled_at = now(),"
    " disabled_reason = $2 WHERE id = $1 AND status = 'active'"
    " RETURNING tenant_id",
    2);
static struct zt_sql q_owners = ZT_SQL("whout_owners",
    "SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id"
    " WHERE m.tenant_id = $1 AND m.role = 'owner' AND u.email IS NOT NULL",
    1);

/* Seconds before the try after `tries` failures: 1 minute doubling, at
 * most 4 hours (about 11 tries in 24 hours). */
static long
backoff(int tries)
{
	long s = 60;
	for (int i = 1; i < tries && s < 4 * 3600; i++)
		s *= 2;
	return s > 4 * 3600 ? 4 * 3600 : s;
}

struct sock_check {
	int allow_local;
	int refused;
};

static curl_socket_t
open_checked(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct sock_check *k = ud;
	(void)purpose;
	if (!zt_whout_addr_ok(&a->addr, k->allow_local)) {
		k->refused = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

struct outcome {
	long status; /* 0: no answer */
	long ms;
	char prefix[ZT_WHOUT_RESPONSE_PREFIX + 1];
	char error[200];
};

static void
post(struct zt_req *req, const char *id, const char *type, const char *url,
    const char *body, const char *secret, const char *prev, struct outcome *o)
{
	struct zt_http_call c;
	struct sock_check k = {!zt_config_production(&zt_g.cfg), 0};
	long long t = (long long)time(NULL);
	int64_t start = zt_time_mono_ms();
	char why[200];

	memset(&c, 0, sizeof(c));
	memset(o, 0, sizeof(*o));
	if (zt_http_check_base("webhook", url, why, sizeof(why)) != 0 ||
	    (!k.allow_local && strncmp(url, "https://", 8) != 0)) {
		snprintf(o->error, sizeof(o->error), "url refused");
		return;
	}
	c.prov = "webhook";
	c.user_agent = "ztic-webhooks/1 (+libcurl)";
	c.url = url;
	c.body = body;
	c.body_len = strlen(body);
	c.timeout_ms = ZT_WHOUT_TIMEOUT_MS;
	c.cap = ZT_WHOUT_RESPONSE_PREFIX;
	c.opensocket = open_checked;
	c.opensocket_data = &k;
	c.headers = zt_http_header(NULL, "Content-Type: application/json");
	c.headers = zt_http_header(c.headers, "Ztic-Signature: %s",
	    zt_whout_signature(req->arena, t, body, secret, prev));
	c.headers = zt_http_header(c.headers, "Ztic-Event: %s", type);
	c.headers = zt_http_header(c.headers, "Ztic-Delivery: %s", id);
	if (zt_http_perform(&c, why, sizeof(why)) == 0) {
		o->status = c.status;
		zt_http_clean_copy(o->prefix, sizeof(o->prefix), c.resp.p);
		if (c.status < 200 || c.status > 299)
			snprintf(
			    o->error, sizeof(o->error), "HTTP %ld", c.status);
	} else if (k.refused) {
		snprintf(o->error, sizeof(o->error),
		    "address refused: private, loopback or link-local");
	} else {
		zt_http_clean_copy(o->error, sizeof(o->error), why);
	}
	o->ms = (long)(zt_time_mono_ms() - start);
	zt_http_call_free(&c);
}

/* Disable the endpoint and queue an email to every owner (same txn). */
static int
disable(struct zt_req *req, const char *tenant, const char *endpoint,
    const char *url, const char *tname, const char *since, const char *why)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {endpoint, why};
	PGresult *r;
	if ((r = zt_db_exec(req, &err, &q_disable, p)) == NULL)
		return -1;
	if (PQntuples(r) == 0)
		return 0;
	p[0] = tenant;
	if ((r = zt_db_exec(req, &err, &q_owners, p)) == NULL)
		return -1;
	for (int i = 0; i < PQntuples(r); i++) {
		struct json_object *m = json_object_new_object();
		json_object_object_add(
		    m, "template", json_object_new_string("webhook.disabled"));
		json_object_object_add(m, "url", json_object_new_string(url));
		json_object_object_add(
		    m, "tenantName", json_object_new_string(tname));
		json_object_object_add(
		    m, "since", json_object_new_string(since));
		json_object_object_add(
		    m, "reason", json_object_new_string(why));
		json_object_object_add(m, "link",
		    json_object_new_string(zt_arena_printf(req->arena,
			"%s/organizer/integrations.html",
			zt_g.cfg.public_url)));
		enum zt_err e =
		    zt_outbox_enqueue(req, "email", PQgetvalue(r, i, 0), m);
		json_object_put(m);
		if (e != ZT_OK)
			return -1;
	}
	zt_log_warn("webhooks", "endpoint %s disabled: %s", endpoint, why);
	return 0;
}

/* One delivery: 1 sent, 0 failed or skipped, -1 database failure. */
static int
send_one(struct zt_req *req, const char *id, const char *tenant, int *failed)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct outcome o;
	char status[16], ms[16], wait[24], after[16];
	const char *p[6];
	PGresult *r;
	int rc = -1;

	if (zt_db_begin_tenant(req, &err, tenant, "") != ZT_OK)
		return -1;
	p[0] = id;
	if ((r = zt_db_exec(req, &err, &q_lock, p)) == NULL)
		goto out;
	if (PQntuples(r) == 0) {
		rc = 0; /* taken by another sender, or no longer due */
		goto out;
	}
	const char *endpoint = PQgetvalue(r, 0, 6);
	int tries = atoi(PQgetvalue(r, 0, 2)) + 1;
	post(req, id, PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 3),
	    PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 4), zt_db_val(r, 0, 5), &o);
	endpoint = zt_arena_strdup(req->arena, endpoint);
	snprintf(status, sizeof(status), "%ld", o.status);
	snprintf(ms, sizeof(ms), "%ld", o.ms);
	p[0] = tenant;
	p[1] = id;
	p[2] = o.status ? status : NULL;
	p[3] = ms;
	p[4] = o.prefix;
	p[5] = o.error[0] ? o.error : NULL;
	if (zt_db_queue(req, &err, &q_attempt, p, NULL) != ZT_OK)
		goto out;
	p[0] = id;
	p[1] = o.status ? status : NULL;
	if (o.error[0] == '\0') {
		if (zt_db_exec(req, &err, &q_ok, p) == NULL)
			goto out;
		zt_metrics_count(ZT_MC_WEBHOOK_DELIVERIES, 1);
		rc = 1;
	} else {
		snprintf(wait, sizeof(wait), "%ld", backoff(tries));
		snprintf(after, sizeof(after), "%d", ZT_WHOUT_DISABLE_AFTER);
		p[2] = o.error;
		p[3] = wait;
		p[4] = after;
		if ((r = zt_db_exec(req, &err, &q_fail, p)) == NULL)
			goto out;
		zt_log_warn("webhooks", "delivery %s try %d failed: %s", id,
		    tries, o.error);
		zt_metrics_count(ZT_MC_WEBHOOK_FAILURES, 1);
		(*failed)++;
		if (PQntuples(r) > 0 && strcmp(PQgetvalue(r, 0, 0), "t") == 0 &&
		    disable(req, tenant, endpoint, PQgetvalue(r, 0, 1),
			PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3),
			zt_arena_printf(req->arena,
			    "failing for more than %d hours (last: %s)",
			    ZT_WHOUT_DISABLE_AFTER / 3600, o.error)) != 0)
			goto out;
		rc = 0;
	}
	if (zt_db_commit(req, &err) != ZT_OK)
		rc = -1;
out:
	zt_db_rollback();
	return rc;
}

int
zt_whout_drain(int limit, int *sent, int *failed)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct zt_req *req = zt_req_new(NULL, NULL);
	char lim[16];
	const char *p[1] = {lim};
	const char **ids, **tenants;
	PGresult *r;
	int n, rc = 0;

	*sent = *failed = 0;
	snprintf(lim, sizeof(lim), "%d", limit < BATCH ? limit : BATCH);
	if (zt_db_begin_system(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_due, p)) == NULL) {
		zt_db_rollback();
		zt_req_free(req);
		return -1;
	}
	n = PQntuples(r);
	ids = zt_arena_array(req->arena, (size_t)n + 1, sizeof(char *));
	tenants = zt_arena_array(req->arena, (size_t)n + 1, sizeof(char *));
	for (int i = 0; i < n; i++) {
		ids[i] = zt_arena_strdup(req->arena, PQgetvalue(r, i, 0));
		tenants[i] = zt_arena_strdup(req->arena, PQgetvalue(r, i, 1));
	}
	zt_db_rollback();
	for (int i = 0; i < n; i++) {
		int one = send_one(req, ids[i], tenants[i], failed);
		if (one < 0) {
			rc = -1;
			break;
		}
		*sent += one;
	}
	zt_req_free(req);
	return rc;
}

/* zt_checkin_offline.c - offline scanning: the bundle a device judges
 * payloads from, the sync of its scans (first-scan-wins, idempotent
 * replay) and the duplicates list; see zt_checkin.h and docs/checkin.md. */
#include "zt_checkin_int.h"

#include "zt_crypto.h"
#include "zt_json.h"
#include "zt_metrics.h"
#include "zt_time.h"
#include "zt_whout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ SQL ---- */

/* first-scan-wins: the standing admission becomes a duplicate of the
 * earlier scan, which takes its place */
static struct zt_sql q_demote = ZT_SQL("ck_demote",
    "INSERT INTO checkin_duplicates (tenant_id, event_id, ticket_id,"
    " admission_id, gate_id, scanned_by, scanned_at, device_id, recorded_at)"
    " SELECT tenant_id, event_id, ticket_id, id, gate_id, scanned_by,"
    " scanned_at, device_id, recorded_at FROM admissions WHERE id = $1"
    " ON CONFLICT DO NOTHING",
    1);
static struct zt_sql q_displace = ZT_SQL("ck_displace",
    "UPDATE admissions SET gate_id = $2, scanned_by = $3,"
    " scanned_at = to_timestamp($4::bigint), device_id = $5,"
    " recorded_at = now() WHERE id = $1",
    5);
/* a scan this device sent before */
static struct zt_sql q_replay = ZT_SQL("ck_replay",
    "SELECT 'admitted' FROM admissions a WHERE a.ticket_id = $1"
    " AND a.device_id = $2 AND a.scanned_at = to_timestamp($3::bigint)"
    " UNION ALL SELECT 'duplicate' FROM checkin_duplicates d"
    " WHERE d.ticket_id = $1 AND d.device_id = $2"
    " AND d.scanned_at = to_timestamp($3::bigint) LIMIT 1",
    3);
/* the offline bundle: every ticket of the event, live or not */
enum bt_col { BT_ID, BT_BOOKING, BT_STATUS, BT_LABEL, BT_HOLDER };
static struct zt_sql q_bundle_tickets = ZT_SQL("ck_bundle_tickets",
    "SELECT t.id, t.booking_id, " ZT__CK_STATUS ", " ZT__CK_LABEL ","
    " coalesce(b.buyer_name, '') FROM tickets t"
    " JOIN bookings b ON b.id = t.booking_id"
    " WHERE t.event_id = $1 ORDER BY t.id",
    1);
static struct zt_sql q_bundle_admitted = ZT_SQL("ck_bundle_admitted",
    "SELECT a.ticket_id, g.name,"
    " floor(extract(epoch FROM a.scanned_at))::bigint"
    " FROM admissions a JOIN gates g ON g.id = a.gate_id"
    " WHERE a.event_id = $1 AND a.undone_at IS NULL ORDER BY a.ticket_id",
    1);
/* the bundle's version: the time (ms) of the latest change it reflects */
static struct zt_sql q_version = ZT_SQL("ck_version",
    "SELECT (extract(epoch FROM greatest("
    " (SELECT max(greatest(a.recorded_at, a.undone_at)) FROM admissions a"
    "  WHERE a.event_id = $1),"
    " (SELECT max(t.updated_at) FROM tickets t WHERE t.event_id = $1),"
    " (SELECT max(greatest(k.created_at, k.retired_at, k.revoked_at))"
    "  FROM ticket_keys k WHERE k.tenant_id = $2),"
    " (SELECT e.updated_at FROM events e WHERE e.id = $1))) * 1000)::bigint",
    2);
enum dp_col {
	DP_TICKET,
	DP_LABEL,
	DP_HOLDER,
	DP_GATE1,
	DP_AT1,
	DP_BY1,
	DP_DEV1,
	DP_GATE2,
	DP_AT2,
	DP_BY2,
	DP_DEV2
};
static struct zt_sql q_duplicates = ZT_SQL("ck_duplicates",
    "SELECT d.ticket_id, " ZT__CK_LABEL ", coalesce(b.buyer_name, ''),"
    " g1.name, floor(extract(epoch FROM a.scanned_at))::bigint,"
    " " ZT__CK_NAME_U1 ", a.device_id,"
    " g2.name, floor(extract(epoch FROM d.scanned_at))::bigint,"
    " " ZT__CK_NAME_U2 ", d.device_id"
    " FROM checkin_duplicates d JOIN admissions a ON a.id = d.admission_id"
    " JOIN gates g1 ON g1.id = a.gate_id"
    " JOIN users u1 ON u1.id = a.scanned_by"
    " JOIN gates g2 ON g2.id = d.gate_id"
    " JOIN users u2 ON u2.id = d.scanned_by"
    " JOIN tickets t ON t.id = d.ticket_id"
    " JOIN bookings b ON b.id = t.booking_id"
    " WHERE d.event_id = $1 ORDER BY d.recorded_at DESC, d.id LIMIT 1000",
    1);

/* ---------------------------------------------------------- bundle ---- */

static const char *
key_status_name(enum zt_ticket_key_status s)
{
	return s == ZT_TICKET_KEY_ACTIVE ? "active" : "retired";
}

enum zt_err
zt_checkin_bundle(
    struct zt_req *req, const char *event, struct json_object **out)
{
	struct zt__ck_ctx c;
	PGresult *tk = NULL, *ad = NULL, *ver;
	const char *p[2] = {event, req->tenant_id};
	struct json_object *ev, *keys, *revoked, *admitted, *tickets;
	enum zt_err e;
	*out = NULL;
	if ((e = zt__ck_begin(req, ZT_ROLE_SCANNER, event, 1, NULL, &c)) !=
		ZT_OK ||
	    (e = zt__ck_queue(req, &q_bundle_tickets, p, &tk)) != ZT_OK ||
	    (e = zt__ck_queue(req, &q_bundle_admitted, p, &ad)) != ZT_OK ||
	    (e = zt__ck_run(req, &q_version, p, &ver)) != ZT_OK)
		return e;
	zt_db_rollback();
	ev = json_object_new_object();
	json_object_object_add(ev, "id", json_object_new_string(event));
	json_object_object_add(
	    ev, "name", json_object_new_string(PQgetvalue(c.ev, 0, EV_TITLE)));
	json_object_object_add(
	    ev, "startsAt", zt_json_epoch(PQgetvalue(c.ev, 0, EV_STARTS)));
	json_object_object_add(
	    ev, "endsAt", zt_json_epoch(PQgetvalue(c.ev, 0, EV_ENDS)));
	json_object_object_add(
	    ev, "tenantId", json_object_new_string(req->tenant_id));
	json_object_object_add(ev, "timezone", json_object_new_string(c.tz));
	keys = json_object_new_array();
	for (size_t i = 0; i < c.nkeys; i++) {
		struct json_object *k;
		if (c.keys[i].status == ZT_TICKET_KEY_REVOKED)
			continue; /* their payloads must be refused */
		k = json_object_new_object();
		json_object_object_add(
		    k, "kid", json_object_new_int64(c.keys[i].kid));
		json_object_object_add(k, "publicKey",
		    json_object_new_string(
			zt_b64url(req->arena, c.keys[i].pk, 32)));
		json_object_object_add(k, "status",
		    json_object_new_string(key_status_name(c.keys[i].status)));
		json_object_array_add(keys, k);
	}
	revoked = json_object_new_array();
	tickets = json_object_new_array();
	for (int i = 0; i < PQntuples(tk); i++) {
		if (strcmp(PQgetvalue(tk, i, BT_STATUS), "unpaid") == 0)
			continue; /* neither admits nor is refused: not yet */
		if (strcmp(PQgetvalue(tk, i, BT_STATUS), "live") != 0) {
			json_object_array_add(revoked,
			    json_object_new_string(PQgetvalue(tk, i, BT_ID)));
			continue;
		}
		json_object_array_add(
		    tickets, zt__ck_ticket_json(tk, i, BT_ID, BT_BOOKING,
				 BT_LABEL, BT_HOLDER));
	}
	admitted = json_object_new_array();
	for (int i = 0; i < PQntuples(ad); i++) {
		struct json_object *a = json_object_new_object();
		json_object_object_add(a, "ticketId",
		    json_object_new_string(PQgetvalue(ad, i, 0)));
		json_object_object_add(
		    a, "gate", json_object_new_string(PQgetvalue(ad, i, 1)));
		json_object_object_add(
		    a, "at", zt_json_epoch(PQgetvalue(ad, i, 2)));
		json_object_array_add(admitted, a);
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "version",
	    json_object_new_int64(atoll(PQgetvalue(ver, 0, 0))));
	json_object_object_add(*out, "event", ev);
	json_object_object_add(*out, "keys", keys);
	json_object_object_add(*out, "revoked", revoked);
	json_object_object_add(*out, "admitted", admitted);
	json_object_object_add(*out, "tickets", tickets);
	req->trim_heap = PQntuples(tk) > 5000;
	return ZT_OK;
}

/* ------------------------------------------------------------ sync ---- */

static struct json_object *
sync_result(int index, const char *result, const char *code,
    const char *message, const char *ticket)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "index", json_object_new_int(index));
	json_object_object_add(o, "result", json_object_new_string(result));
	json_object_object_add(o, "code", json_object_new_string(code));
	json_object_object_add(o, "message", json_object_new_string(message));
	json_object_object_add(o, "ticketId", zt_json_nullable(ticket));
	return o;
}

/* One synced scan, in the open transaction; *res its result, *admitted
 * set when it (re)admitted the ticket. */
static enum zt_err
sync_one(struct zt_req *req, struct zt__ck_ctx *c, const char *device,
    int index, const struct zt_checkin_scan *s, struct json_object **res,
    int *admitted)
{
	struct zt_checkin_ticket row;
	enum zt_checkin_verdict v;
	PGresult *tk, *r, *st;
	const char *gate, *at;
	char msg[200];
	enum zt_err e;
	*admitted = 0;
	if ((e = zt__ck_read_ticket(req, s, &tk, &row)) != ZT_OK)
		return e;
	v = s->scanned_at > c->now + ZT_CHECKIN_CLOCK_AHEAD
		? ZT_CHECKIN_CLOCK
		: zt_checkin_judge(c->event, s->payload, c->keys, c->nkeys,
		      c->from, c->until, s->scanned_at, &row);
	if (v != ZT_CHECKIN_OK) {
		*res = sync_result(index, "refused", zt_checkin_verdict_code(v),
		    zt__ck_message(v), row.found ? row.id : NULL);
		return ZT_OK;
	}
	at = zt_arena_printf(req->arena, "%lld", (long long)s->scanned_at);
	{
		const char *p[3] = {row.id, device, at};
		if ((e = zt__ck_run(req, &q_replay, p, &r)) != ZT_OK)
			return e;
	}
	if (PQntuples(r) > 0 && strcmp(PQgetvalue(r, 0, 0), "admitted") == 0) {
		*res = sync_result(
		    index, "admitted", "admitted", "Admitted", row.id);
		return ZT_OK;
	}
	if (PQntuples(r) > 0) {
		const char *p[2] = {row.id, c->tz};
		if ((e = zt__ck_run(req, &zt__ck_q_standing, p, &st)) != ZT_OK)
			return e;
		if (PQntuples(st) > 0)
			zt__ck_already(st, msg, sizeof(msg), NULL);
		else
			snprintf(msg, sizeof(msg), "Already admitted");
		*res = sync_result(
		    index, "duplicate", "already_admitted", msg, row.id);
		return ZT_OK;
	}
	if ((e = zt__ck_gate_id(req, c, s->gate, &gate)) != ZT_OK)
		return e;
	{
		const char *p[7] = {req->tenant_id, c->event, row.id, gate,
		    req->user_id, at, device};
		if ((e = zt__ck_run(req, &zt__ck_q_admit, p, &r)) != ZT_OK)
			return e;
	}
	if (PQntuples(r) > 0) {
		if ((e = zt_whout_event(req, req->tenant_id,
			 "ticket.checked_in", "ticketId", row.id, "eventId",
			 c->event, "gate", s->gate, "deviceId", device,
			 NULL)) != ZT_OK)
			return e;
		*admitted = 1;
		*res = sync_result(
		    index, "admitted", "admitted", "Admitted", row.id);
		return ZT_OK;
	}
	{
		const char *p[2] = {row.id, c->tz};
		if ((e = zt__ck_run(req, &zt__ck_q_standing, p, &st)) != ZT_OK)
			return e;
	}
	if (PQntuples(st) == 0)
		return zt_fail(req, ZT_ECONFLICT, "retry",
		    "a ticket's admission was just undone: sync again");
	if (atoll(PQgetvalue(st, 0, ST_AT)) > s->scanned_at) {
		/* this scan came first: it stands, the other is the
		 * duplicate */
		const char *d[1] = {PQgetvalue(st, 0, ST_ID)};
		const char *u[5] = {
		    PQgetvalue(st, 0, ST_ID), gate, req->user_id, at, device};
		if ((e = zt__ck_queue(req, &q_demote, d, NULL)) != ZT_OK ||
		    (e = zt__ck_run(req, &q_displace, u, &r)) != ZT_OK)
			return e;
		*admitted = 1;
		*res = sync_result(
		    index, "admitted", "admitted", "Admitted", row.id);
		return ZT_OK;
	}
	{
		const char *d[8] = {req->tenant_id, c->event, row.id,
		    PQgetvalue(st, 0, ST_ID), gate, req->user_id, at, device};
		if ((e = zt__ck_run(req, &zt__ck_q_dup, d, &r)) != ZT_OK)
			return e;
	}
	zt__ck_already(st, msg, sizeof(msg), NULL);
	*res = sync_result(index, "duplicate", "already_admitted", msg, row.id);
	return ZT_OK;
}

enum zt_err
zt_checkin_sync(struct zt_req *req, const char *event, const char *device,
    const struct zt_checkin_scan *scans, size_t n, struct json_object **out)
{
	struct zt__ck_ctx c;
	struct json_object *results = NULL;
	struct zt__ck_counts cnt;
	struct zt__ck_counts_q cn = {0};
	PGresult *ver = NULL;
	const char *last_gate = NULL;
	int any = 0; /* scans that admitted a ticket */
	enum zt_err e;
	*out = NULL;
	if ((e = zt__ck_begin(req, ZT_ROLE_SCANNER, event, 1, NULL, &c)) !=
	    ZT_OK)
		return e;
	results = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *res = NULL;
		int admitted = 0;
		if ((e = sync_one(req, &c, device, (int)i, &scans[i], &res,
			 &admitted)) != ZT_OK)
			goto out;
		json_object_array_add(results, res);
		if (admitted) {
			any++;
			last_gate = scans[i].gate;
		}
	}
	{
		const char *p[2] = {event, req->tenant_id};
		const char *g = NULL;
		if (last_gate != NULL &&
		    (e = zt__ck_gate_id(req, &c, last_gate, &g)) != ZT_OK)
			goto out;
		if ((e = zt__ck_counts_queue(req, &c, g, &cn)) != ZT_OK ||
		    (e = zt__ck_queue(req, &q_version, p, &ver)) != ZT_OK ||
		    (e = zt__ck_commit(req)) != ZT_OK)
			goto out;
	}
	zt__ck_counts_of(&cn, &cnt);
	zt_metrics_count(ZT_MC_CHECKINS, any);
	if (any)
		zt__ck_publish(req, event, last_gate, &cnt);
	*out = json_object_new_object();
	json_object_object_add(*out, "results", results);
	results = NULL;
	json_object_object_add(*out, "version",
	    json_object_new_int64(
		ver && PQntuples(ver) ? atoll(PQgetvalue(ver, 0, 0)) : 0));
	json_object_object_add(*out, "counts", zt__ck_counts_json(&cnt));
	e = ZT_OK;
out:
	if (results != NULL)
		json_object_put(results);
	return e;
}

/* ------------------------------------------------------ duplicates ---- */

static struct json_object *
scan_json(const PGresult *r, int i, int gate, int at, int by, int dev)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(
	    o, "gate", json_object_new_string(PQgetvalue(r, i, gate)));
	json_object_object_add(o, "at", zt_json_epoch(PQgetvalue(r, i, at)));
	json_object_object_add(
	    o, "by", json_object_new_string(PQgetvalue(r, i, by)));
	json_object_object_add(
	    o, "deviceId", zt_json_nullable(zt_db_val(r, i, dev)));
	return o;
}

enum zt_err
zt_checkin_duplicates(
    struct zt_req *req, const char *event, struct json_object **out)
{
	struct zt__ck_ctx c;
	PGresult *r;
	const char *p[1] = {event};
	struct json_object *arr;
	enum zt_err e;
	*out = NULL;
	if ((e = zt__ck_begin(req, ZT_ROLE_SCANNER, event, 0, NULL, &c)) !=
		ZT_OK ||
	    (e = zt__ck_run(req, &q_duplicates, p, &r)) != ZT_OK)
		return e;
	zt_db_rollback();
	arr = json_object_new_array();
	for (int i = 0; i < PQntuples(r); i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "ticketId",
		    json_object_new_string(PQgetvalue(r, i, DP_TICKET)));
		json_object_object_add(o, "label",
		    json_object_new_string(PQgetvalue(r, i, DP_LABEL)));
		json_object_object_add(o, "holder",
		    json_object_new_string(PQgetvalue(r, i, DP_HOLDER)));
		json_object_object_add(o, "first",
		    scan_json(r, i, DP_GATE1, DP_AT1, DP_BY1, DP_DEV1));
		json_object_object_add(o, "second",
		    scan_json(r, i, DP_GATE2, DP_AT2, DP_BY2, DP_DEV2));
		json_object_array_add(arr, o);
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "duplicates", arr);
	return ZT_OK;
}

/* zt_checkin.c - admitting tickets at the gate: the rules, a scan, undo,
 * the counts; see zt_checkin.h and docs/checkin.md.  The offline part
 * (bundle, sync, duplicates) is zt_checkin_offline.c. */
#include "zt_checkin_int.h"

#include "zt_crypto.h"
#include "zt_json.h"
#include "zt_live.h"
#include "zt_metrics.h"
#include "zt_server.h"
#include "zt_time.h"
#include "zt_whout.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIVE_TOTAL                                                             \
	"(SELECT count(*) FROM tickets t WHERE t.event_id = $1"                \
	" AND t.status = 'live')"

/* ------------------------------------------------------------ SQL ---- */

/* the event as the caller's tenant's own (a published event of another
 * tenant is visible through the catalogue policy: the tenant is compared),
 * with the manual entry's window (docs/tickets.md, "Validity window") */
static struct zt_sql q_event = ZT_SQL("ck_event",
    "SELECT e.title, floor(extract(epoch FROM e.starts_at))::bigint,"
    " floor(extract(epoch FROM e.ends_at))::bigint,"
    " floor(extract(epoch FROM e.starts_at - interval '12 hours'))::bigint,"
    " floor(extract(epoch FROM e.ends_at + interval '6 hours'))::bigint,"
    " e.timezone, floor(extract(epoch FROM now()))::bigint"
    " FROM events e WHERE e.id = $1 AND e.tenant_id = $2",
    2);
static struct zt_sql q_keys = ZT_SQL("ck_keys",
    "SELECT kid, encode(public_key, 'hex'), status FROM ticket_keys"
    " WHERE tenant_id = $1 ORDER BY created_at, kid",
    1);
static struct zt_sql q_gate_find = ZT_SQL("ck_gate_find",
    "SELECT id FROM gates WHERE event_id = $1 AND name = $2", 2);
static struct zt_sql q_gate_make = ZT_SQL("ck_gate_make",
    "INSERT INTO gates (tenant_id, event_id, name) VALUES ($1, $2, $3)"
    " ON CONFLICT (event_id, name) DO NOTHING RETURNING id",
    3);
/* the ticket of the caller's tenant (a buyer's own tickets of other
 * tenants are visible to them: the tenant is compared) */
enum tk_col { TK_ID, TK_EVENT, TK_STATUS, TK_BOOKING, TK_LABEL, TK_HOLDER };
static struct zt_sql q_ticket = ZT_SQL("ck_ticket",
    "SELECT t.id, t.event_id, " ZT__CK_STATUS ", t.booking_id, " ZT__CK_LABEL
    ","
    " coalesce(b.buyer_name, '')"
    " FROM tickets t JOIN bookings b ON b.id = t.booking_id"
    " WHERE t.id = $1 AND t.tenant_id = $2",
    2);
struct zt_sql zt__ck_q_admit = ZT_SQL("ck_admit",
    "INSERT INTO admissions (tenant_id, event_id, ticket_id, gate_id,"
    " scanned_by, scanned_at, device_id) VALUES ($1, $2, $3, $4, $5,"
    " coalesce(to_timestamp($6::bigint), now()), $7)"
    " ON CONFLICT (ticket_id) WHERE undone_at IS NULL DO NOTHING"
    " RETURNING id, floor(extract(epoch FROM scanned_at))::bigint,"
    " (SELECT " ZT__CK_NAME_U " FROM users u WHERE u.id = $5)",
    7);
struct zt_sql zt__ck_q_standing = ZT_SQL("ck_standing",
    "SELECT a.id, g.name, floor(extract(epoch FROM a.scanned_at))::bigint,"
    " to_char(a.scanned_at AT TIME ZONE $2, 'HH24:MI:SS'),"
    " " ZT__CK_NAME_U ", a.device_id"
    " FROM admissions a JOIN gates g ON g.id = a.gate_id"
    " JOIN users u ON u.id = a.scanned_by"
    " WHERE a.ticket_id = $1 AND a.undone_at IS NULL FOR UPDATE OF a",
    2);
struct zt_sql zt__ck_q_dup = ZT_SQL("ck_dup",
    "INSERT INTO checkin_duplicates (tenant_id, event_id, ticket_id,"
    " admission_id, gate_id, scanned_by, scanned_at, device_id)"
    " VALUES ($1, $2, $3, $4, $5, $6,"
    " coalesce(to_timestamp($7::bigint), now()), $8) ON CONFLICT DO NOTHING",
    8);
enum ct_col { CT_ADMITTED, CT_GATE };
static struct zt_sql q_counts = ZT_SQL("ck_counts",
    "SELECT coalesce(sum(g.admitted), 0),"
    " coalesce(sum(g.admitted) FILTER (WHERE g.id = $2), 0)"
    " FROM gates g WHERE g.event_id = $1",
    2);
static struct zt_sql q_total = ZT_SQL("ck_total", "SELECT " LIVE_TOTAL, 1);
static struct zt_sql q_undo = ZT_SQL("ck_undo",
    "UPDATE admissions a SET undone_at = now(), undone_by = $3"
    " WHERE a.ticket_id = $1 AND a.event_id = $2 AND a.undone_at IS NULL"
    " AND a.recorded_at > now() - make_interval(secs => $4)"
    " RETURNING a.gate_id, (SELECT g.name FROM gates g"
    " WHERE g.id = a.gate_id)",
    4);
static struct zt_sql q_admitted = ZT_SQL("ck_admitted",
    "SELECT 1 FROM admissions WHERE ticket_id = $1 AND event_id = $2"
    " AND undone_at IS NULL",
    2);
static struct zt_sql q_gates = ZT_SQL("ck_gates",
    "SELECT name, admitted FROM gates WHERE event_id = $1 ORDER BY name", 1);
static struct zt_sql q_scanners = ZT_SQL("ck_scanners",
    "SELECT " ZT__CK_NAME_U ", count(*) FROM admissions a"
    " JOIN users u ON u.id = a.scanned_by"
    " WHERE a.event_id = $1 AND a.undone_at IS NULL"
    " GROUP BY u.id, 1 ORDER BY 2 DESC, 1",
    1);
static struct zt_sql q_stat_totals = ZT_SQL("ck_stat_totals",
    "SELECT " LIVE_TOTAL ", (SELECT count(*) FROM checkin_duplicates d"
    " WHERE d.event_id = $1)",
    1);

/* ------------------------------------------------------ the rules ---- */

static const struct {
	enum zt_err err;
	const char *code;
	const char *message;
} verdicts[ZT_CHECKIN__COUNT] = {
    [ZT_CHECKIN_OK] = {ZT_OK, "admitted", "Admitted"},
    [ZT_CHECKIN_MALFORMED] = {ZT_EBADREQ, "malformed",
	"Not a ticket code: scan again, or enter the booking by hand"},
    [ZT_CHECKIN_FORGED] = {ZT_EINVALID, "forged",
	"Not a genuine ticket of this organizer: do not admit"},
    [ZT_CHECKIN_REVOKED_KEY] = {ZT_EINVALID, "revoked_key",
	"This code was signed with a withdrawn key: ask the holder to open "
	"their booking again for a fresh code"},
    [ZT_CHECKIN_WRONG_EVENT] = {ZT_EINVALID, "wrong_event",
	"Ticket for another event: do not admit here"},
    [ZT_CHECKIN_NOT_YET_VALID] = {ZT_EINVALID, "not_yet_valid",
	"Not valid yet: this ticket opens 12 hours before the event"},
    [ZT_CHECKIN_EXPIRED] = {ZT_EINVALID, "expired",
	"Expired: this ticket was for an event that has ended"},
    [ZT_CHECKIN_NOT_FOUND] = {ZT_ENOTFOUND, "ticket_not_found",
	"No such ticket for this organizer"},
    [ZT_CHECKIN_REFUNDED] = {ZT_EGONE, "ticket_refunded",
	"Refunded ticket: do not admit"},
    [ZT_CHECKIN_CANCELLED] = {ZT_EGONE, "ticket_cancelled",
	"Cancelled ticket: do not admit"},
    [ZT_CHECKIN_CLOCK] = {ZT_EINVALID, "clock_ahead",
	"The scanning device's clock is ahead of the server's: set its time"},
    [ZT_CHECKIN_UNPAID] = {ZT_EINVALID, "booking_not_confirmed",
	"This booking is not paid: do not admit"},
};

enum zt_err
zt_checkin_verdict_err(enum zt_checkin_verdict v)
{
	return verdicts[v].err;
}

const char *
zt__ck_message(enum zt_checkin_verdict v)
{
	return verdicts[v].message;
}

const char *
zt_checkin_verdict_code(enum zt_checkin_verdict v)
{
	return verdicts[v].code;
}

int
zt_checkin_payload_ticket(const char *payload, char out[ZT_UUID_BUF])
{
	struct zt_ticket t;
	unsigned char sig[ZT_TICKET_SIG_LEN];
	if (payload == NULL ||
	    zt_ticket_parse(payload, strlen(payload), &t, sig) != 0)
		return -1;
	zt_uuid_format(t.ticket, out);
	return 0;
}

enum zt_checkin_verdict
zt_checkin_judge(const char *event, const char *payload,
    const struct zt_ticket_pubkey *keys, size_t n, int64_t from, int64_t until,
    int64_t at, const struct zt_checkin_ticket *row)
{
	if (payload != NULL) {
		struct zt_ticket t;
		char ev[ZT_UUID_BUF];
		switch (
		    zt_ticket_verify(payload, strlen(payload), keys, n, &t)) {
		case ZT_TICKET_VALID:
			break;
		case ZT_TICKET_MALFORMED:
			return ZT_CHECKIN_MALFORMED;
		case ZT_TICKET_REVOKED:
			return ZT_CHECKIN_REVOKED_KEY;
		case ZT_TICKET_UNKNOWN_KID:
		case ZT_TICKET_FORGED:
		default:
			return ZT_CHECKIN_FORGED;
		}
		zt_uuid_format(t.event, ev);
		if (strcmp(ev, event) != 0)
			return ZT_CHECKIN_WRONG_EVENT;
		from = t.valid_from;
		until = t.valid_until;
	}
	if (at < from)
		return ZT_CHECKIN_NOT_YET_VALID;
	if (at > until)
		return ZT_CHECKIN_EXPIRED;
	if (row == NULL || !row->found)
		return ZT_CHECKIN_NOT_FOUND;
	if (strcmp(row->event, event) != 0)
		return ZT_CHECKIN_WRONG_EVENT;
	if (row->status != NULL && strcmp(row->status, "refunded") == 0)
		return ZT_CHECKIN_REFUNDED;
	if (row->status != NULL && strcmp(row->status, "unpaid") == 0)
		return ZT_CHECKIN_UNPAID;
	if (row->status == NULL || strcmp(row->status, "live") != 0)
		return ZT_CHECKIN_CANCELLED;
	return ZT_CHECKIN_OK;
}

/* ----------------------------------------------------- the context ---- */

enum zt_err
zt__ck_run(
    struct zt_req *req, struct zt_sql *q, const char *const *p, PGresult **r)
{
	struct zt_error err = ZT_ERROR_INIT;
	*r = zt_db_exec(req, &err, q, p);
	return *r != NULL ? ZT_OK : zt_fail_error(req, &err);
}

enum zt_err
zt__ck_queue(
    struct zt_req *req, struct zt_sql *q, const char *const *p, PGresult **r)
{
	struct zt_error err = ZT_ERROR_INIT;
	if (zt_db_queue(req, &err, q, p, r) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

enum zt_err
zt__ck_commit(struct zt_req *req)
{
	struct zt_error err = ZT_ERROR_INIT;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

static enum zt_err
not_found(struct zt_req *req, const char *event)
{
	zt_db_rollback();
	return zt_fail(
	    req, ZT_ENOTFOUND, "event_not_found", "no such event: %s", event);
}

/* the q_ticket parameter of a scan (id: room for the payload's) */
static const char *
ticket_param(const struct zt_checkin_scan *s, char id[ZT_UUID_BUF])
{
	if (s->payload == NULL)
		return s->ticket;
	return zt_checkin_payload_ticket(s->payload, id) == 0 ? id : NULL;
}

/* zt_checkin_int.h: the role, then the event (with the keys, and for a
 * scan its ticket and gate) in one round trip. */
enum zt_err
zt__ck_begin(struct zt_req *req, enum zt_role min, const char *event, int keys,
    const struct zt_checkin_scan *scan, struct zt__ck_ctx *c)
{
	const char *p[2] = {event, req->tenant_id};
	enum zt_err e;
	memset(c, 0, sizeof(*c));
	c->event = event;
	if ((e = zt_team_begin(req, min, NULL)) != ZT_OK)
		return e;
	if (keys &&
	    (e = zt__ck_queue(req, &q_keys, p + 1, &c->keys_r)) != ZT_OK)
		return e;
	if (scan != NULL) {
		/* the event, the keys, the gate and the ticket in one round
		 * trip; under row-level security the ticket and the gate are
		 * the caller's tenant's, and nothing of them is used when the
		 * event is not */
		char id[ZT_UUID_BUF];
		const char *g[2] = {event, scan->gate};
		const char *t[2] = {ticket_param(scan, id), req->tenant_id};
		c->gate_pre_name = scan->gate;
		if ((e = zt__ck_queue(req, &q_event, p, &c->ev)) != ZT_OK ||
		    (e = zt__ck_queue(req, &q_gate_find, g, &c->gate_pre)) !=
			ZT_OK ||
		    (e = zt__ck_run(req, &q_ticket, t, &c->tk)) != ZT_OK)
			return e;
	} else if ((e = zt__ck_run(req, &q_event, p, &c->ev)) != ZT_OK)
		return e;
	if (PQntuples(c->ev) == 0)
		return not_found(req, event);
	c->from = atoll(PQgetvalue(c->ev, 0, EV_FROM));
	c->until = atoll(PQgetvalue(c->ev, 0, EV_UNTIL));
	c->now = atoll(PQgetvalue(c->ev, 0, EV_NOW));
	c->tz = PQgetvalue(c->ev, 0, EV_TZ);
	if (keys && c->keys_r != NULL) {
		int n = PQntuples(c->keys_r);
		c->keys = zt_arena_alloc(
		    req->arena, sizeof(*c->keys) * (size_t)(n ? n : 1));
		for (int i = 0; i < n; i++) {
			struct zt_ticket_pubkey *k = &c->keys[c->nkeys];
			const char *hex = PQgetvalue(c->keys_r, i, 1);
			const char *st = PQgetvalue(c->keys_r, i, 2);
			if (sodium_hex2bin(k->pk, 32, hex, strlen(hex), NULL,
				NULL, NULL) != 0)
				continue;
			k->kid = (uint32_t)strtoul(
			    PQgetvalue(c->keys_r, i, 0), NULL, 10);
			k->status = strcmp(st, "active") == 0
					? ZT_TICKET_KEY_ACTIVE
				    : strcmp(st, "retired") == 0
					? ZT_TICKET_KEY_RETIRED
					: ZT_TICKET_KEY_REVOKED;
			c->nkeys++;
		}
	}
	return ZT_OK;
}

/* The id of gate name of the event, made when new (not committed unless
 * the transaction is). */
enum zt_err
zt__ck_gate_id(
    struct zt_req *req, struct zt__ck_ctx *c, const char *name, const char **id)
{
	const char *p[3] = {req->tenant_id, c->event, name};
	PGresult *r;
	enum zt_err e;
	for (int i = 0; i < c->ngates; i++)
		if (strcmp(c->gates[i].name, name) == 0) {
			*id = c->gates[i].id;
			return ZT_OK;
		}
	if (c->gate_pre != NULL && strcmp(c->gate_pre_name, name) == 0)
		r = c->gate_pre; /* read ahead with the event */
	else if ((e = zt__ck_run(req, &q_gate_find, p + 1, &r)) != ZT_OK)
		return e;
	if (PQntuples(r) == 0) {
		if ((e = zt__ck_run(req, &q_gate_make, p, &r)) != ZT_OK)
			return e;
		/* made by a concurrent scan that committed first: now
		 * visible to a new statement */
		if (PQntuples(r) == 0 &&
		    (e = zt__ck_run(req, &q_gate_find, p + 1, &r)) != ZT_OK)
			return e;
		if (PQntuples(r) == 0)
			return zt_fail(req, ZT_ECONFLICT, "retry",
			    "the gate was being created: try again");
	}
	*id = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0));
	if (c->ngates < (int)(sizeof(c->gates) / sizeof(c->gates[0]))) {
		c->gates[c->ngates].name = zt_arena_strdup(req->arena, name);
		c->gates[c->ngates++].id = *id;
	}
	return ZT_OK;
}

struct json_object *
zt__ck_ticket_json(
    const PGresult *r, int i, int id, int booking, int label, int holder)
{
	struct json_object *t = json_object_new_object();
	json_object_object_add(
	    t, "id", json_object_new_string(PQgetvalue(r, i, id)));
	json_object_object_add(
	    t, "bookingId", json_object_new_string(PQgetvalue(r, i, booking)));
	json_object_object_add(
	    t, "label", json_object_new_string(PQgetvalue(r, i, label)));
	json_object_object_add(
	    t, "holder", json_object_new_string(PQgetvalue(r, i, holder)));
	return t;
}

/*
 * The "of M" of an answer at the gate: an event's live tickets, counted
 * at most once per ZT_CHECKIN_TOTAL_MS per worker.  Counting 30,000
 * tickets under row-level security is ~6 ms of PostgreSQL, most of an
 * admission's cost (docs/checkin.md, "Measurements"); sales and refunds
 * during the doors are few, and stats and the bundle count afresh.
 */
#define ZT_CHECKIN_TOTAL_MS 10000
static struct zt__ck_total {
	char event[ZT_UUID_BUF];
	long long total;
	int64_t at_ms;
} totals[16];

static struct zt__ck_total *
total_slot(const char *event, int *fresh)
{
	struct zt__ck_total *old = &totals[0];
	int64_t now = zt_time_mono_ms();
	for (size_t i = 0; i < sizeof(totals) / sizeof(totals[0]); i++) {
		if (strcmp(totals[i].event, event) == 0) {
			*fresh = now - totals[i].at_ms < ZT_CHECKIN_TOTAL_MS;
			return &totals[i];
		}
		if (totals[i].at_ms < old->at_ms)
			old = &totals[i];
	}
	*fresh = 0;
	snprintf(old->event, sizeof(old->event), "%s", event);
	old->at_ms = 0;
	return old;
}

/* Queue the counts (and the total when this worker's is stale) to go
 * with COMMIT; zt__ck_counts_of reads them after. */
enum zt_err
zt__ck_counts_queue(struct zt_req *req, struct zt__ck_ctx *c, const char *gate,
    struct zt__ck_counts_q *q)
{
	const char *p[2] = {c->event, gate};
	enum zt_err e;
	q->slot = total_slot(c->event, &q->fresh);
	if ((e = zt__ck_queue(req, &q_counts, p, &q->counts)) != ZT_OK)
		return e;
	return q->fresh ? ZT_OK : zt__ck_queue(req, &q_total, p, &q->total);
}

void
zt__ck_counts_of(const struct zt__ck_counts_q *q, struct zt__ck_counts *n)
{
	memset(n, 0, sizeof(*n));
	if (q->counts != NULL && PQntuples(q->counts) > 0) {
		n->admitted = atoll(PQgetvalue(q->counts, 0, CT_ADMITTED));
		n->gate = atoll(PQgetvalue(q->counts, 0, CT_GATE));
	}
	if (!q->fresh && q->total != NULL && PQntuples(q->total) > 0) {
		q->slot->total = atoll(PQgetvalue(q->total, 0, 0));
		q->slot->at_ms = zt_time_mono_ms();
	}
	n->total = q->slot->total;
}

struct json_object *
zt__ck_counts_json(const struct zt__ck_counts *n)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(
	    o, "admitted", json_object_new_int64(n->admitted));
	json_object_object_add(o, "total", json_object_new_int64(n->total));
	json_object_object_add(o, "gate", json_object_new_int64(n->gate));
	return o;
}

/* The dashboards' running totals, after COMMIT (docs/live.md). */
void
zt__ck_publish(struct zt_req *req, const char *event, const char *gate,
    const struct zt__ck_counts *n)
{
	struct json_object *m = json_object_new_object();
	const char *text;
	size_t len;
	json_object_object_add(m, "type", json_object_new_string("checkin"));
	json_object_object_add(m, "eventId", json_object_new_string(event));
	json_object_object_add(
	    m, "admitted", json_object_new_int64(n->admitted));
	json_object_object_add(m, "total", json_object_new_int64(n->total));
	json_object_object_add(m, "gate", zt_json_nullable(gate));
	json_object_object_add(
	    m, "gateAdmitted", json_object_new_int64(n->gate));
	text = zt_json_text(req, m, &len);
	json_object_put(m);
	/* a lost message never undoes an admission: dropped (zt_live.h) */
	zt_live_publish(zt_g.live,
	    zt_arena_printf(req->arena, "tenant:%s", req->tenant_id), text,
	    len);
}

/* "Already admitted at Gate 2, 19:04:11 by Asha" and its details */
void
zt__ck_already(
    const PGresult *st, char *msg, size_t len, struct json_object **adm)
{
	snprintf(msg, len, "Already admitted at %s, %s by %s",
	    PQgetvalue(st, 0, ST_GATE), PQgetvalue(st, 0, ST_LOCAL),
	    PQgetvalue(st, 0, ST_BY));
	if (adm != NULL) {
		*adm = json_object_new_object();
		json_object_object_add(*adm, "gate",
		    json_object_new_string(PQgetvalue(st, 0, ST_GATE)));
		json_object_object_add(
		    *adm, "at", zt_json_epoch(PQgetvalue(st, 0, ST_AT)));
		json_object_object_add(*adm, "by",
		    json_object_new_string(PQgetvalue(st, 0, ST_BY)));
	}
}

/* ------------------------------------------------------------ scan ---- */

/* Read the ticket a scan names (no row when it names none). */
void
zt__ck_ticket_row(const PGresult *r, struct zt_checkin_ticket *row)
{
	memset(row, 0, sizeof(*row));
	if (r == NULL || PQntuples(r) == 0)
		return;
	row->found = 1;
	snprintf(row->id, sizeof(row->id), "%s", PQgetvalue(r, 0, TK_ID));
	snprintf(
	    row->event, sizeof(row->event), "%s", PQgetvalue(r, 0, TK_EVENT));
	row->status = PQgetvalue(r, 0, TK_STATUS);
}

enum zt_err
zt__ck_read_ticket(struct zt_req *req, const struct zt_checkin_scan *s,
    PGresult **r, struct zt_checkin_ticket *row)
{
	char id[ZT_UUID_BUF];
	const char *p[2] = {ticket_param(s, id), req->tenant_id};
	enum zt_err e;
	memset(row, 0, sizeof(*row));
	if ((e = zt__ck_run(req, &q_ticket, p, r)) != ZT_OK)
		return e;
	zt__ck_ticket_row(*r, row);
	return ZT_OK;
}

enum zt_err
zt_checkin_scan(struct zt_req *req, const char *event,
    const struct zt_checkin_scan *scan, struct json_object **out)
{
	struct zt__ck_ctx c;
	struct zt_checkin_ticket row;
	struct zt__ck_counts n;
	PGresult *tk, *ad, *st;
	struct zt__ck_counts_q cn = {0};
	const char *gate;
	enum zt_checkin_verdict v;
	enum zt_err e;
	*out = NULL;
	if ((e = zt__ck_begin(req, ZT_ROLE_SCANNER, event, 1, scan, &c)) !=
	    ZT_OK)
		return e;
	tk = c.tk;
	zt__ck_ticket_row(tk, &row);
	v = zt_checkin_judge(event, scan->payload, c.keys, c.nkeys, c.from,
	    c.until, c.now, &row);
	if (v != ZT_CHECKIN_OK) {
		zt_db_rollback();
		return zt_fail(req, verdicts[v].err, verdicts[v].code, "%s",
		    zt__ck_message(v));
	}
	if ((e = zt__ck_gate_id(req, &c, scan->gate, &gate)) != ZT_OK)
		return e;
	{
		const char *p[7] = {req->tenant_id, event, row.id, gate,
		    req->user_id, NULL, NULL};
		if ((e = zt__ck_run(req, &zt__ck_q_admit, p, &ad)) != ZT_OK)
			return e;
	}
	if (PQntuples(ad) == 0) {
		/* in already: say where, when and by whom, and keep the
		 * attempt for the organizer */
		const char *p[2] = {row.id, c.tz};
		char msg[200];
		struct json_object *adm = NULL;
		if ((e = zt__ck_run(req, &zt__ck_q_standing, p, &st)) != ZT_OK)
			return e;
		if (PQntuples(st) == 0) {
			/* undone between the two statements */
			zt_db_rollback();
			return zt_fail(req, ZT_ECONFLICT, "retry",
			    "the ticket's admission was just undone: scan "
			    "again");
		}
		{
			const char *d[8] = {req->tenant_id, event, row.id,
			    PQgetvalue(st, 0, ST_ID), gate, req->user_id, NULL,
			    NULL};
			if ((e = zt__ck_queue(req, &zt__ck_q_dup, d, NULL)) !=
			    ZT_OK)
				return e;
		}
		if ((e = zt__ck_commit(req)) != ZT_OK)
			return e;
		zt__ck_already(st, msg, sizeof(msg), &adm);
		zt_fail(req, ZT_ECONFLICT, "already_admitted", "%s", msg);
		zt_fail_detail(req, "admission", adm);
		return ZT_ECONFLICT;
	}
	if ((e = zt_whout_event(req, req->tenant_id, "ticket.checked_in",
		 "ticketId", row.id, "eventId", event, "gate", scan->gate,
		 NULL)) != ZT_OK ||
	    (e = zt__ck_counts_queue(req, &c, gate, &cn)) != ZT_OK ||
	    (e = zt__ck_commit(req)) != ZT_OK)
		return e;
	zt__ck_counts_of(&cn, &n);
	zt_metrics_count(ZT_MC_CHECKINS, 1);
	zt__ck_publish(req, event, scan->gate, &n);
	*out = json_object_new_object();
	json_object_object_add(
	    *out, "result", json_object_new_string("admitted"));
	json_object_object_add(*out, "ticket",
	    zt__ck_ticket_json(tk, 0, TK_ID, TK_BOOKING, TK_LABEL, TK_HOLDER));
	json_object_object_add(
	    *out, "gate", json_object_new_string(scan->gate));
	json_object_object_add(
	    *out, "admittedAt", zt_json_epoch(PQgetvalue(ad, 0, 1)));
	json_object_object_add(
	    *out, "by", json_object_new_string(PQgetvalue(ad, 0, 2)));
	json_object_object_add(*out, "counts", zt__ck_counts_json(&n));
	return ZT_OK;
}

/* ------------------------------------------------------------ undo ---- */

enum zt_err
zt_checkin_undo(struct zt_req *req, const char *event, const char *ticket,
    struct json_object **out)
{
	struct zt__ck_ctx c;
	struct zt__ck_counts n;
	PGresult *r;
	struct zt__ck_counts_q cn = {0};
	const char *secs =
	    zt_arena_printf(req->arena, "%d", ZT_CHECKIN_UNDO_SECONDS);
	const char *p[4] = {ticket, event, req->user_id, secs};
	enum zt_err e;
	*out = NULL;
	if ((e = zt__ck_begin(req, ZT_ROLE_MANAGER, event, 0, NULL, &c)) !=
		ZT_OK ||
	    (e = zt__ck_run(req, &q_undo, p, &r)) != ZT_OK)
		return e;
	if (PQntuples(r) == 0) {
		int in;
		if ((e = zt__ck_run(req, &q_admitted, p, &r)) != ZT_OK)
			return e;
		in = PQntuples(r) > 0;
		zt_db_rollback();
		if (in)
			return zt_fail(req, ZT_ECONFLICT, "undo_window_passed",
			    "an admission can be undone for %d minutes only",
			    ZT_CHECKIN_UNDO_SECONDS / 60);
		return zt_fail(req, ZT_ECONFLICT, "not_admitted",
		    "this ticket is not admitted");
	}
	if ((e = zt__ck_counts_queue(req, &c, PQgetvalue(r, 0, 0), &cn)) !=
		ZT_OK ||
	    (e = zt__ck_commit(req)) != ZT_OK)
		return e;
	zt__ck_counts_of(&cn, &n);
	zt__ck_publish(req, event, PQgetvalue(r, 0, 1), &n);
	*out = json_object_new_object();
	json_object_object_add(
	    *out, "result", json_object_new_string("undone"));
	json_object_object_add(
	    *out, "ticketId", json_object_new_string(ticket));
	json_object_object_add(
	    *out, "gate", json_object_new_string(PQgetvalue(r, 0, 1)));
	json_object_object_add(*out, "counts", zt__ck_counts_json(&n));
	json_object_object_add(
	    *out, "admitted", json_object_new_int64(n.admitted));
	json_object_object_add(*out, "total", json_object_new_int64(n.total));
	return ZT_OK;
}

/* ----------------------------------------------------------- stats ---- */

enum zt_err
zt_checkin_stats(
    struct zt_req *req, const char *event, struct json_object **out)
{
	struct zt__ck_ctx c;
	PGresult *g = NULL, *s = NULL, *t;
	const char *p[1] = {event};
	struct json_object *gates, *scanners;
	long long admitted = 0;
	enum zt_err e;
	*out = NULL;
	if ((e = zt__ck_begin(req, ZT_ROLE_SCANNER, event, 0, NULL, &c)) !=
		ZT_OK ||
	    (e = zt__ck_queue(req, &q_gates, p, &g)) != ZT_OK ||
	    (e = zt__ck_queue(req, &q_scanners, p, &s)) != ZT_OK ||
	    (e = zt__ck_run(req, &q_stat_totals, p, &t)) != ZT_OK)
		return e;
	zt_db_rollback();
	gates = json_object_new_array();
	for (int i = 0; i < PQntuples(g); i++) {
		struct json_object *o = json_object_new_object();
		long long a = atoll(PQgetvalue(g, i, 1));
		admitted += a;
		json_object_object_add(
		    o, "name", json_object_new_string(PQgetvalue(g, i, 0)));
		json_object_object_add(o, "admitted", json_object_new_int64(a));
		json_object_array_add(gates, o);
	}
	scanners = json_object_new_array();
	for (int i = 0; i < PQntuples(s); i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(
		    o, "name", json_object_new_string(PQgetvalue(s, i, 0)));
		json_object_object_add(o, "admitted",
		    json_object_new_int64(atoll(PQgetvalue(s, i, 1))));
		json_object_array_add(scanners, o);
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "eventId", json_object_new_string(event));
	json_object_object_add(
	    *out, "admitted", json_object_new_int64(admitted));
	json_object_object_add(
	    *out, "total", json_object_new_int64(atoll(PQgetvalue(t, 0, 0))));
	json_object_object_add(*out, "gates", gates);
	json_object_object_add(*out, "scanners", scanners);
	json_object_object_add(*out, "duplicates",
	    json_object_new_int64(atoll(PQgetvalue(t, 0, 1))));
	return ZT_OK;
}

/* zt_checkin.c - admitting tickets at the gate; see zt_checkin.h and
 * docs/checkin.md. */
#include "zt_checkin.h"

#include "zt_crypto.h"
#include "zt_db.h"
#include "zt_json.h"
#include "zt_live.h"
#include "zt_server.h"
#include "zt_team.h"
#include "zt_time.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ SQL ---- */

/* how a member is named to other members: their name, else the local
 * part of their email */
#define NAME_OF(u)                                                             \
	"coalesce(nullif(" u ".name, ''), split_part(" u ".email, '@', 1),"    \
	" " u ".phone, 'a scanner')"
/* what a ticket admits to: its seat, else its ticket type (the labels of
 * the booking answer) */
#define LABEL_OF_T                                                             \
	"coalesce((SELECT ltrim(s.section || ' ' || s.row_label ||"            \
	" s.seat_label) FROM seats s WHERE s.event_id = t.event_id"            \
	" AND s.id = t.seat_id), (SELECT tt.name FROM ticket_types tt"         \
	" WHERE tt.event_id = t.event_id AND tt.id = t.ticket_type_id), '')"
#define EPOCH(x) "floor(extract(epoch FROM " x "))::bigint"
#define LIVE_TOTAL                                                             \
	"(SELECT count(*) FROM tickets t WHERE t.event_id = $1"                \
	" AND t.status = 'live')"

/* the event as the caller's tenant's own (a published event of another
 * tenant is visible through the catalogue policy: the tenant is compared),
 * with the manual entry's window (docs/tickets.md, "Validity window") */
enum ev_col { EV_TITLE, EV_STARTS, EV_ENDS, EV_FROM, EV_UNTIL, EV_TZ, EV_NOW };
static struct zt_sql q_event = ZT_SQL("ck_event",
    "SELECT e.title, " EPOCH(
	"e.starts_at") ", " EPOCH("e.ends_at") ","
					       " " EPOCH(
						   "e.starts_at - interval '12 "
						   "hours'") ","
							     " " EPOCH(
								 "e.ends_at + "
								 "interval '6 "
								 "hours'") ", "
									   "e."
									   "tim"
									   "ezo"
									   "ne,"
									   " " EPOCH(
									       "now()") " FROM events e WHERE e.id = $1 AND e.tenant_id = $2",
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
    "SELECT t.id, t.event_id, t.status, t.booking_id, " LABEL_OF_T ","
    " coalesce(b.buyer_name, '')"
    " FROM tickets t JOIN bookings b ON b.id = t.booking_id"
    " WHERE t.id = $1 AND t.tenant_id = $2",
    2);
static struct zt_sql q_admit = ZT_SQL("ck_admit",
    "INSERT INTO admissions (tenant_id, event_id, ticket_id, gate_id,"
    " scanned_by, scanned_at, device_id) VALUES ($1, $2, $3, $4, $5,"
    " coalesce(to_timestamp($6::bigint), now()), $7)"
    " ON CONFLICT (ticket_id) WHERE undone_at IS NULL DO NOTHING"
    " RETURNING id, " EPOCH(
	"scanned_at") ","
		      " (SELECT " NAME_OF("u") " FROM users u WHERE u.id = $5)",
    7);
/* the admission that stands, locked against undo and displacement */
enum st_col { ST_ID, ST_GATE, ST_AT, ST_LOCAL, ST_BY, ST_DEVICE };
static struct zt_sql q_standing = ZT_SQL("ck_standing",
    "SELECT a.id, g.name, " EPOCH(
	"a.scanned_at") ","
			" to_char(a.scanned_at AT TIME ZONE $2, "
			"'HH24:MI:SS'), " NAME_OF(
			    "u") ","
				 " a.device_id FROM admissions a JOIN gates g "
				 "ON g.id = a.gate_id"
				 " JOIN users u ON u.id = a.scanned_by"
				 " WHERE a.ticket_id = $1 AND a.undone_at IS "
				 "NULL FOR UPDATE OF a",
    2);
static struct zt_sql q_dup = ZT_SQL("ck_dup",
    "INSERT INTO checkin_duplicates (tenant_id, event_id, ticket_id,"
    " admission_id, gate_id, scanned_by, scanned_at, device_id)"
    " VALUES ($1, $2, $3, $4, $5, $6,"
    " coalesce(to_timestamp($7::bigint), now()), $8) ON CONFLICT DO NOTHING",
    8);
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
enum ct_col { CT_ADMITTED, CT_TOTAL, CT_GATE };
static struct zt_sql q_counts = ZT_SQL("ck_counts",
    "SELECT coalesce(sum(g.admitted), 0), " LIVE_TOTAL ","
    " coalesce(sum(g.admitted) FILTER (WHERE g.id = $2), 0)"
    " FROM gates g WHERE g.event_id = $1",
    2);
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
    "SELECT " NAME_OF("u") ", count(*) FROM admissions a"
			   " JOIN users u ON u.id = a.scanned_by"
			   " WHERE a.event_id = $1 AND a.undone_at IS NULL"
			   " GROUP BY u.id, 1 ORDER BY 2 DESC, 1",
    1);
static struct zt_sql q_stat_totals = ZT_SQL("ck_stat_totals",
    "SELECT " LIVE_TOTAL ", (SELECT count(*) FROM checkin_duplicates d"
    " WHERE d.event_id = $1)",
    1);
/* the offline bundle: every ticket of the event, live or not */
enum bt_col { BT_ID, BT_BOOKING, BT_STATUS, BT_LABEL, BT_HOLDER };
static struct zt_sql q_bundle_tickets = ZT_SQL("ck_bundle_tickets",
    "SELECT t.id, t.booking_id, t.status, " LABEL_OF_T ","
    " coalesce(b.buyer_name, '') FROM tickets t"
    " JOIN bookings b ON b.id = t.booking_id"
    " WHERE t.event_id = $1 ORDER BY t.id",
    1);
static struct zt_sql q_bundle_admitted = ZT_SQL("ck_bundle_admitted",
    "SELECT a.ticket_id, g.name, " EPOCH(
	"a.scanned_at") " FROM admissions a JOIN gates g ON g.id = a.gate_id"
			" WHERE a.event_id = $1 AND a.undone_at IS NULL ORDER "
			"BY a.ticket_id",
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
    "SELECT d.ticket_id, " LABEL_OF_T ", coalesce(b.buyer_name, ''),"
    " g1.name, " EPOCH("a.scanned_at") ", " NAME_OF(
	"u1") ", a.device_id,"
	      " g2.name, " EPOCH("d.scanned_at") ", " NAME_OF(
		  "u2") ", d.device_id"
			" FROM checkin_duplicates d JOIN admissions a ON a.id "
			"= d.admission_id"
			" JOIN gates g1 ON g1.id = a.gate_id JOIN users u1 ON "
			"u1.id ="
			" a.scanned_by JOIN gates g2 ON g2.id = d.gate_id"
			" JOIN users u2 ON u2.id = d.scanned_by"
			" JOIN tickets t ON t.id = d.ticket_id"
			" JOIN bookings b ON b.id = t.booking_id"
			" WHERE d.event_id = $1 ORDER BY d.recorded_at DESC, "
			"d.id LIMIT 1000",
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
};

enum zt_err
zt_checkin_verdict_err(enum zt_checkin_verdict v)
{
	return verdicts[v].err;
}

const char *
zt_checkin_verdict_code(enum zt_checkin_verdict v)
{
	return verdicts[v].code;
}

static void
uuid_text(const unsigned char b[16], char out[ZT_UUID_BUF])
{
	static const char hx[] = "0123456789abcdef";
	size_t o = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hx[b[i] >> 4];
		out[o++] = hx[b[i] & 15];
	}
	out[o] = '\0';
}

int
zt_checkin_payload_ticket(const char *payload, char out[ZT_UUID_BUF])
{
	struct zt_ticket t;
	unsigned char sig[ZT_TICKET_SIG_LEN];
	if (payload == NULL ||
	    zt_ticket_parse(payload, strlen(payload), &t, sig) != 0)
		return -1;
	uuid_text(t.ticket, out);
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
		uuid_text(t.event, ev);
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
	if (row->status == NULL || strcmp(row->status, "live") != 0)
		return ZT_CHECKIN_CANCELLED;
	return ZT_CHECKIN_OK;
}

/* ----------------------------------------------------- the context ---- */

/* What every call reads first: the event, and for scans the keys. */
struct ctx {
	const char *event;
	PGresult *ev;
	PGresult *keys_r;
	struct zt_ticket_pubkey *keys;
	size_t nkeys;
	int64_t from, until, now;
	const char *tz;
	/* gates seen in this request (a sync names a few, many times) */
	struct gate {
		const char *name;
		const char *id;
	} gates[16];
	int ngates;
};

static enum zt_err
run(struct zt_req *req, struct zt_sql *q, const char *const *p, PGresult **r)
{
	struct zt_error err = ZT_ERROR_INIT;
	*r = zt_db_try_exec(req, &err, q, p);
	return *r != NULL ? ZT_OK : zt_fail_error(req, &err);
}

static enum zt_err
not_found(struct zt_req *req, const char *event)
{
	zt_db_rollback();
	return zt_fail(
	    req, ZT_ENOTFOUND, "event_not_found", "no such event: %s", event);
}

/*
 * Begin (role min, re-read), then read the event and, with keys, the
 * tenant's keys: queued to go with the caller's next statement when
 * queue is set (c->ev is then filled by it), else read now.
 */
static enum zt_err
begin(struct zt_req *req, enum zt_role min, const char *event, int keys,
    struct ctx *c)
{
	const char *p[2] = {event, req->tenant_id};
	enum zt_err e;
	memset(c, 0, sizeof(*c));
	c->event = event;
	if ((e = zt_team_begin(req, min, NULL)) != ZT_OK)
		return e;
	if (keys && (e = zt_db_queue(req, &q_keys, p + 1, &c->keys_r)) != ZT_OK)
		return e;
	if ((e = run(req, &q_event, p, &c->ev)) != ZT_OK)
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
static enum zt_err
gate_id(struct zt_req *req, struct ctx *c, const char *name, const char **id)
{
	const char *p[3] = {req->tenant_id, c->event, name};
	PGresult *r;
	enum zt_err e;
	for (int i = 0; i < c->ngates; i++)
		if (strcmp(c->gates[i].name, name) == 0) {
			*id = c->gates[i].id;
			return ZT_OK;
		}
	if ((e = run(req, &q_gate_find, p + 1, &r)) != ZT_OK)
		return e;
	if (PQntuples(r) == 0) {
		if ((e = run(req, &q_gate_make, p, &r)) != ZT_OK)
			return e;
		/* made by a concurrent scan that committed first: now
		 * visible to a new statement */
		if (PQntuples(r) == 0 &&
		    (e = run(req, &q_gate_find, p + 1, &r)) != ZT_OK)
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

/* {id, bookingId, label, holder} of a q_ticket row */
static struct json_object *
ticket_json(const PGresult *r)
{
	struct json_object *t = json_object_new_object();
	json_object_object_add(
	    t, "id", json_object_new_string(PQgetvalue(r, 0, TK_ID)));
	json_object_object_add(t, "bookingId",
	    json_object_new_string(PQgetvalue(r, 0, TK_BOOKING)));
	json_object_object_add(
	    t, "label", json_object_new_string(PQgetvalue(r, 0, TK_LABEL)));
	json_object_object_add(
	    t, "holder", json_object_new_string(PQgetvalue(r, 0, TK_HOLDER)));
	return t;
}

struct counts {
	long long admitted, total, gate;
};

static enum zt_err
counts_queue(
    struct zt_req *req, struct ctx *c, const char *gate, PGresult **out)
{
	const char *p[2] = {c->event, gate};
	return zt_db_queue(req, &q_counts, p, out);
}

static void
counts_of(const PGresult *r, struct counts *n)
{
	memset(n, 0, sizeof(*n));
	if (r == NULL || PQntuples(r) == 0)
		return;
	n->admitted = atoll(PQgetvalue(r, 0, CT_ADMITTED));
	n->total = atoll(PQgetvalue(r, 0, CT_TOTAL));
	n->gate = atoll(PQgetvalue(r, 0, CT_GATE));
}

static struct json_object *
counts_json(const struct counts *n)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(
	    o, "admitted", json_object_new_int64(n->admitted));
	json_object_object_add(o, "total", json_object_new_int64(n->total));
	json_object_object_add(o, "gate", json_object_new_int64(n->gate));
	return o;
}

/* The dashboards' running totals, after COMMIT (docs/live.md). */
static void
publish(struct zt_req *req, const char *event, const char *gate,
    const struct counts *n)
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
static void
already(const PGresult *st, char *msg, size_t len, struct json_object **adm)
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
static enum zt_err
read_ticket(struct zt_req *req, const struct zt_checkin_scan *s, PGresult **r,
    struct zt_checkin_ticket *row)
{
	char id[ZT_UUID_BUF];
	const char *p[2] = {NULL, req->tenant_id};
	enum zt_err e;
	memset(row, 0, sizeof(*row));
	if (s->payload != NULL) {
		if (zt_checkin_payload_ticket(s->payload, id) == 0)
			p[0] = id;
	} else
		p[0] = s->ticket;
	if ((e = run(req, &q_ticket, p, r)) != ZT_OK)
		return e;
	if (PQntuples(*r) > 0) {
		row->found = 1;
		snprintf(
		    row->id, sizeof(row->id), "%s", PQgetvalue(*r, 0, TK_ID));
		snprintf(row->event, sizeof(row->event), "%s",
		    PQgetvalue(*r, 0, TK_EVENT));
		row->status = PQgetvalue(*r, 0, TK_STATUS);
	}
	return ZT_OK;
}

enum zt_err
zt_checkin_scan(struct zt_req *req, const char *event,
    const struct zt_checkin_scan *scan, struct json_object **out)
{
	struct ctx c;
	struct zt_checkin_ticket row;
	struct counts n;
	PGresult *tk, *ad, *st, *cn = NULL;
	const char *gate;
	enum zt_checkin_verdict v;
	enum zt_err e;
	*out = NULL;
	if ((e = begin(req, ZT_ROLE_SCANNER, event, 1, &c)) != ZT_OK ||
	    (e = read_ticket(req, scan, &tk, &row)) != ZT_OK)
		return e;
	v = zt_checkin_judge(event, scan->payload, c.keys, c.nkeys, c.from,
	    c.until, c.now, &row);
	if (v != ZT_CHECKIN_OK) {
		zt_db_rollback();
		return zt_fail(req, verdicts[v].err, verdicts[v].code, "%s",
		    verdicts[v].message);
	}
	if ((e = gate_id(req, &c, scan->gate, &gate)) != ZT_OK)
		return e;
	{
		const char *p[7] = {req->tenant_id, event, row.id, gate,
		    req->user_id, NULL, NULL};
		if ((e = run(req, &q_admit, p, &ad)) != ZT_OK)
			return e;
	}
	if (PQntuples(ad) == 0) {
		/* in already: say where, when and by whom, and keep the
		 * attempt for the organizer */
		const char *p[2] = {row.id, c.tz};
		char msg[200];
		struct json_object *adm = NULL;
		if ((e = run(req, &q_standing, p, &st)) != ZT_OK)
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
			if ((e = zt_db_queue(req, &q_dup, d, NULL)) != ZT_OK)
				return e;
		}
		if ((e = zt_db_commit(req)) != ZT_OK)
			return e;
		already(st, msg, sizeof(msg), &adm);
		zt_fail(req, ZT_ECONFLICT, "already_admitted", "%s", msg);
		zt_fail_detail(req, "admission", adm);
		return ZT_ECONFLICT;
	}
	if ((e = counts_queue(req, &c, gate, &cn)) != ZT_OK ||
	    (e = zt_db_commit(req)) != ZT_OK)
		return e;
	counts_of(cn, &n);
	publish(req, event, scan->gate, &n);
	*out = json_object_new_object();
	json_object_object_add(
	    *out, "result", json_object_new_string("admitted"));
	json_object_object_add(*out, "ticket", ticket_json(tk));
	json_object_object_add(
	    *out, "gate", json_object_new_string(scan->gate));
	json_object_object_add(
	    *out, "admittedAt", zt_json_epoch(PQgetvalue(ad, 0, 1)));
	json_object_object_add(
	    *out, "by", json_object_new_string(PQgetvalue(ad, 0, 2)));
	json_object_object_add(*out, "counts", counts_json(&n));
	return ZT_OK;
}

/* ------------------------------------------------------------ undo ---- */

enum zt_err
zt_checkin_undo(struct zt_req *req, const char *event, const char *ticket,
    struct json_object **out)
{
	struct ctx c;
	struct counts n;
	PGresult *r, *cn = NULL;
	const char *secs =
	    zt_arena_printf(req->arena, "%d", ZT_CHECKIN_UNDO_SECONDS);
	const char *p[4] = {ticket, event, req->user_id, secs};
	enum zt_err e;
	*out = NULL;
	if ((e = begin(req, ZT_ROLE_MANAGER, event, 0, &c)) != ZT_OK ||
	    (e = run(req, &q_undo, p, &r)) != ZT_OK)
		return e;
	if (PQntuples(r) == 0) {
		int in;
		if ((e = run(req, &q_admitted, p, &r)) != ZT_OK)
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
	if ((e = counts_queue(req, &c, PQgetvalue(r, 0, 0), &cn)) != ZT_OK ||
	    (e = zt_db_commit(req)) != ZT_OK)
		return e;
	counts_of(cn, &n);
	publish(req, event, PQgetvalue(r, 0, 1), &n);
	*out = json_object_new_object();
	json_object_object_add(
	    *out, "result", json_object_new_string("undone"));
	json_object_object_add(
	    *out, "ticketId", json_object_new_string(ticket));
	json_object_object_add(
	    *out, "gate", json_object_new_string(PQgetvalue(r, 0, 1)));
	json_object_object_add(*out, "counts", counts_json(&n));
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
	struct ctx c;
	PGresult *g = NULL, *s = NULL, *t;
	const char *p[1] = {event};
	struct json_object *gates, *scanners;
	long long admitted = 0;
	enum zt_err e;
	*out = NULL;
	if ((e = begin(req, ZT_ROLE_SCANNER, event, 0, &c)) != ZT_OK ||
	    (e = zt_db_queue(req, &q_gates, p, &g)) != ZT_OK ||
	    (e = zt_db_queue(req, &q_scanners, p, &s)) != ZT_OK ||
	    (e = run(req, &q_stat_totals, p, &t)) != ZT_OK)
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
	struct ctx c;
	PGresult *tk = NULL, *ad = NULL, *ver;
	const char *p[2] = {event, req->tenant_id};
	struct json_object *ev, *keys, *revoked, *admitted, *tickets;
	char now[ZT_TIME_LEN];
	enum zt_err e;
	*out = NULL;
	if ((e = begin(req, ZT_ROLE_SCANNER, event, 1, &c)) != ZT_OK ||
	    (e = zt_db_queue(req, &q_bundle_tickets, p, &tk)) != ZT_OK ||
	    (e = zt_db_queue(req, &q_bundle_admitted, p, &ad)) != ZT_OK ||
	    (e = run(req, &q_version, p, &ver)) != ZT_OK)
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
		struct json_object *t;
		if (strcmp(PQgetvalue(tk, i, BT_STATUS), "live") != 0) {
			json_object_array_add(revoked,
			    json_object_new_string(PQgetvalue(tk, i, BT_ID)));
			continue;
		}
		t = json_object_new_object();
		json_object_object_add(
		    t, "id", json_object_new_string(PQgetvalue(tk, i, BT_ID)));
		json_object_object_add(t, "bookingId",
		    json_object_new_string(PQgetvalue(tk, i, BT_BOOKING)));
		json_object_object_add(t, "label",
		    json_object_new_string(PQgetvalue(tk, i, BT_LABEL)));
		json_object_object_add(t, "holder",
		    json_object_new_string(PQgetvalue(tk, i, BT_HOLDER)));
		json_object_array_add(tickets, t);
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
	json_object_object_add(*out, "generatedAt",
	    json_object_new_string(zt_time_format(c.now, now)));
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
sync_one(struct zt_req *req, struct ctx *c, const char *device, int index,
    const struct zt_checkin_scan *s, struct json_object **res, int *admitted)
{
	struct zt_checkin_ticket row;
	enum zt_checkin_verdict v;
	PGresult *tk, *r, *st;
	const char *gate, *at;
	char msg[200];
	enum zt_err e;
	*admitted = 0;
	if ((e = read_ticket(req, s, &tk, &row)) != ZT_OK)
		return e;
	v = s->scanned_at > c->now + ZT_CHECKIN_CLOCK_AHEAD
		? ZT_CHECKIN_CLOCK
		: zt_checkin_judge(c->event, s->payload, c->keys, c->nkeys,
		      c->from, c->until, s->scanned_at, &row);
	if (v != ZT_CHECKIN_OK) {
		*res = sync_result(index, "refused", verdicts[v].code,
		    verdicts[v].message, row.found ? row.id : NULL);
		return ZT_OK;
	}
	at = zt_arena_printf(req->arena, "%lld", (long long)s->scanned_at);
	{
		const char *p[3] = {row.id, device, at};
		if ((e = run(req, &q_replay, p, &r)) != ZT_OK)
			return e;
	}
	if (PQntuples(r) > 0 && strcmp(PQgetvalue(r, 0, 0), "admitted") == 0) {
		*res = sync_result(
		    index, "admitted", "admitted", "Admitted", row.id);
		return ZT_OK;
	}
	if (PQntuples(r) > 0) {
		const char *p[2] = {row.id, c->tz};
		if ((e = run(req, &q_standing, p, &st)) != ZT_OK)
			return e;
		if (PQntuples(st) > 0)
			already(st, msg, sizeof(msg), NULL);
		else
			snprintf(msg, sizeof(msg), "Already admitted");
		*res = sync_result(
		    index, "duplicate", "already_admitted", msg, row.id);
		return ZT_OK;
	}
	if ((e = gate_id(req, c, s->gate, &gate)) != ZT_OK)
		return e;
	{
		const char *p[7] = {req->tenant_id, c->event, row.id, gate,
		    req->user_id, at, device};
		if ((e = run(req, &q_admit, p, &r)) != ZT_OK)
			return e;
	}
	if (PQntuples(r) > 0) {
		*admitted = 1;
		*res = sync_result(
		    index, "admitted", "admitted", "Admitted", row.id);
		return ZT_OK;
	}
	{
		const char *p[2] = {row.id, c->tz};
		if ((e = run(req, &q_standing, p, &st)) != ZT_OK)
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
		if ((e = zt_db_queue(req, &q_demote, d, NULL)) != ZT_OK ||
		    (e = run(req, &q_displace, u, &r)) != ZT_OK)
			return e;
		*admitted = 1;
		*res = sync_result(
		    index, "admitted", "admitted", "Admitted", row.id);
		return ZT_OK;
	}
	{
		const char *d[8] = {req->tenant_id, c->event, row.id,
		    PQgetvalue(st, 0, ST_ID), gate, req->user_id, at, device};
		if ((e = run(req, &q_dup, d, &r)) != ZT_OK)
			return e;
	}
	already(st, msg, sizeof(msg), NULL);
	*res = sync_result(index, "duplicate", "already_admitted", msg, row.id);
	return ZT_OK;
}

enum zt_err
zt_checkin_sync(struct zt_req *req, const char *event, const char *device,
    const struct zt_checkin_scan *scans, size_t n, struct json_object **out)
{
	struct ctx c;
	struct json_object *results = NULL;
	struct counts cnt;
	PGresult *cn = NULL, *ver = NULL;
	const char *last_gate = NULL;
	int any = 0;
	enum zt_err e;
	*out = NULL;
	if ((e = begin(req, ZT_ROLE_SCANNER, event, 1, &c)) != ZT_OK)
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
			any = 1;
			last_gate = scans[i].gate;
		}
	}
	{
		const char *p[2] = {event, req->tenant_id};
		const char *g = NULL;
		if (last_gate != NULL &&
		    (e = gate_id(req, &c, last_gate, &g)) != ZT_OK)
			goto out;
		if ((e = counts_queue(req, &c, g, &cn)) != ZT_OK ||
		    (e = zt_db_queue(req, &q_version, p, &ver)) != ZT_OK ||
		    (e = zt_db_commit(req)) != ZT_OK)
			goto out;
	}
	counts_of(cn, &cnt);
	if (any)
		publish(req, event, last_gate, &cnt);
	*out = json_object_new_object();
	json_object_object_add(*out, "results", results);
	results = NULL;
	json_object_object_add(*out, "version",
	    json_object_new_int64(
		ver && PQntuples(ver) ? atoll(PQgetvalue(ver, 0, 0)) : 0));
	json_object_object_add(*out, "counts", counts_json(&cnt));
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
	struct ctx c;
	PGresult *r;
	const char *p[1] = {event};
	struct json_object *arr;
	enum zt_err e;
	*out = NULL;
	if ((e = begin(req, ZT_ROLE_SCANNER, event, 0, &c)) != ZT_OK ||
	    (e = run(req, &q_duplicates, p, &r)) != ZT_OK)
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

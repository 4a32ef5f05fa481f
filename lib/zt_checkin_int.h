/*
 * zt_checkin_int.h - what zt_checkin.c (the rules, scan, undo, counts)
 * shares with zt_checkin_offline.c (bundle, sync, duplicates).  Internal:
 * zt__ names, not for other modules.
 */
#ifndef ZT_CHECKIN_INT_H
#define ZT_CHECKIN_INT_H

#include <libpq-fe.h>

#include "zt_checkin.h"
#include "zt_db.h"
#include "zt_team.h"

/* How a member is named to other members (users u, u1, u2): their name,
 * else the local part of their email.  Plain macros: clang-format mangles
 * function-like ones inside string concatenations. */
#define ZT__CK_NAME_U                                                          \
	"coalesce(nullif(u.name, ''), split_part(u.email, '@', 1), u.phone,"   \
	" 'a scanner')"
#define ZT__CK_NAME_U1                                                         \
	"coalesce(nullif(u1.name, ''), split_part(u1.email, '@', 1),"          \
	" u1.phone, 'a scanner')"
#define ZT__CK_NAME_U2                                                         \
	"coalesce(nullif(u2.name, ''), split_part(u2.email, '@', 1),"          \
	" u2.phone, 'a scanner')"
/* What ticket t admits to: its seat, else its ticket type (the labels of
 * the booking answer). */
#define ZT__CK_LABEL                                                           \
	"coalesce((SELECT ltrim(s.section || ' ' || s.row_label ||"            \
	" s.seat_label) FROM seats s WHERE s.event_id = t.event_id"            \
	" AND s.id = t.seat_id), (SELECT tt.name FROM ticket_types tt"         \
	" WHERE tt.event_id = t.event_id AND tt.id = t.ticket_type_id), '')"

/* A ticket's state at the gate (tickets t, bookings b): its status, or
 * "unpaid" when it is live on a booking not confirmed (pending payment). */
#define ZT__CK_STATUS                                                          \
	"CASE WHEN t.status = 'live' AND b.status <> 'confirmed'"              \
	" THEN 'unpaid' ELSE t.status END"

/* the admission ($1 tenant, $2 event, $3 ticket, $4 gate, $5 member, $6
 * scan time or NULL for now, $7 device): RETURNING id, time, member name */
extern struct zt_sql zt__ck_q_admit;
/* the admission that stands ($1 ticket, $2 the event's time zone), locked */
enum zt__ck_st_col { ST_ID, ST_GATE, ST_AT, ST_LOCAL, ST_BY, ST_DEVICE };
extern struct zt_sql zt__ck_q_standing;
/* a duplicate ($1…$6 as the admission's, $4 the admission standing, $7
 * time or NULL, $8 device) */
extern struct zt_sql zt__ck_q_dup;

/* What every call reads first: the event, and for scans the keys. */
struct zt__ck_ctx {
	const char *event;
	PGresult *ev;
	PGresult *keys_r;
	struct zt_ticket_pubkey *keys;
	size_t nkeys;
	int64_t from, until, now; /* the manual entry's window, the time */
	const char *tz;
	/* gates seen in this request (a sync names a few, many times) */
	struct zt__ck_gate {
		const char *name;
		const char *id;
	} gates[16];
	int ngates;
	/* read ahead for a scan (zt__ck_begin): its ticket row, and the id
	 * of its gate (no row: a new gate) */
	PGresult *tk;
	PGresult *gate_pre;
	const char *gate_pre_name;
};
/* columns of ctx->ev */
enum zt__ck_ev_col {
	EV_TITLE,
	EV_STARTS,
	EV_ENDS,
	EV_FROM,
	EV_UNTIL,
	EV_TZ,
	EV_NOW
};

struct zt__ck_counts {
	long long admitted, total, gate;
};
/* the counts queued to go with COMMIT (zt__ck_counts_queue) */
struct zt__ck_counts_q {
	PGresult *counts, *total;
	struct zt__ck_total *slot;
	int fresh;
};

/* zt_db_exec, zt_db_queue and zt_db_commit, a failure passed on to req
 * (zt_fail_error) */
enum zt_err zt__ck_run(
    struct zt_req *req, struct zt_sql *q, const char *const *p, PGresult **r);
enum zt_err zt__ck_queue(
    struct zt_req *req, struct zt_sql *q, const char *const *p, PGresult **r);
enum zt_err zt__ck_commit(struct zt_req *req);
/* Begin (role min, re-read), read the event (404 event_not_found unless
 * the tenant's) and, with keys, the tenant's keys into c; for a scan (not
 * NULL) also its ticket row (c->tk) and gate, in the same round trip. */
enum zt_err zt__ck_begin(struct zt_req *req, enum zt_role min,
    const char *event, int keys, const struct zt_checkin_scan *scan,
    struct zt__ck_ctx *c);
/* The id of gate name of c's event, made when new (in the transaction). */
enum zt_err zt__ck_gate_id(struct zt_req *req, struct zt__ck_ctx *c,
    const char *name, const char **id);
/* The ticket row a scan names (no row when it names none); *r columns
 * id, event, status, booking, label, holder. */
enum zt_err zt__ck_read_ticket(struct zt_req *req,
    const struct zt_checkin_scan *s, PGresult **r,
    struct zt_checkin_ticket *row);
/* row from such a result (found 0 when it has no row) */
void zt__ck_ticket_row(const PGresult *r, struct zt_checkin_ticket *row);
/* {id, bookingId, label, holder} of row i, from those columns */
struct json_object *zt__ck_ticket_json(
    const PGresult *r, int i, int id, int booking, int label, int holder);
/* The message shown for a verdict. */
const char *zt__ck_message(enum zt_checkin_verdict v);
enum zt_err zt__ck_counts_queue(struct zt_req *req, struct zt__ck_ctx *c,
    const char *gate, struct zt__ck_counts_q *q);
void zt__ck_counts_of(const struct zt__ck_counts_q *q, struct zt__ck_counts *n);
struct json_object *zt__ck_counts_json(const struct zt__ck_counts *n);
/* {"type":"checkin",…} on tenant:<tenant>, after COMMIT */
void zt__ck_publish(struct zt_req *req, const char *event, const char *gate,
    const struct zt__ck_counts *n);
/* "Already admitted at Gate 2, 19:04:11 by Asha" of a q_standing row, and
 * (adm not NULL) its {gate, at, by} */
void zt__ck_already(
    const PGresult *st, char *msg, size_t len, struct json_object **adm);

#endif

/* zt_transfer.c - a ticket given to someone else; see zt_transfer.h. */
#include "zt_transfer.h"
#include "zt_db.h"
#include "zt_ident.h"
#include "zt_audit.h"
#include "zt_json.h"
#include "zt_outbox.h"
#include "zt_qr.h"
#include "zt_server.h"
#include "zt_team.h"
#include "zt_ticket.h"
#include "zt_uuid.h"
#include "zt_whout.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define ISO_OF(x)                                                              \
	"to_char(" x " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define ISO_TR_MADE ISO_OF("tr.created_at")

/* ------------------------------------------------------------ SQL ---- */

/* the tenant of a ticket the caller holds in booking $2 */
static struct zt_sql q_held = ZT_SQL("tr_held",
    "SELECT tenant_id FROM tickets WHERE id = $1 AND booking_id = $2"
    " AND user_id = $3",
    3);
/* a ticket with its event's rules and its holder, locked */
enum lock_col {
	L_STATUS,
	L_CHECKED_IN,
	L_TRANSFERS,
	L_EVENT,
	L_OFF,
	L_OPEN,
	L_MAX,
	L_HOLDER,
	L_EMAIL,
	L_PHONE,
	L_FROM,
	L_UNTIL,
	L_TITLE,
	L_NAME /* the holder's name, "" when none */
};
static struct zt_sql q_lock = ZT_SQL("tr_lock",
    "SELECT t.status, t.checked_in_at IS NOT NULL, t.transfers, t.event_id,"
    " e.transfer_cutoff_hours IS NULL, now() < e.starts_at"
    "  - make_interval(hours => coalesce(e.transfer_cutoff_hours, 0)),"
    " e.max_transfers, t.user_id, u.email, u.phone,"
    " extract(epoch FROM e.starts_at - interval '12 hours')::bigint,"
    " extract(epoch FROM e.ends_at + interval '6 hours')::bigint,"
    " e.title, coalesce(u.name, '')"
    " FROM tickets t JOIN events e ON e.id = t.event_id"
    " LEFT JOIN users u ON u.id = t.user_id WHERE t.id = $1 FOR UPDATE OF t",
    1);
static struct zt_sql q_offer = ZT_SQL("tr_offer",
    "INSERT INTO ticket_transfers (tenant_id, event_id, ticket_id,"
    " from_user, to_email, to_phone) VALUES ($1, $2, $3, $4, $5, $6)"
    " RETURNING id",
    6);
/* a transfer the caller is party to: tenant, ticket, status, is it
 * addressed to the caller, is the caller its sender */
enum find_col { F_TENANT, F_TICKET, F_STATUS, F_TO_ME, F_FROM_ME };
static struct zt_sql q_find = ZT_SQL("tr_find",
    "SELECT tr.tenant_id, tr.ticket_id, tr.status,"
    " EXISTS (SELECT 1 FROM users u WHERE u.id = $2"
    "  AND (u.email = tr.to_email OR u.phone = tr.to_phone)),"
    " tr.from_user = $2"
    " FROM ticket_transfers tr WHERE tr.id = $1",
    2);
static struct zt_sql q_lock_transfer = ZT_SQL("tr_lock_transfer",
    "SELECT status FROM ticket_transfers WHERE id = $1 FOR UPDATE", 1);
static struct zt_sql q_retire = ZT_SQL("tr_retire",
    "UPDATE tickets SET status = 'transferred' WHERE id = $1"
    " AND status = 'live'"
    " RETURNING tenant_id, event_id, booking_id, seat_id, ticket_type_id,"
    " price_paise, transfers + 1",
    1);
static struct zt_sql q_issue = ZT_SQL("tr_issue",
    "INSERT INTO tickets (tenant_id, event_id, booking_id, user_id, seat_id,"
    " ticket_type_id, price_paise, transfers)"
    " VALUES ($1, $2, $3, $8, $4, $5, $6, $7) RETURNING id",
    8);
static struct zt_sql q_accepted = ZT_SQL("tr_accepted",
    "UPDATE ticket_transfers SET status = 'accepted', new_ticket_id = $2,"
    " accepted_by = $3, decided_at = now() WHERE id = $1",
    3);
static struct zt_sql q_cancelled = ZT_SQL("tr_cancelled",
    "UPDATE ticket_transfers SET status = 'cancelled', decided_at = now()"
    " WHERE id = $1 AND status = 'pending'",
    1);
/* audit_log of the ticket's tenant (the buyer's request has none) */
static struct zt_sql q_audit = ZT_SQL("tr_audit",
    "INSERT INTO audit_log (tenant_id, actor_user_id, action, target,"
    " details) VALUES ($1, $2, $3, $4, '{}'::jsonb)",
    4);
static struct zt_sql q_given = ZT_SQL("tr_given",
    "SELECT 1 FROM tickets WHERE booking_id = $1 AND status = 'transferred'"
    " LIMIT 1",
    1);
enum mine_col { M_ID, M_TICKET, M_EVENT, M_STATUS, M_TO, M_CREATED, M_IN };
static struct zt_sql q_mine = ZT_SQL("tr_mine",
    "SELECT tr.id, tr.ticket_id, tr.event_id, tr.status,"
    " coalesce(tr.to_email, tr.to_phone), " ISO_TR_MADE ","
    " tr.from_user <> $1"
    " FROM ticket_transfers tr"
    " WHERE tr.from_user = $1 OR tr.status = 'pending'"
    " ORDER BY tr.created_at DESC LIMIT 100",
    1);
enum recv_col { R_ID, R_EVENT, R_TENANT, R_SEAT, R_TYPE, R_FROM, R_UNTIL };
static struct zt_sql q_received = ZT_SQL("tr_received",
    "SELECT t.id, t.event_id, t.tenant_id, t.seat_id, t.ticket_type_id,"
    " extract(epoch FROM e.starts_at - interval '12 hours')::bigint,"
    " extract(epoch FROM e.ends_at + interval '6 hours')::bigint"
    " FROM tickets t JOIN events e ON e.id = t.event_id"
    " WHERE t.user_id = $1 AND t.status = 'live' AND t.transfers > 0"
    " AND EXISTS (SELECT 1 FROM ticket_transfers tr"
    "  WHERE tr.new_ticket_id = t.id AND tr.status = 'accepted')"
    " ORDER BY t.created_at DESC LIMIT 100",
    1);

static struct zt_sql q_rules = ZT_SQL("tr_rules",
    "UPDATE events SET transfer_cutoff_hours = $3::int, max_transfers = $4"
    " WHERE id = $1 AND tenant_id = $2"
    " RETURNING transfer_cutoff_hours, max_transfers",
    4);

/* ---------------------------------------------------------- helpers ---- */

static enum zt_err
audit(struct zt_req *req, const char *tenant, const char *action,
    const char *target)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[4] = {tenant, req->user_id, action, target};
	if (zt_db_exec(req, &err, &q_audit, p) == NULL)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

/* the rules on the locked ticket row r (holder: must it be the caller) */
static enum zt_err
rules(struct zt_req *req, const PGresult *r, int holder)
{
	const char *st = PQgetvalue(r, 0, L_STATUS);
	if (holder && strcmp(PQgetvalue(r, 0, L_HOLDER), req->user_id) != 0)
		return zt_fail(req, ZT_ENOTFOUND, "ticket_not_found",
		    "no such ticket of yours");
	if (strcmp(st, "live") != 0)
		return zt_fail(req, ZT_ECONFLICT, "ticket_not_live",
		    "this ticket is %s: it cannot be transferred", st);
	if (*PQgetvalue(r, 0, L_CHECKED_IN) == 't')
		return zt_fail(req, ZT_ECONFLICT, "ticket_checked_in",
		    "this ticket was used at the gate already");
	if (*PQgetvalue(r, 0, L_OFF) == 't')
		return zt_fail(req, ZT_ECONFLICT, "transfers_off",
		    "the organizer does not allow transfers for this event");
	if (*PQgetvalue(r, 0, L_OPEN) != 't')
		return zt_fail(req, ZT_ECONFLICT, "transfer_closed",
		    "transfers for this event have closed");
	if (atoi(PQgetvalue(r, 0, L_TRANSFERS)) >=
	    atoi(PQgetvalue(r, 0, L_MAX)))
		return zt_fail(req, ZT_ECONFLICT, "transfer_limit",
		    "this ticket has changed hands as often as the organizer "
		    "allows");
	return ZT_OK;
}

static enum zt_err
lock_ticket(struct zt_req *req, const char *ticket_id, PGresult **r)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {ticket_id};
	if ((*r = zt_db_exec(req, &err, &q_lock, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(*r) == 0)
		return zt_fail(req, ZT_ENOTFOUND, "ticket_not_found",
		    "no such ticket of yours");
	return ZT_OK;
}

/* ------------------------------------------------------------ offer ---- */

/*
 * The "ticket.transfer_offered" message (zt_outbox.c) to the recipient,
 * queued in the offer's transaction: by email or SMS as the offer names
 * them, with the accept link (web/transfer.html).  Only the sender's name
 * is shown (never their email or phone); no name: "Someone".
 */
static enum zt_err
queue_offer(struct zt_req *req, const char *channel, const char *recipient,
    const char *transfer_id, const char *title, const char *sender)
{
	struct json_object *payload = json_object_new_object();
	enum zt_err e;
	json_object_object_add(payload, "template",
	    json_object_new_string("ticket.transfer_offered"));
	json_object_object_add(
	    payload, "transferId", json_object_new_string(transfer_id));
	json_object_object_add(
	    payload, "eventTitle", json_object_new_string(title));
	json_object_object_add(payload, "sender",
	    json_object_new_string(*sender ? sender : "Someone"));
	json_object_object_add(payload, "link",
	    json_object_new_string(zt_arena_printf(req->arena,
		"%s/transfer.html?id=%s", zt_g.cfg.public_url, transfer_id)));
	e = zt_outbox_enqueue(req, channel, recipient, payload);
	json_object_put(payload);
	return e;
}

enum zt_err
zt_transfer_offer(struct zt_req *req, const char *booking_id,
    const char *ticket_id, const char *email, const char *phone,
    struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	char to_email[256], to_phone[24];
	const char *tenant, *id;
	PGresult *r;
	enum zt_err e;

	*out = NULL;
	if (!zt_is_uuid(booking_id) || !zt_is_uuid(ticket_id))
		return zt_fail(req, ZT_ENOTFOUND, "ticket_not_found",
		    "no such ticket of yours");
	if ((email == NULL) == (phone == NULL))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "give the recipient's email or phone");
	if (email && zt_ident_email(email, to_email, sizeof(to_email)) != 0)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "email is not an email address");
	if (phone && zt_ident_phone(phone, to_phone, sizeof(to_phone)) != 0)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "phone is not a phone number");
	if (zt_db_begin_user(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	const char *hp[3] = {zt_uuid_norm(req->arena, ticket_id),
	    zt_uuid_norm(req->arena, booking_id), req->user_id};
	if ((r = zt_db_exec(req, &err, &q_held, hp)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_ENOTFOUND, "ticket_not_found",
		    "no such ticket of yours");
	tenant = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0));
	if (zt_db_scope_tenant(req, &err, tenant, req->user_id) != ZT_OK)
		return zt_fail_error(req, &err);
	if ((e = lock_ticket(req, hp[0], &r)) != ZT_OK ||
	    (e = rules(req, r, 1)) != ZT_OK)
		return e;
	if ((email && zt_db_val(r, 0, L_EMAIL) &&
		strcmp(zt_db_val(r, 0, L_EMAIL), to_email) == 0) ||
	    (phone && zt_db_val(r, 0, L_PHONE) &&
		strcmp(zt_db_val(r, 0, L_PHONE), to_phone) == 0))
		return zt_fail(req, ZT_EINVALID, "transfer_to_self",
		    "this ticket is yours already");
	const char *op[6] = {tenant, PQgetvalue(r, 0, L_EVENT), hp[0],
	    req->user_id, email ? to_email : NULL, phone ? to_phone : NULL};
	const char *title =
	    zt_arena_strdup(req->arena, PQgetvalue(r, 0, L_TITLE));
	const char *sender =
	    zt_arena_strdup(req->arena, PQgetvalue(r, 0, L_NAME));
	if ((r = zt_db_exec(req, &err, &q_offer, op)) == NULL) {
		if (strcmp(zt_db_sqlstate(), "23505") == 0)
			return zt_fail(req, ZT_ECONFLICT, "transfer_pending",
			    "this ticket is being transferred already; cancel "
			    "that first");
		return zt_fail_error(req, &err);
	}
	id = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0));
	if ((e = audit(req, tenant, "ticket.transfer_offered", hp[0])) !=
		ZT_OK ||
	    (e = queue_offer(req, email ? "email" : "sms",
		 email ? to_email : to_phone, id, title, sender)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	*out = json_object_new_object();
	json_object_object_add(*out, "id", json_object_new_string(id));
	json_object_object_add(*out, "ticketId", json_object_new_string(hp[0]));
	json_object_object_add(
	    *out, "status", json_object_new_string("pending"));
	json_object_object_add(
	    *out, "to", json_object_new_string(email ? to_email : to_phone));
	return ZT_OK;
}

/* ----------------------------------------------- accept and cancel ---- */

/* the transfer (caller party to it) into f; its tenant scoped */
static enum zt_err
find(struct zt_req *req, const char *transfer_id, PGresult **f)
{
	struct zt_error err = ZT_ERROR_INIT;
	if (!zt_is_uuid(transfer_id))
		return zt_fail(req, ZT_ENOTFOUND, "transfer_not_found",
		    "no such transfer");
	const char *p[2] = {
	    zt_uuid_norm(req->arena, transfer_id), req->user_id};
	if (zt_db_begin_user(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if ((*f = zt_db_exec(req, &err, &q_find, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(*f) == 0)
		return zt_fail(req, ZT_ENOTFOUND, "transfer_not_found",
		    "no such transfer");
	if (zt_db_scope_tenant(
		req, &err, PQgetvalue(*f, 0, F_TENANT), req->user_id) != ZT_OK)
		return zt_fail_error(req, &err);
	const char *lp[1] = {p[0]};
	PGresult *l = zt_db_exec(req, &err, &q_lock_transfer, lp);
	if (l == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(l) == 0 || strcmp(PQgetvalue(l, 0, 0), "pending") != 0)
		return zt_fail(req, ZT_ECONFLICT, "transfer_not_pending",
		    "this transfer was %s already",
		    PQntuples(l) ? PQgetvalue(l, 0, 0) : "decided");
	return ZT_OK;
}

enum zt_err
zt_transfer_accept(
    struct zt_req *req, const char *transfer_id, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct zt_ticket_signer sg;
	PGresult *f, *t, *old, *made;
	const char *tenant, *ticket, *event, *qr;
	enum zt_err e;

	*out = NULL;
	if ((e = find(req, transfer_id, &f)) != ZT_OK)
		return e;
	if (*PQgetvalue(f, 0, F_TO_ME) != 't')
		return zt_fail(req, ZT_EFORBIDDEN, "transfer_not_for_you",
		    "this transfer is addressed to another email or phone");
	tenant = PQgetvalue(f, 0, F_TENANT);
	ticket = PQgetvalue(f, 0, F_TICKET);
	if ((e = lock_ticket(req, ticket, &t)) != ZT_OK ||
	    (e = rules(req, t, 0)) != ZT_OK)
		return e;
	if (strcmp(PQgetvalue(t, 0, L_HOLDER), req->user_id) == 0)
		return zt_fail(req, ZT_EINVALID, "transfer_to_self",
		    "this ticket is yours already");
	const char *rp[1] = {ticket};
	if ((old = zt_db_exec(req, &err, &q_retire, rp)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(old) == 0)
		return zt_fail(req, ZT_ECONFLICT, "ticket_not_live",
		    "this ticket cannot be transferred any more");
	const char *ip[8] = {zt_db_val(old, 0, 0), zt_db_val(old, 0, 1),
	    zt_db_val(old, 0, 2), zt_db_val(old, 0, 3), zt_db_val(old, 0, 4),
	    zt_db_val(old, 0, 5), zt_db_val(old, 0, 6), req->user_id};
	if ((made = zt_db_exec(req, &err, &q_issue, ip)) == NULL)
		return zt_fail_error(req, &err);
	const char *ap[3] = {zt_uuid_norm(req->arena, transfer_id),
	    PQgetvalue(made, 0, 0), req->user_id};
	if (zt_db_exec(req, &err, &q_accepted, ap) == NULL)
		return zt_fail_error(req, &err);
	if ((e = audit(req, tenant, "ticket.transfer_accepted", ap[1])) !=
	    ZT_OK)
		return e;
	event = PQgetvalue(t, 0, L_EVENT);
	if ((e = zt_whout_event(req, tenant, "ticket.transferred", "transferId",
		 ap[0], "oldTicketId", rp[0], "newTicketId", ap[1], "eventId",
		 event, "bookingId", ip[2], NULL)) != ZT_OK)
		return e;
	if ((e = zt_ticket_signer(req, tenant, &sg)) != ZT_OK)
		return e;
	qr = zt_ticket_qr(req, &sg, ap[1], event,
	    atoll(PQgetvalue(t, 0, L_FROM)), atoll(PQgetvalue(t, 0, L_UNTIL)));
	sodium_memzero(&sg, sizeof(sg));
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	*out = json_object_new_object();
	json_object_object_add(*out, "id", json_object_new_string(ap[0]));
	json_object_object_add(
	    *out, "status", json_object_new_string("accepted"));
	struct json_object *tk = json_object_new_object();
	json_object_object_add(tk, "id", json_object_new_string(ap[1]));
	json_object_object_add(tk, "eventId", json_object_new_string(event));
	json_object_object_add(tk, "seatId", zt_json_nullable(ip[3]));
	json_object_object_add(tk, "ticketTypeId", zt_json_nullable(ip[4]));
	json_object_object_add(tk, "status", json_object_new_string("live"));
	json_object_object_add(tk, "qr", zt_json_nullable(qr));
	json_object_object_add(*out, "ticket", tk);
	return ZT_OK;
}

enum zt_err
zt_transfer_cancel(
    struct zt_req *req, const char *transfer_id, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	PGresult *f;
	enum zt_err e;
	*out = NULL;
	if ((e = find(req, transfer_id, &f)) != ZT_OK)
		return e;
	/* the sender takes it back; the recipient declines */
	if (*PQgetvalue(f, 0, F_FROM_ME) != 't' &&
	    *PQgetvalue(f, 0, F_TO_ME) != 't')
		return zt_fail(req, ZT_ENOTFOUND, "transfer_not_found",
		    "no such transfer");
	const char *p[1] = {zt_uuid_norm(req->arena, transfer_id)};
	if (zt_db_exec(req, &err, &q_cancelled, p) == NULL)
		return zt_fail_error(req, &err);
	if ((e = audit(req, PQgetvalue(f, 0, F_TENANT),
		 "ticket.transfer_cancelled", PQgetvalue(f, 0, F_TICKET))) !=
	    ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	*out = json_object_new_object();
	json_object_object_add(*out, "id", json_object_new_string(p[0]));
	json_object_object_add(
	    *out, "status", json_object_new_string("cancelled"));
	return ZT_OK;
}

/* ------------------------------------------------------------ reads ---- */

enum zt_err
zt_transfer_mine(struct zt_req *req, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {req->user_id};
	PGresult *m, *r;
	struct json_object *in, *outg, *recv;
	enum zt_err e = ZT_OK;

	*out = NULL;
	if (zt_db_begin_user(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if ((m = zt_db_exec(req, &err, &q_mine, p)) == NULL ||
	    (r = zt_db_exec(req, &err, &q_received, p)) == NULL)
		return zt_fail_error(req, &err);
	in = json_object_new_array();
	outg = json_object_new_array();
	for (int i = 0; i < PQntuples(m); i++) {
		struct json_object *x = json_object_new_object();
		json_object_object_add(
		    x, "id", json_object_new_string(PQgetvalue(m, i, M_ID)));
		json_object_object_add(x, "ticketId",
		    json_object_new_string(PQgetvalue(m, i, M_TICKET)));
		json_object_object_add(x, "eventId",
		    json_object_new_string(PQgetvalue(m, i, M_EVENT)));
		json_object_object_add(x, "status",
		    json_object_new_string(PQgetvalue(m, i, M_STATUS)));
		json_object_object_add(x, "createdAt",
		    json_object_new_string(PQgetvalue(m, i, M_CREATED)));
		if (*PQgetvalue(m, i, M_IN) == 't') {
			json_object_array_add(in, x);
			continue;
		}
		json_object_object_add(
		    x, "to", json_object_new_string(PQgetvalue(m, i, M_TO)));
		json_object_array_add(outg, x);
	}
	recv = json_object_new_array();
	for (int i = 0; i < PQntuples(r) && e == ZT_OK; i++) {
		struct zt_ticket_signer sg;
		struct json_object *x = json_object_new_object();
		const char *qr = NULL;
		if ((e = zt_ticket_signer(
			 req, PQgetvalue(r, i, R_TENANT), &sg)) == ZT_OK)
			qr = zt_ticket_qr(req, &sg, PQgetvalue(r, i, R_ID),
			    PQgetvalue(r, i, R_EVENT),
			    atoll(PQgetvalue(r, i, R_FROM)),
			    atoll(PQgetvalue(r, i, R_UNTIL)));
		sodium_memzero(&sg, sizeof(sg));
		json_object_object_add(
		    x, "id", json_object_new_string(PQgetvalue(r, i, R_ID)));
		json_object_object_add(x, "eventId",
		    json_object_new_string(PQgetvalue(r, i, R_EVENT)));
		json_object_object_add(
		    x, "seatId", zt_json_nullable(zt_db_val(r, i, R_SEAT)));
		json_object_object_add(x, "ticketTypeId",
		    zt_json_nullable(zt_db_val(r, i, R_TYPE)));
		json_object_object_add(
		    x, "status", json_object_new_string("live"));
		json_object_object_add(x, "qr", zt_json_nullable(qr));
		json_object_array_add(recv, x);
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "incoming", in);
	json_object_object_add(*out, "outgoing", outg);
	json_object_object_add(*out, "received", recv);
	if (e != ZT_OK) {
		json_object_put(*out);
		*out = NULL;
		return e;
	}
	/* a first signing may have made the tenant's key: commit it */
	if (zt_db_commit(req, &err) != ZT_OK) {
		json_object_put(*out);
		*out = NULL;
		return zt_fail_error(req, &err);
	}
	return ZT_OK;
}

enum zt_err
zt_transfer_qr_svg(struct zt_req *req, const char *ticket_id, const char **svg)
{
	struct json_object *all, *recv;
	const char *qr = NULL;
	enum zt_err e;
	*svg = NULL;
	if ((e = zt_transfer_mine(req, &all)) != ZT_OK)
		return e;
	recv = json_object_object_get(all, "received");
	for (size_t i = 0; i < json_object_array_length(recv); i++) {
		struct json_object *x = json_object_array_get_idx(recv, i);
		struct json_object *q = json_object_object_get(x, "qr");
		if (q != NULL && ticket_id != NULL &&
		    strcmp(
			json_object_get_string(json_object_object_get(x, "id")),
			ticket_id) == 0)
			qr = zt_arena_strdup(
			    req->arena, json_object_get_string(q));
	}
	json_object_put(all);
	if (qr == NULL || (*svg = zt_qr_svg(req->arena, qr, NULL)) == NULL)
		return zt_fail(req, ZT_ENOTFOUND, "ticket_not_found",
		    "no such live ticket of yours");
	return ZT_OK;
}

enum zt_err
zt_transfer_check_cancel(struct zt_req *req, const char *booking_id)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {booking_id};
	PGresult *r = zt_db_exec(req, &err, &q_given, p);
	if (r == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) > 0)
		return zt_fail(req, ZT_ECONFLICT, "ticket_transferred",
		    "a ticket of this booking was given to someone else: it "
		    "can no longer be cancelled");
	return ZT_OK;
}

static const char *const rule_keys[] = {"cutoffHours", "maxTransfers", NULL};

enum zt_err
zt_transfer_rules(struct zt_req *req, const char *event_id,
    struct json_object *in, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct json_object *v = NULL;
	int64_t cutoff = 0, max = 1;
	PGresult *r;
	enum zt_err e;
	*out = NULL;
	if (in == NULL)
		return zt_fail(req, ZT_EBADREQ, "invalid_json",
		    "send the rules as a JSON object");
	if ((e = zt_json_known(req, in, NULL, rule_keys)) != ZT_OK)
		return e;
	/* cutoffHours: null turns transfers off */
	int off =
	    !json_object_object_get_ex(in, "cutoffHours", &v) || v == NULL;
	if (!off && (e = zt_json_int(req, in, "cutoffHours", ZT_REQUIRED, 0,
			 8760, &cutoff, NULL)) != ZT_OK)
		return e;
	if ((e = zt_json_int(req, in, "maxTransfers", ZT_OPTIONAL, 0, 10, &max,
		 NULL)) != ZT_OK)
		return e;
	if (!zt_is_uuid(event_id))
		return zt_fail(
		    req, ZT_ENOTFOUND, "event_not_found", "no such event");
	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK)
		return e;
	const char *p[4] = {zt_uuid_norm(req->arena, event_id), req->tenant_id,
	    off ? NULL : zt_arena_printf(req->arena, "%lld", (long long)cutoff),
	    zt_arena_printf(req->arena, "%lld", (long long)max)};
	if ((r = zt_db_exec(req, &err, &q_rules, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(
		    req, ZT_ENOTFOUND, "event_not_found", "no such event");
	if ((e = zt_audit(req, "event.transfer_rules", p[0], NULL)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	*out = json_object_new_object();
	json_object_object_add(*out, "cutoffHours",
	    PQgetisnull(r, 0, 0)
		? NULL
		: json_object_new_int(atoi(PQgetvalue(r, 0, 0))));
	json_object_object_add(*out, "maxTransfers",
	    json_object_new_int(atoi(PQgetvalue(r, 0, 1))));
	return ZT_OK;
}

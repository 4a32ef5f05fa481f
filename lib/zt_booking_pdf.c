/*
 * zt_booking_pdf.c - a booking's tickets as a PDF (docs/tickets.md, "PDF
 * tickets"): GET /api/bookings/:id/tickets.pdf and the attachment of the
 * confirmation email.  What a page shows comes from the booking read
 * (zt__q_get, zt__q_get_items and zt__booking_json_with: the tickets and
 * their signed payloads); lib/zt_pdf.c draws it.
 */
#include "zt_media.h"
#include "zt_booking.h"
#include "zt_booking_int.h"
#include "zt_notify.h"
#include "zt_pdf.h"
#include "zt_rate.h"
#include "zt_server.h"
#include "zt_uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A PDF costs tens of milliseconds of a worker's CPU (docs/tickets.md):
 * each user may ask for PDF_PER_MINUTE a minute, whatever the answer, so
 * a loop of downloads (or of guessed ids) cannot hold the bookings
 * workers.  A buyer saving their tickets asks once or twice.
 */
#define PDF_PER_MINUTE 30

/* the organizer's name and colour (tenants.branding, {"accent": "#…"}) */
enum org_col { ORG_NAME, ORG_ACCENT, ORG_LOGO };
static struct zt_sql q_org = ZT_SQL("bk_pdf_org",
    "SELECT t.name, t.branding->>'accent', t.branding->>'logoUrl'"
    " FROM tenants t"
    " WHERE t.id = (SELECT b.tenant_id FROM bookings b WHERE b.id = $1)",
    1);

static const char *
str_of(struct json_object *o, const char *key)
{
	struct json_object *v = json_object_object_get(o, key);
	return v != NULL && json_object_is_type(v, json_type_string)
		   ? json_object_get_string(v)
		   : NULL;
}

/* The item line of ticket x (its seat or its ticket type) in items. */
static int
item_of(const PGresult *items, struct json_object *x)
{
	const char *seat = str_of(x, "seatId"),
		   *type = str_of(x, "ticketTypeId");
	for (int i = 0; i < PQntuples(items); i++) {
		const char *v = seat != NULL ? zt_db_val(items, i, ITEM_SEAT)
					     : zt_db_val(items, i, ITEM_TYPE);
		if (v != NULL && strcmp(v, seat != NULL ? seat : type) == 0)
			return i;
	}
	return -1;
}

/*
 * The pages of booking_id, read in the open transaction under its scope
 * into *pb (req's arena): the buyer's (as_buyer: another user's booking is
 * 404) or its tenant's (the outbox); the read signs the payloads either
 * way.  404 unknown, 409 not confirmed or no live ticket.
 */
static enum zt_err
gather(struct zt_req *req, const char *booking_id, int as_buyer,
    struct zt_pdf_booking *pb)
{
	const char *p[1] = {booking_id};
	PGresult *got = NULL, *items = NULL, *org;
	struct json_object *b = NULL, *tickets;
	struct zt_pdf_ticket *tk;
	struct zt_error dberr = ZT_ERROR_INIT;
	enum zt_err e = ZT_OK;
	size_t n;

	/* the three reads in one round trip */
	if (zt_db_queue(req, &dberr, &zt__q_get, p, &got) != ZT_OK ||
	    zt_db_queue(req, &dberr, &zt__q_get_items, p, &items) != ZT_OK ||
	    (org = zt_db_exec(req, &dberr, &q_org, p)) == NULL)
		return zt_fail_error(req, &dberr);
	if (PQntuples(got) == 0 ||
	    (as_buyer && strcmp(PQgetvalue(got, 0, GET_USER), req->user_id)))
		return zt__no_booking(req);
	if (strcmp(PQgetvalue(got, 0, GET_STATUS), "confirmed") != 0)
		return zt_fail(req, ZT_ECONFLICT, "booking_not_confirmed",
		    "only a confirmed booking has tickets to print");
	/* signed by the read, for the outbox too (its key read with it) */
	if ((e = zt__booking_json_with(req, booking_id, got, items, 1, &b)) !=
	    ZT_OK)
		return e;
	tickets = json_object_object_get(b, "tickets");
	n = json_object_array_length(tickets);
	memset(pb, 0, sizeof(*pb));
	tk = zt_arena_array(req->arena, n + 1, sizeof(*tk));
	for (size_t i = 0; i < n; i++) {
		struct json_object *x = json_object_array_get_idx(tickets, i);
		const char *qr = str_of(x, "qr");
		int row = item_of(items, x);
		if (qr == NULL)
			continue; /* not live: no page */
		tk[pb->n].qr = zt_arena_strdup(req->arena, qr);
		tk[pb->n].label =
		    row >= 0 ? zt__dup(req, items, row, ITEM_LABEL) : NULL;
		tk[pb->n].seated = str_of(x, "seatId") != NULL;
		pb->n++;
	}
	if (pb->n == 0) {
		e = zt_fail(req, ZT_ECONFLICT, "no_live_tickets",
		    "every ticket of this booking was refunded or cancelled");
		goto out;
	}
	pb->tickets = tk;
	pb->booking_id = zt__dup(req, got, 0, GET_ID);
	pb->title = zt__dup(req, got, 0, GET_TITLE);
	pb->when = zt__dup(req, got, 0, GET_WHEN);
	pb->venue = zt__dup(req, got, 0, GET_VENUE);
	pb->holder = zt__dup(req, got, 0, GET_BUYER_NAME);
	pb->created = zt__dup(req, got, 0, GET_CONFIRMED);
	if (PQntuples(org) > 0) {
		pb->tenant = zt__dup(req, org, 0, ORG_NAME);
		pb->accent = zt__dup(req, org, 0, ORG_ACCENT);
		/* an uploaded logo only: a URL elsewhere is never fetched */
		const char *logo = zt_media_name(zt_db_val(org, 0, ORG_LOGO));
		if (logo != NULL)
			pb->logo = zt_arena_printf(
			    req->arena, "%s/%s", zt_g.cfg.media_dir, logo);
	}
out:
	json_object_put(b);
	return e;
}

static enum zt_err
render(struct zt_req *req, const struct zt_pdf_booking *pb,
    const unsigned char **pdf, size_t *len)
{
	char why[160];
	if (zt_pdf_tickets(req->arena, pb, pdf, len, why, sizeof(why)) != 0)
		return zt_fail(req, ZT_EINTERNAL, NULL,
		    "could not make the tickets' pdf: %s", why);
	return ZT_OK;
}

enum zt_err
zt_booking_tickets_pdf(struct zt_req *req, const char *booking_id,
    const unsigned char **pdf, size_t *len)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct zt_pdf_booking pb;
	enum zt_err e;
	*pdf = NULL;
	*len = 0;
	if ((e = zt_rate_hit(
		 req, "pdf-user", req->user_id, PDF_PER_MINUTE, 60)) != ZT_OK)
		return e;
	if (!zt_is_uuid(booking_id))
		return zt__no_booking(req);
	/* the buyer's scope alone, as for the QR image */
	if (zt_db_begin_user(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if ((e = gather(req, booking_id, 1, &pb)) != ZT_OK)
		return e;
	/* commit: signing may have made the tenant's first key */
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return render(req, &pb, pdf, len);
}

const char *
zt_booking_pdf_name(struct zt_req *req, const char *booking_id)
{
	return zt_arena_printf(req->arena, "ztic-%.8s.pdf", booking_id);
}

int
zt_booking_pdf_attach(struct zt_req *req, const char *channel,
    struct json_object *payload, struct zt_notify_attachment *att, char *err,
    size_t errlen)
{
	const char *tpl = str_of(payload, "template");
	const char *id = str_of(payload, "bookingId");
	const char *tenant = str_of(payload, "tenantId");
	struct zt_error dberr = ZT_ERROR_INIT;
	struct zt_pdf_booking pb;
	enum zt_err e;
	if (strcmp(channel, "email") != 0 || tpl == NULL ||
	    strcmp(tpl, "booking.confirmed") != 0 || id == NULL ||
	    tenant == NULL || !zt_is_uuid(id) || !zt_is_uuid(tenant))
		return 0;
	/* inside the sender's transaction: a failure here must not end it */
	if (zt_db_savepoint(req, &dberr, "pdf") != ZT_OK)
		goto failed;
	if (zt_db_scope_tenant(req, &dberr, tenant, NULL) != ZT_OK)
		e = zt_fail_error(req, &dberr);
	else
		e = gather(req, id, 0, &pb);
	if (e != ZT_OK) {
		/* refunded or cancelled since: the email goes without it */
		int skip = e == ZT_ENOTFOUND || e == ZT_ECONFLICT;
		if (!skip)
			snprintf(err, errlen,
			    "could not attach the tickets: %s",
			    req->err_msg ? req->err_msg : "database error");
		zt_fail_clear(req);
		if (zt_db_rollback_to(req, &dberr, "pdf") != ZT_OK ||
		    zt_db_scope_public(req, &dberr) != ZT_OK)
			goto failed;
		return skip ? 0 : -1;
	}
	if (zt_db_release(req, &dberr, "pdf") != ZT_OK ||
	    zt_db_scope_public(req, &dberr) != ZT_OK)
		goto failed;
	if (render(req, &pb, &att->content, &att->len) != ZT_OK) {
		snprintf(err, errlen, "could not attach the tickets: %s",
		    req->err_msg ? req->err_msg : "pdf error");
		zt_fail_clear(req);
		return -1;
	}
	att->filename = zt_booking_pdf_name(req, id);
	att->content_type = "application/pdf";
	return 1;
failed:
	snprintf(err, errlen, "could not attach the tickets: %s",
	    dberr.msg[0] ? dberr.msg : "database error");
	zt_fail_clear(req);
	return -1;
}

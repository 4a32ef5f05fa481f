/*
 * zt_admin_money.c - the admin console's money pages: payout approvals
 * (the decision itself is lib/zt_payout.c's zt_payout_decide), reconcile's
 * findings (payment_discrepancies) and the refunds overview.  Inside
 * zt_admin_require's transaction (app.admin_id = the admin: reads span
 * tenants).  zt_admin.h, docs/admin.md "Money".
 */
#include "zt_admin.h"
#include "zt_db.h"
#include "zt_log.h"
#include "zt_payout.h"

#include <string.h>

#define ISO(col)                                                               \
	"to_char(" col " AT TIME ZONE 'UTC', "                                 \
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define ISO_P_CREATED ISO("p.created_at")
#define ISO_P_DECIDED ISO("p.decided_at")
#define ISO_P_PAID ISO("p.paid_at")
#define ISO_D_FOUND ISO("d.found_at")
#define ISO_D_RESOLVED ISO("d.resolved_at")
#define ISO_R_CREATED ISO("r.created_at")
#define ISO_R_UPDATED ISO("r.updated_at")

static struct zt_sql q_payouts = ZT_SQL("adm_payouts",
    "SELECT coalesce(json_agg(x), '[]') FROM ("
    " SELECT p.id, p.status, p.tenant_id AS \"tenantId\", t.name AS"
    " \"tenantName\", p.event_id AS \"eventId\", e.title AS \"eventTitle\","
    " p.gross_paise AS \"grossPaise\", p.refunds_paise AS \"refundsPaise\","
    " p.fees_paise AS \"feesPaise\", p.commission_paise AS"
    " \"commissionPaise\", p.commission_gst_paise AS"
    " \"commissionGstPaise\", p.net_paise AS \"netPaise\","
    " p.provider_transfer_id AS \"transferId\", p.failure_reason AS"
    " \"failureReason\", a.email AS \"decidedBy\","
    " " ISO_P_DECIDED " AS \"decidedAt\", " ISO_P_PAID " AS \"paidAt\","
    " " ISO_P_CREATED " AS \"createdAt\""
    " FROM payouts p JOIN tenants t ON t.id = p.tenant_id"
    " JOIN events e ON e.id = p.event_id"
    " LEFT JOIN platform_admins a ON a.id = p.decided_by"
    " WHERE ($1 = '' OR p.status = $1)"
    " AND ($2 = '' OR strpos(lower(t.name || ' ' || e.title || ' ' ||"
    "   p.id::text || ' ' || coalesce(p.provider_transfer_id, '')),"
    "   lower($2)) > 0)"
    " ORDER BY p.created_at DESC LIMIT 200) x",
    2);
static struct zt_sql q_payout_state = ZT_SQL("adm_payout_state",
    "SELECT status, tenant_id FROM payouts WHERE id = $1", 1);
static struct zt_sql q_discrepancies = ZT_SQL("adm_discrepancies",
    "SELECT coalesce(json_agg(x), '[]') FROM ("
    " SELECT d.id, d.kind, d.tenant_id AS \"tenantId\", t.name AS"
    " \"tenantName\", d.provider, d.provider_payment_id AS \"paymentId\","
    " d.provider_order_id AS \"orderId\", d.amount_paise AS"
    " \"amountPaise\", d.details, " ISO_D_FOUND " AS \"foundAt\","
    " " ISO_D_RESOLVED " AS \"resolvedAt\", a.email AS \"resolvedBy\","
    " d.resolution_note AS \"resolutionNote\""
    " FROM payment_discrepancies d LEFT JOIN tenants t ON t.id = d.tenant_id"
    " LEFT JOIN platform_admins a ON a.id = d.resolved_by"
    " WHERE ($1 = '' OR ($1 = 'open') = (d.resolved_at IS NULL))"
    " ORDER BY d.resolved_at IS NULL DESC, d.found_at DESC LIMIT 200) x",
    1);
static struct zt_sql q_discrepancy_resolve = ZT_SQL("adm_discrepancy_resolve",
    "UPDATE payment_discrepancies SET resolved_at = now(), resolved_by = $2,"
    " resolution_note = $3 WHERE id = $1 AND resolved_at IS NULL"
    " RETURNING coalesce(tenant_id::text, ''), kind, provider_payment_id",
    3);
static struct zt_sql q_discrepancy_exists = ZT_SQL("adm_discrepancy_exists",
    "SELECT 1 FROM payment_discrepancies WHERE id = $1", 1);
static struct zt_sql q_refunds = ZT_SQL("adm_refunds",
    "SELECT coalesce(json_agg(x), '[]') FROM ("
    " SELECT r.id, r.status, r.amount_paise AS \"amountPaise\", r.reason,"
    " r.provider_refund_id AS \"providerRefundId\","
    " r.tenant_id AS \"tenantId\", t.name AS \"tenantName\","
    " b.event_id AS \"eventId\", e.title AS \"eventTitle\","
    " p.booking_id AS \"bookingId\", u.email AS \"buyerEmail\","
    " " ISO_R_CREATED " AS \"createdAt\", " ISO_R_UPDATED " AS"
    " \"updatedAt\", floor(extract(epoch FROM now() - r.created_at))::bigint"
    " AS \"ageSeconds\""
    " FROM refunds r JOIN payments p ON p.id = r.payment_id"
    " JOIN bookings b ON b.id = p.booking_id"
    " JOIN events e ON e.id = b.event_id JOIN tenants t ON t.id = r.tenant_id"
    " LEFT JOIN users u ON u.id = b.user_id"
    " WHERE ($1 = '' OR r.status = $1)"
    " AND ($2 = '' OR strpos(lower(t.name || ' ' || e.title || ' ' ||"
    "   r.id::text || ' ' || b.id::text || ' ' || coalesce(u.email, '') ||"
    "   ' ' || coalesce(r.provider_refund_id, '')), lower($2)) > 0)"
    " ORDER BY r.status = 'failed' DESC, r.created_at DESC LIMIT 200) x",
    2);

enum zt_err
zt_admin_payouts(struct zt_req *req, const char *status, const char *search,
    struct json_object **out)
{
	const char *p[2] = {status ? status : "", search ? search : ""};
	return zt__admin_json_row(req, &q_payouts, p, "payouts", out);
}

enum zt_err
zt_admin_payout_decide(struct zt_req *req, const struct zt_admin *by,
    const char *payout_id, int approve, const char *reason,
    struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {payout_id};
	PGresult *r;
	enum zt_err e;

	*out = NULL;
	if ((r = zt_db_exec(req, &err, &q_payout_state, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0) {
		zt_db_rollback();
		return zt_fail(
		    req, ZT_ENOTFOUND, "payout_not_found", "no such payout");
	}
	const char *before = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0));
	const char *tenant = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 1));
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	/* the decision is the money module's, in its own transaction (it
	 * refuses, 409, anything but pending or held); the audit row follows
	 * once it has committed */
	if ((e = zt_payout_decide(req, by->id, payout_id, approve, out)) !=
	    ZT_OK)
		return e;
	const char *after = approve ? "approved" : "held";
	if (zt_db_begin_public(req, &err) != ZT_OK) {
		e = zt_fail_error(req, &err);
		goto unaudited;
	}
	if ((e = zt__admin_audit(req, by, tenant,
		 approve ? "payout.approved" : "payout.held",
		 zt_arena_printf(req->arena, "payout:%s", payout_id),
		 zt__admin_status_change(
		     reason ? reason : "", before, after))) != ZT_OK)
		goto unaudited;
	if (zt_db_commit(req, &err) != ZT_OK) {
		e = zt_fail_error(req, &err);
		goto unaudited;
	}
	return ZT_OK;
unaudited:
	/* decided (payouts.decided_by/decided_at say by whom) but not in the
	 * audit log: say so, and answer the failure */
	zt_log_error("admin",
	    "payout %s %s by admin %s without its audit entry", payout_id,
	    after, by->id);
	json_object_put(*out);
	*out = NULL;
	return e;
}

enum zt_err
zt_admin_discrepancies(
    struct zt_req *req, const char *state, struct json_object **out)
{
	const char *p[1] = {state ? state : ""};
	return zt__admin_json_row(
	    req, &q_discrepancies, p, "discrepancies", out);
}

enum zt_err
zt_admin_discrepancy_resolve(struct zt_req *req, const struct zt_admin *by,
    const char *id, const char *note, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[3] = {id, by->id, note};
	PGresult *r;
	enum zt_err e;

	*out = NULL;
	if ((r = zt_db_exec(req, &err, &q_discrepancy_resolve, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0) {
		if ((r = zt_db_exec(req, &err, &q_discrepancy_exists, p)) ==
		    NULL)
			return zt_fail_error(req, &err);
		int found = PQntuples(r) > 0;
		zt_db_rollback();
		return found
			   ? zt_fail(req, ZT_ECONFLICT, "already_resolved",
				 "this discrepancy is already resolved")
			   : zt_fail(req, ZT_ENOTFOUND, "discrepancy_not_found",
				 "no discrepancy with this id");
	}
	const char *tenant = PQgetvalue(r, 0, 0);
	struct json_object *d =
	    zt__admin_status_change(note, "open", "resolved");
	json_object_object_add(
	    d, "kind", json_object_new_string(PQgetvalue(r, 0, 1)));
	json_object_object_add(
	    d, "paymentId", json_object_new_string(PQgetvalue(r, 0, 2)));
	if ((e = zt__admin_audit(req, by, *tenant ? tenant : NULL,
		 "payment.discrepancy_resolved",
		 zt_arena_printf(req->arena, "discrepancy:%s", id), d)) !=
	    ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	*out = json_object_new_object();
	json_object_object_add(*out, "id", json_object_new_string(id));
	json_object_object_add(*out, "resolved", json_object_new_boolean(1));
	json_object_object_add(
	    *out, "resolutionNote", json_object_new_string(note));
	return ZT_OK;
}

enum zt_err
zt_admin_refunds(struct zt_req *req, const char *status, const char *search,
    struct json_object **out)
{
	const char *p[2] = {status ? status : "", search ? search : ""};
	return zt__admin_json_row(req, &q_refunds, p, "refunds", out);
}

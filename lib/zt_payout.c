/* zt_payout.c - paying organizers; see zt_payout.h. */
#include "zt_payout.h"
#include "zt_booking_int.h"
#include "zt_finance.h"
#include "zt_log.h"
#include "zt_outbox.h"
#include "zt_price.h"
#include "zt_server.h"
#include "zt_whout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* completed events past the hold with no live payout */
static struct zt_sql q_to_propose = ZT_SQL("po_to_propose",
    "SELECT e.id, e.tenant_id FROM events e WHERE e.status = 'completed'"
    " AND e.ends_at < now() - make_interval(days => $1::int)"
    " AND e.ends_at > now() - interval '180 days'"
    " AND NOT EXISTS (SELECT 1 FROM payouts p WHERE p.event_id = e.id"
    "  AND p.status NOT IN ('failed', 'reversed'))"
    " ORDER BY e.ends_at LIMIT $2::int",
    2);
static struct zt_sql q_propose = ZT_SQL("po_propose",
    "INSERT INTO payouts (tenant_id, event_id, gross_paise, refunds_paise,"
    " fees_paise, commission_paise, net_paise, tds_paise, tcs_paise,"
    " commission_gst_paise)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (event_id)"
    " WHERE status NOT IN ('failed', 'reversed') DO NOTHING RETURNING id",
    10);
/* approved, or claimed by a run that never heard Razorpay's answer */
static struct zt_sql q_to_send = ZT_SQL("po_to_send",
    "SELECT id, tenant_id FROM payouts WHERE status = 'approved'"
    " OR (status = 'processing' AND provider_transfer_id IS NULL"
    "  AND updated_at < now() - interval '1 minute')"
    " ORDER BY created_at LIMIT $1::int",
    1);
enum claim_col {
	CL_NET,
	CL_KEY,
	CL_ACCOUNT,
	CL_NAME,
	CL_UPI,
	CL_BANK_NAME,
	CL_BANK_NUMBER,
	CL_IFSC,
	CL_CONTACT
};
/* $2: ZT_PAYOUT_VIA; Route needs a linked account, RazorpayX the details
 * its fund account is made from (any row: the table's check) */
static struct zt_sql q_claim = ZT_SQL("po_claim",
    "UPDATE payouts p SET status = 'processing', provider_account_id ="
    " CASE WHEN $2 = 'route' THEN d.provider_account_id"
    " ELSE d.razorpayx_fund_account_id END"
    " FROM tenant_payout_details d, tenants t"
    " WHERE p.id = $1 AND d.tenant_id = p.tenant_id AND t.id = p.tenant_id"
    " AND ($2 = 'razorpayx' OR d.provider_account_id IS NOT NULL)"
    " AND (p.status = 'approved' OR (p.status = 'processing'"
    "  AND p.provider_transfer_id IS NULL"
    "  AND p.updated_at < now() - interval '1 minute'))"
    " RETURNING p.net_paise, p.idempotency_key,"
    " coalesce(p.provider_account_id, ''), left(t.name, 50),"
    " coalesce(d.upi_id, ''), coalesce(d.bank_account_name, ''),"
    " coalesce(d.bank_account_number, ''), coalesce(d.bank_ifsc, ''),"
    " coalesce(d.razorpayx_contact_id, '')",
    2);
/* the RazorpayX contact and fund account made for the tenant */
static struct zt_sql q_fund_made = ZT_SQL("po_fund_made",
    "UPDATE tenant_payout_details SET razorpayx_contact_id = $2,"
    " razorpayx_fund_account_id = $3 WHERE tenant_id = $1",
    3);
static struct zt_sql q_fund_used = ZT_SQL("po_fund_used",
    "UPDATE payouts SET provider_account_id = $2 WHERE id = $1", 2);
static struct zt_sql q_sent = ZT_SQL("po_sent",
    "UPDATE payouts SET provider_transfer_id = $2 WHERE id = $1"
    " AND provider_transfer_id IS NULL",
    2);
static struct zt_sql q_to_check = ZT_SQL("po_to_check",
    "SELECT id, tenant_id, provider_transfer_id FROM payouts"
    " WHERE status = 'processing' AND provider_transfer_id IS NOT NULL"
    " ORDER BY updated_at LIMIT $1::int",
    1);
static struct zt_sql q_end = ZT_SQL("po_end",
    "UPDATE payouts SET status = $2, failure_reason = nullif($3, ''),"
    " paid_at = CASE WHEN $2 = 'paid' THEN now() END"
    " WHERE id = $1 AND (status = 'processing'"
    "  OR (status = 'paid' AND $2 = 'reversed'))"
    " RETURNING id, tenant_id, event_id, net_paise, gross_paise,"
    " refunds_paise, fees_paise, commission_paise, tds_paise, tcs_paise,"
    " provider_transfer_id, commission_gst_paise",
    3);
/* the payout a transfer webhook names (payouts_transfer_idx, sql/023) */
static struct zt_sql q_by_transfer = ZT_SQL("po_by_transfer",
    "SELECT id, tenant_id FROM payouts WHERE provider_transfer_id = $1", 1);
/* whom to tell that a payout failed: the tenant's owners */
static struct zt_sql q_tell = ZT_SQL("po_tell",
    "SELECT u.email, t.name, e.title, p.net_paise FROM payouts p"
    " JOIN tenants t ON t.id = p.tenant_id"
    " JOIN events e ON e.id = p.event_id"
    " JOIN memberships m ON m.tenant_id = p.tenant_id AND m.role = 'owner'"
    " JOIN users u ON u.id = m.user_id"
    " WHERE p.id = $1 AND u.email IS NOT NULL",
    1);
static struct zt_sql q_decide = ZT_SQL("po_decide",
    "UPDATE payouts SET status = $2, decided_by = $3, decided_at = now()"
    " WHERE id = $1 AND status IN ('pending', 'held') RETURNING id",
    3);
static struct zt_sql q_tenant_of = ZT_SQL(
    "po_tenant_of", "SELECT tenant_id, status FROM payouts WHERE id = $1", 1);
static struct zt_sql q_get = ZT_SQL("po_get",
    "SELECT id, tenant_id, event_id, status, gross_paise, refunds_paise,"
    " fees_paise, commission_paise, net_paise,"
    " coalesce(provider_transfer_id, ''), commission_gst_paise"
    " FROM payouts WHERE id = $1",
    1);

/* A list of (id, tenant) rows of q, read in the system scope. */
static PGresult *
work(struct zt_req *req, struct zt_sql *q, const char *const *p)
{
	struct zt_error err = ZT_ERROR_INIT;
	PGresult *r;
	if (zt_db_begin_system(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, q, p)) == NULL)
		return NULL;
	zt_db_rollback();
	return r;
}

/* Propose the payout of one event; 1 proposed, 0 nothing payable. */
static int
propose(struct zt_req *req, const char *event_id, const char *tenant)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct zt_finance_sums s;
	char v[8][24];
	PGresult *r;
	if (zt_db_begin_tenant(req, &err, tenant, "") != ZT_OK ||
	    zt_finance_sums(req, event_id, tenant, &s) != ZT_OK)
		return -1;
	if (s.payable < 100) { /* Razorpay moves at least INR 1 */
		zt_db_rollback();
		return 0;
	}
	snprintf(v[0], sizeof(v[0]), "%lld", s.gross);
	snprintf(v[1], sizeof(v[1]), "%lld", s.refunds);
	snprintf(v[2], sizeof(v[2]), "%lld",
	    s.gateway_fees + s.commission + s.commission_gst + s.tds + s.tcs);
	snprintf(v[3], sizeof(v[3]), "%lld", s.commission);
	snprintf(v[4], sizeof(v[4]), "%lld", s.payable);
	snprintf(v[5], sizeof(v[5]), "%lld", s.tds);
	snprintf(v[6], sizeof(v[6]), "%lld", s.tcs);
	snprintf(v[7], sizeof(v[7]), "%lld", s.commission_gst);
	const char *p[10] = {
	    tenant, event_id, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]};
	if ((r = zt_db_exec(req, &err, &q_propose, p)) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK)
		return -1;
	if (PQntuples(r) > 0)
		zt_log_info("payouts",
		    "payout %s of %lld paise proposed for "
		    "event %s",
		    PQgetvalue(r, 0, 0), s.payable, event_id);
	return PQntuples(r) > 0;
}

/*
 * Email the tenant's owners that payout id failed or was reversed (inside
 * the open transaction: the message exists exactly when the status does).
 */
static enum zt_err
tell_owners(
    struct zt_req *req, const char *id, const char *status, const char *why)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {id};
	char money[32];
	PGresult *r;
	enum zt_err e = ZT_OK;
	/* users and memberships of the tenant: read as the system */
	if (zt_db_scope_system(req, &err, 1) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_tell, p)) == NULL)
		return zt_fail_error(req, &err);
	for (int i = 0; i < PQntuples(r) && e == ZT_OK; i++) {
		struct json_object *m = json_object_new_object();
		json_object_object_add(
		    m, "template", json_object_new_string("payout.failed"));
		json_object_object_add(m, "tenantName",
		    json_object_new_string(PQgetvalue(r, i, 1)));
		json_object_object_add(m, "eventTitle",
		    json_object_new_string(PQgetvalue(r, i, 2)));
		json_object_object_add(m, "amount",
		    json_object_new_string(zt_price_format(
			atoll(PQgetvalue(r, i, 3)), money, sizeof(money))));
		json_object_object_add(m, "outcome",
		    json_object_new_string(strcmp(status, "reversed") == 0
					       ? "reversed after it was sent"
					       : "not made"));
		json_object_object_add(
		    m, "reason", json_object_new_string(why ? why : ""));
		json_object_object_add(
		    m, "payoutId", json_object_new_string(id));
		e = zt_outbox_enqueue(req, "email", PQgetvalue(r, i, 0), m);
		json_object_put(m);
	}
	return e;
}

/*
 * End payout id as status (paid, failed, reversed) inside the open
 * transaction, in its tenant's scope.  Only a payout still 'processing'
 * ends (or a paid one is reversed: RazorpayX reverses processed payouts
 * the bank returned), so the poller and the webhook, in any order, end it
 * once; a
 * failure or reversal tells the owners with it.  *ended: 1 when this call
 * ended it.
 */
static enum zt_err
finish(struct zt_req *req, const char *id, const char *status, const char *why,
    int *ended)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[3] = {id, status, why ? why : ""};
	PGresult *r;
	*ended = 0;
	if ((r = zt_db_exec(req, &err, &q_end, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return ZT_OK; /* ended already: by the other path */
	*ended = 1;
	if (strcmp(status, "paid") == 0) {
		zt_log_info("payouts", "payout %s paid", id);
		/* the organizer's systems hear of it with the change */
		return zt_whout_event(req, PQgetvalue(r, 0, 1), "payout.paid",
		    "payoutId", PQgetvalue(r, 0, 0), "eventId",
		    PQgetvalue(r, 0, 2), "amountPaise", PQgetvalue(r, 0, 3),
		    "grossPaise", PQgetvalue(r, 0, 4), "refundsPaise",
		    PQgetvalue(r, 0, 5), "feesPaise", PQgetvalue(r, 0, 6),
		    "commissionPaise", PQgetvalue(r, 0, 7),
		    "commissionGstPaise", PQgetvalue(r, 0, 11), "tdsPaise",
		    PQgetvalue(r, 0, 8), "tcsPaise", PQgetvalue(r, 0, 9),
		    "transferId", zt_db_val(r, 0, 10), NULL);
	}
	zt_log_warn("payouts", "payout %s %s (%s): its amount is payable again",
	    id, status, why ? why : "");
	return tell_owners(req, id, status, why);
}

/* Record how a payout ended (a transaction of its own). */
static int
end(struct zt_req *req, const char *id, const char *tenant, const char *status,
    const char *why)
{
	struct zt_error err = ZT_ERROR_INIT;
	int ended;
	if (zt_db_begin_tenant(req, &err, tenant, "") != ZT_OK ||
	    finish(req, id, status, why, &ended) != ZT_OK ||
	    zt_db_commit(req, &err) != ZT_OK)
		return -1;
	return 1;
}

/*
 * How a transfer or RazorpayX payout in this status ends its payout (NULL:
 * still going): processed is paid; failed (and X's rejected, cancelled)
 * failed; reversed reversed.  reason: Razorpay's, when it gave one.
 */
static const char *
ending(const char *status, const char *reason, const char **why)
{
	*why = reason && *reason ? reason : NULL;
	if (strcmp(status, "processed") == 0) {
		*why = NULL;
		return "paid";
	}
	if (strcmp(status, "failed") == 0 || strcmp(status, "rejected") == 0 ||
	    strcmp(status, "cancelled") == 0) {
		if (*why == NULL)
			*why = "the transfer failed";
		return "failed";
	}
	if (strcmp(status, "reversed") == 0 ||
	    strcmp(status, "partially_reversed") == 0) {
		if (*why == NULL)
			*why = "the transfer was reversed";
		return "reversed";
	}
	return NULL;
}

enum zt_err
zt_payout_webhook(struct zt_req *req, const struct zt_razorpay_event *ev)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1], *why, *status;
	PGresult *r;
	int ended;
	if (ev->has_payout) {
		p[0] = ev->payout.id;
		status = ending(ev->payout.status, ev->payout.reason, &why);
	} else if (ev->has_transfer) {
		p[0] = ev->transfer.id;
		status = ending(ev->transfer.status, NULL, &why);
	} else {
		return ZT_OK;
	}
	if (status == NULL)
		return ZT_OK; /* queued, initiated, …: still going */
	if ((r = zt_db_exec(req, &err, &q_by_transfer, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return ZT_OK; /* not ours, or not recorded yet: the poller */
	const char *id = zt__dup(req, r, 0, 0);
	if (zt_db_scope_tenant(req, &err, PQgetvalue(r, 0, 1), "") != ZT_OK)
		return zt_fail_error(req, &err);
	return finish(req, id, status, why, &ended);
}

/*
 * The RazorpayX fund account of a claimed payout's tenant (row r of
 * q_claim), made from the payout details the first time and kept.  0, or
 * -1 (err set).
 */
static int
fund_account(struct zt_req *req, const char *id, const char *tenant,
    PGresult *r, char fa[ZT_RAZORPAY_ID_MAX], struct zt_razorpay_err *err)
{
	struct zt_razorpay_cfg cfg;
	struct zt_error dberr = ZT_ERROR_INIT;
	char contact[ZT_RAZORPAY_ID_MAX];
	struct zt_razorpay_fund f = {
	    .vpa = PQgetvalue(r, 0, CL_UPI),
	    .name = PQgetvalue(r, 0, CL_BANK_NAME),
	    .account_number = PQgetvalue(r, 0, CL_BANK_NUMBER),
	    .ifsc = PQgetvalue(r, 0, CL_IFSC),
	};
	zt_server_razorpay_cfg(&cfg);
	snprintf(fa, ZT_RAZORPAY_ID_MAX, "%s", PQgetvalue(r, 0, CL_ACCOUNT));
	if (*fa)
		return 0;
	snprintf(contact, sizeof(contact), "%s", PQgetvalue(r, 0, CL_CONTACT));
	if (!*contact &&
	    zt_razorpay_contact_create(
		&cfg, PQgetvalue(r, 0, CL_NAME), tenant, contact, err) != 0)
		return -1;
	if (zt_razorpay_fund_account_create(&cfg, contact, &f, fa, err) != 0)
		return -1;
	const char *p[3] = {tenant, contact, fa}, *q[2] = {id, fa};
	if (zt_db_begin_tenant(req, &dberr, tenant, "") != ZT_OK ||
	    zt_db_exec(req, &dberr, &q_fund_made, p) == NULL ||
	    zt_db_exec(req, &dberr, &q_fund_used, q) == NULL ||
	    zt_db_commit(req, &dberr) != ZT_OK) {
		snprintf(err->msg, sizeof(err->msg),
		    "the fund account could not be kept");
		err->retryable = 1;
		return -1;
	}
	return 0;
}

/*
 * Send one claimed payout (row r of q_claim) through ZT_PAYOUT_VIA; the
 * provider's id (trf_… or pout_…) into sent.  0, or -1 (err).
 */
static int
send_via(struct zt_req *req, const char *id, const char *tenant, PGresult *r,
    char sent[ZT_RAZORPAY_ID_MAX], struct zt_razorpay_err *err)
{
	struct zt_razorpay_cfg cfg;
	long long net = atoll(PQgetvalue(r, 0, CL_NET));
	zt_server_razorpay_cfg(&cfg);
	if (strcmp(zt_g.cfg.payout_via, "razorpayx") == 0) {
		struct zt_razorpay_payout po;
		char fa[ZT_RAZORPAY_ID_MAX];
		/* the key is the payout's uuid: RazorpayX takes at most 36 */
		if (fund_account(req, id, tenant, r, fa, err) != 0 ||
		    zt_razorpay_payout_create(&cfg, zt_g.cfg.razorpayx_account,
			fa, net, *PQgetvalue(r, 0, CL_UPI) ? "UPI" : "IMPS", id,
			id, &po, err) != 0)
			return -1;
		snprintf(sent, ZT_RAZORPAY_ID_MAX, "%s", po.id);
		return 0;
	}
	struct zt_razorpay_transfer t;
	if (zt_razorpay_transfer_create(&cfg, PQgetvalue(r, 0, CL_ACCOUNT), net,
		PQgetvalue(r, 0, CL_KEY), &t, err) != 0)
		return -1;
	snprintf(sent, ZT_RAZORPAY_ID_MAX, "%s", t.id);
	return 0;
}

/* Send one approved payout; 1 sent (or ended), 0 not sendable now. */
static int
send_one(struct zt_req *req, const char *id, const char *tenant)
{
	struct zt_razorpay_err err;
	struct zt_error dberr = ZT_ERROR_INIT;
	char sent[ZT_RAZORPAY_ID_MAX];
	const char *p[2] = {id, zt_g.cfg.payout_via};
	PGresult *r;
	if (zt_db_begin_tenant(req, &dberr, tenant, "") != ZT_OK ||
	    (r = zt_db_exec(req, &dberr, &q_claim, p)) == NULL)
		return -1;
	if (PQntuples(r) == 0) {
		/* taken, or no payout details yet: it waits, approved */
		zt_db_rollback();
		return 0;
	}
	if (zt_db_commit(req, &dberr) != ZT_OK)
		return -1;
	if (send_via(req, id, tenant, r, sent, &err) != 0) {
		if (err.retryable) { /* same key next run: never twice */
			zt_log_warn("payouts", "payout %s: %s", id, err.msg);
			return 0;
		}
		return end(req, id, tenant, "failed", err.msg);
	}
	p[1] = sent;
	if (zt_db_begin_tenant(req, &dberr, tenant, "") != ZT_OK ||
	    zt_db_exec(req, &dberr, &q_sent, p) == NULL ||
	    zt_db_commit(req, &dberr) != ZT_OK)
		return -1;
	zt_log_info("payouts", "payout %s sent as %s", id, sent);
	return 1;
}

/* Ask Razorpay how one sent payout is doing; 1 ended, 0 still going. */
static int
check_one(struct zt_req *req, const char *id, const char *tenant,
    const char *transfer)
{
	struct zt_razorpay_cfg cfg;
	struct zt_razorpay_err err;
	const char *why, *status;
	int rc;
	zt_server_razorpay_cfg(&cfg);
	if (strncmp(transfer, "pout_", 5) == 0) { /* RazorpayX */
		struct zt_razorpay_payout po;
		if ((rc = zt_razorpay_payout_fetch(
			 &cfg, transfer, &po, &err)) == 0)
			status = ending(po.status, po.reason, &why);
	} else {
		struct zt_razorpay_transfer t;
		if ((rc = zt_razorpay_transfer_fetch(
			 &cfg, transfer, &t, &err)) == 0)
			status = ending(t.status, NULL, &why);
	}
	if (rc != 0) {
		zt_log_warn("payouts", "payout %s: %s", id, err.msg);
		return 0;
	}
	return status ? end(req, id, tenant, status, why) : 0;
}

int
zt_payout_run(int limit, int *proposed, int *sent, int *ended)
{
	struct zt_req *req;
	char days[16], lim[16];
	PGresult *r;
	int lock = zt_finance_lock("payouts"), rc = 0, s;

	*proposed = *sent = *ended = 0;
	if (lock <= 0)
		return lock;
	req = zt_req_new(NULL, NULL);
	snprintf(days, sizeof(days), "%d", zt_g.cfg.payout_hold_days);
	snprintf(lim, sizeof(lim), "%d", limit);
	const char *p1[2] = {days, lim}, *p2[1] = {lim};

	/* the three passes: each row in its own transactions */
	if ((r = work(req, &q_to_propose, p1)) == NULL)
		goto fail;
	for (int i = 0; i < PQntuples(r); i++) {
		if ((s = propose(
			 req, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1))) < 0)
			goto fail;
		*proposed += s;
	}
	zt_req_end(req);
	if ((r = work(req, &q_to_send, p2)) == NULL)
		goto fail;
	for (int i = 0; i < PQntuples(r); i++) {
		if ((s = send_one(
			 req, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1))) < 0)
			goto fail;
		*sent += s;
	}
	zt_req_end(req);
	if ((r = work(req, &q_to_check, p2)) == NULL)
		goto fail;
	for (int i = 0; i < PQntuples(r); i++) {
		if ((s = check_one(req, PQgetvalue(r, i, 0),
			 PQgetvalue(r, i, 1), PQgetvalue(r, i, 2))) < 0)
			goto fail;
		*ended += s;
	}
	goto out;
fail:
	zt_log_error(
	    "payouts", "database: %s", req->err_msg ? req->err_msg : "failed");
	zt_db_rollback();
	rc = -1;
out:
	zt_req_end(req);
	zt_req_free(req);
	return rc;
}

static struct json_object *
payout_json(PGresult *r)
{
	static const char *const keys[] = {"id", "tenantId", "eventId",
	    "status", "grossPaise", "refundsPaise", "feesPaise",
	    "commissionPaise", "netPaise", "transferId", "commissionGstPaise"};
	struct json_object *o = json_object_new_object();
	for (int i = 0; i < 11; i++)
		json_object_object_add(o, keys[i],
		    (i >= 4 && i <= 8) || i == 10
			? json_object_new_int64(atoll(PQgetvalue(r, 0, i)))
			: json_object_new_string(PQgetvalue(r, 0, i)));
	return o;
}

enum zt_err
zt_payout_decide(struct zt_req *req, const char *admin_id,
    const char *payout_id, int approve, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[3] = {payout_id, approve ? "approved" : "held", admin_id};
	PGresult *r;

	*out = NULL;
	if (!zt_is_uuid(payout_id) || !zt_is_uuid(admin_id))
		return zt_fail(
		    req, ZT_ENOTFOUND, "payout_not_found", "no such payout");
	if (zt_db_begin_system(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_tenant_of, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(
		    req, ZT_ENOTFOUND, "payout_not_found", "no such payout");
	const char *tenant = zt__dup(req, r, 0, 0);
	if (zt_db_scope_tenant(req, &err, tenant, "") != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_decide, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_ECONFLICT, "invalid_transition",
		    "only a pending or held payout can be approved or held");
	if ((r = zt_db_exec(req, &err, &q_get, p)) == NULL)
		return zt_fail_error(req, &err);
	*out = payout_json(r);
	if (zt_db_commit(req, &err) != ZT_OK) {
		json_object_put(*out);
		*out = NULL;
		return zt_fail_error(req, &err);
	}
	return ZT_OK;
}

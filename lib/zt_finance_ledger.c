/*
 * zt_finance_ledger.c - an event's ledger and statement; see zt_finance.h
 * and docs/finance.md, "The ledger".  The lines are the view ledger_lines
 * (sql/016_money.sql); everything here is a sum of them, or derived from
 * those sums by the equations below.
 */
#include "zt_booking_int.h"
#include "zt_finance.h"
#include "zt_finance_statement.h"
#include "zt_gstin.h"
#include "zt_server.h"
#include "zt_team.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct zt_sql q_event = ZT_SQL("fin_ledger_event",
    "SELECT e.title, e.status, coalesce(t.commission_bps, $2::int),"
    " coalesce(t.tds_bps, $4::int), coalesce(t.tcs_bps, $5::int), t.name"
    " FROM events e JOIN tenants t ON t.id = e.tenant_id"
    " WHERE e.id = $1 AND e.tenant_id = $3",
    5);
static struct zt_sql q_sums = ZT_SQL("fin_ledger_sums",
    "SELECT kind, sum(amount_paise), count(*) FROM ledger_lines"
    " WHERE event_id = $1 GROUP BY kind",
    1);
static struct zt_sql q_lines = ZT_SQL("fin_ledger_lines",
    "SELECT kind, booking_id, payment_id, coalesce(refund_id::text, ''),"
    " amount_paise, " ISO("at") " FROM ledger_lines WHERE event_id = $1"
				" ORDER BY at, kind, payment_id",
    1);

static const char *const kinds[ZT_K__COUNT] = {"ticket_sales",
    "convenience_fee", "convenience_fee_gst", "other_receipt", "refund_buyer",
    "refund_organizer", "refund_late", "refund_event_cancelled", "gateway_fee"};

int
zt_ledger_kind(const char *name)
{
	for (int k = 0; k < ZT_K__COUNT; k++)
		if (strcmp(name, kinds[k]) == 0)
			return k;
	return -1;
}

/*
 * The equations (docs/finance.md):
 *   collected  = ticket_sales + convenience_fee + convenience_fee_gst
 *                + other_receipt
 *   gross      = ticket_sales + other_receipt
 *   refunds    = refund_buyer + refund_organizer + refund_late
 *                + refund_event_cancelled
 *   commission = round(max(0, ticket_sales - (refunds - refund_late))
 *                * bps / 10000)
 *   commission_gst = round(commission * gst_bps / 10000)
 *                (ZT_COMMISSION_GST_BPS, 1800; the tax of the invoice)
 *   net_sales  = max(0, gross - refunds)
 *   tds        = round(net_sales * tds_bps / 10000)   (194-O)
 *   tcs        = round(net_sales * tcs_bps / 10000)   (GST s. 52)
 *   payable    = gross - refunds - gateway_fee - commission
 *                - commission_gst - tds - tcs
 * (round: half up to the paisa)
 */
void
zt_ledger_derive(struct zt_ledger *l)
{
	long long *k = l->k, base;
	l->collected = k[ZT_K_TICKETS] + k[ZT_K_CONV_FEE] + k[ZT_K_CONV_GST] +
		       k[ZT_K_OTHER];
	l->gross = k[ZT_K_TICKETS] + k[ZT_K_OTHER];
	l->refunds = k[ZT_K_REF_BUYER] + k[ZT_K_REF_ORG] + k[ZT_K_REF_LATE] +
		     k[ZT_K_REF_EVCANCEL];
	l->ticket_refunds = l->refunds - k[ZT_K_REF_LATE];
	base = k[ZT_K_TICKETS] - l->ticket_refunds;
	if (base < 0)
		base = 0;
	l->commission = (base * l->bps + 5000) / 10000;
	l->commission_gst = zt_gst_on(l->commission, l->gst_bps);
	base = l->gross - l->refunds;
	if (base < 0)
		base = 0;
	l->tds = (base * l->tds_bps + 5000) / 10000;
	l->tcs = (base * l->tcs_bps + 5000) / 10000;
	l->payable = l->gross - l->refunds - k[ZT_K_GATEWAY] - l->commission -
		     l->commission_gst - l->tds - l->tcs;
}

static struct json_object *
money(long long v)
{
	return json_object_new_int64(v);
}

void
zt_ledger_json(struct json_object *o, const struct zt_ledger *l)
{
	struct json_object *lines = json_object_new_object(),
			   *ref = json_object_new_object();
	json_object_object_add(o, "commissionBps", json_object_new_int(l->bps));
	json_object_object_add(lines, "ticketSales", money(l->k[ZT_K_TICKETS]));
	json_object_object_add(
	    lines, "convenienceFee", money(l->k[ZT_K_CONV_FEE]));
	json_object_object_add(
	    lines, "convenienceFeeGst", money(l->k[ZT_K_CONV_GST]));
	json_object_object_add(lines, "otherReceipts", money(l->k[ZT_K_OTHER]));
	json_object_object_add(lines, "gatewayFees", money(l->k[ZT_K_GATEWAY]));
	json_object_object_add(ref, "buyer", money(l->k[ZT_K_REF_BUYER]));
	json_object_object_add(ref, "organizer", money(l->k[ZT_K_REF_ORG]));
	json_object_object_add(ref, "latePayments", money(l->k[ZT_K_REF_LATE]));
	json_object_object_add(
	    ref, "eventCancelled", money(l->k[ZT_K_REF_EVCANCEL]));
	json_object_object_add(ref, "total", money(l->refunds));
	json_object_object_add(lines, "refunds", ref);
	json_object_object_add(o, "lines", lines);
	json_object_object_add(o, "collectedPaise", money(l->collected));
	json_object_object_add(o, "grossPaise", money(l->gross));
	json_object_object_add(o, "refundsPaise", money(l->refunds));
	json_object_object_add(
	    o, "gatewayFeesPaise", money(l->k[ZT_K_GATEWAY]));
	json_object_object_add(o, "commissionPaise", money(l->commission));
	json_object_object_add(
	    o, "commissionGstBps", json_object_new_int(l->gst_bps));
	json_object_object_add(
	    o, "commissionGstPaise", money(l->commission_gst));
	json_object_object_add(o, "tdsBps", json_object_new_int(l->tds_bps));
	json_object_object_add(o, "tdsPaise", money(l->tds));
	json_object_object_add(o, "tcsBps", json_object_new_int(l->tcs_bps));
	json_object_object_add(o, "tcsPaise", money(l->tcs));
	json_object_object_add(o, "payablePaise", money(l->payable));
}

static struct json_object *
statement(const char *event_id, const char *title, const char *status,
    const struct zt_ledger *l)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "eventId", json_object_new_string(event_id));
	json_object_object_add(o, "title", json_object_new_string(title));
	json_object_object_add(o, "status", json_object_new_string(status));
	json_object_object_add(o, "currency", json_object_new_string("INR"));
	zt_ledger_json(o, l);
	return o;
}

/* CSV: a header, every line, then the totals (kind,,,,amount). */
static const char *
to_csv(struct zt_req *req, PGresult *r, const struct zt_ledger *l, size_t *len)
{
	size_t cap = 128 + (size_t)PQntuples(r) * 256 + 16 * 64, n = 0;
	char *buf = zt_arena_alloc(req->arena, cap);
	n += (size_t)snprintf(buf + n, cap - n,
	    "kind,booking_id,payment_id,refund_id,amount_paise,at\r\n");
	for (int i = 0; i < PQntuples(r); i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s,%s,%s,%s,%s,%s\r\n",
		    PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
		    PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
		    PQgetvalue(r, i, 4), PQgetvalue(r, i, 5));
	const struct {
		const char *name;
		long long v;
	} tot[] = {{"total_collected", l->collected}, {"total_gross", l->gross},
	    {"total_refunds", l->refunds},
	    {"total_gateway_fees", l->k[ZT_K_GATEWAY]},
	    {"total_commission", l->commission},
	    {"total_commission_gst", l->commission_gst}, {"total_tds", l->tds},
	    {"total_tcs", l->tcs}, {"total_payable", l->payable}};
	for (size_t i = 0; i < sizeof(tot) / sizeof(tot[0]); i++)
		n += (size_t)snprintf(
		    buf + n, cap - n, "%s,,,,%lld,\r\n", tot[i].name, tot[i].v);
	*len = n;
	return buf;
}

/*
 * The event's title, status and ledger, inside the open transaction scoped
 * to tenant; 404 when it is not the tenant's.
 */
static enum zt_err
load(struct zt_req *req, const char *event_id, const char *tenant,
    struct zt_ledger *l, const char **title, const char **status,
    const char **org)
{
	struct zt_error err = ZT_ERROR_INIT;
	char bps[3][16];
	PGresult *r;
	int k;

	memset(l, 0, sizeof(*l));
	snprintf(bps[0], sizeof(bps[0]), "%d", zt_g.cfg.commission_bps);
	snprintf(bps[1], sizeof(bps[1]), "%d", zt_g.cfg.tds_bps);
	snprintf(bps[2], sizeof(bps[2]), "%d", zt_g.cfg.tcs_bps);
	const char *p[5] = {event_id, bps[0], tenant, bps[1], bps[2]};
	if ((r = zt_db_exec(req, &err, &q_event, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(
		    req, ZT_ENOTFOUND, "event_not_found", "no such event");
	*title = zt__dup(req, r, 0, 0);
	*status = zt__dup(req, r, 0, 1);
	if (org != NULL)
		*org = zt__dup(req, r, 0, 5);
	l->bps = atoi(PQgetvalue(r, 0, 2));
	l->gst_bps = zt_g.cfg.commission_gst_bps;
	l->tds_bps = atoi(PQgetvalue(r, 0, 3));
	l->tcs_bps = atoi(PQgetvalue(r, 0, 4));
	if ((r = zt_db_exec(req, &err, &q_sums, p)) == NULL)
		return zt_fail_error(req, &err);
	for (int i = 0; i < PQntuples(r); i++)
		if ((k = zt_ledger_kind(PQgetvalue(r, i, 0))) >= 0)
			l->k[k] = atoll(PQgetvalue(r, i, 1));
	zt_ledger_derive(l);
	return ZT_OK;
}

enum zt_err
zt_finance_sums(struct zt_req *req, const char *event_id, const char *tenant_id,
    struct zt_finance_sums *out)
{
	struct zt_ledger l;
	const char *title, *status;
	enum zt_err e;
	if ((e = load(req, event_id, tenant_id, &l, &title, &status, NULL)) !=
	    ZT_OK)
		return e;
	out->gross = l.gross;
	out->refunds = l.refunds;
	out->gateway_fees = l.k[ZT_K_GATEWAY];
	out->commission = l.commission;
	out->commission_gst = l.commission_gst;
	out->commission_gst_bps = l.gst_bps;
	out->tds = l.tds;
	out->tcs = l.tcs;
	out->payable = l.payable;
	return ZT_OK;
}

enum zt_err
zt_finance_ledger(struct zt_req *req, const char *event_id, int fmt,
    struct json_object **out, const char **text, size_t *len)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct zt_ledger l;
	const char *title, *status, *org;
	const char *p[1] = {event_id};
	PGresult *r;
	enum zt_err e;

	*out = NULL;
	*text = NULL;
	*len = 0;
	if (!zt_is_uuid(event_id))
		return zt_fail(
		    req, ZT_ENOTFOUND, "event_not_found", "no such event");
	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK ||
	    (e = load(req, event_id, req->tenant_id, &l, &title, &status,
		 &org)) != ZT_OK)
		return e;
	if (fmt == ZT_FIN_PDF) {
		if ((e = zt_ledger_pdf(req, org,
			 zt_arena_printf(req->arena, "Statement: %s", title),
			 zt_arena_printf(req->arena,
			     "Every payment and refund of the event to date "
			     "(status %s)",
			     status),
			 &l, text, len)) != ZT_OK)
			return e;
	} else if (fmt == ZT_FIN_CSV) {
		if ((r = zt_db_exec(req, &err, &q_lines, p)) == NULL)
			return zt_fail_error(req, &err);
		*text = to_csv(req, r, &l, len);
	} else {
		*out = statement(event_id, title, status, &l);
	}
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

/*
 * zt_finance_statement.c - the monthly statement (docs/finance.md,
 * "Statements"): the ledger's lines dated in one month of India's time,
 * per event, with the event statement's equations (zt_ledger_derive).
 */
#include "zt_booking_int.h"
#include "zt_finance.h"
#include "zt_finance_statement.h"
#include "zt_server.h"
#include "zt_team.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct zt_sql q_rates = ZT_SQL("fin_month_rates",
    "SELECT coalesce(commission_bps, $2::int), coalesce(tds_bps, $3::int),"
    " coalesce(tcs_bps, $4::int), name FROM tenants WHERE id = $1",
    4);
/* [$2-01 00:00 IST, next month's 1st 00:00 IST) */
static struct zt_sql q_month = ZT_SQL("fin_month_sums",
    "SELECT e.id, e.title, e.status, l.kind, sum(l.amount_paise)"
    " FROM ledger_lines l JOIN events e ON e.id = l.event_id"
    " WHERE l.tenant_id = $1 AND e.tenant_id = $1"
    " AND l.at >= (($2 || '-01')::date)::timestamp AT TIME ZONE"
    " 'Asia/Kolkata'"
    " AND l.at < (($2 || '-01')::date + interval '1 month') AT TIME ZONE"
    " 'Asia/Kolkata'"
    " GROUP BY e.id, e.title, e.status, l.kind ORDER BY e.title, e.id",
    2);

struct month_event {
	const char *id, *title, *status;
	struct zt_ledger l;
};

/* YYYY-MM, 2000-01 … 2999-12 */
static int
valid_month(const char *m)
{
	if (m == NULL || strlen(m) != 7 || m[4] != '-' || m[0] != '2')
		return 0;
	for (int i = 0; i < 7; i++)
		if (i != 4 && (m[i] < '0' || m[i] > '9'))
			return 0;
	int mm = (m[5] - '0') * 10 + (m[6] - '0');
	return mm >= 1 && mm <= 12;
}

/* the month's totals: sums of the events' figures (each rounded per event) */
static void
add(struct zt_ledger *t, const struct zt_ledger *l)
{
	for (int k = 0; k < ZT_K__COUNT; k++)
		t->k[k] += l->k[k];
	t->collected += l->collected;
	t->gross += l->gross;
	t->refunds += l->refunds;
	t->ticket_refunds += l->ticket_refunds;
	t->commission += l->commission;
	t->tds += l->tds;
	t->tcs += l->tcs;
	t->payable += l->payable;
}

/* a CSV field: quoted, inner quotes doubled */
static size_t
csv_field(char *buf, size_t cap, const char *s)
{
	size_t n = 0;
	if (n < cap)
		buf[n++] = '"';
	for (; *s != '\0' && n + 2 < cap; s++) {
		if (*s == '"')
			buf[n++] = '"';
		buf[n++] = *s;
	}
	if (n < cap)
		buf[n++] = '"';
	return n;
}

static size_t
csv_row(char *buf, size_t cap, const char *id, const char *title,
    const char *status, const struct zt_ledger *l)
{
	size_t n = 0;
	n += (size_t)snprintf(buf + n, cap - n, "%s,", id);
	n += csv_field(buf + n, cap - n, title);
	n += (size_t)snprintf(buf + n, cap - n,
	    ",%s,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%"
	    "lld\r\n",
	    status, l->k[ZT_K_TICKETS], l->k[ZT_K_CONV_FEE],
	    l->k[ZT_K_CONV_GST], l->k[ZT_K_OTHER], l->collected, l->gross,
	    l->refunds, l->k[ZT_K_GATEWAY], l->commission, l->tds, l->tcs,
	    l->payable);
	return n;
}

static const char *
to_csv(struct zt_req *req, const struct month_event *ev, int n_ev,
    const struct zt_ledger *tot, size_t *len)
{
	size_t cap = 512 + (size_t)(n_ev + 1) * 1024, n = 0;
	char *buf = zt_arena_alloc(req->arena, cap);
	n += (size_t)snprintf(buf + n, cap - n,
	    "event_id,title,status,ticket_sales,convenience_fee,"
	    "convenience_fee_gst,other_receipts,collected,gross,refunds,"
	    "gateway_fees,commission,tds,tcs,payable\r\n");
	for (int i = 0; i < n_ev; i++)
		n += csv_row(buf + n, cap - n, ev[i].id, ev[i].title,
		    ev[i].status, &ev[i].l);
	n += csv_row(buf + n, cap - n, "total", "", "", tot);
	*len = n;
	return buf;
}

static struct json_object *
to_json(const char *month, const char *tenant_name,
    const struct month_event *ev, int n_ev, const struct zt_ledger *tot)
{
	struct json_object *o = json_object_new_object(),
			   *arr = json_object_new_array(),
			   *t = json_object_new_object();
	json_object_object_add(o, "month", json_object_new_string(month));
	json_object_object_add(
	    o, "timeZone", json_object_new_string("Asia/Kolkata"));
	json_object_object_add(
	    o, "organizer", json_object_new_string(tenant_name));
	json_object_object_add(o, "currency", json_object_new_string("INR"));
	for (int i = 0; i < n_ev; i++) {
		struct json_object *e = json_object_new_object();
		json_object_object_add(
		    e, "eventId", json_object_new_string(ev[i].id));
		json_object_object_add(
		    e, "title", json_object_new_string(ev[i].title));
		json_object_object_add(
		    e, "status", json_object_new_string(ev[i].status));
		zt_ledger_json(e, &ev[i].l);
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "events", arr);
	zt_ledger_json(t, tot);
	json_object_object_add(o, "totals", t);
	return o;
}

enum zt_err
zt_finance_month(struct zt_req *req, const char *month, int csv,
    struct json_object **out, const char **text, size_t *len)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct zt_ledger base, tot;
	struct month_event *ev = NULL;
	const char *name;
	char bps[3][16];
	PGresult *r;
	enum zt_err e;
	int n_ev = 0;

	*out = NULL;
	*text = NULL;
	*len = 0;
	if (!valid_month(month))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "'month' must be YYYY-MM");
	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK)
		return e;
	memset(&base, 0, sizeof(base));
	snprintf(bps[0], sizeof(bps[0]), "%d", zt_g.cfg.commission_bps);
	snprintf(bps[1], sizeof(bps[1]), "%d", zt_g.cfg.tds_bps);
	snprintf(bps[2], sizeof(bps[2]), "%d", zt_g.cfg.tcs_bps);
	const char *pr[4] = {req->tenant_id, bps[0], bps[1], bps[2]};
	if ((r = zt_db_exec(req, &err, &q_rates, pr)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(
		    req, ZT_ENOTFOUND, "tenant_not_found", "no such tenant");
	base.bps = atoi(PQgetvalue(r, 0, 0));
	base.tds_bps = atoi(PQgetvalue(r, 0, 1));
	base.tcs_bps = atoi(PQgetvalue(r, 0, 2));
	name = zt__dup(req, r, 0, 3);
	tot = base;

	const char *pm[2] = {req->tenant_id, month};
	if ((r = zt_db_exec(req, &err, &q_month, pm)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) > 0)
		ev = zt_arena_alloc(
		    req->arena, sizeof(*ev) * (size_t)PQntuples(r));
	for (int i = 0; i < PQntuples(r); i++) {
		int k;
		if (n_ev == 0 ||
		    strcmp(ev[n_ev - 1].id, PQgetvalue(r, i, 0)) != 0) {
			ev[n_ev].id = zt__dup(req, r, i, 0);
			ev[n_ev].title = zt__dup(req, r, i, 1);
			ev[n_ev].status = zt__dup(req, r, i, 2);
			ev[n_ev].l = base;
			n_ev++;
		}
		if ((k = zt_ledger_kind(PQgetvalue(r, i, 3))) >= 0)
			ev[n_ev - 1].l.k[k] = atoll(PQgetvalue(r, i, 4));
	}
	for (int i = 0; i < n_ev; i++) {
		zt_ledger_derive(&ev[i].l);
		add(&tot, &ev[i].l);
	}
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if (csv)
		*text = to_csv(req, ev, n_ev, &tot, len);
	else
		*out = to_json(month, name, ev, n_ev, &tot);
	return ZT_OK;
}

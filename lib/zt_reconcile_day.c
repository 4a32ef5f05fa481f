/*
 * zt_reconcile_day.c - the daily comparison with Razorpay's settlement
 * report; see zt_reconcile.h and docs/finance.md ("The daily
 * comparison").
 */
#include "zt_booking_int.h"
#include "zt_db.h"
#include "zt_log.h"
#include "zt_razorpay.h"
#include "zt_reconcile.h"
#include "zt_req.h"
#include "zt_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* yesterday in India (Razorpay's days), unless that day is checked */
static struct zt_sql q_day_due = ZT_SQL("rd_due",
    "SELECT d::text FROM (SELECT coalesce(nullif($1, '')::date,"
    " (now() AT TIME ZONE 'Asia/Kolkata')::date - 1) AS d) x"
    " WHERE $1 <> '' OR NOT EXISTS (SELECT 1 FROM recon_days r"
    "  WHERE r.day = x.d)",
    1);
static struct zt_sql q_our_payment = ZT_SQL("rd_payment",
    "SELECT tenant_id, amount_paise FROM payments WHERE provider = 'razorpay'"
    " AND provider_payment_id = $1 AND status IN ('captured', 'refunded')",
    1);
static struct zt_sql q_our_refund = ZT_SQL("rd_refund",
    "SELECT p.tenant_id, r.amount_paise FROM refunds r"
    " JOIN payments p ON p.id = r.payment_id"
    " WHERE r.provider_refund_id = $1 AND r.status <> 'failed'",
    1);
static struct zt_sql q_found = ZT_SQL("rd_found",
    "INSERT INTO payment_discrepancies (tenant_id, provider_payment_id,"
    " provider_order_id, kind, amount_paise, details)"
    " VALUES (nullif($1, '')::uuid, $2, nullif($3, ''), $4, $5,"
    " jsonb_build_object('day', $6::text, 'entityId', $7::text,"
    "  'oursPaise', nullif($8, '')::bigint))"
    " ON CONFLICT DO NOTHING",
    8);
static struct zt_sql q_day_set = ZT_SQL("rd_set",
    "INSERT INTO recon_days (day, items, razorpay_credit_paise,"
    " razorpay_debit_paise, our_credit_paise, our_debit_paise,"
    " discrepancies) VALUES ($1::date, $2, $3, $4, $5, $6, $7)"
    " ON CONFLICT (day) DO UPDATE SET items = excluded.items,"
    " razorpay_credit_paise = excluded.razorpay_credit_paise,"
    " razorpay_debit_paise = excluded.razorpay_debit_paise,"
    " our_credit_paise = excluded.our_credit_paise,"
    " our_debit_paise = excluded.our_debit_paise,"
    " discrepancies = excluded.discrepancies, checked_at = now()",
    7);

struct day_sums {
	long long rzp_credit, rzp_debit, our_credit, our_debit;
	int items, found;
};

/*
 * Compare one line of the report with our payment or refund (inside the
 * open system-scope transaction); a difference is a discrepancy.
 */
static int
compare(struct zt_req *req, const char *day,
    const struct zt_razorpay_recon_item *it, struct day_sums *s)
{
	struct zt_error err = ZT_ERROR_INIT;
	int refund = strcmp(it->type, "refund") == 0;
	long long theirs = refund ? it->debit : it->credit;
	const char *p[8];
	char amt[24], ours[24] = "";
	PGresult *r;
	if (!refund && strcmp(it->type, "payment") != 0)
		return 0; /* transfers, adjustments: not ours to compare */
	s->items++;
	*(refund ? &s->rzp_debit : &s->rzp_credit) += theirs;
	p[0] = it->entity_id;
	if ((r = zt_db_exec(req, &err, refund ? &q_our_refund : &q_our_payment,
		 p)) == NULL)
		return -1;
	const char *tenant = PQntuples(r) ? zt__dup(req, r, 0, 0) : "";
	long long mine = PQntuples(r) ? atoll(PQgetvalue(r, 0, 1)) : -1;
	if (mine >= 0) {
		*(refund ? &s->our_debit : &s->our_credit) += mine;
		if (mine == theirs)
			return 0;
		snprintf(ours, sizeof(ours), "%lld", mine);
	}
	snprintf(amt, sizeof(amt), "%lld", theirs);
	p[0] = tenant;
	p[1] = refund ? it->payment_id : it->entity_id;
	p[2] = it->order_id;
	p[3] = mine < 0 ? (refund ? "recon_refund_unknown" : "recon_unknown")
			: (refund ? "recon_refund_amount" : "recon_amount");
	p[4] = amt;
	p[5] = day;
	p[6] = it->entity_id;
	p[7] = ours;
	zt_log_warn("reconcile",
	    "settlement report %s: %s %s (%s paise, ours %s)", day, p[3],
	    it->entity_id, amt, *ours ? ours : "none");
	if (zt_db_exec(req, &err, &q_found, p) == NULL)
		return -1;
	s->found++;
	return 0;
}

int
zt_reconcile_day(struct zt_req *req, const char *force)
{
	static struct zt_razorpay_recon_item items[1000];
	struct zt_razorpay_cfg cfg;
	struct zt_razorpay_err rerr;
	struct zt_error err = ZT_ERROR_INIT;
	struct day_sums s;
	const char *p[7] = {force ? force : ""};
	char v[6][24];
	int y, m, d;
	size_t n;
	PGresult *r;

	memset(&s, 0, sizeof(s));
	if (zt_db_begin_system(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_day_due, p)) == NULL)
		return -1;
	if (PQntuples(r) == 0) {
		zt_db_rollback();
		return 0; /* yesterday is checked already */
	}
	const char *day = zt__dup(req, r, 0, 0);
	if (sscanf(day, "%d-%d-%d", &y, &m, &d) != 3) {
		zt_db_rollback();
		return -1;
	}
	zt_server_razorpay_cfg(&cfg);
	for (int skip = 0; skip < 100000; skip += 1000) {
		if (zt_razorpay_recon_day(&cfg, y, m, d, 1000, skip, items,
			1000, &n, &rerr) != 0) {
			/* not checked: the next run tries again */
			zt_log_warn("reconcile", "settlement report %s: %s",
			    day, rerr.msg);
			zt_db_rollback();
			return 0;
		}
		for (size_t i = 0; i < n; i++)
			if (compare(req, day, &items[i], &s) != 0)
				return -1;
		if (n < 1000)
			break;
	}
	snprintf(v[0], sizeof(v[0]), "%d", s.items);
	snprintf(v[1], sizeof(v[1]), "%lld", s.rzp_credit);
	snprintf(v[2], sizeof(v[2]), "%lld", s.rzp_debit);
	snprintf(v[3], sizeof(v[3]), "%lld", s.our_credit);
	snprintf(v[4], sizeof(v[4]), "%lld", s.our_debit);
	snprintf(v[5], sizeof(v[5]), "%d", s.found);
	const char *q[7] = {day, v[0], v[1], v[2], v[3], v[4], v[5]};
	if (zt_db_exec(req, &err, &q_day_set, q) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK)
		return -1;
	zt_log_info("reconcile",
	    "settlement report %s: %d lines, %s/%s paise in/out at Razorpay, "
	    "%s/%s ours, %d discrepancies",
	    day, s.items, v[1], v[2], v[3], v[4], s.found);
	return 0;
}

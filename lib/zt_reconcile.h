/*
 * zt_reconcile.h - payments whose webhook never came (ztic-reconcile,
 * docs/finance.md "Reconciliation").
 *
 * A booking's payment still pending here ZT_RECONCILE_AFTER seconds after
 * its order was made is asked about at Razorpay (GET
 * /v1/orders/{id}/payments); a captured payment there settles the booking
 * through zt_settle_found, exactly as its webhook would have (tickets, or
 * a refund when the seats are gone).  Razorpay's fee on it is kept
 * (payments.fee_paise, the ledger's gateway fees), and so is the fee of
 * every captured payment settled without one (GET /v1/payments/{id}).
 * Last, Razorpay's payments made since the previous scan are listed (GET
 * /v1/payments?from=&to=, reconcile_marks keeps how far): a captured one
 * we do not know settles the same way when its order is ours.  A captured
 * payment we cannot settle, or whose order is not ours, is written to
 * payment_discrepancies for the admins.
 */
#ifndef ZT_RECONCILE_H
#define ZT_RECONCILE_H

/*
 * One run: up to limit payments, under the job's advisory lock (a second
 * run at the same time exits at once).  *checked counts the payments asked
 * about, *settled those that settled.  0, or -1 when the database failed.
 */
int zt_reconcile_pending(int limit, int *checked, int *settled);

struct zt_req;
/*
 * The daily comparison (lib/zt_reconcile_day.c): yesterday's settlement
 * report (GET /v1/settlements/recon/combined, India's days), once a day
 * (recon_days), or the day force names (YYYY-MM-DD, ZT_RECON_DAY) again.
 * Every payment and refund line is compared with ours by id: one we do not
 * have, or of another amount, is written to payment_discrepancies (kinds
 * recon_unknown, recon_amount, recon_refund_unknown, recon_refund_amount);
 * the day's totals go to recon_days.  A report Razorpay did not give is
 * asked again next run.  0, or -1 when the database failed.
 */
int zt_reconcile_day(struct zt_req *req, const char *force);

#endif

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
 * every captured payment settled without one (GET /v1/payments/{id}).  A
 * captured payment we cannot settle is written to payment_discrepancies for the
 * admins.
 */
#ifndef ZT_RECONCILE_H
#define ZT_RECONCILE_H

/*
 * One run: up to limit payments, under the job's advisory lock (a second
 * run at the same time exits at once).  *checked counts the payments asked
 * about, *settled those that settled.  0, or -1 when the database failed.
 */
int zt_reconcile_pending(int limit, int *checked, int *settled);

#endif

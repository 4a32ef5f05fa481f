/*
 * zt_payout.h - paying organizers (docs/finance.md, "Payouts").
 *
 * A completed event, ZT_PAYOUT_HOLD_DAYS after its end, gets one payout of
 * its ledger's payable (zt_finance_sums), proposed as 'pending'.  A
 * platform admin approves or holds it (zt_payout_decide, for the admin
 * console's responder).  ztic-payouts sends approved payouts as Razorpay
 * Route transfers to the tenant's linked account
 * (tenant_payout_details.provider_account_id) under the payout's own
 * idempotency key, and asks Razorpay how sent ones ended: processed is
 * 'paid'; failed or reversed put the amount back as payable (a new payout
 * is proposed on the next run).  Never twice: one live payout per event
 * (a unique index), each send claimed by a status change in its own
 * transaction, the same idempotency key on every retry, and one run at a
 * time (advisory lock).
 */
#ifndef ZT_PAYOUT_H
#define ZT_PAYOUT_H

#include <json-c/json.h>

#include "zt_razorpay.h"
#include "zt_req.h"

/*
 * One run of ztic-payouts: propose, send, and check at most limit payouts
 * each.  The counts are of this run.  0, or -1 when the database failed.
 */
int zt_payout_run(int limit, int *proposed, int *sent, int *ended);

/*
 * A transfer.* or payout.* webhook (zt_settle_webhook, inside its open
 * transaction in the system scope): the payout sent as that transfer or
 * RazorpayX payout ends as the poller would end it (processed: paid;
 * failed, rejected, cancelled, reversed: payable again, the owners told),
 * once whichever comes first.  Other states, and a transfer or payout that
 * is no payout's (or not recorded yet: the poller ends it), change
 * nothing.
 */
enum zt_err zt_payout_webhook(
    struct zt_req *req, const struct zt_razorpay_event *ev);

/*
 * A platform admin's decision on a pending (or held) payout: approve 1
 * makes it 'approved' (sent by the next run), 0 'held'.  admin_id is the
 * platform_admins row the console authenticated; the call does not
 * authenticate.  *out is the payout (caller owns it).  404
 * payout_not_found, 409 invalid_transition when it is past deciding.
 */
enum zt_err zt_payout_decide(struct zt_req *req, const char *admin_id,
    const char *payout_id, int approve, struct json_object **out);

#endif

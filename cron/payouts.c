/*
 * ztic-payouts - propose a payout for each completed event past the hold
 * period, send approved ones as Razorpay Route transfers, and record how
 * sent ones ended (docs/finance.md, "Payouts").  One run at a time
 * (advisory lock).
 */
#include "config.h"

#include "zt_invoice.h"
#include "zt_log.h"
#include "zt_payout.h"
#include "zt_server.h"

int
main(void)
{
	int proposed = 0, sent = 0, ended = 0, issued = 0, credited = 0, rc;
	zt_server_init(
	    "payouts", ZT_NEED_PG | ZT_NEED_PG_SYSTEM | ZT_NEED_RAZORPAY);
	zt_server_run_start();
	rc = zt_payout_run(200, &proposed, &sent, &ended);
	if (proposed || sent || ended)
		zt_log_info("payouts", "%d proposed, %d sent, %d ended",
		    proposed, sent, ended);
	/* the GST invoice of each event whose payout is due (zt_invoice.h) */
	if (rc >= 0 && zt_invoice_run(200, &issued, &credited) < 0)
		rc = -1;
	if (issued || credited)
		zt_log_info("payouts", "%d invoices, %d credit notes issued",
		    issued, credited);
	zt_server_run_end(rc >= 0);
	zt_server_cleanup();
	return rc < 0 ? 1 : 0;
}

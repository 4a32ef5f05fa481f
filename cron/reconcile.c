/*
 * ztic-reconcile - payments still pending ZT_RECONCILE_AFTER seconds after
 * their order are asked about at Razorpay and settled as their webhook
 * would have; what cannot be settled goes to payment_discrepancies
 * (docs/finance.md).  One run at a time (advisory lock).
 */
#include "config.h"

#include "zt_log.h"
#include "zt_reconcile.h"
#include "zt_server.h"

int
main(void)
{
	int checked = 0, settled = 0, rc;
	zt_server_init("reconcile", ZT_NEED_PG | ZT_NEED_PG_SYSTEM |
					ZT_NEED_REDIS | ZT_NEED_LIVE |
					ZT_NEED_RAZORPAY);
	zt_server_run_start();
	rc = zt_reconcile_pending(500, &checked, &settled);
	if (checked)
		zt_log_info("reconcile",
		    "%d pending payments checked, %d settled", checked,
		    settled);
	zt_server_run_end(rc >= 0);
	zt_server_cleanup();
	return rc < 0 ? 1 : 0;
}

/*
 * ztic-refunds - refund every confirmed booking of cancelled events (in
 * batches), and send refunds Razorpay has not taken yet or that failed.
 */
#include "config.h"

#include "zt_log.h"
#include "zt_refund.h"
#include "zt_server.h"

int
main(void)
{
	int events = 0, retried = 0, rc1, rc2;
	zt_server_init("refunds", ZT_NEED_PG | ZT_NEED_PG_SYSTEM |
				      ZT_NEED_REDIS | ZT_NEED_LIVE |
				      ZT_NEED_RAZORPAY);
	zt_server_run_start();
	rc1 = zt_refund_cancelled_events(200, &events);
	rc2 = zt_refund_retry(200, &retried);
	if (events || retried)
		zt_log_info("refunds",
		    "%d cancelled-event bookings refunded, "
		    "%d refunds sent again",
		    events, retried);
	zt_server_run_end(rc1 >= 0 && rc2 >= 0);
	zt_server_cleanup();
	return rc1 < 0 || rc2 < 0 ? 1 : 0;
}

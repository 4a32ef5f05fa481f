/*
 * ztic-finalize - events whose end has passed become completed: pending
 * bookings expire, Redis keys go, the channel gets event.completed
 * (docs/finance.md).  One run at a time (advisory lock).
 */
#include "config.h"

#include "zt_finance.h"
#include "zt_log.h"
#include "zt_server.h"

int
main(void)
{
	int done = 0, rc;
	zt_server_init("finalize",
	    ZT_NEED_PG | ZT_NEED_PG_SYSTEM | ZT_NEED_REDIS | ZT_NEED_LIVE);
	zt_server_run_start();
	rc = zt_finance_finalize(200, &done);
	if (done)
		zt_log_info("finalize", "%d events finalized", done);
	zt_server_run_end(rc >= 0);
	zt_server_cleanup();
	return rc < 0 ? 1 : 0;
}

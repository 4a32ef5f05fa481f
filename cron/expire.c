/*
 * ztic-expire - pending bookings past their deadline become expired and
 * their holds are released (docs/bookings.md).  A payment that arrives
 * later still settles: tickets if the seats are free, else a refund.
 */
#include "config.h"

#include "zt_booking.h"
#include "zt_log.h"
#include "zt_metrics.h"
#include "zt_server.h"

int
main(void)
{
	int done = 0, rc;
	zt_server_init("expire",
	    ZT_NEED_PG | ZT_NEED_PG_SYSTEM | ZT_NEED_REDIS | ZT_NEED_LIVE);
	zt_server_run_start();
	rc = zt_booking_expire_due(1000, &done);
	if (done)
		zt_log_info("expire", "%d bookings expired", done);
	zt_metrics_count(ZT_MC_BOOKINGS_EXPIRED, done);
	zt_server_run_end(rc >= 0);
	zt_server_cleanup();
	return rc < 0 ? 1 : 0;
}

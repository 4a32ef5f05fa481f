/*
 * ztic-waitlist - waiting lists (docs/commerce.md, "Waiting list"): open
 * offers that were booked become booked, those whose hold ended or was
 * given back expire (their stock goes on to the next in line), and what is
 * free of a sold-out list is offered to its line in order: a hold for
 * ZT_WAITLIST_OFFER_TTL seconds and a message through the outbox.  One run
 * at a time (advisory lock); a second run at once exits quietly.  Needs
 * ZT_PG_DSN, ZT_PG_SYSTEM_DSN, ZT_REDIS and ZT_LIVE_SOCKET.
 */
#include "config.h"

#include "zt_log.h"
#include "zt_server.h"
#include "zt_waitlist.h"

int
main(void)
{
	int offered = 0, expired = 0, booked = 0, rc;
	zt_server_init("waitlist",
	    ZT_NEED_PG | ZT_NEED_PG_SYSTEM | ZT_NEED_REDIS | ZT_NEED_LIVE);
	zt_server_run_start();
	rc = zt_waitlist_run(&offered, &expired, &booked);
	if (offered || expired || booked)
		zt_log_info("waitlist", "%d offered, %d expired, %d booked",
		    offered, expired, booked);
	zt_server_run_end(rc >= 0);
	zt_server_cleanup();
	return rc < 0 ? 1 : 0;
}

/*
 * ztic-waitlist - waiting lists (docs/commerce.md, "Waiting list").
 *
 *   ztic-waitlist              one run (cron, every minute)
 *   ztic-waitlist --every N    a run every N seconds until SIGTERM (a
 *                              shorter window between freed stock and its
 *                              offer, run as a service)
 *
 * Open offers that were booked become booked, those whose hold ended or
 * was given back expire (their stock goes on to the next in line), and
 * what is free of a sold-out list is offered to its line in order: a hold
 * for ZT_WAITLIST_OFFER_TTL seconds and a message through the outbox.  One
 * run at a time (advisory lock); a second run at once exits quietly.
 * Needs ZT_PG_DSN, ZT_PG_SYSTEM_DSN, ZT_REDIS and ZT_LIVE_SOCKET.  Exit
 * status: 0, 1 when the (last) run failed, 2 for a usage error.
 */
#include "config.h"

#include "zt_log.h"
#include "zt_server.h"
#include "zt_waitlist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int
usage(void)
{
	fprintf(stderr, "usage: ztic-waitlist [--every SECONDS]\n");
	return 2;
}

/* Sleep s seconds unless SIGTERM arrives (it interrupts nanosleep). */
static void
pause_for(int s)
{
	struct timespec ts = {s, 0};
	while (!zt_g.stopping && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int
main(int argc, char **argv)
{
	int every = 0, rc = 0;

	if (argc == 3 && strcmp(argv[1], "--every") == 0) {
		char *end;
		long v = strtol(argv[2], &end, 10);
		if (*end != '\0' || v < 1 || v > 3600)
			return usage();
		every = (int)v;
	} else if (argc != 1) {
		return usage();
	}
	zt_server_init("waitlist",
	    ZT_NEED_PG | ZT_NEED_PG_SYSTEM | ZT_NEED_REDIS | ZT_NEED_LIVE);
	do {
		int offered = 0, expired = 0, booked = 0;
		zt_server_run_start();
		rc = zt_waitlist_run(&offered, &expired, &booked);
		if (offered || expired || booked)
			zt_log_info("waitlist",
			    "%d offered, %d expired, %d booked", offered,
			    expired, booked);
		zt_server_run_end(rc >= 0);
		if (every > 0)
			pause_for(every);
	} while (every > 0 && !zt_g.stopping);
	zt_server_cleanup();
	return rc < 0 ? 1 : 0;
}

/*
 * ztic-sweep - end expired seat and GA holds (docs/holds.md).
 *
 *   ztic-sweep              one pass over every event with holds (cron)
 *   ztic-sweep --every N    a pass every N seconds until SIGTERM
 *                           (scripts/dev runs it so for the dev and test
 *                           stacks)
 *
 * A seat is free the moment its hold expires whether or not this runs
 * (the hold scripts compare expiry times); the sweep gives the expired
 * holds' GA units back to their counters, deletes the holds and publishes
 * seats.released so every open seat map confirms what its clock already
 * showed.  Needs ZT_REDIS and ZT_LIVE_SOCKET.  Exit status: 0, 1 when a
 * pass failed (Redis down), 2 for a usage error.
 */
#include "config.h"

#include "zt_hold.h"
#include "zt_log.h"
#include "zt_metrics.h"
#include "zt_server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int
usage(void)
{
	fprintf(stderr, "usage: ztic-sweep [--every SECONDS]\n");
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
	struct zt_req *req;
	int every = 0, failed = 0;

	if (argc == 3 && strcmp(argv[1], "--every") == 0) {
		char *end;
		long v = strtol(argv[2], &end, 10);
		if (*end != '\0' || v < 1 || v > 3600)
			return usage();
		every = (int)v;
	} else if (argc != 1) {
		return usage();
	}
	zt_server_init("sweep", ZT_NEED_REDIS | ZT_NEED_LIVE);
	req = zt_req_new(NULL, NULL);
	do {
		int swept = 0, ok;
		zt_server_run_start();
		ok = zt_hold_sweep_all(req, &swept) == ZT_OK;
		zt_metrics_count(ZT_MC_HOLDS_EXPIRED, swept);
		if (!ok) {
			/* once per outage, not once per second */
			if (!failed)
				zt_log_warn("sweep", "pass failed: %s",
				    req->err_msg ? req->err_msg : "");
			failed = 1;
		} else {
			if (failed)
				zt_log_info("sweep", "passes succeed again");
			failed = 0;
			if (swept > 0)
				zt_log_info(
				    "sweep", "ended %d expired holds", swept);
		}
		zt_server_run_end(ok);
		zt_req_end(req);
		if (every > 0)
			pause_for(every);
	} while (every > 0 && !zt_g.stopping);
	zt_req_free(req);
	zt_server_cleanup();
	return failed;
}

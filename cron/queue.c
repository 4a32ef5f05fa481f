/*
 * ztic-queue - the waiting room's ticker (docs/waiting-room.md).
 *
 *   ztic-queue                 one tick of every event whose room is on
 *   ztic-queue --every-ms N    a tick every N ms until SIGTERM (the way to
 *                              run it: scripts/dev starts it so, and
 *                              production runs it as a service; cron's
 *                              minute is too coarse for a queue)
 *
 * Each tick copies the event's settings from PostgreSQL to Redis, admits
 * at the set rate (lib/lua/queue_tick.lua) and publishes ONE message on
 * q:<event>, from which every waiting client computes its own position
 * and wait.  Several tickers may run: the tick script adds only the time
 * since the last tick, so they never admit faster than the rate.  Needs
 * ZT_PG_DSN, ZT_REDIS and ZT_LIVE_SOCKET.  Exit status: 0, 1 when the last
 * tick failed (Redis down), 2 for a usage error.
 */
#include "config.h"

#include "zt_live.h"
#include "zt_log.h"
#include "zt_queue.h"
#include "zt_server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int
usage(void)
{
	fprintf(stderr, "usage: ztic-queue [--every-ms MILLISECONDS]\n");
	return 2;
}

/* Sleep ms unless SIGTERM arrives (it interrupts nanosleep). */
static void
pause_for(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (!zt_g.stopping && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int
main(int argc, char **argv)
{
	struct zt_req *req;
	long every = 0;
	int failed = 0;

	if (argc == 3 && strcmp(argv[1], "--every-ms") == 0) {
		char *end;
		every = strtol(argv[2], &end, 10);
		if (*end != '\0' || every < 50 || every > 600000)
			return usage();
	} else if (argc != 1) {
		return usage();
	}
	zt_server_init("queue", ZT_NEED_PG | ZT_NEED_REDIS | ZT_NEED_LIVE);
	req = zt_req_new(NULL, NULL);
	do {
		int n = 0;
		if (zt_queue_tick_all(req, &n) != ZT_OK) {
			if (!failed)
				zt_log_warn("queue", "tick failed: %s",
				    req->err_msg ? req->err_msg : "");
			failed = 1;
		} else {
			if (failed)
				zt_log_info("queue", "ticks succeed again");
			failed = 0;
		}
		zt_live_wait(zt_g.live);
		zt_req_end(req);
		if (every > 0)
			pause_for(every);
	} while (every > 0 && !zt_g.stopping);
	zt_req_free(req);
	zt_server_cleanup();
	return failed;
}

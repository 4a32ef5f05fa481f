/*
 * holdctl - drive the zt_hold functions that no HTTP path uses yet, for
 * the integration tests (tests/integration/test_live.py, test_holds.py).
 * The bookings responder will call the same functions after its COMMIT.
 *
 *   holdctl consume EVENT USER HOLD [SEAT…] [TYPE=QTY…]
 *   holdctl unsell EVENT USER [SEAT…] [TYPE=QTY…]
 *   holdctl sweep
 *
 * Needs the stack's environment (ZT_REDIS, ZT_LIVE_SOCKET).  Prints "ok"
 * and exits 0, or prints the error code and exits 1; 2 for usage.
 */
#include "config.h"

#include "zt_hold.h"
#include "zt_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
usage(void)
{
	fprintf(stderr, "usage: holdctl consume EVENT USER HOLD [SEAT…] "
	    "[TYPE=QTY…]\n       holdctl unsell EVENT USER [SEAT…] "
	    "[TYPE=QTY…]\n"
	    "       holdctl sweep\n");
	return 2;
}

int
main(int argc, char **argv)
{
	const char *seats[64];
	struct zt_hold_ga ga[16];
	size_t nseats = 0, nga = 0;
	struct zt_req *req;
	struct zt_error err = ZT_ERROR_INIT;
	enum zt_err e;
	int first, swept = 0;

	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "consume") == 0 && argc >= 5)
		first = 5;
	else if (strcmp(argv[1], "unsell") == 0 && argc >= 4)
		first = 4;
	else if (strcmp(argv[1], "sweep") == 0 && argc == 2)
		first = 2;
	else
		return usage();
	for (int i = first; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (eq == NULL && nseats < 64) {
			seats[nseats++] = argv[i];
		} else if (eq != NULL && nga < 16) {
			*eq = '\0';
			ga[nga].type_id = argv[i];
			ga[nga++].quantity = atoi(eq + 1);
		} else {
			return usage();
		}
	}
	zt_server_init("holdctl", ZT_NEED_REDIS | ZT_NEED_LIVE);
	req = zt_req_new(NULL, NULL);
	if (strcmp(argv[1], "consume") == 0)
		e = zt_hold_consume(req, &err, argv[2], argv[3], argv[4], seats,
		    nseats, ga, nga);
	else if (strcmp(argv[1], "unsell") == 0)
		e = zt_hold_unsell(
		    req, &err, argv[2], argv[3], seats, nseats, ga, nga);
	else if ((e = zt_hold_sweep_all(req, &swept)) != ZT_OK)
		zt_error_set(&err, e, req->err_code, "%s", req->err_msg);
	printf("%s\n", e == ZT_OK ? "ok"
		       : err.code ? err.code
				  : zt_err_code(e));
	zt_req_free(req);
	zt_server_cleanup();
	return e == ZT_OK ? 0 : 1;
}

/*
 * payoutctl - a platform admin's decision on a payout through
 * zt_payout_decide (lib/zt_payout.h), the call the admin console's
 * responder makes, for tests/integration/test_payouts.py.
 *
 *   payoutctl approve|hold ADMIN_ID PAYOUT_ID
 *
 * Prints the payout as JSON and exits 0, or "error STATUS CODE" and exits
 * 1; 2 for usage.  Needs the stack's environment (ZT_PG_DSN).
 */
#include "config.h"

#include "zt_err.h"
#include "zt_payout.h"
#include "zt_server.h"

#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
	struct json_object *out = NULL;
	struct zt_req *req;
	int rc;

	if (argc != 4 ||
	    (strcmp(argv[1], "approve") != 0 && strcmp(argv[1], "hold") != 0)) {
		fprintf(stderr, "usage: payoutctl approve|hold ADMIN_ID "
				"PAYOUT_ID\n");
		return 2;
	}
	zt_server_init("payoutctl", ZT_NEED_PG | ZT_NEED_PG_SYSTEM);
	req = zt_req_new(NULL, NULL);
	if (zt_payout_decide(req, argv[2], argv[3],
		strcmp(argv[1], "approve") == 0, &out) == ZT_OK) {
		printf("%s\n", json_object_to_json_string(out));
		json_object_put(out);
		rc = 0;
	} else {
		printf("error %d %s\n", zt_err_status(req->err),
		    req->err_code ? req->err_code : "");
		rc = 1;
	}
	zt_req_end(req);
	zt_req_free(req);
	zt_server_cleanup();
	return rc;
}

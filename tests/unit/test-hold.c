/* test-hold.c - parsing a lock request, the hold as the API shows it. */
#include <stdlib.h>

#include "zt_hold.h"
#include "zt_json.h"
#include "zt_test.h"

#define EV "0a000000-0000-4000-8000-000000000001"
#define S1 "5a000000-0000-4000-8000-000000000001"
#define S2 "5a000000-0000-4000-8000-000000000002"
#define T1 "7a000000-0000-4000-8000-000000000001"

/* The request of the last parse(): r points into its arena until the
 * next parse() or done(). */
static struct zt_req *last;

static void
done(void)
{
	zt_req_free(last);
	last = NULL;
}

/* Parse body; the error code ("" when it parsed) and status. */
static const char *
parse(const char *body, struct zt_hold_request *r, int *status)
{
	struct json_object *o = json_tokener_parse(body);
	enum zt_err e;

	done();
	last = zt_req_new(NULL, NULL);
	e = zt_hold_parse(last, o, r);
	*status = zt_err_status(e);
	if (e == ZT_OK && r->nseats > 0)
		CHECK_STR(r->seats[0], S1); /* lowercased, copied */
	json_object_put(o);
	return e == ZT_OK ? "" : last->err_code;
}

TEST(a_full_request_parses)
{
	struct zt_hold_request r;
	int st;
	CHECK_STR(parse("{\"eventId\":\"" EV "\",\"seatIds\":[\""
	    "5A000000-0000-4000-8000-000000000001\",\"" S2 "\"],"
	    "\"ga\":[{\"ticketTypeId\":\"" T1 "\",\"quantity\":3}]}", &r, &st),
	    "");
	CHECK(r.nseats == 2 && r.nga == 1);
}

TEST(ga_only_and_zero_quantity_parse)
{
	struct zt_hold_request r;
	int st;
	CHECK_STR(parse("{\"eventId\":\"" EV "\",\"ga\":[{\"ticketTypeId\":\""
	    T1 "\",\"quantity\":0}]}", &r, &st), "");
	CHECK(r.nseats == 0 && r.nga == 1 && r.ga[0].quantity == 0);
}

TEST(malformed_requests_are_400_naming_the_field)
{
	struct zt_hold_request r;
	int st;
	const char *bad[] = {
	    "{}",
	    "{\"eventId\":\"nope\",\"seatIds\":[\"" S1 "\"]}",
	    "{\"eventId\":\"" EV "\"}",
	    "{\"eventId\":\"" EV "\",\"seatIds\":[]}",
	    "{\"eventId\":\"" EV "\",\"seatIds\":\"" S1 "\"}",
	    "{\"eventId\":\"" EV "\",\"seatIds\":[\"" S1 "\",\"" S1 "\"]}",
	    "{\"eventId\":\"" EV "\",\"seatIds\":[\"" S1 "\",\""
	    "5A000000-0000-4000-8000-000000000001\"]}",
	    "{\"eventId\":\"" EV "\",\"seatIds\":[42]}",
	    "{\"eventId\":\"" EV "\",\"seatIds\":[\"x\"]}",
	    "{\"eventId\":\"" EV "\",\"ga\":[\"" T1 "\"]}",
	    "{\"eventId\":\"" EV "\",\"ga\":[{\"ticketTypeId\":\"" T1 "\"}]}",
	    "{\"eventId\":\"" EV "\",\"ga\":[{\"ticketTypeId\":\"" T1
	    "\",\"quantity\":-1}]}",
	    "{\"eventId\":\"" EV "\",\"ga\":[{\"ticketTypeId\":\"" T1
	    "\",\"quantity\":101}]}",
	    "{\"eventId\":\"" EV "\",\"ga\":[{\"ticketTypeId\":\"" T1
	    "\",\"quantity\":1.5}]}",
	    "{\"eventId\":\"" EV "\",\"ga\":[{\"ticketTypeId\":\"" T1
	    "\",\"quantity\":1},{\"ticketTypeId\":\"" T1 "\",\"quantity\":2}]}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *code = parse(bad[i], &r, &st);
		if (st != 400 || code[0] == '\0')
			printf("#   body %zu: status %d code '%s'\n", i, st, code);
		CHECK(st == 400);
	}
	CHECK_STR(parse("{\"eventId\":\"" EV "\",\"seatIds\":[]}", &r, &st),
	    "empty_request");
}

TEST(at_most_twenty_seats_per_request)
{
	struct zt_hold_request r;
	char body[4096];
	int st, n = snprintf(body, sizeof(body),
	    "{\"eventId\":\"" EV "\",\"seatIds\":[");
	for (int i = 0; i < ZT_HOLD_MAX_SEATS + 1; i++)
		n += snprintf(body + n, sizeof(body) - (size_t)n,
		    "%s\"5a000000-0000-4000-8000-0000000000%02d\"",
		    i ? "," : "", i + 1);
	snprintf(body + n, sizeof(body) - (size_t)n, "]}");
	CHECK_STR(parse(body, &r, &st), "invalid_field");
	CHECK(st == 400);
}

TEST(hold_json_shows_the_hold_or_null)
{
	struct zt_req *req = zt_req_new(NULL, NULL);
	const char *seats[] = {S1, S2};
	struct zt_hold_ga ga[] = {{T1, 2}};
	struct zt_hold h = {"h1", 1795320000123LL, 2, seats, 1, ga, 0};
	struct zt_hold none = {"", 0, 0, NULL, 0, NULL, 0};
	struct json_object *o = zt_hold_json(req, &h);
	CHECK_STR(zt_json_text(req, o, NULL),
	    "{\"holdId\":\"h1\",\"expiresAt\":\"2026-11-22T04:00:00.123Z\","
	    "\"seats\":[\"" S1 "\",\"" S2 "\"],"
	    "\"ga\":[{\"ticketTypeId\":\"" T1 "\",\"quantity\":2}]}");
	json_object_put(o);
	/* the cap on its life, once the hold has one */
	h.max_expires_ms = 1795320300123LL;
	o = zt_hold_json(req, &h);
	CHECK(strstr(zt_json_text(req, o, NULL),
	          "\"maxExpiresAt\":\"2026-11-22T04:05:00.123Z\"") != NULL);
	json_object_put(o);
	CHECK(zt_hold_json(req, &none) == NULL);
	zt_req_free(req);
}

int
main(void)
{
	RUN(a_full_request_parses);
	RUN(ga_only_and_zero_quantity_parse);
	RUN(malformed_requests_are_400_naming_the_field);
	RUN(at_most_twenty_seats_per_request);
	RUN(hold_json_shows_the_hold_or_null);
	done();
	return DONE();
}

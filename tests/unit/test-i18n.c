/* test-i18n.c - Accept-Language, the catalogues, Hindi errors and dates
 * (Indian grouping of money: test-price.c). */
#include "zt_i18n.h"
#include "zt_req.h"
#include "zt_test.h"
#include "zt_test_i18n.h"

static struct zt_arena *a;

TEST(accept_language_by_q_value)
{
	CHECK(zt_i18n_accept(NULL) == NULL);
	CHECK(zt_i18n_accept("") == NULL);
	CHECK_STR(zt_i18n_accept("hi"), "hi");
	CHECK_STR(zt_i18n_accept("hi-IN,hi;q=0.9,en;q=0.8"), "hi");
	CHECK_STR(zt_i18n_accept("en-GB, hi;q=0.9"), "en");
	/* the higher q wins, whatever the order */
	CHECK_STR(zt_i18n_accept("en;q=0.5, hi;q=0.9"), "hi");
	CHECK_STR(zt_i18n_accept("en;q=0.5,HI-in;q=0.51"), "hi");
	CHECK_STR(zt_i18n_accept("hi;q=0.3 , en ; q=0.7"), "en");
	/* ties: the first */
	CHECK_STR(zt_i18n_accept("hi;q=0.8,en;q=0.8"), "hi");
	/* q=0 means "not this"; unsupported languages are skipped */
	CHECK_STR(zt_i18n_accept("hi;q=0, en;q=0.1"), "en");
	CHECK(zt_i18n_accept("hi;q=0") == NULL);
	CHECK(zt_i18n_accept("fr-FR, de;q=0.9") == NULL);
	CHECK_STR(zt_i18n_accept("fr, hi;q=0.2"), "hi");
	/* "*" is any language: English */
	CHECK_STR(zt_i18n_accept("fr, *;q=0.5"), "en");
	/* malformed q-values never match */
	CHECK(zt_i18n_accept("hi;q=2") == NULL);
	CHECK(zt_i18n_accept("hi;q=1.5") == NULL);
	CHECK(zt_i18n_accept("hi;q=0.12345") == NULL);
	CHECK(zt_i18n_accept("hi;q=abc") == NULL);
	CHECK_STR(zt_i18n_accept("hi;q=1.000"), "hi");
	CHECK_STR(zt_i18n_accept("en;q=0.999,hi;q=1"), "hi");
	/* a prefix is not a language: "hin" and "hindi" are not "hi" */
	CHECK(zt_i18n_accept("hin, hindi") == NULL);
	CHECK_STR(zt_i18n_accept("hi;foo=bar;q=0.4,en;q=0.3"), "hi");
	CHECK(zt_i18n_accept(",,;,") == NULL);
}

TEST(norm)
{
	CHECK_STR(zt_i18n_norm("hi"), "hi");
	CHECK_STR(zt_i18n_norm("EN"), "en");
	CHECK(zt_i18n_norm("fr") == NULL);
	CHECK(zt_i18n_norm("") == NULL);
	CHECK(zt_i18n_norm(NULL) == NULL);
}

static const char *
get(void *ctx, const char *name)
{
	(void)ctx;
	return strcmp(name, "n") == 0 ? "42" : NULL;
}

TEST(catalogue_and_placeholders)
{
	/* English is the fallback of a key Hindi lacks */
	CHECK_STR(zt_i18n_text("hi", "server.error.seats_taken"),
	    zt_i18n_own("hi", "server.error.seats_taken"));
	CHECK(zt_i18n_own("hi", "server.nope") == NULL);
	CHECK(zt_i18n_text("hi", "server.nope") == NULL);
	CHECK_STR(zt_i18n_text("en", "server.error.seats_taken"),
	    "some of these seats are held by someone else or sold");
	CHECK_STR(zt_i18n_text("fr", "server.error.seats_taken"),
	    "some of these seats are held by someone else or sold");
	CHECK_STR(zt_i18n_fill(a, "a {n} b {x} {n}", get, NULL),
	    "a 42 b {x} 42");
	CHECK_STR(zt_i18n_fill(a, "{n}", get, NULL), "42");
	CHECK_STR(zt_i18n_fill(a, "no braces", get, NULL), "no braces");
	CHECK_STR(zt_i18n_fill(a, "open { only", get, NULL), "open { only");
	CHECK_STR(zt_i18n_fill(a, "", get, NULL), "");
}

TEST(when_in_hindi)
{
	const char *en = "Sun, 27 Dec 2026, 6:00 PM IST";
	CHECK(zt_i18n_when(a, "en", en) == en);
	CHECK_STR(zt_i18n_when(a, "hi", en),
	    "\u0930\u0935\u093f, 27 \u0926\u093f\u0938\u0970 2026, 6:00 pm IST");
	CHECK_STR(zt_i18n_when(a, "hi", "Mon, 5 Jan 2027, 11:30 AM Asia/Dubai"),
	    "\u0938\u094b\u092e, 5 \u091c\u0928\u0970 2027, 11:30 am Asia/Dubai");
	CHECK_STR(zt_i18n_when(a, "hi", "whenever"), "whenever");
}

/* an error's message by its code, with the field or number it names */
TEST(errors_by_code)
{
	struct zt_req *req = zt_req_new(NULL, NULL);
	/* English: the message as written */
	req->lang = "en";
	zt_fail(req, ZT_ECONFLICT, "per_user_limit",
	    "at most %d tickets per person for this event", 4);
	zt_i18n_error(req);
	CHECK_STR(req->err_msg, "at most 4 tickets per person for this event");
	zt_req_end(req);
	/* Hindi: the number carried over, the code kept */
	req->lang = "hi";
	zt_fail(req, ZT_ECONFLICT, "per_user_limit",
	    "at most %d tickets per person for this event", 4);
	zt_i18n_error(req);
	CHECK_STR(req->err_code, "per_user_limit");
	CHECK(strstr(req->err_msg, " 4 ") != NULL);
	CHECK(strstr(req->err_msg, "tickets") == NULL);
	zt_req_end(req);
	/* a named field */
	req->lang = "hi";
	zt_fail(req, ZT_EBADREQ, "invalid_field", "field 'to' must be 6 digits");
	zt_i18n_error(req);
	CHECK(strstr(req->err_msg, "'to'") != NULL);
	CHECK(strstr(req->err_msg, "digits") == NULL);
	zt_req_end(req);
	/* a code with no number: the plain text, no {n} left */
	req->lang = "hi";
	zt_fail(req, ZT_EUNAUTH, "invalid_code",
	    "this code is not valid; request a new one");
	zt_i18n_error(req);
	CHECK_STR(req->err_msg, zt_i18n_own("hi", "server.error.invalid_code"));
	zt_req_end(req);
	/* a code the catalogue lacks: left as written */
	req->lang = "hi";
	zt_fail(req, ZT_ECONFLICT, "no_such_code_anywhere", "as written");
	zt_i18n_error(req);
	CHECK_STR(req->err_msg, "as written");
	zt_req_free(req);
}

int
main(void)
{
	if (zt_test_i18n_load() != 0)
		return 1;
	a = zt_arena_new();
	RUN(accept_language_by_q_value);
	RUN(norm);
	RUN(catalogue_and_placeholders);
	RUN(when_in_hindi);
	RUN(errors_by_code);
	zt_arena_free(a);
	zt_i18n_free();
	return DONE();
}

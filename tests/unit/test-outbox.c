/* test-outbox.c - message templates and retry backoff. */
#include "zt_outbox.h"
#include "zt_test.h"

static struct zt_arena *a;

TEST(confirmation_renders_text_and_escaped_html)
{
	struct json_object *p = json_tokener_parse(
	    "{\"template\":\"booking.confirmed\",\"name\":\"Asha\","
	    "\"bookingRef\":\"ZT-7Q2K\",\"eventTitle\":\"<img src=x onerror=1>\","
	    "\"ticketSummary\":\"2 x Gold\",\"total\":\"\\u20b92,400.00\","
	    "\"eventWhen\":\"Sat 5 Dec, 7:00 pm\",\"venue\":\"LT & PC\","
	    "\"link\":\"https://ztic.in/tickets\"}");
	struct zt_outbox_msg m;
	char err[128];
	CHECK(zt_outbox_render(a, p, &m, err, sizeof(err)) == 0);
	CHECK_STR(m.subject, "Your tickets for <img src=x onerror=1>");
	CHECK(strstr(m.text, "Hi Asha,") != NULL);
	CHECK(strstr(m.text, "2 x Gold") != NULL);
	CHECK(strstr(m.html, "<img") == NULL);
	CHECK(strstr(m.html, "&lt;img src=x onerror=1&gt;") != NULL);
	CHECK(strstr(m.html, "LT &amp; PC") != NULL);
	CHECK(strncmp(m.html, "<p>Hi Asha,</p><p>", 18) == 0);
	/* the whole body: a blank line closes a paragraph, a newline breaks */
	CHECK_STR(m.html, "<p>Hi Asha,</p><p>Your booking ZT-7Q2K for "
	    "&lt;img src=x onerror=1&gt; is confirmed: 2 x Gold. Total paid: "
	    "\u20b92,400.00.</p><p>Sat 5 Dec, 7:00 pm at LT &amp; PC.</p><p>"
	    "Your tickets: https://ztic.in/tickets<br></p>");
	json_object_put(p);
}

TEST(missing_fields_and_unknown_templates_fail)
{
	struct zt_outbox_msg m;
	char err[128];
	struct json_object *p = json_tokener_parse(
	    "{\"template\":\"booking.refunded\",\"name\":\"A\"}");
	CHECK(zt_outbox_render(a, p, &m, err, sizeof(err)) == -1);
	CHECK(strstr(err, "missing") != NULL);
	json_object_put(p);
	p = json_tokener_parse("{\"template\":\"nope\"}");
	CHECK(zt_outbox_render(a, p, &m, err, sizeof(err)) == -1);
	CHECK(strstr(err, "unknown template") != NULL);
	json_object_put(p);
}

TEST(backoff_doubles_and_caps)
{
	CHECK(zt_outbox_backoff(1) == 30);
	CHECK(zt_outbox_backoff(2) == 60);
	CHECK(zt_outbox_backoff(3) == 120);
	CHECK(zt_outbox_backoff(30) == 6 * 3600);
}

int
main(void)
{
	a = zt_arena_new();
	RUN(confirmation_renders_text_and_escaped_html);
	RUN(missing_fields_and_unknown_templates_fail);
	RUN(backoff_doubles_and_caps);
	zt_arena_free(a);
	return DONE();
}

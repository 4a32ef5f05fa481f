/* test-outbox.c - message templates and retry backoff. */
#include "zt_outbox.h"
#include "zt_test_i18n.h"
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

/* the same template in Hindi: the catalogue's text, the time in Hindi,
 * the money as it came (Indian grouping), the organizer's title as
 * written, and an empty name read as the catalogue's word */
TEST(hindi_confirmation)
{
	struct json_object *p = json_tokener_parse(
	    "{\"template\":\"booking.confirmed\",\"lang\":\"hi\","
	    "\"name\":\"\",\"bookingRef\":\"ZT-7Q2K\","
	    "\"eventTitle\":\"Jazz Night\",\"ticketSummary\":\"2 x Gold\","
	    "\"total\":\"\\u20b91,23,456.50\","
	    "\"eventWhen\":\"Sun, 27 Dec 2026, 6:00 PM IST\","
	    "\"venue\":\"\",\"link\":\"https://ztic.in/tickets\"}");
	struct zt_outbox_msg m;
	char err[128];
	CHECK(zt_outbox_render(a, p, &m, err, sizeof(err)) == 0);
	CHECK_STR(m.subject, "Jazz Night \u0915\u0947 \u0932\u093f\u090f "
			     "\u0906\u092a\u0915\u0947 \u091f\u093f\u0915\u091f");
	CHECK(strstr(m.text, "\u0928\u092e\u0938\u094d\u0924\u0947 "
			     "\u091c\u0940,") != NULL); /* नमस्ते जी, */
	CHECK(strstr(m.text, "\u20b91,23,456.50") != NULL);
	/* रवि, 27 दिस॰ 2026, 6:00 pm IST */
	CHECK(strstr(m.text, "\u0930\u0935\u093f, 27 \u0926\u093f\u0938"
			     "\u0970 2026, 6:00 pm IST") != NULL);
	CHECK(strstr(m.text, "Hi ") == NULL);
	json_object_put(p);
	/* the server's own refund reason in Hindi, the organizer's as
	 * written */
	p = json_tokener_parse(
	    "{\"template\":\"booking.refunded\",\"lang\":\"hi\","
	    "\"name\":\"A\",\"amount\":\"x\",\"bookingRef\":\"R\","
	    "\"eventTitle\":\"E\",\"reason\":\"cancelled by the buyer\"}");
	CHECK(zt_outbox_render(a, p, &m, err, sizeof(err)) == 0);
	CHECK(strstr(m.text, "cancelled by the buyer") == NULL);
	json_object_put(p);
	p = json_tokener_parse(
	    "{\"template\":\"booking.refunded\",\"lang\":\"hi\","
	    "\"name\":\"A\",\"amount\":\"x\",\"bookingRef\":\"R\","
	    "\"eventTitle\":\"E\",\"reason\":\"Rain, sorry\"}");
	CHECK(zt_outbox_render(a, p, &m, err, sizeof(err)) == 0);
	CHECK(strstr(m.text, "Rain, sorry") != NULL);
	json_object_put(p);
	/* English stays what it was: an empty name is "there" */
	p = json_tokener_parse(
	    "{\"template\":\"event.cancelled\",\"name\":\"\","
	    "\"tenantName\":\"T\",\"eventTitle\":\"E\",\"bookingRef\":\"R\"}");
	CHECK(zt_outbox_render(a, p, &m, err, sizeof(err)) == 0);
	CHECK(strncmp(m.text, "Hi there,", 9) == 0);
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
	if (zt_test_i18n_load() != 0)
		return 1;
	a = zt_arena_new();
	RUN(confirmation_renders_text_and_escaped_html);
	RUN(hindi_confirmation);
	RUN(missing_fields_and_unknown_templates_fail);
	RUN(backoff_doubles_and_caps);
	zt_arena_free(a);
	zt_i18n_free();
	return DONE();
}

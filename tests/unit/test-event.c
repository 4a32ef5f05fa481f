/* test-event.c - event fields, their rules and the state machine. */
#include "zt_event.h"
#include "zt_layout.h"
#include "zt_test.h"

static struct zt_req *req;
static struct json_object *doc;
static struct zt_event_fields f;
static unsigned set;

#define NOW 1795372200 /* 2026-11-22T18:30:00Z */

static enum zt_err
apply(const char *json, int creating)
{
	if (doc != NULL)
		json_object_put(doc);
	zt_req_end(req);
	doc = json_tokener_parse(json);
	if (creating)
		zt_event_defaults(&f);
	return zt_event_apply(req, doc, &f, creating, &set);
}

static int
msg_has(const char *s)
{
	int ok = req->err_msg != NULL && strstr(req->err_msg, s) != NULL;
	if (!ok)
		printf("#   message \"%s\" lacks \"%s\"\n",
		    req->err_msg ? req->err_msg : "(none)", s);
	return ok;
}

#define BASE "\"title\": \"Pronite\", \"startsAt\": " \
	"\"2026-12-01T19:00:00+05:30\", \"endsAt\": \"2026-12-01T23:00:00+05:30\""

TEST(a_new_event_needs_a_title_and_times)
{
	CHECK(apply("{" BASE "}", 1) == ZT_OK);
	CHECK_STR(f.title, "Pronite");
	CHECK(f.starts_at == 1796131800);
	CHECK(f.ends_at == 1796146200);
	CHECK_STR(f.timezone, "Asia/Kolkata");
	CHECK_STR(f.layout_kind, "ga");
	CHECK(f.per_user_limit == 10);
	CHECK(set & ZT_EF_STARTS);
	CHECK(apply("{\"startsAt\": \"2026-12-01T19:00:00Z\", \"endsAt\": "
	            "\"2026-12-01T23:00:00Z\"}", 1) == ZT_EBADREQ);
	CHECK(msg_has("'title' is required"));
	CHECK(apply("{\"title\": \"x\", \"endsAt\": \"2026-12-01T23:00:00Z\"}",
	          1) == ZT_EBADREQ);
	CHECK(msg_has("'startsAt'"));
	CHECK(apply("{\"title\": \"x\", \"startsAt\": \"1 Dec 2026\", "
	            "\"endsAt\": \"2026-12-01T23:00:00Z\"}", 1) == ZT_EBADREQ);
	CHECK(msg_has("'startsAt' must be an RFC 3339"));
}

TEST(fields_are_checked_and_named)
{
	struct {
		const char *json, *field;
	} bad[] = {
	    {"{" BASE ", \"slug\": \"Bad Slug\"}", "'slug'"},
	    {"{" BASE ", \"perUserLimit\": 0}", "'perUserLimit'"},
	    {"{" BASE ", \"perUserLimit\": 101}", "'perUserLimit'"},
	    {"{" BASE ", \"layoutKind\": \"arena\"}", "'layoutKind'"},
	    {"{" BASE ", \"timezone\": \"IST\"}", "'timezone'"},
	    {"{" BASE ", \"timezone\": \"Asia//Kolkata\"}", "'timezone'"},
	    {"{" BASE ", \"posterUrl\": \"javascript:alert(1)\"}", "'posterUrl'"},
	    {"{" BASE ", \"tags\": \"music\"}", "'tags'"},
	    {"{" BASE ", \"tags\": [1]}", "'tags'"},
	    {"{" BASE ", \"tags\": [\"\"]}", "'tags'"},
	    {"{" BASE ", \"salesEndsAt\": \"soon\"}", "'salesEndsAt'"},
	    {"{" BASE ", \"refundPolicy\": \"none\"}", "'refundPolicy'"},
	    {"{" BASE ", \"refundPolicy\": {\"type\": \"always\"}}",
	        "'refundPolicy.type'"},
	    {"{" BASE ", \"refundPolicy\": {\"type\": \"before_start\"}}",
	        "'refundPolicy.cutoffHours'"},
	    {"{" BASE ", \"refundPolicy\": {\"type\": \"none\", "
	        "\"cutoffHours\": 4}}", "'refundPolicy'"},
	    {"{" BASE ", \"refundPolicy\": {\"type\": \"before_start\", "
	        "\"cutoffHours\": 4, \"feeBps\": 10001}}", "'feeBps'"},
	    {"{" BASE ", \"status\": \"published\"}", "'status'"},
	    {"{\"title\": \"\", \"startsAt\": \"2026-12-01T19:00:00Z\", "
	        "\"endsAt\": \"2026-12-01T23:00:00Z\"}", "'title'"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(apply(bad[i].json, 1) == ZT_EBADREQ);
		CHECK(msg_has(bad[i].field));
	}
	CHECK(apply("{" BASE ", \"refundPolicy\": {\"type\": \"before_start\","
	            " \"cutoffHours\": 4, \"feeBps\": 100, \"feePaise\": 5}}",
	          1) == ZT_EINVALID);
}

TEST(tags_are_trimmed_lowercased_and_deduplicated)
{
	CHECK(apply("{" BASE ", \"tags\": [\" Rock \", \"rock\", \"Indie\"]}",
	          1) == ZT_OK);
	CHECK_STR(f.tags_json, "[\"rock\",\"indie\"]");
}

TEST(a_patch_changes_only_what_it_names)
{
	CHECK(apply("{" BASE ", \"city\": \"Pune\", \"salesEndsAt\": "
	            "\"2026-12-01T18:00:00+05:30\"}", 1) == ZT_OK);
	CHECK_STR(f.city, "Pune");
	CHECK(f.has_sales_ends);
	CHECK(apply("{\"city\": \"\", \"salesEndsAt\": null, \"title\": "
	            "\"New\"}", 0) == ZT_OK);
	CHECK(f.city == NULL);
	CHECK(!f.has_sales_ends);
	CHECK_STR(f.title, "New");
	CHECK(f.starts_at == 1796131800);
	CHECK(!(set & ZT_EF_STARTS));
	CHECK(apply("{\"title\": \"\"}", 0) == ZT_EBADREQ);
}

TEST(times_must_fit_together)
{
	CHECK(apply("{" BASE "}", 1) == ZT_OK);
	CHECK(zt_event_validate(req, &f, NOW, 1) == ZT_OK);
	CHECK(zt_event_validate(req, &f, f.starts_at, 1) == ZT_EINVALID);
	CHECK(msg_has("'startsAt' must be in the future"));
	CHECK(zt_event_validate(req, &f, f.starts_at + 1, 0) == ZT_OK);

	f.ends_at = f.starts_at;
	CHECK(zt_event_validate(req, &f, NOW, 1) == ZT_EINVALID);
	CHECK(msg_has("'endsAt' must be after startsAt"));
	f.ends_at = f.starts_at + 91LL * 86400;
	CHECK(zt_event_validate(req, &f, NOW, 1) == ZT_EINVALID);
	CHECK(msg_has("at most 90 days"));
	f.ends_at = f.starts_at + 3600;

	f.has_sales_ends = 1;
	f.sales_ends_at = f.ends_at + 1;
	CHECK(zt_event_validate(req, &f, NOW, 1) == ZT_EINVALID);
	CHECK(msg_has("'salesEndsAt' must not be after endsAt"));
	f.sales_ends_at = f.ends_at;
	CHECK(zt_event_validate(req, &f, NOW, 1) == ZT_OK);
	f.has_sales_starts = 1;
	f.sales_starts_at = f.ends_at;
	CHECK(zt_event_validate(req, &f, NOW, 1) == ZT_EINVALID);
	CHECK(msg_has("'salesStartsAt' must be before endsAt"));
	f.sales_starts_at = f.ends_at - 10;
	f.sales_ends_at = f.ends_at - 20;
	CHECK(zt_event_validate(req, &f, NOW, 1) == ZT_EINVALID);
	CHECK(msg_has("'salesEndsAt' must be after salesStartsAt"));
	/* sales may open long before the event and close after it starts */
	f.sales_starts_at = NOW - 86400;
	f.sales_ends_at = f.starts_at + 60;
	CHECK(zt_event_validate(req, &f, NOW, 1) == ZT_OK);
}

TEST(the_state_machine)
{
	const char *why;
	CHECK_STR(zt_event_transition("draft", "publish", &why), "published");
	CHECK(zt_event_transition("published", "publish", &why) == NULL);
	CHECK(why != NULL);
	CHECK(zt_event_transition("cancelled", "publish", &why) == NULL);
	CHECK(zt_event_transition("completed", "publish", &why) == NULL);
	CHECK_STR(zt_event_transition("draft", "cancel", &why), "cancelled");
	CHECK_STR(zt_event_transition("published", "cancel", &why),
	    "cancelled");
	CHECK(zt_event_transition("cancelled", "cancel", &why) == NULL);
	CHECK(zt_event_transition("completed", "cancel", &why) == NULL);
	CHECK_STR(zt_event_transition("draft", "delete", &why), "draft");
	CHECK(zt_event_transition("published", "delete", &why) == NULL);
	CHECK(zt_event_transition("cancelled", "delete", &why) == NULL);
	CHECK_STR(zt_event_transition("published", "edit", &why), "published");
	CHECK(zt_event_transition("completed", "edit", &why) == NULL);
	CHECK(zt_event_transition("draft", "complete", &why) == NULL);
}

TEST(publishing_needs_a_layout_of_the_right_kind)
{
	CHECK(zt_layout_unpublishable("reserved", 10, 10, 0) == NULL);
	CHECK(zt_layout_unpublishable("reserved", 0, 0, 0) != NULL);
	CHECK(zt_layout_unpublishable("reserved", 0, 5, 0) != NULL);
	CHECK(zt_layout_unpublishable("reserved", 5, 5, 1) != NULL);
	CHECK(zt_layout_unpublishable("ga", 0, 0, 1) == NULL);
	CHECK(zt_layout_unpublishable("ga", 0, 0, 0) != NULL);
	CHECK(zt_layout_unpublishable("ga", 1, 1, 1) != NULL);
	CHECK(zt_layout_unpublishable("hybrid", 1, 1, 1) == NULL);
	CHECK(zt_layout_unpublishable("hybrid", 1, 1, 0) != NULL);
	CHECK(zt_layout_unpublishable("hybrid", 0, 3, 1) != NULL);
}

int
main(void)
{
	req = zt_req_new(NULL, NULL);
	RUN(a_new_event_needs_a_title_and_times);
	RUN(fields_are_checked_and_named);
	RUN(tags_are_trimmed_lowercased_and_deduplicated);
	RUN(a_patch_changes_only_what_it_names);
	RUN(times_must_fit_together);
	RUN(the_state_machine);
	RUN(publishing_needs_a_layout_of_the_right_kind);
	if (doc != NULL)
		json_object_put(doc);
	zt_req_free(req);
	return DONE();
}

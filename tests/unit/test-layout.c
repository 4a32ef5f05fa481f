/*
 * test-layout.c - what PUT /api/events/:id/layout decides without the
 * database: a document as zt_seatmap_parse reads it, then zt_layout_check
 * against the event (status, kind, the event's end), and whether a layout
 * can be published (zt_layout_unpublishable).  Every refusal names its
 * field, in the message and in the error body's "field" where the API
 * gives one.  The document format itself is test-seatmap.c's.
 */
#include "zt_layout.h"
#include "zt_test.h"
#include "zt_time.h"

#include <stdio.h>
#include <stdlib.h>

static struct zt_req *req;
static struct zt_seatmap m;
static int64_t ends_at; /* the event's end: 2030-01-01T12:00:00Z */

#define CATS                                                                   \
	"\"categories\": [{\"name\": \"Gold\", \"pricePaise\": 150000},"       \
	" {\"name\": \"Silver\", \"pricePaise\": 90000}]"
#define GEN                                                                    \
	"\"generate\": {\"rows\": \"A-C\", \"seatsPerRow\": 10,"               \
	" \"category\": \"Silver\"}"
/* ticket types: name, price, capacity, then what a test adds */
#define T_HEAD "{\"name\": \""
#define T_TAIL "\", \"pricePaise\": 50000, \"capacity\": 100"
#define FLOOR T_HEAD "Floor" T_TAIL "}"
#define STANDING T_HEAD "Standing" T_TAIL "}"
#define EARLY T_HEAD "Early" T_TAIL "}"

static struct json_object *last; /* the last document, until the next */

/*
 * A fresh request reads json as PUT does: zt_seatmap_parse, then (status
 * not NULL) zt_layout_check against an event in status with kind_now.
 */
static enum zt_err
put(const char *json, const char *status, const char *kind_now,
    const char **kind)
{
	enum zt_err e;
	zt_req_end(req);
	json_object_put(last);
	if ((last = json_tokener_parse(json)) == NULL)
		printf("#   bad test JSON: %s\n", json);
	if ((e = zt_seatmap_parse(req, last, &m)) != ZT_OK || status == NULL)
		return e;
	return zt_layout_check(req, &m, status, kind_now, ends_at, kind);
}

/* Does the recorded message say s? */
#define MSG_HAS(s) CHECK_HAS(req->err_msg, s)

/* The error body's "field", or NULL. */
static const char *
field(void)
{
	struct json_object *f = NULL;
	if (req->err_extra == NULL ||
	    !json_object_object_get_ex(req->err_extra, "field", &f))
		return NULL;
	return json_object_get_string(f);
}

TEST(a_valid_layout_passes_and_keeps_the_event_kind)
{
	const char *kind = NULL;
	CHECK(put("{" CATS ", " GEN "}", "draft", "reserved", &kind) == ZT_OK);
	CHECK_STR(kind, "reserved");
	CHECK(m.nseats == 30 && m.ncats == 2 && m.ntypes == 0);
	CHECK(req->err == ZT_OK);
	/* a published event takes a new layout of the same kind */
	CHECK(put("{" CATS ", " GEN "}", "published", "reserved", &kind) ==
	      ZT_OK);
	/* ga: ticket types only, with sales inside the event */
	CHECK(put("{\"ticketTypes\": [" T_HEAD "Floor" T_TAIL
		  ", \"salesStartsAt\": \"2029-12-01T00:00:00Z\","
		  " \"salesEndsAt\": \"2030-01-01T12:00:00Z\"}]}",
		  "draft", "ga", &kind) == ZT_OK);
	CHECK_STR(kind, "ga");
	CHECK(m.ntypes == 1 && m.types[0].has_sales_ends &&
	      m.types[0].sales_ends_at == ends_at);
	/* hybrid: both */
	CHECK(put("{" CATS ", " GEN ", \"ticketTypes\": [" STANDING "]}",
		  "draft", "hybrid", &kind) == ZT_OK);
	CHECK(m.nseats == 30 && m.ntypes == 1);
}

TEST(a_draft_may_change_its_kind_a_published_event_may_not)
{
	const char *kind = NULL;
	const char *doc = "{\"kind\": \"hybrid\", " CATS ", " GEN
			  ", \"ticketTypes\": [" STANDING "]}";
	CHECK(put(doc, "draft", "reserved", &kind) == ZT_OK);
	CHECK_STR(kind, "hybrid");
	CHECK(put(doc, "published", "hybrid", &kind) == ZT_OK);
	CHECK(put(doc, "published", "reserved", &kind) == ZT_ECONFLICT);
	CHECK_STR(req->err_code, "layout_kind_locked");
	CHECK_STR(field(), "kind");
	MSG_HAS("kind");
}

TEST(a_closed_event_takes_no_layout)
{
	const char *kind = NULL;
	const char *closed[] = {"cancelled", "ended", "archived"};
	for (size_t i = 0; i < 3; i++) {
		CHECK(put("{" CATS ", " GEN "}", closed[i], "reserved",
			  &kind) == ZT_ECONFLICT);
		CHECK_STR(req->err_code, "event_closed");
		MSG_HAS(closed[i]);
	}
}

TEST(ga_has_no_seats_and_reserved_no_ticket_types)
{
	const char *kind = NULL;
	CHECK(put("{" CATS ", " GEN "}", "draft", "ga", &kind) ==
	      ZT_EINVALID);
	CHECK_STR(req->err_code, "invalid_layout");
	CHECK_STR(field(), "sections");
	MSG_HAS("hybrid");
	/* the document's own kind is what counts, in a draft */
	CHECK(put("{\"kind\": \"ga\", " CATS ", " GEN "}", "draft", "reserved",
		  &kind) == ZT_EINVALID);
	CHECK_STR(field(), "sections");
	CHECK(put("{\"ticketTypes\": [" FLOOR "]}", "draft", "reserved",
		  &kind) == ZT_EINVALID);
	CHECK_STR(req->err_code, "invalid_layout");
	CHECK_STR(field(), "ticketTypes");
}

TEST(ticket_type_sales_end_with_the_event_naming_the_type)
{
	const char *kind = NULL;
	/* the second type sells past the end */
	CHECK(put("{\"ticketTypes\": [" EARLY ", " T_HEAD "Late" T_TAIL
		  ", \"salesEndsAt\": \"2030-01-01T12:00:01Z\"}]}",
		  "draft", "ga", &kind) == ZT_EINVALID);
	CHECK_STR(field(), "ticketTypes[1].salesEndsAt");
	MSG_HAS("ticketTypes[1].salesEndsAt");
	MSG_HAS("after the event ends");
	/* starting at the end is too late: there would be no sale at all */
	CHECK(put("{\"ticketTypes\": [" T_HEAD "Door" T_TAIL
		  ", \"salesStartsAt\": \"2030-01-01T12:00:00Z\"}]}",
		  "draft", "ga", &kind) == ZT_EINVALID);
	CHECK_STR(field(), "ticketTypes[0].salesStartsAt");
	CHECK(put("{\"ticketTypes\": [" T_HEAD "Door" T_TAIL
		  ", \"salesStartsAt\": \"2030-01-01T11:59:59Z\"}]}",
		  "draft", "ga", &kind) == ZT_OK);
}

TEST(the_limits_are_refused_naming_the_field)
{
	char *doc = malloc(64 * 1024);
	size_t n = 0;
	/* 51 categories: one more than a layout may have */
	n += (size_t)sprintf(doc + n, "{\"categories\": [");
	for (int i = 0; i <= ZT_SEATMAP_MAX_CATS; i++)
		n += (size_t)sprintf(doc + n,
		    "%s{\"name\": \"C%d\", \"pricePaise\": 1}", i ? ", " : "",
		    i);
	sprintf(doc + n, "]}");
	CHECK(put(doc, NULL, NULL, NULL) == ZT_EINVALID);
	MSG_HAS("categories");
	MSG_HAS("at most 50 categories");
	/* 51 ticket types */
	n = (size_t)sprintf(doc, "{\"ticketTypes\": [");
	for (int i = 0; i <= ZT_SEATMAP_MAX_TYPES; i++)
		n += (size_t)sprintf(doc + n,
		    "%s{\"name\": \"T%d\", \"pricePaise\": 1, \"capacity\": 1}",
		    i ? ", " : "", i);
	sprintf(doc + n, "]}");
	CHECK(put(doc, NULL, NULL, NULL) == ZT_EINVALID);
	MSG_HAS("at most 50 ticket types");
	/* exactly at the limits is a layout */
	n = (size_t)sprintf(doc, "{\"ticketTypes\": [");
	for (int i = 0; i < ZT_SEATMAP_MAX_TYPES; i++)
		n += (size_t)sprintf(doc + n,
		    "%s{\"name\": \"T%d\", \"pricePaise\": 1, \"capacity\": 1}",
		    i ? ", " : "", i);
	sprintf(doc + n, "]}");
	const char *kind = NULL;
	CHECK(put(doc, "draft", "ga", &kind) == ZT_OK);
	CHECK(m.ntypes == ZT_SEATMAP_MAX_TYPES);
	/* a row label one character too long */
	CHECK(put("{" CATS ", \"sections\": [{\"rows\": [{\"label\":"
		    " \"ABCDEFGHIJKLMNOPQ\", \"seats\": [\"1\"]}]}]}", NULL, NULL, NULL) ==
	      ZT_EBADREQ);
	MSG_HAS("sections[0].rows[0].label");
	free(doc);
}

TEST(publishing_needs_something_to_sell_of_the_right_kind)
{
	CHECK(zt_layout_unpublishable("reserved", 10, 12, 0) == NULL);
	CHECK(zt_layout_unpublishable("ga", 0, 0, 1) == NULL);
	CHECK(zt_layout_unpublishable("hybrid", 1, 1, 1) == NULL);
	/* reserved: a sellable seat */
	CHECK(strstr(zt_layout_unpublishable("reserved", 0, 0, 0),
		  "needs seats") != NULL);
	CHECK(strstr(zt_layout_unpublishable("reserved", 0, 5, 0),
		  "every seat is blocked") != NULL);
	CHECK(strstr(zt_layout_unpublishable("reserved", 5, 5, 2),
		  "cannot have ticket types") != NULL);
	/* ga: a ticket type and no seats */
	CHECK(strstr(zt_layout_unpublishable("ga", 0, 0, 0),
		  "at least one ticket type") != NULL);
	CHECK(strstr(zt_layout_unpublishable("ga", 3, 3, 1),
		  "cannot have seats") != NULL);
	/* hybrid: both */
	CHECK(zt_layout_unpublishable("hybrid", 0, 0, 1) != NULL);
	CHECK(zt_layout_unpublishable("hybrid", 1, 1, 0) != NULL);
}

int
main(void)
{
	req = zt_req_new(NULL, NULL);
	if (zt_time_parse("2030-01-01T12:00:00Z", &ends_at) != 0)
		return 1;
	RUN(a_valid_layout_passes_and_keeps_the_event_kind);
	RUN(a_draft_may_change_its_kind_a_published_event_may_not);
	RUN(a_closed_event_takes_no_layout);
	RUN(ga_has_no_seats_and_reserved_no_ticket_types);
	RUN(ticket_type_sales_end_with_the_event_naming_the_type);
	RUN(the_limits_are_refused_naming_the_field);
	RUN(publishing_needs_something_to_sell_of_the_right_kind);
	json_object_put(last);
	zt_req_free(req);
	return DONE();
}

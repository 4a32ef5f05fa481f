/* test-seatmap.c - layout documents and the seat-map generator. */
#include "zt_seatmap.h"
#include "zt_test.h"

#include <stdlib.h>

static struct zt_req *req;
static struct zt_seatmap m;

/* Parse a document; the JSON object lives until the next call. */
static enum zt_err
parse(const char *doc)
{
	static struct json_object *o;
	if (o != NULL)
		json_object_put(o);
	zt_req_end(req);
	o = json_tokener_parse(doc);
	if (o == NULL)
		printf("#   bad test JSON: %s\n", doc);
	return zt_seatmap_parse(req, o, &m);
}

static const struct zt_seat *
seat(const char *section, const char *row, const char *label)
{
	for (size_t i = 0; i < m.nseats; i++)
		if (strcmp(m.seats[i].section, section) == 0 &&
		    strcmp(m.seats[i].row, row) == 0 &&
		    strcmp(m.seats[i].label, label) == 0)
			return &m.seats[i];
	return NULL;
}

static const char *
cat(const struct zt_seat *s)
{
	return s ? m.cats[s->cat].name : "(no seat)";
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

TEST(label_ranges_expand)
{
	const char *out[64];
	struct zt_arena *a = zt_arena_new();
	CHECK(zt_seatmap_labels(a, "A-T", out, 64) == 20);
	CHECK_STR(out[19], "T");
	CHECK(zt_seatmap_labels(a, "A-H, J-K", out, 64) == 10);
	CHECK_STR(out[8], "J");
	CHECK(zt_seatmap_labels(a, "Y-AB", out, 64) == 4);
	CHECK_STR(out[2], "AA");
	CHECK_STR(out[3], "AB");
	CHECK(zt_seatmap_labels(a, "1-3,7,10-11", out, 64) == 6);
	CHECK_STR(out[3], "7");
	CHECK_STR(out[5], "11");
	CHECK(zt_seatmap_labels(a, "VIP", out, 64) == 1);
	CHECK(zt_seatmap_labels(a, "A-Z", out, 10) == -1);
	const char *bad[] = {"", "A-", "-A", "B-A", "A-1", "1-A", ",A", "A,",
	    "A,,B", "a-c", "AAAA-AAAB", "1-9999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (zt_seatmap_labels(a, bad[i], out, 64) != -1)
			printf("#   accepted \"%s\"\n", bad[i]);
		CHECK(zt_seatmap_labels(a, bad[i], out, 64) == -1);
	}
	zt_arena_free(a);
}

TEST(generator_builds_rows_aisles_and_categories)
{
	CHECK(parse("{\"categories\": [{\"name\": \"Gold\", \"pricePaise\": "
	            "79900, \"colour\": \"#F4A261\"}, {\"name\": \"Silver\", "
	            "\"pricePaise\": 29900}],"
	            " \"generate\": {\"rows\": \"A-T\", \"seatsPerRow\": 24,"
	            " \"aisleAfter\": [12], \"category\": \"Silver\","
	            " \"categories\": [{\"rows\": \"A-C\", \"category\": "
	            "\"Gold\"}]}}") == ZT_OK);
	CHECK(m.nseats == 480);
	CHECK(m.ncats == 2);
	CHECK_STR(m.cats[0].colour, "#f4a261");
	CHECK_STR(m.cats[1].colour, "#888888");
	const struct zt_seat *a1 = seat("", "A", "1");
	const struct zt_seat *a12 = seat("", "A", "12");
	const struct zt_seat *a13 = seat("", "A", "13");
	const struct zt_seat *t24 = seat("", "T", "24");
	CHECK(a1 && a1->x == 0 && a1->y == 0);
	CHECK(a12 && a12->x == 11);
	CHECK(a13 && a13->x == 13); /* one seat pitch of aisle */
	CHECK(t24 && t24->x == 24 && t24->y == 19);
	CHECK_STR(cat(a1), "Gold");
	CHECK_STR(cat(seat("", "C", "24")), "Gold");
	CHECK_STR(cat(seat("", "D", "1")), "Silver");
	int gold = 0;
	for (size_t i = 0; i < m.nseats; i++)
		gold += m.seats[i].cat == 0;
	CHECK(gold == 72);
	CHECK(seat("", "A", "25") == NULL && seat("", "U", "1") == NULL);
}

TEST(generator_blocks_marks_and_leaves_row_gaps)
{
	CHECK(parse("{\"categories\": [{\"name\": \"Std\", \"pricePaise\": "
	            "0}], \"generate\": {\"section\": \"Balcony\", \"rows\": "
	            "\"A-H,J-K\", \"seatsPerRow\": 10, \"firstSeat\": 101,"
	            " \"rowGapAfter\": [\"H\"],"
	            " \"blocked\": [{\"rows\": \"A\", \"seats\": "
	            "\"101-102,110\"}, {\"rows\": \"K\"}],"
	            " \"accessible\": [{\"rows\": \"J\", \"seats\": \"101\"}]}}")
	      == ZT_OK);
	CHECK(m.nseats == 100);
	CHECK(seat("Balcony", "I", "101") == NULL);
	CHECK(seat("Balcony", "H", "101")->y == 7);
	CHECK(seat("Balcony", "J", "101")->y == 9);
	CHECK(seat("Balcony", "A", "101")->blocked);
	CHECK(seat("Balcony", "A", "110")->blocked);
	CHECK(!seat("Balcony", "A", "103")->blocked);
	CHECK(seat("Balcony", "K", "105")->blocked);
	CHECK(seat("Balcony", "J", "101")->accessible);
	CHECK(!seat("Balcony", "J", "102")->accessible);
	/* one category: every seat has it without saying so */
	CHECK_STR(cat(seat("Balcony", "B", "104")), "Std");
}

TEST(explicit_rows_take_labels_gaps_and_seat_objects)
{
	CHECK(parse("{\"categories\": [{\"name\": \"A\", \"pricePaise\": 100},"
	            " {\"name\": \"B\", \"pricePaise\": 200}],"
	            " \"sections\": [{\"name\": \"Stalls\", \"rows\": ["
	            "  {\"label\": \"A\", \"category\": \"A\", \"seats\": [\"1\","
	            "   \"2\", {\"gap\": 2}, \"3\", {\"label\": \"4\", "
	            "   \"category\": \"B\", \"blocked\": true, "
	            "   \"accessible\": true}]},"
	            "  {\"label\": \"B\", \"category\": \"B\", \"seats\": "
	            "   [{\"label\": \"1\", \"x\": 5.5, \"y\": 1.5}, \"2\"]}]},"
	            " {\"name\": \"Box\", \"x\": 30, \"rows\": [{\"label\": \"1\","
	            "  \"category\": \"A\", \"seats\": [\"1\"]}]}]}") == ZT_OK);
	CHECK(m.nseats == 7);
	CHECK(seat("Stalls", "A", "2")->x == 1);
	CHECK(seat("Stalls", "A", "3")->x == 4);
	CHECK(seat("Stalls", "A", "4")->x == 5);
	CHECK(seat("Stalls", "A", "4")->blocked);
	CHECK(seat("Stalls", "A", "4")->accessible);
	CHECK_STR(cat(seat("Stalls", "A", "4")), "B");
	CHECK_STR(cat(seat("Stalls", "A", "1")), "A");
	CHECK(seat("Stalls", "B", "1")->x == 5.5);
	CHECK(seat("Stalls", "B", "1")->y == 1.5);
	CHECK(seat("Stalls", "B", "2")->x == 6.5);
	CHECK(seat("Stalls", "B", "2")->y == 1);
	/* the next section starts a row below the lowest seat so far */
	CHECK(seat("Box", "1", "1")->y == 3.5);
	CHECK(seat("Box", "1", "1")->x == 30);
}

TEST(ticket_types_are_read_with_defaults)
{
	CHECK(parse("{\"kind\": \"ga\", \"ticketTypes\": [{\"name\": "
	            "\"Early bird\", \"pricePaise\": 0, \"capacity\": 50,"
	            " \"salesEndsAt\": \"2030-01-01T00:00:00+05:30\"},"
	            " {\"name\": \"Regular\", \"description\": \"Entry\","
	            " \"pricePaise\": 50000, \"capacity\": 500, "
	            "\"perOrderLimit\": 4}]}") == ZT_OK);
	CHECK_STR(m.kind, "ga");
	CHECK(m.ntypes == 2 && m.nseats == 0);
	CHECK(m.types[0].per_order_limit == 10);
	CHECK(m.types[0].has_sales_ends && !m.types[0].has_sales_starts);
	CHECK(m.types[0].sales_ends_at == 1893436200);
	CHECK(m.types[1].capacity == 500 && m.types[1].per_order_limit == 4);
	CHECK(parse("{}") == ZT_OK && m.nseats == 0 && m.ntypes == 0);
}

TEST(malformed_documents_are_400_naming_the_place)
{
	CHECK(parse("{\"seats\": []}") == ZT_EBADREQ);
	CHECK(msg_has("'seats'"));
	CHECK(parse("{\"kind\": \"arena\"}") == ZT_EBADREQ);
	CHECK(msg_has("kind"));
	CHECK(parse("{\"categories\": [{\"name\": \"A\", \"pricePaise\": -1}]}")
	      == ZT_EBADREQ);
	CHECK(msg_has("categories[0].pricePaise"));
	CHECK(parse("{\"categories\": [{\"name\": \"A\", \"pricePaise\": 1,"
	            " \"colour\": \"gold\"}]}") == ZT_EBADREQ);
	CHECK(msg_has("categories[0].colour"));
	CHECK(parse("{\"ticketTypes\": [{\"name\": \"A\", \"pricePaise\": 1,"
	            " \"capacity\": 0}]}") == ZT_EBADREQ);
	CHECK(msg_has("ticketTypes[0].capacity"));
	CHECK(parse("{\"ticketTypes\": [{\"name\": \"A\", \"pricePaise\": 1,"
	            " \"capacity\": 5, \"salesEndsAt\": \"tomorrow\"}]}") ==
	      ZT_EBADREQ);
	CHECK(msg_has("ticketTypes[0].salesEndsAt"));
	CHECK(parse("{\"categories\": [{\"name\": \"A\", \"pricePaise\": 1}],"
	            " \"sections\": [{\"rows\": [{\"label\": \"A\", \"seats\":"
	            " [\"1\", {\"gap\": 0}]}]}]}") == ZT_EBADREQ);
	CHECK(msg_has("sections[0].rows[0].seats[1]"));
	CHECK(parse("{\"sections\": [{\"rows\": [{\"label\": \"A\", \"seats\":"
	            " [{\"label\": \"1\", \"categroy\": \"x\"}]}]}]}") ==
	      ZT_EBADREQ);
	CHECK(msg_has("sections[0].rows[0].seats[0].categroy"));
	CHECK(parse("{\"sections\": [{\"rows\": [{\"label\": \"A\", \"seats\":"
	            " [{\"label\": \"1\", \"x\": -1}]}]}]}") == ZT_EBADREQ);
	CHECK(msg_has("seats[0].x"));
	CHECK(parse("{\"sections\": [{\"rows\": [], \"generate\": {}}]}") ==
	      ZT_EBADREQ);
	CHECK(parse("{\"sections\": [], \"generate\": {}}") == ZT_EBADREQ);
	CHECK(parse("{\"generate\": {\"rows\": \"A-\", \"seatsPerRow\": 2}}") ==
	      ZT_EBADREQ);
	CHECK(msg_has("generate.rows"));
	CHECK(parse("{\"generate\": {\"rows\": \"A\", \"seatsPerRow\": 1001}}") ==
	      ZT_EBADREQ);
	CHECK(msg_has("generate.seatsPerRow"));
}

TEST(invalid_layouts_are_422_naming_the_place)
{
	const char *cats = "\"categories\": [{\"name\": \"A\", \"pricePaise\": 1},"
	                   " {\"name\": \"B\", \"pricePaise\": 2}]";
	char doc[1024];
	snprintf(doc, sizeof(doc), "{%s, \"sections\": [{\"rows\": [{\"label\":"
	    " \"A\", \"seats\": [{\"label\": \"1\", \"category\": \"A\"},"
	    " {\"label\": \"2\", \"category\": \"Gld\"}]}]}]}", cats);
	CHECK(parse(doc) == ZT_EINVALID);
	CHECK(msg_has("sections[0].rows[0].seats[1].category"));
	CHECK(msg_has("'Gld'"));
	snprintf(doc, sizeof(doc), "{%s, \"sections\": [{\"rows\": [{\"label\":"
	    " \"A\", \"seats\": [\"1\"]}]}]}", cats);
	CHECK(parse(doc) == ZT_EINVALID);
	CHECK(msg_has("no category"));
	snprintf(doc, sizeof(doc), "{%s, \"sections\": [{\"name\": \"S\", "
	    "\"rows\": [{\"label\": \"A\", \"category\": \"A\", \"seats\": "
	    "[\"1\", \"2\"]}, {\"label\": \"A\", \"category\": \"B\", "
	    "\"seats\": [\"2\"]}]}]}", cats);
	CHECK(parse(doc) == ZT_EINVALID);
	CHECK(msg_has("S A-2 appears twice"));
	snprintf(doc, sizeof(doc), "{%s, \"generate\": {\"rows\": \"A-Z\","
	    " \"seatsPerRow\": 1000, \"category\": \"A\"}}", cats);
	CHECK(parse(doc) == ZT_EINVALID);
	CHECK(msg_has("at most 20000 seats"));
	snprintf(doc, sizeof(doc), "{%s, \"generate\": {\"rows\": \"A-C\","
	    " \"seatsPerRow\": 4, \"categories\": [{\"rows\": \"A-B\", "
	    "\"category\": \"A\"}]}}", cats);
	CHECK(parse(doc) == ZT_EINVALID);
	CHECK(msg_has("row C seat 1 has no category"));
	snprintf(doc, sizeof(doc), "{%s, \"generate\": {\"rows\": \"A-C\","
	    " \"seatsPerRow\": 4, \"category\": \"A\", \"blocked\": "
	    "[{\"rows\": \"D\"}]}}", cats);
	CHECK(parse(doc) == ZT_EINVALID);
	CHECK(msg_has("generate.blocked[0].rows"));
	snprintf(doc, sizeof(doc), "{%s, \"generate\": {\"rows\": \"A-C\","
	    " \"seatsPerRow\": 4, \"category\": \"A\", \"blocked\": "
	    "[{\"rows\": \"A\", \"seats\": \"5\"}]}}", cats);
	CHECK(parse(doc) == ZT_EINVALID);
	CHECK(msg_has("seat '5' is not in row A"));
	snprintf(doc, sizeof(doc), "{%s, \"generate\": {\"rows\": \"A-C\","
	    " \"seatsPerRow\": 4, \"category\": \"A\", \"aisleAfter\": [4]}}",
	    cats);
	CHECK(parse(doc) == ZT_EINVALID);
	CHECK(msg_has("generate.aisleAfter[0]"));
	snprintf(doc, sizeof(doc), "{%s, \"generate\": {\"rows\": \"A-C\","
	    " \"seatsPerRow\": 4, \"category\": \"A\", \"rowGapAfter\": "
	    "[1]}}", cats);
	CHECK(parse(doc) == ZT_EINVALID);
	CHECK(msg_has("generate.rowGapAfter[0]"));
	/* a long aisle list is refused before any work is done with it */
	char *big = malloc(20000);
	int n = snprintf(big, 20000, "{%s, \"generate\": {\"rows\": \"A\","
	    " \"seatsPerRow\": 4, \"category\": \"A\", \"aisleAfter\": [",
	    cats);
	for (int i = 0; i < 1001; i++)
		n += snprintf(big + n, (size_t)(20000 - n), "%s1", i ? "," : "");
	snprintf(big + n, (size_t)(20000 - n), "]}}");
	CHECK(parse(big) == ZT_EINVALID);
	CHECK(msg_has("at most 1000 aisles"));
	free(big);
	CHECK(parse("{\"categories\": [{\"name\": \"A\", \"pricePaise\": 1},"
	            " {\"name\": \"A\", \"pricePaise\": 2}]}") == ZT_EINVALID);
	CHECK(msg_has("declared twice"));
	CHECK(parse("{\"ticketTypes\": [{\"name\": \"A\", \"pricePaise\": 1,"
	            " \"capacity\": 5, \"salesStartsAt\": "
	            "\"2030-01-02T00:00:00Z\", \"salesEndsAt\": "
	            "\"2030-01-01T00:00:00Z\"}]}") == ZT_EINVALID);
	CHECK(msg_has("ticketTypes[0].salesEndsAt"));
	CHECK(parse("{\"sections\": [{\"name\": \"S\", \"rows\": []},"
	            " {\"name\": \"S\", \"rows\": []}]}") == ZT_EINVALID);
	CHECK(msg_has("sections[1].name"));
}

TEST(the_seat_cap_holds_across_generators)
{
	/* 10 sections of 2,000 are fine; one seat more is not */
	char doc[4096] = "{\"categories\": [{\"name\": \"A\", \"pricePaise\": 1}],"
	                 " \"sections\": [";
	for (int i = 0; i < 10; i++)
		snprintf(doc + strlen(doc), sizeof(doc) - strlen(doc),
		    "%s{\"name\": \"S%d\", \"generate\": {\"rows\": \"A-T\", "
		    "\"seatsPerRow\": 100}}", i ? "," : "", i);
	strcat(doc, "]}");
	CHECK(parse(doc) == ZT_OK);
	CHECK(m.nseats == ZT_SEATMAP_MAX_SEATS);
	doc[strlen(doc) - 2] = '\0';
	strcat(doc, ", {\"name\": \"X\", \"rows\": [{\"label\": \"A\", "
	            "\"seats\": [\"1\"]}]}]}");
	CHECK(parse(doc) == ZT_EINVALID);
	CHECK(msg_has("at most 20000 seats"));
}

int
main(void)
{
	req = zt_req_new(NULL, NULL);
	RUN(label_ranges_expand);
	RUN(generator_builds_rows_aisles_and_categories);
	RUN(generator_blocks_marks_and_leaves_row_gaps);
	RUN(explicit_rows_take_labels_gaps_and_seat_objects);
	RUN(ticket_types_are_read_with_defaults);
	RUN(malformed_documents_are_400_naming_the_place);
	RUN(invalid_layouts_are_422_naming_the_place);
	RUN(the_seat_cap_holds_across_generators);
	parse("{}");
	zt_req_free(req);
	return DONE();
}

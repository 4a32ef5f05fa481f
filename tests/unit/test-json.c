/* test-json.c - body parsing and field getters name the field. */
#include "zt_json.h"
#include "zt_test.h"

static struct zt_req *req;

static struct json_object *
parse(const char *s)
{
	struct json_object *o = NULL;
	zt_json_parse_body(req, s, strlen(s), &o);
	return o;
}

TEST(malformed_json_is_400_with_reason)
{
	struct json_object *o;
	zt_req_end(req);
	CHECK(zt_json_parse_body(req, "{\"a\":", 5, &o) == ZT_EBADREQ);
	CHECK(o == NULL);
	CHECK_STR(req->err_code, "invalid_json");
	CHECK(strstr(req->err_msg, "not valid JSON") != NULL);
	zt_req_end(req);
	CHECK(zt_json_parse_body(req, "{} x", 4, &o) == ZT_EBADREQ);
	CHECK(strstr(req->err_msg, "trailing") != NULL);
	zt_req_end(req);
	CHECK(zt_json_parse_body(req, "[1,2]", 5, &o) == ZT_EBADREQ);
	CHECK(strstr(req->err_msg, "JSON object") != NULL);
	zt_req_end(req);
	/* nesting deeper than the tokener's limit is refused, not a crash */
	char deep[200];
	memset(deep, '[', sizeof(deep));
	CHECK(zt_json_parse_body(req, deep, sizeof(deep), &o) == ZT_EBADREQ);
}

/* Invalid UTF-8 used to pass the parser and reach PostgreSQL, whose
 * encoding error became a 4xx that named no field (tests/integration/
 * test_bad_input.py): the parser refuses it, naming the byte. */
TEST(invalid_utf8_is_400_invalid_json)
{
	static const char *const bad[] = {
	    "{\"name\":\"ab\xff\"}",       /* never valid in UTF-8 */
	    "{\"name\":\"\xc3(\"}",         /* a lead byte without its tail */
	    "{\"name\":\"\xe2\x82\"}",     /* truncated 3-byte sequence */
	    "{\"n\xfeme\":1}",               /* in a key */
	};
	struct json_object *o;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		zt_req_end(req);
		CHECK(zt_json_parse_body(req, bad[i], strlen(bad[i]), &o) ==
		      ZT_EBADREQ);
		CHECK(o == NULL);
		CHECK_STR(req->err_code, "invalid_json");
		CHECK(strstr(req->err_msg, "byte") != NULL);
	}
	/* valid multi-byte text is still fine */
	zt_req_end(req);
	CHECK(zt_json_parse_body(req, "{\"name\":\"Mood \xe0\xa4\x87\"}", 19,
	    &o) == ZT_OK);
	json_object_put(o);
}

TEST(string_getter_names_the_field)
{
	zt_req_end(req);
	struct json_object *o = parse("{\"name\":42,\"to\":\"a@b.in\",\"e\":\"\"}");
	const char *s = NULL;
	int present = -1;
	CHECK(o != NULL);
	CHECK(zt_json_str(req, o, "name", ZT_REQUIRED, 10, &s, NULL) ==
	      ZT_EBADREQ);
	CHECK(strstr(req->err_msg, "'name'") != NULL);
	CHECK(strstr(req->err_msg, "string") != NULL);
	CHECK(zt_json_str(req, o, "to", ZT_REQUIRED, 3, &s, NULL) == ZT_EBADREQ);
	CHECK(strstr(req->err_msg, "at most 3") != NULL);
	CHECK(zt_json_str(req, o, "to", ZT_REQUIRED, 100, &s, &present) == ZT_OK);
	CHECK_STR(s, "a@b.in");
	CHECK(present == 1);
	CHECK(zt_json_str(req, o, "missing", ZT_OPTIONAL, 10, &s, &present) ==
	      ZT_OK);
	CHECK(present == 0);
	CHECK(zt_json_str(req, o, "missing", ZT_REQUIRED, 10, &s, NULL) ==
	      ZT_EBADREQ);
	CHECK(strstr(req->err_msg, "'missing' is required") != NULL);
	CHECK(zt_json_str(req, o, "e", ZT_REQUIRED, 10, &s, NULL) == ZT_EBADREQ);
	json_object_put(o);
}

TEST(int_bool_array_uuid_getters)
{
	zt_req_end(req);
	struct json_object *o = parse("{\"q\":5,\"f\":1.5,\"b\":true,\"a\":[1,2,3],"
	                              "\"id\":\"0B0A5C1E-1111-4222-8333-444455556666\","
	                              "\"bad\":\"nope\"}");
	int64_t n = 0;
	int b = 0;
	struct json_object *arr = NULL;
	const char *id = NULL;
	CHECK(zt_json_int(req, o, "q", ZT_REQUIRED, 1, 10, &n, NULL) == ZT_OK);
	CHECK(n == 5);
	CHECK(zt_json_int(req, o, "q", ZT_REQUIRED, 6, 10, &n, NULL) ==
	      ZT_EBADREQ);
	CHECK(strstr(req->err_msg, "from 6 to 10") != NULL);
	CHECK(zt_json_int(req, o, "f", ZT_REQUIRED, 0, 10, &n, NULL) ==
	      ZT_EBADREQ);
	CHECK(zt_json_bool(req, o, "b", ZT_REQUIRED, &b, NULL) == ZT_OK && b);
	CHECK(zt_json_bool(req, o, "q", ZT_REQUIRED, &b, NULL) == ZT_EBADREQ);
	CHECK(zt_json_array(req, o, "a", ZT_REQUIRED, 3, &arr, NULL) == ZT_OK);
	CHECK(zt_json_array(req, o, "a", ZT_REQUIRED, 2, &arr, NULL) ==
	      ZT_EBADREQ);
	CHECK(zt_json_uuid(req, o, "id", ZT_REQUIRED, &id, NULL) == ZT_OK);
	CHECK_STR(id, "0b0a5c1e-1111-4222-8333-444455556666");
	CHECK(zt_json_uuid(req, o, "bad", ZT_REQUIRED, &id, NULL) == ZT_EBADREQ);
	CHECK(strstr(req->err_msg, "'bad' must be a UUID") != NULL);
	json_object_put(o);
}

/*
 * Text written by zt_json_pb_str reads byte for byte as json-c writes the
 * same string (zt_json_text's flags), and json-c parses it back to the
 * same bytes: quotes, backslashes, every control character, '/', DEL and
 * non-ASCII (UTF-8 and stray bytes) in labels.
 */
TEST(pb_str_writes_as_json_c)
{
	char all[256];
	const char *labels[] = {"", "A 1", "Row \"B\"", "back\\slash",
	    "tab\tnew\nline\r\b\f", "\x01\x1f\x7f", "a/b</script>",
	    "बालकनी", "Café", "\xff\xc3", all, NULL};
	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	for (size_t i = 0; labels[i] != NULL; i++) {
		struct printbuf *pb = printbuf_new();
		struct json_object *s = json_object_new_string(labels[i]), *back;
		zt_json_pb_str(pb, labels[i]);
		CHECK_STR(pb->buf, json_object_to_json_string_ext(s,
				       JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE));
		back = json_tokener_parse(pb->buf);
		CHECK(back != NULL && json_object_is_type(back, json_type_string));
		CHECK_STR(json_object_get_string(back), labels[i]);
		json_object_put(back);
		json_object_put(s);
		printbuf_free(pb);
	}
}

/* A raw value is written as its text inside the object around it. */
TEST(raw_value_is_written_as_is)
{
	struct json_object *o = json_object_new_object();
	struct printbuf *pb = printbuf_new();
	size_t n;
	printbuf_memappend(pb, "[{\"x\":1.50}]", 12);
	json_object_object_add(o, "a", json_object_new_int(1));
	json_object_object_add(o, "raw", zt_json_raw(pb));
	json_object_object_add(o, "b", json_object_new_boolean(1));
	CHECK_STR(zt_json_text(req, o, &n), "{\"a\":1,\"raw\":[{\"x\":1.50}],\"b\":true}");
	CHECK(n == strlen("{\"a\":1,\"raw\":[{\"x\":1.50}],\"b\":true}"));
	json_object_put(o);
}

int
main(void)
{
	req = zt_req_new(NULL, NULL);
	RUN(malformed_json_is_400_with_reason);
	RUN(invalid_utf8_is_400_invalid_json);
	RUN(string_getter_names_the_field);
	RUN(int_bool_array_uuid_getters);
	RUN(pb_str_writes_as_json_c);
	RUN(raw_value_is_written_as_is);
	zt_req_free(req);
	return DONE();
}

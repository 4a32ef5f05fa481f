/*
 * fuzz-json.c - the request body parser and the JSON field getters
 * (lib/zt_json.c): every getter on every key of the parsed object, with
 * tight and loose limits, plus the UUID and time readers on the raw text.
 * Input: a request body.
 */
#include "fuzz.h"
#include "zt_json.h"
#include "zt_req.h"
#include "zt_time.h"
#include "zt_uuid.h"

static void
getters(struct zt_req *req, struct json_object *o, const char *k)
{
	const char *s;
	int64_t i;
	int b, present;
	struct json_object *arr;
	(void)zt_json_str(req, o, k, ZT_REQUIRED, 8, &s, &present);
	(void)zt_json_str(req, o, k, ZT_OPTIONAL, 4096, &s, &present);
	(void)zt_json_int(req, o, k, ZT_REQUIRED, 0, 100, &i, &present);
	(void)zt_json_int(req, o, k, ZT_OPTIONAL, INT64_MIN, INT64_MAX, &i,
	    &present);
	(void)zt_json_bool(req, o, k, ZT_OPTIONAL, &b, &present);
	(void)zt_json_array(req, o, k, ZT_OPTIONAL, 4, &arr, &present);
	(void)zt_json_uuid(req, o, k, ZT_OPTIONAL, &s, &present);
	(void)zt_json_time(req, o, k, ZT_OPTIONAL, &i, &present);
	(void)zt_json_url(req, o, k, ZT_OPTIONAL, &s, &present);
	(void)zt_json_colour(req, o, k, ZT_OPTIONAL, &s, &present);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const known[] = {"name", "eventId", "seats", NULL};
	char *s = fuzz_str(data, size);
	struct zt_req *req = zt_req_new(NULL, NULL);
	struct json_object *o = NULL;
	int64_t t;
	(void)zt_is_uuid(s);
	(void)zt_uuid_norm(req->arena, s);
	(void)zt_time_parse(s, &t);
	if (zt_json_parse_body(req, s, size, &o) == ZT_OK && o != NULL) {
		json_object_object_foreach(o, key, val) {
			(void)val;
			zt_req_end(req);
			getters(req, o, key);
		}
		zt_req_end(req);
		getters(req, o, "missing");
		(void)zt_json_known(req, o, NULL, known);
		(void)zt_json_known(req, o, "branding.", known);
		size_t len;
		(void)zt_json_text(req, o, &len);
	}
	if (o != NULL)
		json_object_put(o);
	zt_req_free(req);
	free(s);
	return 0;
}

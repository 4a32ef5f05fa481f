/*
 * fuzz-url.c - URL and query decoding (lib/zt_req.c): zt_url_decode in both
 * modes and zt_query on the input as a query string.  Input: the query
 * string; its first line is also looked up as a parameter name.
 */
#include "fuzz.h"
#include "zt_req.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"eventId", "token", "q", "limit",
	    "cursor", "", "a"};
	struct zt_req *req = zt_req_new(NULL, NULL);
	char *s = fuzz_str(data, size);
	char *d = zt_url_decode(req->arena, s, size, 0);
	if (strlen(d) > size)
		abort();
	d = zt_url_decode(req->arena, s, size, 1);
	if (strlen(d) > size)
		abort();
	req->query = s;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const char *v = zt_query(req, names[i]);
		if (v != NULL && strlen(v) > size)
			abort();
	}
	char *copy = fuzz_str(data, size);
	fuzz_line(copy);
	(void)zt_query(req, copy);
	free(copy);
	zt_req_free(req);
	free(s);
	return 0;
}

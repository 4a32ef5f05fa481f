/*
 * fuzz-seatmap.c - the layout document parser (lib/zt_seatmap.c, which
 * PUT /api/events/:id/layout hands the body to before zt_layout.c stores
 * it) and the label range expander.  Input: a layout document; its first
 * line also goes to zt_seatmap_labels.
 */
#include "fuzz.h"
#include "zt_json.h"
#include "zt_seatmap.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	struct zt_req *req = zt_req_new(NULL, NULL);
	struct json_object *doc = NULL;
	struct zt_seatmap m;
	if (zt_json_parse_body(req, s, size, &doc) == ZT_OK && doc != NULL) {
		zt_req_end(req);
		if (zt_seatmap_parse(req, doc, &m) == ZT_OK) {
			if (m.nseats > ZT_SEATMAP_MAX_SEATS ||
			    m.ncats > ZT_SEATMAP_MAX_CATS ||
			    m.ntypes > ZT_SEATMAP_MAX_TYPES)
				abort();
			for (size_t i = 0; i < m.nseats; i++)
				if (m.seats[i].cat >= m.ncats)
					abort();
		}
	}
	if (doc != NULL)
		json_object_put(doc);
	zt_req_end(req);
	const char *out[64];
	fuzz_line(s);
	int n = zt_seatmap_labels(req->arena, s, out, 64);
	if (n > 64)
		abort();
	for (int i = 0; i < n; i++)
		if (out[i] == NULL)
			abort();
	zt_req_free(req);
	free(s);
	return 0;
}

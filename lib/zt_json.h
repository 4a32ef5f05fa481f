/*
 * zt_json.h - reading request fields with errors that name the field.
 *
 * Each getter returns ZT_OK, or records a 400 ("invalid_field") naming the
 * field on req and returns ZT_EBADREQ.  A missing optional field leaves *out
 * unchanged and returns ZT_OK; `present` (may be NULL) tells which happened.
 * Strings returned borrow from the JSON object, which lives as long as req.
 */
#ifndef ZT_JSON_H
#define ZT_JSON_H

#include <json-c/json.h>
#include <stdint.h>

#include "zt_req.h"

enum zt_json_opt { ZT_OPTIONAL = 0, ZT_REQUIRED = 1 };

enum zt_err zt_json_str(struct zt_req *req, struct json_object *o,
    const char *key, enum zt_json_opt req_opt, size_t maxlen, const char **out,
    int *present);
enum zt_err zt_json_int(struct zt_req *req, struct json_object *o,
    const char *key, enum zt_json_opt req_opt, int64_t min, int64_t max,
    int64_t *out, int *present);
enum zt_err zt_json_bool(struct zt_req *req, struct json_object *o,
    const char *key, enum zt_json_opt req_opt, int *out, int *present);
/* An array of at most maxn items. */
enum zt_err zt_json_array(struct zt_req *req, struct json_object *o,
    const char *key, enum zt_json_opt req_opt, size_t maxn,
    struct json_object **out, int *present);
/* A canonical lowercase UUID string. */
enum zt_err zt_json_uuid(struct zt_req *req, struct json_object *o,
    const char *key, enum zt_json_opt req_opt, const char **out, int *present);

/* Is s a UUID (8-4-4-4-12 hex)? */
int zt_is_uuid(const char *s);

/*
 * Parse a request body as one JSON object.  On failure records a 400
 * ("invalid_json") with the parser's reason and returns ZT_EBADREQ.
 * *out is owned by the caller.
 */
enum zt_err zt_json_parse_body(struct zt_req *req, const char *body,
    size_t len, struct json_object **out);

/* Serialize compactly into the arena. */
const char *zt_json_text(struct zt_req *req, struct json_object *o,
    size_t *len);

#endif

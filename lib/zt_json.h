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
#include <json-c/printbuf.h>
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
/*
 * The array a (from zt_json_array) as 1 to maxn distinct strings, each one
 * of the NULL-terminated list known: into v (room for maxn) and *n.  Else
 * 400 naming key and listing what it may hold.
 */
enum zt_err zt_json_pick(struct zt_req *req, struct json_object *a,
    const char *key, const char *const *known, size_t maxn, const char **v,
    size_t *n);
/* A canonical lowercase UUID string. */
enum zt_err zt_json_uuid(struct zt_req *req, struct json_object *o,
    const char *key, enum zt_json_opt req_opt, const char **out, int *present);

/* An RFC 3339 instant (zt_time.h) as seconds since the epoch. */
enum zt_err zt_json_time(struct zt_req *req, struct json_object *o,
    const char *key, enum zt_json_opt req_opt, int64_t *out, int *present);
/*
 * A link shown to the public: an absolute https:// URL with a host, or a
 * path on this site ("/assets/…", not "//…"); at most 2048 characters, no
 * spaces, quotes, angle brackets or control characters.  "" is accepted
 * (it clears the field).
 */
enum zt_err zt_json_url(struct zt_req *req, struct json_object *o,
    const char *key, enum zt_json_opt req_opt, const char **out, int *present);
/* A colour "#rrggbb" (returned lowercase). */
enum zt_err zt_json_colour(struct zt_req *req, struct json_object *o,
    const char *key, enum zt_json_opt req_opt, const char **out, int *present);

/*
 * Refuse any key of o not in the NULL-terminated list known (a typo in a
 * PATCH must not be silently ignored): 400 naming the first unknown field
 * (prefixed with `where`, e.g. "branding.", when not NULL).
 */
enum zt_err zt_json_known(struct zt_req *req, struct json_object *o,
    const char *where, const char *const *known);

/*
 * Parse a request body as one JSON object.  On failure records a 400
 * ("invalid_json") with the parser's reason and returns ZT_EBADREQ.
 * *out is owned by the caller.
 */
enum zt_err zt_json_parse_body(
    struct zt_req *req, const char *body, size_t len, struct json_object **out);

/* A JSON string of s, or NULL (JSON null) when s is NULL. */
struct json_object *zt_json_nullable(const char *s);
/*
 * An instant as an RFC 3339 UTC string, from the text of a PostgreSQL
 * `extract(epoch FROM …)::bigint` column; NULL (JSON null) for SQL NULL.
 */
struct json_object *zt_json_epoch(const char *epoch);

/* Release o (json_object_put) when the request ends; returns o. */
struct json_object *zt_json_defer_put(
    struct zt_req *req, struct json_object *o);

/*
 * Large answers built as text (a venue's seat list): append s to pb as a
 * JSON string, quoted and escaped exactly as zt_json_text writes a json-c
 * string ('"', '\\', \b \f \n \r \t by name, other bytes below 0x20 as
 * \u00xx, '/' and every other byte as is), so the text reads byte for byte
 * as json-c's would.
 */
void zt_json_pb_str(struct printbuf *pb, const char *s);
/*
 * A JSON value that serializes as the JSON text in pb (a json-c array
 * that writes pb instead of its items; pb is taken over and freed with
 * the value).  Only for text built with valid JSON.
 */
struct json_object *zt_json_raw(struct printbuf *pb);

/* Serialize compactly into the arena. */
const char *zt_json_text(
    struct zt_req *req, struct json_object *o, size_t *len);

#endif

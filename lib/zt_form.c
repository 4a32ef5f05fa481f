/*
 * zt_form.c - an event's registration form: the organizer's questions,
 * the buyer's answers validated at booking, uploaded files, the answers in
 * the booking view, the attendee export and the personal-data export.
 * Approval mode's decisions are zt_form_approval.c.  See zt_form.h and
 * docs/commerce.md ("Forms and teams").
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "zt_audit.h"
#include "zt_crypto.h"
#include "zt_db.h"
#include "zt_form.h"
#include "zt_json.h"
#include "zt_log.h"
#include "zt_media.h"
#include "zt_server.h"
#include "zt_team.h"
#include "zt_team_reg.h"
#include "zt_uuid.h"

#define MAX_QUESTIONS 50
#define MAX_OPTIONS 50
#define MAX_TEXT 500
#define MAX_LONG_TEXT 5000

/* ------------------------------------------------------------ SQL ---- */

enum q_col {
	Q_ID,
	Q_LABEL,
	Q_KIND,
	Q_SCOPE,
	Q_REQUIRED,
	Q_OPTIONS, /* a JSON array */
	Q_MAX_BYTES,
	Q_FILE_TYPES /* a JSON array */
};
#define Q_COLS                                                                 \
	"q.id, q.label, q.kind, q.scope, q.required, to_json(q.options),"      \
	" q.max_bytes, to_json(q.file_types)"
static struct zt_sql q_questions = ZT_SQL("form_questions",
    "SELECT " Q_COLS " FROM form_questions q WHERE q.event_id = $1"
    " ORDER BY q.position",
    1);
static struct zt_sql q_settings = ZT_SQL("form_settings",
    "SELECT approval, payment_window_minutes, team_min, team_max"
    " FROM event_registration"
    " WHERE event_id = $1",
    1);
/* a listed event, or one of the caller's tenant ($2) */
static struct zt_sql q_event_public = ZT_SQL("form_event_public",
    "SELECT tenant_id FROM events WHERE id = $1 AND zt_event_is_listed(id)", 1);
static struct zt_sql q_event_own = ZT_SQL("form_event_own",
    "SELECT tenant_id FROM events WHERE id = $1 AND tenant_id = $2", 2);
static struct zt_sql q_put_settings = ZT_SQL("form_put_settings",
    "INSERT INTO event_registration (event_id, tenant_id, approval,"
    " payment_window_minutes, team_min, team_max)"
    " VALUES ($1, $2, $3, $4, $5, $6)"
    " ON CONFLICT (event_id) DO UPDATE SET approval = $3,"
    " payment_window_minutes = $4, team_min = $5, team_max = $6,"
    " updated_at = now()",
    6);
/*
 * The new list ($2, a JSON array with each question's position): kept ids
 * updated, new ones inserted, the others deleted (a question with answers
 * fails the foreign key: 409).  Returns the kept ids that were found and
 * those given: fewer found is an id of another event.
 */
static struct zt_sql q_put_questions = ZT_SQL("form_put_questions",
    "WITH q AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS q(id uuid,"
    "  position int, label text, kind text, scope text, required boolean,"
    "  options jsonb, max_bytes int, file_types jsonb)),"
    " d AS (DELETE FROM form_questions f WHERE f.event_id = $1"
    "  AND f.id NOT IN (SELECT id FROM q WHERE id IS NOT NULL)),"
    " u AS (UPDATE form_questions f SET position = q.position,"
    "  label = q.label, kind = q.kind, scope = q.scope,"
    "  required = q.required,"
    "  options = ARRAY(SELECT jsonb_array_elements_text(q.options)),"
    "  max_bytes = q.max_bytes,"
    "  file_types = ARRAY(SELECT jsonb_array_elements_text(q.file_types))"
    "  FROM q WHERE f.id = q.id AND f.event_id = $1 RETURNING f.id),"
    " i AS (INSERT INTO form_questions (tenant_id, event_id, position,"
    "  label, kind, scope, required, options, max_bytes, file_types)"
    "  SELECT $3, $1, q.position, q.label, q.kind, q.scope, q.required,"
    "  ARRAY(SELECT jsonb_array_elements_text(q.options)), q.max_bytes,"
    "  ARRAY(SELECT jsonb_array_elements_text(q.file_types))"
    "  FROM q WHERE q.id IS NULL RETURNING id)"
    " SELECT (SELECT count(*) FROM u),"
    "  (SELECT count(*) FROM q WHERE id IS NOT NULL)",
    3);
static struct zt_sql q_question = ZT_SQL("form_question",
    "SELECT " Q_COLS " FROM form_questions q WHERE q.event_id = $1"
    " AND q.id = $2",
    2);
static struct zt_sql q_file_insert = ZT_SQL("form_file_insert",
    "INSERT INTO form_files (tenant_id, event_id, user_id, sha256,"
    " media_type, size_bytes) VALUES ($1, $2, $3, $4, $5, $6)"
    " RETURNING id",
    6);
static struct zt_sql q_file = ZT_SQL("form_file",
    "SELECT sha256, media_type, user_id FROM form_files"
    " WHERE id = $1 AND event_id = $2",
    2);
/* the buyer's files ($1 array) for this event: all must be found */
static struct zt_sql q_files_mine = ZT_SQL("form_files_mine",
    "SELECT count(*) FROM form_files WHERE id = ANY($1::uuid[])"
    " AND user_id = $2 AND event_id = $3",
    3);
static struct zt_sql q_open_registration = ZT_SQL("form_open_registration",
    "SELECT 1 FROM bookings WHERE user_id = $1 AND event_id = $2"
    " AND status = 'pending' AND approval IN ('waiting', 'accepted')",
    2);
static struct zt_sql q_store = ZT_SQL("form_store",
    "INSERT INTO form_answers (tenant_id, booking_id, question_id, user_id,"
    " ticket_index, position, label, kind, value, file_id)"
    " SELECT $1, $2, r.q, b.user_id, r.t, q.position, q.label, q.kind, r.v,"
    " r.f FROM jsonb_to_recordset($3::jsonb) AS r(q uuid, t int, v jsonb,"
    " f uuid) JOIN form_questions q ON q.id = r.q"
    " JOIN bookings b ON b.id = $2",
    3);
/* a registration waits for the organizer until the event starts at most */
static struct zt_sql q_waiting = ZT_SQL("form_waiting",
    "UPDATE bookings b SET approval = 'waiting', expires_at ="
    " greatest(e.starts_at, now() + interval '1 hour')"
    " FROM events e WHERE b.id = $1 AND e.id = b.event_id",
    1);
enum ans_col { A_APPROVAL, A_QUESTION, A_LABEL, A_KIND, A_TICKET, A_VALUE };
static struct zt_sql q_answers = ZT_SQL("form_answers",
    "SELECT b.approval, a.question_id, a.label, a.kind, a.ticket_index,"
    " a.value::text FROM bookings b LEFT JOIN form_answers a"
    " ON a.booking_id = b.id WHERE b.id = $1"
    " ORDER BY a.ticket_index, a.position",
    1);
/* the attendee export: bookings that count, then all their answers */
enum csv_col {
	C_ID,
	C_STATUS,
	C_APPROVAL,
	C_NAME,
	C_EMAIL,
	C_PHONE,
	C_ITEMS,
	C_TEAM
};
static struct zt_sql q_csv_bookings = ZT_SQL("form_csv_bookings",
    "SELECT b.id, b.status, coalesce(b.approval, ''), b.buyer_name,"
    " b.buyer_email, b.buyer_phone, (SELECT string_agg(bi.quantity || ' x '"
    "  || coalesce((SELECT tt.name FROM ticket_types tt"
    "  WHERE tt.event_id = bi.event_id AND tt.id = bi.ticket_type_id),"
    "  (SELECT ltrim(s.section || ' ' || s.row_label || s.seat_label)"
    "  FROM seats s WHERE s.event_id = bi.event_id AND s.id = bi.seat_id)),"
    "  ', ') FROM booking_items bi WHERE bi.booking_id = b.id),"
    " (SELECT t.name FROM reg_team_members m JOIN reg_teams t"
    "  ON t.id = m.team_id WHERE m.event_id = b.event_id"
    "  AND m.user_id = b.user_id)"
    " FROM bookings b WHERE b.event_id = $1 AND (b.status = 'confirmed'"
    " OR (b.status = 'pending' AND b.approval IS NOT NULL))"
    " ORDER BY b.created_at",
    1);
static struct zt_sql q_csv_answers = ZT_SQL("form_csv_answers",
    "SELECT a.booking_id, a.question_id, a.ticket_index, a.value::text"
    " FROM form_answers a JOIN bookings b ON b.id = a.booking_id"
    " WHERE b.event_id = $1 ORDER BY a.booking_id, a.ticket_index",
    1);
static struct zt_sql q_export_mine = ZT_SQL("form_export_mine",
    "SELECT a.booking_id, a.question_id, a.label, a.kind, a.ticket_index,"
    " a.value::text FROM form_answers a WHERE a.user_id = $1"
    " ORDER BY a.booking_id, a.ticket_index, a.position",
    1);

/* ------------------------------------------------------- questions ---- */

static const char *const kinds[] = {"text", "long_text", "choice",
    "multi_choice", "number", "date", "file", "consent", NULL};
static const char *const scopes[] = {"order", "ticket", NULL};
static const char *const file_types[] = {
    "application/pdf", "image/png", "image/jpeg", NULL};

static struct json_object *
parse_or_null(const PGresult *r, int i, int col)
{
	const char *v = zt_db_val(r, i, col);
	return v ? json_tokener_parse(v) : NULL;
}

static struct json_object *
question_json(const PGresult *r, int i)
{
	struct json_object *o = json_object_new_object();
	const char *mb = zt_db_val(r, i, Q_MAX_BYTES);
	json_object_object_add(
	    o, "id", json_object_new_string(PQgetvalue(r, i, Q_ID)));
	json_object_object_add(
	    o, "label", json_object_new_string(PQgetvalue(r, i, Q_LABEL)));
	json_object_object_add(
	    o, "kind", json_object_new_string(PQgetvalue(r, i, Q_KIND)));
	json_object_object_add(
	    o, "scope", json_object_new_string(PQgetvalue(r, i, Q_SCOPE)));
	json_object_object_add(o, "required",
	    json_object_new_boolean(*PQgetvalue(r, i, Q_REQUIRED) == 't'));
	json_object_object_add(o, "options", parse_or_null(r, i, Q_OPTIONS));
	json_object_object_add(
	    o, "maxBytes", mb ? json_object_new_int(atoi(mb)) : NULL);
	json_object_object_add(
	    o, "fileTypes", parse_or_null(r, i, Q_FILE_TYPES));
	return o;
}

/* {approval, paymentWindowMinutes, questions} of event_id in the open
 * transaction. */
static enum zt_err
form_json(struct zt_req *req, const char *event_id, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {event_id};
	PGresult *s, *q;
	if ((s = zt_db_exec(req, &err, &q_settings, p)) == NULL ||
	    (q = zt_db_exec(req, &err, &q_questions, p)) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	struct json_object *o = json_object_new_object(),
			   *list = json_object_new_array();
	int has = PQntuples(s) > 0;
	json_object_object_add(o, "eventId", json_object_new_string(event_id));
	json_object_object_add(o, "approval",
	    json_object_new_boolean(has && *PQgetvalue(s, 0, 0) == 't'));
	json_object_object_add(o, "paymentWindowMinutes",
	    json_object_new_int(has ? atoi(PQgetvalue(s, 0, 1)) : 1440));
	/* a team event (zt_team_reg.h) */
	json_object_object_add(o, "teamMin",
	    has && !PQgetisnull(s, 0, 2)
		? json_object_new_int(atoi(PQgetvalue(s, 0, 2)))
		: NULL);
	json_object_object_add(o, "teamMax",
	    has && !PQgetisnull(s, 0, 3)
		? json_object_new_int(atoi(PQgetvalue(s, 0, 3)))
		: NULL);
	for (int i = 0; i < PQntuples(q); i++)
		json_object_array_add(list, question_json(q, i));
	json_object_object_add(o, "questions", list);
	*out = o;
	return ZT_OK;
}

static enum zt_err
no_event(struct zt_req *req)
{
	return zt_fail(req, ZT_ENOTFOUND, "event_not_found", "no such event");
}

enum zt_err
zt_form_get_public(
    struct zt_req *req, const char *event_id, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {event_id};
	PGresult *r;
	*out = NULL;
	if (!zt_is_uuid(event_id))
		return no_event(req);
	if (zt_db_begin_public(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_event_public, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return no_event(req);
	return form_json(req, event_id, out);
}

/* Begin as staff of role min of the active tenant owning event_id. */
static enum zt_err
begin_own(struct zt_req *req, enum zt_role min, const char *event_id)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {event_id, req->tenant_id};
	PGresult *r;
	enum zt_err e;
	if ((e = zt_team_begin(req, min, NULL)) != ZT_OK)
		return e;
	if (!zt_is_uuid(event_id))
		return no_event(req);
	if ((r = zt_db_exec(req, &err, &q_event_own, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return no_event(req);
	return ZT_OK;
}

enum zt_err
zt_form_get_own(
    struct zt_req *req, const char *event_id, struct json_object **out)
{
	enum zt_err e;
	*out = NULL;
	if ((e = begin_own(req, ZT_ROLE_SCANNER, event_id)) != ZT_OK)
		return e;
	return form_json(req, event_id, out);
}

static const char *const form_keys[] = {"approval", "paymentWindowMinutes",
    "teamMin", "teamMax", "questions", NULL};
static const char *const question_keys[] = {"id", "label", "kind", "scope",
    "required", "options", "maxBytes", "fileTypes", NULL};

/* Question i of the PUT body, checked, as a row of q_put_questions. */
static enum zt_err
question_row(
    struct zt_req *req, struct json_object *q, int i, struct json_object *rows)
{
	const char *id = NULL, *label = NULL, *kind = NULL, *scope = NULL;
	int required = 0;
	int64_t max_bytes = ZT_FORM_FILE_MAX;
	struct json_object *opts = NULL, *types = NULL;
	const char *where = zt_arena_printf(req->arena, "questions[%d].", i);
	const char *v[MAX_OPTIONS];
	size_t n = 0;
	enum zt_err e;

	if (!json_object_is_type(q, json_type_object))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'questions[%d]' must be an object", i);
	if ((e = zt_json_known(req, q, where, question_keys)) != ZT_OK ||
	    (e = zt_json_uuid(req, q, "id", ZT_OPTIONAL, &id, NULL)) != ZT_OK ||
	    (e = zt_json_str(
		 req, q, "label", ZT_REQUIRED, 200, &label, NULL)) != ZT_OK ||
	    (e = zt_json_str(req, q, "kind", ZT_REQUIRED, 20, &kind, NULL)) !=
		ZT_OK ||
	    (e = zt_json_str(req, q, "scope", ZT_OPTIONAL, 10, &scope, NULL)) !=
		ZT_OK ||
	    (e = zt_json_bool(
		 req, q, "required", ZT_OPTIONAL, &required, NULL)) != ZT_OK ||
	    (e = zt_json_int(req, q, "maxBytes", ZT_OPTIONAL, 1024,
		 ZT_FORM_FILE_MAX, &max_bytes, NULL)) != ZT_OK ||
	    (e = zt_json_array(req, q, "options", ZT_OPTIONAL, MAX_OPTIONS,
		 &opts, NULL)) != ZT_OK ||
	    (e = zt_json_array(
		 req, q, "fileTypes", ZT_OPTIONAL, 3, &types, NULL)) != ZT_OK)
		return e;
	if (*label == '\0')
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'questions[%d].label' must not be empty", i);
	int k = -1;
	for (int j = 0; kinds[j]; j++)
		if (strcmp(kinds[j], kind) == 0)
			k = j;
	if (k < 0)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'questions[%d].kind' must be one of text, "
		    "long_text, "
		    "choice, multi_choice, number, date, file, consent",
		    i);
	if (scope == NULL)
		scope = "order";
	if (strcmp(scope, scopes[0]) != 0 && strcmp(scope, scopes[1]) != 0)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'questions[%d].scope' must be order or ticket", i);
	int choice =
	    strcmp(kind, "choice") == 0 || strcmp(kind, "multi_choice") == 0;
	struct json_object *row = json_object_new_object();
	json_object_array_add(rows, row);
	json_object_object_add(row, "id", zt_json_nullable(id));
	json_object_object_add(row, "position", json_object_new_int(i));
	json_object_object_add(row, "label", json_object_new_string(label));
	json_object_object_add(row, "kind", json_object_new_string(kind));
	json_object_object_add(row, "scope", json_object_new_string(scope));
	json_object_object_add(
	    row, "required", json_object_new_boolean(required));
	struct json_object *o = json_object_new_array();
	json_object_object_add(row, "options", o);
	if (choice) {
		if (opts == NULL || json_object_array_length(opts) == 0)
			return zt_fail(req, ZT_EBADREQ, "invalid_field",
			    "field 'questions[%d].options' must list the "
			    "choices",
			    i);
		for (size_t j = 0; j < json_object_array_length(opts); j++) {
			struct json_object *x =
			    json_object_array_get_idx(opts, j);
			const char *s = json_object_get_string(x);
			if (!json_object_is_type(x, json_type_string) ||
			    *s == '\0' || strlen(s) > 100)
				return zt_fail(req, ZT_EBADREQ, "invalid_field",
				    "field 'questions[%d].options[%zu]' must "
				    "be a text of 1 to 100 characters",
				    i, j);
			for (size_t m = 0; m < j; m++)
				if (strcmp(
					json_object_get_string(
					    json_object_array_get_idx(opts, m)),
					s) == 0)
					return zt_fail(req, ZT_EBADREQ,
					    "invalid_field",
					    "field 'questions[%d].options' "
					    "repeats '%s'",
					    i, s);
			json_object_array_add(o, json_object_new_string(s));
		}
	}
	o = json_object_new_array();
	json_object_object_add(row, "file_types", o);
	if (strcmp(kind, "file") == 0) {
		json_object_object_add(
		    row, "max_bytes", json_object_new_int((int)max_bytes));
		if (types != NULL) {
			if ((e = zt_json_pick(req, types,
				 zt_arena_printf(
				     req->arena, "questions[%d].fileTypes", i),
				 file_types, 3, v, &n)) != ZT_OK)
				return e;
		} else {
			for (n = 0; file_types[n]; n++)
				v[n] = file_types[n];
		}
		for (size_t j = 0; j < n; j++)
			json_object_array_add(o, json_object_new_string(v[j]));
	}
	return ZT_OK;
}

enum zt_err
zt_form_put(struct zt_req *req, const char *event_id, struct json_object *body,
    struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct json_object *qs = NULL, *rows;
	int approval = 0;
	int64_t window = 1440, tmin = 0, tmax = 0;
	int has_min = 0, has_max = 0;
	char wbuf[24], minbuf[24], maxbuf[24];
	PGresult *r;
	enum zt_err e;

	*out = NULL;
	if ((e = zt_json_known(req, body, NULL, form_keys)) != ZT_OK ||
	    (e = zt_json_bool(req, body, "approval", ZT_OPTIONAL, &approval,
		 NULL)) != ZT_OK ||
	    (e = zt_json_int(req, body, "paymentWindowMinutes", ZT_OPTIONAL, 5,
		 20160, &window, NULL)) != ZT_OK ||
	    (e = zt_json_int(req, body, "teamMin", ZT_OPTIONAL, 1, 50, &tmin,
		 &has_min)) != ZT_OK ||
	    (e = zt_json_int(req, body, "teamMax", ZT_OPTIONAL, 1, 50, &tmax,
		 &has_max)) != ZT_OK ||
	    (e = zt_json_array(req, body, "questions", ZT_REQUIRED,
		 MAX_QUESTIONS, &qs, NULL)) != ZT_OK)
		return e;
	if (has_min != has_max || (has_min && tmax < tmin))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "fields 'teamMin' and 'teamMax' go together, teamMax at "
		    "least teamMin");
	rows = zt_json_defer_put(req, json_object_new_array());
	for (size_t i = 0; i < json_object_array_length(qs); i++)
		if ((e = question_row(req, json_object_array_get_idx(qs, i),
			 (int)i, rows)) != ZT_OK)
			return e;
	if ((e = begin_own(req, ZT_ROLE_MANAGER, event_id)) != ZT_OK)
		return e;
	snprintf(wbuf, sizeof(wbuf), "%lld", (long long)window);
	snprintf(minbuf, sizeof(minbuf), "%lld", (long long)tmin);
	snprintf(maxbuf, sizeof(maxbuf), "%lld", (long long)tmax);
	const char *sp[6] = {event_id, req->tenant_id,
	    approval ? "true" : "false", wbuf, has_min ? minbuf : NULL,
	    has_max ? maxbuf : NULL};
	const char *qp[3] = {
	    event_id, zt_json_text(req, rows, NULL), req->tenant_id};
	if (zt_db_exec(req, &err, &q_put_settings, sp) == NULL)
		return zt_fail_error(req, &err);
	if ((r = zt_db_exec(req, &err, &q_put_questions, qp)) == NULL) {
		if (strcmp(zt_db_sqlstate(), "23503") == 0)
			return zt_fail(req, ZT_ECONFLICT, "question_answered",
			    "a question that has answers cannot be removed");
		return zt_fail_error(req, &err);
	}
	if (strcmp(PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1)) != 0)
		return zt_fail(req, ZT_EINVALID, "question_not_found",
		    "a question id is not one of this event's questions");
	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "questions",
	    json_object_new_int((int)json_object_array_length(qs)));
	json_object_object_add(
	    d, "approval", json_object_new_boolean(approval));
	if ((e = zt_audit(req, "event.form",
		 zt_arena_printf(req->arena, "event:%s", event_id), d)) !=
	    ZT_OK)
		return e;
	return form_json(req, event_id, out);
}

/* ----------------------------------------------------------- files ---- */

/* The media type of a file by its bytes, or NULL: a PDF (header and an
 * end-of-file marker in its last KiB), a PNG (signature, chunks to IEND,
 * nothing after) or a JPEG (SOI, a marker, EOI at the end). */
static const char *
sniff(const unsigned char *b, size_t len)
{
	static const unsigned char png[8] = {
	    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	if (len >= 16 && memcmp(b, "%PDF-", 5) == 0) {
		size_t from = len > 1024 ? len - 1024 : 0;
		for (size_t i = from; i + 5 <= len; i++)
			if (memcmp(b + i, "%%EOF", 5) == 0)
				return "application/pdf";
		return NULL;
	}
	if (len >= 20 && memcmp(b, png, 8) == 0) {
		size_t off = 8;
		while (off + 12 <= len) {
			size_t n = (size_t)b[off] << 24 |
				   (size_t)b[off + 1] << 16 |
				   (size_t)b[off + 2] << 8 | b[off + 3];
			if (n > len - off - 12)
				return NULL;
			if (memcmp(b + off + 4, "IEND", 4) == 0)
				return off + 12 + n == len ? "image/png" : NULL;
			off += 12 + n;
		}
		return NULL;
	}
	if (len >= 4 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff &&
	    b[len - 2] == 0xff && b[len - 1] == 0xd9)
		return "image/jpeg";
	return NULL;
}

static const char *
files_dir(void)
{
	return zt_g.cfg.form_files_dir;
}

enum zt_err
zt_form_upload(struct zt_req *req, const char *event_id,
    const char *question_id, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	unsigned char h[crypto_hash_sha256_BYTES];
	char size[24];
	PGresult *r;
	const char *tenant, *type;

	*out = NULL;
	if (!zt_is_uuid(event_id))
		return no_event(req);
	/* the bytes decide the type, whatever the name or Content-Type */
	if (req->body == NULL || req->body_len == 0)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "the request body (the file) is empty");
	type = sniff((const unsigned char *)req->body, req->body_len);
	if (type == NULL)
		return zt_fail(req, ZT_EMEDIA, "unsupported_file_type",
		    "the file must be a PDF, PNG or JPEG (checked by its "
		    "content)");
	if (question_id == NULL || !zt_is_uuid(question_id))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "query parameter 'questionId' must be a UUID");
	const char *p[2] = {event_id, question_id};
	if (zt_db_begin_user(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_event_public, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return no_event(req);
	tenant = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0));
	if (zt_db_scope_tenant(req, &err, tenant, req->user_id) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_question, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0 || strcmp(PQgetvalue(r, 0, Q_KIND), "file") != 0)
		return zt_fail(req, ZT_ENOTFOUND, "question_not_found",
		    "this event has no such file question");
	long max = atol(PQgetvalue(r, 0, Q_MAX_BYTES));
	if ((long)req->body_len > max) {
		zt_fail_detail(req, "maxBytes", json_object_new_int64(max));
		return zt_fail(req, ZT_ETOOLARGE, "file_too_large",
		    "question '%s': the file is larger than %ld bytes",
		    PQgetvalue(r, 0, Q_LABEL), max);
	}
	if (strstr(PQgetvalue(r, 0, Q_FILE_TYPES),
		zt_arena_printf(req->arena, "\"%s\"", type)) == NULL)
		return zt_fail(req, ZT_EMEDIA, "unsupported_file_type",
		    "question '%s': the file must be %s (checked by its "
		    "content)",
		    PQgetvalue(r, 0, Q_LABEL), PQgetvalue(r, 0, Q_FILE_TYPES));
	crypto_hash_sha256(h, (const unsigned char *)req->body, req->body_len);
	const char *hex = zt_hex(req->arena, h, sizeof(h));
	if (mkdir(files_dir(), 0750) != 0 && errno != EEXIST)
		zt_log_error(
		    "form", "cannot make %s: %s", files_dir(), strerror(errno));
	if (zt_media_write_file(files_dir(), hex, req->body, req->body_len) !=
	    0) {
		zt_log_error("form", "cannot write %s/%s: %s", files_dir(), hex,
		    strerror(errno));
		return zt_fail(req, ZT_EINTERNAL, NULL, "could not store file");
	}
	snprintf(size, sizeof(size), "%zu", req->body_len);
	const char *ip[6] = {tenant, event_id, req->user_id, hex, type, size};
	if ((r = zt_db_exec(req, &err, &q_file_insert, ip)) == NULL)
		return zt_fail_error(req, &err);
	const char *id = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0));
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	*out = json_object_new_object();
	json_object_object_add(*out, "id", json_object_new_string(id));
	json_object_object_add(*out, "mediaType", json_object_new_string(type));
	json_object_object_add(
	    *out, "sizeBytes", json_object_new_int64((int64_t)req->body_len));
	json_object_object_add(*out, "sha256", json_object_new_string(hex));
	return ZT_OK;
}

static enum zt_err
no_file(struct zt_req *req)
{
	return zt_fail(req, ZT_ENOTFOUND, "file_not_found", "no such file");
}

static void
free_ptr(void *p)
{
	free(p);
}

/* Read dir/name whole into a malloc'd buffer freed with the request. */
static enum zt_err
slurp(struct zt_req *req, const char *name, const char **bytes, size_t *len)
{
	char path[4096];
	struct stat st;
	int fd;
	if (snprintf(path, sizeof(path), "%s/%s", files_dir(), name) >=
		(int)sizeof(path) ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return no_file(req);
	if (fstat(fd, &st) != 0 || st.st_size <= 0 ||
	    st.st_size > (off_t)ZT_FORM_FILE_MAX) {
		close(fd);
		return no_file(req);
	}
	char *buf = malloc((size_t)st.st_size);
	size_t got = 0;
	while (buf && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (buf == NULL || got != (size_t)st.st_size) {
		free(buf);
		return zt_fail(req, ZT_EINTERNAL, NULL, "could not read file");
	}
	zt_req_defer(req, free_ptr, buf);
	*bytes = buf;
	*len = got;
	return ZT_OK;
}

enum zt_err
zt_form_file_read(struct zt_req *req, const char *event_id, const char *file_id,
    const char **bytes, size_t *len, const char **type)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {file_id, event_id};
	PGresult *r;
	enum zt_err e;
	char tenant[ZT_UUID_BUF];

	if (!zt_is_uuid(event_id) || !zt_is_uuid(file_id))
		return no_file(req);
	/* the uploader, under the buyer's own policy */
	snprintf(tenant, sizeof(tenant), "%s", req->tenant_id);
	req->tenant_id[0] = '\0';
	if (zt_db_begin(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_file, p)) == NULL)
		return zt_fail_error(req, &err);
	snprintf(req->tenant_id, sizeof(req->tenant_id), "%s", tenant);
	if (PQntuples(r) == 0) {
		/* else the event's managers, role read in the database */
		zt_db_rollback();
		if (req->tenant_id[0] == '\0')
			return no_file(req);
		if ((e = begin_own(req, ZT_ROLE_MANAGER, event_id)) != ZT_OK)
			return e == ZT_ENOTFOUND ? no_file(req) : e;
		if ((r = zt_db_exec(req, &err, &q_file, p)) == NULL)
			return zt_fail_error(req, &err);
		if (PQntuples(r) == 0)
			return no_file(req);
	}
	const char *hex = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0));
	*type = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 1));
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return slurp(req, hex, bytes, len);
}

/* --------------------------------------------------------- answers ---- */

static enum zt_err
bad_answer(struct zt_req *req, const PGresult *q, int i, const char *why)
{
	zt_fail_detail(req, "field", json_object_new_string("answers"));
	zt_fail_detail(
	    req, "question", json_object_new_string(PQgetvalue(q, i, Q_ID)));
	return zt_fail(req, ZT_EBADREQ, "invalid_answer", "question '%s': %s",
	    PQgetvalue(q, i, Q_LABEL), why);
}

static int
is_blank(struct json_object *v)
{
	if (v == NULL)
		return 1;
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string_len(v) == 0;
	if (json_object_is_type(v, json_type_array))
		return json_object_array_length(v) == 0;
	if (json_object_is_type(v, json_type_boolean))
		return !json_object_get_boolean(v); /* an unticked consent */
	return 0;
}

static int
valid_date(const char *s)
{
	int y, m, d;
	static const int mdays[] = {
	    31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return 0;
	if (sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3 || y < 1900 || y > 2200 ||
	    m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	return !(m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 || !(y % 400))));
}

/* In the options array of question i? */
static int
is_option(const PGresult *q, int i, const char *s)
{
	struct json_object *o = json_tokener_parse(PQgetvalue(q, i, Q_OPTIONS));
	int found = 0;
	for (size_t j = 0; o && j < json_object_array_length(o); j++)
		if (strcmp(
			json_object_get_string(json_object_array_get_idx(o, j)),
			s) == 0)
			found = 1;
	json_object_put(o);
	return found;
}

/* Check one non-blank value v of question i; a file id goes to files. */
static enum zt_err
check_value(struct zt_req *req, const PGresult *q, int i, struct json_object *v,
    struct json_object *files)
{
	const char *kind = PQgetvalue(q, i, Q_KIND);
	if (strcmp(kind, "text") == 0 || strcmp(kind, "long_text") == 0) {
		size_t max = kind[0] == 't' ? MAX_TEXT : MAX_LONG_TEXT;
		if (!json_object_is_type(v, json_type_string))
			return bad_answer(req, q, i, "the answer must be text");
		if ((size_t)json_object_get_string_len(v) > max)
			return bad_answer(req, q, i,
			    zt_arena_printf(req->arena,
				"the answer is longer than %zu characters",
				max));
		return ZT_OK;
	}
	if (strcmp(kind, "choice") == 0) {
		if (!json_object_is_type(v, json_type_string) ||
		    !is_option(q, i, json_object_get_string(v)))
			return bad_answer(
			    req, q, i, "the answer must be one of the choices");
		return ZT_OK;
	}
	if (strcmp(kind, "multi_choice") == 0) {
		if (!json_object_is_type(v, json_type_array))
			return bad_answer(req, q, i,
			    "the answer must be a list of the choices");
		for (size_t j = 0; j < json_object_array_length(v); j++) {
			struct json_object *x = json_object_array_get_idx(v, j);
			if (!json_object_is_type(x, json_type_string) ||
			    !is_option(q, i, json_object_get_string(x)))
				return bad_answer(req, q, i,
				    "each answer must be one of the choices");
			for (size_t m = 0; m < j; m++)
				if (strcmp(json_object_get_string(
					       json_object_array_get_idx(v, m)),
					json_object_get_string(x)) == 0)
					return bad_answer(
					    req, q, i, "a choice is repeated");
		}
		return ZT_OK;
	}
	if (strcmp(kind, "number") == 0) {
		if (!json_object_is_type(v, json_type_int) &&
		    !json_object_is_type(v, json_type_double))
			return bad_answer(
			    req, q, i, "the answer must be a number");
		return ZT_OK;
	}
	if (strcmp(kind, "date") == 0) {
		if (!json_object_is_type(v, json_type_string) ||
		    !valid_date(json_object_get_string(v)))
			return bad_answer(
			    req, q, i, "the answer must be a date YYYY-MM-DD");
		return ZT_OK;
	}
	if (strcmp(kind, "file") == 0) {
		if (!json_object_is_type(v, json_type_string) ||
		    !zt_is_uuid(json_object_get_string(v)))
			return bad_answer(req, q, i,
			    "the answer must be the id of an uploaded file");
		json_object_array_add(files, json_object_get(v));
		return ZT_OK;
	}
	/* consent */
	if (!json_object_is_type(v, json_type_boolean))
		return bad_answer(
		    req, q, i, "the answer must be true or false");
	return ZT_OK;
}

/* One row {q, t, v, f} for the insert (i: the question's index, kept as
 * "i" for the view's order). */
static void
add_row(struct json_object *rows, const PGresult *q, int i, int ticket,
    struct json_object *v)
{
	struct json_object *row = json_object_new_object();
	json_object_object_add(row, "i", json_object_new_int(i));
	json_object_object_add(
	    row, "q", json_object_new_string(PQgetvalue(q, i, Q_ID)));
	json_object_object_add(row, "t", json_object_new_int(ticket));
	json_object_object_add(row, "v", json_object_get(v));
	json_object_object_add(row, "f",
	    strcmp(PQgetvalue(q, i, Q_KIND), "file") == 0 ? json_object_get(v)
							  : NULL);
	json_object_array_add(rows, row);
}

/* Question i's answer a (may be NULL) for ticket (0: the order). */
static enum zt_err
take_one(struct zt_req *req, const PGresult *q, int i, int ticket,
    struct json_object *a, struct json_object *rows, struct json_object *files)
{
	enum zt_err e;
	if (json_object_is_type(a, json_type_null))
		a = NULL;
	if (a != NULL && (e = check_value(req, q, i, a, files)) != ZT_OK)
		return e;
	if (is_blank(a)) {
		if (*PQgetvalue(q, i, Q_REQUIRED) == 't') {
			zt_fail_detail(
			    req, "field", json_object_new_string("answers"));
			zt_fail_detail(req, "question",
			    json_object_new_string(PQgetvalue(q, i, Q_ID)));
			return zt_fail(req, ZT_EINVALID, "answer_required",
			    ticket ? "question '%s': an answer is required "
				     "for ticket %d"
				   : "question '%s': an answer is required",
			    PQgetvalue(q, i, Q_LABEL), ticket);
		}
		if (a == NULL)
			return ZT_OK;
	}
	add_row(rows, q, i, ticket, a);
	return ZT_OK;
}

enum zt_err
zt_form_take(struct zt_req *req, const char *tenant, const char *event_id,
    struct json_object *answers, int ntickets, struct zt_form_take *t)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {event_id, req->user_id};
	PGresult *s, *q;
	enum zt_err e;
	(void)tenant;

	memset(t, 0, sizeof(*t));
	if (answers != NULL && !json_object_is_type(answers, json_type_object))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'answers' must be an object of question ids");
	/* settings and questions in one round trip */
	if (zt_db_queue(req, &err, &q_settings, p, &s) != ZT_OK ||
	    (q = zt_db_exec(req, &err, &q_questions, p)) == NULL)
		return zt_fail_error(req, &err);
	t->approval = PQntuples(s) > 0 && *PQgetvalue(s, 0, 0) == 't';
	/* a team event: the buyer's team must be complete enough */
	if (PQntuples(s) > 0 && !PQgetisnull(s, 0, 2) &&
	    (e = zt_team_reg_check(
		 req, event_id, atoi(PQgetvalue(s, 0, 2)), ntickets)) != ZT_OK)
		return e;
	/* an open registration is never superseded nor reused by a new
	 * booking, even if approval mode was turned off since */
	if (PQntuples(s) > 0) {
		const char *op[2] = {req->user_id, event_id};
		PGresult *o = zt_db_exec(req, &err, &q_open_registration, op);
		if (o == NULL)
			return zt_fail_error(req, &err);
		if (PQntuples(o) > 0)
			return zt_fail(req, ZT_ECONFLICT, "registration_open",
			    "you already have a registration for this event "
			    "waiting for the organizer or for payment");
	}
	if (answers != NULL) {
		json_object_object_foreach(answers, key, val)
		{
			int known = 0;
			(void)val;
			for (int i = 0; i < PQntuples(q); i++)
				if (strcmp(PQgetvalue(q, i, Q_ID), key) == 0)
					known = 1;
			if (!known) {
				zt_fail_detail(req, "field",
				    json_object_new_string("answers"));
				return zt_fail(req, ZT_EBADREQ,
				    "invalid_answer",
				    "answers: '%.40s' is not a question of "
				    "this event",
				    key);
			}
		}
	}
	if (PQntuples(q) == 0)
		return ZT_OK;
	struct json_object *rows =
	    zt_json_defer_put(req, json_object_new_array());
	struct json_object *files =
	    zt_json_defer_put(req, json_object_new_array());
	for (int i = 0; i < PQntuples(q); i++) {
		struct json_object *a = answers
					    ? json_object_object_get(answers,
						  PQgetvalue(q, i, Q_ID))
					    : NULL;
		if (strcmp(PQgetvalue(q, i, Q_SCOPE), "order") == 0) {
			if ((e = take_one(req, q, i, 0, a, rows, files)) !=
			    ZT_OK)
				return e;
			continue;
		}
		/* per ticket: a list of one answer per ticket */
		if (a != NULL && !json_object_is_type(a, json_type_null) &&
		    (!json_object_is_type(a, json_type_array) ||
			json_object_array_length(a) != (size_t)ntickets))
			return bad_answer(req, q, i,
			    zt_arena_printf(req->arena,
				"the answer must be a list of %d answers, "
				"one per ticket",
				ntickets));
		for (int k = 0; k < ntickets; k++)
			if ((e = take_one(req, q, i, k + 1,
				 a && json_object_is_type(a, json_type_array)
				     ? json_object_array_get_idx(a, (size_t)k)
				     : NULL,
				 rows, files)) != ZT_OK)
				return e;
	}
	size_t nf = json_object_array_length(files);
	if (nf > 0) {
		const char **ids =
		    zt_arena_array(req->arena, nf + 1, sizeof(char *));
		size_t distinct = 0;
		for (size_t j = 0; j < nf; j++) {
			const char *id = json_object_get_string(
			    json_object_array_get_idx(files, j));
			int seen = 0;
			for (size_t m = 0; m < distinct; m++)
				if (strcmp(ids[m], id) == 0)
					seen = 1;
			if (!seen)
				ids[distinct++] = id;
		}
		const char *fp[3] = {
		    zt_db_array(req, ids, distinct), req->user_id, event_id};
		PGresult *f = zt_db_exec(req, &err, &q_files_mine, fp);
		if (f == NULL)
			return zt_fail_error(req, &err);
		if ((size_t)atoll(PQgetvalue(f, 0, 0)) != distinct) {
			zt_fail_detail(
			    req, "field", json_object_new_string("answers"));
			return zt_fail(req, ZT_EBADREQ, "invalid_answer",
			    "answers: a file id is not a file you uploaded "
			    "for this event");
		}
	}
	/* the view: by ticket, then by position, like q_answers */
	t->view = zt_json_defer_put(req, json_object_new_array());
	for (int k = 0; k <= ntickets; k++)
		for (size_t j = 0; j < json_object_array_length(rows); j++) {
			struct json_object *row =
			    json_object_array_get_idx(rows, j);
			int i = json_object_get_int(
			    json_object_object_get(row, "i"));
			if (json_object_get_int(
				json_object_object_get(row, "t")) != k)
				continue;
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "questionId",
			    json_object_new_string(PQgetvalue(q, i, Q_ID)));
			json_object_object_add(o, "label",
			    json_object_new_string(PQgetvalue(q, i, Q_LABEL)));
			json_object_object_add(o, "kind",
			    json_object_new_string(PQgetvalue(q, i, Q_KIND)));
			json_object_object_add(
			    o, "ticket", json_object_new_int(k));
			json_object_object_add(o, "value",
			    json_object_get(json_object_object_get(row, "v")));
			json_object_array_add(t->view, o);
		}
	if (json_object_array_length(rows) > 0)
		t->answers = zt_json_text(req, rows, NULL);
	return ZT_OK;
}

void
zt_form_created_add(const struct zt_form_take *t, struct json_object *b)
{
	if (b == NULL)
		return;
	json_object_object_add(b, "approval", NULL);
	json_object_object_add(b, "answers",
	    t->view ? json_object_get(t->view) : json_object_new_array());
}

enum zt_err
zt_form_store(struct zt_req *req, const struct zt_form_take *t,
    const char *tenant, const char *booking_id)
{
	struct zt_error err = ZT_ERROR_INIT;
	if (t->answers != NULL) {
		const char *p[3] = {tenant, booking_id, t->answers};
		if (zt_db_exec(req, &err, &q_store, p) == NULL)
			return zt_fail_error(req, &err);
	}
	if (t->approval) {
		const char *p[1] = {booking_id};
		if (zt_db_exec(req, &err, &q_waiting, p) == NULL)
			return zt_fail_error(req, &err);
	}
	return ZT_OK;
}

/* {questionId, label, kind, ticket, value} of row i of q_answers-like r
 * whose question id is at col (label, kind, ticket, value follow). */
static struct json_object *
answer_json(const PGresult *r, int i, int col)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(
	    o, "questionId", json_object_new_string(PQgetvalue(r, i, col)));
	json_object_object_add(
	    o, "label", json_object_new_string(PQgetvalue(r, i, col + 1)));
	json_object_object_add(
	    o, "kind", json_object_new_string(PQgetvalue(r, i, col + 2)));
	json_object_object_add(
	    o, "ticket", json_object_new_int(atoi(PQgetvalue(r, i, col + 3))));
	json_object_object_add(o, "value", parse_or_null(r, i, col + 4));
	return o;
}

enum zt_err
zt_form_booking_add(
    struct zt_req *req, const char *booking_id, struct json_object *b)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {booking_id};
	PGresult *r = zt_db_exec(req, &err, &q_answers, p);
	if (r == NULL)
		return zt_fail_error(req, &err);
	struct json_object *list = json_object_new_array();
	for (int i = 0; i < PQntuples(r); i++)
		if (!PQgetisnull(r, i, A_QUESTION))
			json_object_array_add(
			    list, answer_json(r, i, A_QUESTION));
	json_object_object_add(b, "approval",
	    PQntuples(r) > 0 ? zt_json_nullable(zt_db_val(r, 0, A_APPROVAL))
			     : NULL);
	json_object_object_add(b, "answers", list);
	return ZT_OK;
}

enum zt_err
zt_form_export_mine(struct zt_req *req, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {req->user_id};
	PGresult *r;
	*out = NULL;
	req->tenant_id[0] = '\0'; /* the buyer's own rows only */
	if (zt_db_begin(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_export_mine, p)) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	*out = json_object_new_array();
	for (int i = 0; i < PQntuples(r); i++) {
		struct json_object *o = answer_json(r, i, 1);
		json_object_object_add(o, "bookingId",
		    json_object_new_string(PQgetvalue(r, i, 0)));
		json_object_array_add(*out, o);
	}
	return ZT_OK;
}

/* ------------------------------------------------------------- CSV ---- */

/* s as one CSV field: quoted, quotes doubled, and a leading = + - @ made
 * inert for spreadsheets. */
static char *
csv_field(struct zt_req *req, char *line, const char *s)
{
	size_t n = strlen(s);
	char *f = zt_arena_alloc(req->arena, 2 * n + 4);
	char *w = f;
	*w++ = '"';
	if (*s == '=' || *s == '+' || *s == '-' || *s == '@')
		*w++ = '\'';
	for (; *s; s++) {
		if (*s == '"')
			*w++ = '"';
		*w++ = *s;
	}
	*w++ = '"';
	*w = '\0';
	return zt_arena_printf(req->arena, "%s%s%s", line, *line ? "," : "", f);
}

/* An answer's JSON value as a cell's text. */
static const char *
cell_text(struct zt_req *req, const char *json)
{
	struct json_object *v = json_tokener_parse(json);
	const char *s = "";
	if (v == NULL)
		return json;
	if (json_object_is_type(v, json_type_array)) {
		s = "";
		for (size_t j = 0; j < json_object_array_length(v); j++)
			s = zt_arena_printf(req->arena, "%s%s%s", s,
			    j ? "; " : "",
			    json_object_get_string(
				json_object_array_get_idx(v, j)));
	} else if (json_object_is_type(v, json_type_boolean)) {
		s = json_object_get_boolean(v) ? "yes" : "no";
	} else {
		s = zt_arena_strdup(req->arena, json_object_get_string(v));
	}
	json_object_put(v);
	return s;
}

enum zt_err
zt_form_attendees_csv(
    struct zt_req *req, const char *event_id, const char **csv, size_t *len)
{
	static const char *const head[] = {"booking", "status", "approval",
	    "name", "email", "phone", "tickets", "team"};
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {event_id};
	PGresult *q, *b, *a;
	enum zt_err e;
	if ((e = begin_own(req, ZT_ROLE_MANAGER, event_id)) != ZT_OK)
		return e;
	if ((q = zt_db_exec(req, &err, &q_questions, p)) == NULL ||
	    (b = zt_db_exec(req, &err, &q_csv_bookings, p)) == NULL ||
	    (a = zt_db_exec(req, &err, &q_csv_answers, p)) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	char *line = "", *out = "";
	for (size_t c = 0; c < sizeof(head) / sizeof(*head); c++)
		line = csv_field(req, line, head[c]);
	for (int i = 0; i < PQntuples(q); i++)
		line = csv_field(req, line, PQgetvalue(q, i, Q_LABEL));
	out = zt_arena_printf(req->arena, "%s\r\n", line);
	for (int k = 0; k < PQntuples(b); k++) {
		const char *id = PQgetvalue(b, k, C_ID);
		line = "";
		for (int c = 0; c <= C_TEAM; c++) {
			const char *v = zt_db_val(b, k, c);
			line = csv_field(req, line, v ? v : "");
		}
		for (int i = 0; i < PQntuples(q); i++) {
			const char *cell = "";
			int per_ticket =
			    strcmp(PQgetvalue(q, i, Q_SCOPE), "ticket") == 0;
			for (int j = 0; j < PQntuples(a); j++) {
				if (strcmp(PQgetvalue(a, j, 0), id) != 0 ||
				    strcmp(PQgetvalue(a, j, 1),
					PQgetvalue(q, i, Q_ID)) != 0)
					continue;
				const char *t =
				    cell_text(req, PQgetvalue(a, j, 3));
				cell = per_ticket
					   ? zt_arena_printf(req->arena,
						 "%s%sticket %s: %s", cell,
						 *cell ? " | " : "",
						 PQgetvalue(a, j, 2), t)
					   : t;
			}
			line = csv_field(req, line, cell);
		}
		out = zt_arena_printf(req->arena, "%s%s\r\n", out, line);
	}
	*csv = out;
	*len = strlen(out);
	return ZT_OK;
}

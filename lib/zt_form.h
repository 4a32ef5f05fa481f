/*
 * zt_form.h - registration forms and approval mode (docs/commerce.md,
 * "Forms and teams"; sql/029_forms_teams.sql).
 *
 * An event's form is a list of questions (text, long text, choice,
 * multi-choice, number, date, file, consent), each per order or per ticket,
 * required or not.  The organizer replaces the list with PUT (questions
 * keep their id; one that has answers cannot be removed).  The buyer sends
 * the answers with POST /api/bookings:
 *
 *   zt_booking_create → zt_form_take (in its transaction, after pricing):
 *       reads the event's settings and questions, validates answers
 *       (400 invalid_answer / 422 answer_required naming the question),
 *       refuses a second open registration in approval mode (409)
 *   → insert the booking → zt_form_store: the answers, and in approval
 *       mode the booking marked 'waiting'
 *
 * Approval mode (zt_form_approval.c): a waiting registration has taken its
 * seats and units (the hold is consumed) but has no order; the organizer
 * accepts (a paid one gets its Razorpay order and a payment window, a free
 * one its tickets) or rejects (the booking is cancelled and its seats are
 * for sale again).  Both decisions are emailed through the outbox.
 *
 * Files: POST /api/events/:id/form-files?questionId= stores the body when
 * its content is a PDF, PNG or JPEG (by its bytes, not by its name) within
 * the question's limits, under ZT_FORM_FILES_DIR by content hash; only the
 * uploader and the tenant's managers read it back.
 *
 * Every function answering a client records its error on req and returns
 * it; JSON it returns belongs to the caller.
 */
#ifndef ZT_FORM_H
#define ZT_FORM_H

#include <json-c/json.h>
#include <stddef.h>

#include "zt_req.h"

/* an uploaded file's largest size, whatever the question says (nginx's
 * request cap is 1 MiB) */
#define ZT_FORM_FILE_MAX (1024u * 1024u)

/* What zt_form_take found for zt_form_store (arena strings). */
struct zt_form_take {
	int approval;	     /* the event is in approval mode */
	const char *answers; /* jsonb rows for the insert, or NULL */
	/* the answers as the booking view shows them (freed with req) */
	struct json_object *view;
};

/* GET /api/events/:id/form: the form of a listed event (anyone). */
enum zt_err zt_form_get_public(
    struct zt_req *req, const char *event_id, struct json_object **out);
/* GET /api/events/mine/:id/form: the same for the tenant's staff, drafts
 * included. */
enum zt_err zt_form_get_own(
    struct zt_req *req, const char *event_id, struct json_object **out);
/* PUT /api/events/:id/form {approval?, paymentWindowMinutes?, questions}:
 * manager+, role re-read in the database, audited. */
enum zt_err zt_form_put(struct zt_req *req, const char *event_id,
    struct json_object *body, struct json_object **out);

/* POST /api/events/:id/form-files?questionId=: the raw body, 201 {id,
 * mediaType, sizeBytes, sha256}. */
enum zt_err zt_form_upload(struct zt_req *req, const char *event_id,
    const char *question_id, struct json_object **out);
/* GET /api/events/:id/form-files/:fileId: the bytes (malloc'd, freed with
 * the request) and their media type, for the uploader or a manager+ of the
 * event's tenant; anyone else 404. */
enum zt_err zt_form_file_read(struct zt_req *req, const char *event_id,
    const char *file_id, const char **bytes, size_t *len, const char **type);

/*
 * Inside zt_booking_create's transaction (scoped to tenant): validate
 * answers (may be NULL) for an order of ntickets tickets of event_id.
 */
enum zt_err zt_form_take(struct zt_req *req, const char *tenant,
    const char *event_id, struct json_object *answers, int ntickets,
    struct zt_form_take *t);
/* After the booking's insert, in the same transaction. */
enum zt_err zt_form_store(struct zt_req *req, const struct zt_form_take *t,
    const char *tenant, const char *booking_id);

/* The same for the answer of the booking just created (not approval mode)
 * from what zt_form_take kept: no second read. */
void zt_form_created_add(const struct zt_form_take *t, struct json_object *b);

/* The booking answer's "approval" and "answers" (in the reader's open
 * transaction; b is the booking's JSON object). */
enum zt_err zt_form_booking_add(
    struct zt_req *req, const char *booking_id, struct json_object *b);

/* GET /api/events/:id/attendees.csv: one line per booking (confirmed,
 * waiting or accepted), the buyer and one column per question; manager+. */
enum zt_err zt_form_attendees_csv(
    struct zt_req *req, const char *event_id, const char **csv, size_t *len);

/* GET /api/events/:id/registrations[?status=waiting|accepted|rejected]:
 * the registrations of an approval-mode event, manager+. */
enum zt_err zt_form_registrations(struct zt_req *req, const char *event_id,
    const char *status, struct json_object **out);
/* POST /api/bookings/:id/accept and …/reject {reason?}: manager+. */
enum zt_err zt_form_accept(
    struct zt_req *req, const char *booking_id, struct json_object **out);
enum zt_err zt_form_reject(struct zt_req *req, const char *booking_id,
    const char *reason, struct json_object **out);

/* The buyer's answers for the personal-data export (lib/zt_profile_data.c),
 * in its open transaction (the buyer's own scope): a JSON array. */
enum zt_err zt_form_export_mine(struct zt_req *req, struct json_object **out);

#endif

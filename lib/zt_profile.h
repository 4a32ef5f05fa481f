/*
 * zt_profile.h - the signed-in person's own account (docs/privacy.md):
 * their name, a second identifier proven by a one-time code, and their
 * sessions (refresh-token families).  Routes: /api/auth/me,
 * /api/auth/me/identifiers…, /api/auth/sessions… (cgi-bin/auth.c).
 *
 * Every function acts on req->user_id only; another user's session id is
 * 404 like an unknown one.  Errors are recorded with zt_fail.
 */
#ifndef ZT_PROFILE_H
#define ZT_PROFILE_H

#include <json-c/json.h>

#include "zt_req.h"
#include "zt_uuid.h"

#define ZT_PROFILE_NAME_MAX 100 /* bytes of a name */

/* PATCH /api/auth/me {name}: 1..ZT_PROFILE_NAME_MAX bytes after trimming,
 * no control characters.  *out is /api/auth/me's answer afterwards. */
enum zt_err zt_profile_set_name(
    struct zt_req *req, const char *name, struct json_object **out);

/* PATCH /api/auth/me {lang}: "en" or "hi" (docs/web.md, "Server
 * messages"), anything else 400 naming 'lang'.  check only validates;
 * set stores it (the request answers in it from then on) and *out is
 * /api/auth/me's answer afterwards. */
enum zt_err zt_profile_check_lang(struct zt_req *req, const char *lang);
enum zt_err zt_profile_set_lang(
    struct zt_req *req, const char *lang, struct json_object **out);

/*
 * POST /api/auth/me/identifiers {channel, to}: send a code to an email or
 * phone the caller wants on the account (zt_otp_send: the same limits as
 * sign-in).  An identifier of another account is 409 "identifier_taken"
 * (whose is never said) and one already the caller's 409 "already_yours";
 * neither sends anything.
 */
enum zt_err zt_profile_ident_send(struct zt_req *req, const char *channel,
    const char *to, char challenge_id[ZT_UUID_BUF], long *expires_at);

/*
 * POST /api/auth/me/identifiers/verify {challengeId, code}: the code
 * checked as at sign-in (zt_otp_check: wrong codes counted, backoff); the
 * identifier becomes the account's email or phone (replacing the one it
 * had on that channel).  Taken meanwhile by another account: 409
 * "identifier_taken".  *out is /api/auth/me's answer.
 */
enum zt_err zt_profile_ident_verify(struct zt_req *req,
    const char *challenge_id, const char *code, struct json_object **out);

/*
 * GET /api/auth/sessions: {sessions: [{id, userAgent, createdAt,
 * lastUsedAt, expiresAt, current}]}, the caller's live refresh-token
 * families, the most recently used first; current is the one whose
 * refresh cookie came with the request.
 */
enum zt_err zt_profile_sessions(struct zt_req *req, struct json_object **out);

/* DELETE /api/auth/sessions/:id: end one of the caller's sessions (404
 * "session_not_found" for an unknown, ended or another user's one). */
enum zt_err zt_profile_session_end(struct zt_req *req, const char *family_id);

/* DELETE /api/auth/sessions: end every session of the caller except the
 * current one; *ended counts them. */
enum zt_err zt_profile_sessions_end_others(struct zt_req *req, int *ended);

#endif

/* ------------------------------------------- personal data (DPDP) ---- */

/*
 * (zt_profile.c and zt_profile_data.c only.)  Run q with params on the
 * caller's bookings in each tenant they bought from, inside the open
 * transaction: the tenants are read under the buyer's own policy and each
 * update runs in its tenant's scope (the write policies need it).  Leaves
 * the scope at the caller's user.
 */
struct zt_error;
struct zt_sql;
enum zt_err zt__profile_bookings_update(struct zt_req *req,
    struct zt_error *err, struct zt_sql *q, const char *const *params);

/*
 * GET /api/auth/me/export: everything held about the caller as one JSON
 * object (docs/privacy.md, "Export"): profile, memberships, sessions,
 * sign-in identities, consents with their history, and bookings with
 * their lines, tickets and amounts.
 */
enum zt_err zt_profile_export(struct zt_req *req, struct json_object **out);

/* GET /api/auth/me/consents: {marketing, organizerContact: {granted, at}
 * (at null when never asked), history: [{purpose, granted, at}]}. */
enum zt_err zt_profile_consents(struct zt_req *req, struct json_object **out);

/* PUT /api/auth/me/consents {marketing?, organizerContact?} (booleans): a
 * record for each that changes; *out as zt_profile_consents. */
enum zt_err zt_profile_consents_set(
    struct zt_req *req, struct json_object *body, struct json_object **out);

/*
 * POST /api/auth/me/deletion: send a code to the account's own email (or,
 * without one, its phone) to confirm the deletion; *channel says which.
 */
enum zt_err zt_profile_deletion_start(struct zt_req *req,
    char challenge_id[ZT_UUID_BUF], long *expires_at, const char **channel);

/*
 * POST /api/auth/me/deletion/confirm {challengeId, code}: a code sent to
 * this account's own email or phone (any other is 401 invalid_code), then
 * in one transaction: bookings keep ids and amounts but their buyer
 * becomes "deleted user" with no email or phone; the users row loses
 * email, phone and name (deleted_at set); every session ends; the Google
 * binding and pending codes are erased; consents are withdrawn.  A member
 * of an organizer team is 409 "still_a_member" (leave the team first).
 */
enum zt_err zt_profile_delete(
    struct zt_req *req, const char *challenge_id, const char *code);

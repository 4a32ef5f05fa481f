/*
 * zt_admin.h - the platform admin console: sign-in (one-time code + TOTP),
 * short sessions, enrolment by invitation, and the console's reads and
 * actions (tenants, audit, figures).  docs/admin.md.
 *
 * Everything here runs on a ztic_system connection (ZT_NEED_PG_SYSTEM,
 * sql/013): platform_admins and the session tables are unreadable to the
 * web role, and app.admin_id reads across tenants only for this role.
 *
 * Sessions: 32 random bytes in an HttpOnly, SameSite=Strict cookie
 * (ZT_ADMIN_COOKIE) at Path=/api/admin/; the database keeps a keyed
 * BLAKE2b hash.  ZT_ADMIN_IDLE (30 min) idle, ZT_ADMIN_MAX_AGE (8 h)
 * absolute; every request re-reads the admin (enabled, enrolled).
 */
#ifndef ZT_ADMIN_H
#define ZT_ADMIN_H

#include <json-c/json.h>

#include "zt_req.h"
#include "zt_uuid.h"

#define ZT_ADMIN_COOKIE "zt_admin"

/* The signed-in admin of a request (zt_admin_require). */
struct zt_admin {
	char id[ZT_UUID_BUF];
	const char *email; /* arena */
	const char *name;  /* arena */
};

/* What a sign-in or sign-out answers: body (caller owns; NULL for 204)
 * and a Set-Cookie value (arena) to send whatever the outcome. */
struct zt_admin_answer {
	struct json_object *body;
	const char *cookie;
};

/*
 * Second step of sign-in: the one-time code of challenge_id (zt_otp) and
 * the TOTP code of the admin whose email the challenge went to.  401 for
 * a wrong code, an unknown or disabled admin, a wrong or replayed TOTP;
 * 403 not_enrolled for an invited admin who has not finished enrolment;
 * 429 while the admin is locked out (ZT_ADMIN_MAX_FAILS wrong TOTP codes
 * in a row lock for ZT_ADMIN_LOCKOUT seconds).  Success: a session cookie
 * and {admin}.
 */
enum zt_err zt_admin_signin(struct zt_req *req, const char *challenge_id,
    const char *code, const char *totp, struct zt_admin_answer *out);
/* End the cookie's session (if any) and clear the cookie (204). */
enum zt_err zt_admin_signout(struct zt_req *req, struct zt_admin_answer *out);

/*
 * The request's admin from its cookie, re-checked in the database; opens
 * the transaction, scoped as that admin (app.admin_id), that the handler
 * then uses and commits.  401 admin_session_required otherwise.
 */
enum zt_err zt_admin_require(struct zt_req *req, struct zt_admin *who);
/* {admin: {id, email, name}} */
struct json_object *zt_admin_json(const struct zt_admin *who);

/*
 * Invite email (name may be ""): a pending platform_admins row and a
 * one-time enrolment link (7 days) in *link (arena), also emailed through
 * the outbox.  by is the inviting admin (NULL: the command line, in its
 * own transaction).  409 when the email is already an admin.
 */
enum zt_err zt_admin_invite(struct zt_req *req, const struct zt_admin *by,
    const char *email, const char *name, const char **link);
/*
 * Enrolment, step 1: the invitation token and a one-time code sent to the
 * invited email.  Makes a new TOTP secret (sealed with
 * ZT_ADMIN_MASTER_KEY) and answers {account, secret (base32), otpauthUri,
 * qrSvg}.  Again with a new code: a new secret.
 */
enum zt_err zt_admin_enrol_start(struct zt_req *req, const char *token,
    const char *challenge_id, const char *code, struct json_object **out);
/* Step 2: two consecutive TOTP codes (code1 the earlier step) activate
 * the admin and use up the invitation. */
enum zt_err zt_admin_enrol_confirm(struct zt_req *req, const char *token,
    const char *code1, const char *code2);
/* Disable admin_id (not oneself) with a reason: their sessions fail at
 * their next request.  Audited. */
enum zt_err zt_admin_disable(struct zt_req *req, const struct zt_admin *by,
    const char *admin_id, const char *reason);
/* {admins: [...]} every admin but the built-in system row */
enum zt_err zt_admin_list(struct zt_req *req, struct json_object **out);

/* ---- the console (lib/zt_admin_console.c), inside zt_admin_require's
 * transaction ---- */

/* {tenants: [...]} with status ("" any) and a search text ("" none). */
enum zt_err zt_admin_tenants(struct zt_req *req, const char *status,
    const char *search, struct json_object **out);
/*
 * action: "approve" (pending -> active), "reject" (pending -> rejected),
 * "suspend" (active -> suspended), "reinstate" (suspended -> active).
 * reason is required for reject and suspend.  Writes the audit row
 * (before/after, reason) and emails the owners; 409 invalid_transition
 * from any other status.  *out = the tenant.  Commits.
 */
enum zt_err zt_admin_tenant_act(struct zt_req *req, const struct zt_admin *by,
    const char *tenant_id, const char *action, const char *reason,
    struct json_object **out);
/* {entries: [...]} newest first; filters may be NULL. */
struct zt_admin_audit_filter {
	const char *tenant_id, *admin_id, *action, *before;
	int limit;
};
enum zt_err zt_admin_audit(struct zt_req *req,
    const struct zt_admin_audit_filter *f, struct json_object **out);
/* {events: [...]} of tenant_id (NULL: any) matching search ("": all). */
enum zt_err zt_admin_events(struct zt_req *req, const char *tenant_id,
    const char *search, struct json_object **out);
/*
 * Cancel an event for a policy reason (required): the organizer's state
 * machine (zt_event_transition), audited with before/after; the refunds
 * job then refunds every booking of it (docs/bookings.md).  Commits.
 */
enum zt_err zt_admin_event_cancel(struct zt_req *req, const struct zt_admin *by,
    const char *event_id, const char *reason, struct json_object **out);
/* {users: [...]} whose email, phone or id is q, with their bookings and
 * the number of live sign-ins. */
/* reason "" (or NULL) relists; 409 invalid_transition when already so */
enum zt_err zt_admin_event_unlist(struct zt_req *req, const struct zt_admin *by,
    const char *event_id, const char *reason, struct json_object **out);

/* lib/zt_admin_money.c: payouts, reconcile's findings, refunds */
enum zt_err zt_admin_payouts(struct zt_req *req, const char *status,
    const char *search, struct json_object **out);
enum zt_err zt_admin_payout_decide(struct zt_req *req,
    const struct zt_admin *by, const char *payout_id, int approve,
    const char *reason, struct json_object **out);
enum zt_err zt_admin_discrepancies(
    struct zt_req *req, const char *state, struct json_object **out);
enum zt_err zt_admin_discrepancy_resolve(struct zt_req *req,
    const struct zt_admin *by, const char *id, const char *note,
    struct json_object **out);
enum zt_err zt_admin_refunds(struct zt_req *req, const char *status,
    const char *search, struct json_object **out);

enum zt_err zt_admin_users(
    struct zt_req *req, const char *q, struct json_object **out);
/* End every sign-in (refresh family) of user_id; audited.  Access tokens
 * already issued live out their 15 minutes. */
enum zt_err zt_admin_user_signout(struct zt_req *req, const struct zt_admin *by,
    const char *user_id, struct json_object **out);
/* Platform figures: tenants by status, events on sale, tickets, GMV and
 * refunds today and over 7 days, check-ins today. */
enum zt_err zt_admin_figures(struct zt_req *req, struct json_object **out);

/* internal (zt_admin*.c): the JSON value a query builds in its first row,
 * under key in a new object (NULL: the value itself), committed */
struct zt_sql;
enum zt_err zt__admin_json_row(struct zt_req *req, struct zt_sql *q,
    const char *const *p, const char *key, struct json_object **out);
/* internal (zt_admin*.c): an audit entry's details {"reason", "before",
 * "after"} (before and after taken over), and the same for a status */
struct json_object *zt__admin_change(
    const char *reason, struct json_object *before, struct json_object *after);
struct json_object *zt__admin_status_change(
    const char *reason, const char *before, const char *after);
/* internal (zt_admin*.c): an audit_log row by admin `by` (NULL: the
 * command line) in tenant_id (NULL: platform-level); details taken over */
enum zt_err zt__admin_audit(struct zt_req *req, const struct zt_admin *by,
    const char *tenant_id, const char *action, const char *target,
    struct json_object *details);

#endif

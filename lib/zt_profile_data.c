/*
 * zt_profile_data.c - the person's rights over their data (India's DPDP
 * Act 2023): export, consent records, deletion; see zt_profile.h and
 * docs/privacy.md (what stays after a deletion, and why).
 */
#include "zt_booking.h"
#include "zt_db.h"
#include "zt_form.h"
#include "zt_otp.h"
#include "zt_profile.h"
#include "zt_session.h"

#include <string.h>

#define ISO(x)                                                                 \
	"to_char(" x " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define ISO_CREATED ISO("created_at")
#define ISO_LOGIN ISO("last_login_at")
#define ISO_USED ISO("last_used_at")
#define ISO_REVOKED ISO("revoked_at")
#define ISO_ENDS ISO("expires_at")
#define DELETED_NAME "deleted user"

enum prof_col { P_ID, P_EMAIL, P_PHONE, P_NAME, P_CREATED, P_LOGIN };
static struct zt_sql q_profile = ZT_SQL("pd_profile",
    "SELECT id, email, phone, name, " ISO_CREATED ", " ISO_LOGIN
    " FROM users WHERE id = $1 AND deleted_at IS NULL",
    1);
static struct zt_sql q_all_sessions = ZT_SQL("pd_sessions",
    "SELECT id, user_agent, " ISO_CREATED ", " ISO_USED ", " ISO_ENDS
    ", " ISO_REVOKED " FROM refresh_families WHERE user_id = $1"
    " ORDER BY created_at",
    1);
static struct zt_sql q_identities = ZT_SQL("pd_identities",
    "SELECT provider, subject, email, " ISO_CREATED ", " ISO_LOGIN
    " FROM user_identities WHERE user_id = $1 ORDER BY created_at",
    1);
static struct zt_sql q_memberships = ZT_SQL("pd_memberships",
    "SELECT tenant_id, role, " ISO_CREATED " FROM memberships"
    " WHERE user_id = $1 ORDER BY created_at",
    1);
static struct zt_sql q_consents = ZT_SQL("pd_consents",
    "SELECT purpose, granted, " ISO_CREATED " FROM consents"
    " WHERE user_id = $1 ORDER BY created_at, id",
    1);
static struct zt_sql q_consent_add = ZT_SQL("pd_consent_add",
    "INSERT INTO consents (user_id, purpose, granted) VALUES ($1, $2, $3)", 3);
/* deletion */
static struct zt_sql q_own_idents = ZT_SQL("pd_own_idents",
    "SELECT email, phone FROM users WHERE id = $1 AND deleted_at IS NULL"
    " FOR UPDATE",
    1);
static struct zt_sql q_booking_tenants = ZT_SQL("pd_booking_tenants",
    "SELECT DISTINCT tenant_id FROM bookings WHERE user_id = $1", 1);
static struct zt_sql q_forget_buyer = ZT_SQL("pd_forget_buyer",
    "UPDATE bookings SET buyer_name = '" DELETED_NAME "', buyer_email = NULL,"
    " buyer_phone = NULL WHERE user_id = $1",
    1);
static struct zt_sql q_forget_user = ZT_SQL("pd_forget_user",
    "UPDATE users SET email = NULL, phone = NULL, name = '" DELETED_NAME "',"
    " last_login_at = NULL, deleted_at = now() WHERE id = $1",
    1);
static struct zt_sql q_end_all = ZT_SQL("pd_end_all",
    "UPDATE refresh_families SET revoked_at = now() WHERE user_id = $1"
    " AND revoked_at IS NULL",
    1);
static struct zt_sql q_forget_identities = ZT_SQL("pd_forget_identities",
    "DELETE FROM user_identities WHERE user_id = $1", 1);
static struct zt_sql q_forget_codes = ZT_SQL("pd_forget_codes",
    "DELETE FROM otp_challenges WHERE identifier = $1 OR identifier = $2", 2);
static struct zt_sql q_withdraw_all = ZT_SQL("pd_withdraw_all",
    "INSERT INTO consents (user_id, purpose, granted)"
    " SELECT $1, c.purpose, false FROM (SELECT DISTINCT ON (purpose)"
    "  purpose, granted FROM consents WHERE user_id = $1"
    "  ORDER BY purpose, created_at DESC, id) c WHERE c.granted",
    1);

static struct json_object *
val(const PGresult *r, int row, int col)
{
	const char *v = zt_db_val(r, row, col);
	return v ? json_object_new_string(v) : NULL;
}

/* rows of r as objects with the given keys (column order) */
static struct json_object *
rows(const PGresult *r, const char *const *keys, int nkeys)
{
	struct json_object *a = json_object_new_array();
	for (int i = 0; i < PQntuples(r); i++) {
		struct json_object *o = json_object_new_object();
		for (int k = 0; k < nkeys; k++)
			json_object_object_add(o, keys[k], val(r, i, k));
		json_object_array_add(a, o);
	}
	return a;
}

/* the consents answer from q_consents's rows */
static struct json_object *
consents_json(const PGresult *r)
{
	static const char *const purposes[2][2] = {{"marketing", "marketing"},
	    {"organizer_contact", "organizerContact"}};
	struct json_object *out = json_object_new_object();
	struct json_object *hist = json_object_new_array();
	for (int p = 0; p < 2; p++) {
		struct json_object *cur = json_object_new_object();
		int granted = 0;
		const char *at = NULL;
		for (int i = 0; i < PQntuples(r); i++)
			if (strcmp(PQgetvalue(r, i, 0), purposes[p][0]) == 0) {
				granted = *PQgetvalue(r, i, 1) == 't';
				at = PQgetvalue(r, i, 2);
			}
		json_object_object_add(
		    cur, "granted", json_object_new_boolean(granted));
		json_object_object_add(
		    cur, "at", at ? json_object_new_string(at) : NULL);
		json_object_object_add(out, purposes[p][1], cur);
	}
	for (int i = 0; i < PQntuples(r); i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "purpose", val(r, i, 0));
		json_object_object_add(o, "granted",
		    json_object_new_boolean(*PQgetvalue(r, i, 1) == 't'));
		json_object_object_add(o, "at", val(r, i, 2));
		json_object_array_add(hist, o);
	}
	json_object_object_add(out, "history", hist);
	return out;
}

enum zt_err
zt_profile_export(struct zt_req *req, struct json_object **out)
{
	static const char *const sess_keys[] = {"id", "userAgent", "createdAt",
	    "lastUsedAt", "expiresAt", "endedAt"};
	static const char *const ident_keys[] = {
	    "provider", "subject", "email", "createdAt", "lastLoginAt"};
	static const char *const ms_keys[] = {"tenantId", "role", "createdAt"};
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {req->user_id};
	PGresult *prof, *sess, *ids, *ms, *cons;
	struct json_object *o, *bookings = NULL, *answers = NULL;
	enum zt_err e;

	*out = NULL;
	if (zt_db_begin(req, &err) != ZT_OK ||
	    (prof = zt_db_exec(req, &err, &q_profile, p)) == NULL ||
	    (sess = zt_db_exec(req, &err, &q_all_sessions, p)) == NULL ||
	    (ids = zt_db_exec(req, &err, &q_identities, p)) == NULL ||
	    (ms = zt_db_exec(req, &err, &q_memberships, p)) == NULL ||
	    (cons = zt_db_exec(req, &err, &q_consents, p)) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if (PQntuples(prof) == 0)
		return zt_fail(req, ZT_EUNAUTH, "invalid_session",
		    "this account no longer exists");
	/* the bookings as the buyer reads them: lines, tickets, amounts */
	if ((e = zt_booking_mine(req, &bookings)) != ZT_OK)
		return e;
	/* every registration-form answer, cancelled bookings' too */
	if ((e = zt_form_export_mine(req, &answers)) != ZT_OK) {
		json_object_put(bookings);
		return e;
	}

	*out = json_object_new_object();
	json_object_object_add(
	    *out, "format", json_object_new_string("ztic-personal-data/1"));
	o = json_object_new_object();
	json_object_object_add(o, "id", val(prof, 0, P_ID));
	json_object_object_add(o, "email", val(prof, 0, P_EMAIL));
	json_object_object_add(o, "phone", val(prof, 0, P_PHONE));
	json_object_object_add(o, "name", val(prof, 0, P_NAME));
	json_object_object_add(o, "createdAt", val(prof, 0, P_CREATED));
	json_object_object_add(o, "lastLoginAt", val(prof, 0, P_LOGIN));
	json_object_object_add(*out, "profile", o);
	json_object_object_add(*out, "memberships", rows(ms, ms_keys, 3));
	json_object_object_add(*out, "sessions", rows(sess, sess_keys, 6));
	json_object_object_add(*out, "identities", rows(ids, ident_keys, 5));
	json_object_object_add(*out, "consents", consents_json(cons));
	json_object_object_add(*out, "bookings",
	    json_object_get(json_object_object_get(bookings, "bookings")));
	json_object_put(bookings);
	json_object_object_add(*out, "formAnswers", answers);
	return ZT_OK;
}

enum zt_err
zt_profile_consents(struct zt_req *req, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {req->user_id};
	PGresult *r;
	*out = NULL;
	if (zt_db_begin(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_consents, p)) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	*out = consents_json(r);
	return ZT_OK;
}

enum zt_err
zt_profile_consents_set(
    struct zt_req *req, struct json_object *body, struct json_object **out)
{
	static const char *const keys[2][2] = {{"marketing", "marketing"},
	    {"organizerContact", "organizer_contact"}};
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {req->user_id};
	int want[2] = {-1, -1};
	PGresult *r;

	*out = NULL;
	for (int k = 0; k < 2; k++) {
		struct json_object *v;
		if (!json_object_object_get_ex(body, keys[k][0], &v))
			continue;
		if (!json_object_is_type(v, json_type_boolean))
			return zt_fail(req, ZT_EBADREQ, "invalid_field",
			    "field '%s' must be true or false", keys[k][0]);
		want[k] = json_object_get_boolean(v);
	}
	if (zt_db_begin(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_consents, p)) == NULL)
		return zt_fail_error(req, &err);
	struct json_object *now = consents_json(r);
	for (int k = 0; k < 2; k++) {
		struct json_object *cur =
		    json_object_object_get(now, keys[k][0]);
		int had = json_object_get_boolean(
			json_object_object_get(cur, "granted")),
		    asked = json_object_object_get(cur, "at") != NULL;
		if (want[k] < 0 || (asked && had == want[k]))
			continue; /* nothing changes: no record */
		const char *a[3] = {
		    req->user_id, keys[k][1], want[k] ? "true" : "false"};
		if (zt_db_queue(req, &err, &q_consent_add, a, NULL) != ZT_OK) {
			json_object_put(now);
			return zt_fail_error(req, &err);
		}
	}
	json_object_put(now);
	if ((r = zt_db_exec(req, &err, &q_consents, p)) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	*out = consents_json(r);
	return ZT_OK;
}

enum zt_err
zt_profile_deletion_start(struct zt_req *req, char challenge_id[ZT_UUID_BUF],
    long *expires_at, const char **channel)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {req->user_id};
	PGresult *r;

	if (zt_db_begin(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_profile, p)) == NULL)
		return zt_fail_error(req, &err);
	zt_db_rollback();
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_EUNAUTH, "invalid_session",
		    "this account no longer exists");
	const char *email = zt_db_val(r, 0, P_EMAIL),
		   *phone = zt_db_val(r, 0, P_PHONE);
	*channel = email ? "email" : "sms";
	return zt_otp_send(
	    req, *channel, email ? email : phone, challenge_id, expires_at);
}

enum zt_err
zt__profile_bookings_update(struct zt_req *req, struct zt_error *err,
    struct zt_sql *q, const char *const *params)
{
	const char *p[1] = {req->user_id};
	PGresult *r;
	if (zt_db_scope_user(req, err, req->user_id) != ZT_OK ||
	    (r = zt_db_exec(req, err, &q_booking_tenants, p)) == NULL)
		return err->err;
	for (int i = 0; i < PQntuples(r); i++) {
		const char *t =
		    zt_arena_strdup(req->arena, PQgetvalue(r, i, 0));
		if (zt_db_scope_tenant(req, err, t, req->user_id) != ZT_OK ||
		    zt_db_exec(req, err, q, params) == NULL)
			return err->err;
	}
	return zt_db_scope_user(req, err, req->user_id);
}

enum zt_err
zt_profile_delete(
    struct zt_req *req, const char *challenge_id, const char *code)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *channel, *ident, *p[1] = {req->user_id};
	PGresult *r;
	enum zt_err e;

	if ((e = zt_otp_check_begin(
		 req, challenge_id, code, &channel, &ident)) != ZT_OK)
		return e;
	if ((r = zt_db_exec(req, &err, &q_own_idents, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_EUNAUTH, "invalid_session",
		    "this account no longer exists");
	const char *email = zt_arena_strdup(req->arena,
		       zt_db_val(r, 0, 0) ? PQgetvalue(r, 0, 0) : ""),
		   *phone = zt_arena_strdup(req->arena,
		       zt_db_val(r, 0, 1) ? PQgetvalue(r, 0, 1) : "");
	/* a code proves the person holds this account's own email or phone
	 * now; one for any other identifier proves nothing here (rolled
	 * back: that challenge stays usable for what it was made for) */
	if (strcmp(ident, email) != 0 && strcmp(ident, phone) != 0)
		return zt_fail(req, ZT_EUNAUTH, "invalid_code",
		    "that code was not sent to this account");
	if (zt_db_scope_user(req, &err, req->user_id) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_memberships, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) > 0)
		return zt_fail(req, ZT_ECONFLICT, "still_a_member",
		    "you are in an organizer's team: leave it (or hand it "
		    "over) before deleting your account");
	const char *cp[2] = {email, phone};
	if (zt__profile_bookings_update(req, &err, &q_forget_buyer, p) !=
		ZT_OK ||
	    zt_db_exec(req, &err, &q_withdraw_all, p) == NULL ||
	    zt_db_exec(req, &err, &q_forget_user, p) == NULL ||
	    zt_db_exec(req, &err, &q_end_all, p) == NULL ||
	    zt_db_exec(req, &err, &q_forget_identities, p) == NULL ||
	    zt_db_exec(req, &err, &q_forget_codes, cp) == NULL ||
	    zt_session_revoke_user(req, &err, req->user_id) != ZT_OK ||
	    zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

/* zt_profile.c - the person's own account; see zt_profile.h. */
#include "zt_profile.h"
#include "zt_crypto.h"
#include "zt_db.h"
#include "zt_i18n.h"
#include "zt_ident.h"
#include "zt_otp.h"
#include "zt_session.h"

#include <sodium.h>
#include <string.h>

/* a timestamptz as the API shows it */
#define ISO(x)                                                                 \
	"to_char(" x " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

#define ISO_CREATED ISO("created_at")
#define ISO_USED ISO("coalesce(last_used_at, created_at)")
#define ISO_ENDS ISO("expires_at")

static struct zt_sql q_set_lang =
    ZT_SQL("prof_set_lang", "UPDATE users SET lang = $2 WHERE id = $1", 2);
static struct zt_sql q_set_name =
    ZT_SQL("prof_set_name", "UPDATE users SET name = $2 WHERE id = $1", 2);
/* bookings made while the person had no name get it (organizer lists
 * showed them nameless); a name given at checkout stays as it was */
static struct zt_sql q_fill_name = ZT_SQL("prof_fill_name",
    "UPDATE bookings SET buyer_name = $2 WHERE user_id = $1"
    " AND coalesce(buyer_name, '') = ''",
    2);
/* whose is the normalised identifier $2: 'mine', 'other' or no row */
static struct zt_sql q_ident_owner = ZT_SQL("prof_ident_owner",
    "SELECT CASE WHEN id = $1 THEN 'mine' ELSE 'other' END FROM users"
    " WHERE email = $2 OR phone = $2",
    2);
static struct zt_sql q_set_email =
    ZT_SQL("prof_set_email", "UPDATE users SET email = $2 WHERE id = $1", 2);
static struct zt_sql q_set_phone =
    ZT_SQL("prof_set_phone", "UPDATE users SET phone = $2 WHERE id = $1", 2);
/* the family of the refresh token $1 (hex hash), or no row */
static struct zt_sql q_current = ZT_SQL("prof_current",
    "SELECT family_id FROM refresh_tokens WHERE token_hash = decode($1, "
    "'hex')",
    1);
enum sess_col { S_ID, S_AGENT, S_CREATED, S_USED, S_ENDS };
static struct zt_sql q_sessions = ZT_SQL("prof_sessions",
    "SELECT id, coalesce(user_agent, ''), " ISO_CREATED ", " ISO_USED
    ", " ISO_ENDS " FROM refresh_families WHERE user_id = $1"
    " AND revoked_at IS NULL AND expires_at > now()"
    " ORDER BY coalesce(last_used_at, created_at) DESC, id LIMIT 100",
    1);
static struct zt_sql q_end = ZT_SQL("prof_end",
    "UPDATE refresh_families SET revoked_at = now() WHERE id = $1"
    " AND user_id = $2 AND revoked_at IS NULL RETURNING id",
    2);
static struct zt_sql q_end_others = ZT_SQL("prof_end_others",
    "UPDATE refresh_families SET revoked_at = now() WHERE user_id = $1"
    " AND revoked_at IS NULL AND id IS DISTINCT FROM $2::uuid RETURNING id",
    2);

enum zt_err
zt_profile_set_name(
    struct zt_req *req, const char *name, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	size_t n;

	*out = NULL;
	while (*name == ' ' || *name == '\t')
		name++;
	n = strlen(name);
	while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
		n--;
	if (n == 0 || n > ZT_PROFILE_NAME_MAX)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'name' must be 1 to %d characters",
		    ZT_PROFILE_NAME_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return zt_fail(req, ZT_EBADREQ, "invalid_field",
			    "field 'name' must not hold control characters");
	const char *p[2] = {
	    req->user_id, zt_arena_strndup(req->arena, name, n)};
	if (zt_db_begin(req, &err) != ZT_OK ||
	    zt_db_exec(req, &err, &q_set_name, p) == NULL ||
	    zt__profile_bookings_update(req, &err, &q_fill_name, p) != ZT_OK ||
	    zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return zt_session_me(req, out); /* its own transaction */
}

enum zt_err
zt_profile_check_lang(struct zt_req *req, const char *lang)
{
	/* exactly as stored: "en" or "hi", lower case */
	if (lang == NULL || zt_i18n_norm(lang) == NULL ||
	    strcmp(zt_i18n_norm(lang), lang) != 0)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'lang' must be en or hi");
	return ZT_OK;
}

enum zt_err
zt_profile_set_lang(
    struct zt_req *req, const char *lang, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	enum zt_err e;
	*out = NULL;
	if ((e = zt_profile_check_lang(req, lang)) != ZT_OK)
		return e;
	const char *p[2] = {req->user_id, lang};
	if (zt_db_begin(req, &err) != ZT_OK ||
	    zt_db_exec(req, &err, &q_set_lang, p) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	zt_i18n_set_lang(req, lang);
	return zt_session_me(req, out); /* its own transaction */
}

/* 409 unless the normalised ident is nobody's */
static enum zt_err
check_free(struct zt_req *req, const char *ident)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {req->user_id, ident};
	PGresult *r = zt_db_exec(req, &err, &q_ident_owner, p);
	if (r == NULL)
		return zt_fail_error(req, &err);
	for (int i = 0; i < PQntuples(r); i++)
		if (strcmp(PQgetvalue(r, i, 0), "other") == 0)
			return zt_fail(req, ZT_ECONFLICT, "identifier_taken",
			    "this email or phone number is already used by "
			    "another account");
	if (PQntuples(r) > 0)
		return zt_fail(req, ZT_ECONFLICT, "already_yours",
		    "this email or phone number is already on your account");
	return ZT_OK;
}

enum zt_err
zt_profile_ident_send(struct zt_req *req, const char *channel, const char *to,
    char challenge_id[ZT_UUID_BUF], long *expires_at)
{
	struct zt_error err = ZT_ERROR_INIT;
	char ident[256];
	enum zt_err e;
	int email = strcmp(channel, "email") == 0;

	if (!email && strcmp(channel, "sms") != 0 &&
	    strcmp(channel, "whatsapp") != 0)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'channel' must be email, sms or whatsapp");
	if (email ? zt_ident_email(to, ident, sizeof(ident)) != 0
		  : zt_ident_phone(to, ident, sizeof(ident)) != 0)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    email ? "field 'to' must be an email address"
			  : "field 'to' must be a phone number");
	if (zt_db_begin(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	e = check_free(req, ident);
	zt_db_rollback();
	if (e != ZT_OK)
		return e;
	return zt_otp_send(req, channel, to, challenge_id, expires_at);
}

enum zt_err
zt_profile_ident_verify(struct zt_req *req, const char *challenge_id,
    const char *code, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *channel, *ident;
	enum zt_err e;

	*out = NULL;
	if ((e = zt_otp_check_begin(
		 req, challenge_id, code, &channel, &ident)) != ZT_OK)
		return e;
	if ((e = check_free(req, ident)) != ZT_OK)
		return e; /* rolled back: the code stays unused */
	const char *p[2] = {req->user_id, ident};
	if (zt_db_exec(req, &err,
		strcmp(channel, "email") == 0 ? &q_set_email : &q_set_phone,
		p) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK) {
		/* taken by another account between the check and the write */
		if (err.err == ZT_ECONFLICT)
			return zt_fail(req, ZT_ECONFLICT, "identifier_taken",
			    "this email or phone number is already used by "
			    "another account");
		return zt_fail_error(req, &err);
	}
	return zt_session_me(req, out); /* its own transaction */
}

/* The family of the refresh cookie that came with req, or NULL. */
static enum zt_err
current_family(struct zt_req *req, const char **family)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *sent = zt_cookie(req, ZT_REFRESH_COOKIE);
	unsigned char raw[ZT_SESSION_TOKEN_BYTES];
	PGresult *r;

	*family = NULL;
	if (sent == NULL || zt_b64url_decode(sent, raw, sizeof(raw)) != 0)
		return ZT_OK;
	const char *p[1] = {zt_session_token_hash(req, raw)};
	sodium_memzero(raw, sizeof(raw));
	if ((r = zt_db_exec(req, &err, &q_current, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) > 0)
		*family = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0));
	return ZT_OK;
}

static struct json_object *
str(const char *s)
{
	return json_object_new_string(s);
}

enum zt_err
zt_profile_sessions(struct zt_req *req, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *cur, *p[1] = {req->user_id};
	PGresult *r;
	enum zt_err e;

	*out = NULL;
	if (zt_db_begin(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if ((e = current_family(req, &cur)) != ZT_OK)
		return e;
	if ((r = zt_db_exec(req, &err, &q_sessions, p)) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	struct json_object *list = json_object_new_array();
	for (int i = 0; i < PQntuples(r); i++) {
		struct json_object *s = json_object_new_object();
		const char *id = PQgetvalue(r, i, S_ID);
		json_object_object_add(s, "id", str(id));
		json_object_object_add(s, "userAgent",
		    *PQgetvalue(r, i, S_AGENT) ? str(PQgetvalue(r, i, S_AGENT))
					       : NULL);
		json_object_object_add(
		    s, "createdAt", str(PQgetvalue(r, i, S_CREATED)));
		json_object_object_add(
		    s, "lastUsedAt", str(PQgetvalue(r, i, S_USED)));
		json_object_object_add(
		    s, "expiresAt", str(PQgetvalue(r, i, S_ENDS)));
		json_object_object_add(s, "current",
		    json_object_new_boolean(cur && strcmp(cur, id) == 0));
		json_object_array_add(list, s);
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "sessions", list);
	return ZT_OK;
}

/* the ended sessions of r (first column): their access tokens are
 * refused from now on (docs/auth.md, "Sessions") */
static enum zt_err
ended_tokens(struct zt_req *req, const PGresult *r)
{
	struct zt_error err = ZT_ERROR_INIT;
	size_t n = (size_t)PQntuples(r);
	const char **ids = zt_arena_array(req->arena, n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		ids[i] = PQgetvalue(r, (int)i, 0);
	if (zt_session_revoke_sessions(req, &err, ids, n) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

enum zt_err
zt_profile_session_end(struct zt_req *req, const char *family_id)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {family_id, req->user_id};
	PGresult *r;
	enum zt_err e;
	if (zt_db_begin(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_end, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(
		    req, ZT_ENOTFOUND, "session_not_found", "no such session");
	/* its access tokens stop too; a Redis failure rolls the end back */
	if ((e = ended_tokens(req, r)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

enum zt_err
zt_profile_sessions_end_others(struct zt_req *req, int *ended)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *cur;
	PGresult *r;
	enum zt_err e;

	*ended = 0;
	if (zt_db_begin(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if ((e = current_family(req, &cur)) != ZT_OK)
		return e;
	/* without the cookie (an API client), the token's own session */
	if (cur == NULL && req->sid[0] != '\0')
		cur = req->sid;
	const char *p[2] = {req->user_id, cur};
	if ((r = zt_db_exec(req, &err, &q_end_others, p)) == NULL)
		return zt_fail_error(req, &err);
	if ((e = ended_tokens(req, r)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	*ended = PQntuples(r);
	return ZT_OK;
}

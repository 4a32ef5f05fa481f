/*
 * zt_admin.c - platform admins: sign-in (one-time code + TOTP), sessions,
 * enrolment by invitation; see zt_admin.h and docs/admin.md.
 */
#include "zt_admin.h"
#include "zt_config.h"
#include "zt_crypto.h"
#include "zt_db.h"
#include "zt_ident.h"
#include "zt_json.h"
#include "zt_log.h"
#include "zt_otp.h"
#include "zt_outbox.h"
#include "zt_qr.h"
#include "zt_server.h"
#include "zt_totp.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOKEN_BYTES 32
#define BOX_NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define BOX_LEN                                                                \
	(BOX_NONCE + ZT_TOTP_SECRET_LEN +                                      \
	    crypto_aead_xchacha20poly1305_ietf_ABYTES)

/* ------------------------------------------------------------- SQL ---- */

static struct zt_sql q_session = ZT_SQL("adm_session",
    "SELECT a.id, a.email, a.name, s.id FROM admin_sessions s"
    " JOIN platform_admins a ON a.id = s.admin_id"
    " WHERE s.token_hash = decode($1, 'hex') AND s.ended_at IS NULL"
    " AND s.kind = 'full' AND s.expires_at > now()"
    " AND s.last_seen_at > now() - make_interval(secs => $2::int)"
    " AND a.disabled_at IS NULL AND a.enrolled_at IS NOT NULL",
    2);
static struct zt_sql q_touch = ZT_SQL("adm_touch",
    "UPDATE admin_sessions SET last_seen_at = now() WHERE id = $1", 1);
static struct zt_sql q_end = ZT_SQL("adm_end",
    "UPDATE admin_sessions SET ended_at = now()"
    " WHERE token_hash = decode($1, 'hex') AND ended_at IS NULL",
    1);
static struct zt_sql q_by_email = ZT_SQL("adm_by_email",
    "SELECT id, name, encode(totp_secret, 'hex'), totp_last_counter,"
    " enrolled_at IS NOT NULL,"
    " greatest(0, ceil(extract(epoch FROM locked_until - now())))::int,"
    " failed_attempts"
    " FROM platform_admins WHERE email = $1 AND disabled_at IS NULL"
    " AND id <> '" ZT_SYSTEM_ADMIN "' FOR UPDATE",
    1);
static struct zt_sql q_fail = ZT_SQL("adm_fail",
    "UPDATE platform_admins SET"
    " failed_attempts = CASE WHEN failed_attempts + 1 >= $2::int THEN 0"
    "   ELSE failed_attempts + 1 END,"
    " locked_until = CASE WHEN failed_attempts + 1 >= $2::int"
    "   THEN now() + make_interval(secs => $3::int) ELSE locked_until END"
    " WHERE id = $1 RETURNING locked_until > now()",
    3);
static struct zt_sql q_ok = ZT_SQL("adm_ok",
    "UPDATE platform_admins SET failed_attempts = 0, locked_until = NULL,"
    " totp_last_counter = $2::bigint WHERE id = $1",
    2);
static struct zt_sql q_session_new = ZT_SQL("adm_session_new",
    "INSERT INTO admin_sessions (admin_id, token_hash, expires_at)"
    " VALUES ($1, decode($2, 'hex'), now() + make_interval(secs => $3::int))",
    3);
static struct zt_sql q_invite_admin = ZT_SQL("adm_invite_admin",
    "INSERT INTO platform_admins (email, name, invited_by)"
    " VALUES ($1, $2, $3) ON CONFLICT (email) DO NOTHING RETURNING id",
    3);
static struct zt_sql q_invite = ZT_SQL("adm_invite",
    "INSERT INTO admin_invitations (admin_id, token_hash, expires_at)"
    " VALUES ($1, decode($2, 'hex'), now() + interval '7 days')",
    2);
static struct zt_sql q_invitation = ZT_SQL("adm_invitation",
    "SELECT i.id, a.id, a.email, encode(a.totp_secret, 'hex'),"
    " a.enrolled_at IS NOT NULL,"
    " greatest(0, ceil(extract(epoch FROM a.locked_until - now())))::int"
    " FROM admin_invitations i JOIN platform_admins a ON a.id = i.admin_id"
    " WHERE i.token_hash = decode($1, 'hex') AND i.used_at IS NULL"
    " AND i.expires_at > now() AND a.disabled_at IS NULL FOR UPDATE",
    1);
static struct zt_sql q_set_secret = ZT_SQL("adm_set_secret",
    "UPDATE platform_admins SET totp_secret = decode($2, 'hex'),"
    " totp_last_counter = -1 WHERE id = $1 AND enrolled_at IS NULL",
    2);
static struct zt_sql q_enrolled = ZT_SQL("adm_enrolled",
    "WITH a AS (UPDATE platform_admins SET enrolled_at = now(),"
    " totp_last_counter = $2::bigint, failed_attempts = 0,"
    " locked_until = NULL WHERE id = $1 RETURNING id)"
    " UPDATE admin_invitations SET used_at = now() WHERE id = $3",
    3);
static struct zt_sql q_disable = ZT_SQL("adm_disable",
    "UPDATE platform_admins SET disabled_at = now() WHERE id = $1"
    " AND id <> '" ZT_SYSTEM_ADMIN "' AND disabled_at IS NULL"
    " RETURNING email",
    1);
static struct zt_sql q_list = ZT_SQL("adm_list",
    "SELECT coalesce(json_agg(json_build_object('id', id, 'email', email,"
    " 'name', name, 'status', CASE WHEN disabled_at IS NOT NULL THEN"
    " 'disabled' WHEN enrolled_at IS NULL THEN 'invited' ELSE 'active' END,"
    " 'createdAt', to_char(created_at AT TIME ZONE 'UTC',"
    " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')) ORDER BY created_at), '[]')"
    " FROM platform_admins WHERE id <> '" ZT_SYSTEM_ADMIN "'",
    0);
static struct zt_sql q_audit = ZT_SQL("adm_audit_insert",
    "INSERT INTO audit_log (tenant_id, actor_admin_id, action, target,"
    " details) VALUES ($1, $2, $3, $4, $5::jsonb)",
    5);

/* ---------------------------------------------------------- helpers ---- */

/* keyed BLAKE2b-256 of a raw token under a purpose-bound subkey of
 * ZT_TOKEN_PEPPER, hex */
static char *
token_hash(struct zt_req *req, const char *purpose, const unsigned char *raw)
{
	unsigned char key[32], h[32];
	crypto_generichash(key, sizeof(key), (const unsigned char *)purpose,
	    strlen(purpose), zt_g.cfg.token_pepper,
	    sizeof(zt_g.cfg.token_pepper));
	crypto_generichash(h, sizeof(h), raw, TOKEN_BYTES, key, sizeof(key));
	sodium_memzero(key, sizeof(key));
	return zt_hex(req->arena, h, sizeof(h));
}

static int
secure_cookies(void)
{
	return zt_config_production(&zt_g.cfg) ||
	       strncmp(zt_g.cfg.public_url, "https://", 8) == 0;
}

/* Set-Cookie for the session token raw (NULL: clear it) */
static const char *
cookie(struct zt_req *req, const unsigned char *raw)
{
	const char *val = raw ? zt_b64url(req->arena, raw, TOKEN_BYTES) : "";
	return zt_arena_printf(req->arena,
	    "%s=%s; Path=/api/admin/; Max-Age=%d; HttpOnly; SameSite=Strict%s",
	    ZT_ADMIN_COOKIE, val, raw ? zt_g.cfg.admin_max_age : 0,
	    secure_cookies() ? "; Secure" : "");
}

static void
box_ad(char ad[64], const char *admin_id)
{
	snprintf(ad, 64, "ztic-admin-totp:%s", admin_id);
}

/* Seal secret for admin_id: hex of nonce || ciphertext, arena */
static char *
seal(struct zt_req *req, const char *admin_id,
    const unsigned char secret[ZT_TOTP_SECRET_LEN])
{
	unsigned char box[BOX_LEN];
	char ad[64];
	box_ad(ad, admin_id);
	randombytes_buf(box, BOX_NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(box + BOX_NONCE, NULL,
	    secret, ZT_TOTP_SECRET_LEN, (const unsigned char *)ad, strlen(ad),
	    NULL, box, zt_g.cfg.admin_master_key);
	return zt_hex(req->arena, box, sizeof(box));
}

/* Open the hex box of admin_id; 0 ok, -1 (no secret, or not ours) */
static int
unseal(const char *admin_id, const char *hex,
    unsigned char secret[ZT_TOTP_SECRET_LEN])
{
	unsigned char box[BOX_LEN];
	size_t n = 0;
	char ad[64];
	if (hex == NULL || strlen(hex) != 2 * BOX_LEN ||
	    sodium_hex2bin(
		box, sizeof(box), hex, strlen(hex), NULL, &n, NULL) != 0 ||
	    n != BOX_LEN)
		return -1;
	box_ad(ad, admin_id);
	return crypto_aead_xchacha20poly1305_ietf_decrypt(secret, NULL, NULL,
		   box + BOX_NONCE, BOX_LEN - BOX_NONCE,
		   (const unsigned char *)ad, strlen(ad), box,
		   zt_g.cfg.admin_master_key) == 0
		   ? 0
		   : -1;
}

/* A failed second factor of admin_id: count it (lockout at the limit),
 * COMMIT so it sticks, then answer 401 (or 429 when it locked). */
static enum zt_err
second_factor_failed(struct zt_req *req, const char *admin_id, const char *why)
{
	struct zt_error err = ZT_ERROR_INIT;
	char fails[16], lock[16];
	PGresult *r;
	snprintf(fails, sizeof(fails), "%d", zt_g.cfg.admin_max_fails);
	snprintf(lock, sizeof(lock), "%d", zt_g.cfg.admin_lockout);
	const char *p[3] = {admin_id, fails, lock};
	if ((r = zt_db_exec(req, &err, &q_fail, p)) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	zt_log_warn(
	    "admin", "admin %s: second factor refused (%s)", admin_id, why);
	if (strcmp(PQgetvalue(r, 0, 0), "t") == 0) {
		req->retry_after = zt_g.cfg.admin_lockout;
		return zt_fail(req, ZT_ELIMIT, "locked",
		    "too many wrong codes: this admin is locked for a while");
	}
	return zt_fail(req, ZT_EUNAUTH, "wrong_totp",
	    "the authenticator code is wrong, or was already used");
}

static enum zt_err
locked(struct zt_req *req, int seconds)
{
	req->retry_after = seconds;
	return zt_fail(req, ZT_ELIMIT, "locked",
	    "too many wrong codes: this admin is locked for a while");
}

/* The one-time code inside the open transaction; on a wrong code the
 * attempt is committed before the failure is answered.  *email: the
 * address the code went to. */
static enum zt_err
check_code(struct zt_req *req, const char *challenge_id, const char *code,
    const char **email)
{
	const char *channel = NULL;
	int must_commit = 0;
	enum zt_err e = zt_otp_check(
	    req, challenge_id, code, &channel, email, &must_commit);
	if (e != ZT_OK) {
		struct zt_error err = ZT_ERROR_INIT;
		if (must_commit && zt_db_commit(req, &err) != ZT_OK)
			return zt_fail_error(req, &err);
		return e;
	}
	if (strcmp(channel, "email") != 0) {
		zt_db_rollback();
		return zt_fail(req, ZT_EUNAUTH, "not_an_admin",
		    "admins sign in with an email code");
	}
	return ZT_OK;
}

/* A PGresult's field, copied into the arena */
static const char *
dup(struct zt_req *req, const PGresult *r, int col)
{
	return zt_arena_strdup(req->arena, PQgetvalue(r, 0, col));
}

/* --------------------------------------------------------- sign-in ---- */

enum zt_err
zt_admin_signin(struct zt_req *req, const char *challenge_id, const char *code,
    const char *totp, struct zt_admin_answer *out)
{
	struct zt_error err = ZT_ERROR_INIT;
	unsigned char secret[ZT_TOTP_SECRET_LEN], raw[TOKEN_BYTES];
	const char *email, *p[3];
	char ctr[24], age[16];
	int64_t counter;
	PGresult *r;
	enum zt_err e;

	out->body = NULL;
	out->cookie = NULL;
	if (zt_db_begin_public(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if ((e = check_code(req, challenge_id, code, &email)) != ZT_OK)
		return e;
	p[0] = email;
	if ((r = zt_db_exec(req, &err, &q_by_email, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0) {
		/* the code is used up either way */
		if (zt_db_commit(req, &err) != ZT_OK)
			return zt_fail_error(req, &err);
		return zt_fail(req, ZT_EUNAUTH, "not_an_admin",
		    "this address is not an enabled platform admin");
	}
	const char *id = dup(req, r, 0), *name = dup(req, r, 1);
	const char *box = dup(req, r, 2);
	long long last = atoll(PQgetvalue(r, 0, 3));
	int enrolled = strcmp(PQgetvalue(r, 0, 4), "t") == 0;
	int wait = atoi(PQgetvalue(r, 0, 5));
	if (!enrolled || wait > 0) {
		if (zt_db_commit(req, &err) != ZT_OK)
			return zt_fail_error(req, &err);
		if (!enrolled)
			return zt_fail(req, ZT_EFORBIDDEN, "not_enrolled",
			    "finish enrolment (the link in your invitation) "
			    "before signing in");
		return locked(req, wait);
	}
	if (unseal(id, box, secret) != 0) {
		zt_log_error("admin",
		    "admin %s: TOTP secret does not open "
		    "(ZT_ADMIN_MASTER_KEY changed?)",
		    id);
		zt_db_rollback();
		return zt_fail(req, ZT_EINTERNAL, NULL, "internal error");
	}
	int bad = zt_totp_match(
		      secret, sizeof(secret), totp, time(NULL), &counter) != 0;
	sodium_memzero(secret, sizeof(secret));
	if (bad)
		return second_factor_failed(req, id, "wrong code");
	if (counter <= last)
		return second_factor_failed(req, id, "replayed code");

	snprintf(ctr, sizeof(ctr), "%lld", (long long)counter);
	snprintf(age, sizeof(age), "%d", zt_g.cfg.admin_max_age);
	randombytes_buf(raw, sizeof(raw));
	p[0] = id;
	p[1] = ctr;
	if (zt_db_queue(req, &err, &q_ok, p, NULL) != ZT_OK)
		return zt_fail_error(req, &err);
	p[1] = token_hash(req, "ztic-admin-session", raw);
	p[2] = age;
	if (zt_db_queue(req, &err, &q_session_new, p, NULL) != ZT_OK)
		return zt_fail_error(req, &err);
	struct zt_admin who;
	snprintf(who.id, sizeof(who.id), "%s", id);
	who.email = email;
	who.name = name;
	if ((e = zt__admin_audit(req, &who, NULL, "admin.signed_in",
		 zt_arena_printf(req->arena, "admin:%s", id), NULL)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	out->cookie = cookie(req, raw);
	sodium_memzero(raw, sizeof(raw));
	out->body = zt_admin_json(&who);
	return ZT_OK;
}

/* The raw token of the request's cookie; 0 ok */
static int
cookie_token(struct zt_req *req, unsigned char raw[TOKEN_BYTES])
{
	const char *v = zt_cookie(req, ZT_ADMIN_COOKIE);
	return v != NULL && zt_b64url_decode(v, raw, TOKEN_BYTES) == 0 ? 0 : -1;
}

enum zt_err
zt_admin_signout(struct zt_req *req, struct zt_admin_answer *out)
{
	struct zt_error err = ZT_ERROR_INIT;
	unsigned char raw[TOKEN_BYTES];
	out->body = NULL;
	out->cookie = cookie(req, NULL);
	if (cookie_token(req, raw) != 0)
		return ZT_OK;
	const char *p[1] = {token_hash(req, "ztic-admin-session", raw)};
	if (zt_db_begin_public(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if (zt_db_exec(req, &err, &q_end, p) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

enum zt_err
zt_admin_require(struct zt_req *req, struct zt_admin *who)
{
	struct zt_error err = ZT_ERROR_INIT;
	unsigned char raw[TOKEN_BYTES];
	char idle[16];
	PGresult *r;

	if (cookie_token(req, raw) != 0)
		return zt_fail(req, ZT_EUNAUTH, "admin_session_required",
		    "sign in to the admin console first");
	snprintf(idle, sizeof(idle), "%d", zt_g.cfg.admin_idle);
	const char *p[2] = {token_hash(req, "ztic-admin-session", raw), idle};
	sodium_memzero(raw, sizeof(raw));
	if (zt_db_begin_public(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if ((r = zt_db_exec(req, &err, &q_session, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0) {
		zt_db_rollback();
		zt_reply_header(req, "Set-Cookie", cookie(req, NULL));
		return zt_fail(req, ZT_EUNAUTH, "admin_session_required",
		    "the admin session has ended: sign in again");
	}
	snprintf(who->id, sizeof(who->id), "%s", PQgetvalue(r, 0, 0));
	who->email = dup(req, r, 1);
	who->name = dup(req, r, 2);
	const char *sp[1] = {dup(req, r, 3)};
	/* both go out with the handler's first statement */
	if (zt_db_queue(req, &err, &q_touch, sp, NULL) != ZT_OK ||
	    zt_db_scope_admin(req, &err, who->id) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

struct json_object *
zt_admin_json(const struct zt_admin *who)
{
	struct json_object *a = json_object_new_object(),
			   *o = json_object_new_object();
	json_object_object_add(a, "id", json_object_new_string(who->id));
	json_object_object_add(a, "email", json_object_new_string(who->email));
	json_object_object_add(a, "name", json_object_new_string(who->name));
	json_object_object_add(o, "admin", a);
	return o;
}

enum zt_err
zt__admin_audit(struct zt_req *req, const struct zt_admin *by,
    const char *tenant_id, const char *action, const char *target,
    struct json_object *details)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[5];
	if (details == NULL)
		details = json_object_new_object();
	/* the row is the admin's own (the policy admin_insert wants the
	 * session); the command line acts as the built-in system row */
	if (zt_db_scope_admin(req, &err, by ? by->id : ZT_SYSTEM_ADMIN) !=
	    ZT_OK) {
		json_object_put(details);
		return zt_fail_error(req, &err);
	}
	if (by == NULL)
		json_object_object_add(
		    details, "via", json_object_new_string("ztic-admin"));
	p[0] = tenant_id;
	p[1] = by ? by->id : ZT_SYSTEM_ADMIN;
	p[2] = action;
	p[3] = target ? target : "";
	p[4] = zt_json_text(req, details, NULL);
	json_object_put(details);
	if (zt_db_exec(req, &err, &q_audit, p) == NULL)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

/* ------------------------------------------------------- enrolment ---- */

enum zt_err
zt_admin_invite(struct zt_req *req, const struct zt_admin *by,
    const char *email, const char *name, const char **link)
{
	struct zt_error err = ZT_ERROR_INIT;
	unsigned char raw[TOKEN_BYTES];
	char ident[256];
	const char *p[3];
	PGresult *r;
	enum zt_err e;

	if (zt_ident_email(email, ident, sizeof(ident)) != 0)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'email' must be an email address");
	if (by == NULL && zt_db_begin_public(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	p[0] = ident;
	p[1] = name ? name : "";
	p[2] = by ? by->id : NULL;
	if ((r = zt_db_exec(req, &err, &q_invite_admin, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0) {
		zt_db_rollback();
		return zt_fail(req, ZT_ECONFLICT, "already_an_admin",
		    "this address is already a platform admin");
	}
	const char *id = dup(req, r, 0);
	randombytes_buf(raw, sizeof(raw));
	p[0] = id;
	p[1] = token_hash(req, "ztic-admin-invite", raw);
	if (zt_db_exec(req, &err, &q_invite, p) == NULL)
		return zt_fail_error(req, &err);
	*link = zt_arena_printf(req->arena, "%s/admin/enrol.html#%s",
	    zt_g.cfg.public_url, zt_b64url(req->arena, raw, sizeof(raw)));
	sodium_memzero(raw, sizeof(raw));

	struct json_object *m = json_object_new_object();
	json_object_object_add(
	    m, "template", json_object_new_string("admin.invitation"));
	json_object_object_add(m, "inviter",
	    json_object_new_string(by ? by->email : "the ztic operators"));
	json_object_object_add(m, "link", json_object_new_string(*link));
	e = zt_outbox_enqueue(req, "email", ident, m);
	json_object_put(m);
	if (e != ZT_OK)
		return e;
	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "email", json_object_new_string(ident));
	if ((e = zt__admin_audit(req, by, NULL, "admin.invited",
		 zt_arena_printf(req->arena, "admin:%s", id), d)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

/* The invitation of token inside a new transaction, locked.  Columns:
 * 0 invitation id, 1 admin id, 2 email, 3 box hex, 4 enrolled, 5 wait */
static enum zt_err
invitation(struct zt_req *req, const char *token, PGresult **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	unsigned char raw[TOKEN_BYTES];
	if (token == NULL || zt_b64url_decode(token, raw, TOKEN_BYTES) != 0)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'token' is not an enrolment token");
	const char *p[1] = {token_hash(req, "ztic-admin-invite", raw)};
	if (zt_db_begin_public(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if ((*out = zt_db_exec(req, &err, &q_invitation, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(*out) == 0 || strcmp(PQgetvalue(*out, 0, 4), "t") == 0) {
		zt_db_rollback();
		return zt_fail(req, ZT_ENOTFOUND, "invitation_not_found",
		    "this enrolment link is unknown, used or expired");
	}
	return ZT_OK;
}

enum zt_err
zt_admin_enrol_start(struct zt_req *req, const char *token,
    const char *challenge_id, const char *code, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	unsigned char secret[ZT_TOTP_SECRET_LEN];
	const char *email;
	PGresult *r;
	enum zt_err e;

	*out = NULL;
	if ((e = invitation(req, token, &r)) != ZT_OK)
		return e;
	const char *id = dup(req, r, 1), *invited = dup(req, r, 2);
	if ((e = check_code(req, challenge_id, code, &email)) != ZT_OK)
		return e;
	if (!zt_ct_streq(email, invited)) {
		if (zt_db_commit(req, &err) != ZT_OK)
			return zt_fail_error(req, &err);
		return zt_fail(req, ZT_EFORBIDDEN, "not_invited",
		    "this enrolment link is for another address");
	}
	randombytes_buf(secret, sizeof(secret));
	const char *p[2] = {id, seal(req, id, secret)};
	if (zt_db_exec(req, &err, &q_set_secret, p) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK) {
		sodium_memzero(secret, sizeof(secret));
		return zt_fail_error(req, &err);
	}
	const char *uri = zt_totp_uri(
	    req->arena, "ztic admin", invited, secret, sizeof(secret));
	const char *b32 = zt_totp_base32(req->arena, secret, sizeof(secret));
	sodium_memzero(secret, sizeof(secret));
	const char *svg = uri ? zt_qr_svg(req->arena, uri, NULL) : NULL;
	if (uri == NULL || b32 == NULL || svg == NULL)
		return zt_fail(req, ZT_EINTERNAL, NULL, "internal error");
	*out = json_object_new_object();
	json_object_object_add(
	    *out, "account", json_object_new_string(invited));
	json_object_object_add(*out, "secret", json_object_new_string(b32));
	json_object_object_add(*out, "otpauthUri", json_object_new_string(uri));
	json_object_object_add(*out, "qrSvg", json_object_new_string(svg));
	return ZT_OK;
}

enum zt_err
zt_admin_enrol_confirm(
    struct zt_req *req, const char *token, const char *code1, const char *code2)
{
	struct zt_error err = ZT_ERROR_INIT;
	unsigned char secret[ZT_TOTP_SECRET_LEN];
	char prev[ZT_TOTP_DIGITS + 1], ctr[24];
	int64_t counter = 0;
	PGresult *r;
	enum zt_err e;

	if ((e = invitation(req, token, &r)) != ZT_OK)
		return e;
	const char *inv = dup(req, r, 0), *id = dup(req, r, 1);
	int wait = atoi(PQgetvalue(r, 0, 5));
	if (PQgetisnull(r, 0, 3)) {
		zt_db_rollback();
		return zt_fail(req, ZT_ECONFLICT, "enrolment_not_started",
		    "sign in with the email code first to get the secret");
	}
	if (wait > 0) {
		zt_db_rollback();
		return locked(req, wait);
	}
	if (unseal(id, PQgetvalue(r, 0, 3), secret) != 0) {
		zt_db_rollback();
		return zt_fail(req, ZT_EINTERNAL, NULL, "internal error");
	}
	/* code2 is the current step (±1), code1 the step right before it */
	int ok = zt_totp_match(secret, sizeof(secret), code2, time(NULL),
		     &counter) == 0 &&
		 zt_totp_code(secret, sizeof(secret), counter - 1, prev) == 0 &&
		 strlen(code1) == ZT_TOTP_DIGITS && zt_ct_streq(prev, code1);
	sodium_memzero(secret, sizeof(secret));
	if (!ok)
		return second_factor_failed(req, id, "enrolment codes");
	snprintf(ctr, sizeof(ctr), "%lld", (long long)counter);
	const char *p[3] = {id, ctr, inv};
	if (zt_db_exec(req, &err, &q_enrolled, p) == NULL)
		return zt_fail_error(req, &err);
	struct zt_admin who;
	snprintf(who.id, sizeof(who.id), "%s", id);
	who.email = dup(req, r, 2);
	who.name = "";
	if ((e = zt__admin_audit(req, &who, NULL, "admin.enrolled",
		 zt_arena_printf(req->arena, "admin:%s", id), NULL)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

enum zt_err
zt_admin_disable(struct zt_req *req, const struct zt_admin *by,
    const char *admin_id, const char *reason)
{
	struct zt_error err = ZT_ERROR_INIT;
	PGresult *r;
	enum zt_err e;
	if (by != NULL && strcmp(by->id, admin_id) == 0) {
		zt_db_rollback();
		return zt_fail(req, ZT_ECONFLICT, "cannot_disable_self",
		    "another admin must disable you");
	}
	if (by == NULL && zt_db_begin_public(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	const char *p[1] = {admin_id};
	if ((r = zt_db_exec(req, &err, &q_disable, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0) {
		zt_db_rollback();
		return zt_fail(req, ZT_ENOTFOUND, "admin_not_found",
		    "no enabled admin with this id");
	}
	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "reason", json_object_new_string(reason));
	json_object_object_add(
	    d, "email", json_object_new_string(PQgetvalue(r, 0, 0)));
	json_object_object_add(d, "before", json_object_new_string("enabled"));
	json_object_object_add(d, "after", json_object_new_string("disabled"));
	if ((e = zt__admin_audit(req, by, NULL, "admin.disabled",
		 zt_arena_printf(req->arena, "admin:%s", admin_id), d)) !=
	    ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

enum zt_err
zt_admin_list(struct zt_req *req, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	PGresult *r;
	if ((r = zt_db_exec(req, &err, &q_list, NULL)) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	*out = json_object_new_object();
	json_object_object_add(
	    *out, "admins", json_tokener_parse(PQgetvalue(r, 0, 0)));
	return ZT_OK;
}

/* zt_otp.c - one-time codes; see zt_otp.h. */
#include "zt_otp.h"
#include "zt_crypto.h"
#include "zt_db.h"
#include "zt_i18n.h"
#include "zt_ident.h"
#include "zt_json.h"
#include "zt_log.h"
#include "zt_notify.h"
#include "zt_rate.h"
#include "zt_server.h"
#include "zt_time.h"
#include "zt_uuid.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct zt_sql q_insert = ZT_SQL("otp_insert",
    "INSERT INTO otp_challenges (id, channel, identifier, code_hash,"
    " expires_at) VALUES ($1, $2, $3, decode($4, 'hex'),"
    " now() + make_interval(secs => $5::int))"
    " RETURNING extract(epoch FROM expires_at)::bigint",
    5);

static struct zt_sql q_lock = ZT_SQL("otp_lock",
    "SELECT channel, identifier, encode(code_hash, 'hex'), attempts,"
    " consumed_at IS NOT NULL, expires_at <= now()"
    " FROM otp_challenges WHERE id = $1 FOR UPDATE",
    1);

static struct zt_sql q_attempt = ZT_SQL("otp_attempt",
    "UPDATE otp_challenges SET attempts = attempts + 1 WHERE id = $1"
    " RETURNING attempts",
    1);

static struct zt_sql q_consume = ZT_SQL("otp_consume",
    "UPDATE otp_challenges SET consumed_at = now() WHERE id = $1", 1);

const char *
zt_otp_code_hash(struct zt_req *req, const char *challenge_id, const char *code)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char *msg = zt_arena_printf(req->arena, "%s:%s", challenge_id, code);
	crypto_auth_hmacsha256(
	    mac, (const unsigned char *)msg, strlen(msg), zt_g.cfg.otp_pepper);
	return zt_hex(req->arena, mac, sizeof(mac));
}

int
zt_otp_code_matches(struct zt_req *req, const char *challenge_id,
    const char *code, const char *stored_hex)
{
	unsigned char want[crypto_auth_hmacsha256_BYTES];
	unsigned char got[crypto_auth_hmacsha256_BYTES];
	const char *hex = zt_otp_code_hash(req, challenge_id, code);
	size_t n;
	if (strlen(stored_hex) != 2 * sizeof(want) ||
	    sodium_hex2bin(want, sizeof(want), stored_hex, 2 * sizeof(want),
		NULL, &n, NULL) != 0 ||
	    n != sizeof(want))
		return -1;
	sodium_hex2bin(got, sizeof(got), hex, 2 * sizeof(got), NULL, &n, NULL);
	return zt_ct_equal(want, got, sizeof(want));
}

void
zt_otp_code_new(char code[ZT_OTP_DIGITS + 1])
{
	/* 10^6 codes; randombytes_uniform has no modulo bias */
	snprintf(code, ZT_OTP_DIGITS + 1, "%06u",
	    (unsigned)randombytes_uniform(1000000));
}

void
zt_otp_fail_policy(const struct zt_config *cfg, struct zt_rate_backoff *b)
{
	b->free = cfg->otp_fail_free;
	b->cap = cfg->otp_fail_max;
	b->backoff_s = cfg->otp_backoff;
	b->backoff_max_s = cfg->otp_backoff_max;
	b->day_s = 86400;
}

/* The counting key of a normalised identifier (zt_ident_rate_key). */
static const char *
count_key(struct zt_req *req, const char *ident)
{
	size_t n = strlen(ident) + 1;
	char *out = zt_arena_alloc(req->arena, n);
	if (zt_ident_rate_key(ident, out, n) != 0)
		return ident; /* cannot happen: the key is never longer */
	return out;
}

static enum zt_notify_channel
channel_of(const char *c)
{
	if (strcmp(c, "email") == 0)
		return ZT_NOTIFY_EMAIL;
	if (strcmp(c, "sms") == 0)
		return ZT_NOTIFY_SMS;
	return ZT_NOTIFY_WHATSAPP;
}

enum zt_err
zt_otp_send(struct zt_req *req, const char *channel, const char *to,
    char challenge_id[ZT_UUID_BUF], long *expires_at)
{
	struct zt_error err = ZT_ERROR_INIT;
	char ident[256], code[8], perr[256], pid[128], ttl[16];
	const char *counted;
	struct zt_rate_backoff fails;
	struct zt_notify_cfg ncfg;
	struct zt_notify_msg msg;
	const char *params[5];
	enum zt_err e;
	PGresult *r;
	int minutes = (zt_g.cfg.otp_ttl + 59) / 60;
	const char *lang, *vars[5];
	char mins[16];

	if (strcmp(channel, "email") != 0 && strcmp(channel, "sms") != 0 &&
	    strcmp(channel, "whatsapp") != 0)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'channel' must be email, sms or whatsapp");
	if (strcmp(channel, "email") == 0
		? zt_ident_email(to, ident, sizeof(ident)) != 0
		: zt_ident_phone(to, ident, sizeof(ident)) != 0)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    strcmp(channel, "email") == 0
			? "field 'to' must be an email address"
			: "field 'to' must be a phone number");

	/* per address first: it stops one client spraying many identifiers;
	 * then the identifier as counted (a+x@b.in is a@b.in): no code for
	 * one whose wrong codes reached the day's cap, and the send limit */
	counted = count_key(req, ident);
	zt_otp_fail_policy(&zt_g.cfg, &fails);
	if ((e = zt_rate_hit(req, "otp-ip", zt_rate_addr(req),
		 zt_g.cfg.otp_ip_max, zt_g.cfg.otp_window)) != ZT_OK ||
	    (e = zt_rate_fail_capped(req, "otp-fail", counted, &fails)) !=
		ZT_OK ||
	    (e = zt_rate_hit(req, "otp-id", counted, zt_g.cfg.otp_max_sends,
		 zt_g.cfg.otp_window)) != ZT_OK)
		return e;

	zt_uuid_new(challenge_id);
	zt_otp_code_new(code);
	snprintf(ttl, sizeof(ttl), "%d", zt_g.cfg.otp_ttl);
	params[0] = challenge_id;
	params[1] = channel;
	params[2] = ident;
	params[3] = zt_otp_code_hash(req, challenge_id, code);
	params[4] = ttl;

	/* the row commits only if the provider took the message, so a
	 * failed send leaves no challenge behind */
	if (zt_db_begin(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if ((r = zt_db_exec(req, &err, &q_insert, params)) == NULL)
		return zt_fail_error(req, &err);
	*expires_at = atol(PQgetvalue(r, 0, 0));

	zt_server_notify_cfg(&ncfg);
	memset(&msg, 0, sizeof(msg));
	msg.channel = channel_of(channel);
	msg.to = ident;
	/* in the language of the account the code goes to, else the
	 * request's (docs/web.md, "Server messages") */
	lang = zt_i18n_lang_of(req, ident, zt_i18n_lang(req));
	snprintf(mins, sizeof(mins), "%d", minutes);
	vars[0] = "code";
	vars[1] = code;
	vars[2] = "minutes";
	vars[3] = mins;
	vars[4] = NULL;
	msg.subject = zt_i18n_text(lang, "server.otp.subject");
	msg.text = zt_i18n_fill(req->arena,
	    zt_i18n_text(lang, "server.otp.text"), zt_i18n_pairs, vars);
	msg.html = zt_arena_printf(req->arena,
	    "<p>%s</p><p style=\"font-size:28px;letter-spacing:6px\"><b>%s"
	    "</b></p><p>%s</p>",
	    zt_i18n_text(lang, "server.otp.html.intro"), code,
	    zt_i18n_fill(req->arena,
		zt_i18n_text(lang, "server.otp.html.outro"), zt_i18n_pairs,
		vars));
	msg.idempotency_key = challenge_id;
	sodium_memzero(code, sizeof(code));
	if (zt_notify_send(&ncfg, &msg, pid, sizeof(pid), perr, sizeof(perr)) !=
	    0) {
		zt_db_rollback();
		zt_log_warn("otp", "%s send failed: %s", channel, perr);
		return zt_fail(req, ZT_EUPSTREAM, "delivery_failed",
		    "could not send the code by %s right now; try again or "
		    "use another channel",
		    channel);
	}
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	zt_log_info(
	    "otp", "challenge %s sent by %s (%s)", challenge_id, channel, pid);
	return ZT_OK;
}

enum zt_err
zt_otp_check(struct zt_req *req, const char *challenge_id, const char *code,
    const char **channel, const char **identifier, int *must_commit)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {challenge_id};
	const char *counted;
	struct zt_rate_backoff fails;
	PGresult *r;
	enum zt_err e;
	const char *stored;
	int match;

	*must_commit = 0;
	if ((r = zt_db_exec(req, &err, &q_lock, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_EUNAUTH, "invalid_code",
		    "this code is not valid; request a new one");
	if (strcmp(PQgetvalue(r, 0, 4), "t") == 0 ||
	    strcmp(PQgetvalue(r, 0, 5), "t") == 0 ||
	    atoi(PQgetvalue(r, 0, 3)) >= ZT_OTP_MAX_ATTEMPTS)
		return zt_fail(req, ZT_EUNAUTH, "code_expired",
		    "this code has expired or was already used; request a "
		    "new one");
	*channel = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0));
	*identifier = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 1));
	stored = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 2));
	if (strlen(stored) != 64)
		return zt_fail(req, ZT_EINTERNAL, NULL, "internal error");
	/* every try counts as failed against the identifier before the code
	 * is compared (a right one clears the count): across all its
	 * challenges, so new codes do not bring new tries */
	counted = count_key(req, *identifier);
	zt_otp_fail_policy(&zt_g.cfg, &fails);
	if ((e = zt_rate_fail_take(req, "otp-fail", counted, &fails)) != ZT_OK)
		return e;
	if ((match = zt_otp_code_matches(req, challenge_id, code, stored)) < 0)
		return zt_fail(req, ZT_EINTERNAL, NULL, "internal error");
	if (!match) {
		if ((r = zt_db_exec(req, &err, &q_attempt, p)) == NULL)
			return zt_fail_error(req, &err);
		int left = ZT_OTP_MAX_ATTEMPTS - atoi(PQgetvalue(r, 0, 0));
		*must_commit = 1;
		zt_fail_detail(req, "attemptsLeft",
		    json_object_new_int(left > 0 ? left : 0));
		if (left <= 0)
			return zt_fail(req, ZT_EUNAUTH, "code_expired",
			    "too many wrong codes; request a new one");
		return zt_fail(req, ZT_EUNAUTH, "invalid_code",
		    "wrong code; %d %s left", left,
		    left == 1 ? "try" : "tries");
	}
	if (zt_db_exec(req, &err, &q_consume, p) == NULL)
		return zt_fail_error(req, &err);
	return zt_rate_fail_clear(req, "otp-fail", counted);
}

enum zt_err
zt_otp_send_json(struct zt_req *req, const char *channel, const char *to,
    struct json_object **out)
{
	char id[ZT_UUID_BUF];
	long expires;
	enum zt_err e;
	*out = NULL;
	if ((e = zt_otp_send(req, channel, to, id, &expires)) != ZT_OK)
		return e;
	*out = zt_otp_challenge_json(id, expires);
	return ZT_OK;
}

enum zt_err
zt_otp_check_begin(struct zt_req *req, const char *challenge_id,
    const char *code, const char **channel, const char **identifier)
{
	struct zt_error err = ZT_ERROR_INIT;
	int must_commit = 0;
	enum zt_err e;

	if (zt_db_begin(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	e = zt_otp_check(
	    req, challenge_id, code, channel, identifier, &must_commit);
	/* keep the attempt count, then report the failure; a COMMIT that
	 * fails reports its own error in its place */
	if (e != ZT_OK && must_commit && zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return e;
}

enum zt_err
zt_otp_read_proof(struct zt_req *req, struct json_object *body,
    const char **challenge_id, const char **code)
{
	enum zt_err e;
	if ((e = zt_json_uuid(req, body, "challengeId", ZT_REQUIRED,
		 challenge_id, NULL)) != ZT_OK ||
	    (e = zt_json_str(req, body, "code", ZT_REQUIRED, ZT_OTP_DIGITS,
		 code, NULL)) != ZT_OK)
		return e;
	if (strlen(*code) != ZT_OTP_DIGITS ||
	    strspn(*code, "0123456789") != ZT_OTP_DIGITS)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'code' must be %d digits", ZT_OTP_DIGITS);
	return ZT_OK;
}

struct json_object *
zt_otp_challenge_json(const char *challenge_id, long expires_at)
{
	char when[ZT_TIME_LEN];
	struct json_object *body = json_object_new_object();
	zt_time_format(expires_at, when);
	json_object_object_add(
	    body, "challengeId", json_object_new_string(challenge_id));
	json_object_object_add(body, "expiresAt", json_object_new_string(when));
	return body;
}

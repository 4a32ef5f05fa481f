/* zt_config.c - settings from the environment; see zt_config.h. */
#include "zt_config.h"
#include "zt_arena.h"
#include "zt_log.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { K_STR, K_INT, K_HEX32, K_JWTKEYS, K_ENV, K_LEVEL, K_REDIS, K_URL };

struct setting {
	const char *name;
	enum kind kind;
	size_t off;
	const char *def; /* NULL: no default */
	unsigned need;	 /* required when any of these groups is needed */
	int min, max;	 /* K_INT range */
};

#define F(x) offsetof(struct zt_config, x)

static const struct setting settings[] = {
    {"ZT_ENV", K_ENV, F(env), "dev", 0, 0, 0},
    {"ZT_LOG_LEVEL", K_LEVEL, F(log_level), "info", 0, 0, 0},
    {"ZT_PG_DSN", K_STR, F(pg_dsn), NULL, ZT_NEED_PG, 0, 0},
    {"ZT_PG_SYSTEM_DSN", K_STR, F(pg_system_dsn), NULL, ZT_NEED_PG_SYSTEM, 0,
	0},
    /* public reads on a streaming replica (docs/scale.md) */
    {"ZT_PG_REPLICA_DSN", K_STR, F(pg_replica_dsn), NULL, 0, 0, 0},
    {"ZT_REDIS", K_REDIS, F(redis), NULL, ZT_NEED_REDIS, 0, 0},
    {"ZT_REDIS_TIMEOUT_MS", K_INT, F(redis_timeout_ms), "500", 0, 10, 60000},
    /* Redis Sentinel (docs/scale.md): host:port,host:port,... and the
     * master's name; unset: ZT_REDIS is the master */
    {"ZT_REDIS_SENTINELS", K_STR, F(redis_sentinels), NULL, 0, 0, 0},
    {"ZT_REDIS_MASTER", K_STR, F(redis_master), "ztic", 0, 0, 0},
    {"ZT_LIVE_SOCKET", K_STR, F(live_socket), NULL, ZT_NEED_LIVE, 0, 0},
    {"ZT_LIVE_BATCH_MS", K_INT, F(live_batch_ms), "50", 0, 0, 1000},
    {"ZT_PUBLIC_URL", K_URL, F(public_url), "http://127.0.0.1:8080", 0, 0, 0},
    {"ZT_OUTBOX_DIR", K_STR, F(outbox_dir), "var/outbox", 0, 0, 0},
    {"ZT_MEDIA_DIR", K_STR, F(media_dir), "var/media", 0, 0, 0},
    {"ZT_I18N_DIR", K_STR, F(i18n_dir), "web/i18n", 0, 0, 0},
    {"ZT_FORM_FILES_DIR", K_STR, F(form_files_dir), "var/form-files", 0, 0, 0},
    {"ZT_JWT_KEYS", K_JWTKEYS, 0, NULL, ZT_NEED_JWT, 0, 0},
    {"ZT_JWT_KID", K_STR, F(jwt_kid), NULL, ZT_NEED_JWT, 0, 0},
    {"ZT_OTP_PEPPER", K_HEX32, F(otp_pepper), NULL, ZT_NEED_AUTH, 0, 0},
    {"ZT_TOKEN_PEPPER", K_HEX32, F(token_pepper), NULL, ZT_NEED_AUTH, 0, 0},
    {"ZT_TICKET_MASTER_KEY", K_HEX32, F(ticket_master_key), NULL,
	ZT_NEED_TICKETS, 0, 0},
    {"ZT_ADMIN_MASTER_KEY", K_HEX32, F(admin_master_key), NULL, ZT_NEED_ADMIN,
	0, 0},
    {"ZT_ADMIN_IDLE", K_INT, F(admin_idle), "1800", 0, 30, 86400},
    {"ZT_ADMIN_MAX_AGE", K_INT, F(admin_max_age), "28800", 0, 60, 604800},
    {"ZT_ADMIN_MAX_FAILS", K_INT, F(admin_max_fails), "5", 0, 1, 100},
    {"ZT_ADMIN_LOCKOUT", K_INT, F(admin_lockout), "900", 0, 1, 86400},
    {"ZT_ACCESS_TTL", K_INT, F(access_ttl), "900", 0, 30, 86400},
    {"ZT_REFRESH_TTL", K_INT, F(refresh_ttl), "1209600", 0, 60, 31536000},
    {"ZT_REFRESH_MAX_AGE", K_INT, F(refresh_max_age), "2592000", 0, 60,
	31536000},
    {"ZT_REFRESH_GRACE", K_INT, F(refresh_grace), "10", 0, 0, 300},
    {"ZT_OTP_TTL", K_INT, F(otp_ttl), "600", 0, 30, 3600},
    {"ZT_OTP_MAX_SENDS", K_INT, F(otp_max_sends), "3", 0, 1, 1000},
    {"ZT_OTP_WINDOW", K_INT, F(otp_window), "600", 0, 1, 86400},
    {"ZT_OTP_IP_MAX", K_INT, F(otp_ip_max), "30", 0, 1, 100000},
    {"ZT_HOLD_TTL", K_INT, F(hold_ttl), "300", 0, 5, 3600},
    {"ZT_HOLD_MAX_LIFE", K_INT, F(hold_max_life), "0", 0, 0, 86400},
    {"ZT_HOLD_USER_MAX", K_INT, F(hold_user_max), "60", 0, 0, 100000},
    {"ZT_HOLD_IP_MAX", K_INT, F(hold_ip_max), "3000", 0, 0, 1000000},
    {"ZT_HOLD_RATE_WINDOW", K_INT, F(hold_rate_window), "60", 0, 1, 3600},
    {"ZT_WAITLIST_OFFER_TTL", K_INT, F(waitlist_offer_ttl), "1800", 0, 5,
	86400},
    {"ZT_QUEUE_PASS_KEY", K_HEX32, F(queue_pass_key), NULL, 0, 0, 0},
    {"ZT_QUEUE_ADDR_MAX", K_INT, F(queue_addr_max), "50", 0, 0, 1000000},
    {"ZT_OTP_FAIL_FREE", K_INT, F(otp_fail_free), "5", 0, 1, 1000},
    {"ZT_OTP_FAIL_MAX", K_INT, F(otp_fail_max), "15", 0, 1, 10000},
    {"ZT_OTP_BACKOFF", K_INT, F(otp_backoff), "30", 0, 1, 3600},
    {"ZT_OTP_BACKOFF_MAX", K_INT, F(otp_backoff_max), "3600", 0, 1, 86400},
    {"ZT_FEE_BPS", K_INT, F(fee_bps), "200", 0, 0, 5000},
    {"ZT_FEE_FIXED_PAISE", K_INT, F(fee_fixed_paise), "0", 0, 0, 100000},
    {"ZT_FEE_TAX_BPS", K_INT, F(fee_tax_bps), "1800", 0, 0, 5000},
    {"ZT_RESEND_API_KEY", K_STR, F(resend_key), NULL, 0, 0, 0},
    {"ZT_RESEND_BASE_URL", K_URL, F(resend_base), "https://api.resend.com", 0,
	0, 0},
    {"ZT_EMAIL_FROM", K_STR, F(email_from), "ztic <no-reply@ztic.in>", 0, 0, 0},
    {"ZT_TWILIO_ACCOUNT_SID", K_STR, F(twilio_sid), NULL, 0, 0, 0},
    {"ZT_TWILIO_AUTH_TOKEN", K_STR, F(twilio_token), NULL, 0, 0, 0},
    {"ZT_TWILIO_FROM", K_STR, F(twilio_from), NULL, 0, 0, 0},
    {"ZT_TWILIO_BASE_URL", K_URL, F(twilio_base), "https://api.twilio.com", 0,
	0, 0},
    {"ZT_GUPSHUP_API_KEY", K_STR, F(gupshup_key), NULL, 0, 0, 0},
    {"ZT_GUPSHUP_SOURCE", K_STR, F(gupshup_source), NULL, 0, 0, 0},
    {"ZT_GUPSHUP_APP_NAME", K_STR, F(gupshup_app), "ztic", 0, 0, 0},
    {"ZT_GUPSHUP_BASE_URL", K_URL, F(gupshup_base), "https://api.gupshup.io", 0,
	0, 0},
    {"ZT_RAZORPAY_KEY_ID", K_STR, F(razorpay_key_id), NULL, ZT_NEED_RAZORPAY, 0,
	0},
    {"ZT_RAZORPAY_KEY_SECRET", K_STR, F(razorpay_key_secret), NULL,
	ZT_NEED_RAZORPAY, 0, 0},
    {"ZT_RAZORPAY_WEBHOOK_SECRET", K_STR, F(razorpay_webhook_secret), NULL,
	ZT_NEED_RAZORPAY, 0, 0},
    {"ZT_RAZORPAY_BASE_URL", K_URL, F(razorpay_base),
	"https://api.razorpay.com", 0, 0, 0},
    {"ZT_RAZORPAY_TIMEOUT_MS", K_INT, F(razorpay_timeout_ms), "10000", 0, 100,
	60000},
    {"ZT_GOOGLE_CLIENT_ID", K_STR, F(google_client_id), NULL, 0, 0, 0},
    {"ZT_GOOGLE_CLIENT_SECRET", K_STR, F(google_client_secret), NULL, 0, 0, 0},
    {"ZT_GOOGLE_ISSUER", K_URL, F(google_issuer), "https://accounts.google.com",
	0, 0, 0},
    {"ZT_RECONCILE_AFTER", K_INT, F(reconcile_after), "300", 0, 0, 86400},
    {"ZT_REFUND_WINDOW_DAYS", K_INT, F(refund_window_days), "30", 0, 0, 3650},
    {"ZT_OUTBOX_KEEP_DAYS", K_INT, F(outbox_keep_days), "30", 0, 1, 3650},
    {"ZT_AUDIT_KEEP_DAYS", K_INT, F(audit_keep_days), "365", 0, 30, 36500},
    {"ZT_COMMISSION_BPS", K_INT, F(commission_bps), "500", 0, 0, 10000},
    {"ZT_COMMISSION_GST_BPS", K_INT, F(commission_gst_bps), "1800", 0, 0, 2800},
    {"ZT_PAYOUT_HOLD_DAYS", K_INT, F(payout_hold_days), "7", 0, 0, 365},
    {"ZT_PAYOUT_VIA", K_STR, F(payout_via), "route", 0, 0, 0},
    {"ZT_RAZORPAYX_ACCOUNT", K_STR, F(razorpayx_account), NULL, 0, 0, 0},
    {"ZT_RECON_DAY", K_STR, F(recon_day), NULL, 0, 0, 0},
    {"ZT_TDS_BPS", K_INT, F(tds_bps), "0", 0, 0, 500},
    {"ZT_TCS_BPS", K_INT, F(tcs_bps), "0", 0, 0, 500},
    {"ZT_PLATFORM_NAME", K_STR, F(platform_name), "ztic", 0, 0, 0},
    {"ZT_PLATFORM_GSTIN", K_STR, F(platform_gstin), NULL, 0, 0, 0},
    {"ZT_PLATFORM_STATE", K_STR, F(platform_state), NULL, 0, 0, 0},
    {"ZT_PLATFORM_ADDRESS", K_STR, F(platform_address), "India", 0, 0, 0},
    {"ZT_APITOKEN_PER_MINUTE", K_INT, F(apitoken_per_minute), "600", 0, 1,
	100000},
};

static int
fail(char *err, size_t len, const char *name, const char *why)
{
	snprintf(err, len, "config: %s %s", name, why);
	return -1;
}

static int
parse_hex32(const char *v, unsigned char out[32])
{
	size_t bin_len = 0;
	if (strlen(v) != 64)
		return -1;
	if (sodium_hex2bin(out, 32, v, 64, NULL, &bin_len, NULL) != 0 ||
	    bin_len != 32)
		return -1;
	return 0;
}

static int
parse_jwt_keys(struct zt_config *c, const char *v, char *err, size_t len)
{
	char *copy = zt_xstrdup(v), *save = NULL, *item;
	int rc = -1;

	c->jwt_nkeys = 0;
	for (item = strtok_r(copy, ",", &save); item != NULL;
	     item = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(item, ':');
		struct zt_jwt_key *k;
		size_t klen;

		if (c->jwt_nkeys == ZT_JWT_MAX_KEYS) {
			fail(err, len, "ZT_JWT_KEYS", "has more than 8 keys");
			goto out;
		}
		if (colon == NULL || colon == item ||
		    (size_t)(colon - item) >= sizeof(k->kid)) {
			fail(err, len, "ZT_JWT_KEYS",
			    "must be kid:base64key[,kid:base64key]");
			goto out;
		}
		k = &c->jwt_keys[c->jwt_nkeys];
		memcpy(k->kid, item, (size_t)(colon - item));
		k->kid[colon - item] = '\0';
		if (sodium_base642bin(k->key, sizeof(k->key), colon + 1,
			strlen(colon + 1), NULL, &klen, NULL,
			sodium_base64_VARIANT_ORIGINAL) != 0 &&
		    sodium_base642bin(k->key, sizeof(k->key), colon + 1,
			strlen(colon + 1), NULL, &klen, NULL,
			sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
			fail(err, len, "ZT_JWT_KEYS",
			    "has a key that is not base64");
			goto out;
		}
		if (klen < 32) {
			fail(err, len, "ZT_JWT_KEYS",
			    "has a key shorter than 32 bytes");
			goto out;
		}
		k->len = klen;
		c->jwt_nkeys++;
	}
	if (c->jwt_nkeys == 0) {
		fail(err, len, "ZT_JWT_KEYS", "is empty");
		goto out;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

static int
parse_redis(struct zt_config *c, const char *v, char *err, size_t len)
{
	if (strncmp(v, "unix:", 5) == 0) {
		if (v[5] != '/')
			return fail(err, len, "ZT_REDIS",
			    "must be unix:/absolute/path or host:port");
		c->redis_unix = zt_xstrdup(v + 5);
		return 0;
	}
	const char *colon = strrchr(v, ':');
	char *end;
	long port;
	if (colon == NULL || colon == v)
		return fail(err, len, "ZT_REDIS",
		    "must be unix:/absolute/path or host:port");
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || port < 1 || port > 65535)
		return fail(err, len, "ZT_REDIS", "has an invalid port");
	c->redis_host = zt_xstrdup(v);
	c->redis_host[colon - v] = '\0';
	c->redis_port = (int)port;
	return 0;
}

static int
apply(struct zt_config *c, const struct setting *s, const char *v, char *err,
    size_t len)
{
	char *base = (char *)c;
	switch (s->kind) {
	case K_STR:
		if (*v == '\0')
			return fail(err, len, s->name, "is empty");
		*(char **)(base + s->off) = zt_xstrdup(v);
		return 0;
	case K_URL:
		if (strncmp(v, "http://", 7) != 0 &&
		    strncmp(v, "https://", 8) != 0)
			return fail(err, len, s->name,
			    "must start with http:// or https://");
		*(char **)(base + s->off) = zt_xstrdup(v);
		/* no trailing slash, so paths can be appended */
		{
			char *p = *(char **)(base + s->off);
			size_t n = strlen(p);
			while (n > 0 && p[n - 1] == '/')
				p[--n] = '\0';
		}
		return 0;
	case K_ENV:
		if (strcmp(v, "dev") && strcmp(v, "test") &&
		    strcmp(v, "production"))
			return fail(err, len, s->name,
			    "must be dev, test or production");
		*(char **)(base + s->off) = zt_xstrdup(v);
		return 0;
	case K_LEVEL: {
		int lvl = zt_log_parse_level(v);
		if (lvl < 0)
			return fail(err, len, s->name,
			    "must be debug, info, warn or error");
		*(char **)(base + s->off) = zt_xstrdup(v);
		zt_log_set_level((enum zt_log_level)lvl);
		return 0;
	}
	case K_INT: {
		char *end;
		long n;
		errno = 0;
		n = strtol(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0' || n < s->min ||
		    n > s->max) {
			char why[96];
			snprintf(why, sizeof(why),
			    "must be a whole number from %d to %d", s->min,
			    s->max);
			return fail(err, len, s->name, why);
		}
		*(int *)(base + s->off) = (int)n;
		return 0;
	}
	case K_HEX32:
		if (parse_hex32(v, (unsigned char *)(base + s->off)) != 0)
			return fail(err, len, s->name,
			    "must be 64 hex digits (32 bytes)");
		return 0;
	case K_JWTKEYS:
		return parse_jwt_keys(c, v, err, len);
	case K_REDIS:
		*(char **)(base + s->off) = zt_xstrdup(v);
		return parse_redis(c, v, err, len);
	}
	return fail(err, len, s->name, "has an unknown kind");
}

/* Two settings that only work together (a key and its secret): both or
 * neither.  0, or -1 naming the missing one. */
static int
both_or_none(const char *a, const char *a_name, const char *b,
    const char *b_name, const char *what, char *err, size_t len)
{
	char why[96];
	if ((a == NULL) == (b == NULL))
		return 0;
	snprintf(why, sizeof(why),
	    "is required when the other half of the %s is set", what);
	return fail(err, len, a == NULL ? a_name : b_name, why);
}

void
zt_config_free(struct zt_config *c)
{
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		const struct setting *s = &settings[i];
		if (s->kind == K_INT || s->kind == K_HEX32 ||
		    s->kind == K_JWTKEYS)
			continue;
		char **p = (char **)((char *)c + s->off);
		free(*p);
		*p = NULL;
	}
	free(c->redis_unix);
	free(c->redis_host);
	sodium_memzero(c, sizeof(*c));
}

int
zt_config_load(struct zt_config *c, unsigned needs, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	if (sodium_init() < 0)
		return fail(err, errlen, "libsodium", "could not initialise");
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		const struct setting *s = &settings[i];
		const char *v = getenv(s->name);
		if (v == NULL || *v == '\0') {
			if (s->need & needs) {
				zt_config_free(c);
				return fail(err, errlen, s->name,
				    "is required but not set");
			}
			if (s->def == NULL)
				continue;
			v = s->def;
		}
		if (apply(c, s, v, err, errlen) != 0) {
			zt_config_free(c);
			return -1;
		}
	}
	if (c->jwt_kid != NULL && zt_config_jwt_key(c, c->jwt_kid) == NULL) {
		zt_config_free(c);
		return fail(
		    err, errlen, "ZT_JWT_KID", "names no key in ZT_JWT_KEYS");
	}
	/* a hold lives at least one TTL: 0 (the default) is 2 x TTL */
	if (c->hold_max_life == 0)
		c->hold_max_life = 2 * c->hold_ttl;
	if (c->hold_max_life < c->hold_ttl) {
		char why[96];
		snprintf(why, sizeof(why),
		    "must be 0 (2 x ZT_HOLD_TTL) or at least ZT_HOLD_TTL (%d)",
		    c->hold_ttl);
		zt_config_free(c);
		return fail(err, errlen, "ZT_HOLD_MAX_LIFE", why);
	}
	if (c->otp_backoff_max < c->otp_backoff) {
		zt_config_free(c);
		return fail(err, errlen, "ZT_OTP_BACKOFF_MAX",
		    "must be at least ZT_OTP_BACKOFF");
	}
	if (c->otp_fail_max < c->otp_fail_free) {
		zt_config_free(c);
		return fail(err, errlen, "ZT_OTP_FAIL_MAX",
		    "must be at least ZT_OTP_FAIL_FREE");
	}
	/* payouts go through Route or RazorpayX (docs/finance.md); X needs
	 * the business account number they leave from */
	if (strcmp(c->payout_via, "route") != 0 &&
	    strcmp(c->payout_via, "razorpayx") != 0) {
		zt_config_free(c);
		return fail(
		    err, errlen, "ZT_PAYOUT_VIA", "must be route or razorpayx");
	}
	if (c->razorpayx_account != NULL &&
	    (strlen(c->razorpayx_account) < 6 ||
		strlen(c->razorpayx_account) > 22 ||
		strspn(c->razorpayx_account, "0123456789") !=
		    strlen(c->razorpayx_account))) {
		zt_config_free(c);
		return fail(
		    err, errlen, "ZT_RAZORPAYX_ACCOUNT", "must be 6-22 digits");
	}
	if (strcmp(c->payout_via, "razorpayx") == 0 &&
	    c->razorpayx_account == NULL) {
		zt_config_free(c);
		return fail(err, errlen, "ZT_RAZORPAYX_ACCOUNT",
		    "is required when ZT_PAYOUT_VIA is razorpayx");
	}
	if (c->recon_day != NULL) {
		int y, m, d;
		char tail;
		if (strlen(c->recon_day) != 10 ||
		    sscanf(c->recon_day, "%4d-%2d-%2d%c", &y, &m, &d, &tail) !=
			3 ||
		    y < 2000 || m < 1 || m > 12 || d < 1 || d > 31) {
			zt_config_free(c);
			return fail(err, errlen, "ZT_RECON_DAY",
			    "must be a day, YYYY-MM-DD");
		}
	}
	/* half a Razorpay key pair is a mistake, never "payments off"; the
	 * same for Sign in with Google's client (docs/auth.md) */
	if (both_or_none(c->razorpay_key_id, "ZT_RAZORPAY_KEY_ID",
		c->razorpay_key_secret, "ZT_RAZORPAY_KEY_SECRET",
		"Razorpay key pair", err, errlen) != 0 ||
	    both_or_none(c->google_client_id, "ZT_GOOGLE_CLIENT_ID",
		c->google_client_secret, "ZT_GOOGLE_CLIENT_SECRET",
		"Google client", err, errlen) != 0) {
		zt_config_free(c);
		return -1;
	}
	return 0;
}

const struct zt_jwt_key *
zt_config_jwt_key(const struct zt_config *c, const char *kid)
{
	if (kid == NULL)
		return NULL;
	for (int i = 0; i < c->jwt_nkeys; i++)
		if (strcmp(c->jwt_keys[i].kid, kid) == 0)
			return &c->jwt_keys[i];
	return NULL;
}

int
zt_config_production(const struct zt_config *c)
{
	return c->env != NULL && strcmp(c->env, "production") == 0;
}

/* zt_oidc.c - Sign in with Google; see zt_oidc.h. */
#include "zt_oidc.h"
#include "zt_config.h"
#include "zt_crypto.h"
#include "zt_db.h"
#include "zt_http.h"
#include "zt_ident.h"
#include "zt_json.h"
#include "zt_keys.h"
#include "zt_log.h"
#include "zt_rate.h"
#include "zt_redis.h"
#include "zt_server.h"

#include <jwt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PROV "google"
#define USER_AGENT "ztic-oidc/1 (+libcurl)"
#define TIMEOUT_MS 10000L
#define DOC_CAP (64 * 1024) /* discovery, JWKS and token answers */
#define LEEWAY 30	    /* seconds of clock skew on exp and iat */
#define CACHE_DEFAULT 3600  /* seconds, when no Cache-Control max-age */
#define CACHE_MAX 86400
#define MAX_KEYS 16
#define TOKEN_MAX 8192 /* bytes of an ID token */
#define NAME_MAX_BYTES 200

static struct zt_sql q_ident = ZT_SQL("oidc_ident",
    "UPDATE user_identities SET last_login_at = now(), email = $3"
    " WHERE provider = $1 AND subject = $2 RETURNING user_id",
    3);
/* a racing first sign-in of the same subject: the row already there wins */
static struct zt_sql q_ident_new = ZT_SQL("oidc_ident_new",
    "INSERT INTO user_identities (provider, subject, user_id, email)"
    " VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (provider, subject) DO UPDATE SET last_login_at = now()"
    " RETURNING user_id",
    4);
static struct zt_sql q_user_seen = ZT_SQL("oidc_user_seen",
    "UPDATE users SET last_login_at = now(),"
    " name = CASE WHEN name = '' THEN $2 ELSE name END"
    " WHERE id = $1",
    2);

/* ---- the provider's documents, cached per process ------------------------ */

static struct {
	char *authorize, *token, *jwks;
	time_t until; /* 0: never loaded */
} disc;

struct jwk {
	char *kid;
	char *pem;
};

static struct {
	struct jwk k[MAX_KEYS];
	int n;
	time_t until; /* 0: never loaded */
} keys;

static time_t
cache_until(long max_age)
{
	if (max_age < 0)
		max_age = CACHE_DEFAULT;
	if (max_age > CACHE_MAX)
		max_age = CACHE_MAX;
	return time(NULL) + max_age;
}

/* The answer as JSON, in *out (put it) when it is 200 JSON; else NULL. */
struct fetched {
	struct json_object *o;
	long status;
	long max_age;
};

/*
 * GET url (form NULL) or POST the form to it.  0 when an answer arrived
 * (any status: f filled), -1 when none (why says so).
 */
static int
fetch(const char *url, const char *form, struct fetched *f, char *why,
    size_t whylen)
{
	struct zt_http_call c;
	int rc;

	memset(&c, 0, sizeof(c));
	memset(f, 0, sizeof(*f));
	c.prov = PROV;
	c.user_agent = USER_AGENT;
	c.url = url;
	c.timeout_ms = TIMEOUT_MS;
	c.cap = DOC_CAP;
	if (form != NULL) {
		c.body = form;
		c.body_len = strlen(form);
		c.headers = zt_http_header(
		    NULL, "Content-Type: application/x-www-form-urlencoded");
	}
	rc = zt_http_perform(&c, why, whylen);
	if (rc == 0) {
		f->status = c.status;
		f->max_age = c.max_age;
		f->o = zt_http_answer(&c);
	}
	zt_http_call_free(&c);
	return rc == 0 ? 0 : -1;
}

static enum zt_err
unavailable(struct zt_req *req, const char *why)
{
	zt_log_warn("oidc", "%s", why);
	return zt_fail(req, ZT_EUPSTREAM, "google_unavailable",
	    "could not reach Google sign-in; try again later");
}

/* A copy of the endpoint field key of o when it may be called, else NULL. */
static char *
endpoint(struct json_object *o, const char *key, char *why, size_t whylen)
{
	const char *v = zt_http_json_str(o, key);
	if (v == NULL || zt_http_has_ctl(v) || strlen(v) > 1024) {
		snprintf(why, whylen, "google discovery: no valid %s", key);
		return NULL;
	}
	if (zt_http_check_base(PROV, v, why, whylen) != 0)
		return NULL;
	return zt_xstrdup(v);
}

/* Load the discovery document unless the cached one is still fresh. */
static enum zt_err
discover(struct zt_req *req)
{
	const char *issuer = zt_g.cfg.google_issuer;
	char why[CURL_ERROR_SIZE + 160];
	char *url = NULL, *a = NULL, *t = NULL, *j = NULL;
	const char *iss;
	struct fetched f = {NULL, 0, -1};
	enum zt_err e = ZT_EUPSTREAM;

	if (disc.until != 0 && time(NULL) < disc.until)
		return ZT_OK;
	if (zt_http_check_base(PROV, issuer, why, sizeof(why)) != 0)
		goto out;
	url = zt_http_url(issuer, "/.well-known/openid-configuration");
	if (fetch(url, NULL, &f, why, sizeof(why)) != 0)
		goto out;
	if (f.status != 200 || f.o == NULL) {
		snprintf(why, sizeof(why),
		    "google discovery answered %ld without a document",
		    f.status);
		goto out;
	}
	/* OpenID Connect Discovery 1.0, 4.3: the issuer must be ours */
	iss = zt_http_json_str(f.o, "issuer");
	if (iss == NULL || strcmp(iss, issuer) != 0) {
		snprintf(why, sizeof(why),
		    "google discovery names another issuer than %s", issuer);
		goto out;
	}
	if ((a = endpoint(f.o, "authorization_endpoint", why, sizeof(why))) ==
		NULL ||
	    (t = endpoint(f.o, "token_endpoint", why, sizeof(why))) == NULL ||
	    (j = endpoint(f.o, "jwks_uri", why, sizeof(why))) == NULL)
		goto out;
	free(disc.authorize);
	free(disc.token);
	free(disc.jwks);
	disc.authorize = a;
	disc.token = t;
	disc.jwks = j;
	a = t = j = NULL;
	disc.until = cache_until(f.max_age);
	e = ZT_OK;
out:
	free(a);
	free(t);
	free(j);
	free(url);
	if (f.o != NULL)
		json_object_put(f.o);
	return e == ZT_OK ? ZT_OK : unavailable(req, why);
}

/* ---- RSA keys: JWK to PEM ------------------------------------------------ */

struct der {
	unsigned char b[1400];
	size_t n;
};

static size_t
hdr_size(size_t len)
{
	return len < 128 ? 2 : len < 256 ? 3 : 4;
}

static void
put_hdr(struct der *d, unsigned char tag, size_t len)
{
	d->b[d->n++] = tag;
	if (len < 128) {
		d->b[d->n++] = (unsigned char)len;
	} else if (len < 256) {
		d->b[d->n++] = 0x81;
		d->b[d->n++] = (unsigned char)len;
	} else {
		d->b[d->n++] = 0x82;
		d->b[d->n++] = (unsigned char)(len >> 8);
		d->b[d->n++] = (unsigned char)(len & 0xff);
	}
}

/* An unsigned big-endian integer's DER content length (leading zeros
 * dropped, a zero byte added when the top bit is set). */
static size_t
int_size(const unsigned char *v, size_t n)
{
	while (n > 1 && v[0] == 0) {
		v++;
		n--;
	}
	return n + ((v[0] & 0x80) ? 1 : 0);
}

static void
put_int(struct der *d, const unsigned char *v, size_t n)
{
	while (n > 1 && v[0] == 0) {
		v++;
		n--;
	}
	put_hdr(d, 0x02, n + ((v[0] & 0x80) ? 1 : 0));
	if (v[0] & 0x80)
		d->b[d->n++] = 0;
	memcpy(d->b + d->n, v, n);
	d->n += n;
}

char *
zt_oidc_rsa_pem(const char *n64, const char *e64)
{
	/* AlgorithmIdentifier { rsaEncryption, NULL } */
	static const unsigned char alg[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86,
	    0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
	unsigned char n[600], e[16];
	size_t nlen = 0, elen = 0, ni, ei, rsa, bit, spki;
	struct der d;
	char b64[2048], *pem, *w;
	size_t b64len;

	if (n64 == NULL || e64 == NULL ||
	    sodium_base642bin(n, sizeof(n), n64, strlen(n64), NULL, &nlen, NULL,
		sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    sodium_base642bin(e, sizeof(e), e64, strlen(e64), NULL, &elen, NULL,
		sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    nlen == 0 || elen == 0 || elen > 8)
		return NULL;
	ni = int_size(n, nlen);
	ei = int_size(e, elen);
	if (ni < 257 || ni > 513) /* 2048 to 4096 bits, with the sign byte */
		return NULL;
	rsa = hdr_size(ni) + ni + hdr_size(ei) + ei;
	bit = 1 + hdr_size(rsa) + rsa;
	spki = sizeof(alg) + hdr_size(bit) + bit;
	if (hdr_size(spki) + spki > sizeof(d.b))
		return NULL;
	d.n = 0;
	put_hdr(&d, 0x30, spki); /* SubjectPublicKeyInfo */
	memcpy(d.b + d.n, alg, sizeof(alg));
	d.n += sizeof(alg);
	put_hdr(&d, 0x03, bit); /* BIT STRING, no unused bits */
	d.b[d.n++] = 0;
	put_hdr(&d, 0x30, rsa); /* RSAPublicKey { n, e } */
	put_int(&d, n, nlen);
	put_int(&d, e, elen);

	sodium_bin2base64(
	    b64, sizeof(b64), d.b, d.n, sodium_base64_VARIANT_ORIGINAL);
	b64len = strlen(b64);
	pem = zt_xmalloc(b64len + b64len / 64 + 64);
	w = pem + sprintf(pem, "-----BEGIN PUBLIC KEY-----\n");
	for (size_t i = 0; i < b64len; i += 64) {
		size_t k = b64len - i < 64 ? b64len - i : 64;
		memcpy(w, b64 + i, k);
		w += k;
		*w++ = '\n';
	}
	strcpy(w, "-----END PUBLIC KEY-----\n");
	return pem;
}

static void
keys_clear(void)
{
	for (int i = 0; i < keys.n; i++) {
		free(keys.k[i].kid);
		free(keys.k[i].pem);
	}
	keys.n = 0;
}

/* (Re)load the provider's JWKS: its RSA signing keys with a kid. */
static enum zt_err
load_keys(struct zt_req *req)
{
	char why[CURL_ERROR_SIZE + 160];
	struct fetched f = {NULL, 0, -1};
	struct json_object *arr = NULL;
	enum zt_err e = ZT_EUPSTREAM;

	if (fetch(disc.jwks, NULL, &f, why, sizeof(why)) != 0)
		goto out;
	if (f.status != 200 || f.o == NULL ||
	    !json_object_object_get_ex(f.o, "keys", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		snprintf(why, sizeof(why),
		    "google jwks answered %ld without keys", f.status);
		goto out;
	}
	keys_clear();
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *k = json_object_array_get_idx(arr, i);
		const char *kty = zt_http_json_str(k, "kty");
		const char *use = zt_http_json_str(k, "use");
		const char *alg = zt_http_json_str(k, "alg");
		const char *kid = zt_http_json_str(k, "kid");
		char *pem;
		if (keys.n == MAX_KEYS || kty == NULL || strcmp(kty, "RSA") ||
		    (use != NULL && strcmp(use, "sig")) ||
		    (alg != NULL && strcmp(alg, "RS256")) || kid == NULL ||
		    *kid == '\0' || strlen(kid) > 128)
			continue;
		pem = zt_oidc_rsa_pem(
		    zt_http_json_str(k, "n"), zt_http_json_str(k, "e"));
		if (pem == NULL)
			continue;
		keys.k[keys.n].kid = zt_xstrdup(kid);
		keys.k[keys.n].pem = pem;
		keys.n++;
	}
	keys.until = cache_until(f.max_age);
	e = ZT_OK;
out:
	if (f.o != NULL)
		json_object_put(f.o);
	return e == ZT_OK ? ZT_OK : unavailable(req, why);
}

static const char *
key_pem(const char *kid)
{
	for (int i = 0; i < keys.n; i++)
		if (strcmp(keys.k[i].kid, kid) == 0)
			return keys.k[i].pem;
	return NULL;
}

/*
 * The PEM of kid: from the cache while fresh; an unknown kid refetches
 * the JWKS once (the provider rotated its keys), then is refused.
 */
static enum zt_err
find_key(struct zt_req *req, const char *kid, const char **pem)
{
	int fresh = 0;
	enum zt_err e;

	if (keys.until == 0 || time(NULL) >= keys.until) {
		if ((e = load_keys(req)) != ZT_OK)
			return e;
		fresh = 1;
	}
	if ((*pem = key_pem(kid)) == NULL && !fresh) {
		if ((e = load_keys(req)) != ZT_OK)
			return e;
		*pem = key_pem(kid);
	}
	if (*pem == NULL)
		return zt_fail(req, ZT_EUNAUTH, "id_token_kid",
		    "the ID token is signed with a key Google does not "
		    "publish");
	return ZT_OK;
}

/* ---- the ID token -------------------------------------------------------- */

struct claims {
	const char *sub, *email, *name; /* arena */
};

static enum zt_err
refuse(struct zt_req *req, const char *code, const char *msg)
{
	zt_log_info("oidc", "id token refused: %s", code);
	return zt_fail(req, ZT_EUNAUTH, code, "%s", msg);
}

/* The header's alg must be RS256 and a kid given; kid copied out. */
static enum zt_err
read_header(struct zt_req *req, const char *tok, char *kid, size_t kidlen)
{
	const char *dot = strchr(tok, '.');
	unsigned char buf[1024];
	size_t n = 0;
	struct json_object *h = NULL;
	const char *alg, *k;
	enum zt_err e;

	if (dot == NULL || strchr(dot + 1, '.') == NULL ||
	    sodium_base642bin(buf, sizeof(buf) - 1, tok, (size_t)(dot - tok),
		NULL, &n, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return refuse(
		    req, "id_token_invalid", "the ID token is malformed");
	buf[n] = '\0';
	h = json_tokener_parse((const char *)buf);
	alg = zt_http_json_str(h, "alg");
	k = zt_http_json_str(h, "kid");
	if (alg == NULL || strcmp(alg, "RS256") != 0)
		e = refuse(req, "id_token_alg",
		    "the ID token is not signed with RS256");
	else if (k == NULL || *k == '\0' || strlen(k) >= kidlen)
		e = refuse(req, "id_token_kid", "the ID token names no key");
	else {
		strcpy(kid, k);
		e = ZT_OK;
	}
	if (h != NULL)
		json_object_put(h);
	return e;
}

/* aud is our client id, or a list holding it with azp naming us. */
static int
audience_ok(struct json_object *c, const char *client)
{
	struct json_object *aud = NULL;
	const char *azp = zt_http_json_str(c, "azp");
	int found = 0;
	size_t n;

	if (!json_object_object_get_ex(c, "aud", &aud))
		return 0;
	if (json_object_is_type(aud, json_type_string))
		return strcmp(json_object_get_string(aud), client) == 0 &&
		       (azp == NULL || strcmp(azp, client) == 0);
	if (!json_object_is_type(aud, json_type_array))
		return 0;
	n = json_object_array_length(aud);
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(aud, i);
		if (json_object_is_type(v, json_type_string) &&
		    strcmp(json_object_get_string(v), client) == 0)
			found = 1;
	}
	if (!found)
		return 0;
	return n == 1 ? (azp == NULL || strcmp(azp, client) == 0)
		      : (azp != NULL && strcmp(azp, client) == 0);
}

/* Google's tokens may say "accounts.google.com" for its https issuer. */
static int
issuer_ok(const char *iss)
{
	const char *want = zt_g.cfg.google_issuer;
	if (iss == NULL)
		return 0;
	return strcmp(iss, want) == 0 ||
	       (strcmp(want, "https://accounts.google.com") == 0 &&
		   strcmp(iss, "accounts.google.com") == 0);
}

static int
int_claim(struct json_object *c, const char *key, long long *v)
{
	struct json_object *o = NULL;
	if (!json_object_object_get_ex(c, key, &o) ||
	    !json_object_is_type(o, json_type_int))
		return -1;
	*v = json_object_get_int64(o);
	return 0;
}

/* email_verified is true (Google once sent the string "true"). */
static int
verified(struct json_object *c)
{
	struct json_object *o = NULL;
	if (!json_object_object_get_ex(c, "email_verified", &o))
		return 0;
	if (json_object_is_type(o, json_type_boolean))
		return json_object_get_boolean(o);
	return json_object_is_type(o, json_type_string) &&
	       strcmp(json_object_get_string(o), "true") == 0;
}

static enum zt_err
check_claims(struct zt_req *req, struct json_object *c, const char *nonce,
    struct claims *out)
{
	long long exp, iat, now = (long long)time(NULL);
	const char *s, *sub, *email, *name;
	char norm[256];

	if (!issuer_ok(zt_http_json_str(c, "iss")))
		return refuse(req, "id_token_issuer",
		    "the ID token comes from another issuer");
	if (!audience_ok(c, zt_g.cfg.google_client_id))
		return refuse(req, "id_token_audience",
		    "the ID token was issued to another application");
	if (int_claim(c, "exp", &exp) != 0 || exp + LEEWAY <= now)
		return refuse(
		    req, "id_token_expired", "the ID token has expired");
	if (int_claim(c, "iat", &iat) != 0 || iat > now + LEEWAY)
		return refuse(req, "id_token_invalid",
		    "the ID token is issued in the future");
	s = zt_http_json_str(c, "nonce");
	if (s == NULL || !zt_ct_streq(s, nonce))
		return refuse(req, "id_token_nonce",
		    "the ID token belongs to another sign-in");
	if (!verified(c))
		return refuse(req, "email_unverified",
		    "Google has not verified this account's email address");
	sub = zt_http_json_str(c, "sub");
	email = zt_http_json_str(c, "email");
	if (sub == NULL || *sub == '\0' || strlen(sub) > 255 ||
	    zt_http_has_ctl(sub) || email == NULL ||
	    zt_ident_email(email, norm, sizeof(norm)) != 0)
		return refuse(req, "id_token_invalid",
		    "the ID token has no usable subject or email");
	name = zt_http_json_str(c, "name");
	if (name == NULL || strlen(name) > NAME_MAX_BYTES ||
	    !zt_utf8_valid(name, strlen(name)) || zt_http_has_ctl(name))
		name = "";
	out->sub = zt_arena_strdup(req->arena, sub);
	out->email = zt_arena_strdup(req->arena, norm);
	out->name = zt_arena_strdup(req->arena, name);
	return ZT_OK;
}

/*
 * Verify tok: RS256 only (the header is read before anything else, so a
 * token saying "none" or "HS256" never reaches libjwt, which would take
 * the PEM as an HMAC key), signed by a key of the provider's JWKS, then
 * the claims (libjwt 1.10 checks none of them).
 */
static enum zt_err
verify_id_token(
    struct zt_req *req, const char *tok, const char *nonce, struct claims *out)
{
	char kid[132], *grants = NULL;
	const char *pem = NULL;
	struct json_object *c = NULL;
	jwt_t *j = NULL;
	enum zt_err e;

	if (strlen(tok) > TOKEN_MAX)
		return refuse(
		    req, "id_token_invalid", "the ID token is too long");
	if ((e = read_header(req, tok, kid, sizeof(kid))) != ZT_OK ||
	    (e = find_key(req, kid, &pem)) != ZT_OK)
		return e;
	if (jwt_decode(&j, tok, (const unsigned char *)pem, (int)strlen(pem)) !=
		0 ||
	    j == NULL) {
		e = refuse(req, "id_token_signature",
		    "the ID token's signature does not verify");
		goto out;
	}
	if (jwt_get_alg(j) != JWT_ALG_RS256) {
		e = refuse(req, "id_token_alg",
		    "the ID token is not signed with RS256");
		goto out;
	}
	grants = jwt_get_grants_json(j, NULL);
	c = grants ? json_tokener_parse(grants) : NULL;
	if (c == NULL || !json_object_is_type(c, json_type_object)) {
		e = refuse(
		    req, "id_token_invalid", "the ID token is malformed");
		goto out;
	}
	e = check_claims(req, c, nonce, out);
out:
	if (c != NULL)
		json_object_put(c);
	free(grants);
	jwt_free(j);
	return e;
}

/* ---- the flow ------------------------------------------------------------ */

int
zt_oidc_enabled(void)
{
	return zt_g.cfg.google_client_id != NULL &&
	       *zt_g.cfg.google_client_id != '\0';
}

int
zt_oidc_next_ok(const char *next)
{
	size_t n;
	if (next == NULL || next[0] != '/' || next[1] == '/' || next[1] == '\\')
		return 0;
	n = strlen(next);
	if (n > ZT_OIDC_NEXT_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)next[i] <= 0x20 ||
		    (unsigned char)next[i] >= 0x7f || next[i] == '\\')
			return 0;
	return 1;
}

static enum zt_err
not_configured(struct zt_req *req)
{
	return zt_fail(req, ZT_ENOTFOUND, "google_not_configured",
	    "Sign in with Google is not configured here");
}

static int
secure_cookie(void)
{
	return zt_config_production(&zt_g.cfg) ||
	       strncmp(zt_g.cfg.public_url, "https://", 8) == 0;
}

/* The browser binding cookie (value NULL: cleared), arena. */
static const char *
state_cookie(struct zt_req *req, const char *value)
{
	return zt_arena_printf(req->arena,
	    "%s=%s; Path=/api/auth/google; Max-Age=%d; HttpOnly; "
	    "SameSite=Lax%s",
	    ZT_OIDC_COOKIE, value ? value : "", value ? ZT_OIDC_STATE_TTL : 0,
	    secure_cookie() ? "; Secure" : "");
}

static const char *
redirect_uri(struct zt_req *req)
{
	return zt_arena_printf(
	    req->arena, "%s/api/auth/google/callback", zt_g.cfg.public_url);
}

/* 32 random bytes, base64url (43 characters), arena. */
static const char *
random_b64(struct zt_req *req)
{
	unsigned char r[32];
	randombytes_buf(r, sizeof(r));
	return zt_b64url(req->arena, r, sizeof(r));
}

static void
add_param(struct zt_http_buf *b, const char *sep, const char *k, const char *v)
{
	zt_http_buf_adds(b, sep);
	zt_http_buf_adds(b, k);
	zt_http_buf_adds(b, "=");
	zt_http_buf_add_escaped(b, v);
}

enum zt_err
zt_oidc_start(struct zt_req *req, const char *next, const char *login_hint,
    struct zt_oidc_redirect *out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *state, *nonce, *verifier, *bind, *challenge, *argv[6];
	unsigned char h[crypto_hash_sha256_BYTES];
	struct json_object *rec;
	struct zt_http_buf url = {NULL, 0, 0};
	char ttl[16];
	redisReply *r;
	enum zt_err e;

	out->location = out->cookie = NULL;
	if (!zt_oidc_enabled())
		return not_configured(req);
	if (next == NULL || *next == '\0')
		next = "/";
	if (!zt_oidc_next_ok(next))
		return zt_fail(req, ZT_EBADREQ, "invalid_next",
		    "'next' must be a path on this site, like /tickets.html");
	if (login_hint != NULL &&
	    (strlen(login_hint) > 254 || zt_http_has_ctl(login_hint)))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'login_hint' must be an email address");
	if ((e = zt_rate_hit(req, "google-start", zt_rate_addr(req),
		 zt_g.cfg.otp_ip_max, zt_g.cfg.otp_window)) != ZT_OK ||
	    (e = discover(req)) != ZT_OK)
		return e;

	state = random_b64(req);
	nonce = random_b64(req);
	verifier = random_b64(req); /* RFC 7636: 43 characters */
	bind = random_b64(req);
	crypto_hash_sha256(
	    h, (const unsigned char *)verifier, strlen(verifier));
	challenge = zt_b64url(req->arena, h, sizeof(h));

	rec = zt_json_defer_put(req, json_object_new_object());
	json_object_object_add(rec, "b",
	    json_object_new_string(zt_rate_digest(req, "oidc-bind", bind)));
	json_object_object_add(rec, "v", json_object_new_string(verifier));
	json_object_object_add(rec, "n", json_object_new_string(nonce));
	json_object_object_add(rec, "x", json_object_new_string(next));
	argv[0] = "SET";
	argv[1] =
	    zt_keys_oidc(req->arena, zt_rate_digest(req, "oidc-state", state));
	argv[2] = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN);
	argv[3] = "EX";
	snprintf(ttl, sizeof(ttl), "%d", ZT_OIDC_STATE_TTL);
	argv[4] = ttl;
	argv[5] = "NX";
	if ((r = zt_redis_argv(zt_g.redis, req, &err, 6, argv, NULL)) == NULL)
		return zt_fail_error(req, &err);
	if (r->type != REDIS_REPLY_STATUS)
		return zt_fail(req, ZT_EUNAVAIL, "redis_unavailable",
		    "could not start the sign-in; try again");

	zt_http_buf_adds(&url, disc.authorize);
	add_param(&url, strchr(disc.authorize, '?') ? "&" : "?",
	    "response_type", "code");
	add_param(&url, "&", "client_id", zt_g.cfg.google_client_id);
	add_param(&url, "&", "redirect_uri", redirect_uri(req));
	add_param(&url, "&", "scope", "openid email profile");
	add_param(&url, "&", "state", state);
	add_param(&url, "&", "nonce", nonce);
	add_param(&url, "&", "code_challenge", challenge);
	add_param(&url, "&", "code_challenge_method", "S256");
	if (login_hint != NULL && *login_hint != '\0')
		add_param(&url, "&", "login_hint", login_hint);
	out->location = zt_arena_strdup(req->arena, url.p);
	zt_http_buf_free(&url);
	out->cookie = state_cookie(req, bind);
	return ZT_OK;
}

/* The sign-in state of `state` taken out of Redis (single use), or NULL. */
static struct json_object *
take_state(struct zt_req *req, const char *state, enum zt_err *e)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *argv[2];
	redisReply *r;
	struct json_object *o;

	*e = ZT_OK;
	argv[0] = "GETDEL";
	argv[1] =
	    zt_keys_oidc(req->arena, zt_rate_digest(req, "oidc-state", state));
	if ((r = zt_redis_argv(zt_g.redis, req, &err, 2, argv, NULL)) == NULL) {
		*e = zt_fail_error(req, &err);
		return NULL;
	}
	if (r->type != REDIS_REPLY_STRING)
		return NULL;
	o = zt_json_defer_put(req, json_tokener_parse(r->str));
	return o != NULL && json_object_is_type(o, json_type_object) ? o : NULL;
}

/* Exchange code at the token endpoint; *id_token (arena) on success. */
static enum zt_err
exchange(struct zt_req *req, const char *code, const char *verifier,
    const char **id_token)
{
	const struct zt_config *cfg = &zt_g.cfg;
	char why[CURL_ERROR_SIZE + 160], detail[128];
	struct zt_http_buf form = {NULL, 0, 0};
	struct fetched f = {NULL, 0, -1};
	const char *t;
	enum zt_err e;

	add_param(&form, "", "grant_type", "authorization_code");
	add_param(&form, "&", "code", code);
	add_param(&form, "&", "redirect_uri", redirect_uri(req));
	add_param(&form, "&", "client_id", cfg->google_client_id);
	add_param(&form, "&", "client_secret", cfg->google_client_secret);
	add_param(&form, "&", "code_verifier", verifier);
	if (fetch(disc.token, form.p, &f, why, sizeof(why)) != 0) {
		zt_http_redact(why, cfg->google_client_secret);
		e = unavailable(req, why);
	} else if (f.status != 200) {
		zt_http_json_copy(detail, sizeof(detail), f.o, "error");
		zt_http_redact(detail, cfg->google_client_secret);
		zt_log_info("oidc", "token endpoint answered %ld: %s", f.status,
		    detail);
		e = f.status >= 500 ? unavailable(req, "token endpoint failed")
				    : zt_fail(req, ZT_EUNAUTH, "code_rejected",
					  "Google refused the sign-in code "
					  "(%s); start again",
					  *detail ? detail : "no reason");
	} else if ((t = zt_http_json_str(f.o, "id_token")) == NULL) {
		e = refuse(req, "id_token_invalid",
		    "Google answered without an ID token");
	} else {
		*id_token = zt_arena_strdup(req->arena, t);
		e = ZT_OK;
	}
	sodium_memzero(form.p, form.len);
	zt_http_buf_free(&form);
	if (f.o != NULL)
		json_object_put(f.o);
	return e;
}

/*
 * The user of the Google subject; else the user of the email (found or
 * created) bound to the subject.  Opens the transaction zt_session_start
 * commits.
 */
static enum zt_err
find_user(struct zt_req *req, const struct claims *c, char user_id[ZT_UUID_BUF])
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[4] = {PROV, c->sub, c->email, NULL};
	PGresult *r;
	enum zt_err e;

	if ((e = zt_db_begin(req)) != ZT_OK)
		return e;
	if ((r = zt_db_try_exec(req, &err, &q_ident, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0) {
		if ((e = zt_session_user(req, "email", c->email, user_id)) !=
		    ZT_OK)
			return e;
		p[2] = user_id;
		p[3] = c->email;
		if ((r = zt_db_try_exec(req, &err, &q_ident_new, p)) == NULL)
			return zt_fail_error(req, &err);
	}
	snprintf(user_id, ZT_UUID_BUF, "%s", PQgetvalue(r, 0, 0));
	p[0] = user_id;
	p[1] = c->name;
	if (zt_db_try_exec(req, &err, &q_user_seen, p) == NULL)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

enum zt_err
zt_oidc_callback(struct zt_req *req, struct zt_oidc_done *out)
{
	const char *bind = zt_cookie(req, ZT_OIDC_COOKIE);
	const char *state = zt_query(req, "state"),
		   *code = zt_query(req, "code");
	const char *error = zt_query(req, "error"), *b, *v, *n, *x, *tok = NULL;
	char user_id[ZT_UUID_BUF], detail[64];
	struct json_object *rec;
	struct claims c = {NULL, NULL, NULL};
	enum zt_err e;

	out->next = NULL;
	out->clear_cookie = state_cookie(req, NULL);
	out->session.body = NULL;
	out->session.cookie = NULL;
	if (!zt_oidc_enabled())
		return not_configured(req);
	if ((e = zt_rate_hit(req, "google-callback", zt_rate_addr(req),
		 zt_g.cfg.otp_ip_max, zt_g.cfg.otp_window)) != ZT_OK)
		return e;
	if (bind == NULL || *bind == '\0')
		return zt_fail(req, ZT_EBADREQ, "missing_state_cookie",
		    "this sign-in did not start in this browser, or took too "
		    "long; start again");
	if (state == NULL || *state == '\0' || strlen(state) > 128)
		return zt_fail(req, ZT_EBADREQ, "invalid_state",
		    "this sign-in is unknown, used or expired; start again");
	if ((rec = take_state(req, state, &e)) == NULL)
		return e != ZT_OK ? e
				  : zt_fail(req, ZT_EBADREQ, "invalid_state",
					"this sign-in is unknown, used or "
					"expired; start again");
	b = zt_http_json_str(rec, "b");
	v = zt_http_json_str(rec, "v");
	n = zt_http_json_str(rec, "n");
	x = zt_http_json_str(rec, "x");
	if (b == NULL || v == NULL || n == NULL || x == NULL ||
	    !zt_ct_streq(zt_rate_digest(req, "oidc-bind", bind), b))
		return zt_fail(req, ZT_EBADREQ, "invalid_state",
		    "this sign-in started in another browser; start again");
	if (error != NULL) {
		zt_http_clean_copy(detail, sizeof(detail), error);
		return zt_fail(req, ZT_EUNAUTH, "google_refused",
		    "Google did not sign you in (%s)", detail);
	}
	if (code == NULL || *code == '\0' || strlen(code) > 2048 ||
	    zt_http_has_ctl(code))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "query parameter 'code' is missing or malformed");
	if ((e = discover(req)) != ZT_OK ||
	    (e = exchange(req, code, v, &tok)) != ZT_OK ||
	    (e = verify_id_token(req, tok, n, &c)) != ZT_OK ||
	    (e = find_user(req, &c, user_id)) != ZT_OK ||
	    (e = zt_session_start(req, user_id, &out->session)) != ZT_OK)
		return e;
	out->next = zt_arena_strdup(req->arena, x);
	return ZT_OK;
}

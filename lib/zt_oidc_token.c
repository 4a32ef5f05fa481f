/*
 * zt_oidc_token.c - Sign in with Google's ID token: the provider's signing
 * keys (JWKS, cached; JWK to PEM) and the token's verification.  See
 * zt_oidc.h; the flow is zt_oidc.c.
 */
#include "zt_config.h"
#include "zt_crypto.h"
#include "zt_http.h"
#include "zt_ident.h"
#include "zt_log.h"
#include "zt_oidc.h"
#include "zt_oidc_int.h"
#include "zt_server.h"

#include <jwt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LEEWAY 30 /* seconds of clock skew on exp and iat */
#define MAX_KEYS 16
#define TOKEN_MAX 8192 /* bytes of an ID token */
#define NAME_MAX_BYTES 200

struct jwk {
	char *kid;
	char *pem;
};

/* the provider's keys, cached per process */
static struct {
	struct jwk k[MAX_KEYS];
	int n;
	time_t until; /* 0: never loaded */
} keys;

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
load_keys(struct zt_req *req, const char *jwks_uri)
{
	char why[CURL_ERROR_SIZE + 160];
	struct zt__oidc_fetched f = {NULL, 0, -1};
	struct json_object *arr = NULL;
	enum zt_err e = ZT_EUPSTREAM;

	if (zt__oidc_fetch(jwks_uri, NULL, &f, why, sizeof(why)) != 0)
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
	keys.until = zt__oidc_cache_until(f.max_age);
	e = ZT_OK;
out:
	if (f.o != NULL)
		json_object_put(f.o);
	return e == ZT_OK ? ZT_OK : zt__oidc_unavailable(req, why);
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
find_key(
    struct zt_req *req, const char *jwks_uri, const char *kid, const char **pem)
{
	int fresh = 0;
	enum zt_err e;

	if (keys.until == 0 || time(NULL) >= keys.until) {
		if ((e = load_keys(req, jwks_uri)) != ZT_OK)
			return e;
		fresh = 1;
	}
	if ((*pem = key_pem(kid)) == NULL && !fresh) {
		if ((e = load_keys(req, jwks_uri)) != ZT_OK)
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
    struct zt__oidc_claims *out)
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
enum zt_err
zt__oidc_verify(struct zt_req *req, const char *jwks_uri, const char *tok,
    const char *nonce, struct zt__oidc_claims *out)
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
	    (e = find_key(req, jwks_uri, kid, &pem)) != ZT_OK)
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

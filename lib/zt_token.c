/* zt_token.c - HS256 access tokens; see zt_token.h. */
#include "zt_token.h"
#include "zt_json.h"
#include "zt_uuid.h"

#include <errno.h>
#include <jwt.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define LEEWAY 30 /* seconds of clock skew tolerated on iat/nbf */

char *
zt_token_issue(const struct zt_config *cfg, struct zt_arena *a, const char *aud,
    const char *sub, const char *tid, const char *role, long now, int ttl)
{
	return zt_token_issue_sid(cfg, a, aud, sub, tid, role, NULL, now, ttl);
}

char *
zt_token_issue_sid(const struct zt_config *cfg, struct zt_arena *a,
    const char *aud, const char *sub, const char *tid, const char *role,
    const char *sid, long now, int ttl)
{
	const struct zt_jwt_key *k = zt_config_jwt_key(cfg, cfg->jwt_kid);
	jwt_t *j = NULL;
	char *enc = NULL, *out = NULL;

	if (k == NULL || jwt_new(&j) != 0)
		goto out;
	if (jwt_set_alg(j, JWT_ALG_HS256, k->key, (int)k->len) != 0 ||
	    jwt_add_header(j, "kid", k->kid) != 0 ||
	    jwt_add_grant(j, "iss", ZT_TOKEN_ISS) != 0 ||
	    jwt_add_grant(j, "aud", aud) != 0 ||
	    jwt_add_grant(j, "sub", sub) != 0 ||
	    jwt_add_grant_int(j, "iat", now) != 0 ||
	    jwt_add_grant_int(j, "exp", now + ttl) != 0)
		goto out;
	if (tid != NULL && *tid != '\0' && jwt_add_grant(j, "tid", tid) != 0)
		goto out;
	if (role != NULL && *role != '\0' &&
	    jwt_add_grant(j, "role", role) != 0)
		goto out;
	if (sid != NULL && *sid != '\0' && jwt_add_grant(j, "sid", sid) != 0)
		goto out;
	enc = jwt_encode_str(j);
	if (enc != NULL)
		out = zt_arena_strdup(a, enc);
out:
	free(enc);
	jwt_free(j);
	return out;
}

/* Read the header's alg and kid without trusting anything else. */
static int
read_header(const char *token, char *kid, size_t kidlen)
{
	const char *dot = strchr(token, '.');
	unsigned char buf[512];
	size_t n = 0;
	struct json_object *h = NULL, *v;
	int rc = -1;

	if (dot == NULL || (size_t)(dot - token) > 600)
		return -1;
	if (sodium_base642bin(buf, sizeof(buf) - 1, token,
		(size_t)(dot - token), NULL, &n, NULL,
		sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return -1;
	buf[n] = '\0';
	h = json_tokener_parse((const char *)buf);
	if (h == NULL || !json_object_is_type(h, json_type_object))
		goto out;
	if (!json_object_object_get_ex(h, "alg", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "HS256") != 0)
		goto out;
	if (!json_object_object_get_ex(h, "kid", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    (size_t)json_object_get_string_len(v) >= kidlen)
		goto out;
	strcpy(kid, json_object_get_string(v));
	rc = 0;
out:
	if (h != NULL)
		json_object_put(h);
	return rc;
}

/* Copy a string claim of at most len - 1 bytes ("" when absent and not
 * required). */
static int
copy_claim(struct json_object *p, const char *name, char *dst, size_t len,
    int required)
{
	struct json_object *v;
	dst[0] = '\0';
	if (!json_object_object_get_ex(p, name, &v))
		return required ? -1 : 0;
	if (!json_object_is_type(v, json_type_string) ||
	    (size_t)json_object_get_string_len(v) >= len)
		return -1;
	strcpy(dst, json_object_get_string(v));
	return 0;
}

/* An integer claim; -1 when absent or not an integer. */
static int
int_claim(struct json_object *p, const char *name, long *out)
{
	struct json_object *v;
	if (!json_object_object_get_ex(p, name, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	*out = (long)json_object_get_int64(v);
	return 0;
}

/* Is sig (base64url, no padding) the HMAC-SHA-256 of signed[0..n) under
 * k? libsodium's HMAC and a constant-time compare: libjwt (OpenSSL's EVP
 * and a second parse of the whole token) is kept for issuing only. */
static int
signature_ok(const struct zt_jwt_key *k, const char *signed_part, size_t n,
    const char *sig)
{
	crypto_auth_hmacsha256_state st;
	unsigned char want[crypto_auth_hmacsha256_BYTES];
	unsigned char got[crypto_auth_hmacsha256_BYTES + 1];
	size_t glen = 0;
	const char *end;
	int ok;

	if (sodium_base642bin(got, sizeof(got), sig, strlen(sig), NULL, &glen,
		&end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    *end != '\0' || glen != sizeof(want))
		return 0;
	crypto_auth_hmacsha256_init(&st, k->key, k->len);
	crypto_auth_hmacsha256_update(
	    &st, (const unsigned char *)signed_part, n);
	crypto_auth_hmacsha256_final(&st, want);
	ok = sodium_memcmp(want, got, sizeof(want)) == 0;
	sodium_memzero(&st, sizeof(st));
	return ok;
}

int
zt_token_verify(const struct zt_config *cfg, const char *aud, const char *token,
    long now, struct zt_claims *out, const char **why)
{
	char kid[32], iss[16], taud[16];
	unsigned char buf[1600];
	const struct zt_jwt_key *k;
	const char *d1, *d2, *end;
	struct json_object *p = NULL;
	size_t n = 0;
	long nbf;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	*why = "malformed token";
	if (token == NULL || strlen(token) > 2048)
		return -1;
	if ((d1 = strchr(token, '.')) == NULL ||
	    (d2 = strchr(d1 + 1, '.')) == NULL || strchr(d2 + 1, '.') != NULL)
		return -1;
	if (read_header(token, kid, sizeof(kid)) != 0) {
		*why = "header is not HS256 with a kid";
		return -1;
	}
	if ((k = zt_config_jwt_key(cfg, kid)) == NULL) {
		*why = "unknown kid";
		return -1;
	}
	if (!signature_ok(k, token, (size_t)(d2 - token), d2 + 1)) {
		*why = "bad signature";
		return -1;
	}
	if (sodium_base642bin(buf, sizeof(buf) - 1, d1 + 1,
		(size_t)(d2 - d1 - 1), NULL, &n, &end,
		sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    end != d2)
		return -1;
	buf[n] = '\0';
	p = json_tokener_parse((const char *)buf);
	if (p == NULL || !json_object_is_type(p, json_type_object))
		goto out;
	if (copy_claim(p, "iss", iss, sizeof(iss), 1) != 0 ||
	    strcmp(iss, ZT_TOKEN_ISS) != 0) {
		*why = "wrong issuer";
		goto out;
	}
	if (copy_claim(p, "aud", taud, sizeof(taud), 1) != 0 ||
	    strcmp(taud, aud) != 0) {
		*why = "wrong audience";
		goto out;
	}
	if (int_claim(p, "exp", &out->exp) != 0 || out->exp <= now) {
		*why = "expired";
		goto out;
	}
	if (int_claim(p, "iat", &out->iat) != 0 || out->iat > now + LEEWAY) {
		*why = "issued in the future";
		goto out;
	}
	if (int_claim(p, "nbf", &nbf) == 0 && nbf > now + LEEWAY) {
		*why = "not yet valid";
		goto out;
	}
	if (copy_claim(p, "sub", out->sub, sizeof(out->sub), 1) != 0 ||
	    !zt_is_uuid(out->sub) ||
	    copy_claim(p, "tid", out->tid, sizeof(out->tid), 0) != 0 ||
	    (out->tid[0] && !zt_is_uuid(out->tid)) ||
	    copy_claim(p, "role", out->role, sizeof(out->role), 0) != 0 ||
	    copy_claim(p, "sid", out->sid, sizeof(out->sid), 0) != 0 ||
	    (out->sid[0] && !zt_is_uuid(out->sid))) {
		*why = "bad claims";
		goto out;
	}
	snprintf(out->aud, sizeof(out->aud), "%s", aud);
	rc = 0;
out:
	if (p != NULL)
		json_object_put(p);
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

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

static int
copy_grant(jwt_t *j, const char *name, char *dst, size_t len, int required)
{
	const char *v = jwt_get_grant(j, name);
	dst[0] = '\0';
	if (v == NULL)
		return required ? -1 : 0;
	if (strlen(v) >= len)
		return -1;
	strcpy(dst, v);
	return 0;
}

int
zt_token_verify(const struct zt_config *cfg, const char *aud, const char *token,
    long now, struct zt_claims *out, const char **why)
{
	char kid[32];
	const struct zt_jwt_key *k;
	jwt_t *j = NULL;
	const char *s;
	long nbf;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	*why = "malformed token";
	if (token == NULL || strlen(token) > 2048)
		return -1;
	if (read_header(token, kid, sizeof(kid)) != 0) {
		*why = "header is not HS256 with a kid";
		return -1;
	}
	if ((k = zt_config_jwt_key(cfg, kid)) == NULL) {
		*why = "unknown kid";
		return -1;
	}
	if (jwt_decode(&j, token, k->key, (int)k->len) != 0 || j == NULL) {
		*why = "bad signature";
		goto out;
	}
	if (jwt_get_alg(j) != JWT_ALG_HS256) {
		*why = "algorithm is not HS256";
		goto out;
	}
	s = jwt_get_grant(j, "iss");
	if (s == NULL || strcmp(s, ZT_TOKEN_ISS) != 0) {
		*why = "wrong issuer";
		goto out;
	}
	s = jwt_get_grant(j, "aud");
	if (s == NULL || strcmp(s, aud) != 0) {
		*why = "wrong audience";
		goto out;
	}
	errno = 0;
	out->exp = jwt_get_grant_int(j, "exp");
	if (errno != 0 || out->exp <= now) {
		*why = "expired";
		goto out;
	}
	errno = 0;
	out->iat = jwt_get_grant_int(j, "iat");
	if (errno != 0 || out->iat > now + LEEWAY) {
		*why = "issued in the future";
		goto out;
	}
	errno = 0;
	nbf = jwt_get_grant_int(j, "nbf");
	if (errno == 0 && nbf > now + LEEWAY) {
		*why = "not yet valid";
		goto out;
	}
	if (copy_grant(j, "sub", out->sub, sizeof(out->sub), 1) != 0 ||
	    !zt_is_uuid(out->sub) ||
	    copy_grant(j, "tid", out->tid, sizeof(out->tid), 0) != 0 ||
	    (out->tid[0] && !zt_is_uuid(out->tid)) ||
	    copy_grant(j, "role", out->role, sizeof(out->role), 0) != 0 ||
	    copy_grant(j, "sid", out->sid, sizeof(out->sid), 0) != 0 ||
	    (out->sid[0] && !zt_is_uuid(out->sid))) {
		*why = "bad claims";
		goto out;
	}
	snprintf(out->aud, sizeof(out->aud), "%s", aud);
	rc = 0;
out:
	jwt_free(j);
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* zt_ticket.c - signed ticket payloads and the tenants' keys; see
 * zt_ticket.h and docs/tickets.md. */
#include "zt_ticket.h"
#include "zt_crypto.h"
#include "zt_db.h"
#include "zt_req.h"
#include "zt_server.h"
#include "zt_team.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char PREFIX[] = "ZT1.";
#define PREFIX_LEN 4
/* what is signed: "ZT1." and the body's base64url */
#define SIGNED_LEN (PREFIX_LEN + ZT_TICKET_BODY_B64)

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int
in_range(const struct zt_ticket *t)
{
	return t->kid != 0 && t->valid_until > t->valid_from;
}

int
zt_ticket_encode(const struct zt_ticket *t, const struct zt_ticket_signer *s,
    char out[ZT_TICKET_PAYLOAD_LEN + 1])
{
	unsigned char body[ZT_TICKET_BODY_LEN], sig[ZT_TICKET_SIG_LEN];
	if (!in_range(t) || t->kid != s->kid)
		return -1;
	memcpy(body, t->ticket, 16);
	memcpy(body + 16, t->event, 16);
	put32(body + 32, t->valid_from);
	put32(body + 36, t->valid_until);
	put32(body + 40, t->kid);
	memcpy(out, PREFIX, PREFIX_LEN);
	sodium_bin2base64(out + PREFIX_LEN, ZT_TICKET_BODY_B64 + 1, body,
	    sizeof(body), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	crypto_sign_detached(
	    sig, NULL, (const unsigned char *)out, SIGNED_LEN, s->sk);
	out[SIGNED_LEN] = '.';
	sodium_bin2base64(out + SIGNED_LEN + 1, ZT_TICKET_SIG_B64 + 1, sig,
	    sizeof(sig), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

/* Exactly n bytes from the len base64url characters at p (canonical: no
 * padding, no other character, unused bits zero). */
static int
b64_exact(const char *p, size_t len, unsigned char *out, size_t n)
{
	size_t got = 0;
	const char *end = NULL;
	for (size_t i = 0; i < len; i++) {
		char c = p[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			(c >= '0' && c <= '9') || c == '-' || c == '_'))
			return -1;
	}
	if (sodium_base642bin(out, n, p, len, NULL, &got, &end,
		sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return -1;
	return got == n && end == p + len ? 0 : -1;
}

int
zt_ticket_parse(const char *p, size_t len, struct zt_ticket *t,
    unsigned char sig[ZT_TICKET_SIG_LEN])
{
	unsigned char body[ZT_TICKET_BODY_LEN];
	if (p == NULL || len != ZT_TICKET_PAYLOAD_LEN ||
	    memcmp(p, PREFIX, PREFIX_LEN) != 0 || p[SIGNED_LEN] != '.' ||
	    b64_exact(p + PREFIX_LEN, ZT_TICKET_BODY_B64, body, sizeof(body)) !=
		0 ||
	    b64_exact(p + SIGNED_LEN + 1, ZT_TICKET_SIG_B64, sig,
		ZT_TICKET_SIG_LEN) != 0)
		return -1;
	memcpy(t->ticket, body, 16);
	memcpy(t->event, body + 16, 16);
	t->valid_from = get32(body + 32);
	t->valid_until = get32(body + 36);
	t->kid = get32(body + 40);
	return in_range(t) ? 0 : -1;
}

enum zt_ticket_check
zt_ticket_verify(const char *p, size_t len, const struct zt_ticket_pubkey *keys,
    size_t n, struct zt_ticket *out)
{
	struct zt_ticket t;
	unsigned char sig[ZT_TICKET_SIG_LEN];
	const struct zt_ticket_pubkey *k = NULL;
	if (zt_ticket_parse(p, len, &t, sig) != 0)
		return ZT_TICKET_MALFORMED;
	if (out != NULL)
		*out = t;
	for (size_t i = 0; i < n && k == NULL; i++)
		if (keys[i].kid == t.kid)
			k = &keys[i];
	if (k == NULL)
		return ZT_TICKET_UNKNOWN_KID;
	if (k->status == ZT_TICKET_KEY_REVOKED)
		return ZT_TICKET_REVOKED;
	if (crypto_sign_verify_detached(
		sig, (const unsigned char *)p, SIGNED_LEN, k->pk) != 0)
		return ZT_TICKET_FORGED;
	return ZT_TICKET_VALID;
}

void
zt_ticket_keygen(
    uint32_t *kid, unsigned char pk[32], unsigned char seed[ZT_TICKET_SEED_LEN])
{
	unsigned char sk[64];
	do
		*kid = randombytes_random();
	while (*kid == 0);
	randombytes_buf(seed, ZT_TICKET_SEED_LEN);
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(sk, sizeof(sk));
}

/* "ztic ticket key <tenant> <kid>": what a box is bound to */
static size_t
box_ad(char *ad, size_t len, const char *tenant, uint32_t kid)
{
	int n = snprintf(ad, len, "ztic ticket key %s %u", tenant, kid);
	return n < 0 ? 0 : (size_t)n >= len ? len - 1 : (size_t)n;
}

void
zt_ticket_seal(const unsigned char master[32], const char *tenant, uint32_t kid,
    const unsigned char seed[ZT_TICKET_SEED_LEN],
    unsigned char box[ZT_TICKET_BOX_LEN])
{
	char ad[96];
	size_t adlen = box_ad(ad, sizeof(ad), tenant, kid);
	unsigned char *nonce = box;
	randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(
	    box + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, NULL, seed,
	    ZT_TICKET_SEED_LEN, (const unsigned char *)ad, adlen, NULL, nonce,
	    master);
}

int
zt_ticket_open(const unsigned char master[32], const char *tenant, uint32_t kid,
    const unsigned char box[ZT_TICKET_BOX_LEN],
    unsigned char seed[ZT_TICKET_SEED_LEN])
{
	char ad[96];
	size_t adlen = box_ad(ad, sizeof(ad), tenant, kid);
	return crypto_aead_xchacha20poly1305_ietf_decrypt(seed, NULL, NULL,
		   box + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
		   ZT_TICKET_BOX_LEN -
		       crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
		   (const unsigned char *)ad, adlen, box, master) == 0
		   ? 0
		   : -1;
}

int
zt_ticket_uuid_bytes(const char *s, unsigned char out[16])
{
	size_t got = 0;
	const char *end = NULL;
	if (s == NULL || strlen(s) != 36)
		return -1;
	for (int i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash != (s[i] == '-'))
			return -1;
	}
	if (sodium_hex2bin(out, 16, s, 36, "-", &got, &end) != 0 || got != 16 ||
	    end != s + 36)
		return -1;
	return 0;
}

/* ------------------------------------------------ with the database ---- */

static struct zt_sql q_signing = ZT_SQL(
    "tk_signing", "SELECT kid, secret_box FROM zt_ticket_signing_key($1)", 1);
static struct zt_sql q_insert = ZT_SQL("tk_insert",
    "INSERT INTO ticket_keys (tenant_id, kid, public_key, secret_box)"
    " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    4);
static struct zt_sql q_list = ZT_SQL("tk_list",
    "SELECT kid, public_key, status, to_char(created_at AT TIME ZONE 'UTC',"
    " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    " FROM ticket_keys WHERE tenant_id = $1 ORDER BY created_at, kid",
    1);
static struct zt_sql q_retire = ZT_SQL("tk_retire",
    "UPDATE ticket_keys SET status = 'retired', retired_at = now()"
    " WHERE tenant_id = $1 AND status = 'active'",
    1);
static struct zt_sql q_revoke = ZT_SQL("tk_revoke",
    "UPDATE ticket_keys SET status = 'revoked', revoked_at = now()"
    " WHERE tenant_id = $1 AND kid = $2 AND status <> 'revoked'"
    " RETURNING kid",
    2);
static struct zt_sql q_exists = ZT_SQL("tk_exists",
    "SELECT status FROM ticket_keys WHERE tenant_id = $1 AND kid = $2", 2);

/* bytea text output "\x…" of exactly n bytes; 0 or -1 */
static int
bytea_exact(const char *v, unsigned char *out, size_t n)
{
	size_t got = 0;
	if (v == NULL || v[0] != '\\' || v[1] != 'x' || strlen(v) != 2 + 2 * n)
		return -1;
	return sodium_hex2bin(out, n, v + 2, 2 * n, NULL, &got, NULL) == 0 &&
		       got == n
		   ? 0
		   : -1;
}

static const char *
bytea_param(struct zt_req *req, const unsigned char *p, size_t n)
{
	return zt_arena_printf(req->arena, "\\x%s", zt_hex(req->arena, p, n));
}

/* Insert a new active key for tenant (nothing when one exists). */
static enum zt_err
make_key(struct zt_req *req, const char *tenant)
{
	uint32_t kid;
	unsigned char pk[32], seed[ZT_TICKET_SEED_LEN], box[ZT_TICKET_BOX_LEN];
	const char *p[4];
	zt_ticket_keygen(&kid, pk, seed);
	zt_ticket_seal(zt_g.cfg.ticket_master_key, tenant, kid, seed, box);
	sodium_memzero(seed, sizeof(seed));
	p[0] = tenant;
	p[1] = zt_arena_printf(req->arena, "%u", kid);
	p[2] = bytea_param(req, pk, sizeof(pk));
	p[3] = bytea_param(req, box, sizeof(box));
	return zt_db_exec(req, &q_insert, p) == NULL ? req->err : ZT_OK;
}

enum zt_err
zt_ticket_signer(
    struct zt_req *req, const char *tenant, struct zt_ticket_signer *s)
{
	const char *p[1] = {tenant};
	unsigned char box[ZT_TICKET_BOX_LEN], seed[ZT_TICKET_SEED_LEN], pk[32];
	PGresult *r;
	enum zt_err e;
	if (sodium_is_zero(zt_g.cfg.ticket_master_key, 32))
		return zt_fail(req, ZT_EINTERNAL, "internal",
		    "ZT_TICKET_MASTER_KEY is not set for this program");
	if ((r = zt_db_exec(req, &q_signing, p)) == NULL)
		return req->err;
	if (PQntuples(r) == 0) {
		/* the tenant's first ticket signed: its first key */
		if ((e = make_key(req, tenant)) != ZT_OK)
			return e;
		if ((r = zt_db_exec(req, &q_signing, p)) == NULL)
			return req->err;
		if (PQntuples(r) == 0)
			return zt_fail(req, ZT_EINTERNAL, "internal",
			    "no ticket signing key in this scope");
	}
	s->kid = (uint32_t)strtoul(PQgetvalue(r, 0, 0), NULL, 10);
	if (bytea_exact(PQgetvalue(r, 0, 1), box, sizeof(box)) != 0 ||
	    zt_ticket_open(
		zt_g.cfg.ticket_master_key, tenant, s->kid, box, seed) != 0)
		return zt_fail(req, ZT_EINTERNAL, "internal",
		    "a ticket signing key does not open with "
		    "ZT_TICKET_MASTER_KEY");
	crypto_sign_seed_keypair(pk, s->sk, seed);
	sodium_memzero(seed, sizeof(seed));
	return ZT_OK;
}

const char *
zt_ticket_qr(struct zt_req *req, const struct zt_ticket_signer *s,
    const char *ticket, const char *event, int64_t from, int64_t until)
{
	struct zt_ticket t;
	char *out = zt_arena_alloc(req->arena, ZT_TICKET_PAYLOAD_LEN + 1);
	if (zt_ticket_uuid_bytes(ticket, t.ticket) != 0 ||
	    zt_ticket_uuid_bytes(event, t.event) != 0 || from < 0 ||
	    until > UINT32_MAX || from >= until)
		return NULL;
	t.valid_from = (uint32_t)from;
	t.valid_until = (uint32_t)until;
	t.kid = s->kid;
	return zt_ticket_encode(&t, s, out) == 0 ? out : NULL;
}

/* {keys: [{kid, publicKey, status, createdAt}]} of the open scope */
static enum zt_err
list_json(struct zt_req *req, struct json_object **out)
{
	const char *p[1] = {req->tenant_id};
	unsigned char pk[32];
	PGresult *r;
	struct json_object *keys;
	if ((r = zt_db_exec(req, &q_list, p)) == NULL)
		return req->err;
	keys = json_object_new_array();
	for (int i = 0; i < PQntuples(r); i++) {
		struct json_object *k = json_object_new_object();
		if (bytea_exact(PQgetvalue(r, i, 1), pk, sizeof(pk)) != 0)
			memset(pk, 0, sizeof(pk));
		json_object_object_add(k, "kid",
		    json_object_new_int64(atoll(PQgetvalue(r, i, 0))));
		json_object_object_add(k, "publicKey",
		    json_object_new_string(zt_b64url(req->arena, pk, 32)));
		json_object_object_add(
		    k, "status", json_object_new_string(PQgetvalue(r, i, 2)));
		json_object_object_add(k, "createdAt",
		    json_object_new_string(PQgetvalue(r, i, 3)));
		json_object_array_add(keys, k);
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "keys", keys);
	return ZT_OK;
}

enum zt_err
zt_ticket_keys_list(struct zt_req *req, struct json_object **out)
{
	enum zt_err e;
	*out = NULL;
	if ((e = zt_team_begin(req, ZT_ROLE_SCANNER, NULL)) != ZT_OK)
		return e;
	if ((e = list_json(req, out)) != ZT_OK)
		return e;
	zt_db_rollback();
	return ZT_OK;
}

enum zt_err
zt_ticket_keys_rotate(struct zt_req *req, struct json_object **out)
{
	const char *p[1] = {req->tenant_id};
	enum zt_err e;
	*out = NULL;
	if (sodium_is_zero(zt_g.cfg.ticket_master_key, 32))
		return zt_fail(req, ZT_EINTERNAL, "internal",
		    "ZT_TICKET_MASTER_KEY is not set for this program");
	if ((e = zt_team_begin(req, ZT_ROLE_OWNER, NULL)) != ZT_OK)
		return e;
	if (zt_db_exec(req, &q_retire, p) == NULL)
		return req->err;
	if ((e = make_key(req, req->tenant_id)) != ZT_OK ||
	    (e = list_json(req, out)) != ZT_OK ||
	    (e = zt_db_commit(req)) != ZT_OK) {
		if (*out != NULL)
			json_object_put(*out);
		*out = NULL;
		return e;
	}
	return ZT_OK;
}

enum zt_err
zt_ticket_keys_revoke(
    struct zt_req *req, const char *kid, struct json_object **out)
{
	const char *p[2] = {req->tenant_id, kid};
	char *end = NULL;
	unsigned long long v;
	PGresult *r;
	enum zt_err e;
	*out = NULL;
	v = kid != NULL && *kid >= '1' && *kid <= '9' ? strtoull(kid, &end, 10)
						      : 0;
	if (v == 0 || v > UINT32_MAX || end == NULL || *end != '\0' ||
	    strlen(kid) > 10)
		return zt_fail(req, ZT_ENOTFOUND, "not_found", "no such key");
	if ((e = zt_team_begin(req, ZT_ROLE_OWNER, NULL)) != ZT_OK)
		return e;
	if ((r = zt_db_exec(req, &q_exists, p)) == NULL)
		return req->err;
	if (PQntuples(r) == 0) {
		zt_db_rollback();
		return zt_fail(req, ZT_ENOTFOUND, "not_found", "no such key");
	}
	if (zt_db_exec(req, &q_revoke, p) == NULL)
		return req->err;
	if ((e = list_json(req, out)) != ZT_OK ||
	    (e = zt_db_commit(req)) != ZT_OK) {
		if (*out != NULL)
			json_object_put(*out);
		*out = NULL;
		return e;
	}
	return ZT_OK;
}

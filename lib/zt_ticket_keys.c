/* zt_ticket_keys.c - the tenants' ticket signing keys in the database:
 * the signer (its first key made lazily), the payload of a ticket, and the
 * key routes.  See zt_ticket.h and docs/tickets.md. */
#include "zt_crypto.h"
#include "zt_db.h"
#include "zt_json.h"
#include "zt_req.h"
#include "zt_server.h"
#include "zt_team.h"
#include "zt_ticket.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct zt_sql q_signing = ZT_SQL(
    "tk_signing", "SELECT kid, secret_box FROM zt_ticket_signing_key($1)", 1);
/* the key of a booking's tenant, read ahead with the booking's reads */
static struct zt_sql q_signing_of = ZT_SQL("tk_signing_of",
    "SELECT kid, secret_box FROM zt_ticket_signing_key("
    "(SELECT b.tenant_id FROM bookings b WHERE b.id = $1))",
    1);
static struct zt_sql q_insert = ZT_SQL("tk_insert",
    "INSERT INTO ticket_keys (tenant_id, kid, public_key, secret_box)"
    " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    4);
static struct zt_sql q_list = ZT_SQL("tk_list",
    "SELECT kid, public_key, status, extract(epoch FROM created_at)::bigint"
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
	struct zt_error err = ZT_ERROR_INIT;
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
	if (zt_db_exec(req, &err, &q_insert, p) == NULL)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

enum zt_err
zt_ticket_signer_queue(
    struct zt_req *req, const char *tenant, const char *booking, PGresult **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {tenant != NULL ? tenant : booking};
	if (zt_db_queue(req, &err, tenant != NULL ? &q_signing : &q_signing_of,
		p, out) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

enum zt_err
zt_ticket_signer(
    struct zt_req *req, const char *tenant, struct zt_ticket_signer *s)
{
	return zt_ticket_signer_from(req, tenant, NULL, s);
}

enum zt_err
zt_ticket_signer_from(struct zt_req *req, const char *tenant,
    const PGresult *ahead, struct zt_ticket_signer *s)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {tenant};
	unsigned char box[ZT_TICKET_BOX_LEN], seed[ZT_TICKET_SEED_LEN], pk[32];
	const PGresult *r = ahead;
	enum zt_err e;
	if (sodium_is_zero(zt_g.cfg.ticket_master_key, 32))
		return zt_fail(req, ZT_EINTERNAL, "internal",
		    "ZT_TICKET_MASTER_KEY is not set for this program");
	if ((r == NULL || PQntuples(r) == 0) &&
	    (r = zt_db_exec(req, &err, &q_signing, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0) {
		/* the tenant's first ticket signed: its first key */
		if ((e = make_key(req, tenant)) != ZT_OK)
			return e;
		if ((r = zt_db_exec(req, &err, &q_signing, p)) == NULL)
			return zt_fail_error(req, &err);
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
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {req->tenant_id};
	unsigned char pk[32];
	PGresult *r;
	struct json_object *keys;
	if ((r = zt_db_exec(req, &err, &q_list, p)) == NULL)
		return zt_fail_error(req, &err);
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
		json_object_object_add(
		    k, "createdAt", zt_json_epoch(PQgetvalue(r, i, 3)));
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
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {req->tenant_id};
	enum zt_err e;
	*out = NULL;
	if (sodium_is_zero(zt_g.cfg.ticket_master_key, 32))
		return zt_fail(req, ZT_EINTERNAL, "internal",
		    "ZT_TICKET_MASTER_KEY is not set for this program");
	if ((e = zt_team_begin(req, ZT_ROLE_OWNER, NULL)) != ZT_OK)
		return e;
	if (zt_db_exec(req, &err, &q_retire, p) == NULL)
		return zt_fail_error(req, &err);
	if ((e = make_key(req, req->tenant_id)) == ZT_OK &&
	    (e = list_json(req, out)) == ZT_OK &&
	    zt_db_commit(req, &err) != ZT_OK)
		e = zt_fail_error(req, &err);
	if (e != ZT_OK) {
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
	struct zt_error err = ZT_ERROR_INIT;
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
	if ((r = zt_db_exec(req, &err, &q_exists, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0) {
		zt_db_rollback();
		return zt_fail(req, ZT_ENOTFOUND, "not_found", "no such key");
	}
	if (zt_db_exec(req, &err, &q_revoke, p) == NULL)
		return zt_fail_error(req, &err);
	if ((e = list_json(req, out)) == ZT_OK &&
	    zt_db_commit(req, &err) != ZT_OK)
		e = zt_fail_error(req, &err);
	if (e != ZT_OK) {

		if (*out != NULL)
			json_object_put(*out);
		*out = NULL;
		return e;
	}
	return ZT_OK;
}

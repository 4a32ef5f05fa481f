/* zt_team.c - memberships and roles; see zt_team.h. */
#include "zt_team.h"
#include "zt_audit.h"
#include "zt_crypto.h"
#include "zt_db.h"
#include "zt_ident.h"
#include "zt_json.h"
#include "zt_outbox.h"
#include "zt_rate.h"
#include "zt_server.h"
#include "zt_session.h"
#include "zt_uuid.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MEMBER_COLS                                                            \
	"m.user_id, u.email, u.phone, u.name, m.role,"                         \
	" extract(epoch FROM m.created_at)::bigint"

static struct zt_sql q_role = ZT_SQL("team_role",
    "SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2", 2);
static struct zt_sql q_list = ZT_SQL("team_list",
    "SELECT " MEMBER_COLS " FROM memberships m JOIN users u ON u.id = m.user_id"
    " WHERE m.tenant_id = $1"
    " ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'manager' THEN 1"
    " ELSE 2 END, m.created_at, m.user_id",
    1);
static struct zt_sql q_member_lock = ZT_SQL("team_member_lock",
    "SELECT " MEMBER_COLS " FROM memberships m JOIN users u ON u.id = m.user_id"
    " WHERE m.tenant_id = $1 AND m.user_id = $2 FOR UPDATE OF m",
    2);
/* every owner row locked: two owners demoting each other queue up here,
 * and the second sees the first one's change */
static struct zt_sql q_owners_lock = ZT_SQL("team_owners_lock",
    "SELECT user_id FROM memberships WHERE tenant_id = $1 AND role = 'owner'"
    " FOR UPDATE",
    1);
static struct zt_sql q_set_role = ZT_SQL("team_set_role",
    "UPDATE memberships SET role = $3 WHERE tenant_id = $1 AND user_id = $2",
    3);
static struct zt_sql q_delete = ZT_SQL("team_delete",
    "DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2", 2);
static struct zt_sql q_set_invitation = ZT_SQL("team_set_invitation",
    "SELECT set_config('app.invitation_id', $1, true)", 1);
/* is a member of this tenant known by this email or phone?  (the member
 * list shows their identifiers anyway.)  coalesce() keeps the planner off
 * the users email/phone indexes: the plan walks this tenant's members and
 * reads their rows by id, so its time depends on the team's size, not on
 * whether some account has the identifier */
static struct zt_sql q_member_ident = ZT_SQL("team_member_ident",
    "SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id"
    " WHERE m.tenant_id = $1 AND (coalesce(u.email, '') = $2"
    " OR coalesce(u.phone, '') = $2)",
    2);
/* a member removed or demoted: their pending invitations for roles they
 * may no longer grant lapse with their power */
static struct zt_sql q_inv_lapse = ZT_SQL("team_inv_lapse",
    "UPDATE invitations SET status = 'revoked', revoked_by = $4,"
    " revoked_at = now() WHERE tenant_id = $1 AND invited_by = $2"
    " AND status = 'pending' AND role = ANY ($3::text[]) RETURNING id",
    4);
static struct zt_sql q_inv_ctx = ZT_SQL("team_inv_ctx",
    "SELECT t.name, coalesce(nullif(u.name, ''), u.email,"
    " 'A team member') FROM tenants t, users u"
    " WHERE t.id = $1 AND u.id = $2",
    2);
static struct zt_sql q_inv_pending = ZT_SQL("team_inv_pending",
    "SELECT id, role FROM invitations WHERE tenant_id = $1"
    " AND identifier = $2 AND status = 'pending' FOR UPDATE",
    2);
static struct zt_sql q_inv_replace = ZT_SQL("team_inv_replace",
    "UPDATE invitations SET status = 'revoked', revoked_by = $3,"
    " revoked_at = now() WHERE tenant_id = $1 AND id = $2",
    3);
static struct zt_sql q_inv_insert = ZT_SQL("team_inv_insert",
    "INSERT INTO invitations (id, tenant_id, identifier_typed, identifier,"
    " channel, role, invited_by, tenant_name, inviter_name, token_hash,"
    " expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
    " decode($10, 'hex'), now() + make_interval(secs => $11::int))"
    " RETURNING extract(epoch FROM expires_at)::bigint",
    11);
static struct zt_sql q_inv_list = ZT_SQL("team_inv_list",
    "SELECT id, identifier, channel, role, invited_by, inviter_name,"
    " extract(epoch FROM created_at)::bigint,"
    " extract(epoch FROM expires_at)::bigint FROM invitations"
    " WHERE tenant_id = $1 AND status = 'pending' AND expires_at > now()"
    " ORDER BY created_at, id",
    1);
static struct zt_sql q_inv_lock = ZT_SQL("team_inv_lock",
    "SELECT role, status, expires_at <= now() FROM invitations"
    " WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
    2);
static struct zt_sql q_inv_revoke = ZT_SQL("team_inv_revoke",
    "UPDATE invitations SET status = 'revoked', revoked_by = $3,"
    " revoked_at = now() WHERE tenant_id = $1 AND id = $2",
    3);
static struct zt_sql q_inv_expire = ZT_SQL("team_inv_expire",
    "UPDATE invitations SET status = 'expired' WHERE tenant_id = $1"
    " AND id = $2 AND status = 'pending'",
    2);
/* under invitee_read: addressed to one of the caller's identifiers */
static struct zt_sql q_inv_mine = ZT_SQL("team_inv_mine",
    "SELECT i.id, i.tenant_id, i.tenant_name, i.inviter_name, i.role,"
    " extract(epoch FROM i.created_at)::bigint,"
    " extract(epoch FROM i.expires_at)::bigint FROM invitations i"
    " WHERE i.status = 'pending' AND i.expires_at > now()"
    " AND i.identifier IN (SELECT email FROM users WHERE id = $1"
    "  UNION ALL SELECT phone FROM users WHERE id = $1)"
    " AND NOT EXISTS (SELECT 1 FROM memberships m"
    "  WHERE m.tenant_id = i.tenant_id AND m.user_id = $1)"
    " ORDER BY i.created_at, i.id",
    1);
/* under token_read (app.invitation_id) or invitee_read */
static struct zt_sql q_inv_get = ZT_SQL("team_inv_get",
    "SELECT tenant_id, identifier, role, status, expires_at <= now(),"
    " encode(token_hash, 'hex'), invited_by, tenant_name"
    " FROM invitations WHERE id = $1",
    1);
static struct zt_sql q_me_ident =
    ZT_SQL("team_me_ident", "SELECT email, phone FROM users WHERE id = $1", 1);
static struct zt_sql q_add = ZT_SQL("team_add",
    "INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)"
    " ON CONFLICT DO NOTHING RETURNING user_id",
    3);
static struct zt_sql q_inv_accepted = ZT_SQL("team_inv_accepted",
    "UPDATE invitations SET status = 'accepted', accepted_by = $3,"
    " accepted_at = now() WHERE tenant_id = $1 AND id = $2",
    3);

enum zt_role
zt_team_role(const char *name)
{
	if (name == NULL)
		return ZT_ROLE_NONE;
	if (strcmp(name, "owner") == 0)
		return ZT_ROLE_OWNER;
	if (strcmp(name, "manager") == 0)
		return ZT_ROLE_MANAGER;
	if (strcmp(name, "scanner") == 0)
		return ZT_ROLE_SCANNER;
	return ZT_ROLE_NONE;
}

const char *
zt_team_role_name(enum zt_role r)
{
	switch (r) {
	case ZT_ROLE_OWNER:
		return "owner";
	case ZT_ROLE_MANAGER:
		return "manager";
	case ZT_ROLE_SCANNER:
		return "scanner";
	case ZT_ROLE_NONE:
		break;
	}
	return "";
}

enum zt_err
zt_team_may(enum zt_role actor, int self, enum zt_role from, enum zt_role to,
    const char **why)
{
	*why = NULL;
	if (self && to == ZT_ROLE_NONE && from != ZT_ROLE_NONE)
		return ZT_OK; /* anyone may leave (last owner: see callers) */
	if (actor < ZT_ROLE_MANAGER) {
		*why = "only managers and owners manage the team";
		return ZT_EFORBIDDEN;
	}
	if ((from == ZT_ROLE_OWNER || to == ZT_ROLE_OWNER) &&
	    actor != ZT_ROLE_OWNER) {
		*why = "only an owner may change an owner or make someone "
		       "owner";
		return ZT_EFORBIDDEN;
	}
	return ZT_OK;
}

enum zt_err
zt_team_begin(struct zt_req *req, enum zt_role min, enum zt_role *role)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {req->tenant_id, req->user_id};
	PGresult *r;
	enum zt_role have;

	if (req->tenant_id[0] == '\0')
		return zt_fail(req, ZT_EFORBIDDEN, "no_tenant",
		    "choose an organizer account first");
	if (zt_db_begin(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if ((r = zt_db_exec(req, &err, &q_role, p)) == NULL)
		return zt_fail_error(req, &err);
	have = PQntuples(r) ? zt_team_role(PQgetvalue(r, 0, 0)) : ZT_ROLE_NONE;
	if (have == ZT_ROLE_NONE)
		return zt_fail(req, ZT_EFORBIDDEN, "not_a_member",
		    "you are no longer a member of this organization");
	if (have < min)
		return zt_fail(req, ZT_EFORBIDDEN, "forbidden",
		    "your role in this organization cannot do this");
	/* later checks in this request use the fresh role */
	snprintf(req->role, sizeof(req->role), "%s", zt_team_role_name(have));
	if (role != NULL)
		*role = have;
	return ZT_OK;
}

enum zt_err
zt_team_list_rows(struct zt_req *req, enum zt_role min, struct zt_sql *q,
    const char *key, struct json_object *(*row)(const PGresult *r, int i),
    struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {req->tenant_id};
	PGresult *r;
	enum zt_err e;

	if ((e = zt_team_begin(req, min, NULL)) != ZT_OK)
		return e;
	if ((r = zt_db_exec(req, &err, q, p)) == NULL ||
	    zt_db_commit_rows(req, &err, r, key, row, out) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

static struct json_object *
member_json(const PGresult *r, int i)
{
	struct json_object *m = json_object_new_object();
	json_object_object_add(
	    m, "userId", json_object_new_string(PQgetvalue(r, i, 0)));
	json_object_object_add(
	    m, "email", zt_json_nullable(zt_db_val(r, i, 1)));
	json_object_object_add(
	    m, "phone", zt_json_nullable(zt_db_val(r, i, 2)));
	json_object_object_add(
	    m, "name", json_object_new_string(PQgetvalue(r, i, 3)));
	json_object_object_add(
	    m, "role", json_object_new_string(PQgetvalue(r, i, 4)));
	json_object_object_add(m, "since", zt_json_epoch(zt_db_val(r, i, 5)));
	return m;
}

enum zt_err
zt_team_list(struct zt_req *req, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {req->tenant_id};
	struct json_object *arr;
	PGresult *r;
	enum zt_err e;

	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK)
		return e;
	if ((r = zt_db_exec(req, &err, &q_list, p)) == NULL)
		return zt_fail_error(req, &err);
	arr = json_object_new_array();
	for (int i = 0; i < PQntuples(r); i++)
		json_object_array_add(arr, member_json(r, i));
	if (zt_db_commit(req, &err) != ZT_OK) {
		json_object_put(arr);
		return zt_fail_error(req, &err);
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "members", arr);
	return ZT_OK;
}

/* The member row of user_id in the caller's tenant, locked; 404 if none. */
static enum zt_err
lock_member(struct zt_req *req, const char *user_id, PGresult **row)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {req->tenant_id, user_id};
	if (!zt_is_uuid(user_id))
		return zt_fail(req, ZT_ENOTFOUND, "member_not_found",
		    "no such member in this organization");
	if ((*row = zt_db_exec(req, &err, &q_member_lock, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(*row) == 0)
		return zt_fail(req, ZT_ENOTFOUND, "member_not_found",
		    "no such member in this organization");
	return ZT_OK;
}

/* 409 when taking the owner role away from user_id would leave none. */
static enum zt_err
keep_an_owner(struct zt_req *req, const char *user_id)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {req->tenant_id};
	PGresult *r = zt_db_exec(req, &err, &q_owners_lock, p);
	int others = 0;
	if (r == NULL)
		return zt_fail_error(req, &err);
	for (int i = 0; i < PQntuples(r); i++)
		if (strcmp(PQgetvalue(r, i, 0), user_id) != 0)
			others++;
	if (others == 0)
		return zt_fail(req, ZT_ECONFLICT, "last_owner",
		    "an organization needs an owner: make someone else owner "
		    "first");
	return ZT_OK;
}

static struct json_object *
change_details(enum zt_role from, enum zt_role to)
{
	struct json_object *d = json_object_new_object();
	if (from != ZT_ROLE_NONE)
		json_object_object_add(
		    d, "from", json_object_new_string(zt_team_role_name(from)));
	if (to != ZT_ROLE_NONE)
		json_object_object_add(
		    d, "to", json_object_new_string(zt_team_role_name(to)));
	return d;
}

/* Check the rule for a change of user_id from -> to (role re-read). */
static enum zt_err
check_change(struct zt_req *req, enum zt_role actor, const char *user_id,
    enum zt_role from, enum zt_role to)
{
	const char *why;
	int self = strcmp(user_id, req->user_id) == 0;
	enum zt_err e = zt_team_may(actor, self, from, to, &why);
	if (e != ZT_OK)
		return zt_fail(req, e, "forbidden", "%s", why);
	if (from == ZT_ROLE_OWNER && to != ZT_ROLE_OWNER)
		return keep_an_owner(req, user_id);
	return ZT_OK;
}

/* ---------------------------------------------------------- invitations */

/* The key of invitation token hashes: a subkey of ZT_TOKEN_PEPPER. */
static void
token_key(unsigned char key[32])
{
	crypto_generichash(key, 32, (const unsigned char *)"ztic-invitation",
	    15, zt_g.cfg.token_pepper, sizeof(zt_g.cfg.token_pepper));
}

static int
uuid_bytes(const char *id, unsigned char out[16])
{
	char hex[33];
	size_t n = 0, got = 0;
	for (const char *c = id; *c && n < 32; c++)
		if (*c != '-')
			hex[n++] = *c;
	hex[n] = '\0';
	if (n != 32 ||
	    sodium_hex2bin(out, 16, hex, 32, NULL, &got, NULL) != 0 ||
	    got != 16)
		return -1;
	return 0;
}

/* The keyed hash of (id, secret), hex, in the arena. */
static char *
token_hash(struct zt_arena *a, const char *id,
    const unsigned char secret[ZT_TEAM_TOKEN_SECRET])
{
	unsigned char key[32], msg[16 + ZT_TEAM_TOKEN_SECRET], h[32];
	char *hex;
	if (uuid_bytes(id, msg) != 0)
		return NULL;
	memcpy(msg + 16, secret, ZT_TEAM_TOKEN_SECRET);
	token_key(key);
	crypto_generichash(h, sizeof(h), msg, sizeof(msg), key, sizeof(key));
	hex = zt_hex(a, h, sizeof(h));
	sodium_memzero(key, sizeof(key));
	sodium_memzero(msg, sizeof(msg));
	return hex;
}

char *
zt_team_token(struct zt_arena *a, const char *invitation_id,
    const unsigned char secret[ZT_TEAM_TOKEN_SECRET])
{
	unsigned char raw[16 + ZT_TEAM_TOKEN_SECRET];
	char *tok;
	if (uuid_bytes(invitation_id, raw) != 0)
		return NULL;
	memcpy(raw + 16, secret, ZT_TEAM_TOKEN_SECRET);
	tok = zt_b64url(a, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	return tok;
}

int
zt_team_token_parse(const char *token, char id[ZT_UUID_BUF],
    unsigned char secret[ZT_TEAM_TOKEN_SECRET])
{
	unsigned char raw[16 + ZT_TEAM_TOKEN_SECRET];
	static const char hexd[] = "0123456789abcdef";
	size_t o = 0;
	if (token == NULL || strlen(token) != 64 ||
	    zt_b64url_decode(token, raw, sizeof(raw)) != 0)
		return -1;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			id[o++] = '-';
		id[o++] = hexd[raw[i] >> 4];
		id[o++] = hexd[raw[i] & 15];
	}
	id[o] = '\0';
	memcpy(secret, raw + 16, ZT_TEAM_TOKEN_SECRET);
	sodium_memzero(raw, sizeof(raw));
	return 0;
}

/* The "member.invitation" message (zt_outbox.c), queued in this
 * transaction: who invites, to what, and the accept link. */
static enum zt_err
queue_invitation(struct zt_req *req, const char *channel, const char *recipient,
    const char *invitation_id, const char *token, const char *tenant_name,
    const char *inviter, enum zt_role role)
{
	struct json_object *payload = json_object_new_object();
	enum zt_err e;
	json_object_object_add(
	    payload, "template", json_object_new_string("member.invitation"));
	json_object_object_add(
	    payload, "tenantId", json_object_new_string(req->tenant_id));
	json_object_object_add(
	    payload, "invitationId", json_object_new_string(invitation_id));
	json_object_object_add(
	    payload, "tenantName", json_object_new_string(tenant_name));
	json_object_object_add(
	    payload, "inviter", json_object_new_string(inviter));
	json_object_object_add(
	    payload, "role", json_object_new_string(zt_team_role_name(role)));
	json_object_object_add(payload, "link",
	    json_object_new_string(
		zt_arena_printf(req->arena, "%s/organizer/invite.html?token=%s",
		    zt_g.cfg.public_url, token)));
	e = zt_outbox_enqueue(req, channel, recipient, payload);
	json_object_put(payload);
	return e;
}

enum zt_err
zt_team_invite(struct zt_req *req, const char *email, const char *phone,
    const char *role_name, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	char ident[256], id[ZT_UUID_BUF];
	unsigned char secret[ZT_TEAM_TOKEN_SECRET];
	const char *p[11], *typed, *why, *hash, *token, *tname, *iname;
	enum zt_role actor, role = zt_team_role(role_name);
	PGresult *r;
	enum zt_err e;

	if ((email == NULL) == (phone == NULL))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "give exactly one of the fields 'email' and 'phone'");
	if (email != NULL && zt_ident_email(email, ident, sizeof(ident)) != 0)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'email' must be an email address");
	if (phone != NULL && zt_ident_phone(phone, ident, sizeof(ident)) != 0)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'phone' must be a phone number");
	if (role == ZT_ROLE_NONE)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'role' must be owner, manager or scanner");
	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, &actor)) != ZT_OK)
		return e;
	if ((e = zt_team_may(actor, 0, ZT_ROLE_NONE, role, &why)) != ZT_OK)
		return zt_fail(req, e, "forbidden", "%s", why);
	/* every invitation sends a message: neither one inviter nor one
	 * tenant may spam people (counted after the role checks, so that
	 * outsiders cannot use the budget up; unknown and known
	 * identifiers count alike) */
	if ((e = zt_rate_hit(req, "invite_user", req->user_id,
		 ZT_TEAM_INVITES_PER_USER_HOUR, 3600)) != ZT_OK ||
	    (e = zt_rate_hit(req, "invite", req->tenant_id,
		 ZT_TEAM_INVITES_PER_HOUR, 3600)) != ZT_OK)
		return e;
	p[0] = req->tenant_id;
	p[1] = ident;
	if ((r = zt_db_exec(req, &err, &q_member_ident, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) > 0)
		return zt_fail(req, ZT_ECONFLICT, "already_member",
		    "this person is already a member; change their role "
		    "instead");
	/* inviting again replaces the pending invitation (a new link) */
	if ((r = zt_db_exec(req, &err, &q_inv_pending, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) > 0) {
		const char *old =
		    zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0));
		enum zt_role old_role = zt_team_role(PQgetvalue(r, 0, 1));
		if ((e = zt_team_may(actor, 0, ZT_ROLE_NONE, old_role, &why)) !=
		    ZT_OK)
			return zt_fail(req, e, "forbidden", "%s", why);
		p[1] = old;
		p[2] = req->user_id;
		if (zt_db_exec(req, &err, &q_inv_replace, p) == NULL)
			return zt_fail_error(req, &err);
		struct json_object *d = json_object_new_object();
		json_object_object_add(
		    d, "reason", json_object_new_string("invited again"));
		if ((e = zt_audit(req, "invitation.revoked",
			 zt_arena_printf(req->arena, "invitation:%s", old),
			 d)) != ZT_OK)
			return e;
	}
	p[0] = req->tenant_id;
	p[1] = req->user_id;
	if ((r = zt_db_exec(req, &err, &q_inv_ctx, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_EINTERNAL, NULL, "internal error");
	tname = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0));
	iname = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 1));

	zt_uuid_new(id);
	randombytes_buf(secret, sizeof(secret));
	hash = token_hash(req->arena, id, secret);
	token = zt_team_token(req->arena, id, secret);
	sodium_memzero(secret, sizeof(secret));
	if (hash == NULL || token == NULL)
		return zt_fail(req, ZT_EINTERNAL, NULL, "internal error");
	typed = email ? email : phone;
	while (*typed == ' ' || *typed == '\t')
		typed++;
	p[0] = id;
	p[1] = req->tenant_id;
	p[2] = *typed ? typed : ident;
	p[3] = ident;
	p[4] = email ? "email" : "sms";
	p[5] = zt_team_role_name(role);
	p[6] = req->user_id;
	p[7] = tname;
	p[8] = iname;
	p[9] = hash;
	p[10] = zt_arena_printf(req->arena, "%d", ZT_TEAM_INVITE_TTL);
	if ((r = zt_db_exec(req, &err, &q_inv_insert, p)) == NULL)
		return zt_fail_error(req, &err);
	const char *expires = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0));
	if ((e = queue_invitation(
		 req, p[4], ident, id, token, tname, iname, role)) != ZT_OK)
		return e;
	struct json_object *d = json_object_new_object();
	json_object_object_add(
	    d, email ? "email" : "phone", json_object_new_string(ident));
	json_object_object_add(
	    d, "role", json_object_new_string(zt_team_role_name(role)));
	if ((e = zt_audit(req, "invitation.created",
		 zt_arena_printf(req->arena, "invitation:%s", id), d)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	*out = json_object_new_object();
	json_object_object_add(
	    *out, "invitationId", json_object_new_string(id));
	json_object_object_add(
	    *out, email ? "email" : "phone", json_object_new_string(ident));
	json_object_object_add(
	    *out, "role", json_object_new_string(zt_team_role_name(role)));
	json_object_object_add(
	    *out, "status", json_object_new_string("pending"));
	json_object_object_add(*out, "expiresAt", zt_json_epoch(expires));
	return ZT_OK;
}

enum zt_err
zt_team_invitations(struct zt_req *req, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {req->tenant_id};
	struct json_object *arr;
	PGresult *r;
	enum zt_err e;

	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK)
		return e;
	if ((r = zt_db_exec(req, &err, &q_inv_list, p)) == NULL)
		return zt_fail_error(req, &err);
	arr = zt_json_defer_put(req, json_object_new_array());
	for (int i = 0; i < PQntuples(r); i++) {
		struct json_object *o = json_object_new_object(), *by;
		int mail = strcmp(PQgetvalue(r, i, 2), "email") == 0;
		json_object_object_add(o, "invitationId",
		    json_object_new_string(PQgetvalue(r, i, 0)));
		json_object_object_add(o, mail ? "email" : "phone",
		    json_object_new_string(PQgetvalue(r, i, 1)));
		json_object_object_add(
		    o, "role", json_object_new_string(PQgetvalue(r, i, 3)));
		json_object_object_add(
		    o, "status", json_object_new_string("pending"));
		by = json_object_new_object();
		json_object_object_add(
		    by, "userId", json_object_new_string(PQgetvalue(r, i, 4)));
		json_object_object_add(
		    by, "name", json_object_new_string(PQgetvalue(r, i, 5)));
		json_object_object_add(o, "invitedBy", by);
		json_object_object_add(
		    o, "createdAt", zt_json_epoch(PQgetvalue(r, i, 6)));
		json_object_object_add(
		    o, "expiresAt", zt_json_epoch(PQgetvalue(r, i, 7)));
		json_object_array_add(arr, o);
	}
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	*out = json_object_new_object();
	json_object_object_add(*out, "invitations", json_object_get(arr));
	return ZT_OK;
}

static enum zt_err
no_invitation(struct zt_req *req)
{
	return zt_fail(
	    req, ZT_ENOTFOUND, "invitation_not_found", "no such invitation");
}

enum zt_err
zt_team_revoke(struct zt_req *req, const char *invitation_id)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[3], *why;
	enum zt_role actor;
	PGresult *r;
	enum zt_err e;

	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, &actor)) != ZT_OK)
		return e;
	if (!zt_is_uuid(invitation_id))
		return no_invitation(req);
	p[0] = req->tenant_id;
	p[1] = invitation_id;
	p[2] = req->user_id;
	if ((r = zt_db_exec(req, &err, &q_inv_lock, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return no_invitation(req);
	if ((e = zt_team_may(actor, 0, ZT_ROLE_NONE,
		 zt_team_role(PQgetvalue(r, 0, 0)), &why)) != ZT_OK)
		return zt_fail(req, e, "forbidden", "%s", why);
	if (strcmp(PQgetvalue(r, 0, 1), "pending") != 0 ||
	    strcmp(PQgetvalue(r, 0, 2), "t") == 0)
		return zt_fail(req, ZT_ECONFLICT, "invitation_not_pending",
		    "this invitation was already accepted, revoked or has "
		    "expired");
	if (zt_db_exec(req, &err, &q_inv_revoke, p) == NULL)
		return zt_fail_error(req, &err);
	if ((e = zt_audit(req, "invitation.revoked",
		 zt_arena_printf(req->arena, "invitation:%s", invitation_id),
		 NULL)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

enum zt_err
zt_team_invitations_mine(struct zt_req *req, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {req->user_id};
	struct json_object *arr;
	PGresult *r;

	if (zt_db_begin_user(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if ((r = zt_db_exec(req, &err, &q_inv_mine, p)) == NULL)
		return zt_fail_error(req, &err);
	arr = zt_json_defer_put(req, json_object_new_array());
	for (int i = 0; i < PQntuples(r); i++) {
		struct json_object *o = json_object_new_object(), *t;
		json_object_object_add(o, "invitationId",
		    json_object_new_string(PQgetvalue(r, i, 0)));
		t = json_object_new_object();
		json_object_object_add(
		    t, "id", json_object_new_string(PQgetvalue(r, i, 1)));
		json_object_object_add(
		    t, "name", json_object_new_string(PQgetvalue(r, i, 2)));
		json_object_object_add(o, "tenant", t);
		json_object_object_add(o, "invitedBy",
		    json_object_new_string(PQgetvalue(r, i, 3)));
		json_object_object_add(
		    o, "role", json_object_new_string(PQgetvalue(r, i, 4)));
		json_object_object_add(
		    o, "status", json_object_new_string("pending"));
		json_object_object_add(
		    o, "createdAt", zt_json_epoch(PQgetvalue(r, i, 5)));
		json_object_object_add(
		    o, "expiresAt", zt_json_epoch(PQgetvalue(r, i, 6)));
		json_object_array_add(arr, o);
	}
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	*out = json_object_new_object();
	json_object_object_add(*out, "invitations", json_object_get(arr));
	return ZT_OK;
}

/* Mark the invitation expired or revoked (the inviter may no longer
 * grant its role), commit that, and answer 409 with code. */
static enum zt_err
close_invitation(struct zt_req *req, const char *id, int expired)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[3] = {req->tenant_id, id, NULL};
	enum zt_err e;
	if (expired) {
		if (zt_db_exec(req, &err, &q_inv_expire, p) == NULL)
			return zt_fail_error(req, &err);
	} else {
		if (zt_db_exec(req, &err, &q_inv_revoke, p) == NULL)
			return zt_fail_error(req, &err);
		struct json_object *d = json_object_new_object();
		json_object_object_add(d, "reason",
		    json_object_new_string(
			"the inviter may no longer grant this role"));
		if ((e = zt_audit(req, "invitation.revoked",
			 zt_arena_printf(req->arena, "invitation:%s", id),
			 d)) != ZT_OK)
			return e;
	}
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return expired ? zt_fail(req, ZT_ECONFLICT, "invitation_expired",
			     "this invitation has expired; ask for a new one")
		       : zt_fail(req, ZT_ECONFLICT, "invitation_revoked",
			     "this invitation was withdrawn");
}

/* 409 for an invitation that is not pending any more. */
static enum zt_err
not_pending(struct zt_req *req, const char *status)
{
	if (strcmp(status, "accepted") == 0)
		return zt_fail(req, ZT_ECONFLICT, "invitation_used",
		    "this invitation was already accepted");
	if (strcmp(status, "revoked") == 0)
		return zt_fail(req, ZT_ECONFLICT, "invitation_revoked",
		    "this invitation was withdrawn");
	return zt_fail(req, ZT_ECONFLICT, "invitation_expired",
	    "this invitation has expired; ask for a new one");
}

enum zt_err
zt_team_accept(struct zt_req *req, const char *token, const char *invitation_id,
    struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	char id[ZT_UUID_BUF];
	unsigned char secret[ZT_TEAM_TOKEN_SECRET];
	const char *p[3], *tenant, *ident, *inviter, *tname, *why;
	enum zt_role role, inviter_role;
	struct json_object *body, *inv;
	PGresult *r;
	enum zt_err e;

	if (token != NULL) {
		if (zt_team_token_parse(token, id, secret) != 0)
			return zt_fail(req, ZT_EBADREQ, "invalid_field",
			    "field 'token' must be the token of an invitation "
			    "link");
	} else {
		if (!zt_is_uuid(invitation_id))
			return no_invitation(req);
		snprintf(id, sizeof(id), "%s", invitation_id);
	}
	/* tokens are 256-bit; this only keeps one account from hammering */
	if ((e = zt_rate_hit(req, "invite_accept", req->user_id,
		 ZT_TEAM_ACCEPTS_PER_HOUR, 3600)) != ZT_OK)
		goto out;
	if (zt_db_begin_user(req, &err) != ZT_OK) {
		e = zt_fail_error(req, &err);
		goto out;
	}
	p[0] = id;
	/* the token names its invitation: token_read shows that row only */
	if (token != NULL &&
	    zt_db_exec(req, &err, &q_set_invitation, p) == NULL) {
		e = zt_fail_error(req, &err);
		goto out;
	}
	if ((r = zt_db_exec(req, &err, &q_inv_get, p)) == NULL) {
		e = zt_fail_error(req, &err);
		goto out;
	}
	if (PQntuples(r) == 0) {
		e = no_invitation(req);
		goto out;
	}
	if (token != NULL) {
		const char *mine = token_hash(req->arena, id, secret);
		if (mine == NULL || !zt_ct_streq(mine, PQgetvalue(r, 0, 5))) {
			e = no_invitation(req);
			goto out;
		}
	}
	tenant = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0));
	ident = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 1));
	role = zt_team_role(PQgetvalue(r, 0, 2));
	inviter = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 6));
	tname = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 7));
	int status_pending = strcmp(PQgetvalue(r, 0, 3), "pending") == 0;
	const char *status = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 3));

	/* only the person it was sent to: the signed-in account must have
	 * that email or phone (verified by a one-time code at sign-in) */
	p[0] = req->user_id;
	if ((r = zt_db_exec(req, &err, &q_me_ident, p)) == NULL) {
		e = zt_fail_error(req, &err);
		goto out;
	}
	if (PQntuples(r) == 0 ||
	    !((zt_db_val(r, 0, 0) && strcmp(zt_db_val(r, 0, 0), ident) == 0) ||
		(zt_db_val(r, 0, 1) &&
		    strcmp(zt_db_val(r, 0, 1), ident) == 0))) {
		e = zt_fail(req, ZT_EFORBIDDEN, "invitation_not_for_you",
		    "this invitation was sent to another email address or "
		    "phone number: sign in with that one to accept it");
		goto out;
	}
	if (!status_pending) {
		e = not_pending(req, status);
		goto out;
	}

	/* from here on the request acts in the invitation's tenant */
	snprintf(req->tenant_id, sizeof(req->tenant_id), "%s", tenant);
	if (zt_db_scope_tenant(req, &err, tenant, req->user_id) != ZT_OK) {
		e = zt_fail_error(req, &err);
		goto out;
	}
	p[0] = tenant;
	p[1] = id;
	p[2] = req->user_id;
	if ((r = zt_db_exec(req, &err, &q_inv_lock, p)) == NULL) {
		e = zt_fail_error(req, &err);
		goto out;
	}
	if (PQntuples(r) == 0) {
		e = no_invitation(req);
		goto out;
	}
	if (strcmp(PQgetvalue(r, 0, 1), "pending") != 0) {
		e = not_pending(req, PQgetvalue(r, 0, 1));
		goto out;
	}
	if (strcmp(PQgetvalue(r, 0, 2), "t") == 0) {
		e = close_invitation(req, id, 1);
		goto out;
	}
	/* an inviter removed or demoted since can no longer bring people in */
	p[1] = inviter;
	if ((r = zt_db_exec(req, &err, &q_role, p)) == NULL) {
		e = zt_fail_error(req, &err);
		goto out;
	}
	inviter_role =
	    PQntuples(r) ? zt_team_role(PQgetvalue(r, 0, 0)) : ZT_ROLE_NONE;
	if (zt_team_may(inviter_role, 0, ZT_ROLE_NONE, role, &why) != ZT_OK) {
		e = close_invitation(req, id, 0);
		goto out;
	}
	p[1] = req->user_id;
	p[2] = zt_team_role_name(role);
	if ((r = zt_db_exec(req, &err, &q_add, p)) == NULL) {
		e = zt_fail_error(req, &err);
		goto out;
	}
	if (PQntuples(r) == 0) {
		e = zt_fail(req, ZT_ECONFLICT, "already_member",
		    "you are already a member of this organization");
		goto out;
	}
	p[1] = id;
	p[2] = req->user_id;
	if (zt_db_exec(req, &err, &q_inv_accepted, p) == NULL) {
		e = zt_fail_error(req, &err);
		goto out;
	}
	struct json_object *d = change_details(ZT_ROLE_NONE, role);
	json_object_object_add(d, "invitation", json_object_new_string(id));
	json_object_object_add(d, "invitedBy", json_object_new_string(inviter));
	if ((e = zt_audit(req, "member.added",
		 zt_arena_printf(req->arena, "user:%s", req->user_id), d)) !=
	    ZT_OK)
		goto out;
	body = zt_json_defer_put(req, json_object_new_object());
	inv = json_object_new_object();
	json_object_object_add(inv, "invitationId", json_object_new_string(id));
	json_object_object_add(
	    inv, "status", json_object_new_string("accepted"));
	json_object_object_add(
	    inv, "role", json_object_new_string(zt_team_role_name(role)));
	struct json_object *t = json_object_new_object();
	json_object_object_add(t, "id", json_object_new_string(tenant));
	json_object_object_add(t, "name", json_object_new_string(tname));
	json_object_object_add(inv, "tenant", t);
	json_object_object_add(body, "invitation", inv);
	/* a token for the tenant just joined (reads the new membership) */
	if ((e = zt_session_token_for(req, req->user_id, tenant, body)) !=
	    ZT_OK)
		goto out;
	if (zt_db_commit(req, &err) != ZT_OK) {
		e = zt_fail_error(req, &err);
		goto out;
	}
	*out = json_object_get(body);
out:
	sodium_memzero(secret, sizeof(secret));
	return e;
}

/*
 * user_id's role becomes `to` (ZT_ROLE_NONE: removed): revoke their
 * pending invitations for roles `to` may not grant, each audited.  The
 * accept path checks the inviter again anyway; this keeps the pending
 * list true.
 */
static enum zt_err
lapse_invitations(struct zt_req *req, const char *user_id, enum zt_role to)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *roles[3], *p[4], *why;
	size_t n = 0;
	PGresult *r;
	enum zt_err e;

	for (enum zt_role k = ZT_ROLE_SCANNER; k <= ZT_ROLE_OWNER; k++)
		if (zt_team_may(to, 0, ZT_ROLE_NONE, k, &why) != ZT_OK)
			roles[n++] = zt_team_role_name(k);
	if (n == 0)
		return ZT_OK;
	p[0] = req->tenant_id;
	p[1] = user_id;
	p[2] = zt_db_array(req, roles, n);
	p[3] = req->user_id;
	if ((r = zt_db_exec(req, &err, &q_inv_lapse, p)) == NULL)
		return zt_fail_error(req, &err);
	for (int i = 0; i < PQntuples(r); i++) {
		struct json_object *d = json_object_new_object();
		json_object_object_add(d, "reason",
		    json_object_new_string(to == ZT_ROLE_NONE
					       ? "the inviter left the team"
					       : "the inviter's role changed"));
		if ((e = zt_audit(req, "invitation.revoked",
			 zt_arena_printf(
			     req->arena, "invitation:%s", PQgetvalue(r, i, 0)),
			 d)) != ZT_OK)
			return e;
	}
	return ZT_OK;
}

enum zt_err
zt_team_set_role(struct zt_req *req, const char *user_id, const char *role_name,
    struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[3];
	enum zt_role actor, from, to = zt_team_role(role_name);
	PGresult *row;
	enum zt_err e;

	if (to == ZT_ROLE_NONE)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'role' must be owner, manager or scanner");
	if ((e = zt_team_begin(req, ZT_ROLE_SCANNER, &actor)) != ZT_OK)
		return e;
	if ((e = lock_member(req, user_id, &row)) != ZT_OK)
		return e;
	from = zt_team_role(PQgetvalue(row, 0, 4));
	if ((e = check_change(req, actor, user_id, from, to)) != ZT_OK)
		return e;
	if (from != to) {
		p[0] = req->tenant_id;
		p[1] = user_id;
		p[2] = zt_team_role_name(to);
		if (zt_db_exec(req, &err, &q_set_role, p) == NULL)
			return zt_fail_error(req, &err);
		if ((e = zt_audit(req, "member.role_changed",
			 zt_arena_printf(req->arena, "user:%s", user_id),
			 change_details(from, to))) != ZT_OK)
			return e;
		if (to < from &&
		    (e = lapse_invitations(req, user_id, to)) != ZT_OK)
			return e;
		p[0] = req->tenant_id;
		if ((row = zt_db_exec(req, &err, &q_member_lock, p)) == NULL)
			return zt_fail_error(req, &err);
	}
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	*out = member_json(row, 0);
	return ZT_OK;
}

enum zt_err
zt_team_remove(struct zt_req *req, const char *user_id)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {req->tenant_id, user_id};
	enum zt_role actor, from;
	PGresult *row;
	enum zt_err e;

	if ((e = zt_team_begin(req, ZT_ROLE_SCANNER, &actor)) != ZT_OK)
		return e;
	if ((e = lock_member(req, user_id, &row)) != ZT_OK)
		return e;
	from = zt_team_role(PQgetvalue(row, 0, 4));
	if ((e = check_change(req, actor, user_id, from, ZT_ROLE_NONE)) !=
	    ZT_OK)
		return e;
	if (zt_db_exec(req, &err, &q_delete, p) == NULL)
		return zt_fail_error(req, &err);
	if ((e = zt_audit(req, "member.removed",
		 zt_arena_printf(req->arena, "user:%s", user_id),
		 change_details(from, ZT_ROLE_NONE))) != ZT_OK)
		return e;
	if ((e = lapse_invitations(req, user_id, ZT_ROLE_NONE)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

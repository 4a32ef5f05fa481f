/* zt_team.c - memberships and roles; see zt_team.h. */
#include "zt_team.h"
#include "zt_audit.h"
#include "zt_db.h"
#include "zt_ident.h"
#include "zt_json.h"
#include "zt_outbox.h"
#include "zt_rate.h"
#include "zt_server.h"

#include <stdlib.h>
#include <string.h>

#define MEMBER_COLS \
	"m.user_id, u.email, u.phone, u.name, m.role," \
	" extract(epoch FROM m.created_at)::bigint"

static struct zt_sql q_role = ZT_SQL("team_role",
    "SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2", 2);
static struct zt_sql q_list = ZT_SQL("team_list",
    "SELECT " MEMBER_COLS " FROM memberships m JOIN users u ON u.id = m.user_id"
    " WHERE m.tenant_id = $1"
    " ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'manager' THEN 1"
    " ELSE 2 END, m.created_at, m.user_id", 1);
static struct zt_sql q_member_lock = ZT_SQL("team_member_lock",
    "SELECT " MEMBER_COLS " FROM memberships m JOIN users u ON u.id = m.user_id"
    " WHERE m.tenant_id = $1 AND m.user_id = $2 FOR UPDATE OF m", 2);
/* every owner row locked: two owners demoting each other queue up here,
 * and the second sees the first one's change */
static struct zt_sql q_owners_lock = ZT_SQL("team_owners_lock",
    "SELECT user_id FROM memberships WHERE tenant_id = $1 AND role = 'owner'"
    " FOR UPDATE", 1);
static struct zt_sql q_set_role = ZT_SQL("team_set_role",
    "UPDATE memberships SET role = $3 WHERE tenant_id = $1 AND user_id = $2",
    3);
static struct zt_sql q_delete = ZT_SQL("team_delete",
    "DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2", 2);
/* find or create the invited person (users is global, no RLS) */
static struct zt_sql q_user_email = ZT_SQL("team_user_email",
    "WITH ins AS (INSERT INTO users (email) VALUES ($1)"
    "  ON CONFLICT (email) DO NOTHING RETURNING id)"
    " SELECT id FROM ins UNION ALL SELECT id FROM users WHERE email = $1"
    " LIMIT 1", 1);
static struct zt_sql q_user_phone = ZT_SQL("team_user_phone",
    "WITH ins AS (INSERT INTO users (phone) VALUES ($1)"
    "  ON CONFLICT (phone) DO NOTHING RETURNING id)"
    " SELECT id FROM ins UNION ALL SELECT id FROM users WHERE phone = $1"
    " LIMIT 1", 1);
static struct zt_sql q_add = ZT_SQL("team_add",
    "INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)"
    " ON CONFLICT DO NOTHING RETURNING user_id", 3);
static struct zt_sql q_invite_ctx = ZT_SQL("team_invite_ctx",
    "SELECT t.name, coalesce(nullif(u.name, ''), u.email, u.phone, '')"
    " FROM tenants t, users u WHERE t.id = $1 AND u.id = $2", 2);

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
	const char *p[2] = {req->tenant_id, req->user_id};
	PGresult *r;
	enum zt_err e;
	enum zt_role have;

	if (req->tenant_id[0] == '\0')
		return zt_fail(req, ZT_EFORBIDDEN, "no_tenant",
		    "choose an organizer account first");
	if ((e = zt_db_begin(req)) != ZT_OK)
		return e;
	if ((r = zt_db_exec(req, &q_role, p)) == NULL)
		return req->err;
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

static struct json_object *
member_json(const PGresult *r, int i)
{
	struct json_object *m = json_object_new_object();
	json_object_object_add(m, "userId",
	    json_object_new_string(PQgetvalue(r, i, 0)));
	json_object_object_add(m, "email",
	    zt_json_nullable(zt_db_val(r, i, 1)));
	json_object_object_add(m, "phone",
	    zt_json_nullable(zt_db_val(r, i, 2)));
	json_object_object_add(m, "name",
	    json_object_new_string(PQgetvalue(r, i, 3)));
	json_object_object_add(m, "role",
	    json_object_new_string(PQgetvalue(r, i, 4)));
	json_object_object_add(m, "since",
	    json_object_new_int64(strtoll(PQgetvalue(r, i, 5), NULL, 10)));
	return m;
}

enum zt_err
zt_team_list(struct zt_req *req, struct json_object **out)
{
	const char *p[1] = {req->tenant_id};
	struct json_object *arr;
	PGresult *r;
	enum zt_err e;

	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK)
		return e;
	if ((r = zt_db_exec(req, &q_list, p)) == NULL)
		return req->err;
	arr = json_object_new_array();
	for (int i = 0; i < PQntuples(r); i++)
		json_object_array_add(arr, member_json(r, i));
	if ((e = zt_db_commit(req)) != ZT_OK) {
		json_object_put(arr);
		return e;
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "members", arr);
	return ZT_OK;
}

/* The member row of user_id in the caller's tenant, locked; 404 if none. */
static enum zt_err
lock_member(struct zt_req *req, const char *user_id, PGresult **row)
{
	const char *p[2] = {req->tenant_id, user_id};
	if (!zt_is_uuid(user_id))
		return zt_fail(req, ZT_ENOTFOUND, "member_not_found",
		    "no such member in this organization");
	if ((*row = zt_db_exec(req, &q_member_lock, p)) == NULL)
		return req->err;
	if (PQntuples(*row) == 0)
		return zt_fail(req, ZT_ENOTFOUND, "member_not_found",
		    "no such member in this organization");
	return ZT_OK;
}

/* 409 when taking the owner role away from user_id would leave none. */
static enum zt_err
keep_an_owner(struct zt_req *req, const char *user_id)
{
	const char *p[1] = {req->tenant_id};
	PGresult *r = zt_db_exec(req, &q_owners_lock, p);
	int others = 0;
	if (r == NULL)
		return req->err;
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
		json_object_object_add(d, "from",
		    json_object_new_string(zt_team_role_name(from)));
	if (to != ZT_ROLE_NONE)
		json_object_object_add(d, "to",
		    json_object_new_string(zt_team_role_name(to)));
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

/* The "member.invited" message (zt_outbox.c), queued in this transaction. */
static enum zt_err
queue_invitation(struct zt_req *req, const char *channel,
    const char *recipient, enum zt_role role)
{
	const char *p[2] = {req->tenant_id, req->user_id};
	struct json_object *payload;
	PGresult *r;
	enum zt_err e;

	if ((r = zt_db_exec(req, &q_invite_ctx, p)) == NULL)
		return req->err;
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_EINTERNAL, NULL, "internal error");
	payload = json_object_new_object();
	json_object_object_add(payload, "template",
	    json_object_new_string("member.invited"));
	json_object_object_add(payload, "tenantId",
	    json_object_new_string(req->tenant_id));
	json_object_object_add(payload, "tenantName",
	    json_object_new_string(PQgetvalue(r, 0, 0)));
	json_object_object_add(payload, "inviter",
	    json_object_new_string(PQgetvalue(r, 0, 1)));
	json_object_object_add(payload, "role",
	    json_object_new_string(zt_team_role_name(role)));
	json_object_object_add(payload, "link",
	    json_object_new_string(zt_arena_printf(req->arena, "%s/organizer/",
	        zt_g.cfg.public_url)));
	e = zt_outbox_enqueue(req, channel, recipient, payload);
	json_object_put(payload);
	return e;
}

enum zt_err
zt_team_add(struct zt_req *req, const char *email, const char *phone,
    const char *role_name, struct json_object **out)
{
	char ident[256];
	const char *p[3], *user_id, *channel;
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
	/* every invitation sends a message: a tenant may not spam people
	 * (counted after the role check: outsiders cannot use it up) */
	if ((e = zt_rate_hit(req, "invite", req->tenant_id,
	         ZT_TEAM_INVITES_PER_HOUR, 3600)) != ZT_OK)
		return e;
	p[0] = ident;
	if ((r = zt_db_exec(req, email ? &q_user_email : &q_user_phone,
	         p)) == NULL)
		return req->err;
	user_id = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0));
	if ((e = check_change(req, actor, user_id, ZT_ROLE_NONE, role)) !=
	    ZT_OK)
		return e;
	p[0] = req->tenant_id;
	p[1] = user_id;
	p[2] = zt_team_role_name(role);
	if ((r = zt_db_exec(req, &q_add, p)) == NULL)
		return req->err;
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_ECONFLICT, "already_member",
		    "this person is already a member; change their role "
		    "instead");
	channel = email ? "email" : "sms";
	if ((e = queue_invitation(req, channel, ident, role)) != ZT_OK)
		return e;
	if ((e = zt_audit(req, "member.added",
	         zt_arena_printf(req->arena, "user:%s", user_id),
	         change_details(ZT_ROLE_NONE, role))) != ZT_OK)
		return e;
	p[0] = req->tenant_id;
	p[1] = user_id;
	if ((r = zt_db_exec(req, &q_member_lock, p)) == NULL)
		return req->err;
	if ((e = zt_db_commit(req)) != ZT_OK)
		return e;
	*out = member_json(r, 0);
	return ZT_OK;
}

enum zt_err
zt_team_set_role(struct zt_req *req, const char *user_id,
    const char *role_name, struct json_object **out)
{
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
		if (zt_db_exec(req, &q_set_role, p) == NULL)
			return req->err;
		if ((e = zt_audit(req, "member.role_changed",
		         zt_arena_printf(req->arena, "user:%s", user_id),
		         change_details(from, to))) != ZT_OK)
			return e;
		p[0] = req->tenant_id;
		if ((row = zt_db_exec(req, &q_member_lock, p)) == NULL)
			return req->err;
	}
	if ((e = zt_db_commit(req)) != ZT_OK)
		return e;
	*out = member_json(row, 0);
	return ZT_OK;
}

enum zt_err
zt_team_remove(struct zt_req *req, const char *user_id)
{
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
	if (zt_db_exec(req, &q_delete, p) == NULL)
		return req->err;
	if ((e = zt_audit(req, "member.removed",
	         zt_arena_printf(req->arena, "user:%s", user_id),
	         change_details(from, ZT_ROLE_NONE))) != ZT_OK)
		return e;
	return zt_db_commit(req);
}

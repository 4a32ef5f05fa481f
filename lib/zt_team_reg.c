/*
 * zt_team_reg.c - teams of a team event: create, join by invite code,
 * read, the organizer's list and the booking's check.  See zt_team_reg.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "zt_crypto.h"
#include "zt_db.h"
#include "zt_rate.h"
#include "zt_team.h"
#include "zt_team_reg.h"
#include "zt_uuid.h"

/* wrong invite codes a person may try before the waits begin */
#define FREE_MISSES 10
static const struct zt_rate_backoff misses = {FREE_MISSES, 50, 2, 300, 86400};

static struct zt_sql q_event = ZT_SQL("treg_event",
    "SELECT e.tenant_id FROM events e WHERE e.id = $1"
    " AND zt_event_is_listed(e.id)",
    1);
static struct zt_sql q_limits = ZT_SQL("treg_limits",
    "SELECT team_min, team_max FROM event_registration WHERE event_id = $1"
    " AND team_min IS NOT NULL",
    1);
static struct zt_sql q_create = ZT_SQL("treg_create",
    "WITH t AS (INSERT INTO reg_teams (tenant_id, event_id, name, leader_id,"
    "  code_sha256) VALUES ($1, $2, $3, $4, $5) RETURNING id)"
    " INSERT INTO reg_team_members (tenant_id, team_id, event_id, user_id)"
    " SELECT $1, t.id, $2, $4 FROM t RETURNING team_id",
    5);
/*
 * The team of a code, locked: joins of one team queue here.  Its size is
 * counted by the next statement, whose snapshot (READ COMMITTED) is taken
 * after the lock: counted in this one it would miss the member whose
 * commit released the lock.
 */
static struct zt_sql q_by_code = ZT_SQL("treg_by_code",
    "SELECT t.id FROM reg_teams t WHERE t.event_id = $1"
    " AND t.code_sha256 = $2 FOR UPDATE OF t",
    2);
static struct zt_sql q_count = ZT_SQL("treg_count",
    "SELECT count(*) FROM reg_team_members WHERE team_id = $1", 1);
static struct zt_sql q_join = ZT_SQL("treg_join",
    "INSERT INTO reg_team_members (tenant_id, team_id, event_id, user_id)"
    " VALUES ($1, $2, $3, $4)",
    4);
static struct zt_sql q_mine = ZT_SQL("treg_mine",
    "SELECT team_id FROM reg_team_members WHERE event_id = $1"
    " AND user_id = $2",
    2);
/* a team with its members (leader first); users has no row security */
enum team_col { T_ID, T_NAME, T_LEADER, T_CREATED, T_USER, T_UNAME };
static struct zt_sql q_team = ZT_SQL("treg_team",
    "SELECT t.id, t.name, t.leader_id, t.created_at, m.user_id, u.name"
    " FROM reg_teams t JOIN reg_team_members m ON m.team_id = t.id"
    " JOIN users u ON u.id = m.user_id WHERE t.event_id = $1"
    " AND ($2::uuid IS NULL OR t.id = $2)"
    " ORDER BY t.created_at, t.id, m.user_id <> t.leader_id, m.joined_at",
    2);
static struct zt_sql q_own_event = ZT_SQL("treg_own_event",
    "SELECT 1 FROM events WHERE id = $1 AND tenant_id = $2", 2);
static struct zt_sql q_size = ZT_SQL("treg_size",
    "SELECT (SELECT count(*) FROM reg_team_members o"
    "  WHERE o.team_id = m.team_id) FROM reg_team_members m"
    " WHERE m.event_id = $1 AND m.user_id = $2",
    2);

static enum zt_err
no_event(struct zt_req *req)
{
	return zt_fail(req, ZT_ENOTFOUND, "event_not_found", "no such event");
}

/* Begin as the caller in the tenant of listed event_id, which must be a
 * team event: *max (may be NULL) its largest team. */
static enum zt_err
begin(struct zt_req *req, const char *event_id, const char **tenant, int *max)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {event_id};
	PGresult *r;
	if (!zt_is_uuid(event_id))
		return no_event(req);
	if (zt_db_begin_user(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_event, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return no_event(req);
	*tenant = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0));
	if (zt_db_scope_tenant(req, &err, *tenant, req->user_id) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_limits, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_ECONFLICT, "not_a_team_event",
		    "this event has no teams");
	if (max)
		*max = atoi(PQgetvalue(r, 0, 1));
	return ZT_OK;
}

static const char *
code_hash(struct zt_req *req, const char *code)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)code, strlen(code));
	return zt_hex(req->arena, h, sizeof(h));
}

/* The teams of rows of q_team as a JSON array (members' user ids shown
 * with show_ids). */
static struct json_object *
teams_json(const PGresult *r, int show_ids)
{
	struct json_object *list = json_object_new_array(), *t = NULL,
			   *members = NULL;
	const char *cur = "";
	for (int i = 0; i < PQntuples(r); i++) {
		if (strcmp(cur, PQgetvalue(r, i, T_ID)) != 0) {
			cur = PQgetvalue(r, i, T_ID);
			t = json_object_new_object();
			members = json_object_new_array();
			json_object_object_add(
			    t, "id", json_object_new_string(cur));
			json_object_object_add(t, "name",
			    json_object_new_string(PQgetvalue(r, i, T_NAME)));
			json_object_object_add(t, "members", members);
			json_object_array_add(list, t);
		}
		struct json_object *m = json_object_new_object();
		if (show_ids)
			json_object_object_add(m, "userId",
			    json_object_new_string(PQgetvalue(r, i, T_USER)));
		json_object_object_add(m, "name",
		    json_object_new_string(PQgetvalue(r, i, T_UNAME)));
		json_object_object_add(m, "leader",
		    json_object_new_boolean(
			strcmp(PQgetvalue(r, i, T_USER),
			    PQgetvalue(r, i, T_LEADER)) == 0));
		json_object_array_add(members, m);
	}
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *x = json_object_array_get_idx(list, i);
		json_object_object_add(x, "size",
		    json_object_new_int((int)json_object_array_length(
			json_object_object_get(x, "members"))));
	}
	return list;
}

/* *out = team_id's JSON (the open transaction is committed). */
static enum zt_err
team_answer(struct zt_req *req, const char *event_id, const char *team_id,
    const char *code, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {event_id, team_id};
	PGresult *r;
	if ((r = zt_db_exec(req, &err, &q_team, p)) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	struct json_object *list = teams_json(r, 0);
	*out = json_object_get(json_object_array_get_idx(list, 0));
	json_object_put(list);
	if (*out == NULL)
		return zt_fail(
		    req, ZT_ENOTFOUND, "team_not_found", "no such team");
	if (code)
		json_object_object_add(
		    *out, "inviteCode", json_object_new_string(code));
	return ZT_OK;
}

static enum zt_err
already(struct zt_req *req)
{
	return zt_fail(req, ZT_ECONFLICT, "already_in_team",
	    "you are already in a team for this event");
}

enum zt_err
zt_team_reg_create(struct zt_req *req, const char *event_id, const char *name,
    struct json_object **out)
{
	static const char abc[] = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
	struct zt_error err = ZT_ERROR_INIT;
	const char *tenant;
	char code[13];
	PGresult *r;
	enum zt_err e;
	*out = NULL;
	if ((e = begin(req, event_id, &tenant, NULL)) != ZT_OK)
		return e;
	/* 12 characters of 31: ~59 bits, never guessed under the limit */
	for (int i = 0; i < 12; i++)
		code[i] = abc[randombytes_uniform(sizeof(abc) - 1)];
	code[12] = '\0';
	const char *p[5] = {
	    tenant, event_id, name, req->user_id, code_hash(req, code)};
	if ((r = zt_db_exec(req, &err, &q_create, p)) == NULL) {
		if (strcmp(zt_db_sqlstate(), "23505") == 0) {
			if (strstr(zt_db_constraint(), "name") != NULL)
				return zt_fail(req, ZT_ECONFLICT,
				    "team_name_taken",
				    "another team of this event has this "
				    "name");
			return already(req);
		}
		return zt_fail_error(req, &err);
	}
	const char *id = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0));
	return team_answer(req, event_id, id, code, out);
}

enum zt_err
zt_team_reg_join(struct zt_req *req, const char *event_id, const char *code,
    struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *tenant;
	int max;
	PGresult *r;
	enum zt_err e;
	char norm[32];
	size_t n = strlen(code);
	*out = NULL;
	/* every attempt counts as a miss until the code is found: guessing
	 * (concurrent guesses included) is slowed down, per person and per
	 * address */
	if ((e = zt_rate_hit(req, "team_addr", zt_rate_addr(req), 300, 600)) !=
		ZT_OK ||
	    (e = zt_rate_fail_take(req, "team_code", req->user_id, &misses)) !=
		ZT_OK)
		return e;
	if ((e = begin(req, event_id, &tenant, &max)) != ZT_OK)
		return e;
	for (size_t i = 0; i < n && i < sizeof(norm) - 1; i++)
		norm[i] = (char)(code[i] >= 'a' && code[i] <= 'z'
				     ? code[i] - 'a' + 'A'
				     : code[i]);
	norm[n < sizeof(norm) - 1 ? n : sizeof(norm) - 1] = '\0';
	const char *p[4] = {event_id, code_hash(req, norm)};
	if ((r = zt_db_exec(req, &err, &q_by_code, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_ENOTFOUND, "team_not_found",
		    "no team of this event has this invite code");
	const char *team = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0));
	const char *cp[1] = {team};
	if ((r = zt_db_exec(req, &err, &q_count, cp)) == NULL)
		return zt_fail_error(req, &err);
	int size = atoi(PQgetvalue(r, 0, 0));
	if ((e = zt_rate_fail_clear(req, "team_code", req->user_id)) != ZT_OK)
		return e;
	if (size >= max) {
		zt_fail_detail(req, "teamMax", json_object_new_int(max));
		return zt_fail(req, ZT_ECONFLICT, "team_full",
		    "this team has its %d members already", max);
	}
	const char *jp[4] = {tenant, team, event_id, req->user_id};
	if (zt_db_exec(req, &err, &q_join, jp) == NULL) {
		if (strcmp(zt_db_sqlstate(), "23505") == 0)
			return already(req);
		return zt_fail_error(req, &err);
	}
	return team_answer(req, event_id, team, NULL, out);
}

enum zt_err
zt_team_reg_mine(
    struct zt_req *req, const char *event_id, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *tenant;
	PGresult *r;
	enum zt_err e;
	*out = NULL;
	if ((e = begin(req, event_id, &tenant, NULL)) != ZT_OK)
		return e;
	const char *p[2] = {event_id, req->user_id};
	if ((r = zt_db_exec(req, &err, &q_mine, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_ENOTFOUND, "team_not_found",
		    "you are not in a team for this event");
	return team_answer(req, event_id,
	    zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0)), NULL, out);
}

enum zt_err
zt_team_reg_list(
    struct zt_req *req, const char *event_id, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {event_id, req->tenant_id};
	PGresult *r;
	enum zt_err e;
	*out = NULL;
	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK)
		return e;
	if (!zt_is_uuid(event_id))
		return no_event(req);
	if ((r = zt_db_exec(req, &err, &q_own_event, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return no_event(req);
	p[1] = NULL;
	if ((r = zt_db_exec(req, &err, &q_team, p)) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	*out = json_object_new_object();
	json_object_object_add(*out, "teams", teams_json(r, 1));
	return ZT_OK;
}

enum zt_err
zt_team_reg_check(
    struct zt_req *req, const char *event_id, int min, int ntickets)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {event_id, req->user_id};
	PGresult *r = zt_db_exec(req, &err, &q_size, p);
	if (r == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_ECONFLICT, "team_required",
		    "this is a team event: create or join a team first");
	if (atoi(PQgetvalue(r, 0, 0)) < min) {
		zt_fail_detail(req, "teamMin", json_object_new_int(min));
		return zt_fail(req, ZT_ECONFLICT, "team_too_small",
		    "your team needs at least %d members before registering",
		    min);
	}
	if (ntickets != 1)
		return zt_fail(req, ZT_EINVALID, "one_ticket_per_member",
		    "in a team event each member books their own one ticket");
	return ZT_OK;
}

/*
 * zt_team.h - who may act for a tenant: memberships and their roles.
 *
 * Roles rank owner > manager > scanner.  The role in an access token may be
 * 15 minutes old, so every organizer request starts with zt_team_begin(),
 * which re-reads the caller's role from `memberships` inside the request's
 * transaction: a member removed or demoted a minute ago can do nothing
 * more with the token they still hold.
 *
 * Team rules (docs/organizers.md):
 *   - managers and owners manage the team; scanners may only leave;
 *   - only an owner may touch an owner or make anyone an owner;
 *   - the last owner can neither leave nor be demoted (409);
 *   - everything is scoped to the caller's active tenant: a user who is
 *     not a member of it is 404, whatever other tenants they belong to;
 *   - every change writes audit_log.
 */
#ifndef ZT_TEAM_H
#define ZT_TEAM_H

#include <json-c/json.h>

#include "zt_req.h"

/* Invitations one tenant may send per hour (each one is a message). */
#define ZT_TEAM_INVITES_PER_HOUR 30

enum zt_role {
	ZT_ROLE_NONE = 0, /* not a member (adding / removing) */
	ZT_ROLE_SCANNER = 1,
	ZT_ROLE_MANAGER = 2,
	ZT_ROLE_OWNER = 3,
};

/* "owner"/"manager"/"scanner" to a role; ZT_ROLE_NONE when unknown. */
enum zt_role zt_team_role(const char *name);
/* The name of a role ("" for ZT_ROLE_NONE), static storage. */
const char *zt_team_role_name(enum zt_role r);

/*
 * The permission rule, without the database: may a caller with role
 * `actor` move a member (the caller when self) from role `from` to role
 * `to` (ZT_ROLE_NONE: not a member before / after)?  ZT_OK, or
 * ZT_EFORBIDDEN with a reason for the client in *why.  The last-owner rule
 * needs the database and is checked by the callers below.
 */
enum zt_err zt_team_may(enum zt_role actor, int self, enum zt_role from,
    enum zt_role to, const char **why);

/*
 * Begin the request's transaction scoped to its tenant and re-read the
 * caller's role: 403 "not_a_member" when the membership is gone, 403
 * "forbidden" when it is below min.  *role (may be NULL) gets the role.
 */
enum zt_err zt_team_begin(struct zt_req *req, enum zt_role min,
    enum zt_role *role);

/* The team: *out = {"members": [{userId, email, phone, name, role,
 * since}]} (caller owns it). */
enum zt_err zt_team_list(struct zt_req *req, struct json_object **out);

/*
 * Add the person with this email or phone (exactly one non-NULL; raw, this
 * normalises) as role; creates the user if needed and queues an invitation
 * in `outbox` in the same transaction.  429 past ZT_TEAM_INVITES_PER_HOUR
 * (Redis down: 503).  *out = the member.
 */
enum zt_err zt_team_add(struct zt_req *req, const char *email,
    const char *phone, const char *role, struct json_object **out);

/* Change a member's role; *out = the member. */
enum zt_err zt_team_set_role(struct zt_req *req, const char *user_id,
    const char *role, struct json_object **out);

/* Remove a member (or leave, when user_id is the caller). */
enum zt_err zt_team_remove(struct zt_req *req, const char *user_id);

#endif

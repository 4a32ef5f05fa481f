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
 *
 * Nobody joins a team without saying yes.  Inviting records an invitation
 * (table `invitations`, sql/010) and sends a link; the answer holds only
 * what the inviter typed, the same whether or not the email or phone has
 * an account, and no user row or membership is written.  The invitee,
 * signed in with that email or phone, accepts with the link's token or
 * from their list of pending invitations; only then is the membership
 * created (docs/organizers.md, "Invitations").
 */
#ifndef ZT_TEAM_H
#define ZT_TEAM_H

#include <json-c/json.h>
#include <libpq-fe.h>

#include "zt_req.h"
#include "zt_uuid.h"

/* Invitations one tenant may send per hour (each one is a message). */
#define ZT_TEAM_INVITES_PER_HOUR 50
/* Invitations one inviter may send per hour, whatever the tenant. */
#define ZT_TEAM_INVITES_PER_USER_HOUR 20
/* Accept attempts one user may make per hour (tokens, ids). */
#define ZT_TEAM_ACCEPTS_PER_HOUR 30
/* How long an invitation may be accepted, seconds. */
#define ZT_TEAM_INVITE_TTL (7 * 86400)
/* Random bytes of an invitation token (after the 16 bytes of its id). */
#define ZT_TEAM_TOKEN_SECRET 32

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
enum zt_err zt_team_begin(
    struct zt_req *req, enum zt_role min, enum zt_role *role);

struct zt_sql;
/*
 * A tenant's list for its members of role min or above: zt_team_begin,
 * q run with the tenant id as $1, then *out = {key: [row(r, i) …]}
 * (zt_db_commit_rows).  For API tokens, webhooks and the like.
 */
enum zt_err zt_team_list_rows(struct zt_req *req, enum zt_role min,
    struct zt_sql *q, const char *key,
    struct json_object *(*row)(const PGresult *r, int i),
    struct json_object **out);

/* The team: *out = {"members": [{userId, email, phone, name, role,
 * since}]} (caller owns it). */
enum zt_err zt_team_list(struct zt_req *req, struct json_object **out);

/*
 * Invite the person with this email or phone (exactly one non-NULL; raw,
 * this normalises) as role: a pending invitation, replacing an earlier
 * pending one for the same identifier, and its message in `outbox` with
 * the accept link, in one transaction.  Reads no user row: *out =
 * {invitationId, email|phone, role, status, expiresAt}.  409
 * already_member when a member of this tenant has the identifier (the
 * member list shows it anyway).  429 past ZT_TEAM_INVITES_PER_USER_HOUR
 * for the caller or ZT_TEAM_INVITES_PER_HOUR for the tenant (Redis down:
 * 503).
 */
enum zt_err zt_team_invite(struct zt_req *req, const char *email,
    const char *phone, const char *role, struct json_object **out);

/* The tenant's pending invitations: *out = {"invitations": [...]}. */
enum zt_err zt_team_invitations(struct zt_req *req, struct json_object **out);

/* Revoke a pending invitation of the caller's tenant (404 otherwise). */
enum zt_err zt_team_revoke(struct zt_req *req, const char *invitation_id);

/* Pending invitations addressed to the caller's email or phone:
 * *out = {"invitations": [{invitationId, tenant, role, invitedBy, …}]}. */
enum zt_err zt_team_invitations_mine(
    struct zt_req *req, struct json_object **out);

/*
 * Accept an invitation, by the token of its link or (token NULL) by its
 * id from zt_team_invitations_mine.  The caller's account must have the
 * invited email or phone (403 invitation_not_for_you); the invitation must
 * be pending (409 invitation_used / invitation_revoked /
 * invitation_expired) and its inviter still allowed to grant the role.
 * Creates the membership, marks the invitation accepted, writes audit_log;
 * *out = {invitation, accessToken for the tenant, memberships, …}.
 */
enum zt_err zt_team_accept(struct zt_req *req, const char *token,
    const char *invitation_id, struct json_object **out);

/* Token of an invitation: base64url of its 16 id bytes and secret. */
char *zt_team_token(struct zt_arena *a, const char *invitation_id,
    const unsigned char secret[ZT_TEAM_TOKEN_SECRET]);
/* Parse a token into its id (id[ZT_UUID_BUF]) and secret; 0 ok, -1 malformed.
 */
int zt_team_token_parse(const char *token, char id[ZT_UUID_BUF],
    unsigned char secret[ZT_TEAM_TOKEN_SECRET]);

/* Change a member's role; *out = the member. */
enum zt_err zt_team_set_role(struct zt_req *req, const char *user_id,
    const char *role, struct json_object **out);

/* Remove a member (or leave, when user_id is the caller). */
enum zt_err zt_team_remove(struct zt_req *req, const char *user_id);

#endif

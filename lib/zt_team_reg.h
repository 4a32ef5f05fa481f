/*
 * zt_team_reg.h - teams of a team event (docs/commerce.md, "Forms and
 * teams"; sql/029_forms_teams.sql).  Not the organizer's staff: that is
 * zt_team.h.
 *
 * An event is a team event when its form settings give teamMin/teamMax
 * (PUT /api/events/:id/form).  A signed-in person creates a team (they
 * lead it) and gets its invite code once; others join with the code.  One
 * team per person per event (a unique index is the guard), at most
 * teamMax members (the team's row is locked while a member joins).  A
 * wrong code counts as a failed attempt of the person (backoff, then a
 * day's lock-out) and of the address, like promo codes.
 *
 * Each member books their own ticket (POST /api/bookings, one ticket),
 * once the team has teamMin members: zt_team_reg_check, called by
 * zt_form_take in the booking's transaction.
 */
#ifndef ZT_TEAM_REG_H
#define ZT_TEAM_REG_H

#include <json-c/json.h>

#include "zt_req.h"

/* POST /api/events/:id/teams {name}: 201 the team with its inviteCode. */
enum zt_err zt_team_reg_create(struct zt_req *req, const char *event_id,
    const char *name, struct json_object **out);
/* POST /api/events/:id/teams/join {inviteCode}: the team joined. */
enum zt_err zt_team_reg_join(struct zt_req *req, const char *event_id,
    const char *code, struct json_object **out);
/* GET /api/events/:id/teams/mine: the caller's team (404 when none). */
enum zt_err zt_team_reg_mine(
    struct zt_req *req, const char *event_id, struct json_object **out);
/* GET /api/events/:id/teams: every team with its members (manager+). */
enum zt_err zt_team_reg_list(
    struct zt_req *req, const char *event_id, struct json_object **out);
/*
 * In the booking's transaction (scoped to the event's tenant): the buyer
 * must be in a team of at least min members and book one ticket.
 */
enum zt_err zt_team_reg_check(
    struct zt_req *req, const char *event_id, int min, int ntickets);

#endif

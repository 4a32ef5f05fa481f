/*
 * zt_audit.h - the tenant's audit trail (audit_log, append-only).
 *
 * Every change an organizer makes to their tenant (profile, payout details,
 * team, events, layouts) writes one row in the same transaction as the
 * change, so the trail and the data can never disagree.
 */
#ifndef ZT_AUDIT_H
#define ZT_AUDIT_H

#include <json-c/json.h>

#include "zt_req.h"

/*
 * Record action ("member.removed") on target ("user:<uuid>") by the
 * request's user in the request's tenant, inside the open transaction.
 * details (may be NULL) is taken over.
 */
enum zt_err zt_audit(struct zt_req *req, const char *action, const char *target,
    struct json_object *details);

#endif

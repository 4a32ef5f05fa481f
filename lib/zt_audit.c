/* zt_audit.c - audit_log rows; see zt_audit.h. */
#include "zt_audit.h"
#include "zt_db.h"
#include "zt_json.h"

static struct zt_sql q_audit = ZT_SQL("audit_insert",
    "INSERT INTO audit_log (tenant_id, actor_user_id, action, target,"
    " details) VALUES ($1, $2, $3, $4, $5::jsonb)",
    5);

enum zt_err
zt_audit(struct zt_req *req, const char *action, const char *target,
    struct json_object *details)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[5];
	if (details == NULL)
		details = json_object_new_object();
	p[0] = req->tenant_id;
	p[1] = req->user_id[0] ? req->user_id : NULL;
	p[2] = action;
	p[3] = target ? target : "";
	p[4] = zt_json_text(req, details, NULL);
	json_object_put(details);
	if (zt_db_exec(req, &err, &q_audit, p) == NULL)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

/*
 * ztic-admin - platform admins from the command line (docs/admin.md,
 * docs/operations.md "Platform admins").
 *
 *   ztic-admin add EMAIL [NAME]   invite an admin; prints the enrolment link
 *   ztic-admin disable EMAIL      disable an admin at once
 *
 * The first admin can only be made this way (every later one is invited
 * from the console).  Runs with the responders' environment: connects as
 * ztic_system (ZT_PG_SYSTEM_DSN), hashes the link's token with
 * ZT_TOKEN_PEPPER, builds it on ZT_PUBLIC_URL.  There is no password and
 * no built-in admin: the invitee sets up TOTP from the link.
 */
#include "config.h"

#include "zt_admin.h"
#include "zt_db.h"
#include "zt_ident.h"
#include "zt_req.h"
#include "zt_server.h"

#include <stdio.h>
#include <string.h>

static struct zt_sql q_find = ZT_SQL("adm_cli_find",
    "SELECT id FROM platform_admins WHERE email = $1 AND disabled_at IS NULL"
    " AND id <> '" ZT_SYSTEM_ADMIN "'",
    1);

static int
usage(void)
{
	fprintf(stderr, "usage: ztic-admin add EMAIL [NAME]\n"
			"       ztic-admin disable EMAIL\n");
	return 2;
}

static int
failed(struct zt_req *req, const struct zt_error *err)
{
	const char *msg = err != NULL && err->msg[0] ? err->msg : req->err_msg;
	fprintf(stderr, "ztic-admin: %s\n", msg ? msg : "failed");
	return 1;
}

static int
disable(struct zt_req *req, const char *email)
{
	char ident[256];
	PGresult *r;
	if (zt_ident_email(email, ident, sizeof(ident)) != 0) {
		fprintf(
		    stderr, "ztic-admin: not an email address: %s\n", email);
		return 2;
	}
	const char *p[1] = {ident};
	struct zt_error err = ZT_ERROR_INIT;
	if (zt_db_begin_public(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_find, p)) == NULL)
		return failed(req, &err);
	if (PQntuples(r) == 0) {
		fprintf(stderr, "ztic-admin: no enabled admin %s\n", ident);
		return 1;
	}
	char id[64];
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	zt_db_rollback();
	if (zt_admin_disable(req, NULL, id, "ztic-admin disable") != ZT_OK)
		return failed(req, NULL);
	printf("disabled %s\n", ident);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *link = NULL;
	int rc;
	if (argc < 3 || argc > 4 ||
	    (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "disable") != 0) ||
	    (strcmp(argv[1], "disable") == 0 && argc != 3))
		return usage();
	zt_server_init(
	    "ztic-admin", ZT_NEED_PG | ZT_NEED_PG_SYSTEM | ZT_NEED_AUTH);
	struct zt_req *req = zt_req_new(NULL, NULL);
	if (strcmp(argv[1], "disable") == 0) {
		rc = disable(req, argv[2]);
	} else if (zt_admin_invite(req, NULL, argv[2], argc == 4 ? argv[3] : "",
		       &link) != ZT_OK) {
		rc = failed(req, NULL);
	} else {
		printf("%s\n", link);
		rc = 0;
	}
	zt_req_free(req);
	zt_server_cleanup();
	return rc;
}

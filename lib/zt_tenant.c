/* zt_tenant.c - onboarding, profile, payout details; see zt_tenant.h. */
#include "zt_tenant.h"
#include "zt_audit.h"
#include "zt_db.h"
#include "zt_ident.h"
#include "zt_json.h"
#include "zt_media.h"
#include "zt_server.h"
#include "zt_session.h"
#include "zt_slug.h"
#include "zt_team.h"
#include "zt_time.h"
#include "zt_uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Candidates tried for a derived slug (the last ones are random). */
#define SLUG_TRIES (ZT_SLUG_NUMBERED + 5)

#define TENANT_COLS                                                            \
	"t.id, t.slug, t.name, t.institution, t.branding::text,"               \
	" t.contact_email, t.contact_phone, t.status,"                         \
	" extract(epoch FROM t.created_at)::bigint,"                           \
	" extract(epoch FROM t.updated_at)::bigint"

static struct zt_sql q_pending = ZT_SQL("tenant_pending",
    "SELECT count(*) FROM memberships m JOIN tenants t ON t.id = m.tenant_id"
    " WHERE m.user_id = $1 AND m.role = 'owner' AND t.status = 'pending'",
    1);
/* a taken slug answers no row instead of aborting the transaction (the
 * unique index sees every tenant, even those RLS hides from us) */
static struct zt_sql q_insert = ZT_SQL("tenant_insert",
    "INSERT INTO tenants (id, slug, name, institution, contact_email,"
    " contact_phone) VALUES ($1, $2, $3, $4, $5, $6)"
    " ON CONFLICT (slug) DO NOTHING RETURNING id",
    6);
static struct zt_sql q_owner = ZT_SQL("tenant_owner",
    "INSERT INTO memberships (tenant_id, user_id, role)"
    " VALUES ($1, $2, 'owner')",
    2);
/* SECURITY DEFINER (sql/013): the web role has no system scope; true only
 * where platform_settings approves at once (the dev stack) */
static struct zt_sql q_activate =
    ZT_SQL("tenant_activate", "SELECT zt_tenant_auto_approve($1)", 1);
static struct zt_sql q_get = ZT_SQL(
    "tenant_get", "SELECT " TENANT_COLS " FROM tenants t WHERE t.id = $1", 1);
static struct zt_sql q_lock = ZT_SQL("tenant_lock",
    "SELECT " TENANT_COLS " FROM tenants t WHERE t.id = $1 FOR UPDATE", 1);
static struct zt_sql q_update = ZT_SQL("tenant_update",
    "UPDATE tenants SET name = $2, institution = $3, contact_email = $4,"
    " contact_phone = $5, branding = $6::jsonb WHERE id = $1",
    6);
static struct zt_sql q_payout_get = ZT_SQL("tenant_payout_get",
    "SELECT method, upi_id, bank_account_name, bank_account_number,"
    " bank_ifsc, extract(epoch FROM updated_at)::bigint"
    " FROM tenant_payout_details WHERE tenant_id = $1",
    1);
/* new bank details void the Razorpay linked account made for the old */
static struct zt_sql q_payout_put = ZT_SQL("tenant_payout_put",
    "INSERT INTO tenant_payout_details (tenant_id, method, upi_id,"
    " bank_account_name, bank_account_number, bank_ifsc)"
    " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id) DO UPDATE SET"
    " method = excluded.method, upi_id = excluded.upi_id,"
    " bank_account_name = excluded.bank_account_name,"
    " bank_account_number = excluded.bank_account_number,"
    " bank_ifsc = excluded.bank_ifsc, provider_account_id = NULL",
    6);
static struct zt_sql q_payout_del = ZT_SQL("tenant_payout_del",
    "DELETE FROM tenant_payout_details WHERE tenant_id = $1", 1);

static const char *const reserved[] = {"admin", "api", "assets", "auth",
    "events", "live", "login", "mine", "new", "organizer", "static", "www",
    "ztic", NULL};

int
zt_tenant_slug_reserved(const char *slug)
{
	for (const char *const *r = reserved; *r != NULL; r++)
		if (strcmp(*r, slug) == 0)
			return 1;
	return 0;
}

static int
all_of(const char *s, size_t from, size_t to, const char *set)
{
	for (size_t i = from; i < to; i++)
		if (strchr(set, s[i]) == NULL)
			return 0;
	return 1;
}

#define DIGITS "0123456789"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define LOWER "abcdefghijklmnopqrstuvwxyz"

/* ^[A-Za-z0-9._-]{2,64}@[A-Za-z][A-Za-z0-9.-]{1,63}$, as the CHECK says */
int
zt_tenant_upi_valid(const char *s)
{
	const char *at = s ? strchr(s, '@') : NULL;
	size_t n, local;
	if (at == NULL)
		return 0;
	n = strlen(s);
	local = (size_t)(at - s);
	return local >= 2 && local <= 64 &&
	       all_of(s, 0, local, UPPER LOWER DIGITS "._-") &&
	       n - local - 1 >= 2 && n - local - 1 <= 64 &&
	       strchr(UPPER LOWER, at[1]) != NULL && at[1] != '\0' &&
	       all_of(s, local + 2, n, UPPER LOWER DIGITS ".-");
}

/* ^[A-Z]{4}0[A-Z0-9]{6}$ */
int
zt_tenant_ifsc_valid(const char *s)
{
	return s != NULL && strlen(s) == 11 && all_of(s, 0, 4, UPPER) &&
	       s[4] == '0' && all_of(s, 5, 11, UPPER DIGITS);
}

/* ^[0-9]{6,20}$ */
int
zt_tenant_account_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n >= 6 && n <= 20 && all_of(s, 0, n, DIGITS);
}

char *
zt_tenant_mask_upi(struct zt_arena *a, const char *upi)
{
	const char *at = strchr(upi, '@');
	size_t local = at ? (size_t)(at - upi) : strlen(upi);
	int keep = local > 2 ? 2 : (int)local - 1;
	if (keep < 0)
		keep = 0;
	return zt_arena_printf(a, "%.*s****%s", keep, upi, at ? at : "");
}

char *
zt_tenant_mask_account(struct zt_arena *a, const char *number)
{
	size_t n = strlen(number);
	return zt_arena_printf(a, "XXXXXX%s", n > 4 ? number + n - 4 : "");
}

/* A branding column (jsonb text) as an object; never NULL. */
static struct json_object *
branding_json(const char *text)
{
	struct json_object *o = text ? json_tokener_parse(text) : NULL;
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = json_object_new_object();
	}
	/* the accent as the pages may use it on paper (docs/branding.md) */
	struct json_object *a;
	char fixed[8];
	if (json_object_object_get_ex(o, "accent", &a) &&
	    zt_media_accent(json_object_get_string(a), fixed) != NULL)
		json_object_object_add(
		    o, "accent", json_object_new_string(fixed));
	return o;
}

struct json_object *
zt_tenant_public_json(const PGresult *r, int row, int col)
{
	struct json_object *t = json_object_new_object();
	json_object_object_add(
	    t, "slug", json_object_new_string(PQgetvalue(r, row, col)));
	json_object_object_add(
	    t, "name", json_object_new_string(PQgetvalue(r, row, col + 1)));
	json_object_object_add(
	    t, "institution", zt_json_nullable(zt_db_val(r, row, col + 2)));
	json_object_object_add(
	    t, "branding", branding_json(zt_db_val(r, row, col + 3)));
	json_object_object_add(
	    t, "contactEmail", zt_json_nullable(zt_db_val(r, row, col + 4)));
	json_object_object_add(
	    t, "contactPhone", zt_json_nullable(zt_db_val(r, row, col + 5)));
	return t;
}

/* A row of TENANT_COLS as the organizer sees it. */
static struct json_object *
tenant_json(const PGresult *r)
{
	struct json_object *t = json_object_new_object();
	json_object_object_add(
	    t, "id", json_object_new_string(PQgetvalue(r, 0, 0)));
	json_object_object_add(
	    t, "slug", json_object_new_string(PQgetvalue(r, 0, 1)));
	json_object_object_add(
	    t, "name", json_object_new_string(PQgetvalue(r, 0, 2)));
	json_object_object_add(
	    t, "institution", zt_json_nullable(zt_db_val(r, 0, 3)));
	json_object_object_add(
	    t, "branding", branding_json(zt_db_val(r, 0, 4)));
	json_object_object_add(
	    t, "contactEmail", zt_json_nullable(zt_db_val(r, 0, 5)));
	json_object_object_add(
	    t, "contactPhone", zt_json_nullable(zt_db_val(r, 0, 6)));
	json_object_object_add(
	    t, "status", json_object_new_string(PQgetvalue(r, 0, 7)));
	json_object_object_add(
	    t, "createdAt", zt_json_epoch(PQgetvalue(r, 0, 8)));
	json_object_object_add(
	    t, "updatedAt", zt_json_epoch(PQgetvalue(r, 0, 9)));
	return t;
}

/* The tenant in scope as JSON into *out; payout details for owners. */
static enum zt_err
tenant_body(struct zt_req *req, int owner, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {req->tenant_id};
	struct json_object *t, *pay = NULL;
	PGresult *r;

	if ((r = zt_db_exec(req, &err, &q_get, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_ENOTFOUND, "tenant_not_found",
		    "this organization no longer exists");
	t = tenant_json(r);
	if (owner) {
		if ((r = zt_db_exec(req, &err, &q_payout_get, p)) == NULL) {
			json_object_put(t);
			return zt_fail_error(req, &err);
		}
		if (PQntuples(r) > 0) {
			pay = json_object_new_object();
			json_object_object_add(pay, "method",
			    json_object_new_string(PQgetvalue(r, 0, 0)));
			if (strcmp(PQgetvalue(r, 0, 0), "upi") == 0) {
				json_object_object_add(pay, "upiId",
				    json_object_new_string(zt_tenant_mask_upi(
					req->arena, PQgetvalue(r, 0, 1))));
			} else {
				json_object_object_add(pay, "accountName",
				    json_object_new_string(
					PQgetvalue(r, 0, 2)));
				json_object_object_add(pay, "accountNumber",
				    json_object_new_string(
					zt_tenant_mask_account(
					    req->arena, PQgetvalue(r, 0, 3))));
				json_object_object_add(pay, "ifsc",
				    json_object_new_string(
					PQgetvalue(r, 0, 4)));
			}
			json_object_object_add(pay, "updatedAt",
			    zt_json_epoch(PQgetvalue(r, 0, 5)));
		}
		json_object_object_add(t, "payout", pay);
	}
	*out = t;
	return ZT_OK;
}

/* Normalise a contact email / phone field; "" stays "" (cleared). */
static enum zt_err
contact(struct zt_req *req, const char *field, const char *in, int email,
    const char **out)
{
	char buf[256];
	if (in == NULL || *in == '\0') {
		*out = in;
		return ZT_OK;
	}
	if ((email ? zt_ident_email(in, buf, sizeof(buf))
		   : zt_ident_phone(in, buf, sizeof(buf))) != 0)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field '%s' must be %s", field,
		    email ? "an email address" : "a phone number");
	*out = zt_arena_strdup(req->arena, buf);
	return ZT_OK;
}

static const char *
nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

/* In dev, approve at once so the demo needs no admin console. */
static enum zt_err
auto_approve(struct zt_req *req)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {req->tenant_id};
	enum zt_err e;
	if (strcmp(zt_g.cfg.env, "dev") != 0)
		return ZT_OK;
	PGresult *r = zt_db_exec(req, &err, &q_activate, p);
	if (r == NULL)
		return zt_fail_error(req, &err);
	if (strcmp(PQgetvalue(r, 0, 0), "t") != 0)
		return ZT_OK;
	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "automatic",
	    json_object_new_string(
		"ZT_ENV=dev approves new organizations at once"));
	if ((e = zt_audit(req, "tenant.approved",
		 zt_arena_printf(req->arena, "tenant:%s", req->tenant_id),
		 d)) != ZT_OK)
		return e;
	return ZT_OK;
}

/* Insert the tenant under the first free slug; 409 for an explicit one. */
static enum zt_err
insert_tenant(struct zt_req *req, const struct zt_tenant_new *in,
    const char *email, const char *phone)
{
	struct zt_error err = ZT_ERROR_INIT;
	char base[ZT_SLUG_TENANT_MAX + 1], slug[ZT_SLUG_TENANT_MAX + 1];
	const char *p[6];
	PGresult *r;

	if (in->slug == NULL &&
	    zt_slug_derive(in->name, base, ZT_SLUG_TENANT_MAX) != 0)
		snprintf(base, sizeof(base), "%s", "org");
	p[0] = req->tenant_id;
	p[1] = slug;
	p[2] = in->name;
	p[3] = nonempty(in->institution);
	p[4] = email;
	p[5] = nonempty(phone);
	for (unsigned n = 1; n <= SLUG_TRIES; n++) {
		if (in->slug != NULL)
			snprintf(slug, sizeof(slug), "%s", in->slug);
		else
			zt_slug_next(base, n, slug, ZT_SLUG_TENANT_MAX);
		if (in->slug == NULL && zt_tenant_slug_reserved(slug))
			continue;
		if ((r = zt_db_exec(req, &err, &q_insert, p)) == NULL)
			return zt_fail_error(req, &err);
		if (PQntuples(r) == 1)
			return ZT_OK;
		if (in->slug != NULL)
			break;
	}
	zt_fail_detail(req, "field", json_object_new_string("slug"));
	return zt_fail(req, ZT_ECONFLICT, "slug_taken",
	    "the slug '%s' is taken; choose another", slug);
}

enum zt_err
zt_tenant_onboard(struct zt_req *req, const struct zt_tenant_new *in,
    struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2], *email, *phone;
	struct json_object *body = NULL, *t = NULL;
	PGresult *r;
	enum zt_err e;

	if (in->slug != NULL && !zt_slug_valid(in->slug, ZT_SLUG_TENANT_MAX))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'slug' must be 1 to %d characters of a-z, 0-9 "
		    "and '-', starting and ending with a letter or digit",
		    ZT_SLUG_TENANT_MAX);
	if (in->slug != NULL && zt_tenant_slug_reserved(in->slug)) {
		zt_fail_detail(req, "field", json_object_new_string("slug"));
		return zt_fail(req, ZT_ECONFLICT, "slug_taken",
		    "the slug '%s' is reserved; choose another", in->slug);
	}
	if ((e = contact(req, "contactEmail", in->contact_email, 1, &email)) !=
		ZT_OK ||
	    (e = contact(req, "contactPhone", in->contact_phone, 0, &phone)) !=
		ZT_OK)
		return e;
	if (zt_db_begin(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	p[0] = req->user_id;
	if ((r = zt_db_exec(req, &err, &q_pending, p)) == NULL)
		return zt_fail_error(req, &err);
	if (atoi(PQgetvalue(r, 0, 0)) >= ZT_TENANT_MAX_PENDING)
		return zt_fail(req, ZT_ECONFLICT, "too_many_pending",
		    "you already have %d organizations waiting for approval",
		    ZT_TENANT_MAX_PENDING);

	/* the new tenant is the request's scope from here on */
	zt_uuid_new(req->tenant_id);
	if (zt_db_scope_tenant(req, &err, req->tenant_id, req->user_id) !=
	    ZT_OK)
		return zt_fail_error(req, &err);
	if ((e = insert_tenant(req, in, email, phone)) != ZT_OK)
		return e;
	p[0] = req->tenant_id;
	p[1] = req->user_id;
	if (zt_db_exec(req, &err, &q_owner, p) == NULL)
		return zt_fail_error(req, &err);
	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "name", json_object_new_string(in->name));
	if ((e = zt_audit(req, "tenant.created",
		 zt_arena_printf(req->arena, "tenant:%s", req->tenant_id),
		 d)) != ZT_OK)
		return e;
	if ((e = auto_approve(req)) != ZT_OK)
		return e;
	if ((e = tenant_body(req, 1, &t)) != ZT_OK)
		return e;
	body = json_object_new_object();
	json_object_object_add(body, "tenant", t);
	/* reads the membership just inserted: the token says owner */
	if ((e = zt_session_token_for(
		 req, req->user_id, req->tenant_id, body)) == ZT_OK &&
	    zt_db_commit(req, &err) != ZT_OK)
		e = zt_fail_error(req, &err);
	if (e != ZT_OK) {

		json_object_put(body);
		return e;
	}
	*out = body;
	return ZT_OK;
}

enum zt_err
zt_tenant_get(struct zt_req *req, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	enum zt_role role;
	enum zt_err e;
	struct json_object *t;
	if ((e = zt_team_begin(req, ZT_ROLE_SCANNER, &role)) != ZT_OK)
		return e;
	if ((e = tenant_body(req, role == ZT_ROLE_OWNER, &t)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK) {
		json_object_put(t);
		return zt_fail_error(req, &err);
	}
	*out = t;
	return ZT_OK;
}

static const char *const branding_keys[] = {
    "accent", "logoUrl", "tagline", NULL};

/* Merge a branding patch into cur (owned by the caller). */
static enum zt_err
merge_branding(
    struct zt_req *req, struct json_object *patch, struct json_object *cur)
{
	const char *accent = NULL, *logo = NULL, *tagline = NULL;
	int has_accent, has_logo, has_tagline;
	enum zt_err e;

	if (!json_object_is_type(patch, json_type_object))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'branding' must be an object");
	if ((e = zt_json_known(req, patch, "branding.", branding_keys)) !=
		ZT_OK ||
	    (e = zt_json_str(req, patch, "accent", ZT_OPTIONAL, 7, &accent,
		 &has_accent)) != ZT_OK ||
	    (e = zt_json_url(req, patch, "logoUrl", ZT_OPTIONAL, &logo,
		 &has_logo)) != ZT_OK ||
	    (e = zt_json_str(req, patch, "tagline", ZT_OPTIONAL, 200, &tagline,
		 &has_tagline)) != ZT_OK)
		return e;
	if (has_accent && *accent != '\0' &&
	    (e = zt_json_colour(
		 req, patch, "accent", ZT_OPTIONAL, &accent, NULL)) != ZT_OK)
		return e;
	const char *keys[3] = {"accent", "logoUrl", "tagline"};
	const char *vals[3] = {accent, logo, tagline};
	int has[3] = {has_accent, has_logo, has_tagline};
	for (int i = 0; i < 3; i++) {
		if (!has[i])
			continue;
		if (*vals[i] == '\0')
			json_object_object_del(cur, keys[i]);
		else
			json_object_object_add(
			    cur, keys[i], json_object_new_string(vals[i]));
	}
	return ZT_OK;
}

static const char *const payout_keys[] = {
    "method", "upiId", "accountName", "accountNumber", "ifsc", NULL};

/* Write or remove the payout details from a patch value (NULL: remove). */
static enum zt_err
put_payout(struct zt_req *req, struct json_object *v)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *method = NULL, *upi = NULL, *name = NULL, *acct = NULL,
		   *ifsc = NULL, *p[6];
	enum zt_err e;

	if (v == NULL) {
		p[0] = req->tenant_id;
		if (zt_db_exec(req, &err, &q_payout_del, p) == NULL)
			return zt_fail_error(req, &err);
		return zt_audit(req, "tenant.payout_removed",
		    zt_arena_printf(req->arena, "tenant:%s", req->tenant_id),
		    NULL);
	}
	if (!json_object_is_type(v, json_type_object))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'payout' must be an object or null");
	if ((e = zt_json_known(req, v, "payout.", payout_keys)) != ZT_OK ||
	    (e = zt_json_str(
		 req, v, "method", ZT_REQUIRED, 8, &method, NULL)) != ZT_OK)
		return e;
	if (strcmp(method, "upi") == 0) {
		if ((e = zt_json_str(req, v, "upiId", ZT_REQUIRED, 129, &upi,
			 NULL)) != ZT_OK)
			return e;
		if (!zt_tenant_upi_valid(upi))
			return zt_fail(req, ZT_EBADREQ, "invalid_field",
			    "field 'payout.upiId' must be a UPI id like "
			    "name@bank");
	} else if (strcmp(method, "bank") == 0) {
		if ((e = zt_json_str(req, v, "accountName", ZT_REQUIRED, 200,
			 &name, NULL)) != ZT_OK ||
		    (e = zt_json_str(req, v, "accountNumber", ZT_REQUIRED, 20,
			 &acct, NULL)) != ZT_OK ||
		    (e = zt_json_str(req, v, "ifsc", ZT_REQUIRED, 11, &ifsc,
			 NULL)) != ZT_OK)
			return e;
		if (!zt_tenant_account_valid(acct))
			return zt_fail(req, ZT_EBADREQ, "invalid_field",
			    "field 'payout.accountNumber' must be 6 to 20 "
			    "digits");
		char *up = zt_arena_strdup(req->arena, ifsc);
		for (char *c = up; *c; c++)
			if (*c >= 'a' && *c <= 'z')
				*c = (char)(*c - 'a' + 'A');
		if (!zt_tenant_ifsc_valid(up))
			return zt_fail(req, ZT_EBADREQ, "invalid_field",
			    "field 'payout.ifsc' must be an IFSC like "
			    "HDFC0001234");
		ifsc = up;
	} else {
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'payout.method' must be upi or bank");
	}
	p[0] = req->tenant_id;
	p[1] = method;
	p[2] = upi;
	p[3] = name;
	p[4] = acct;
	p[5] = ifsc;
	if (zt_db_exec(req, &err, &q_payout_put, p) == NULL)
		return zt_fail_error(req, &err);
	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "method", json_object_new_string(method));
	return zt_audit(req, "tenant.payout_updated",
	    zt_arena_printf(req->arena, "tenant:%s", req->tenant_id), d);
}

static const char *const patch_keys[] = {"name", "institution", "contactEmail",
    "contactPhone", "branding", "payout", NULL};

enum zt_err
zt_tenant_patch(
    struct zt_req *req, struct json_object *patch, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *name = NULL, *inst = NULL, *email = NULL, *phone = NULL;
	int has_name, has_inst, has_email, has_phone, has_payout;
	struct json_object *bpatch = NULL, *payout = NULL, *branding, *fields;
	const char *p[6];
	enum zt_role role;
	PGresult *r;
	enum zt_err e;

	if ((e = zt_json_known(req, patch, NULL, patch_keys)) != ZT_OK ||
	    (e = zt_json_str(req, patch, "name", ZT_OPTIONAL, 200, &name,
		 &has_name)) != ZT_OK ||
	    (e = zt_json_str(req, patch, "institution", ZT_OPTIONAL, 200, &inst,
		 &has_inst)) != ZT_OK ||
	    (e = zt_json_str(req, patch, "contactEmail", ZT_OPTIONAL, 254,
		 &email, &has_email)) != ZT_OK ||
	    (e = zt_json_str(req, patch, "contactPhone", ZT_OPTIONAL, 32,
		 &phone, &has_phone)) != ZT_OK)
		return e;
	if (has_name && *name == '\0')
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'name' must not be empty");
	if (has_email && *email == '\0')
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'contactEmail' must not be empty");
	if ((e = contact(req, "contactEmail", email, 1, &email)) != ZT_OK ||
	    (e = contact(req, "contactPhone", phone, 0, &phone)) != ZT_OK)
		return e;
	json_object_object_get_ex(patch, "branding", &bpatch);
	has_payout = json_object_object_get_ex(patch, "payout", &payout);

	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, &role)) != ZT_OK)
		return e;
	if (has_payout && role != ZT_ROLE_OWNER)
		return zt_fail(req, ZT_EFORBIDDEN, "forbidden",
		    "only owners may change payout details");
	p[0] = req->tenant_id;
	if ((r = zt_db_exec(req, &err, &q_lock, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_ENOTFOUND, "tenant_not_found",
		    "this organization no longer exists");
	branding = zt_json_defer_put(req, branding_json(zt_db_val(r, 0, 4)));
	if (bpatch != NULL &&
	    (e = merge_branding(req, bpatch, branding)) != ZT_OK)
		return e;
	p[1] = has_name ? name : PQgetvalue(r, 0, 2);
	p[2] = has_inst ? nonempty(inst) : zt_db_val(r, 0, 3);
	p[3] = has_email ? email : zt_db_val(r, 0, 5);
	p[4] = has_phone ? nonempty(phone) : zt_db_val(r, 0, 6);
	p[5] = zt_json_text(req, branding, NULL);
	fields = json_object_new_array();
	for (const char *const *k = patch_keys; *k != NULL; k++)
		if (strcmp(*k, "payout") != 0 &&
		    json_object_object_get_ex(patch, *k, NULL))
			json_object_array_add(
			    fields, json_object_new_string(*k));
	if (json_object_array_length(fields) > 0) {
		if (zt_db_exec(req, &err, &q_update, p) == NULL) {
			json_object_put(fields);
			return zt_fail_error(req, &err);
		}
		struct json_object *d = json_object_new_object();
		json_object_object_add(d, "fields", fields);
		if ((e = zt_audit(req, "tenant.updated",
			 zt_arena_printf(
			     req->arena, "tenant:%s", req->tenant_id),
			 d)) != ZT_OK)
			return e;
	} else {
		json_object_put(fields);
	}
	if (has_payout && (e = put_payout(req, payout)) != ZT_OK)
		return e;
	if ((e = tenant_body(req, role == ZT_ROLE_OWNER, out)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK) {
		json_object_put(*out);
		*out = NULL;
		return zt_fail_error(req, &err);
	}
	return ZT_OK;
}

/*
 * tenants - organizers and their teams (/api/tenants/…).
 * Rules live in lib/zt_tenant.c and lib/zt_team.c; docs/organizers.md.
 */
#include "config.h"

#include <string.h>

#include "zt_apitoken.h"
#include "zt_finance.h"
#include "zt_finance_statement.h"
#include "zt_invoice.h"
#include "zt_json.h"
#include "zt_media.h"
#include "zt_promo.h"
#include "zt_serve.h"
#include "zt_team.h"
#include "zt_ticket.h"
#include "zt_tenant.h"
#include "zt_venue.h"
#include "zt_whout.h"

static const char *const onboard_keys[] = {
    "name", "slug", "institution", "contactEmail", "contactPhone", NULL};

static enum zt_err
post_onboard(struct zt_req *req)
{
	struct zt_tenant_new in = {0};
	struct json_object *out;
	enum zt_err e;

	if ((e = zt_json_known(req, req->json, NULL, onboard_keys)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "name", ZT_REQUIRED, 200, &in.name,
		 NULL)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "slug", ZT_OPTIONAL, 64, &in.slug,
		 NULL)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "institution", ZT_OPTIONAL, 200,
		 &in.institution, NULL)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "contactEmail", ZT_REQUIRED, 254,
		 &in.contact_email, NULL)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "contactPhone", ZT_OPTIONAL, 32,
		 &in.contact_phone, NULL)) != ZT_OK)
		return e;
	if ((e = zt_tenant_onboard(req, &in, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 201, out);
}

static enum zt_err
get_me(struct zt_req *req)
{
	struct json_object *out;
	enum zt_err e = zt_tenant_get(req, &out);
	return e != ZT_OK ? e : zt_reply(req, 200, out);
}

static enum zt_err
patch_me(struct zt_req *req)
{
	struct json_object *out;
	enum zt_err e;
	if (req->json == NULL)
		return zt_fail(req, ZT_EBADREQ, "invalid_json",
		    "send the changes as a JSON object");
	if ((e = zt_tenant_patch(req, req->json, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

static enum zt_err
get_members(struct zt_req *req)
{
	struct json_object *out;
	enum zt_err e = zt_team_list(req, &out);
	return e != ZT_OK ? e : zt_reply(req, 200, out);
}

static const char *const member_keys[] = {"email", "phone", "role", NULL};

static enum zt_err
post_member(struct zt_req *req)
{
	const char *email = NULL, *phone = NULL, *role = NULL;
	struct json_object *out;
	enum zt_err e;

	if ((e = zt_json_known(req, req->json, NULL, member_keys)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "email", ZT_OPTIONAL, 254, &email,
		 NULL)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "phone", ZT_OPTIONAL, 32, &phone,
		 NULL)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "role", ZT_REQUIRED, 16, &role,
		 NULL)) != ZT_OK)
		return e;
	if ((e = zt_team_invite(req, email, phone, role, &out)) != ZT_OK)
		return e;
	/* accepted for the invitee to decide: nobody joins until they do */
	return zt_reply(req, 202, out);
}

static const char *const role_keys[] = {"role", NULL};

static enum zt_err
patch_member(struct zt_req *req)
{
	const char *role = NULL;
	struct json_object *out;
	enum zt_err e;

	if ((e = zt_json_known(req, req->json, NULL, role_keys)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "role", ZT_REQUIRED, 16, &role,
		 NULL)) != ZT_OK)
		return e;
	if ((e = zt_team_set_role(req, zt_param(req, "userId"), role, &out)) !=
	    ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

static enum zt_err
delete_member(struct zt_req *req)
{
	enum zt_err e = zt_team_remove(req, zt_param(req, "userId"));
	return e != ZT_OK ? e : zt_reply(req, 204, NULL);
}

static enum zt_err
get_invitations(struct zt_req *req)
{
	struct json_object *out;
	enum zt_err e = zt_team_invitations(req, &out);
	return e != ZT_OK ? e : zt_reply(req, 200, out);
}

/* Answer status with *out once the lib call returned e (the key routes). */
static enum zt_err
keys_reply(
    struct zt_req *req, enum zt_err e, int status, struct json_object **out)
{
	return e != ZT_OK ? e : zt_reply(req, status, *out);
}

static enum zt_err
get_ticket_keys(struct zt_req *req)
{
	struct json_object *out = NULL;
	return keys_reply(req, zt_ticket_keys_list(req, &out), 200, &out);
}

static enum zt_err
post_ticket_keys(struct zt_req *req)
{
	struct json_object *out = NULL;
	return keys_reply(req, zt_ticket_keys_rotate(req, &out), 201, &out);
}

static enum zt_err
post_ticket_key_revoke(struct zt_req *req)
{
	struct json_object *out = NULL;
	return keys_reply(req,
	    zt_ticket_keys_revoke(req, zt_param(req, "kid"), &out), 200, &out);
}

static enum zt_err
delete_invitation(struct zt_req *req)
{
	enum zt_err e = zt_team_revoke(req, zt_param(req, "id"));
	return e != ZT_OK ? e : zt_reply(req, 204, NULL);
}

static enum zt_err
get_my_invitations(struct zt_req *req)
{
	struct json_object *out;
	enum zt_err e = zt_team_invitations_mine(req, &out);
	return e != ZT_OK ? e : zt_reply(req, 200, out);
}

static const char *const accept_keys[] = {"token", NULL};

static enum zt_err
post_accept(struct zt_req *req)
{
	const char *token = NULL;
	struct json_object *out;
	enum zt_err e;

	if ((e = zt_json_known(req, req->json, NULL, accept_keys)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "token", ZT_REQUIRED, 128, &token,
		 NULL)) != ZT_OK)
		return e;
	if ((e = zt_team_accept(req, token, NULL, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

static enum zt_err
post_accept_id(struct zt_req *req)
{
	struct json_object *out;
	enum zt_err e = zt_team_accept(req, NULL, zt_param(req, "id"), &out);
	return e != ZT_OK ? e : zt_reply(req, 200, out);
}

/* ?format=: json (or none), csv or pdf; 400 for anything else */
static enum zt_err
finance_format(struct zt_req *req, int *fmt)
{
	const char *f = zt_query(req, "format");
	*fmt = ZT_FIN_JSON;
	if (f == NULL || strcmp(f, "json") == 0)
		return ZT_OK;
	if (strcmp(f, "csv") == 0)
		*fmt = ZT_FIN_CSV;
	else if (strcmp(f, "pdf") == 0)
		*fmt = ZT_FIN_PDF;
	else
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "query parameter 'format' must be json, csv or pdf");
	return ZT_OK;
}

/* a statement's reply: JSON, or the CSV/PDF as an attachment named
 * base.csv / base.pdf */
static enum zt_err
finance_reply(struct zt_req *req, int fmt, struct json_object *out,
    const char *text, size_t len, const char *base)
{
	enum zt_err e;
	int pdf = fmt == ZT_FIN_PDF;
	if (out != NULL)
		return zt_reply(req, 200, out);
	zt_reply_header(req, "Content-Disposition",
	    zt_arena_printf(req->arena, "attachment; filename=\"%s.%s\"", base,
		pdf ? "pdf" : "csv"));
	zt_reply_header(req, "Cache-Control", "private, no-store");
	e = zt_reply_text(req, 200, text, len);
	req->resp_type = pdf ? "application/pdf" : "text/csv; charset=utf-8";
	return e;
}

/* An event's ledger: the statement, or ?format=csv its lines. */
static enum zt_err
get_finance_event(struct zt_req *req)
{
	struct json_object *out = NULL;
	const char *text;
	size_t len;
	enum zt_err e;
	int fmt;
	if ((e = finance_format(req, &fmt)) != ZT_OK)
		return e;
	if ((e = zt_finance_ledger(
		 req, zt_param(req, "id"), fmt, &out, &text, &len)) != ZT_OK)
		return e;
	return finance_reply(req, fmt, out, text, len,
	    fmt == ZT_FIN_PDF ? "statement" : "ledger");
}

/* A month's statement (India's time), or ?format=csv a row per event. */
static enum zt_err
get_finance_month(struct zt_req *req)
{
	struct json_object *out = NULL;
	const char *text, *month = zt_param(req, "month");
	size_t len;
	enum zt_err e;
	int fmt;
	if ((e = finance_format(req, &fmt)) != ZT_OK)
		return e;
	if ((e = zt_finance_month(req, month, fmt, &out, &text, &len)) != ZT_OK)
		return e;
	return finance_reply(req, fmt, out, text, len,
	    zt_arena_printf(req->arena, "statement-%s", month));
}

/* promo codes (docs/commerce.md) */
static enum zt_err
get_promo_codes(struct zt_req *req)
{
	struct json_object *out = NULL;
	enum zt_err e = zt_promo_list(req, zt_query(req, "eventId"), &out);
	return e != ZT_OK ? e : zt_reply(req, 200, out);
}

static enum zt_err
post_promo_codes(struct zt_req *req)
{
	struct json_object *out = NULL;
	enum zt_err e;
	if (req->json == NULL)
		return zt_fail(req, ZT_EBADREQ, "invalid_json",
		    "send the code as a JSON object");
	e = zt_promo_create(req, req->json, &out);
	return e != ZT_OK ? e : zt_reply(req, 201, out);
}

static enum zt_err
post_promo_disable(struct zt_req *req)
{
	struct json_object *out = NULL;
	enum zt_err e = zt_promo_disable(req, zt_param(req, "id"), &out);
	return e != ZT_OK ? e : zt_reply(req, 200, out);
}

static enum zt_err
get_promo_batch_csv(struct zt_req *req)
{
	const char *csv = NULL;
	size_t len = 0;
	enum zt_err e = zt_promo_export(req, zt_param(req, "id"), &csv, &len);
	if (e != ZT_OK)
		return e;
	req->resp_type = "text/csv; charset=utf-8";
	zt_reply_header(req, "Content-Disposition",
	    "attachment; filename=\"promo-codes.csv\"");
	zt_reply_header(req, "Cache-Control", "private, no-store");
	return zt_reply_text(req, 200, csv, len);
}

static const char *const token_keys[] = {"name", "scopes", "expiresAt", NULL};

static enum zt_err
post_token(struct zt_req *req)
{
	const char *name = NULL;
	struct json_object *scopes = NULL, *out;
	int64_t expires = 0;
	enum zt_err e;

	if ((e = zt_json_known(req, req->json, NULL, token_keys)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "name", ZT_REQUIRED, 80, &name,
		 NULL)) != ZT_OK ||
	    (e = zt_json_array(req, req->json, "scopes", ZT_REQUIRED, 5,
		 &scopes, NULL)) != ZT_OK ||
	    (e = zt_json_time(req, req->json, "expiresAt", ZT_OPTIONAL,
		 &expires, NULL)) != ZT_OK)
		return e;
	if (*name == '\0')
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'name' must not be empty");
	if ((e = zt_apitoken_create(req, name, scopes, expires, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 201, out);
}

static enum zt_err
get_tokens(struct zt_req *req)
{
	struct json_object *out;
	enum zt_err e = zt_apitoken_list(req, &out);
	return e != ZT_OK ? e : zt_reply(req, 200, out);
}

static enum zt_err
delete_token(struct zt_req *req)
{
	enum zt_err e = zt_apitoken_revoke(req, zt_param(req, "tokenId"));
	return e != ZT_OK ? e : zt_reply(req, 204, NULL);
}

static const char *const webhook_keys[] = {
    "url", "events", "description", "enabled", NULL};

/* The fields of a webhook body; on POST url and events are required. */
static enum zt_err
webhook_fields(struct zt_req *req, enum zt_json_opt must, const char **url,
    struct json_object **events, const char **description, int *enable)
{
	int present = 0;
	enum zt_err e;
	if (req->json == NULL)
		return zt_fail(req, ZT_EBADREQ, "invalid_json",
		    "send the webhook as a JSON object");
	if ((e = zt_json_known(req, req->json, NULL, webhook_keys)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "url", must, 2048, url, NULL)) !=
		ZT_OK ||
	    (e = zt_json_array(
		 req, req->json, "events", must, 7, events, NULL)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "description", ZT_OPTIONAL, 200,
		 description, NULL)) != ZT_OK ||
	    (e = zt_json_bool(req, req->json, "enabled", ZT_OPTIONAL, enable,
		 &present)) != ZT_OK)
		return e;
	if (present && *enable == 0)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'enabled' may only be true (delete a webhook to "
		    "stop it)");
	if (!present)
		*enable = -1;
	return ZT_OK;
}

static enum zt_err
post_webhook(struct zt_req *req)
{
	const char *url = NULL, *description = NULL;
	struct json_object *events = NULL, *out;
	int enable;
	enum zt_err e;
	if ((e = webhook_fields(req, ZT_REQUIRED, &url, &events, &description,
		 &enable)) != ZT_OK ||
	    (e = zt_whout_create(req, url, events, description, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 201, out);
}

static enum zt_err
get_webhooks(struct zt_req *req)
{
	struct json_object *out;
	enum zt_err e = zt_whout_list(req, &out);
	return e != ZT_OK ? e : zt_reply(req, 200, out);
}

static enum zt_err
patch_webhook(struct zt_req *req)
{
	const char *url = NULL, *description = NULL;
	struct json_object *events = NULL, *out;
	int enable;
	enum zt_err e;
	if ((e = webhook_fields(req, ZT_OPTIONAL, &url, &events, &description,
		 &enable)) != ZT_OK ||
	    (e = zt_whout_update(req, zt_param(req, "webhookId"), url, events,
		 description, enable, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

static enum zt_err
delete_webhook(struct zt_req *req)
{
	enum zt_err e = zt_whout_delete(req, zt_param(req, "webhookId"));
	return e != ZT_OK ? e : zt_reply(req, 204, NULL);
}

static enum zt_err
post_webhook_rotate(struct zt_req *req)
{
	struct json_object *out;
	enum zt_err e = zt_whout_rotate(req, zt_param(req, "webhookId"), &out);
	return e != ZT_OK ? e : zt_reply(req, 200, out);
}

static enum zt_err
get_webhook_deliveries(struct zt_req *req)
{
	struct json_object *out;
	enum zt_err e =
	    zt_whout_deliveries(req, zt_param(req, "webhookId"), &out);
	return e != ZT_OK ? e : zt_reply(req, 200, out);
}

static enum zt_err
post_redeliver(struct zt_req *req)
{
	struct json_object *out;
	enum zt_err e = zt_whout_redeliver(
	    req, zt_param(req, "webhookId"), zt_param(req, "deliveryId"), &out);
	return e != ZT_OK ? e : zt_reply(req, 202, out);
}

static enum zt_err
put_logo(struct zt_req *req)
{
	struct json_object *out;
	enum zt_err e = zt_media_put_logo(req, &out);
	return e != ZT_OK ? e : zt_reply(req, 200, out);
}

/* GST invoices for the platform's fee (docs/finance.md, "GST invoices") */
static enum zt_err
get_gst(struct zt_req *req)
{
	struct json_object *out = NULL;
	enum zt_err e = zt_invoice_gst_get(req, &out);
	return e != ZT_OK ? e : zt_reply(req, 200, out);
}

static enum zt_err
put_gst(struct zt_req *req)
{
	struct json_object *out = NULL;
	enum zt_err e;
	if (req->json == NULL)
		return zt_fail(req, ZT_EBADREQ, "invalid_json",
		    "send the GST registration as a JSON object");
	e = zt_invoice_gst_put(req, req->json, &out);
	return e != ZT_OK ? e : zt_reply(req, 200, out);
}

static enum zt_err
get_invoices(struct zt_req *req)
{
	struct json_object *out = NULL;
	enum zt_err e = zt_invoice_list(req, &out);
	return e != ZT_OK ? e : zt_reply(req, 200, out);
}

/* JSON, or the PDF with ?format=pdf or Accept: application/pdf */
static enum zt_err
get_invoice(struct zt_req *req)
{
	struct json_object *out = NULL;
	const char *text, *accept = zt_header(req, "Accept");
	size_t len;
	enum zt_err e;
	int fmt;
	if ((e = finance_format(req, &fmt)) != ZT_OK)
		return e;
	if (fmt == ZT_FIN_CSV)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "query parameter 'format' must be json or pdf");
	if (zt_query(req, "format") == NULL && accept != NULL &&
	    strstr(accept, "application/pdf") != NULL)
		fmt = ZT_FIN_PDF;
	if ((e = zt_invoice_get(req, zt_param(req, "id"), fmt == ZT_FIN_PDF,
		 &out, &text, &len)) != ZT_OK)
		return e;
	return finance_reply(req, fmt, out, text, len, "invoice");
}

/* ---- saved venues (docs/commerce.md, "Venues") ---- */

static enum zt_err
get_venues(struct zt_req *req)
{
	struct json_object *out;
	enum zt_err e = zt_venue_list(req, &out);
	return e != ZT_OK ? e : zt_reply(req, 200, out);
}

static enum zt_err
get_venue(struct zt_req *req)
{
	struct json_object *out;
	enum zt_err e = zt_venue_get(req, zt_param(req, "id"), &out);
	return e != ZT_OK ? e : zt_reply(req, 200, out);
}

static enum zt_err
post_venue(struct zt_req *req)
{
	struct json_object *out;
	enum zt_err e = zt_venue_create(req, req->json, &out);
	return e != ZT_OK ? e : zt_reply(req, 201, out);
}

static enum zt_err
patch_venue(struct zt_req *req)
{
	struct json_object *out;
	enum zt_err e =
	    zt_venue_update(req, zt_param(req, "id"), req->json, &out);
	return e != ZT_OK ? e : zt_reply(req, 200, out);
}

static enum zt_err
delete_venue(struct zt_req *req)
{
	enum zt_err e = zt_venue_delete(req, zt_param(req, "id"));
	return e != ZT_OK ? e : zt_reply(req, 204, NULL);
}

static enum zt_err
post_venue_apply(struct zt_req *req)
{
	struct json_object *out;
	enum zt_err e =
	    zt_venue_apply(req, zt_param(req, "id"), req->json, &out);
	return e != ZT_OK ? e : zt_reply(req, 200, out);
}

static const struct zt_route routes[] = {
    {"POST", "/api/tenants/onboard", post_onboard, ZT_AUTH_USER, 4096, 0},
    {"GET", "/api/tenants/me", get_me, ZT_AUTH_SCANNER, 0, 0},
    {"PATCH", "/api/tenants/me", patch_me, ZT_AUTH_MANAGER, 8192, 0},
    {"PUT", "/api/tenants/me/logo", put_logo, ZT_AUTH_MANAGER,
	ZT_MEDIA_MAX_BYTES, ZT_ROUTE_RAW_BODY},
    /* money: the ledger of an event (docs/finance.md) */
    {"GET", "/api/tenants/me/finance/events/:id", get_finance_event,
	ZT_AUTH_MANAGER, 0, 0},
    {"GET", "/api/tenants/me/members", get_members, ZT_AUTH_MANAGER, 0, 0},
    {"POST", "/api/tenants/me/members", post_member, ZT_AUTH_MANAGER, 1024, 0},
    {"PATCH", "/api/tenants/me/members/:userId", patch_member, ZT_AUTH_MANAGER,
	1024, 0},
    /* scanners too: anyone may leave (zt_team_remove checks the rest) */
    {"DELETE", "/api/tenants/me/members/:userId", delete_member,
	ZT_AUTH_SCANNER, 0, 0},
    {"GET", "/api/tenants/me/invitations", get_invitations, ZT_AUTH_MANAGER, 0,
	0},
    {"DELETE", "/api/tenants/me/invitations/:id", delete_invitation,
	ZT_AUTH_MANAGER, 0, 0},
    {"GET", "/api/tenants/me/promo-codes", get_promo_codes, ZT_AUTH_MANAGER, 0,
	0},
    /* a bulk request of ZT_PROMO_BULK_MAX codes is a small body */
    {"POST", "/api/tenants/me/promo-codes", post_promo_codes, ZT_AUTH_MANAGER,
	8192, 0},
    /* the page posts {} */
    {"POST", "/api/tenants/me/promo-codes/:id/disable", post_promo_disable,
	ZT_AUTH_MANAGER, 256, 0},
    {"GET", "/api/tenants/me/promo-codes/batches/:id/codes.csv",
	get_promo_batch_csv, ZT_AUTH_MANAGER, 0, 0},
    /* the keys that sign the tenant's tickets (docs/tickets.md) */
    {"GET", "/api/tenants/me/ticket-keys", get_ticket_keys, ZT_AUTH_SCANNER, 0,
	0},
    {"POST", "/api/tenants/me/ticket-keys", post_ticket_keys, ZT_AUTH_OWNER, 0,
	0},
    {"POST", "/api/tenants/me/ticket-keys/:kid/revoke", post_ticket_key_revoke,
	ZT_AUTH_OWNER, 0, 0},
    /* API tokens (docs/api-tokens.md): owners, never a token */
    {"GET", "/api/tenants/me/tokens", get_tokens, ZT_AUTH_OWNER, 0, 0},
    {"POST", "/api/tenants/me/tokens", post_token, ZT_AUTH_OWNER, 2048, 0},
    {"DELETE", "/api/tenants/me/tokens/:tokenId", delete_token, ZT_AUTH_OWNER,
	0, 0},
    /* outgoing webhooks (docs/webhooks.md): owners */
    {"GET", "/api/tenants/me/webhooks", get_webhooks, ZT_AUTH_OWNER, 0, 0},
    {"POST", "/api/tenants/me/webhooks", post_webhook, ZT_AUTH_OWNER, 4096, 0},
    {"PATCH", "/api/tenants/me/webhooks/:webhookId", patch_webhook,
	ZT_AUTH_OWNER, 4096, 0},
    {"DELETE", "/api/tenants/me/webhooks/:webhookId", delete_webhook,
	ZT_AUTH_OWNER, 0, 0},
    {"POST", "/api/tenants/me/webhooks/:webhookId/rotate", post_webhook_rotate,
	ZT_AUTH_OWNER, 0, 0},
    {"GET", "/api/tenants/me/webhooks/:webhookId/deliveries",
	get_webhook_deliveries, ZT_AUTH_OWNER, 0, 0},
    {"POST",
	"/api/tenants/me/webhooks/:webhookId/deliveries/:deliveryId/redeliver",
	post_redeliver, ZT_AUTH_OWNER, 0, 0},
    /* the invitee's side: any signed-in user, whatever their tenant */
    {"GET", "/api/tenants/invitations/mine", get_my_invitations, ZT_AUTH_USER,
	0, 0},
    {"POST", "/api/tenants/invitations/accept", post_accept, ZT_AUTH_USER, 1024,
	0},
    {"POST", "/api/tenants/invitations/:id/accept", post_accept_id,
	ZT_AUTH_USER, 1024, 0},
    /* money: a month's statement (docs/finance.md, "Statements") */
    {"GET", "/api/tenants/me/finance/months/:month", get_finance_month,
	ZT_AUTH_MANAGER, 0, 0},
    /* GST invoices and the registration they name (docs/finance.md) */
    {"GET", "/api/tenants/me/finance/invoices", get_invoices, ZT_AUTH_MANAGER,
	0, 0},
    {"GET", "/api/tenants/me/finance/invoices/:id", get_invoice,
	ZT_AUTH_MANAGER, 0, 0},
    {"GET", "/api/tenants/me/gst", get_gst, ZT_AUTH_MANAGER, 0, 0},
    {"PUT", "/api/tenants/me/gst", put_gst, ZT_AUTH_OWNER, 1024, 0},
    /* saved venues: a layout document of up to 1 MiB, as an event's */
    {"GET", "/api/tenants/me/venues", get_venues, ZT_AUTH_MANAGER, 0, 0},
    {"POST", "/api/tenants/me/venues", post_venue, ZT_AUTH_MANAGER, 1024 * 1024,
	0},
    {"GET", "/api/tenants/me/venues/:id", get_venue, ZT_AUTH_MANAGER, 0, 0},
    {"PATCH", "/api/tenants/me/venues/:id", patch_venue, ZT_AUTH_MANAGER,
	1024 * 1024, 0},
    {"DELETE", "/api/tenants/me/venues/:id", delete_venue, ZT_AUTH_MANAGER, 0,
	0},
    {"POST", "/api/tenants/me/venues/:id/apply", post_venue_apply,
	ZT_AUTH_MANAGER, 1024, 0},
};

int
main(void)
{
	return zt_serve("tenants", routes, ZT_ROUTES_LEN(routes),
	    ZT_NEED_PG | ZT_NEED_REDIS | ZT_NEED_JWT | ZT_NEED_AUTH |
		ZT_NEED_TICKETS);
}

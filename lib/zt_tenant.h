/*
 * zt_tenant.h - organizers: onboarding, profile, branding, payout details.
 *
 * Any signed-in user may create a tenant and becomes its owner.  A new
 * tenant is `pending` until a platform admin approves it (the schema's
 * status trigger lets nobody else change status); in ZT_ENV=dev onboarding
 * approves it at once so the demo works without an admin console.  See
 * docs/organizers.md for the rules.
 *
 * Payout details are private to owners: returned masked (UPI
 * "pr****@okaxis", account "XXXXXX1234"), never in full.
 */
#ifndef ZT_TENANT_H
#define ZT_TENANT_H

#include <json-c/json.h>
#include <libpq-fe.h>

#include "zt_arena.h"
#include "zt_req.h"

/* Most tenants one user may have waiting for approval as owner. */
#define ZT_TENANT_MAX_PENDING 3

struct zt_tenant_new {
	const char *name;	   /* required, 1..200 */
	const char *slug;	   /* NULL: derived from name, made unique */
	const char *institution;   /* may be NULL */
	const char *contact_email; /* required, normalised here */
	const char *contact_phone; /* may be NULL, normalised here */
};

/*
 * Create the tenant, the caller's owner membership and the audit row in
 * one transaction, and answer with a fresh access token for it:
 * *out = {tenant, accessToken, expiresIn, tokenType, tenantId, role, user,
 * memberships} (caller owns it).  409 slug_taken for a taken explicit slug.
 */
enum zt_err zt_tenant_onboard(struct zt_req *req,
    const struct zt_tenant_new *in, struct json_object **out);

/* The active tenant's profile (payout details only for owners). */
enum zt_err zt_tenant_get(struct zt_req *req, struct json_object **out);

/*
 * Apply a PATCH document {name, institution, contactEmail, contactPhone,
 * branding: {accent, logoUrl, tagline}, payout: {method, …} | null}; ""
 * clears an optional field.  Payout changes need the owner role.
 */
enum zt_err zt_tenant_patch(
    struct zt_req *req, struct json_object *patch, struct json_object **out);

/*
 * What anyone may see of a tenant (its public card on event pages): select
 * ZT_TENANT_PUBLIC_COLS from `tenants t` and render them with
 * zt_tenant_public_json() starting at column col.
 */
#define ZT_TENANT_PUBLIC_COLS                                                  \
	"t.slug, t.name, t.institution, t.branding::text, t.contact_email,"    \
	" t.contact_phone"
struct json_object *zt_tenant_public_json(const PGresult *r, int row, int col);

/* Slugs kept for the platform's own paths ("admin", "mine", …). */
int zt_tenant_slug_reserved(const char *slug);

/* Validators of payout fields: 1 valid, 0 not. */
int zt_tenant_upi_valid(const char *s);
int zt_tenant_ifsc_valid(const char *s);
int zt_tenant_account_valid(const char *s);

/* Masked forms for display, in the arena. */
char *zt_tenant_mask_upi(struct zt_arena *a, const char *upi);
char *zt_tenant_mask_account(struct zt_arena *a, const char *number);

#endif

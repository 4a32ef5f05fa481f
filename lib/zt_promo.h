/*
 * zt_promo.h - promo codes and vouchers (docs/commerce.md).
 *
 * A code belongs to a tenant, for one event or all of them; it takes a
 * percentage or an amount off each ticket it applies to, sets their price,
 * or only unlocks hidden ticket types.  Caps (overall and per user), a
 * validity window, the ticket types / price categories it applies to and
 * a minimum quantity are checked by the server; the last use is guarded
 * in PostgreSQL (zt_promo_redeem).
 *
 * Buyer side: zt_promo_apply and zt_promo_redeem run inside the booking's
 * transaction (scoped to the event's tenant, acting as the buyer).
 * Organizer side: manager or owner of the active tenant, role re-read in
 * the database (zt_team_begin); every change is audited.
 */
#ifndef ZT_PROMO_H
#define ZT_PROMO_H

#include <json-c/json.h>
#include <stdint.h>

#include "zt_req.h"
#include "zt_uuid.h"

/* Failed code lookups one buyer may make before backoff (then 429). */
#define ZT_PROMO_FREE_MISSES 10
/* Codes one bulk request may generate. */
#define ZT_PROMO_BULK_MAX 1000

/* One line of an order as the promo sees it. */
struct zt_promo_line {
	const char *type_id;  /* the GA type, NULL for a seat */
	const char *category; /* the seat's price category, NULL for GA */
	int hidden;	      /* a hidden type: needs a code naming it */
	int qty;
	int64_t unit; /* the list price in; the price to pay out */
};

/* A code applied to an order. */
struct zt_promo_use {
	char id[ZT_UUID_BUF]; /* "" when no code */
	int64_t discount;     /* paise taken off the order's list prices */
};

/*
 * Apply code (as typed, may be NULL or "") to lines for event_id of
 * tenant: each unit it applies to gets its promo price.  No code: ZT_OK
 * unless a line is hidden (422 promo_required).  A code: counted as a
 * failed attempt until found (429 past ZT_PROMO_FREE_MISSES);
 * 422 naming promoCode when unknown (or another tenant's, or another
 * event's), disabled, not yet or no longer valid, applying to no line,
 * below its minimum quantity, or not unlocking a hidden line.  Does not
 * count a use (zt_promo_redeem does).
 */
enum zt_err zt_promo_apply(struct zt_req *req, const char *tenant,
    const char *event_id, const char *code, struct zt_promo_line *lines,
    size_t n, struct zt_promo_use *use);

/*
 * Count the use by booking_id (inserted in this transaction): the guarded
 * UPDATE … WHERE used < max_uses, so of concurrent buyers of the last use
 * exactly one passes; 422 promo_exhausted otherwise, or
 * promo_used_by_you past the code's per-user cap.
 */
enum zt_err zt_promo_redeem(
    struct zt_req *req, const struct zt_promo_use *use, const char *booking_id);

/*
 * Hidden ticket types.  zt_promo_unlocks: the code (as typed) of tenant
 * for event_id, looked up like zt_promo_apply (counted against guessing,
 * 422 naming promoCode when unknown, disabled or out of its window), in
 * its own transaction; *types = the comma-separated ids of the ticket
 * types it names ("" for none).  zt_promo_unlocks_type: is type_id one of
 * them?  zt_promo_reveal: POST /api/events/:id/unlock {promoCode}: the
 * event's hidden types the code unlocks, {ticketTypes: [...]} shaped like
 * the public layout's (422 promo_not_applicable when none).
 */
enum zt_err zt_promo_unlocks(struct zt_req *req, const char *tenant,
    const char *event_id, const char *code, const char **types);
int zt_promo_unlocks_type(const char *types, const char *type_id);
enum zt_err zt_promo_reveal(struct zt_req *req, const char *event_id,
    struct json_object *in, struct json_object **out);

/*
 * POST /api/tenants/me/promo-codes: one code ({code, …}, 201 the code) or
 * count single-use codes ({count, prefix?, …}, 201 {batchId, codes}).
 */
enum zt_err zt_promo_create(
    struct zt_req *req, struct json_object *in, struct json_object **out);
/* GET /api/tenants/me/promo-codes[?eventId=]: {codes: […]} */
enum zt_err zt_promo_list(
    struct zt_req *req, const char *event_id, struct json_object **out);
/* POST /api/tenants/me/promo-codes/:id/disable: the code (404 unknown) */
enum zt_err zt_promo_disable(
    struct zt_req *req, const char *id, struct json_object **out);
/* GET …/promo-codes/batches/:id/codes.csv: the batch as CSV (arena) */
enum zt_err zt_promo_export(
    struct zt_req *req, const char *batch_id, const char **csv, size_t *len);

#endif

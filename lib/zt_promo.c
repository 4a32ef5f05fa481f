/* zt_promo.c - promo codes and vouchers; see zt_promo.h. */
#include "zt_promo.h"
#include "zt_audit.h"
#include "zt_db.h"
#include "zt_json.h"
#include "zt_price.h"
#include "zt_rate.h"
#include "zt_salemap.h"
#include "zt_team.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ISO_OF(x)                                                              \
	"to_char(" x " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define ISO_FROM ISO_OF("valid_from")
#define ISO_UNTIL ISO_OF("valid_until")
#define ISO_MADE ISO_OF("created_at")

/* ------------------------------------------------------------ SQL ---- */

/* a code of the tenant ($1) for the event ($3), by its lowercase text */
enum find_col {
	FIND_ID,
	FIND_KIND,
	FIND_VALUE,
	FIND_MIN_QTY,
	FIND_TYPES, /* "id,id" or "" */
	FIND_CATS,
	FIND_STATE
};
static struct zt_sql q_find = ZT_SQL("promo_find",
    "SELECT id, kind, value, min_quantity,"
    " coalesce(array_to_string(ticket_type_ids, ','), ''),"
    " coalesce(array_to_string(price_category_ids, ','), ''),"
    " CASE WHEN disabled_at IS NOT NULL THEN 'disabled'"
    "  WHEN valid_from IS NOT NULL AND now() < valid_from THEN 'not_yet'"
    "  WHEN valid_until IS NOT NULL AND now() >= valid_until THEN 'expired'"
    "  ELSE 'ok' END"
    " FROM promo_codes WHERE tenant_id = $1 AND code = $2"
    " AND (event_id IS NULL OR event_id = $3)",
    3);
/*
 * The guarded use: the row lock orders racing buyers, and the one after
 * the last use re-reads the row and finds used < max_uses false.
 */
static struct zt_sql q_redeem = ZT_SQL("promo_redeem",
    "WITH c AS (UPDATE promo_codes SET used = used + 1"
    "  WHERE id = $1 AND (max_uses IS NULL OR used < max_uses)"
    "  AND (per_user IS NULL OR per_user > (SELECT count(*)"
    "   FROM promo_redemptions r WHERE r.code_id = $1 AND r.user_id = $3"
    "   AND r.released_at IS NULL))"
    "  RETURNING tenant_id, id)"
    " INSERT INTO promo_redemptions (tenant_id, code_id, booking_id, user_id)"
    " SELECT tenant_id, id, $2, $3 FROM c RETURNING id",
    3);
static struct zt_sql q_why = ZT_SQL("promo_why",
    "SELECT max_uses IS NOT NULL AND used >= max_uses FROM promo_codes"
    " WHERE id = $1",
    1);

/* organizer side: columns of a code (enum code_col) */
#define CODE_COLS                                                              \
	"id, code, event_id, kind, value, max_uses, per_user, used,"           \
	" " ISO_FROM ", " ISO_UNTIL ","                                        \
	" coalesce(array_to_string(ticket_type_ids, ','), ''),"                \
	" coalesce(array_to_string(price_category_ids, ','), ''),"             \
	" min_quantity, batch_id, disabled_at IS NOT NULL, " ISO_MADE
enum code_col {
	C_ID,
	C_CODE,
	C_EVENT,
	C_KIND,
	C_VALUE,
	C_MAX,
	C_PER_USER,
	C_USED,
	C_FROM,
	C_UNTIL,
	C_TYPES,
	C_CATS,
	C_MIN_QTY,
	C_BATCH,
	C_DISABLED,
	C_CREATED
};
enum create_param {
	P_TENANT,
	P_EVENT,
	P_CODES, /* text[] */
	P_KIND,
	P_VALUE,
	P_MAX,
	P_PER_USER,
	P_FROM, /* epoch seconds */
	P_UNTIL,
	P_TYPES, /* uuid[] */
	P_CATS,
	P_MIN_QTY,
	P_BATCH,
	P_USER,
	P_NPARAMS
};
static struct zt_sql q_create = ZT_SQL("promo_create",
    "INSERT INTO promo_codes (tenant_id, event_id, code, kind, value,"
    " max_uses, per_user, valid_from, valid_until, ticket_type_ids,"
    " price_category_ids, min_quantity, batch_id, created_by)"
    " SELECT $1, $2, c, $4, $5, $6, $7, to_timestamp($8::bigint),"
    " to_timestamp($9::bigint), $10::uuid[], $11::uuid[], $12, $13, $14"
    " FROM unnest($3::text[]) c RETURNING " CODE_COLS,
    14);
/* the listed ticket types and price categories are the tenant's (and the
 * event's, for an event's code): both counts must equal the lists' */
static struct zt_sql q_targets = ZT_SQL("promo_targets",
    "SELECT (SELECT count(*) FROM ticket_types WHERE tenant_id = $1"
    "  AND id = ANY($3::uuid[]) AND ($2::uuid IS NULL OR event_id = $2)),"
    " (SELECT count(*) FROM price_categories WHERE tenant_id = $1"
    "  AND id = ANY($4::uuid[]) AND ($2::uuid IS NULL OR event_id = $2))",
    4);
/* an unlocking code hides the types it unlocks */
static struct zt_sql q_hide = ZT_SQL("promo_hide",
    "UPDATE ticket_types SET hidden = true WHERE tenant_id = $1"
    " AND id = ANY($2::uuid[])",
    2);
static struct zt_sql q_list = ZT_SQL("promo_list",
    "SELECT " CODE_COLS " FROM promo_codes WHERE tenant_id = $1"
    " AND ($2::uuid IS NULL OR event_id = $2)"
    " ORDER BY created_at DESC, code LIMIT 2000",
    2);
static struct zt_sql q_disable = ZT_SQL("promo_disable",
    "UPDATE promo_codes SET disabled_at = coalesce(disabled_at, now())"
    " WHERE tenant_id = $1 AND id = $2 RETURNING " CODE_COLS,
    2);
static struct zt_sql q_export = ZT_SQL("promo_export",
    "SELECT code, used, coalesce(max_uses::text, ''),"
    " CASE WHEN disabled_at IS NULL THEN 'no' ELSE 'yes' END"
    " FROM promo_codes WHERE tenant_id = $1 AND batch_id = $2 ORDER BY code",
    2);

/* the event of a public event (public_read), for the buyer's reveal */
static struct zt_sql q_event_tenant = ZT_SQL(
    "promo_event_tenant", "SELECT tenant_id FROM events WHERE id = $1", 1);
/* the hidden types of event $1 among the ids $2 */
static struct zt_sql q_revealed = ZT_SQL("promo_revealed",
    "SELECT id, name, description, price_paise, capacity,"
    " capacity - sold, per_order_limit,"
    " extract(epoch FROM sales_starts_at)::bigint,"
    " extract(epoch FROM sales_ends_at)::bigint"
    " FROM ticket_types WHERE event_id = $1 AND hidden"
    " AND id = ANY($2::uuid[]) ORDER BY sort_order, name",
    2);
/* an unlocking code hides its types: the events whose sale maps change */
static struct zt_sql q_hidden_events = ZT_SQL("promo_hidden_events",
    "SELECT DISTINCT event_id FROM ticket_types WHERE tenant_id = $1"
    " AND id = ANY($2::uuid[])",
    2);

/* ------------------------------------------------------- buyer side ---- */

static const struct zt_rate_backoff misses = {
    ZT_PROMO_FREE_MISSES, 50, 2, 300, 86400};

/* code lowercased into buf when it has a code's shape (a-z 0-9 _ -,
 * 3 to 40 characters, a letter or digit first); 0 otherwise */
static int
normalise(const char *code, char *buf, size_t len)
{
	size_t n = strlen(code);
	if (n < 3 || n > 40 || n >= len)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int c = tolower((unsigned char)code[i]);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			(i > 0 && (c == '_' || c == '-'))))
			return 0;
		buf[i] = (char)c;
	}
	buf[n] = '\0';
	return 1;
}

/* is id one of the comma-separated ids of list? */
static int
listed(const char *list, const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0)
		return 0;
	for (const char *p = list; (p = strstr(p, id)) != NULL; p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return 1;
	return 0;
}

static enum zt_err
refuse(struct zt_req *req, const char *code, const char *msg)
{
	zt_fail_detail(req, "field", json_object_new_string("promoCode"));
	return zt_fail(req, ZT_EINVALID, code, "%s", msg);
}

static enum zt_price_promo
kind_of(const char *kind)
{
	if (strcmp(kind, "percent") == 0)
		return ZT_PROMO_PERCENT;
	if (strcmp(kind, "amount") == 0)
		return ZT_PROMO_AMOUNT;
	if (strcmp(kind, "price") == 0)
		return ZT_PROMO_PRICE;
	return ZT_PROMO_UNLOCK;
}

/*
 * The usable code (as typed) of tenant for event_id: one row of q_find in
 * *r, inside the open transaction.  Every lookup counts as a miss until
 * the code is found: guessing is slowed down, concurrent guesses included.
 */
static enum zt_err
find_code(struct zt_req *req, const char *tenant, const char *event_id,
    const char *code, PGresult **r)
{
	struct zt_error err = ZT_ERROR_INIT;
	char norm[48];
	const char *key, *state;
	enum zt_err e;

	key = zt_arena_printf(req->arena, "%s", req->user_id);
	if ((e = zt_rate_hit(req, "promo_addr", zt_rate_addr(req), 600, 600)) !=
		ZT_OK ||
	    (e = zt_rate_fail_take(req, "promo", key, &misses)) != ZT_OK)
		return e;
	if (!normalise(code, norm, sizeof(norm)))
		return refuse(req, "promo_unknown", "no such promo code");
	const char *p[3] = {tenant, norm, event_id};
	if ((*r = zt_db_exec(req, &err, &q_find, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(*r) == 0)
		return refuse(req, "promo_unknown", "no such promo code");
	if ((e = zt_rate_fail_clear(req, "promo", key)) != ZT_OK)
		return e;
	state = PQgetvalue(*r, 0, FIND_STATE);
	if (strcmp(state, "disabled") == 0)
		return refuse(req, "promo_disabled",
		    "this promo code is no longer accepted");
	if (strcmp(state, "not_yet") == 0)
		return refuse(req, "promo_not_yet_valid",
		    "this promo code is not valid yet");
	if (strcmp(state, "expired") == 0)
		return refuse(
		    req, "promo_expired", "this promo code has expired");
	return ZT_OK;
}

enum zt_err
zt_promo_apply(struct zt_req *req, const char *tenant, const char *event_id,
    const char *code, struct zt_promo_line *lines, size_t n,
    struct zt_promo_use *use)
{
	const char *types, *cats;
	PGresult *r;
	enum zt_err e;
	int eligible = 0;

	memset(use, 0, sizeof(*use));
	if (code == NULL || *code == '\0') {
		for (size_t i = 0; i < n; i++)
			if (lines[i].hidden)
				return refuse(req, "promo_required",
				    "this ticket type needs a promo code");
		return ZT_OK;
	}
	if ((e = find_code(req, tenant, event_id, code, &r)) != ZT_OK)
		return e;
	types = PQgetvalue(r, 0, FIND_TYPES);
	cats = PQgetvalue(r, 0, FIND_CATS);
	enum zt_price_promo kind = kind_of(PQgetvalue(r, 0, FIND_KIND));
	int64_t value = atoll(PQgetvalue(r, 0, FIND_VALUE));
	for (size_t i = 0; i < n; i++) {
		struct zt_promo_line *l = &lines[i];
		int named = listed(types, l->type_id);
		int applies =
		    (!*types && !*cats) || named || listed(cats, l->category);
		if (l->hidden && !named)
			return refuse(req, "promo_required",
			    "this promo code does not unlock the ticket type "
			    "you chose");
		if (!applies)
			continue;
		eligible += l->qty;
		int64_t to = zt_price_promo(kind, value, l->unit);
		use->discount += (l->unit - to) * l->qty;
		l->unit = to;
	}
	if (eligible == 0)
		return refuse(req, "promo_not_applicable",
		    "this promo code does not apply to the tickets you chose");
	if (eligible < atoi(PQgetvalue(r, 0, FIND_MIN_QTY))) {
		zt_fail_detail(req, "minQuantity",
		    json_object_new_int(atoi(PQgetvalue(r, 0, FIND_MIN_QTY))));
		return refuse(req, "promo_min_quantity",
		    "this promo code needs more tickets in the order");
	}
	snprintf(use->id, sizeof(use->id), "%s", PQgetvalue(r, 0, FIND_ID));
	return ZT_OK;
}

enum zt_err
zt_promo_redeem(
    struct zt_req *req, const struct zt_promo_use *use, const char *booking_id)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[3] = {use->id, booking_id, req->user_id};
	PGresult *r;
	if (use->id[0] == '\0')
		return ZT_OK;
	if ((r = zt_db_exec(req, &err, &q_redeem, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 1)
		return ZT_OK;
	if ((r = zt_db_exec(req, &err, &q_why, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 1 && *PQgetvalue(r, 0, 0) == 't')
		return refuse(
		    req, "promo_exhausted", "this promo code has been used up");
	return refuse(req, "promo_used_by_you",
	    "you have used this promo code as often as it allows");
}

/* --------------------------------------------------- organizer side ---- */

static struct json_object *
opt(const PGresult *r, int row, int col)
{
	return zt_json_nullable(zt_db_val(r, row, col));
}

static struct json_object *
opt_int(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col)
		   ? NULL
		   : json_object_new_int64(atoll(PQgetvalue(r, row, col)));
}

static struct json_object *
id_list(const char *ids)
{
	struct json_object *a = json_object_new_array();
	const char *p = ids;
	while (*p) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		json_object_array_add(a, json_object_new_string_len(p, (int)n));
		p += n + (c != NULL);
	}
	return a;
}

static struct json_object *
code_json(const PGresult *r, int i)
{
	struct json_object *c = json_object_new_object();
	json_object_object_add(c, "id", opt(r, i, C_ID));
	json_object_object_add(c, "code", opt(r, i, C_CODE));
	json_object_object_add(c, "eventId", opt(r, i, C_EVENT));
	json_object_object_add(c, "kind", opt(r, i, C_KIND));
	json_object_object_add(c, "value", opt_int(r, i, C_VALUE));
	json_object_object_add(c, "maxUses", opt_int(r, i, C_MAX));
	json_object_object_add(c, "perUser", opt_int(r, i, C_PER_USER));
	json_object_object_add(c, "used", opt_int(r, i, C_USED));
	json_object_object_add(c, "validFrom", opt(r, i, C_FROM));
	json_object_object_add(c, "validUntil", opt(r, i, C_UNTIL));
	json_object_object_add(
	    c, "ticketTypeIds", id_list(PQgetvalue(r, i, C_TYPES)));
	json_object_object_add(
	    c, "priceCategoryIds", id_list(PQgetvalue(r, i, C_CATS)));
	json_object_object_add(c, "minQuantity", opt_int(r, i, C_MIN_QTY));
	json_object_object_add(c, "batchId", opt(r, i, C_BATCH));
	json_object_object_add(c, "disabled",
	    json_object_new_boolean(*PQgetvalue(r, i, C_DISABLED) == 't'));
	json_object_object_add(c, "createdAt", opt(r, i, C_CREATED));
	return c;
}

/* {key: [every code of r]} added to o (created when NULL); returns o */
static struct json_object *
with_codes(struct json_object *o, const PGresult *r)
{
	struct json_object *a = json_object_new_array();
	if (o == NULL)
		o = json_object_new_object();
	for (int i = 0; i < PQntuples(r); i++)
		json_object_array_add(a, code_json(r, i));
	json_object_object_add(o, "codes", a);
	return o;
}

/* a JSON array of at most 50 UUIDs as a PostgreSQL array; NULL if absent */
static enum zt_err
uuid_list(struct zt_req *req, struct json_object *in, const char *key,
    const char **out, size_t *n)
{
	struct json_object *a = NULL;
	int present = 0;
	enum zt_err e;
	*out = NULL;
	*n = 0;
	if ((e = zt_json_array(req, in, key, ZT_OPTIONAL, 50, &a, &present)) !=
		ZT_OK ||
	    !present || json_object_array_length(a) == 0)
		return e;
	size_t len = json_object_array_length(a);
	const char **v = zt_arena_array(req->arena, len + 1, sizeof(char *));
	for (size_t i = 0; i < len; i++) {
		struct json_object *x = json_object_array_get_idx(a, i);
		if (!json_object_is_type(x, json_type_string) ||
		    !zt_is_uuid(json_object_get_string(x)))
			return zt_fail(req, ZT_EBADREQ, "invalid_field",
			    "%s[%zu] must be a UUID", key, i);
		v[i] = zt_uuid_norm(req->arena, json_object_get_string(x));
	}
	*out = zt_db_array(req, v, len);
	*n = len;
	return ZT_OK;
}

static const char *const create_keys[] = {"code", "count", "prefix", "eventId",
    "kind", "value", "maxUses", "perUser", "validFrom", "validUntil",
    "ticketTypeIds", "priceCategoryIds", "minQuantity", NULL};

/* "<prefix>-" and 10 random characters of 31 (~49 bits) */
static const char *
random_code(struct zt_req *req, const char *prefix)
{
	static const char abc[] = "abcdefghjkmnpqrstuvwxyz23456789";
	char tail[11];
	for (int i = 0; i < 10; i++)
		tail[i] = abc[randombytes_uniform(sizeof(abc) - 1)];
	tail[10] = '\0';
	return zt_arena_printf(
	    req->arena, "%s%s%s", prefix, *prefix ? "-" : "", tail);
}

static const char *
num(struct zt_req *req, int present, int64_t v)
{
	return present ? zt_arena_printf(req->arena, "%lld", (long long)v)
		       : NULL;
}

enum zt_err
zt_promo_create(
    struct zt_req *req, struct json_object *in, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *code = NULL, *prefix = "", *event = NULL, *kind = NULL;
	const char *types, *cats, **codes;
	char norm[48] = "", batch[ZT_UUID_BUF];
	int64_t count = 0, value = 0, max = 0, per_user = 0, from = 0,
		until = 0, min_qty = 1;
	int has_code = 0, has_count = 0, has_max = 0, has_per = 0, has_from = 0,
	    has_until = 0;
	size_t ntypes, ncats;
	PGresult *r;
	enum zt_err e;

	*out = NULL;
	if ((e = zt_json_known(req, in, NULL, create_keys)) != ZT_OK ||
	    (e = zt_json_str(req, in, "code", ZT_OPTIONAL, 40, &code,
		 &has_code)) != ZT_OK ||
	    (e = zt_json_int(req, in, "count", ZT_OPTIONAL, 1,
		 ZT_PROMO_BULK_MAX, &count, &has_count)) != ZT_OK ||
	    (e = zt_json_str(
		 req, in, "prefix", ZT_OPTIONAL, 20, &prefix, NULL)) != ZT_OK ||
	    (e = zt_json_uuid(req, in, "eventId", ZT_OPTIONAL, &event, NULL)) !=
		ZT_OK ||
	    (e = zt_json_str(req, in, "kind", ZT_REQUIRED, 10, &kind, NULL)) !=
		ZT_OK ||
	    (e = zt_json_int(req, in, "value", ZT_OPTIONAL, 0, (int64_t)1 << 40,
		 &value, NULL)) != ZT_OK ||
	    (e = zt_json_int(req, in, "maxUses", ZT_OPTIONAL, 1, 10000000, &max,
		 &has_max)) != ZT_OK ||
	    (e = zt_json_int(req, in, "perUser", ZT_OPTIONAL, 1, 1000,
		 &per_user, &has_per)) != ZT_OK ||
	    (e = zt_json_time(req, in, "validFrom", ZT_OPTIONAL, &from,
		 &has_from)) != ZT_OK ||
	    (e = zt_json_time(req, in, "validUntil", ZT_OPTIONAL, &until,
		 &has_until)) != ZT_OK ||
	    (e = zt_json_int(req, in, "minQuantity", ZT_OPTIONAL, 1, 100,
		 &min_qty, NULL)) != ZT_OK ||
	    (e = uuid_list(req, in, "ticketTypeIds", &types, &ntypes)) !=
		ZT_OK ||
	    (e = uuid_list(req, in, "priceCategoryIds", &cats, &ncats)) !=
		ZT_OK)
		return e;
	if (has_code == has_count)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "give either code or count");
	if (has_code && !normalise(code, norm, sizeof(norm)))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "code: 3 to 40 letters, digits, - or _");
	if (has_count && *prefix &&
	    (!normalise(prefix, norm, sizeof(norm)) || strlen(prefix) > 20))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "prefix: 3 to 20 letters, digits, - or _");
	if (strcmp(kind, "percent") != 0 && strcmp(kind, "amount") != 0 &&
	    strcmp(kind, "price") != 0 && strcmp(kind, "unlock") != 0)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "kind: percent, amount, price or unlock");
	if (strcmp(kind, "percent") == 0 && (value < 1 || value > 100))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "value: a percentage from 1 to 100");
	if (strcmp(kind, "unlock") == 0 && ntypes == 0)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "ticketTypeIds: the hidden types this code unlocks");
	if (has_from && has_until && until <= from)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "validUntil must be after validFrom");
	if (has_count) { /* single-use codes */
		max = 1;
		has_max = 1;
	}

	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK)
		return e;
	if (ntypes + ncats > 0) {
		const char *tp[4] = {req->tenant_id, event,
		    types ? types : "{}", cats ? cats : "{}"};
		if ((r = zt_db_exec(req, &err, &q_targets, tp)) == NULL)
			return zt_fail_error(req, &err);
		if ((size_t)atoll(PQgetvalue(r, 0, 0)) != ntypes ||
		    (size_t)atoll(PQgetvalue(r, 0, 1)) != ncats)
			return zt_fail(req, ZT_EINVALID, "invalid_field",
			    "ticketTypeIds / priceCategoryIds: not this "
			    "tenant's (or this event's)");
	}
	codes = zt_arena_array(req->arena, (size_t)count + 2, sizeof(char *));
	if (has_code) {
		codes[0] = zt_arena_strdup(req->arena, norm);
		count = 1;
	} else {
		for (int64_t i = 0; i < count; i++)
			codes[i] = random_code(req, norm);
		zt_uuid_new(batch);
	}
	const char *bp[P_NPARAMS] = {
	    [P_TENANT] = req->tenant_id,
	    [P_EVENT] = event,
	    [P_CODES] = zt_db_array(req, codes, (size_t)count),
	    [P_KIND] = kind,
	    [P_VALUE] = num(req, 1, strcmp(kind, "unlock") ? value : 0),
	    [P_MAX] = num(req, has_max, max),
	    [P_PER_USER] = num(req, has_per, per_user),
	    [P_FROM] = num(req, has_from, from),
	    [P_UNTIL] = num(req, has_until, until),
	    [P_TYPES] = types,
	    [P_CATS] = cats,
	    [P_MIN_QTY] = num(req, 1, min_qty),
	    [P_BATCH] = has_count ? batch : NULL,
	    [P_USER] = req->user_id,
	};
	if ((r = zt_db_exec(req, &err, &q_create, bp)) == NULL) {
		if (strcmp(zt_db_sqlstate(), "23505") == 0)
			return zt_fail(req, ZT_ECONFLICT, "code_taken",
			    "this code exists already");
		if (strcmp(zt_db_sqlstate(), "23503") == 0)
			return zt_fail(req, ZT_ENOTFOUND, "event_not_found",
			    "no such event");
		return zt_fail_error(req, &err);
	}
	PGresult *hidden = NULL;
	if (strcmp(kind, "unlock") == 0) {
		const char *hp[2] = {req->tenant_id, types};
		if (zt_db_exec(req, &err, &q_hide, hp) == NULL ||
		    (hidden = zt_db_exec(req, &err, &q_hidden_events, hp)) ==
			NULL)
			return zt_fail_error(req, &err);
	}
	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "kind", json_object_new_string(kind));
	json_object_object_add(d, "count", json_object_new_int64(count));
	if ((e = zt_audit(req, "promo.created",
		 has_code ? PQgetvalue(r, 0, C_ID) : batch, d)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	/* holds read the hidden flag from the sale maps */
	for (int i = 0; hidden != NULL && i < PQntuples(hidden); i++)
		zt_salemap_touch(req, PQgetvalue(hidden, i, 0));
	if (has_code) {
		*out = code_json(r, 0);
		return ZT_OK;
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "batchId", json_object_new_string(batch));
	with_codes(*out, r);
	return ZT_OK;
}

enum zt_err
zt_promo_list(
    struct zt_req *req, const char *event_id, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	PGresult *r;
	enum zt_err e;
	*out = NULL;
	if (event_id != NULL && !zt_is_uuid(event_id))
		return zt_fail(
		    req, ZT_EBADREQ, "invalid_field", "eventId must be a UUID");
	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK)
		return e;
	const char *p[2] = {req->tenant_id,
	    event_id ? zt_uuid_norm(req->arena, event_id) : NULL};
	if ((r = zt_db_exec(req, &err, &q_list, p)) == NULL)
		return zt_fail_error(req, &err);
	zt_db_rollback();
	*out = with_codes(NULL, r);
	return ZT_OK;
}

enum zt_err
zt_promo_disable(struct zt_req *req, const char *id, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	PGresult *r;
	enum zt_err e;
	*out = NULL;
	if (!zt_is_uuid(id))
		return zt_fail(
		    req, ZT_ENOTFOUND, "not_found", "no such promo code");
	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK)
		return e;
	const char *p[2] = {req->tenant_id, zt_uuid_norm(req->arena, id)};
	if ((r = zt_db_exec(req, &err, &q_disable, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0) {
		zt_db_rollback();
		return zt_fail(
		    req, ZT_ENOTFOUND, "not_found", "no such promo code");
	}
	if ((e = zt_audit(req, "promo.disabled", p[1], NULL)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	*out = code_json(r, 0);
	return ZT_OK;
}

enum zt_err
zt_promo_export(
    struct zt_req *req, const char *batch_id, const char **csv, size_t *len)
{
	struct zt_error err = ZT_ERROR_INIT;
	PGresult *r;
	enum zt_err e;
	if (!zt_is_uuid(batch_id))
		return zt_fail(req, ZT_ENOTFOUND, "not_found", "no such batch");
	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK)
		return e;
	const char *p[2] = {req->tenant_id, zt_uuid_norm(req->arena, batch_id)};
	if ((r = zt_db_exec(req, &err, &q_export, p)) == NULL)
		return zt_fail_error(req, &err);
	zt_db_rollback();
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_ENOTFOUND, "not_found", "no such batch");
	/* codes are [a-z0-9_-]: nothing to quote */
	size_t cap = 32 + (size_t)PQntuples(r) * 80, n = 0;
	char *b = zt_arena_alloc(req->arena, cap);
	n += (size_t)snprintf(b, cap, "code,used,maxUses,disabled\r\n");
	for (int i = 0; i < PQntuples(r) && n < cap; i++)
		n += (size_t)snprintf(b + n, cap - n, "%s,%s,%s,%s\r\n",
		    PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
		    PQgetvalue(r, i, 2), PQgetvalue(r, i, 3));
	*csv = b;
	*len = n < cap ? n : cap - 1;
	return ZT_OK;
}

/* ------------------------------------------------ hidden ticket types ---- */

enum zt_err
zt_promo_unlocks(struct zt_req *req, const char *tenant, const char *event_id,
    const char *code, const char **types)
{
	struct zt_error err = ZT_ERROR_INIT;
	PGresult *r;
	enum zt_err e;
	*types = "";
	if (zt_db_begin_tenant(req, &err, tenant, req->user_id) != ZT_OK)
		return zt_fail_error(req, &err);
	e = find_code(req, tenant, event_id, code, &r);
	zt_db_rollback();
	if (e != ZT_OK)
		return e;
	*types = zt_arena_strdup(req->arena, PQgetvalue(r, 0, FIND_TYPES));
	return ZT_OK;
}

int
zt_promo_unlocks_type(const char *types, const char *type_id)
{
	return listed(types, type_id);
}

static struct json_object *
revealed_json(const PGresult *r, int i)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(
	    o, "id", json_object_new_string(PQgetvalue(r, i, 0)));
	json_object_object_add(
	    o, "name", json_object_new_string(PQgetvalue(r, i, 1)));
	json_object_object_add(
	    o, "description", json_object_new_string(PQgetvalue(r, i, 2)));
	json_object_object_add(
	    o, "pricePaise", json_object_new_int64(atoll(PQgetvalue(r, i, 3))));
	json_object_object_add(
	    o, "capacity", json_object_new_int64(atoll(PQgetvalue(r, i, 4))));
	json_object_object_add(
	    o, "available", json_object_new_int64(atoll(PQgetvalue(r, i, 5))));
	json_object_object_add(o, "perOrderLimit",
	    json_object_new_int64(atoll(PQgetvalue(r, i, 6))));
	json_object_object_add(
	    o, "salesStartsAt", zt_json_epoch(zt_db_val(r, i, 7)));
	json_object_object_add(
	    o, "salesEndsAt", zt_json_epoch(zt_db_val(r, i, 8)));
	json_object_object_add(o, "hidden", json_object_new_boolean(1));
	return o;
}

static const char *const reveal_keys[] = {"promoCode", NULL};

enum zt_err
zt_promo_reveal(struct zt_req *req, const char *event_id,
    struct json_object *in, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *code = NULL, *tenant, *types;
	PGresult *r;
	enum zt_err e;

	*out = NULL;
	if (in == NULL || !json_object_is_type(in, json_type_object))
		return zt_fail(
		    req, ZT_EBADREQ, "invalid_json", "send {\"promoCode\": …}");
	if ((e = zt_json_known(req, in, NULL, reveal_keys)) != ZT_OK ||
	    (e = zt_json_str(
		 req, in, "promoCode", ZT_REQUIRED, 64, &code, NULL)) != ZT_OK)
		return e;
	if (!zt_is_uuid(event_id))
		return zt_fail(
		    req, ZT_ENOTFOUND, "event_not_found", "no such event");
	const char *p[2] = {zt_uuid_norm(req->arena, event_id), NULL};
	if (zt_db_begin_public(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_event_tenant, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0) {
		zt_db_rollback();
		return zt_fail(
		    req, ZT_ENOTFOUND, "event_not_found", "no such event");
	}
	tenant = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0));
	if (zt_db_scope(req, &err, tenant, req->user_id) != ZT_OK)
		return zt_fail_error(req, &err);
	if ((e = find_code(req, tenant, p[0], code, &r)) != ZT_OK)
		return e;
	types = PQgetvalue(r, 0, FIND_TYPES);
	p[1] = zt_arena_printf(req->arena, "{%s}", types);
	if ((r = zt_db_exec(req, &err, &q_revealed, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0) {
		zt_db_rollback();
		return refuse(req, "promo_not_applicable",
		    "this promo code unlocks no ticket type of this event");
	}
	if (zt_db_commit_rows(
		req, &err, r, "ticketTypes", revealed_json, out) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

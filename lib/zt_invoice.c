/*
 * zt_invoice.c - the GST invoice for the platform's fee; see zt_invoice.h
 * and docs/finance.md, "GST invoices".
 */
#include "zt_invoice.h"
#include "zt_audit.h"
#include "zt_booking_int.h"
#include "zt_finance.h"
#include "zt_finance_statement.h"
#include "zt_gstin.h"
#include "zt_json.h"
#include "zt_log.h"
#include "zt_pdf.h"
#include "zt_server.h"
#include "zt_team.h"
#include "zt_uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct zt_sql q_gst_get = ZT_SQL(
    "inv_gst_get", "SELECT gstin, gst_state FROM tenants WHERE id = $1", 1);
static struct zt_sql q_gst_put = ZT_SQL("inv_gst_put",
    "UPDATE tenants SET gstin = nullif($2, ''), gst_state = nullif($3, '')"
    " WHERE id = $1 RETURNING gstin, gst_state",
    3);
/* completed events past the hold without an invoice, with ticket sales (a
 * commission) */
static struct zt_sql q_due = ZT_SQL("inv_due",
    "SELECT e.id, e.tenant_id FROM events e WHERE e.status = 'completed'"
    " AND e.ends_at < now() - make_interval(days => $1::int)"
    " AND e.ends_at > now() - interval '180 days'"
    " AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.event_id = e.id)"
    " AND EXISTS (SELECT 1 FROM ledger_lines l WHERE l.event_id = e.id"
    "  AND l.kind = 'ticket_sales')"
    " ORDER BY e.ends_at LIMIT $2::int",
    2);
static struct zt_sql q_issue = ZT_SQL("inv_issue",
    "SELECT o_id, o_number, o_created FROM zt_invoice_issue($1, $2, now(),"
    " $3, $4, $5, $6, $7, $8, $9::bigint, $10::int, $11::bigint,"
    " $12::bigint, $13::bigint)",
    13);
/* the invoice's credit notes as a JSON array, oldest first */
#define INV_NOTES                                                              \
	"(SELECT coalesce(json_agg(json_build_object('id', c.id, 'number',"    \
	" c.number, 'date', to_char(c.note_date, 'YYYY-MM-DD'),"               \
	" 'commissionPaise', c.commission_paise, 'cgstPaise', c.cgst_paise,"   \
	" 'sgstPaise', c.sgst_paise, 'igstPaise', c.igst_paise, 'totalPaise'," \
	" c.total_paise) ORDER BY c.seq), '[]') FROM credit_notes c"           \
	" WHERE c.invoice_id = i.id)"
#define INV_COLS                                                               \
	"i.id, i.number, to_char(i.invoice_date, 'YYYY-MM-DD'), i.event_id,"   \
	" e.title, i.supplier_name, i.supplier_gstin, i.supplier_address,"     \
	" i.supplier_state, i.recipient_name, i.recipient_gstin,"              \
	" i.recipient_state, i.place_of_supply, i.sac, i.commission_paise,"    \
	" i.gst_bps, i.taxable_paise, i.cgst_paise,"                           \
	" i.sgst_paise, i.igst_paise, i.total_paise, i.fy, " INV_NOTES
enum inv_col {
	C_ID,
	C_NUMBER,
	C_DATE,
	C_EVENT,
	C_TITLE,
	C_SNAME,
	C_SGSTIN,
	C_SADDR,
	C_SSTATE,
	C_RNAME,
	C_RGSTIN,
	C_RSTATE,
	C_PLACE,
	C_SAC,
	C_COMMISSION,
	C_GSTBPS,
	C_TAXABLE,
	C_CGST,
	C_SGST,
	C_IGST,
	C_TOTAL,
	C_FY,
	C_NOTES
};
/* invoiced events with a refund since the invoice (or its last credit
 * note): their commission may have fallen (zt_credit_note_issue decides) */
static struct zt_sql q_credit_due = ZT_SQL("inv_credit_due",
    "SELECT i.event_id, i.tenant_id FROM invoices i"
    " WHERE i.issued_at > now() - interval '400 days'"
    " AND EXISTS (SELECT 1 FROM ledger_lines l WHERE l.event_id = i.event_id"
    "  AND l.kind IN ('refund_buyer', 'refund_organizer',"
    "   'refund_event_cancelled')"
    "  AND l.at > coalesce((SELECT max(c.issued_at) FROM credit_notes c"
    "   WHERE c.invoice_id = i.id), i.issued_at) - interval '1 day')"
    " ORDER BY i.issued_at LIMIT $1::int",
    1);
static struct zt_sql q_credit = ZT_SQL("inv_credit",
    "SELECT o_id, o_number, o_created FROM zt_credit_note_issue($1, $2,"
    " now(), $3::bigint, $4::bigint)",
    4);
static struct zt_sql q_list = ZT_SQL("inv_list",
    "SELECT " INV_COLS " FROM invoices i JOIN events e ON e.id = i.event_id"
    " WHERE i.tenant_id = $1 ORDER BY i.fy DESC, i.seq DESC LIMIT 500",
    1);
static struct zt_sql q_one = ZT_SQL("inv_one",
    "SELECT " INV_COLS " FROM invoices i JOIN events e ON e.id = i.event_id"
    " WHERE i.id = $1 AND i.tenant_id = $2",
    2);

static const char *const ones[] = {"", "One", "Two", "Three", "Four", "Five",
    "Six", "Seven", "Eight", "Nine", "Ten", "Eleven", "Twelve", "Thirteen",
    "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen"};
static const char *const tens[] = {"", "", "Twenty", "Thirty", "Forty", "Fifty",
    "Sixty", "Seventy", "Eighty", "Ninety"};

/* append s to buf (cap bytes) with a space before it when buf is not empty */
static void
put(char *buf, size_t cap, const char *s)
{
	size_t n = strlen(buf);
	if (*s == '\0')
		return;
	snprintf(buf + n, cap - n, "%s%s", n > 0 ? " " : "", s);
}

static void
below100(char *buf, size_t cap, int v)
{
	char w[32];
	if (v < 20) {
		put(buf, cap, ones[v]);
		return;
	}
	snprintf(w, sizeof(w), "%s%s%s", tens[v / 10], v % 10 ? "-" : "",
	    ones[v % 10]);
	put(buf, cap, w);
}

/* v > 0 in words: crore, lakh, thousand, hundred */
static void
indian(char *buf, size_t cap, unsigned long long v)
{
	if (v >= 10000000ULL) {
		indian(buf, cap, v / 10000000ULL);
		put(buf, cap, "Crore");
		v %= 10000000ULL;
	}
	if (v >= 100000) {
		below100(buf, cap, (int)(v / 100000));
		put(buf, cap, "Lakh");
		v %= 100000;
	}
	if (v >= 1000) {
		below100(buf, cap, (int)(v / 1000));
		put(buf, cap, "Thousand");
		v %= 1000;
	}
	if (v >= 100) {
		below100(buf, cap, (int)(v / 100));
		put(buf, cap, "Hundred");
		v %= 100;
	}
	if (v > 0)
		below100(buf, cap, (int)v);
}

const char *
zt_invoice_words(struct zt_arena *a, long long paise)
{
	char buf[512] = "Rupees";
	unsigned long long v = paise < 0 ? 0 : (unsigned long long)paise;
	if (v / 100 == 0)
		put(buf, sizeof(buf), "Zero");
	else
		indian(buf, sizeof(buf), v / 100);
	if (v % 100) {
		put(buf, sizeof(buf), "and");
		below100(buf, sizeof(buf), (int)(v % 100));
		put(buf, sizeof(buf), "Paise");
	}
	put(buf, sizeof(buf), "Only");
	return zt_arena_strdup(a, buf);
}

static struct json_object *
nullable(const char *s)
{
	return s != NULL && *s != '\0' ? json_object_new_string(s) : NULL;
}

static struct json_object *
gst_json(const char *gstin, const char *state)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "gstin", nullable(gstin));
	json_object_object_add(o, "state", nullable(state));
	json_object_object_add(
	    o, "stateName", nullable(zt_gst_state_name(state)));
	return o;
}

enum zt_err
zt_invoice_gst_get(struct zt_req *req, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {req->tenant_id};
	PGresult *r;
	enum zt_err e;
	*out = NULL;
	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK)
		return e;
	if ((r = zt_db_exec(req, &err, &q_gst_get, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_ENOTFOUND, "tenant_not_found",
		    "this organization no longer exists");
	const char *g = zt__dup(req, r, 0, 0), *s = zt__dup(req, r, 0, 1);
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	*out = gst_json(g, s);
	return ZT_OK;
}

static const char *const gst_keys[] = {"gstin", "state", NULL};

enum zt_err
zt_invoice_gst_put(
    struct zt_req *req, struct json_object *in, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *gstin = "", *state = "";
	char from[3];
	enum zt_role role;
	PGresult *r;
	enum zt_err e;

	*out = NULL;
	if ((e = zt_json_known(req, in, NULL, gst_keys)) != ZT_OK ||
	    (e = zt_json_str(
		 req, in, "gstin", ZT_OPTIONAL, 15, &gstin, NULL)) != ZT_OK ||
	    (e = zt_json_str(req, in, "state", ZT_OPTIONAL, 2, &state, NULL)) !=
		ZT_OK)
		return e;
	if (*gstin != '\0' && !zt_gstin_valid(gstin))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'gstin' is not a valid GSTIN (15 characters, "
		    "a state code, a PAN and a check character)");
	if (*state != '\0' && !zt_gst_state_valid(state))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'state' must be a GST state code such as \"27\"");
	if (*gstin != '\0') {
		memcpy(from, gstin, 2);
		from[2] = '\0';
		if (*state == '\0')
			state = zt_arena_strdup(req->arena, from);
		else if (strcmp(state, from) != 0)
			return zt_fail(req, ZT_EBADREQ, "invalid_field",
			    "field 'state' must be the GSTIN's state (%s)",
			    from);
	}
	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, &role)) != ZT_OK)
		return e;
	if (role != ZT_ROLE_OWNER)
		return zt_fail(req, ZT_EFORBIDDEN, "forbidden",
		    "only owners may change the GST registration");
	const char *p[3] = {req->tenant_id, gstin, state};
	if ((r = zt_db_exec(req, &err, &q_gst_put, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_ENOTFOUND, "tenant_not_found",
		    "this organization no longer exists");
	struct json_object *d = gst_json(gstin, state);
	if ((e = zt_audit(req, "tenant.gst_updated",
		 zt_arena_printf(req->arena, "tenant:%s", req->tenant_id),
		 d)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	*out = gst_json(gstin, state);
	return ZT_OK;
}

/*
 * Run q (an issuing function answering o_id, o_number, o_created) in the
 * open transaction and commit: 1 issued, 0 nothing new, -1 failed (rolled
 * back, recorded on req).
 */
static int
issue_commit(struct zt_req *req, struct zt_sql *q, const char *const *p,
    const char *what, const char *event_id)
{
	struct zt_error err = ZT_ERROR_INIT;
	PGresult *r;
	if ((r = zt_db_exec(req, &err, q, p)) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK) {
		zt_fail_error(req, &err);
		zt_db_rollback();
		return -1;
	}
	if (strcmp(PQgetvalue(r, 0, 2), "t") != 0)
		return 0;
	zt_log_info("invoices", "%s %s issued for event %s", what,
	    PQgetvalue(r, 0, 1), event_id);
	return 1;
}

int
zt_invoice_issue(struct zt_req *req, const char *event_id, const char *tenant)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct zt_finance_sums s;
	struct zt_gst_split t;
	const char *place, *p[13];
	char v[5][24], st[3];
	PGresult *r;

	if (zt_db_begin_tenant(req, &err, tenant, "") != ZT_OK) {
		zt_fail_error(req, &err);
		return -1;
	}
	if (zt_finance_sums(req, event_id, tenant, &s) != ZT_OK)
		goto fail;
	if (s.commission <= 0) {
		zt_db_rollback();
		return 0;
	}
	p[0] = tenant;
	if ((r = zt_db_exec(req, &err, &q_gst_get, p)) == NULL) {
		zt_fail_error(req, &err);
		goto fail;
	}
	if (PQntuples(r) == 0) {
		zt_fail(req, ZT_ENOTFOUND, "tenant_not_found", "no tenant");
		goto fail;
	}
	/* place of supply (IGST Act s. 12(2)): the recipient's state on
	 * record (its GSTIN's), else the supplier's own */
	place = zt_db_val(r, 0, 1);
	if (place == NULL && zt_db_val(r, 0, 0) != NULL) {
		memcpy(st, zt_db_val(r, 0, 0), 2);
		st[2] = '\0';
		place = st;
	}
	if (place == NULL)
		place = zt_g.cfg.platform_state;
	place = zt_arena_strdup(req->arena, place);
	/* the tax is the ledger's commission_gst, the very amount deducted
	 * from the organizer's payable, split by the rule of zt_gst_split */
	zt_gst_split(
	    s.commission_gst, strcmp(place, zt_g.cfg.platform_state) == 0, &t);
	snprintf(v[0], sizeof(v[0]), "%lld", s.commission);
	snprintf(v[1], sizeof(v[1]), "%d", s.commission_gst_bps);
	snprintf(v[2], sizeof(v[2]), "%lld", t.cgst);
	snprintf(v[3], sizeof(v[3]), "%lld", t.sgst);
	snprintf(v[4], sizeof(v[4]), "%lld", t.igst);
	const char *q[13] = {tenant, event_id, zt_g.cfg.platform_name,
	    zt_g.cfg.platform_gstin, zt_g.cfg.platform_address,
	    zt_g.cfg.platform_state, place, ZT_INVOICE_SAC, v[0], v[1], v[2],
	    v[3], v[4]};
	return issue_commit(req, &q_issue, q, "invoice", event_id);
fail:
	zt_db_rollback();
	return -1;
}

int
zt_invoice_credit(struct zt_req *req, const char *event_id, const char *tenant)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct zt_finance_sums s;
	char v[2][24];

	if (zt_db_begin_tenant(req, &err, tenant, "") != ZT_OK) {
		zt_fail_error(req, &err);
		return -1;
	}
	if (zt_finance_sums(req, event_id, tenant, &s) != ZT_OK)
		goto fail;
	snprintf(v[0], sizeof(v[0]), "%lld", s.commission);
	snprintf(v[1], sizeof(v[1]), "%lld", s.commission_gst);
	const char *p[4] = {tenant, event_id, v[0], v[1]};
	return issue_commit(req, &q_credit, p, "credit note", event_id);
fail:
	zt_db_rollback();
	return -1;
}

/* fn over the (event, tenant) rows of q, read in the system scope; adds
 * its 1s to *count; -1 when the database failed */
static int
each_due(struct zt_req *req, struct zt_sql *q, const char *const *p,
    int (*fn)(struct zt_req *, const char *, const char *), int *count)
{
	struct zt_error err = ZT_ERROR_INIT;
	PGresult *r;
	int s;
	if (zt_db_begin_system(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, q, p)) == NULL) {
		zt_fail_error(req, &err);
		return -1;
	}
	zt_db_rollback();
	for (int i = 0; i < PQntuples(r); i++) {
		if ((s = fn(req, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1))) < 0)
			return -1;
		*count += s;
	}
	return 0;
}

int
zt_invoice_run(int limit, int *issued, int *credited)
{
	struct zt_req *req;
	char days[16], lim[16];
	int lock, rc = 0;

	*issued = 0;
	*credited = 0;
	if (zt_g.cfg.platform_gstin == NULL ||
	    !zt_gstin_valid(zt_g.cfg.platform_gstin) ||
	    zt_g.cfg.platform_state == NULL ||
	    strncmp(zt_g.cfg.platform_gstin, zt_g.cfg.platform_state, 2) != 0) {
		zt_log_info("invoices",
		    "ZT_PLATFORM_GSTIN (a valid GSTIN) and ZT_PLATFORM_STATE "
		    "(its state) are not set: no invoices issued");
		return 0;
	}
	if ((lock = zt_finance_lock("invoices")) <= 0)
		return lock;
	req = zt_req_new(NULL, NULL);
	snprintf(days, sizeof(days), "%d", zt_g.cfg.payout_hold_days);
	snprintf(lim, sizeof(lim), "%d", limit);
	const char *p[2] = {days, lim};
	/* the invoices due, then the credit notes of refunds after one */
	if (each_due(req, &q_due, p, zt_invoice_issue, issued) < 0 ||
	    each_due(req, &q_credit_due, p + 1, zt_invoice_credit, credited) <
		0)
		goto fail;
	goto out;
fail:
	zt_log_error(
	    "invoices", "database: %s", req->err_msg ? req->err_msg : "failed");
	zt_db_rollback();
	rc = -1;
out:
	zt_req_end(req);
	zt_req_free(req);
	return rc;
}

static void
add_money(
    struct json_object *o, const char *key, const PGresult *r, int i, int col)
{
	json_object_object_add(
	    o, key, json_object_new_int64(atoll(PQgetvalue(r, i, col))));
}

static struct json_object *
inv_json(const PGresult *r, int i)
{
	static const struct {
		const char *key;
		int col;
	} s[] = {{"id", C_ID}, {"number", C_NUMBER}, {"date", C_DATE},
	    {"financialYear", C_FY}, {"eventId", C_EVENT},
	    {"eventTitle", C_TITLE}, {"placeOfSupply", C_PLACE},
	    {"sac", C_SAC}},
	  m[] = {{"commissionPaise", C_COMMISSION}, {"gstBps", C_GSTBPS},
	      {"taxablePaise", C_TAXABLE}, {"cgstPaise", C_CGST},
	      {"sgstPaise", C_SGST}, {"igstPaise", C_IGST},
	      {"totalPaise", C_TOTAL}};
	struct json_object *o = json_object_new_object(),
			   *sup = json_object_new_object(),
			   *rec = json_object_new_object();
	for (size_t k = 0; k < sizeof(s) / sizeof(s[0]); k++)
		json_object_object_add(o, s[k].key,
		    json_object_new_string(PQgetvalue(r, i, s[k].col)));
	for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++)
		add_money(o, m[k].key, r, i, m[k].col);
	json_object_object_add(o, "currency", json_object_new_string("INR"));
	json_object_object_add(o, "taxType",
	    json_object_new_string(atoll(PQgetvalue(r, i, C_IGST)) > 0 ||
					   strcmp(PQgetvalue(r, i, C_PLACE),
					       PQgetvalue(r, i, C_SSTATE)) != 0
				       ? "IGST"
				       : "CGST+SGST"));
	json_object_object_add(
	    sup, "name", json_object_new_string(PQgetvalue(r, i, C_SNAME)));
	json_object_object_add(
	    sup, "gstin", json_object_new_string(PQgetvalue(r, i, C_SGSTIN)));
	json_object_object_add(
	    sup, "address", json_object_new_string(PQgetvalue(r, i, C_SADDR)));
	json_object_object_add(
	    sup, "state", json_object_new_string(PQgetvalue(r, i, C_SSTATE)));
	json_object_object_add(
	    rec, "name", json_object_new_string(PQgetvalue(r, i, C_RNAME)));
	json_object_object_add(
	    rec, "gstin", nullable(zt_db_val(r, i, C_RGSTIN)));
	json_object_object_add(
	    rec, "state", nullable(zt_db_val(r, i, C_RSTATE)));
	json_object_object_add(o, "supplier", sup);
	json_object_object_add(o, "recipient", rec);
	json_object_object_add(
	    o, "creditNotes", json_tokener_parse(PQgetvalue(r, i, C_NOTES)));
	return o;
}

enum zt_err
zt_invoice_list(struct zt_req *req, struct json_object **out)
{
	return zt_team_list_rows(
	    req, ZT_ROLE_MANAGER, &q_list, "invoices", inv_json, out);
}

/* "27 Maharashtra" */
static const char *
state_label(struct zt_arena *a, const char *code)
{
	const char *n = zt_gst_state_name(code);
	return n != NULL ? zt_arena_printf(a, "%s %s", code, n) : code;
}

/* basis points as "18%" or "2.50%" */
static const char *
pct(struct zt_arena *a, int bps)
{
	return bps % 100 == 0
		   ? zt_arena_printf(a, "%d%%", bps / 100)
		   : zt_arena_printf(a, "%d.%02d%%", bps / 100, bps % 100);
}

#define INV_ROWS 24
#define INV_FOOT                                                               \
	"Tax invoice under the CGST Rules, rule 46. Amounts in Indian "        \
	"rupees. The tax is rounded half up to the paisa once; CGST is half "  \
	"of it rounded up, SGST the rest. It is the GST deducted from your "   \
	"settlement. Tax is not payable on reverse charge. Generated by ztic."

static enum zt_err
inv_pdf(struct zt_req *req, const PGresult *r, const char **text, size_t *len)
{
	struct zt_arena *a = req->arena;
	struct zt_pdf_row *rows = zt_arena_array(a, INV_ROWS, sizeof(*rows));
	const char *rg = zt_db_val(r, 0, C_RGSTIN),
		   *rs = zt_db_val(r, 0, C_RSTATE);
	long long igst = atoll(PQgetvalue(r, 0, C_IGST));
	int bps = atoi(PQgetvalue(r, 0, C_GSTBPS));
	size_t n = 0;
	char why[160];
	const unsigned char *p;
#define ROW(l, v, b)                                                           \
	(rows[n].label = (l), rows[n].value = (v), rows[n++].bold = (b))
#define MONEY(c) zt_inr(a, atoll(PQgetvalue(r, 0, (c))))
	ROW("Supplier", PQgetvalue(r, 0, C_SNAME), 1);
	ROW(PQgetvalue(r, 0, C_SADDR), NULL, 0);
	ROW("GSTIN", PQgetvalue(r, 0, C_SGSTIN), 0);
	ROW("State", state_label(a, PQgetvalue(r, 0, C_SSTATE)), 0);
	ROW("Recipient", PQgetvalue(r, 0, C_RNAME), 1);
	ROW("GSTIN", rg != NULL ? rg : "Unregistered", 0);
	ROW("State", rs != NULL ? state_label(a, rs) : "Not given", 0);
	ROW("Invoice number", PQgetvalue(r, 0, C_NUMBER), 1);
	ROW("Invoice date", PQgetvalue(r, 0, C_DATE), 0);
	ROW("Place of supply", state_label(a, PQgetvalue(r, 0, C_PLACE)), 0);
	ROW(zt_arena_printf(a,
		"Ticketing services for the event \"%s\" (SAC %s)",
		PQgetvalue(r, 0, C_TITLE), PQgetvalue(r, 0, C_SAC)),
	    NULL, 1);
	ROW("Platform commission", MONEY(C_COMMISSION), 0);
	ROW("Taxable value", MONEY(C_TAXABLE), 1);
	if (igst > 0 || strcmp(PQgetvalue(r, 0, C_PLACE),
			    PQgetvalue(r, 0, C_SSTATE)) != 0) {
		ROW(zt_arena_printf(a, "IGST at %s", pct(a, bps)),
		    MONEY(C_IGST), 0);
	} else {
		ROW(zt_arena_printf(a, "CGST at %s", pct(a, bps / 2)),
		    MONEY(C_CGST), 0);
		ROW(zt_arena_printf(a, "SGST at %s", pct(a, bps / 2)),
		    MONEY(C_SGST), 0);
	}
	ROW("Total", MONEY(C_TOTAL), 1);
	ROW(zt_arena_printf(a, "Amount in words: %s",
		zt_invoice_words(a, atoll(PQgetvalue(r, 0, C_TOTAL)))),
	    NULL, 0);
#undef ROW
#undef MONEY
	struct zt_pdf_report d = {PQgetvalue(r, 0, C_SNAME),
	    zt_arena_printf(a, "Tax invoice %s", PQgetvalue(r, 0, C_NUMBER)),
	    zt_arena_printf(a, "Date %s. Original for recipient.",
		PQgetvalue(r, 0, C_DATE)),
	    NULL, rows, n, INV_FOOT};
	if (zt_pdf_report(a, &d, &p, len, why, sizeof(why)) != 0)
		return zt_fail(req, ZT_EINTERNAL, NULL,
		    "could not make the invoice's pdf: %s", why);
	*text = (const char *)p;
	return ZT_OK;
}

enum zt_err
zt_invoice_get(struct zt_req *req, const char *id, int pdf,
    struct json_object **out, const char **text, size_t *len)
{
	struct zt_error err = ZT_ERROR_INIT;
	PGresult *r;
	enum zt_err e;

	*out = NULL;
	*text = NULL;
	*len = 0;
	if (!zt_is_uuid(id))
		return zt_fail(
		    req, ZT_ENOTFOUND, "invoice_not_found", "no such invoice");
	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK)
		return e;
	const char *p[2] = {id, req->tenant_id};
	if ((r = zt_db_exec(req, &err, &q_one, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(
		    req, ZT_ENOTFOUND, "invoice_not_found", "no such invoice");
	if (pdf) {
		if ((e = inv_pdf(req, r, text, len)) != ZT_OK)
			return e;
	} else {
		*out = inv_json(r, 0);
	}
	if (zt_db_commit(req, &err) != ZT_OK) {
		if (*out != NULL)
			json_object_put(*out);
		*out = NULL;
		return zt_fail_error(req, &err);
	}
	return ZT_OK;
}

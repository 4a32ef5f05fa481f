/*
 * zt_finance_statement.h - statements built from the ledger's lines
 * (docs/finance.md, "Statements"): the sums by kind and the equations
 * (zt_finance_ledger.c), and the monthly statement (zt_finance_statement.c).
 */
#ifndef ZT_FINANCE_STATEMENT_H
#define ZT_FINANCE_STATEMENT_H

#include "zt_server.h"

/* the kinds of ledger_lines, in statement order */
enum zt_ledger_kind {
	ZT_K_TICKETS,
	ZT_K_CONV_FEE,
	ZT_K_CONV_GST,
	ZT_K_OTHER,
	ZT_K_REF_BUYER,
	ZT_K_REF_ORG,
	ZT_K_REF_LATE,
	ZT_K_REF_EVCANCEL,
	ZT_K_GATEWAY,
	ZT_K__COUNT
};

/* a ledger_lines.kind's index, or -1 */
int zt_ledger_kind(const char *name);

/* the sums by kind (k[]), the rates, and what derive() makes of them */
struct zt_ledger {
	long long k[ZT_K__COUNT];
	long long collected, gross, refunds, ticket_refunds, commission,
	    commission_gst, tds, tcs, payable;
	int bps, gst_bps, tds_bps, tcs_bps; /* gst_bps: on the commission */
};

/* the equations of docs/finance.md, from k[] and the rates */
void zt_ledger_derive(struct zt_ledger *l);

/* the figures of l as the event statement's JSON keys, added to o */
void zt_ledger_json(struct json_object *o, const struct zt_ledger *l);

/* a statement's ?format= */
enum zt_fin_format { ZT_FIN_JSON, ZT_FIN_CSV, ZT_FIN_PDF };

/* paise as "₹1,23,456.78" (Indian grouping; "−" before a negative) */
const char *zt_inr(struct zt_arena *a, long long paise);

/*
 * The statement of l as a PDF (req's arena): organizer, title ("Statement:
 * <event>"), period; the lines and totals.  A failure is recorded on req.
 */
enum zt_err zt_ledger_pdf(struct zt_req *req, const char *organizer,
    const char *title, const char *period, const struct zt_ledger *l,
    const char **pdf, size_t *len);

/*
 * GET /api/tenants/me/finance/months/:yyyy-mm: every event of the caller's
 * tenant with ledger lines dated in that month (India's time), each with
 * the event statement's figures over those lines, and the totals (sums of
 * the events').  Manager or owner.  ZT_FIN_JSON: *out; ZT_FIN_CSV or
 * ZT_FIN_PDF: *text, *len bytes (arena).
 */
enum zt_err zt_finance_month(struct zt_req *req, const char *month,
    enum zt_fin_format fmt, struct json_object **out, const char **text,
    size_t *len);

#endif

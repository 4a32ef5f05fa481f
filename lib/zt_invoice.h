/*
 * zt_invoice.h - the GST invoice for the platform's commission
 * (docs/finance.md, "GST invoices"): one invoice per completed event, issued by
 * ztic-payouts when the event's payout is due (the hold period passed),
 * numbered gaplessly per Indian financial year in the database
 * (zt_invoice_issue, sql/026_gst_invoices.sql).
 */
#ifndef ZT_INVOICE_H
#define ZT_INVOICE_H

#include <json-c/json.h>
#include <stddef.h>

#include "zt_arena.h"
#include "zt_req.h"

/* SAC 998552: reservation services for event tickets (the platform's
 * service to the organizer) */
#define ZT_INVOICE_SAC "998552"
/* The taxable value is the commission alone (the convenience fee is the
 * platform's supply to the buyer, taxed on the booking); the tax is the
 * ledger's commission_gst (zt_gst_on, ZT_COMMISSION_GST_BPS) split by
 * zt_gst_split (lib/zt_gstin.h). */

/* paise in words, the Indian way (lakh, crore): "Rupees One Lakh
 * Twenty-Three Thousand Four Hundred Fifty-Six and Seventy-Eight Paise
 * Only" (arena). */
const char *zt_invoice_words(struct zt_arena *a, long long paise);

/*
 * GET /api/tenants/me/gst: {gstin, state, stateName} (nulls when unset);
 * manager or owner.  PUT: the owner sets both (null or "" removes one);
 * 400 naming the field for a malformed GSTIN, a wrong check character,
 * an unknown state code or a state other than the GSTIN's.  The state
 * alone may be given (an unregistered organizer's place of supply); a
 * GSTIN without a state sets the state from it.
 */
enum zt_err zt_invoice_gst_get(struct zt_req *req, struct json_object **out);
enum zt_err zt_invoice_gst_put(
    struct zt_req *req, struct json_object *in, struct json_object **out);

/*
 * One pass of ztic-payouts (its own advisory lock, "invoices"): every
 * completed event past ZT_PAYOUT_HOLD_DAYS (and less than 180 days)
 * without an invoice and with a commission gets one.  Needs
 * ZT_PLATFORM_GSTIN and ZT_PLATFORM_STATE (else logs and issues nothing).
 * *issued counts new invoices.  Then every invoiced event with a refund
 * since its invoice (or last credit note) gets a credit note when its
 * commission fell (zt_invoice_credit); *credited counts them.  0, or -1
 * when the database failed.
 */
int zt_invoice_run(int limit, int *issued, int *credited);

/*
 * Credit event_id's invoice down to the ledger's commission and
 * commission_gst now (zt_credit_note_issue, sql/031: numbered
 * ZT/CN/<fy>/NNNNNN, gapless per financial year), inside its own
 * transaction scoped to tenant: 1 issued, 0 nothing to credit, -1 failed.
 */
int zt_invoice_credit(
    struct zt_req *req, const char *event_id, const char *tenant);

/*
 * Issue event_id's invoice inside its own transaction scoped to tenant:
 * 1 issued, 0 it had one or has no commission, -1 failed (recorded on req).
 */
int zt_invoice_issue(
    struct zt_req *req, const char *event_id, const char *tenant);

/* GET /api/tenants/me/finance/invoices: {"invoices": [...]}, newest
 * first; manager or owner. */
enum zt_err zt_invoice_list(struct zt_req *req, struct json_object **out);

/*
 * GET /api/tenants/me/finance/invoices/:id: pdf 0: *out, the invoice as
 * JSON; pdf 1: *text (*len bytes, arena) the tax invoice as a PDF.
 * Manager or owner; 404 for another tenant's invoice.
 */
enum zt_err zt_invoice_get(struct zt_req *req, const char *id, int pdf,
    struct json_object **out, const char **text, size_t *len);

#endif

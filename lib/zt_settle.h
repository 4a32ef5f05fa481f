/*
 * zt_settle.h - a payment settles a booking: Checkout's proof from the
 * browser, or Razorpay's signed webhook (docs/bookings.md, "Paying").
 *
 * Both doors lead to the same settlement, once: the first captured payment
 * of the order confirms the booking and issues its tickets; a second
 * payment, a wrong amount, or seats gone meanwhile become a refund.
 * Errors are recorded with zt_fail; on ZT_OK *out is the answer (the
 * caller owns it and replies 200 with it).
 */
#ifndef ZT_SETTLE_H
#define ZT_SETTLE_H

#include <json-c/json.h>

#include "zt_req.h"

/* POST /api/bookings/confirm: Checkout's proof, checked with Razorpay;
 * *out is the booking. */
enum zt_err zt_settle_confirm(struct zt_req *req, const char *booking_id,
    const char *order_id, const char *payment_id, const char *signature,
    struct json_object **out);

/* POST /api/webhooks/razorpay: req->body is the raw, signed body;
 * *out is {status: "processed" | "duplicate"}. */
enum zt_err zt_settle_webhook(struct zt_req *req, struct json_object **out);

/*
 * A captured payment found by asking Razorpay (ztic-reconcile: its webhook
 * never came) settles exactly as its payment.captured webhook would, in a
 * transaction of its own.  *found is 0 when no booking has the order (the
 * caller reports it), else 1.
 */
enum zt_err zt_settle_found(struct zt_req *req, const char *order_id,
    const char *payment_id, long long amount, int *found);

#endif

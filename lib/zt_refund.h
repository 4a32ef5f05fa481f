/*
 * zt_refund.h - cancellations and refunds (docs/bookings.md, "Refunds").
 *
 * A refund is a row first (refunds, with an idempotency key, and the
 * payment's refunded_paise moved in the same statement), sent to Razorpay
 * after COMMIT; cron/refunds sends again what Razorpay has not taken.
 * Errors are recorded with zt_fail; on ZT_OK *out is the booking as it is
 * now (the caller owns it and replies 200 with it).
 */
#ifndef ZT_REFUND_H
#define ZT_REFUND_H

#include <json-c/json.h>

#include "zt_req.h"

/* POST /api/bookings/:id/cancel by the buyer, inside the refund policy. */
enum zt_err zt_refund_cancel(
    struct zt_req *req, const char *booking_id, struct json_object **out);
/*
 * POST /api/bookings/:id/refund by an organizer: amount 0 refunds the
 * whole booking and cancels its tickets; a positive amount is a partial
 * refund that keeps them.
 */
enum zt_err zt_refund_grant(struct zt_req *req, const char *booking_id,
    long long amount, const char *reason, struct json_object **out);

/*
 * What a buyer gets back for cancelling under a before_start policy: the
 * ticket prices (subtotal) less the policy's fee (flat fee_paise plus
 * fee_bps basis points of the subtotal, rounded half up), never below 0;
 * our convenience fee and its tax stay.
 */
long long zt_refund_policy(
    long long subtotal, long long fee_paise, long long fee_bps);

/* cron: refund confirmed bookings of cancelled events. */
int zt_refund_cancelled_events(int limit, int *done);
/* cron: send refunds Razorpay has not taken, retry failed ones. */
int zt_refund_retry(int limit, int *done);

#endif

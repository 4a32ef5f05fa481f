/*
 * zt_booking.h - orders, payments, tickets and refunds (docs/bookings.md).
 *
 * Every function here answers the request itself (zt_reply) or records an
 * error (zt_fail) and returns it, like the session functions.  Redis,
 * nchan and Razorpay are called only after COMMIT, so what they are told
 * is already true in PostgreSQL.
 */
#ifndef ZT_BOOKING_H
#define ZT_BOOKING_H

#include "zt_req.h"

/* POST /api/bookings: the caller's hold on event_id becomes a booking. */
enum zt_err zt_booking_create(struct zt_req *req, const char *event_id);

/* POST /api/bookings/confirm: Checkout's proof, checked with Razorpay. */
enum zt_err zt_booking_confirm(struct zt_req *req, const char *booking_id,
    const char *order_id, const char *payment_id, const char *signature);

/* POST /api/webhooks/razorpay: req->body is the raw, signed body. */
enum zt_err zt_booking_webhook(struct zt_req *req);

/* GET /api/bookings/:id (the buyer or the event's organizers; else 404). */
enum zt_err zt_booking_get(struct zt_req *req, const char *booking_id);
/* GET /api/bookings/mine */
enum zt_err zt_booking_mine(struct zt_req *req);
/* GET /api/bookings?eventId= (organizers of the active tenant) */
enum zt_err zt_booking_list(struct zt_req *req, const char *event_id);

/* POST /api/bookings/:id/cancel by the buyer, inside the refund policy. */
enum zt_err zt_booking_cancel(struct zt_req *req, const char *booking_id);
/*
 * POST /api/bookings/:id/refund by an organizer: amount 0 refunds the
 * whole booking and cancels its tickets; a positive amount is a partial
 * refund that keeps them.
 */
enum zt_err zt_booking_refund(struct zt_req *req, const char *booking_id,
    long long amount, const char *reason);

/* cron: expire overdue pending bookings (release their holds). */
int zt_booking_expire_due(int limit, int *done);
/* cron: refund confirmed bookings of cancelled events. */
int zt_booking_refund_cancelled_events(int limit, int *done);
/* cron: send refunds Razorpay has not taken, retry failed ones. */
int zt_booking_retry_refunds(int limit, int *done);

#endif

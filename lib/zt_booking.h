/*
 * zt_booking.h - creating bookings and reading them (docs/bookings.md).
 * Paying for one is zt_settle.h; cancelling and refunding, zt_refund.h.
 *
 * Every function returns an error recorded with zt_fail, or ZT_OK with the
 * answer in *out (the caller owns it and replies with it).  Redis, nchan
 * and Razorpay are called only after COMMIT, so what they are told is
 * already true in PostgreSQL.
 */
#ifndef ZT_BOOKING_H
#define ZT_BOOKING_H

#include <json-c/json.h>

#include "zt_req.h"

/*
 * POST /api/bookings: the caller's hold on event_id becomes a booking.
 * *created is 1 for a new booking (201), 0 when the same hold gave back
 * the pending booking it made before (200).  promo_code (NULL: none) is
 * applied by lib/zt_promo.c (docs/commerce.md).
 */
enum zt_err zt_booking_create(struct zt_req *req, const char *event_id,
    const char *promo_code, struct json_object *answers,
    struct json_object **out, int *created);

/* GET /api/bookings/:id (the buyer or the event's organizers; else 404). */
enum zt_err zt_booking_get(
    struct zt_req *req, const char *booking_id, struct json_object **out);
/*
 * GET /api/bookings/:id/tickets/:ticketId/qr.svg: the QR code of a live
 * ticket's payload as SVG into *svg (req's arena), for the buyer only;
 * 404 for anyone else, an unknown ticket, or a ticket not live.
 */
enum zt_err zt_booking_ticket_qr_svg(struct zt_req *req, const char *booking_id,
    const char *ticket_id, const char **svg);
/*
 * GET /api/bookings/:id/tickets.pdf: one A6 page per live ticket into
 * *pdf (len bytes, req's arena), for the buyer only; 404 for anyone else,
 * 409 booking_not_confirmed or no_live_tickets (docs/tickets.md).
 */
enum zt_err zt_booking_tickets_pdf(struct zt_req *req, const char *booking_id,
    const unsigned char **pdf, size_t *len);
/* "ztic-<first 8 of the id>.pdf", the file's name (arena) */
const char *zt_booking_pdf_name(struct zt_req *req, const char *booking_id);
struct zt_notify_attachment;
/*
 * The outbox's attachments (zt_outbox_attach_fn): the tickets' PDF for a
 * "booking.confirmed" email whose payload names bookingId and tenantId,
 * made as the message is sent, in the sender's transaction under the
 * booking's tenant.  1 attached, 0 none (another message, or the booking
 * has no live ticket any more), -1 failed (reason in err; sent later).
 */
int zt_booking_pdf_attach(struct zt_req *req, const char *channel,
    struct json_object *payload, struct zt_notify_attachment *att, char *err,
    size_t errlen);
/* GET /api/bookings/mine: {bookings: […]} */
enum zt_err zt_booking_mine(struct zt_req *req, struct json_object **out);
/* GET /api/bookings?eventId= (organizers of the active tenant) */
enum zt_err zt_booking_list(
    struct zt_req *req, const char *event_id, struct json_object **out);

/*
 * DELETE /api/seats/lock (whole hold or one seat), after the hold left
 * Redis: user_id's pending bookings of event_id are closed (status
 * expired, closeReason "hold_released"), so none opens for payment and a
 * payment that still arrives is refunded (docs/bookings.md, "Closed on
 * release").  Nothing pending is ZT_OK.
 */
enum zt_err zt_booking_close_released(
    struct zt_req *req, const char *event_id, const char *user_id);

/* cron: expire overdue pending bookings (release their holds). */
int zt_booking_expire_due(int limit, int *done);

#endif

/*
 * zt_transfer.h - a ticket given to someone else (docs/commerce.md,
 * "Ticket transfer").
 *
 * The holder offers a live ticket to an email or phone before the
 * organizer's cut-off (events.transfer_cutoff_hours; NULL: transfers off)
 * and within the chain rule (events.max_transfers).  The person with that
 * email or phone on their account accepts, signed in: in one transaction
 * the old ticket row becomes 'transferred' (its QR payload, which carries
 * the ticket id, no longer admits) and a new row with a new id is issued
 * to them on the same booking, seat or type and price; the check-in
 * bundle and the attendee list read live tickets, so they follow.  Both
 * ends are audited.  Refused: a ticket not live (refunded, cancelled,
 * transferred), checked in, to oneself, past the cut-off or the chain.
 */
#ifndef ZT_TRANSFER_H
#define ZT_TRANSFER_H

#include <json-c/json.h>

#include "zt_req.h"

/* POST /api/bookings/:id/tickets/:ticketId/transfer {email | phone}:
 * 201 the pending transfer. */
enum zt_err zt_transfer_offer(struct zt_req *req, const char *booking_id,
    const char *ticket_id, const char *email, const char *phone,
    struct json_object **out);
/* POST /api/bookings/transfers/:id/accept: the new ticket with its qr. */
enum zt_err zt_transfer_accept(
    struct zt_req *req, const char *transfer_id, struct json_object **out);
/* POST /api/bookings/transfers/:id/cancel (the sender, while pending). */
enum zt_err zt_transfer_cancel(
    struct zt_req *req, const char *transfer_id, struct json_object **out);
/* GET /api/bookings/transfers/mine: {incoming: [pending to me],
 * outgoing: [mine], received: [tickets I hold by transfer, with qr]} */
enum zt_err zt_transfer_mine(struct zt_req *req, struct json_object **out);
/* GET /api/bookings/transfers/tickets/:ticketId/qr.svg: the QR code of a
 * live ticket the caller received (404 otherwise), SVG in req's arena. */
enum zt_err zt_transfer_qr_svg(
    struct zt_req *req, const char *ticket_id, const char **svg);
/* In the buyer's cancel (lib/zt_refund.c): 409 ticket_transferred when a
 * ticket of the booking was given away (the seller cannot refund what the
 * recipient holds). */
enum zt_err zt_transfer_check_cancel(
    struct zt_req *req, const char *booking_id);

/* PUT /api/events/:id/transfer-rules {cutoffHours: n | null (off),
 * maxTransfers} (manager+ of the event's tenant, audited): the rules. */
enum zt_err zt_transfer_rules(struct zt_req *req, const char *event_id,
    struct json_object *in, struct json_object **out);

#endif

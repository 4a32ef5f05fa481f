/*
 * zt_checkin.h - admitting tickets at the gate (docs/checkin.md).
 *
 * Domain floor.  Every call starts with zt_team_begin (scanner or above of
 * the caller's active tenant, the role re-read from the database; undo
 * needs a manager) and reads the event as the tenant's own: another
 * tenant's event is 404 event_not_found, whatever its status.
 *
 * A scan is judged (zt_checkin_judge, no database) in this order: the
 * payload parses (400 malformed), its key is one of the tenant's (422
 * forged: unknown kid or bad signature; 422 revoked_key), it is for this
 * event (422 wrong_event), the scan time is inside its window (422
 * not_yet_valid / expired), the ticket exists (404 ticket_not_found), is
 * this event's (422 wrong_event), live (410 ticket_refunded /
 * ticket_cancelled) and paid for (422 booking_not_confirmed).  Then it is
 * admitted exactly once: the partial unique index admissions_once_idx in
 * PostgreSQL decides, and a scan that finds the ticket in is 409
 * already_admitted with where, when and by whom (and is recorded in
 * checkin_duplicates).
 *
 * Offline devices sync their scans later (zt_checkin_sync): the earliest
 * scan of a ticket stands (first-scan-wins by scan time), the later ones
 * are duplicates; the same scan sent again (device, ticket, scan time)
 * changes nothing and gets the same answer.
 *
 * Each admission or undo publishes {"type":"checkin",…} on tenant:<tenant>
 * after COMMIT.  Every function here returns JSON the caller owns (*out);
 * none replies.
 */
#ifndef ZT_CHECKIN_H
#define ZT_CHECKIN_H

#include <json-c/json.h>
#include <stdint.h>

#include "zt_req.h"
#include "zt_ticket.h"

/* How long after its admission is recorded a manager may undo it. */
#define ZT_CHECKIN_UNDO_SECONDS 600
/* Most scans one sync may carry. */
#define ZT_CHECKIN_SYNC_MAX 500
/* Longest gate name; longest device id. */
#define ZT_CHECKIN_GATE_MAX 40
#define ZT_CHECKIN_DEVICE_MAX 64
/* A synced scan time further ahead of the server's clock is refused. */
#define ZT_CHECKIN_CLOCK_AHEAD 300

/* What a scan comes to before the admission itself. */
enum zt_checkin_verdict {
	ZT_CHECKIN_OK = 0,
	ZT_CHECKIN_MALFORMED,
	ZT_CHECKIN_FORGED,
	ZT_CHECKIN_REVOKED_KEY,
	ZT_CHECKIN_WRONG_EVENT,
	ZT_CHECKIN_NOT_YET_VALID,
	ZT_CHECKIN_EXPIRED,
	ZT_CHECKIN_NOT_FOUND,
	ZT_CHECKIN_REFUNDED,
	ZT_CHECKIN_CANCELLED,
	ZT_CHECKIN_CLOCK,
	ZT_CHECKIN_UNPAID,
	ZT_CHECKIN__COUNT
};

/* The ticket as the database has it (ZT_UUID_BUF texts; "" when none). */
struct zt_checkin_ticket {
	int found;
	char id[ZT_UUID_BUF];
	char event[ZT_UUID_BUF];
	/* "live", "refunded", "cancelled", or "unpaid": live on a booking
	 * that is not confirmed (pending payment) */
	const char *status;
};

/*
 * Judge one scan at time `at` (epoch seconds) for event (uuid text) with
 * the tenant's keys[0..n): payload (NULL for a manual entry by ticket id),
 * the manual entry's window from..until (the event's, used when payload is
 * NULL), and the ticket row found for it.  When payload is not NULL and
 * parses, *ticket_id (ZT_UUID_BUF) gets the ticket id it names, so the
 * caller can read that row first with zt_checkin_payload_ticket.
 */
enum zt_checkin_verdict zt_checkin_judge(const char *event, const char *payload,
    const struct zt_ticket_pubkey *keys, size_t n, int64_t from, int64_t until,
    int64_t at, const struct zt_checkin_ticket *row);
/* The ticket id a payload names (ZT_UUID_BUF), or -1 when it does not
 * parse. */
int zt_checkin_payload_ticket(const char *payload, char out[ZT_UUID_BUF]);
/* The HTTP error and code of a verdict (ZT_OK and "admitted" for OK). */
enum zt_err zt_checkin_verdict_err(enum zt_checkin_verdict v);
const char *zt_checkin_verdict_code(enum zt_checkin_verdict v);

/* One scan as sent: payload or ticket (exactly one), gate name, and for a
 * synced scan the device's time (0: now, online). */
struct zt_checkin_scan {
	const char *payload;
	const char *ticket;
	const char *gate;
	int64_t scanned_at;
};

/* POST /api/checkin/scan: *out = {result: "admitted", ticket, gate,
 * admittedAt, by, counts}; the refusals as the header comment says. */
enum zt_err zt_checkin_scan(struct zt_req *req, const char *event,
    const struct zt_checkin_scan *scan, struct json_object **out);

/* POST /api/checkin/undo (manager): within ZT_CHECKIN_UNDO_SECONDS of the
 * admission; 409 undo_window_passed / not_admitted. */
enum zt_err zt_checkin_undo(struct zt_req *req, const char *event,
    const char *ticket, struct json_object **out);

/* GET /api/checkin/events/:id/stats */
enum zt_err zt_checkin_stats(
    struct zt_req *req, const char *event, struct json_object **out);

/* GET /api/checkin/events/:id/bundle: the offline bundle's data (the
 * responder adds generatedAt, outside its ETag). */
enum zt_err zt_checkin_bundle(
    struct zt_req *req, const char *event, struct json_object **out);

/* POST /api/checkin/sync: scans[0..n) of device, already validated. */
enum zt_err zt_checkin_sync(struct zt_req *req, const char *event,
    const char *device, const struct zt_checkin_scan *scans, size_t n,
    struct json_object **out);

/* GET /api/checkin/events/:id/duplicates */
enum zt_err zt_checkin_duplicates(
    struct zt_req *req, const char *event, struct json_object **out);

#endif

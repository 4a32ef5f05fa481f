/* test-checkin.c - the gate's judgment of a scan (zt_checkin_judge): each
 * refusal in its order, the payload's window against the manual entry's,
 * and the status and code each verdict becomes. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "zt_checkin.h"
#include "zt_test.h"
#include "zt_ticket.h"

static const char *EVENT = "11111111-2222-4333-8444-555555555555";
static const char *OTHER = "11111111-2222-4333-8444-666666666666";
static const char *TICKET = "0f0e0d0c-0b0a-4908-8706-050403020100";
static struct zt_ticket_signer signer;
static struct zt_ticket_pubkey keys[1];
static char payload[ZT_TICKET_PAYLOAD_LEN + 1];
static char other_event[ZT_TICKET_PAYLOAD_LEN + 1];
static struct zt_checkin_ticket live;

static void
sign(const char *event, char out[ZT_TICKET_PAYLOAD_LEN + 1])
{
	struct zt_ticket t;
	zt_ticket_uuid_bytes(TICKET, t.ticket);
	zt_ticket_uuid_bytes(event, t.event);
	t.valid_from = 1000;
	t.valid_until = 2000;
	t.kid = signer.kid;
	zt_ticket_encode(&t, &signer, out);
}

static void
setup(void)
{
	unsigned char seed[32];
	zt_ticket_keygen(&signer.kid, keys[0].pk, seed);
	crypto_sign_seed_keypair(keys[0].pk, signer.sk, seed);
	keys[0].kid = signer.kid;
	keys[0].status = ZT_TICKET_KEY_ACTIVE;
	sign(EVENT, payload);
	sign(OTHER, other_event);
	live.found = 1;
	snprintf(live.id, sizeof(live.id), "%s", TICKET);
	snprintf(live.event, sizeof(live.event), "%s", EVENT);
	live.status = "live";
}

static enum zt_checkin_verdict
judge(const char *p, int64_t at, const struct zt_checkin_ticket *row)
{
	/* the manual entry's window (unused with a payload): 5000..6000 */
	return zt_checkin_judge(EVENT, p, keys, 1, 5000, 6000, at, row);
}

TEST(a_good_payload_in_its_window_admits)
{
	char id[ZT_UUID_BUF];
	CHECK(judge(payload, 1500, &live) == ZT_CHECKIN_OK);
	CHECK(judge(payload, 1000, &live) == ZT_CHECKIN_OK);
	CHECK(judge(payload, 2000, &live) == ZT_CHECKIN_OK);
	CHECK(zt_checkin_payload_ticket(payload, id) == 0);
	CHECK_STR(id, TICKET);
	CHECK(zt_checkin_payload_ticket("ZT1.x", id) == -1);
}

TEST(each_refusal_in_its_order)
{
	char bad[ZT_TICKET_PAYLOAD_LEN + 1];
	struct zt_checkin_ticket row = live;
	struct zt_ticket_pubkey revoked = keys[0];
	CHECK(judge("hello", 1500, &live) == ZT_CHECKIN_MALFORMED);
	memcpy(bad, payload, sizeof(bad));
	bad[70] = bad[70] == 'A' ? 'B' : 'A'; /* inside the signature */
	CHECK(judge(bad, 1500, &live) == ZT_CHECKIN_FORGED);
	/* another tenant's key: its kid is not among ours */
	CHECK(zt_checkin_judge(EVENT, payload, keys, 0, 0, 0, 1500, &live) ==
	      ZT_CHECKIN_FORGED);
	revoked.status = ZT_TICKET_KEY_REVOKED;
	CHECK(zt_checkin_judge(EVENT, payload, &revoked, 1, 0, 0, 1500,
		  &live) == ZT_CHECKIN_REVOKED_KEY);
	CHECK(judge(other_event, 1500, &live) == ZT_CHECKIN_WRONG_EVENT);
	/* the signature comes before the window, the window before the row */
	CHECK(judge(bad, 999, NULL) == ZT_CHECKIN_FORGED);
	CHECK(judge(payload, 999, NULL) == ZT_CHECKIN_NOT_YET_VALID);
	CHECK(judge(payload, 2001, NULL) == ZT_CHECKIN_EXPIRED);
	CHECK(judge(payload, 1500, NULL) == ZT_CHECKIN_NOT_FOUND);
	row.status = "refunded";
	CHECK(judge(payload, 1500, &row) == ZT_CHECKIN_REFUNDED);
	row.status = "cancelled";
	CHECK(judge(payload, 1500, &row) == ZT_CHECKIN_CANCELLED);
	row.status = "unpaid";
	CHECK(judge(payload, 1500, &row) == ZT_CHECKIN_UNPAID);
	CHECK(zt_checkin_verdict_err(ZT_CHECKIN_UNPAID) == ZT_EINVALID);
	row = live;
	snprintf(row.event, sizeof(row.event), "%s", OTHER);
	CHECK(judge(payload, 1500, &row) == ZT_CHECKIN_WRONG_EVENT);
}

TEST(manual_entry_uses_the_events_window)
{
	struct zt_checkin_ticket row = live;
	CHECK(judge(NULL, 5500, &live) == ZT_CHECKIN_OK);
	CHECK(judge(NULL, 1500, &live) == ZT_CHECKIN_NOT_YET_VALID);
	CHECK(judge(NULL, 6001, &live) == ZT_CHECKIN_EXPIRED);
	CHECK(judge(NULL, 5500, NULL) == ZT_CHECKIN_NOT_FOUND);
	snprintf(row.event, sizeof(row.event), "%s", OTHER);
	CHECK(judge(NULL, 5500, &row) == ZT_CHECKIN_WRONG_EVENT);
}

TEST(verdicts_become_distinct_codes)
{
	CHECK(zt_checkin_verdict_err(ZT_CHECKIN_MALFORMED) == ZT_EBADREQ);
	CHECK(zt_checkin_verdict_err(ZT_CHECKIN_FORGED) == ZT_EINVALID);
	CHECK(zt_checkin_verdict_err(ZT_CHECKIN_REFUNDED) == ZT_EGONE);
	CHECK(zt_checkin_verdict_err(ZT_CHECKIN_NOT_FOUND) == ZT_ENOTFOUND);
	CHECK(zt_err_status(ZT_EGONE) == 410);
	for (int a = 0; a < ZT_CHECKIN__COUNT; a++) {
		CHECK(zt_checkin_verdict_code(a) != NULL);
		for (int b = a + 1; b < ZT_CHECKIN__COUNT; b++)
			CHECK(strcmp(zt_checkin_verdict_code(a),
				  zt_checkin_verdict_code(b)) != 0);
	}
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	setup();
	RUN(a_good_payload_in_its_window_admits);
	RUN(each_refusal_in_its_order);
	RUN(manual_entry_uses_the_events_window);
	RUN(verdicts_become_distinct_codes);
	return DONE();
}

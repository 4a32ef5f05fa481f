/*
 * fuzz-ticket.c - the ZT1 ticket payload (lib/zt_ticket.c), which a gate
 * reads from any QR code held up to it (docs/tickets.md).  Input: a payload
 * as scanned; or, after a leading '!', up to 44 bytes of a body (the kid
 * forced to one of three known keys by its first byte) that is signed
 * here, so the fuzzer reaches what lies behind the signature.
 *
 * Properties: nothing crashes; a payload that verifies parses, names a
 * known key that is not revoked, and is exactly what encoding its fields
 * gives (one payload per ticket: no second spelling verifies); a body
 * signed here verifies unless its key is revoked or a field is out of
 * range; the QR code of every valid payload fits (zt_qr_svg).
 */
#include "fuzz.h"
#include "zt_arena.h"
#include "zt_qr.h"
#include "zt_ticket.h"

#include <sodium.h>
#include <stdio.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct zt_ticket_signer signers[3];
static struct zt_ticket_pubkey keys[3];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	for (int i = 0; i < 3; i++) {
		unsigned char seed[32];
		memset(seed, 0x41 + i, sizeof(seed));
		crypto_sign_seed_keypair(keys[i].pk, signers[i].sk, seed);
		keys[i].kid = signers[i].kid = (uint32_t)(i + 1);
	}
	keys[0].status = ZT_TICKET_KEY_ACTIVE;
	keys[1].status = ZT_TICKET_KEY_RETIRED;
	keys[2].status = ZT_TICKET_KEY_REVOKED;
	return 0;
}

static void
check(const char *p, size_t len)
{
	struct zt_ticket t;
	unsigned char sig[ZT_TICKET_SIG_LEN];
	char again[ZT_TICKET_PAYLOAD_LEN + 1];
	enum zt_ticket_check c = zt_ticket_verify(p, len, keys, 3, &t);
	int parsed = zt_ticket_parse(p, len, &t, sig) == 0;
	if ((c == ZT_TICKET_MALFORMED) == parsed)
		abort();
	if (c != ZT_TICKET_VALID)
		return;
	if (t.kid < 1 || t.kid > 2 || t.valid_until <= t.valid_from)
		abort();
	if (zt_ticket_encode(&t, &signers[t.kid - 1], again) != 0 ||
	    len != ZT_TICKET_PAYLOAD_LEN || memcmp(again, p, len) != 0)
		abort();
	struct zt_arena *a = zt_arena_new();
	int version = 0;
	if (zt_qr_svg(a, again, &version) == NULL || version > 10)
		abort();
	zt_arena_free(a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 0 && data[0] == '!') {
		struct zt_ticket t;
		unsigned char body[ZT_TICKET_BODY_LEN] = {0};
		char p[ZT_TICKET_PAYLOAD_LEN + 1];
		size_t n = size - 1 < sizeof(body) ? size - 1 : sizeof(body);
		memcpy(body, data + 1, n);
		memcpy(t.ticket, body, 16);
		memcpy(t.event, body + 16, 16);
		t.valid_from = (uint32_t)body[32] << 24 | (uint32_t)body[33] << 16 |
			       (uint32_t)body[34] << 8 | body[35];
		t.valid_until = (uint32_t)body[36] << 24 |
				(uint32_t)body[37] << 16 |
				(uint32_t)body[38] << 8 | body[39];
		t.kid = (uint32_t)(body[40] % 3) + 1;
		if (zt_ticket_encode(&t, &signers[t.kid - 1], p) != 0) {
			if (t.valid_until > t.valid_from)
				abort();
			return 0;
		}
		enum zt_ticket_check c =
		    zt_ticket_verify(p, strlen(p), keys, 3, NULL);
		if (c != (t.kid == 3 ? ZT_TICKET_REVOKED : ZT_TICKET_VALID))
			abort();
		check(p, strlen(p));
		return 0;
	}
	char *s = fuzz_str(data, size);
	check(s, size);
	free(s);
	return 0;
}

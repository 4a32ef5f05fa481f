/* test-ticket.c - signed ticket payloads: round trip, every bit flipped,
 * wrong and revoked keys, malformed input, sealed seeds. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "zt_arena.h"
#include "zt_qr.h"
#include "zt_test.h"
#include "zt_ticket.h"

static const char *TENANT = "66666666-7777-4888-9999-aaaaaaaaaaaa";
static struct zt_ticket_signer signer;
static struct zt_ticket_pubkey keys[2];
static struct zt_ticket tk;
static char payload[ZT_TICKET_PAYLOAD_LEN + 1];

static void
setup(void)
{
	unsigned char seed[32];
	zt_ticket_keygen(&signer.kid, keys[0].pk, seed);
	crypto_sign_seed_keypair(keys[0].pk, signer.sk, seed);
	keys[0].kid = signer.kid;
	keys[0].status = ZT_TICKET_KEY_ACTIVE;
	/* another key of the same tenant */
	zt_ticket_keygen(&keys[1].kid, keys[1].pk, seed);
	keys[1].status = ZT_TICKET_KEY_RETIRED;
	zt_ticket_uuid_bytes("0f0e0d0c-0b0a-4908-8706-050403020100", tk.ticket);
	zt_ticket_uuid_bytes("11111111-2222-4333-8444-555555555555", tk.event);
	tk.valid_from = 1790000000u;
	tk.valid_until = 1790100000u;
	tk.kid = signer.kid;
	zt_ticket_encode(&tk, &signer, payload);
}

static enum zt_ticket_check
verify(const char *p)
{
	return zt_ticket_verify(p, strlen(p), keys, 2, NULL);
}

TEST(round_trip)
{
	struct zt_ticket got;
	CHECK(strlen(payload) == ZT_TICKET_PAYLOAD_LEN);
	CHECK(ZT_TICKET_PAYLOAD_LEN == 150);
	CHECK(strncmp(payload, "ZT1.", 4) == 0);
	CHECK(zt_ticket_verify(payload, strlen(payload), keys, 2, &got) ==
	      ZT_TICKET_VALID);
	CHECK(memcmp(&got.ticket, tk.ticket, 16) == 0);
	CHECK(memcmp(&got.event, tk.event, 16) == 0);
	CHECK(got.valid_from == tk.valid_from);
	CHECK(got.valid_until == tk.valid_until);
	CHECK(got.kid == signer.kid);
}

TEST(deterministic)
{
	char again[ZT_TICKET_PAYLOAD_LEN + 1];
	CHECK(zt_ticket_encode(&tk, &signer, again) == 0);
	CHECK_STR(again, payload);
}

/* Every single-bit flip of every character is refused: a flip in the
 * body or signature is forged or malformed, never valid. */
TEST(every_bit_flip_refused)
{
	char p[ZT_TICKET_PAYLOAD_LEN + 1];
	int valid = 0, tried = 0;
	for (size_t i = 0; i < ZT_TICKET_PAYLOAD_LEN; i++)
		for (int b = 0; b < 8; b++) {
			memcpy(p, payload, sizeof(p));
			p[i] ^= (char)(1 << b);
			tried++;
			if (zt_ticket_verify(p, ZT_TICKET_PAYLOAD_LEN, keys, 2,
				NULL) == ZT_TICKET_VALID)
				valid++;
		}
	CHECK(tried == 150 * 8);
	CHECK(valid == 0);
}

/* The same for the binary: every bit of body and signature, re-encoded
 * canonically, so each flip reaches the signature check. */
TEST(every_binary_bit_flip_forged)
{
	unsigned char body[ZT_TICKET_BODY_LEN], sig[ZT_TICKET_SIG_LEN];
	char p[ZT_TICKET_PAYLOAD_LEN + 1];
	int bad = 0;
	sodium_base642bin(body, sizeof(body), payload + 4, ZT_TICKET_BODY_B64,
	    NULL, NULL, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_base642bin(sig, sizeof(sig), payload + 64, ZT_TICKET_SIG_B64,
	    NULL, NULL, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	for (size_t bit = 0; bit < 8 * (sizeof(body) + sizeof(sig)); bit++) {
		unsigned char b2[sizeof(body)], s2[sizeof(sig)];
		enum zt_ticket_check c;
		memcpy(b2, body, sizeof(body));
		memcpy(s2, sig, sizeof(sig));
		if (bit < 8 * sizeof(body))
			b2[bit / 8] ^= (unsigned char)(1 << (bit % 8));
		else
			s2[bit / 8 - sizeof(body)] ^=
			    (unsigned char)(1 << (bit % 8));
		memcpy(p, "ZT1.", 4);
		sodium_bin2base64(p + 4, ZT_TICKET_BODY_B64 + 1, b2,
		    sizeof(b2), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		p[63] = '.';
		sodium_bin2base64(p + 64, ZT_TICKET_SIG_B64 + 1, s2,
		    sizeof(s2), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		c = zt_ticket_verify(p, ZT_TICKET_PAYLOAD_LEN, keys, 2, NULL);
		/* kid bits name another key; window bits may break the
		 * range: refused all the same */
		if (c == ZT_TICKET_VALID)
			bad++;
		if (bit < 8 * 32 || bit >= 8 * sizeof(body))
			CHECK(c == ZT_TICKET_FORGED);
	}
	CHECK(bad == 0);
}

TEST(wrong_kid_and_wrong_key)
{
	struct zt_ticket_pubkey other[1];
	unsigned char seed[32];
	/* the tenant's other key under this kid: forged */
	other[0] = keys[1];
	other[0].kid = signer.kid;
	CHECK(zt_ticket_verify(payload, strlen(payload), other, 1, NULL) ==
	      ZT_TICKET_FORGED);
	/* another tenant's keys: the kid is not among them */
	zt_ticket_keygen(&other[0].kid, other[0].pk, seed);
	if (other[0].kid == signer.kid)
		other[0].kid++;
	CHECK(zt_ticket_verify(payload, strlen(payload), other, 1, NULL) ==
	      ZT_TICKET_UNKNOWN_KID);
	CHECK(zt_ticket_verify(payload, strlen(payload), keys, 0, NULL) ==
	      ZT_TICKET_UNKNOWN_KID);
}

TEST(retired_verifies_revoked_does_not)
{
	keys[0].status = ZT_TICKET_KEY_RETIRED;
	CHECK(verify(payload) == ZT_TICKET_VALID);
	keys[0].status = ZT_TICKET_KEY_REVOKED;
	CHECK(verify(payload) == ZT_TICKET_REVOKED);
	keys[0].status = ZT_TICKET_KEY_ACTIVE;
}

TEST(malformed)
{
	char p[300];
	struct zt_ticket t;
	unsigned char sig[64];
	CHECK(zt_ticket_parse(NULL, 0, &t, sig) != 0);
	CHECK(verify("") == ZT_TICKET_MALFORMED);
	CHECK(verify("ZT1.") == ZT_TICKET_MALFORMED);
	/* one character short, one too many */
	CHECK(zt_ticket_verify(payload, ZT_TICKET_PAYLOAD_LEN - 1, keys, 2,
		  NULL) == ZT_TICKET_MALFORMED);
	snprintf(p, sizeof(p), "%sA", payload);
	CHECK(verify(p) == ZT_TICKET_MALFORMED);
	/* another version */
	memcpy(p, payload, sizeof(payload));
	p[2] = '2';
	CHECK(verify(p) == ZT_TICKET_MALFORMED);
	memcpy(p, payload, sizeof(payload));
	p[0] = 'z';
	CHECK(verify(p) == ZT_TICKET_MALFORMED);
	/* the separator moved or missing */
	memcpy(p, payload, sizeof(payload));
	p[63] = 'A';
	CHECK(verify(p) == ZT_TICKET_MALFORMED);
	/* padding, the standard alphabet, whitespace, NUL inside */
	const char bad[] = {'=', '+', '/', ' ', '\n', '\0', '.', '*'};
	for (size_t i = 0; i < sizeof(bad); i++) {
		memcpy(p, payload, sizeof(payload));
		p[149] = bad[i];
		CHECK(zt_ticket_verify(p, ZT_TICKET_PAYLOAD_LEN, keys, 2,
			  NULL) == ZT_TICKET_MALFORMED);
		memcpy(p, payload, sizeof(payload));
		p[20] = bad[i];
		CHECK(zt_ticket_verify(p, ZT_TICKET_PAYLOAD_LEN, keys, 2,
			  NULL) == ZT_TICKET_MALFORMED);
	}
	/* lowercase prefix, payload in JSON quotes */
	snprintf(p, sizeof(p), "\"%.*s\"", 148, payload);
	CHECK(verify(p) == ZT_TICKET_MALFORMED);
}

/* field ranges: valid_until <= valid_from or kid 0 refuse to encode and,
 * signed by hand, to parse */
TEST(field_ranges)
{
	struct zt_ticket t = tk;
	char p[ZT_TICKET_PAYLOAD_LEN + 1];
	t.valid_until = t.valid_from;
	CHECK(zt_ticket_encode(&t, &signer, p) != 0);
	t = tk;
	t.kid = 0;
	CHECK(zt_ticket_encode(&t, &signer, p) != 0);
	/* non-canonical base64url: the unused low bits of the last
	 * character set */
	memcpy(p, payload, sizeof(payload));
	{
		const char *al = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
				 "vwxyz0123456789-_";
		int v = (int)(strchr(al, p[62]) - al);
		p[62] = al[v ^ 1];
		CHECK(verify(p) == ZT_TICKET_MALFORMED);
	}
}

TEST(seal_open)
{
	unsigned char master[32], seed[32], box[ZT_TICKET_BOX_LEN], back[32];
	randombytes_buf(master, 32);
	randombytes_buf(seed, 32);
	zt_ticket_seal(master, TENANT, 42, seed, box);
	CHECK(zt_ticket_open(master, TENANT, 42, box, back) == 0);
	CHECK(memcmp(seed, back, 32) == 0);
	/* the raw seed is nowhere in the box */
	for (size_t i = 0; i + 32 <= sizeof(box); i++)
		CHECK(memcmp(box + i, seed, 32) != 0);
	/* another kid, another tenant, another master, one bit: refused */
	CHECK(zt_ticket_open(master, TENANT, 43, box, back) != 0);
	CHECK(zt_ticket_open(master, "11111111-2222-4333-8444-555555555555",
		  42, box, back) != 0);
	master[0] ^= 1;
	CHECK(zt_ticket_open(master, TENANT, 42, box, back) != 0);
	master[0] ^= 1;
	box[30] ^= 1;
	CHECK(zt_ticket_open(master, TENANT, 42, box, back) != 0);
}

TEST(uuid_bytes)
{
	unsigned char b[16];
	CHECK(zt_ticket_uuid_bytes("0f0e0d0c-0b0a-4908-8706-050403020100", b) ==
	      0);
	CHECK(b[0] == 0x0f && b[15] == 0x00);
	CHECK(zt_ticket_uuid_bytes("0f0e0d0c0b0a-4908-8706-050403020100--", b) !=
	      0);
	CHECK(zt_ticket_uuid_bytes("0f0e0d0c-0b0a-4908-8706-05040302010g", b) !=
	      0);
	CHECK(zt_ticket_uuid_bytes("", b) != 0);
}

/* the payload fits a QR code of version <= 10 at level M (it takes 8) */
TEST(qr_version)
{
	struct zt_arena *a = zt_arena_new();
	int version = 0;
	char *svg = zt_qr_svg(a, payload, &version);
	CHECK(svg != NULL);
	CHECK(version == 8);
	/* 49 modules and a quiet zone of 4 on each side */
	CHECK(svg != NULL && strstr(svg, "viewBox=\"0 0 57 57\"") != NULL);
	CHECK(svg != NULL && strstr(svg, "<script") == NULL);
	zt_arena_free(a);
}

/* cost per signature (docs/tickets.md states it) */
TEST(timing)
{
	char p[ZT_TICKET_PAYLOAD_LEN + 1];
	struct timespec t0, t1;
	int n = 2000;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++) {
		tk.valid_from++;
		tk.valid_until++;
		zt_ticket_encode(&tk, &signer, p);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double us = ((t1.tv_sec - t0.tv_sec) * 1e9 +
			(t1.tv_nsec - t0.tv_nsec)) /
		    1e3 / n;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++)
		verify(payload);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double vus = ((t1.tv_sec - t0.tv_sec) * 1e9 +
			 (t1.tv_nsec - t0.tv_nsec)) /
		     1e3 / n;
	printf("# sign %.1f us, verify %.1f us per payload\n", us, vus);
	CHECK(us > 0);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	setup();
	RUN(round_trip);
	RUN(deterministic);
	RUN(every_bit_flip_refused);
	RUN(every_binary_bit_flip_forged);
	RUN(wrong_kid_and_wrong_key);
	RUN(retired_verifies_revoked_does_not);
	RUN(malformed);
	RUN(field_ranges);
	RUN(seal_open);
	RUN(uuid_bytes);
	RUN(qr_version);
	RUN(timing);
	return DONE();
}

/* zt_ticket.c - signed ticket payloads, pure (no database: the gate's
 * and the fuzzer's part); the tenants' keys in the database are in
 * zt_ticket_keys.c.  See zt_ticket.h and docs/tickets.md. */
#include "zt_ticket.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char PREFIX[] = "ZT1.";
#define PREFIX_LEN 4
/* what is signed: "ZT1." and the body's base64url */
#define SIGNED_LEN (PREFIX_LEN + ZT_TICKET_BODY_B64)

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int
in_range(const struct zt_ticket *t)
{
	return t->kid != 0 && t->valid_until > t->valid_from;
}

int
zt_ticket_encode(const struct zt_ticket *t, const struct zt_ticket_signer *s,
    char out[ZT_TICKET_PAYLOAD_LEN + 1])
{
	unsigned char body[ZT_TICKET_BODY_LEN], sig[ZT_TICKET_SIG_LEN];
	if (!in_range(t) || t->kid != s->kid)
		return -1;
	memcpy(body, t->ticket, 16);
	memcpy(body + 16, t->event, 16);
	put32(body + 32, t->valid_from);
	put32(body + 36, t->valid_until);
	put32(body + 40, t->kid);
	memcpy(out, PREFIX, PREFIX_LEN);
	sodium_bin2base64(out + PREFIX_LEN, ZT_TICKET_BODY_B64 + 1, body,
	    sizeof(body), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	crypto_sign_detached(
	    sig, NULL, (const unsigned char *)out, SIGNED_LEN, s->sk);
	out[SIGNED_LEN] = '.';
	sodium_bin2base64(out + SIGNED_LEN + 1, ZT_TICKET_SIG_B64 + 1, sig,
	    sizeof(sig), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

/* Exactly n bytes from the len base64url characters at p (canonical: no
 * padding, no other character, unused bits zero). */
static int
b64_exact(const char *p, size_t len, unsigned char *out, size_t n)
{
	size_t got = 0;
	const char *end = NULL;
	for (size_t i = 0; i < len; i++) {
		char c = p[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			(c >= '0' && c <= '9') || c == '-' || c == '_'))
			return -1;
	}
	if (sodium_base642bin(out, n, p, len, NULL, &got, &end,
		sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return -1;
	return got == n && end == p + len ? 0 : -1;
}

int
zt_ticket_parse(const char *p, size_t len, struct zt_ticket *t,
    unsigned char sig[ZT_TICKET_SIG_LEN])
{
	unsigned char body[ZT_TICKET_BODY_LEN];
	if (p == NULL || len != ZT_TICKET_PAYLOAD_LEN ||
	    memcmp(p, PREFIX, PREFIX_LEN) != 0 || p[SIGNED_LEN] != '.' ||
	    b64_exact(p + PREFIX_LEN, ZT_TICKET_BODY_B64, body, sizeof(body)) !=
		0 ||
	    b64_exact(p + SIGNED_LEN + 1, ZT_TICKET_SIG_B64, sig,
		ZT_TICKET_SIG_LEN) != 0)
		return -1;
	memcpy(t->ticket, body, 16);
	memcpy(t->event, body + 16, 16);
	t->valid_from = get32(body + 32);
	t->valid_until = get32(body + 36);
	t->kid = get32(body + 40);
	return in_range(t) ? 0 : -1;
}

enum zt_ticket_check
zt_ticket_verify(const char *p, size_t len, const struct zt_ticket_pubkey *keys,
    size_t n, struct zt_ticket *out)
{
	struct zt_ticket t;
	unsigned char sig[ZT_TICKET_SIG_LEN];
	const struct zt_ticket_pubkey *k = NULL;
	if (zt_ticket_parse(p, len, &t, sig) != 0)
		return ZT_TICKET_MALFORMED;
	if (out != NULL)
		*out = t;
	for (size_t i = 0; i < n && k == NULL; i++)
		if (keys[i].kid == t.kid)
			k = &keys[i];
	if (k == NULL)
		return ZT_TICKET_UNKNOWN_KID;
	if (k->status == ZT_TICKET_KEY_REVOKED)
		return ZT_TICKET_REVOKED;
	if (crypto_sign_verify_detached(
		sig, (const unsigned char *)p, SIGNED_LEN, k->pk) != 0)
		return ZT_TICKET_FORGED;
	return ZT_TICKET_VALID;
}

void
zt_ticket_keygen(
    uint32_t *kid, unsigned char pk[32], unsigned char seed[ZT_TICKET_SEED_LEN])
{
	unsigned char sk[64];
	do
		*kid = randombytes_random();
	while (*kid == 0);
	randombytes_buf(seed, ZT_TICKET_SEED_LEN);
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(sk, sizeof(sk));
}

/* "ztic ticket key <tenant> <kid>": what a box is bound to */
static size_t
box_ad(char *ad, size_t len, const char *tenant, uint32_t kid)
{
	int n = snprintf(ad, len, "ztic ticket key %s %u", tenant, kid);
	return n < 0 ? 0 : (size_t)n >= len ? len - 1 : (size_t)n;
}

void
zt_ticket_seal(const unsigned char master[32], const char *tenant, uint32_t kid,
    const unsigned char seed[ZT_TICKET_SEED_LEN],
    unsigned char box[ZT_TICKET_BOX_LEN])
{
	char ad[96];
	size_t adlen = box_ad(ad, sizeof(ad), tenant, kid);
	unsigned char *nonce = box;
	randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(
	    box + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, NULL, seed,
	    ZT_TICKET_SEED_LEN, (const unsigned char *)ad, adlen, NULL, nonce,
	    master);
}

int
zt_ticket_open(const unsigned char master[32], const char *tenant, uint32_t kid,
    const unsigned char box[ZT_TICKET_BOX_LEN],
    unsigned char seed[ZT_TICKET_SEED_LEN])
{
	char ad[96];
	size_t adlen = box_ad(ad, sizeof(ad), tenant, kid);
	return crypto_aead_xchacha20poly1305_ietf_decrypt(seed, NULL, NULL,
		   box + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
		   ZT_TICKET_BOX_LEN -
		       crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
		   (const unsigned char *)ad, adlen, box, master) == 0
		   ? 0
		   : -1;
}

int
zt_ticket_uuid_bytes(const char *s, unsigned char out[16])
{
	size_t got = 0;
	const char *end = NULL;
	if (s == NULL || strlen(s) != 36)
		return -1;
	for (int i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash != (s[i] == '-'))
			return -1;
	}
	if (sodium_hex2bin(out, 16, s, 36, "-", &got, &end) != 0 || got != 16 ||
	    end != s + 36)
		return -1;
	return 0;
}

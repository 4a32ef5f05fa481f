/*
 * zt_ticket.h - signed ticket payloads (docs/tickets.md).
 *
 * Domain floor.  A ticket's QR payload is
 *
 *   ZT1.<base64url(body, 44 bytes)>.<base64url(Ed25519 signature, 64)>
 *
 * body: ticket id (16) | event id (16) | valid-from (u32 BE, epoch s) |
 * valid-until (u32 BE) | kid (u32 BE); the signature covers the ASCII of
 * "ZT1." and the body's base64url.  150 characters in all.
 *
 * Each tenant signs with its own key; the seed is stored sealed under
 * ZT_TICKET_MASTER_KEY (XChaCha20-Poly1305, associated data tenant id and
 * kid).  The pure functions (encode, parse, verify, seal, open) need no
 * database; zt_ticket_signer and the key routes do.
 */
#ifndef ZT_TICKET_H
#define ZT_TICKET_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "zt_err.h"

struct pg_result; /* libpq's PGresult */

struct zt_req;

#define ZT_TICKET_BODY_LEN 44
#define ZT_TICKET_SIG_LEN 64
#define ZT_TICKET_BODY_B64 59 /* base64url chars of the body */
#define ZT_TICKET_SIG_B64 86  /* base64url chars of the signature */
/* "ZT1." body "." signature */
#define ZT_TICKET_PAYLOAD_LEN (4 + ZT_TICKET_BODY_B64 + 1 + ZT_TICKET_SIG_B64)
#define ZT_TICKET_SEED_LEN 32
/* nonce 24 | seed 32 | tag 16 */
#define ZT_TICKET_BOX_LEN 72

struct zt_ticket {
	unsigned char ticket[16]; /* ticket id (uuid bytes) */
	unsigned char event[16];  /* event id */
	uint32_t valid_from;	  /* epoch seconds */
	uint32_t valid_until;	  /* epoch seconds, > valid_from */
	uint32_t kid;		  /* signing key id, non-zero */
};

enum zt_ticket_key_status {
	ZT_TICKET_KEY_ACTIVE,
	ZT_TICKET_KEY_RETIRED,
	ZT_TICKET_KEY_REVOKED,
};

struct zt_ticket_pubkey {
	uint32_t kid;
	unsigned char pk[32];
	enum zt_ticket_key_status status;
};

/* What zt_ticket_verify found; each has its own answer at the gate. */
enum zt_ticket_check {
	ZT_TICKET_VALID = 0,
	ZT_TICKET_MALFORMED,   /* not a ZT1 payload (zt_ticket_parse) */
	ZT_TICKET_UNKNOWN_KID, /* no key of that id among the given */
	ZT_TICKET_REVOKED,     /* signed by a revoked key */
	ZT_TICKET_FORGED,      /* the signature does not verify */
};

/* A signing key: its id and libsodium's 64-byte secret key. */
struct zt_ticket_signer {
	uint32_t kid;
	unsigned char sk[64];
};

/* "ZT1.…" of t signed by s into out (ZT_TICKET_PAYLOAD_LEN + 1 bytes);
 * 0, or -1 when t is out of range (valid_until <= valid_from, kid 0). */
int zt_ticket_encode(const struct zt_ticket *t,
    const struct zt_ticket_signer *s, char out[ZT_TICKET_PAYLOAD_LEN + 1]);

/*
 * Strict parse of len bytes at p (no NUL needed): exactly
 * ZT_TICKET_PAYLOAD_LEN bytes, the "ZT1." prefix, one '.' where it
 * belongs, canonical base64url without padding, valid_until > valid_from,
 * kid non-zero.  Fills t and sig; 0, or -1 for anything else.
 */
int zt_ticket_parse(const char *p, size_t len, struct zt_ticket *t,
    unsigned char sig[ZT_TICKET_SIG_LEN]);

/*
 * Parse p and check its signature against the key of its kid among
 * keys[0..n): the tenant's keys (a key of another tenant is simply not
 * there).  Fills t (when not NULL) once parsed.  Validity window and
 * ticket state are the caller's (check-in) to judge.
 */
enum zt_ticket_check zt_ticket_verify(const char *p, size_t len,
    const struct zt_ticket_pubkey *keys, size_t n, struct zt_ticket *t);

/* A new key: random non-zero kid, public key, seed. */
void zt_ticket_keygen(uint32_t *kid, unsigned char pk[32],
    unsigned char seed[ZT_TICKET_SEED_LEN]);

/* Seal seed under master for tenant (uuid text) and kid into box; open
 * it back (0, or -1 when the box, tenant or kid do not match). */
void zt_ticket_seal(const unsigned char master[32], const char *tenant,
    uint32_t kid, const unsigned char seed[ZT_TICKET_SEED_LEN],
    unsigned char box[ZT_TICKET_BOX_LEN]);
int zt_ticket_open(const unsigned char master[32], const char *tenant,
    uint32_t kid, const unsigned char box[ZT_TICKET_BOX_LEN],
    unsigned char seed[ZT_TICKET_SEED_LEN]);

/* uuid text to its 16 bytes; 0, or -1 when not a uuid. */
int zt_ticket_uuid_bytes(const char *s, unsigned char out[16]);

/* ------------------------------------------------ with the database ---- */

/*
 * The signing key of tenant in the open transaction: its active key,
 * made (and committed with the transaction) when it has none yet.  Needs
 * a scope that sees the tenant's keys (its team, or a holder of one of
 * its tickets).  Wipe s with sodium_memzero when done.
 */
enum zt_err zt_ticket_signer(
    struct zt_req *req, const char *tenant, struct zt_ticket_signer *s);

/*
 * The signing key's row read ahead, so that signing costs no round trip
 * of its own: queued (zt_db_queue) to go with the transaction's next
 * statement, of tenant's key, or when tenant is NULL of the key of the
 * tenant of booking (a uuid).  *out receives the row; *out must live until
 * zt_ticket_signer_from, as zt_db_queue says.
 */
enum zt_err zt_ticket_signer_queue(struct zt_req *req, const char *tenant,
    const char *booking, struct pg_result **out);
/* As zt_ticket_signer, from a row read ahead when it holds the key (read
 * or made now when ahead is NULL or empty: the tenant's first ticket). */
enum zt_err zt_ticket_signer_from(struct zt_req *req, const char *tenant,
    const struct pg_result *ahead, struct zt_ticket_signer *s);

/* The payload of ticket (uuid) of event (uuid) valid from..until, signed
 * by s, in req's arena; NULL when an id is not a uuid or the window is
 * out of range. */
const char *zt_ticket_qr(struct zt_req *req, const struct zt_ticket_signer *s,
    const char *ticket, const char *event, int64_t from, int64_t until);

/* The routes /api/tenants/me/ticket-keys… (the active tenant's team):
 * list (scanner and above), rotate and revoke (owner). */
enum zt_err zt_ticket_keys_list(struct zt_req *req, struct json_object **out);
enum zt_err zt_ticket_keys_rotate(struct zt_req *req, struct json_object **out);
enum zt_err zt_ticket_keys_revoke(
    struct zt_req *req, const char *kid, struct json_object **out);

#endif

/*
 * zt_otp.h - one-time sign-in codes.
 *
 * A challenge is a row in otp_challenges holding only
 * HMAC-SHA256(ZT_OTP_PEPPER, challenge id ":" code).  Codes are 6 digits
 * from a uniform CSPRNG, live ZT_OTP_TTL seconds, allow 5 wrong tries, and
 * are consumed by the first right one.  Sends are limited per identifier and
 * per client address in Redis.  Wrong codes are also counted per identifier
 * (all its challenges together) with a growing wait after
 * ZT_OTP_FAIL_FREE of them and a cap of ZT_OTP_FAIL_MAX a day (429 with
 * Retry-After; at the cap no code is sent either).  Identifiers are counted
 * as zt_ident_rate_key makes them (an email's +tag dropped).  docs/auth.md.
 */
#ifndef ZT_OTP_H
#define ZT_OTP_H

#include <json-c/json.h>

#include "zt_config.h"
#include "zt_rate.h"
#include "zt_req.h"
#include "zt_uuid.h"

#include <json-c/json.h>

#define ZT_OTP_MAX_ATTEMPTS 5
#define ZT_OTP_DIGITS 6

/*
 * Create a challenge for channel ("email", "sms", "whatsapp") and raw
 * identifier `to`, and send the code.  On success fills
 * challenge_id[ZT_UUID_BUF] and *expires_at (unix seconds).  Errors are
 * recorded on req: 400 bad channel/identifier, 429 limited, 502 provider failed
 * (nothing kept), 503 database/Redis down.
 */
enum zt_err zt_otp_send(struct zt_req *req, const char *channel, const char *to,
    char challenge_id[ZT_UUID_BUF], long *expires_at);

/*
 * zt_otp_send, answered as the sign-in routes' 202 body
 * {"challengeId", "expiresAt"} in *out (the caller's).
 */
enum zt_err zt_otp_send_json(struct zt_req *req, const char *channel,
    const char *to, struct json_object **out);

/*
 * Check code against challenge_id inside the caller's open transaction.
 * On success the challenge is consumed and channel/identifier are returned
 * (arena strings).  A wrong code counts an attempt (the caller must COMMIT
 * even on ZT_EUNAUTH so the count sticks: see *must_commit).  An identifier
 * in a backoff wait or at its daily cap is 429 before the code is looked
 * at, and the challenge's attempts do not move.
 */
enum zt_err zt_otp_check(struct zt_req *req, const char *challenge_id,
    const char *code, const char **channel, const char **identifier,
    int *must_commit);

/*
 * zt_otp_check in a transaction of its own making: begins it, and on a
 * failure commits the attempt count before reporting the failure.  On
 * success the transaction stays open (scoped as zt_db_begin) for the
 * caller's use of the identifier, and is the caller's to commit; returning
 * without COMMIT gives the code back unused.
 */
enum zt_err zt_otp_check_begin(struct zt_req *req, const char *challenge_id,
    const char *code, const char **channel, const char **identifier);

/* {challengeId, code} of a request body: 400 naming the field unless the
 * id is a UUID and the code ZT_OTP_DIGITS digits. */
enum zt_err zt_otp_read_proof(struct zt_req *req, struct json_object *body,
    const char **challenge_id, const char **code);

/* A sent challenge as the API answers it: {challengeId, expiresAt}. */
struct json_object *zt_otp_challenge_json(
    const char *challenge_id, long expires_at);

/*
 * The parts of the two above that need no database (tests/unit/test-otp.c).
 */
/* A new code: ZT_OTP_DIGITS decimal digits, uniform, leading zeros kept. */
void zt_otp_code_new(char code[ZT_OTP_DIGITS + 1]);
/* The stored form of code for challenge_id: HMAC-SHA256(zt_g.cfg.otp_pepper,
 * challenge_id ":" code) as lowercase hex (arena). */
const char *zt_otp_code_hash(
    struct zt_req *req, const char *challenge_id, const char *code);
/* Is code the one stored_hex (zt_otp_code_hash's form) was made from?
 * Compared in constant time: 1 yes, 0 no, -1 stored_hex is no such hash. */
int zt_otp_code_matches(struct zt_req *req, const char *challenge_id,
    const char *code, const char *stored_hex);
/* The backoff of wrong codes per identifier as zt_rate wants it, from
 * cfg's ZT_OTP_FAIL_FREE, _FAIL_MAX, _BACKOFF, _BACKOFF_MAX (a day). */
void zt_otp_fail_policy(const struct zt_config *cfg, struct zt_rate_backoff *b);

#endif

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

#include "zt_req.h"
#include "zt_uuid.h"

#define ZT_OTP_MAX_ATTEMPTS 5

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

#endif

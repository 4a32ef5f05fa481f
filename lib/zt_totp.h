/*
 * zt_totp.h - RFC 6238 time-based one-time codes (liboath): 30-second
 * steps, 6 digits, HMAC-SHA1, a window of one step either side.  The
 * platform admins' second factor (docs/admin.md).
 */
#ifndef ZT_TOTP_H
#define ZT_TOTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "zt_arena.h"

#define ZT_TOTP_STEP 30
#define ZT_TOTP_DIGITS 6
#define ZT_TOTP_WINDOW 1
#define ZT_TOTP_SECRET_LEN 20 /* 160 bits, RFC 4226's recommendation */

/*
 * Is code (6 digits) right for secret at now, within one step either side?
 * 0 with *counter = the step it matched (now / 30 + offset); -1 otherwise.
 * A caller refuses a counter at or before the last one it accepted (a
 * replay of a code, or an older code after a newer one).
 */
int zt_totp_match(const unsigned char *secret, size_t len, const char *code,
    time_t now, int64_t *counter);

/* The code of secret at step counter (unit tests, enrolment checks). */
int zt_totp_code(const unsigned char *secret, size_t len, int64_t counter,
    char out[ZT_TOTP_DIGITS + 1]);

/* The RFC 4648 base32 of secret (no padding) in the arena, for the
 * otpauth:// URI; NULL on failure. */
char *zt_totp_base32(
    struct zt_arena *a, const unsigned char *secret, size_t len);

/* otpauth://totp/<issuer>:<account>?secret=…&issuer=…&algorithm=SHA1&
 * digits=6&period=30 in the arena; issuer and account are percent-encoded. */
char *zt_totp_uri(struct zt_arena *a, const char *issuer, const char *account,
    const unsigned char *secret, size_t len);

#endif

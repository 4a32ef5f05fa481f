/*
 * zt_crypto.h - small crypto helpers on libsodium.
 */
#ifndef ZT_CRYPTO_H
#define ZT_CRYPTO_H

#include <stddef.h>

#include "zt_arena.h"

/* Lowercase hex of n bytes into the arena. */
char *zt_hex(struct zt_arena *a, const unsigned char *p, size_t n);
/* base64url (no padding) of n bytes into the arena. */
char *zt_b64url(struct zt_arena *a, const unsigned char *p, size_t n);
/* Decode base64url of exactly n bytes; 0 ok, -1 otherwise. */
int zt_b64url_decode(const char *s, unsigned char *out, size_t n);
/* Constant-time compare of two equal-length buffers; 1 when equal. */
int zt_ct_equal(const void *a, const void *b, size_t n);
/* Constant-time compare of two NUL-terminated strings; 1 when equal. */
int zt_ct_streq(const char *a, const char *b);

#endif

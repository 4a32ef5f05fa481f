/*
 * zt_ident.h - sign-in identifiers: emails and phone numbers.
 *
 * Two spellings of one address must make one account, so every writer
 * normalises with these before it looks up or stores an identifier.
 */
#ifndef ZT_IDENT_H
#define ZT_IDENT_H

#include <stddef.h>

/*
 * Email: trimmed, lowercased, one '@', a dotted domain, no spaces or
 * control characters, at most 254 bytes.  0 ok (out filled), -1 invalid.
 */
int zt_ident_email(const char *in, char *out, size_t outlen);

/*
 * Phone to E.164.  Spaces, dashes, dots and parentheses are ignored.
 * Numbers without a country code are Indian: 10 digits starting 6-9, or
 * with a leading 0, become +91….  "00" prefixes become "+".  0 ok, -1.
 */
int zt_ident_phone(const char *in, char *out, size_t outlen);

/*
 * The key limits count under, from an identifier already normalised by
 * the two above: a phone as it is; an email without the "+tag" of its
 * local part ("a+x@b.in" -> "a@b.in"), so tags cannot multiply one
 * inbox's sends or failed codes.  Only for counting: accounts and
 * deliveries keep the address as typed (normalised).  A local part that
 * is nothing but a tag ("+x@b.in") is kept whole.  0 ok, -1 when out is
 * too small.
 */
int zt_ident_rate_key(const char *ident, char *out, size_t outlen);

/*
 * The key per-address limits count a client address under: an IPv4
 * address as it is; an IPv6 address by its /64 ("2001:db8:1:2::/64"),
 * since one subscriber gets a whole /64 and could otherwise take a fresh
 * address per request; an IPv4-mapped IPv6 address as its IPv4 address.
 * Anything else is copied unchanged.  0 ok, -1 when out is too small.
 */
int zt_ident_addr_key(const char *addr, char *out, size_t outlen);

#endif

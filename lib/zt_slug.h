/*
 * zt_slug.h - URL slugs for tenants and events.
 *
 * A slug is 1..max characters of [a-z0-9-], starting and ending with a
 * letter or digit (the CHECKs on tenants.slug and events.slug).  Derived
 * slugs fold Latin letters with accents to plain ones ("Café" -> "cafe"),
 * turn every other run of characters into one '-', and never end in '-'.
 */
#ifndef ZT_SLUG_H
#define ZT_SLUG_H

#include <stddef.h>

#define ZT_SLUG_TENANT_MAX 64
#define ZT_SLUG_EVENT_MAX 96

/* Is s a well-formed slug of at most max characters?  1 yes, 0 no. */
int zt_slug_valid(const char *s, size_t max);

/*
 * Derive a slug from free text into out (room for max+1 bytes).  Returns
 * 0, or -1 when nothing usable is left (out is then "").
 */
int zt_slug_derive(const char *text, char *out, size_t max);

/* Numbered candidates tried before random ones (see zt_slug_next). */
#define ZT_SLUG_NUMBERED 20

/*
 * The n-th candidate (n from 1) for a base slug when the ones before were
 * taken: base itself, then "base-2" … "base-20", then "base-<6 random hex
 * digits>", with base cut short so the result fits max.  out needs max+1
 * bytes.
 */
void zt_slug_next(const char *base, unsigned n, char *out, size_t max);

#endif

/*
 * zt_uuid.h - UUIDs as text: the one place for their size, check,
 * canonical form and generation.
 *
 * Ids travel as the 36-character 8-4-4-4-12 hex form; the canonical form
 * is lowercase (what PostgreSQL prints).  A buffer that holds one is
 * `char id[ZT_UUID_BUF]`.
 */
#ifndef ZT_UUID_H
#define ZT_UUID_H

#include "zt_arena.h"

#define ZT_UUID_LEN 36		      /* characters, without the NUL */
#define ZT_UUID_BUF (ZT_UUID_LEN + 1) /* a buffer for one, with the NUL */

/* Is s a UUID (8-4-4-4-12 hex, either case)?  NULL is not. */
int zt_is_uuid(const char *s);
/* s as a canonical lowercase UUID in the arena, or NULL when s is not a
 * UUID (ids from paths, queries and lists). */
char *zt_uuid_norm(struct zt_arena *a, const char *s);
/* A random version-4 UUID, lowercase, into out. */
void zt_uuid_new(char out[ZT_UUID_BUF]);
/* The 16 bytes of a UUID (a ticket payload's ids) as its canonical text. */
void zt_uuid_format(const unsigned char b[16], char out[ZT_UUID_BUF]);

#endif

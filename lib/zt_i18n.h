/*
 * zt_i18n.h - the server's messages in the person's language.
 *
 * The server's strings live in the web app's catalogues
 * (web/i18n/en.json, web/i18n/hi.json: flat objects, one key a line),
 * under keys that start with "server." (docs/web.md, "Server messages").
 * zt_i18n_load() reads both once when the process starts
 * (zt_server_init, from ZT_I18N_DIR); a lookup is a binary search in a
 * sorted array, no file is read per request.  Texts carry {name}
 * placeholders.  A key missing in a language falls back to English.
 *
 * The language of a request (zt_i18n_lang): the signed-in account's
 * users.lang, else the best supported language of Accept-Language, else
 * English.  API errors keep their code; zt_i18n_error() puts the message
 * in that language (English stays the message the code wrote).
 */
#ifndef ZT_I18N_H
#define ZT_I18N_H

#include <stddef.h>

#include "zt_arena.h"

struct zt_req;

/* The languages the server speaks, English first (the fallback). */
#define ZT_I18N_LANGS "en", "hi"

/*
 * Read dir/en.json and dir/hi.json (the "server.*" keys of each).  0 ok;
 * -1 when a file is missing or not a flat JSON object of strings (reason
 * in err; what was loaded before stays).  Loading again replaces.
 */
int zt_i18n_load(const char *dir, char *err, size_t errlen);
/* Forget the catalogues (tests, exit). */
void zt_i18n_free(void);

/* "en" or "hi" (static storage) for a supported language tag, matched
 * case-insensitively; NULL for anything else. */
const char *zt_i18n_norm(const char *lang);

/* The text of key in lang, else in English, else NULL.  Static until the
 * next load. */
const char *zt_i18n_text(const char *lang, const char *key);
/* The same, but only lang's own text (no fallback). */
const char *zt_i18n_own(const char *lang, const char *key);

/*
 * text with each {name} replaced by get(ctx, name); a name get does not
 * know (NULL) stays as written.  Into a.
 */
typedef const char *zt_i18n_get_fn(void *ctx, const char *name);
char *zt_i18n_fill(
    struct zt_arena *a, const char *text, zt_i18n_get_fn *get, void *ctx);
/* A get for zt_i18n_fill over ctx, a NULL-terminated array of name, value
 * pairs: {"code", code, "minutes", "10", NULL}.  A NULL value is unknown. */
const char *zt_i18n_pairs(void *ctx, const char *name);

/*
 * The best supported language of an Accept-Language header (RFC 9110
 * 12.5.4): the entry with the highest q (ties: the first), matched by its
 * primary subtag ("hi-IN" is "hi"; "*" is English); q=0 and malformed
 * entries never match.  NULL when nothing in it is supported (or h is
 * NULL).
 */
const char *zt_i18n_accept(const char *h);

/*
 * The language of the request: the account's (signed in, read once from
 * users.lang and kept on req), else Accept-Language, else "en".
 */
const char *zt_i18n_lang(struct zt_req *req);
/* Tell req the language it speaks from now on (after PATCH lang). */
void zt_i18n_set_lang(struct zt_req *req, const char *lang);

/*
 * The language of the account with this email or phone (a code or
 * message to it), else fallback.
 */
const char *zt_i18n_lang_of(
    struct zt_req *req, const char *ident, const char *fallback);

/*
 * A time as messages print it in English ("Sun, 27 Dec 2026, 6:00 PM IST",
 * WHEN_LOCAL in lib/zt_booking_int.h, the one formatter) in lang, by the
 * catalogue's server.date.* names; en (or a text not of that shape) as
 * it is.  Into a.
 */
const char *zt_i18n_when(
    struct zt_arena *a, const char *lang, const char *english);

/*
 * Put the recorded error's message in the request's language: the
 * catalogue's "server.error.<code>", or "server.error.<code>.field" when
 * the message names a field as 'name' (filled in as {field}), or
 * "server.error.<code>.n" when it holds a number (a limit, a wait: the
 * first one, as {n}).  English, or a
 * code without an own text in the language, keeps the message as it is.
 * The dispatcher calls it before writing the error body.
 */
void zt_i18n_error(struct zt_req *req);

#endif

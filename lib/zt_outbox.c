/*
 * zt_outbox.c - the transactional outbox: writing a message and rendering
 * its templates; see zt_outbox.h.  The sender (zt_outbox_drain, which
 * needs libcurl and cairo through zt_notify and zt_media) is
 * zt_outbox_send.c, so that a responder which only enqueues links neither
 * (docs/benchmarks.md, row 8).
 */
#include "zt_outbox.h"
#include "zt_outbox_int.h"
#include "zt_db.h"
#include "zt_i18n.h"
#include "zt_json.h"
#include "zt_log.h"
#include "zt_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct zt_sql q_enqueue = ZT_SQL("outbox_enqueue",
    "INSERT INTO outbox (channel, recipient, payload)"
    " VALUES ($1, $2, $3::jsonb)",
    3);

enum zt_err
zt_outbox_enqueue(struct zt_req *req, const char *channel,
    const char *recipient, struct json_object *payload)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[3] = {channel, recipient, NULL};
	struct json_object *t;
	if (!json_object_object_get_ex(payload, "template", &t) ||
	    !json_object_is_type(t, json_type_string)) {
		zt_log_error("outbox", "payload without a template");
		return zt_fail(req, ZT_EINTERNAL, NULL, "internal error");
	}
	/* the language of the request that causes it, for a recipient
	 * without an account of their own (the sender prefers theirs) */
	if (!json_object_object_get_ex(payload, "lang", NULL))
		json_object_object_add(
		    payload, "lang", json_object_new_string(zt_i18n_lang(req)));
	p[2] = zt_json_text(req, payload, NULL);
	/* nothing reads it back: it goes with the next round trip, at the
	 * latest with COMMIT */
	if (zt_db_queue(req, &err, &q_enqueue, p, NULL) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

long
zt_outbox_backoff(int attempts)
{
	long s = 30;
	for (int i = 1; i < attempts && s < 6 * 3600; i++)
		s *= 2;
	return s > 6 * 3600 ? 6 * 3600 : s;
}

/* ---- templates ---- */

/* Append s to the buffer HTML-escaped. */
void
zt__outbox_esc(struct zt_arena *a, char **buf, const char *s)
{
	size_t n = strlen(*buf), extra = 0;
	for (const char *p = s; *p; p++)
		extra += strchr("<>&\"'", *p) ? 6 : 1;
	char *out = zt_arena_alloc(a, n + extra + 1), *o = out + n;
	memcpy(out, *buf, n);
	for (const char *p = s; *p; p++) {
		const char *r = NULL;
		switch (*p) {
		case '<':
			r = "&lt;";
			break;
		case '>':
			r = "&gt;";
			break;
		case '&':
			r = "&amp;";
			break;
		case '"':
			r = "&quot;";
			break;
		case '\'':
			r = "&#39;";
			break;
		}
		if (r) {
			memcpy(o, r, strlen(r));
			o += strlen(r);
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	*buf = out;
}

const char *
zt__outbox_field(struct json_object *payload, const char *key)
{
	struct json_object *v;
	if (!json_object_object_get_ex(payload, key, &v) ||
	    json_object_is_type(v, json_type_null))
		return NULL;
	return json_object_get_string(v);
}

/*
 * A template's subject and body are catalogue texts (web/i18n/{en,hi}.json,
 * "server.email.<template>.subject" and ".body", zt_i18n.h) in the
 * payload's "lang", with {placeholders} naming payload fields.  The body
 * is used for text as is and, escaped, for HTML paragraphs.
 */

/* The values the server itself puts in a payload in English (a refund's
 * reason, lib/zt_refund.c; a payout's outcome, lib/zt_payout.c; a team
 * role, lib/zt_team.c), which the catalogue words in the reader's
 * language; an organizer's own text goes as written. */
static const char *const own_words[][3] = {
    {"reason", "cancelled by the buyer", "server.email.reason.buyer_cancelled"},
    {"reason", "refunded by the organizer",
	"server.email.reason.organizer_refunded"},
    {"reason", "Your tickets are ready.", "server.email.reason.tickets_ready"},
    {"reason",
	"Pay before the time shown on your booking to confirm your place; "
	"after that it goes to someone else.",
	"server.email.reason.pay_to_confirm"},
    {"outcome", "reversed after it was sent", "server.email.outcome.reversed"},
    {"outcome", "not made", "server.email.outcome.not_made"},
    {"role", "owner", "server.email.role.owner"},
    {"role", "manager", "server.email.role.manager"},
    {"role", "scanner", "server.email.role.scanner"},
};

/* A payload field as the message prints it in lang: the event's time in
 * the language, a name or venue left empty by the catalogue's word, a
 * word of the server's own in the language. */
static const char *
value(struct zt_arena *a, struct json_object *payload, const char *lang,
    const char *key)
{
	const char *v = zt__outbox_field(payload, key);
	if (strcmp(key, "eventWhen") == 0 || strcmp(key, "until") == 0)
		return zt_i18n_when(a, lang, v);
	for (size_t i = 0;
	     v != NULL && i < sizeof(own_words) / sizeof(*own_words); i++)
		if (strcmp(key, own_words[i][0]) == 0 &&
		    strcmp(v, own_words[i][1]) == 0)
			return zt_i18n_text(lang, own_words[i][2]);
	if (v != NULL && *v == '\0' &&
	    (strcmp(key, "name") == 0 || strcmp(key, "venue") == 0))
		return zt_i18n_text(
		    lang, zt_arena_printf(a, "server.email.default.%s", key));
	return v;
}

/* Fill {placeholders} from payload; NULL (err set) when one is missing. */
static char *
fill(struct zt_arena *a, const char *tpl, struct json_object *payload,
    const char *lang, int html, char *err, size_t errlen)
{
	char *out = zt_arena_strdup(a, "");
	const char *p = tpl;
	while (*p) {
		const char *open = strchr(p, '{');
		if (open == NULL) {
			if (html)
				zt__outbox_esc(a, &out, p);
			else
				out = zt_arena_printf(a, "%s%s", out, p);
			break;
		}
		const char *close = strchr(open, '}');
		if (close == NULL)
			break;
		char *lit = zt_arena_strndup(a, p, (size_t)(open - p));
		char *key =
		    zt_arena_strndup(a, open + 1, (size_t)(close - open - 1));
		const char *val = value(a, payload, lang, key);
		if (val == NULL) {
			snprintf(
			    err, errlen, "template field '%s' missing", key);
			return NULL;
		}
		if (html) {
			zt__outbox_esc(a, &out, lit);
			zt__outbox_esc(a, &out, val);
		} else {
			out = zt_arena_printf(a, "%s%s%s", out, lit, val);
		}
		p = close + 1;
	}
	return out;
}

/* <p>…</p> around text: paragraphs from blank lines, line breaks from
 * newlines (one pass; the text is escaped already). */
static char *
paragraphs(struct zt_arena *a, const char *text)
{
	size_t n = sizeof("<p></p>");
	for (const char *q = text; *q; q++) {
		if (q[0] == '\n' && q[1] == '\n') {
			n += sizeof("</p><p>") - 1;
			q++;
		} else {
			n += *q == '\n' ? sizeof("<br>") - 1 : 1;
		}
	}
	char *h = zt_arena_alloc(a, n), *o = h;
	o = stpcpy(o, "<p>");
	for (const char *q = text; *q; q++) {
		if (q[0] == '\n' && q[1] == '\n') {
			o = stpcpy(o, "</p><p>");
			q++;
		} else if (*q == '\n') {
			o = stpcpy(o, "<br>");
		} else {
			*o++ = *q;
		}
	}
	strcpy(o, "</p>");
	return h;
}

int
zt_outbox_render(struct zt_arena *a, struct json_object *payload,
    struct zt_outbox_msg *out, char *err, size_t errlen)
{
	const char *name = zt__outbox_field(payload, "template");
	const char *lang = zt_i18n_norm(zt__outbox_field(payload, "lang"));
	const char *subject = NULL, *body = NULL;
	char *body_html;
	if (lang == NULL)
		lang = "en";
	if (name != NULL) {
		subject = zt_i18n_text(
		    lang, zt_arena_printf(a, "server.email.%s.subject", name));
		body = zt_i18n_text(
		    lang, zt_arena_printf(a, "server.email.%s.body", name));
	}
	if (subject == NULL || body == NULL) {
		snprintf(
		    err, errlen, "unknown template '%s'", name ? name : "");
		return -1;
	}
	out->subject = fill(a, subject, payload, lang, 0, err, errlen);
	out->text = fill(a, body, payload, lang, 0, err, errlen);
	body_html = fill(a, body, payload, lang, 1, err, errlen);
	if (!out->subject || !out->text || !body_html)
		return -1;
	out->html = paragraphs(a, body_html);
	return 0;
}

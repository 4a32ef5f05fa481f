/* zt_outbox_send.c - the outbox's sender (zt_outbox_drain); see
 * zt_outbox.h and zt_outbox.c. */
#include "zt_db.h"
#include "zt_i18n.h"
#include "zt_log.h"
#include "zt_media.h"
#include "zt_notify.h"
#include "zt_outbox.h"
#include "zt_outbox_int.h"
#include "zt_server.h"
#include "zt_uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Messages due, a batch at a time: each batch is one transaction (one
 * COMMIT, one WAL flush) instead of one per message.  The rows stay locked
 * while the batch is sent; another drainer skips them. */
#define OUTBOX_BATCH 20
static struct zt_sql q_next = ZT_SQL("outbox_next",
    "SELECT id, channel, recipient, payload::text, attempts FROM outbox"
    " WHERE sent_at IS NULL AND next_attempt_at <= now()"
    "   AND attempts < $1::int"
    " ORDER BY next_attempt_at LIMIT $2::int FOR UPDATE SKIP LOCKED",
    2);
static struct zt_sql q_sent = ZT_SQL("outbox_sent",
    "UPDATE outbox SET sent_at = now(), attempts = attempts + 1,"
    " last_error = NULL WHERE id = ANY ($1::uuid[])",
    1);
/* the organizer's branding for the HTML email's head (docs/branding.md) */
static struct zt_sql q_brand = ZT_SQL("outbox_brand",
    "SELECT t.name, t.branding->>'accent', t.branding->>'logoUrl'"
    " FROM tenants t WHERE t.id = $1",
    1);
static struct zt_sql q_retry = ZT_SQL("outbox_retry",
    "UPDATE outbox SET attempts = attempts + 1, last_error = $2,"
    " next_attempt_at = now() + make_interval(secs => $3::int)"
    " WHERE id = $1",
    3);

static enum zt_notify_channel
channel_of(const char *c)
{
	if (strcmp(c, "sms") == 0)
		return ZT_NOTIFY_SMS;
	if (strcmp(c, "whatsapp") == 0)
		return ZT_NOTIFY_WHATSAPP;
	return ZT_NOTIFY_EMAIL;
}

/*
 * Render and send one message; 0 sent, -1 failed (reason in err).  Its
 * files come from attach; when they cannot be made on the message's last
 * attempt, it goes without them (the text links to the tickets' page):
 * a broken PDF must not keep a confirmation from its buyer for ever.
 */
/*
 * A band in the organizer's (adjusted) accent with their uploaded logo
 * and name before html; html itself without either.
 */
static const char *
brand_head(struct zt_arena *a, const char *name, const char *accent,
    const char *logo_url, const char *html)
{
	char fixed[8];
	const char *bg = zt_media_accent(accent, fixed);
	const char *file = zt_media_name(logo_url);
	char *out = zt_arena_strdup(a, "");
	if (bg == NULL && file == NULL)
		return html;
	if (file != NULL) {
		zt__outbox_esc(a, &out,
		    zt_arena_printf(
			a, "%s/media/%s", zt_g.cfg.public_url, file));
		out = zt_arena_printf(a,
		    "<img src=\"%s\" alt=\"\" height=\"40\" "
		    "style=\"vertical-align:middle;margin-right:12px\">",
		    out);
	}
	char *who = zt_arena_strdup(a, "");
	zt__outbox_esc(a, &who, name ? name : "");
	return zt_arena_printf(a,
	    "<div style=\"background:%s;color:#ffffff;padding:12px 16px;"
	    "font-weight:bold\">%s%s</div>%s",
	    bg ? bg : "#6b2737", out, who, html);
}

/* Head a buyer's HTML email with their organizer's logo and colour. */
static void
brand(struct zt_req *req, struct json_object *payload, struct zt_outbox_msg *m)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {zt__outbox_field(payload, "tenantId")};
	PGresult *r;
	if (p[0] == NULL || !zt_is_uuid(p[0]) || m->html == NULL)
		return;
	if (zt_db_savepoint(req, &err, "brand") != ZT_OK)
		return;
	if ((r = zt_db_exec(req, &err, &q_brand, p)) == NULL) {
		zt_log_warn("outbox", "no branding: %s", err.msg);
		zt_db_rollback_to(req, &err, "brand");
		return;
	}
	if (PQntuples(r) > 0)
		m->html = brand_head(req->arena, zt_db_val(r, 0, 0),
		    zt_db_val(r, 0, 1), zt_db_val(r, 0, 2), m->html);
	zt_db_release(req, &err, "brand");
}

static int
send_msg(struct zt_req *req, zt_outbox_attach_fn *attach, int last_try,
    const char *id, const char *channel, const char *to,
    const char *payload_text, char *err, size_t errlen)
{
	struct json_object *payload = json_tokener_parse(payload_text);
	struct zt_outbox_msg m;
	struct zt_notify_cfg ncfg;
	struct zt_notify_msg msg;
	struct zt_notify_attachment att;
	char pid[128];
	int rc = -1, files = 0, rendered;

	if (payload == NULL) {
		snprintf(err, errlen, "payload is not JSON");
		return -1;
	}
	/* the recipient's own language when they have an account, else the
	 * one the payload was written in */
	const char *lang = zt_i18n_norm(zt__outbox_field(payload, "lang"));
	lang = zt_i18n_lang_of(req, to, lang ? lang : "en");
	json_object_object_add(payload, "lang", json_object_new_string(lang));
	rendered = zt_outbox_render(req->arena, payload, &m, err, errlen) == 0;
	if (rendered)
		brand(req, payload, &m);
	if (rendered && attach != NULL &&
	    (files = attach(req, channel, payload, &att, err, errlen)) < 0 &&
	    last_try) {
		zt_log_warn(
		    "outbox", "message %s goes without its files: %s", id, err);
		files = 0;
	}
	if (rendered && files >= 0) {
		zt_server_notify_cfg(&ncfg);
		memset(&msg, 0, sizeof(msg));
		msg.channel = channel_of(channel);
		msg.to = to;
		msg.subject = m.subject;
		msg.text = m.text;
		msg.html = m.html;
		msg.idempotency_key = id; /* Resend drops a repeat */
		if (files > 0) {
			msg.attachments = &att;
			msg.nattachments = 1;
		}
		rc = zt_notify_send(
			 &ncfg, &msg, pid, sizeof(pid), err, errlen) == 0
			 ? 0
			 : -1;
	}
	json_object_put(payload);
	return rc;
}

/*
 * Send one batch of at most n due messages in one transaction.  Returns
 * the number of messages taken (0: none due), or -1 when the database
 * failed.  A message sent but not recorded (the COMMIT failed, or the
 * process died) goes again later under the same idempotency key.
 */
static int
send_batch(struct zt_req *req, zt_outbox_attach_fn *attach, int n, int *sent,
    int *failed)
{
	struct zt_error dberr = ZT_ERROR_INIT;
	char max[16], lim[16], secs[24], err[256];
	const char *p[3];
	const char **ok_ids;
	size_t nok = 0;
	PGresult *r;
	int rows, rc = -1;

	snprintf(max, sizeof(max), "%d", ZT_OUTBOX_MAX_ATTEMPTS);
	snprintf(lim, sizeof(lim), "%d", n);
	p[0] = max;
	p[1] = lim;
	if (zt_db_begin(req, &dberr) != ZT_OK)
		return -1;
	if ((r = zt_db_exec(req, &dberr, &q_next, p)) == NULL)
		goto out;
	rows = PQntuples(r);
	ok_ids = zt_arena_array(req->arena, (size_t)rows + 1, sizeof(char *));
	for (int i = 0; i < rows; i++) {
		const char *id = PQgetvalue(r, i, 0);
		int attempts = atoi(PQgetvalue(r, i, 4));
		err[0] = '\0';
		if (send_msg(req, attach,
			attempts + 1 >= ZT_OUTBOX_MAX_ATTEMPTS, id,
			PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
			PQgetvalue(r, i, 3), err, sizeof(err)) == 0) {
			ok_ids[nok++] = id;
			continue;
		}
		snprintf(
		    secs, sizeof(secs), "%ld", zt_outbox_backoff(attempts + 1));
		p[0] = id;
		p[1] = err;
		p[2] = secs;
		if (zt_db_exec(req, &dberr, &q_retry, p) == NULL)
			goto out;
		zt_log_warn("outbox", "message %s attempt %d failed: %s", id,
		    attempts + 1, err);
		(*failed)++;
	}
	if (nok > 0) {
		p[0] = zt_db_array(req, ok_ids, nok);
		if (zt_db_exec(req, &dberr, &q_sent, p) == NULL)
			goto out;
	}
	if (zt_db_commit(req, &dberr) != ZT_OK)
		goto out;
	*sent += (int)nok;
	rc = rows;
out:
	zt_db_rollback();
	return rc;
}

int
zt_outbox_drain(int limit, zt_outbox_attach_fn *attach, int *sent, int *failed)
{
	struct zt_req *req = zt_req_new(NULL, NULL);
	int rc = 0, done = 0;
	*sent = *failed = 0;
	while (done < limit) {
		int n =
		    limit - done < OUTBOX_BATCH ? limit - done : OUTBOX_BATCH;
		int r = send_batch(req, attach, n, sent, failed);
		zt_req_end(req);
		if (r < 0) {
			rc = -1;
			break;
		}
		if (r < n)
			break; /* nothing more due */
		done += r;
	}
	zt_req_free(req);
	return rc;
}

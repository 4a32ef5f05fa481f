/* zt_notify: one message through Resend / Twilio / Gupshup, or the outbox.
 * See zt_notify.h for the contract; the HTTP part is lib/zt_http.c. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* getrandom, O_CLOEXEC */
#endif

#include "zt_notify.h"
#include "zt_http.h"
#include "zt_time.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <json-c/printbuf.h>
#include <sodium.h>

#define RESPONSE_CAP (64 * 1024) /* we only need an id or an error message */
#define USER_AGENT "ztic-notify/1 (+libcurl)"

/* ------------------------------------------------------------------------ */
/* small helpers                                                            */
/* ------------------------------------------------------------------------ */

static int
empty(const char *s)
{
	return s == NULL || *s == '\0';
}

static const char *
or_default(const char *s, const char *def)
{
	return empty(s) ? def : s;
}

static void set_err(const struct zt_notify_cfg *cfg, char *err, size_t errlen,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
set_err(const struct zt_notify_cfg *cfg, char *err, size_t errlen,
    const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if (cfg) {
		zt_http_redact(err, cfg->resend_key);
		zt_http_redact(err, cfg->twilio_token);
		zt_http_redact(err, cfg->gupshup_key);
	}
}

static int
valid_e164(const char *s)
{
	size_t n = 0;

	if (s[0] != '+' || s[1] < '1' || s[1] > '9')
		return 0;
	for (s++; *s; s++, n++)
		if (*s < '0' || *s > '9')
			return 0;
	return n >= 7 && n <= 15;
}

static int
valid_email(const char *s)
{
	const char *at = strchr(s, '@');

	if (!at || at == s || at[1] == '\0' || strchr(at + 1, '@'))
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f || *s == '<' ||
		    *s == '>' || *s == ',' || *s == ';')
			return 0;
	return 1;
}

const char *
zt_notify_channel_name(enum zt_notify_channel channel)
{
	switch (channel) {
	case ZT_NOTIFY_EMAIL:
		return "email";
	case ZT_NOTIFY_SMS:
		return "sms";
	case ZT_NOTIFY_WHATSAPP:
		return "whatsapp";
	}
	return "unknown";
}

static void
put_id(char *provider_id, size_t provider_id_len, const char *prefix,
    const char *id)
{
	if (provider_id && provider_id_len)
		snprintf(
		    provider_id, provider_id_len, "%s%s", prefix, id ? id : "");
}

/* ------------------------------------------------------------------------ */
/* outbox                                                                   */
/* ------------------------------------------------------------------------ */

static json_object *
str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

/*
 * A base64 string as JSON: its alphabet (A-Z a-z 0-9 + / =) needs no
 * escape, so it is written as it is; json-c's escaper goes a character at
 * a time, 6 % of ztic-outbox's CPU on a ticket PDF's 24 kB
 * (docs/benchmarks.md, section 32).
 */
static int
base64_json(struct json_object *o, struct printbuf *pb, int level, int flags)
{
	(void)level;
	(void)flags;
	if (printbuf_strappend(pb, "\"") < 0 ||
	    printbuf_memappend(pb, json_object_get_string(o),
		json_object_get_string_len(o)) < 0 ||
	    printbuf_strappend(pb, "\"") < 0)
		return -1;
	return 0;
}

/* [{filename, content: base64}] of msg's attachments (Resend's form, and
 * the outbox file's), NULL when it has none or out of memory (*oom). */
static json_object *
attachments_json(const struct zt_notify_msg *msg, int *oom)
{
	json_object *a;
	*oom = 0;
	if (msg->nattachments == 0)
		return NULL;
	if ((a = json_object_new_array()) == NULL)
		goto oom;
	for (size_t i = 0; i < msg->nattachments; i++) {
		const struct zt_notify_attachment *f = &msg->attachments[i];
		size_t n = sodium_base64_encoded_len(
		    f->len, sodium_base64_VARIANT_ORIGINAL);
		char *b64 = malloc(n);
		json_object *x = json_object_new_object(), *content;
		if (b64 == NULL || x == NULL) {
			free(b64);
			json_object_put(x);
			json_object_put(a);
			goto oom;
		}
		sodium_bin2base64(
		    b64, n, f->content, f->len, sodium_base64_VARIANT_ORIGINAL);
		json_object_object_add(
		    x, "filename", json_object_new_string(f->filename));
		content = json_object_new_string(b64);
		free(b64);
		if (content != NULL)
			json_object_set_serializer(
			    content, base64_json, NULL, NULL);
		json_object_object_add(x, "content", content);
		json_object_array_add(a, x);
	}
	return a;
oom:
	*oom = 1;
	return NULL;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
write_outbox(const struct zt_notify_cfg *cfg, const struct zt_notify_msg *msg,
    char *provider_id, size_t provider_id_len, char *err, size_t errlen)
{
	const char *chan = zt_notify_channel_name(msg->channel);
	struct timespec ts;
	unsigned char rnd[8];
	char hex[17], name[128], created[ZT_TIME_MS_LEN];
	char *final_path = NULL, *tmp_path = NULL;
	long long ms;
	json_object *o = NULL;
	const char *text;
	int fd = -1, rc = -1;
	size_t dlen;

	if (empty(cfg->outbox_dir)) {
		set_err(cfg, err, errlen,
		    "no provider key for %s and no outbox directory configured",
		    chan);
		return -1;
	}
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 ||
	    getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
		set_err(cfg, err, errlen, "could not write the %s outbox: %s",
		    chan, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof rnd; i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	snprintf(name, sizeof name, "%lld-%s-%s.json", ms, chan, hex);

	zt_time_format_msbuf(ms, created);

	dlen = strlen(cfg->outbox_dir);
	final_path = malloc(dlen + strlen(name) + 2);
	tmp_path = malloc(dlen + strlen(name) + 8);
	o = json_object_new_object();
	if (!final_path || !tmp_path || !o) {
		set_err(cfg, err, errlen,
		    "could not write the %s outbox: out of memory", chan);
		goto out;
	}
	sprintf(final_path, "%s/%s", cfg->outbox_dir, name);
	sprintf(tmp_path, "%s/.%s.tmp", cfg->outbox_dir,
	    name); /* dot: readers of *.json skip it */

	json_object_object_add(o, "channel", json_object_new_string(chan));
	json_object_object_add(o, "to", json_object_new_string(msg->to));
	json_object_object_add(o, "subject", str_or_null(msg->subject));
	json_object_object_add(o, "text", str_or_null(msg->text));
	json_object_object_add(o, "html", str_or_null(msg->html));
	json_object_object_add(
	    o, "idempotency_key", str_or_null(msg->idempotency_key));
	json_object_object_add(
	    o, "created_at", json_object_new_string(created));
	if (msg->nattachments > 0) {
		int oom;
		json_object *files = attachments_json(msg, &oom);
		if (oom) {
			set_err(cfg, err, errlen,
			    "could not write the %s outbox: out of memory",
			    chan);
			goto out;
		}
		json_object_object_add(o, "attachments", files);
	}
	text = json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text) {
		set_err(cfg, err, errlen,
		    "could not write the %s outbox: out of memory", chan);
		goto out;
	}

	fd = open(tmp_path,
	    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0) {
		set_err(cfg, err, errlen,
		    "could not write the %s outbox: %s: %s", chan, tmp_path,
		    strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0640) != 0 || write_all(fd, text, strlen(text)) != 0 ||
	    write_all(fd, "\n", 1) != 0) {
		set_err(cfg, err, errlen,
		    "could not write the %s outbox: %s: %s", chan, tmp_path,
		    strerror(errno));
		close(fd);
		fd = -1;
		unlink(tmp_path);
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		set_err(cfg, err, errlen,
		    "could not write the %s outbox: %s: %s", chan, tmp_path,
		    strerror(errno));
		unlink(tmp_path);
		goto out;
	}
	fd = -1;
	if (rename(tmp_path, final_path) != 0) {
		set_err(cfg, err, errlen,
		    "could not write the %s outbox: %s: %s", chan, final_path,
		    strerror(errno));
		unlink(tmp_path);
		goto out;
	}
	put_id(provider_id, provider_id_len, "outbox:", name);
	rc = 0;
out:
	if (o)
		json_object_put(o);
	free(final_path);
	free(tmp_path);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* HTTP (lib/zt_http.c)                                                     */
/* ------------------------------------------------------------------------ */

/* https:// anywhere, http:// only to loopback (tests, local fakes). */
static int
check_base(const struct zt_notify_cfg *cfg, const char *prov, const char *base,
    char *err, size_t errlen)
{
	char why[160];

	if (zt_http_check_base(prov, base, why, sizeof(why)) == 0)
		return 0;
	set_err(cfg, err, errlen, "%s", why);
	return -1;
}

/* Non-2xx: "twilio answered 400: A 'To' phone number is required. (code 21604)"
 */
static void
answered_err(const struct zt_notify_cfg *cfg, const struct zt_http_call *c,
    json_object *o, char *err, size_t errlen)
{
	char detail[200];
	json_object *code;

	zt_http_json_copy(detail, sizeof detail, o, "message");
	if (detail[0] && o && json_object_object_get_ex(o, "code", &code) &&
	    json_object_is_type(code, json_type_int)) {
		size_t l = strlen(detail);
		snprintf(detail + l, sizeof detail - l, " (code %d)",
		    json_object_get_int(code));
	}
	if (detail[0])
		set_err(cfg, err, errlen, "%s answered %ld: %s", c->prov,
		    c->status, detail);
	else
		set_err(
		    cfg, err, errlen, "%s answered %ld", c->prov, c->status);
}

/* Runs the call and interprets the answer; id_key names the id field. */
static int
run(const struct zt_notify_cfg *cfg, struct zt_http_call *c, const char *id_key,
    char *provider_id, size_t provider_id_len, char *err, size_t errlen)
{
	char why[CURL_ERROR_SIZE + 64];
	const char *status;
	json_object *o;
	int rc = -1;

	c->user_agent = USER_AGENT;
	c->timeout_ms =
	    cfg->timeout_ms > 0 ? cfg->timeout_ms : ZT_NOTIFY_TIMEOUT_MS;
	c->cap = RESPONSE_CAP;
	if (zt_http_perform(c, why, sizeof why) != 0) {
		set_err(cfg, err, errlen, "%s", why);
		return -1;
	}
	o = zt_http_answer(c);
	status = zt_http_json_str(o, "status");
	if (c->status < 200 || c->status > 299) {
		answered_err(cfg, c, o, err, errlen);
	} else if (strcmp(c->prov, "gupshup") == 0 && status &&
		   strcmp(status, "error") == 0) {
		char detail[200];
		const char *m = zt_http_json_str(o, "message");
		zt_http_clean_copy(
		    detail, sizeof detail, m ? m : "no reason given");
		set_err(cfg, err, errlen, "gupshup refused the message: %s",
		    detail);
	} else {
		char clean[128];
		zt_http_json_copy(clean, sizeof clean, o, id_key);
		put_id(provider_id, provider_id_len, "", clean);
		rc = 0;
	}
	if (o)
		json_object_put(o);
	return rc;
}

/* "k=v" form field, escaped; appends '&' first if needed. */
static void
form_add(struct zt_http_buf *b, const char *k, const char *v)
{
	if (b->len)
		zt_http_buf_adds(b, "&");
	zt_http_buf_adds(b, k);
	zt_http_buf_adds(b, "=");
	zt_http_buf_add_escaped(b, v);
}

/* One message through one provider (or the outbox); 0 or -1 with err. */
typedef int send_fn(const struct zt_notify_cfg *cfg,
    const struct zt_notify_msg *msg, char *provider_id, size_t provider_id_len,
    char *err, size_t errlen);

/* ------------------------------------------------------------------------ */
/* providers                                                                */
/* ------------------------------------------------------------------------ */

static int
send_resend(const struct zt_notify_cfg *cfg, const struct zt_notify_msg *msg,
    char *provider_id, size_t provider_id_len, char *err, size_t errlen)
{
	const char *base = or_default(cfg->resend_base, ZT_NOTIFY_RESEND_BASE);
	const char *from = or_default(cfg->email_from, ZT_NOTIFY_EMAIL_FROM);
	struct zt_http_call c = {.prov = "resend"};
	json_object *o = NULL, *to;
	const char *body;
	char *url = NULL;
	int rc = -1;

	if (zt_http_has_ctl(cfg->resend_key)) {
		set_err(
		    cfg, err, errlen, "resend key contains control characters");
		return -1;
	}
	if (msg->idempotency_key &&
	    (msg->idempotency_key[0] == '\0' ||
		strlen(msg->idempotency_key) > 256 ||
		zt_http_has_ctl(msg->idempotency_key))) {
		set_err(cfg, err, errlen,
		    "idempotency key must be 1-256 printable characters");
		return -1;
	}
	if (check_base(cfg, "resend", base, err, errlen) != 0)
		return -1;

	o = json_object_new_object();
	to = json_object_new_array();
	if (!o || !to) {
		json_object_put(to);
		goto oom;
	}
	json_object_object_add(o, "from", json_object_new_string(from));
	json_object_array_add(to, json_object_new_string(msg->to));
	json_object_object_add(o, "to", to);
	json_object_object_add(
	    o, "subject", json_object_new_string(msg->subject));
	if (!empty(msg->text))
		json_object_object_add(
		    o, "text", json_object_new_string(msg->text));
	if (!empty(msg->html))
		json_object_object_add(
		    o, "html", json_object_new_string(msg->html));
	if (msg->nattachments > 0) {
		int oom;
		json_object *files = attachments_json(msg, &oom);
		if (oom)
			goto oom;
		json_object_object_add(o, "attachments", files);
	}
	body = json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!body)
		goto oom;

	url = zt_http_url(base, "/emails");
	c.url = url;
	c.body = body;
	c.body_len = strlen(body);
	c.headers = zt_http_header(
	    c.headers, "Content-Type: application/json; charset=utf-8");
	c.headers = zt_http_header(
	    c.headers, "Authorization: Bearer %s", cfg->resend_key);
	if (msg->idempotency_key)
		c.headers = zt_http_header(
		    c.headers, "Idempotency-Key: %s", msg->idempotency_key);
	rc = run(cfg, &c, "id", provider_id, provider_id_len, err, errlen);
	goto out;
oom:
	set_err(cfg, err, errlen, "could not reach resend: out of memory");
out:
	zt_http_call_free(&c);
	free(url);
	if (o)
		json_object_put(o);
	return rc;
}

static int
send_twilio(const struct zt_notify_cfg *cfg, const struct zt_notify_msg *msg,
    char *provider_id, size_t provider_id_len, char *err, size_t errlen)
{
	const char *base = or_default(cfg->twilio_base, ZT_NOTIFY_TWILIO_BASE);
	struct zt_http_call c = {.prov = "twilio"};
	struct zt_http_buf form = {0}, path = {0};
	char *url;
	int rc;

	if (empty(cfg->twilio_sid) || empty(cfg->twilio_token) ||
	    empty(cfg->twilio_from)) {
		set_err(cfg, err, errlen,
		    "twilio is not fully configured: %s is missing",
		    empty(cfg->twilio_sid)     ? "the account sid"
		    : empty(cfg->twilio_token) ? "the auth token"
					       : "the from number");
		return -1;
	}
	if (zt_http_has_ctl(cfg->twilio_sid) ||
	    zt_http_has_ctl(cfg->twilio_token)) {
		set_err(cfg, err, errlen,
		    "twilio credentials contain control characters");
		return -1;
	}
	if (check_base(cfg, "twilio", base, err, errlen) != 0)
		return -1;

	zt_http_buf_adds(&path, "/2010-04-01/Accounts/");
	zt_http_buf_add_escaped(&path, cfg->twilio_sid);
	zt_http_buf_adds(&path, "/Messages.json");
	url = zt_http_url(base, path.p);
	/* A Messaging Service SID ("MG…") goes in MessagingServiceSid, a number
	 * in From. */
	form_add(&form, "To", msg->to);
	form_add(&form,
	    strncmp(cfg->twilio_from, "MG", 2) == 0 ? "MessagingServiceSid"
						    : "From",
	    cfg->twilio_from);
	form_add(&form, "Body", msg->text);

	c.url = url;
	c.body = form.p;
	c.body_len = form.len;
	c.user = cfg->twilio_sid;
	c.pass = cfg->twilio_token;
	c.headers = zt_http_header(c.headers,
	    "Content-Type: application/x-www-form-urlencoded; charset=utf-8");
	rc = run(cfg, &c, "sid", provider_id, provider_id_len, err, errlen);
	zt_http_call_free(&c);
	zt_http_buf_free(&form);
	zt_http_buf_free(&path);
	free(url);
	return rc;
}

static int
send_gupshup(const struct zt_notify_cfg *cfg, const struct zt_notify_msg *msg,
    char *provider_id, size_t provider_id_len, char *err, size_t errlen)
{
	const char *base =
	    or_default(cfg->gupshup_base, ZT_NOTIFY_GUPSHUP_BASE);
	struct zt_http_call c = {.prov = "gupshup"};
	struct zt_http_buf form = {0};
	json_object *m = NULL;
	const char *mjson, *src, *dst;
	char *url = NULL;
	int rc = -1;

	if (empty(cfg->gupshup_source) || empty(cfg->gupshup_app)) {
		set_err(cfg, err, errlen,
		    "gupshup is not fully configured: %s is missing",
		    empty(cfg->gupshup_source) ? "the source number"
					       : "the app name");
		return -1;
	}
	if (zt_http_has_ctl(cfg->gupshup_key)) {
		set_err(cfg, err, errlen,
		    "gupshup key contains control characters");
		return -1;
	}
	if (check_base(cfg, "gupshup", base, err, errlen) != 0)
		return -1;
	/* Gupshup wants country code + number, without '+'. */
	src = cfg->gupshup_source[0] == '+' ? cfg->gupshup_source + 1
					    : cfg->gupshup_source;
	dst = msg->to[0] == '+' ? msg->to + 1 : msg->to;

	m = json_object_new_object();
	if (!m)
		goto oom;
	json_object_object_add(m, "type", json_object_new_string("text"));
	json_object_object_add(m, "text", json_object_new_string(msg->text));
	mjson = json_object_to_json_string_ext(
	    m, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!mjson)
		goto oom;
	form_add(&form, "channel", "whatsapp");
	form_add(&form, "source", src);
	form_add(&form, "destination", dst);
	form_add(&form, "message", mjson);
	form_add(&form, "src.name", cfg->gupshup_app);

	url = zt_http_url(base, "/wa/api/v1/msg");
	c.url = url;
	c.body = form.p;
	c.body_len = form.len;
	c.headers = zt_http_header(c.headers, "apikey: %s", cfg->gupshup_key);
	c.headers = zt_http_header(c.headers,
	    "Content-Type: application/x-www-form-urlencoded; charset=utf-8");
	c.headers = zt_http_header(c.headers, "Cache-Control: no-cache");
	rc = run(
	    cfg, &c, "messageId", provider_id, provider_id_len, err, errlen);
	goto out;
oom:
	set_err(cfg, err, errlen, "could not reach gupshup: out of memory");
out:
	zt_http_call_free(&c);
	zt_http_buf_free(&form);
	free(url);
	if (m)
		json_object_put(m);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* entry point                                                              */
/* ------------------------------------------------------------------------ */

int
zt_notify_send(const struct zt_notify_cfg *cfg, const struct zt_notify_msg *msg,
    char *provider_id, size_t provider_id_len, char *err, size_t errlen)
{
	send_fn *send = NULL;
	const char *chan;
	int unset = 0;

	if (provider_id && provider_id_len)
		provider_id[0] = '\0';
	if (err && errlen)
		err[0] = '\0';
	if (!cfg || !msg) {
		set_err(NULL, err, errlen, "no configuration or no message");
		return -1;
	}
	if (msg->channel != ZT_NOTIFY_EMAIL && msg->channel != ZT_NOTIFY_SMS &&
	    msg->channel != ZT_NOTIFY_WHATSAPP) {
		set_err(
		    cfg, err, errlen, "unknown channel %d", (int)msg->channel);
		return -1;
	}
	chan = zt_notify_channel_name(msg->channel);
	if (empty(msg->to)) {
		set_err(cfg, err, errlen, "%s message has no recipient", chan);
		return -1;
	}
	if (msg->channel == ZT_NOTIFY_EMAIL) {
		if (!valid_email(msg->to)) {
			set_err(cfg, err, errlen,
			    "email recipient is not an email address");
			return -1;
		}
		if (empty(msg->subject)) {
			set_err(
			    cfg, err, errlen, "email message has no subject");
			return -1;
		}
		if (empty(msg->text) && empty(msg->html)) {
			set_err(cfg, err, errlen,
			    "email message has no text and no html");
			return -1;
		}
	} else {
		if (!valid_e164(msg->to)) {
			set_err(cfg, err, errlen,
			    "%s recipient is not an e.164 phone number", chan);
			return -1;
		}
		if (empty(msg->text)) {
			set_err(
			    cfg, err, errlen, "%s message has no text", chan);
			return -1;
		}
	}

	/* A channel without its secret writes the outbox instead. */
	switch (msg->channel) {
	case ZT_NOTIFY_EMAIL:
		send = send_resend;
		unset = empty(cfg->resend_key);
		break;
	case ZT_NOTIFY_SMS:
		send = send_twilio;
		unset = empty(cfg->twilio_sid) && empty(cfg->twilio_token);
		break;
	case ZT_NOTIFY_WHATSAPP:
		send = send_gupshup;
		unset = empty(cfg->gupshup_key);
		break;
	}
	if (unset)
		send = write_outbox;
	return send(cfg, msg, provider_id, provider_id_len, err, errlen);
}

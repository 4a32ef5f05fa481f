/* zt_notify: send one message (email, SMS, WhatsApp) through an outside
 * provider with libcurl, or drop it into the outbox directory when the
 * channel has no provider key.
 *
 *   email    -> Resend   POST {resend_base}/emails (Bearer key, JSON)
 *   sms      -> Twilio   POST
 * {twilio_base}/2010-04-01/Accounts/{sid}/Messages.json (Basic auth sid:token,
 * form) whatsapp -> Gupshup  POST {gupshup_base}/wa/api/v1/msg (apikey header,
 * form)
 *
 * The HTTP part (the reused easy handle, timeouts, error text) is the one
 * provider client in lib/zt_http.c, shared with zt_razorpay.  Not
 * thread-safe.  Needs libcurl and json-c.
 */
#ifndef ZT_NOTIFY_H
#define ZT_NOTIFY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct zt_notify_cfg {
	const char *outbox_dir; /* used when the channel's key is unset */
	const char *resend_key, *resend_base, *email_from;
	const char *twilio_sid, *twilio_token, *twilio_from, *twilio_base;
	const char *gupshup_key, *gupshup_source, *gupshup_app, *gupshup_base;
	long timeout_ms; /* total per call, e.g. 5000 (<= 0: 5000) */
};

enum zt_notify_channel { ZT_NOTIFY_EMAIL, ZT_NOTIFY_SMS, ZT_NOTIFY_WHATSAPP };

/* A file sent with an email (Resend: attachments[].filename, content in
 * base64); other channels have none. */
struct zt_notify_attachment {
	const char *filename;
	const char *content_type; /* e.g. "application/pdf" */
	const unsigned char *content;
	size_t len;
};

struct zt_notify_msg {
	enum zt_notify_channel channel;
	const char *to;		     /* normalized email or E.164 phone */
	const char *subject;	     /* email only */
	const char *text;	     /* plain text body */
	const char *html;	     /* email only, may be NULL */
	const char *idempotency_key; /* may be NULL; Resend Idempotency-Key */
	/* email only: n files (attachments may be NULL when n is 0) */
	const struct zt_notify_attachment *attachments;
	size_t nattachments;
};

/* Defaults used when a cfg field is NULL or "". */
#define ZT_NOTIFY_RESEND_BASE "https://api.resend.com"
#define ZT_NOTIFY_TWILIO_BASE "https://api.twilio.com"
#define ZT_NOTIFY_GUPSHUP_BASE "https://api.gupshup.io"
#define ZT_NOTIFY_EMAIL_FROM "ztic <no-reply@ztic.in>"
#define ZT_NOTIFY_TIMEOUT_MS 5000L

/* Send one message.
 *
 * Returns 0 on success; -1 on failure with a lowercase message in err
 * ("could not reach twilio: …", "twilio answered 401: …"), never containing
 * a secret.  provider_id (may be NULL) receives the provider's message id
 * (Resend "id", Twilio "sid", Gupshup "messageId"), or "outbox:<filename>"
 * when the message went to the outbox.  err may be NULL.
 *
 * A channel is "unset" when its secret is empty: resend_key (email), both
 * twilio_sid and twilio_token (sms), gupshup_key (whatsapp).  Unset channels
 * write outbox_dir/<unix-ms>-<channel>-<16 hex>.json (mode 0640, atomically
 * renamed into place) with {channel,to,subject,text,html,idempotency_key,
 * created_at} and, for an email with files, attachments [{filename,
 * content}] as Resend gets them.  A half-configured channel (e.g. twilio token
 * without sid or from number) is an error, never a silent outbox write.
 *
 * Base URLs must be https://, or http:// to a loopback host (127.0.0.1,
 * ::1, localhost) for tests; anything else is refused before connecting. */
int zt_notify_send(const struct zt_notify_cfg *cfg,
    const struct zt_notify_msg *msg, char *provider_id, size_t provider_id_len,
    char *err, size_t errlen);

/* Name of a channel: "email", "sms", "whatsapp" ("unknown" otherwise). */
const char *zt_notify_channel_name(enum zt_notify_channel channel);

#ifdef __cplusplus
}
#endif

#endif /* ZT_NOTIFY_H */

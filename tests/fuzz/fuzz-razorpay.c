/*
 * fuzz-razorpay.c - the Razorpay webhook payload parser
 * (lib/zt_razorpay.c zt_razorpay_event_parse; cgi-bin/webhooks.c calls it
 * after the signature check) and the signature checks on junk.
 * Input: a webhook body.
 */
#include "fuzz.h"
#include "zt_razorpay.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zt_razorpay_event ev;
	struct zt_razorpay_err err;
	struct zt_razorpay_cfg cfg;
	char *s = fuzz_str(data, size);
	memset(&ev, 0, sizeof ev);
	memset(&err, 0, sizeof err);
	(void)zt_razorpay_event_parse(s, size, &ev, &err);
	if (memchr(ev.event, '\0', sizeof ev.event) == NULL)
		abort();
	memset(&cfg, 0, sizeof cfg);
	cfg.key_secret = "secret";
	cfg.webhook_secret = "whsec";
	(void)zt_razorpay_verify_webhook(&cfg, s, size, s);
	char *p = fuzz_line(s);
	(void)zt_razorpay_verify_checkout(&cfg, s, p, p);
	free(s);
	return 0;
}

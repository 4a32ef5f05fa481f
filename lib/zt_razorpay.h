/*
 * zt_razorpay.h - the Razorpay client: orders, payments, refunds, and the
 * checkout and webhook signature checks.
 *
 *   POST {base}/v1/orders                  zt_razorpay_order_create
 *   GET  {base}/v1/orders/{id}             zt_razorpay_order_fetch
 *   GET  {base}/v1/orders/{id}/payments    zt_razorpay_order_payments
 *   GET  {base}/v1/payments?from=&to=…     zt_razorpay_payments_list
 *   GET  {base}/v1/payments/{id}           zt_razorpay_payment_fetch
 *   POST {base}/v1/payments/{id}/capture   zt_razorpay_payment_capture
 *   POST {base}/v1/payments/{id}/refund    zt_razorpay_refund_create
 *   GET  {base}/v1/refunds/{id}            zt_razorpay_refund_fetch
 *   POST {base}/v1/transfers               zt_razorpay_transfer_create
 *   GET  {base}/v1/transfers/{id}          zt_razorpay_transfer_fetch
 *
 * HTTP Basic key_id:key_secret, JSON bodies, amounts in paise, currency INR.
 * Results go into caller-provided structs (no allocation to free).
 *
 * The HTTP part (the reused easy handle, timeouts, error text) is the one
 * provider client in lib/zt_http.c, shared with zt_notify.  Not
 * thread-safe.  Needs libcurl, json-c and libsodium.  docs/payments.md has
 * the whole picture, including the local emulator (tests/fakes/razorpay.py)
 * the tests and the dev stack use.
 */
#ifndef ZT_RAZORPAY_H
#define ZT_RAZORPAY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ZT_RAZORPAY_BASE "https://api.razorpay.com"
#define ZT_RAZORPAY_TIMEOUT_MS 10000L
#define ZT_RAZORPAY_ID_MAX 64 /* room for any Razorpay id, NUL included */

/*
 * Settings; the strings are borrowed for the duration of each call.
 * base_url must be https://, or http:// to a loopback host (127.0.0.1,
 * ::1, localhost) for the emulator; anything else is refused before
 * connecting.
 */
struct zt_razorpay_cfg {
	const char *key_id;	    /* rzp_test_… or rzp_live_… */
	const char *key_secret;	    /* API calls and checkout signatures */
	const char *webhook_secret; /* webhook signatures */
	const char *base_url;	    /* NULL or "": ZT_RAZORPAY_BASE */
	long timeout_ms;	    /* per call; <= 0: ZT_RAZORPAY_TIMEOUT_MS */
};

/*
 * Why a call failed.  Every failing call returns -1 and, when err is not
 * NULL, fills it.  msg is lowercase at the start and never holds a secret:
 *   "could not reach razorpay: connection refused"     status 0, retryable
 *   "razorpay answered 503: The server encountered …"  retryable
 *   "razorpay answered 400: The id provided does not exist"  not retryable
 *   "invalid payment id", "refusing plain http to razorpay at a
 *    non-loopback host", …                            status 0, not retryable
 */
struct zt_razorpay_err {
	long status;	/* HTTP status of the answer; 0: no answer, or refused
			   before sending */
	int retryable;	/* 1: network, timeout, 408/409/429 or 5xx, or an
			   unreadable answer: the same call may succeed later
			   (repeat a refund with the same idempotency key).
			   0: our request is wrong, declined or misconfigured
			   (4xx, bad input): repeating it will not help */
	char code[40];	/* Razorpay error.code ("BAD_REQUEST_ERROR"), or "" */
	char field[40]; /* Razorpay error.field ("amount"), or "" */
	char msg[256];
};

/* A key/value pair of Razorpay "notes" (at most 15, values <= 256 chars). */
struct zt_razorpay_note {
	const char *key;
	const char *value;
};

struct zt_razorpay_order {
	char id[ZT_RAZORPAY_ID_MAX]; /* order_… */
	char status[16];	     /* created, attempted, paid */
	char currency[8];	     /* INR */
	char receipt[48];	     /* "" when none */
	long long amount;	     /* paise */
	long long amount_paid;
	long long amount_due;
	int attempts;
	long long created_at; /* unix seconds */
};

struct zt_razorpay_payment {
	char id[ZT_RAZORPAY_ID_MAX];	   /* pay_… */
	char order_id[ZT_RAZORPAY_ID_MAX]; /* "" when none */
	char status[16]; /* created, authorized, captured, refunded,
			    failed */
	char method[24]; /* upi, card, netbanking, wallet, … */
	char currency[8];
	char refund_status[16]; /* "", partial, full */
	char error_code[40];	/* failed payments: error_code, error_reason, */
	char error_reason[64];	/* error_description ("" otherwise) */
	char error_description[160];
	long long amount;
	long long amount_refunded;
	long long fee; /* Razorpay's fee incl. tax, once captured; else 0 */
	long long tax;
	int captured; /* 1 once captured (stays 1 when refunded) */
	long long created_at;
};

struct zt_razorpay_refund {
	char id[ZT_RAZORPAY_ID_MAX]; /* rfnd_… */
	char payment_id[ZT_RAZORPAY_ID_MAX];
	char status[16]; /* pending, processed, failed */
	char currency[8];
	char receipt[48];
	char speed_processed[16];
	long long amount;
	long long created_at;
};

struct zt_razorpay_refund_req {
	const char *payment_id;
	long long amount;	     /* paise; 0: all that is left to refund */
	const char *idempotency_key; /* X-Refund-Idempotency: 10-128 chars of
					[A-Za-z0-9_-]; NULL: none (then a
					retried call may refund twice) */
	const char *speed;	     /* NULL: "normal"; or "optimum" */
	const char *receipt;	     /* may be NULL; <= 40 chars */
	const struct zt_razorpay_note *notes;
	size_t nnotes;
};

/* A Route transfer to a linked account (docs/finance.md, "Payouts"). */
struct zt_razorpay_transfer {
	char id[ZT_RAZORPAY_ID_MAX];	    /* trf_… */
	char recipient[ZT_RAZORPAY_ID_MAX]; /* acc_… */
	char status[24]; /* pending, processed, failed, reversed,
			    partially_reversed */
	long long amount;
	long long amount_reversed;
	long long fees;
	long long created_at;
};

/* A RazorpayX payout to a fund account (docs/finance.md, "Payouts"). */
struct zt_razorpay_payout {
	char id[ZT_RAZORPAY_ID_MAX];		  /* pout_… */
	char fund_account_id[ZT_RAZORPAY_ID_MAX]; /* fa_… */
	char status[24];  /* queued, pending, processing, processed, reversed,
			     failed, rejected, cancelled */
	char reason[160]; /* status_details.description, when given */
	long long amount;
	long long fees;
	long long created_at;
};

/* Where a RazorpayX fund account pays to: a VPA, or a bank account. */
struct zt_razorpay_fund {
	const char *vpa;	    /* "name@bank", or NULL for a bank */
	const char *name;	    /* account holder (bank) */
	const char *ifsc;	    /* bank */
	const char *account_number; /* bank */
};

/* A parsed webhook body (see zt_razorpay_event_parse). */
struct zt_razorpay_event {
	char event[48]; /* payment.captured, order.paid, refund.processed,
			   … */
	char account_id[48];
	long long created_at;
	int has_payment, has_order, has_refund, has_transfer,
	    has_payout; /* which entities were sent */
	struct zt_razorpay_payment payment;
	struct zt_razorpay_order order;
	struct zt_razorpay_refund refund;
	struct zt_razorpay_transfer transfer; /* transfer.processed, … */
	struct zt_razorpay_payout payout;     /* payout.processed, … */
};

/*
 * Create an order of amount paise (>= 100) in INR.  receipt (may be NULL,
 * <= 40 chars) is our reference, e.g. the booking id; notes may be NULL
 * when nnotes is 0.  Fills *out.  0 or -1 (err).
 *
 * A retry after a retryable failure may create a second order; the first
 * one is simply never paid.  Store the id you get and pay only that one.
 */
int zt_razorpay_order_create(const struct zt_razorpay_cfg *cfg,
    long long amount, const char *receipt, const struct zt_razorpay_note *notes,
    size_t nnotes, struct zt_razorpay_order *out, struct zt_razorpay_err *err);

/* Fetch an order by id.  0 or -1 (err). */
int zt_razorpay_order_fetch(const struct zt_razorpay_cfg *cfg,
    const char *order_id, struct zt_razorpay_order *out,
    struct zt_razorpay_err *err);

/*
 * The payments made against an order (reconciliation: was it paid while
 * our webhook was down?).  Stores up to max payments in items and the
 * number Razorpay listed in *count (which may exceed max).  0 or -1 (err).
 */
int zt_razorpay_order_payments(const struct zt_razorpay_cfg *cfg,
    const char *order_id, struct zt_razorpay_payment *items, size_t max,
    size_t *count, struct zt_razorpay_err *err);

/*
 * The payments created from..to (unix seconds, inclusive), newest first,
 * skipping skip: up to max (1..100) into items, the number listed in
 * *count (fewer than max: the last page).  0 or -1 (err).
 */
int zt_razorpay_payments_list(const struct zt_razorpay_cfg *cfg, long long from,
    long long to, int skip, struct zt_razorpay_payment *items, size_t max,
    size_t *count, struct zt_razorpay_err *err);

/* Fetch a payment by id (status, amount, order_id, method, …).  0 or -1. */
int zt_razorpay_payment_fetch(const struct zt_razorpay_cfg *cfg,
    const char *payment_id, struct zt_razorpay_payment *out,
    struct zt_razorpay_err *err);

/*
 * Capture an authorized payment; amount must equal the authorized amount.
 * Fills *out (may be NULL) with the captured payment.  0 or -1 (err);
 * capturing an already captured payment is a 400 from Razorpay.
 */
int zt_razorpay_payment_capture(const struct zt_razorpay_cfg *cfg,
    const char *payment_id, long long amount, struct zt_razorpay_payment *out,
    struct zt_razorpay_err *err);

/*
 * Refund a captured payment.  With an idempotency key, repeating the call
 * (same key, same request) answers the same refund and refunds nothing
 * more; the same key with a different request is a 400.  Fills *out with
 * the refund (its status is usually "pending"; the refund.processed or
 * refund.failed webhook, or zt_razorpay_refund_fetch, tells the end).
 * 0 or -1 (err).
 */
int zt_razorpay_refund_create(const struct zt_razorpay_cfg *cfg,
    const struct zt_razorpay_refund_req *req, struct zt_razorpay_refund *out,
    struct zt_razorpay_err *err);

/* Fetch a refund by id.  0 or -1 (err). */
int zt_razorpay_refund_fetch(const struct zt_razorpay_cfg *cfg,
    const char *refund_id, struct zt_razorpay_refund *out,
    struct zt_razorpay_err *err);

/*
 * A direct transfer of amount paise from the platform's balance to the
 * Route linked account (acc_…).  idempotency_key (X-Transfer-Idempotency,
 * required here: a payout must never go twice) makes a repeated call
 * answer the same transfer.  Fills *out.  0 or -1 (err).
 */
int zt_razorpay_transfer_create(const struct zt_razorpay_cfg *cfg,
    const char *account, long long amount, const char *idempotency_key,
    struct zt_razorpay_transfer *out, struct zt_razorpay_err *err);

/*
 * RazorpayX: a contact (type "vendor") named name with our reference
 * (the tenant id), then its fund account; Razorpay answers the existing
 * one for the same details, so a retry creates nothing twice.  id gets
 * the cont_… / fa_… id.  0 or -1 (err).
 */
int zt_razorpay_contact_create(const struct zt_razorpay_cfg *cfg,
    const char *name, const char *reference_id, char id[ZT_RAZORPAY_ID_MAX],
    struct zt_razorpay_err *err);
int zt_razorpay_fund_account_create(const struct zt_razorpay_cfg *cfg,
    const char *contact_id, const struct zt_razorpay_fund *f,
    char id[ZT_RAZORPAY_ID_MAX], struct zt_razorpay_err *err);

/*
 * RazorpayX payout of amount paise from business account account_number
 * to fund account fa (mode "UPI" for a VPA, else "IMPS"), purpose
 * "payout", queued if the balance is low.  idempotency_key (4-36 of
 * [A-Za-z0-9_-], mandatory at Razorpay) goes as X-Payout-Idempotency: the
 * same key answers the same payout.  0 or -1 (err).
 */
int zt_razorpay_payout_create(const struct zt_razorpay_cfg *cfg,
    const char *account_number, const char *fa, long long amount,
    const char *mode, const char *reference_id, const char *idempotency_key,
    struct zt_razorpay_payout *out, struct zt_razorpay_err *err);

/* Fetch a RazorpayX payout by id.  0 or -1 (err). */
int zt_razorpay_payout_fetch(const struct zt_razorpay_cfg *cfg,
    const char *payout_id, struct zt_razorpay_payout *out,
    struct zt_razorpay_err *err);

/* One line of the settlement recon report (GET
 * /v1/settlements/recon/combined). */
struct zt_razorpay_recon_item {
	char entity_id[ZT_RAZORPAY_ID_MAX]; /* pay_…, rfnd_…, trf_…, … */
	char type[24];			    /* payment, refund, transfer,
					       adjustment, … */
	char payment_id[ZT_RAZORPAY_ID_MAX]; /* a refund's payment */
	char order_id[ZT_RAZORPAY_ID_MAX];
	char settlement_id[ZT_RAZORPAY_ID_MAX];
	long long amount, credit, debit, fee, tax;
};

/*
 * The transactions settled on one day (year, month, day; Razorpay's days
 * are Indian Standard Time), count (<= 1000) from skip: up to max items,
 * how many in *n.  0 or -1 (err).
 */
int zt_razorpay_recon_day(const struct zt_razorpay_cfg *cfg, int year,
    int month, int day, int count, int skip,
    struct zt_razorpay_recon_item *items, size_t max, size_t *n,
    struct zt_razorpay_err *err);

/* Fetch a transfer by id.  0 or -1 (err). */
int zt_razorpay_transfer_fetch(const struct zt_razorpay_cfg *cfg,
    const char *transfer_id, struct zt_razorpay_transfer *out,
    struct zt_razorpay_err *err);

/*
 * Checkout signature: 1 when signature_hex is the hex HMAC-SHA256, keyed
 * with cfg->key_secret, of order_id "|" payment_id; else 0.  0 also for a
 * missing secret, ids that are not Razorpay ids (order_…, pay_…: letters,
 * digits and '_' only), and a signature that is not exactly 64 hex digits.
 * Constant-time comparison.  Check that order_id is the order you created
 * for this booking: the signature proves only that Razorpay saw this pair.
 */
int zt_razorpay_verify_checkout(const struct zt_razorpay_cfg *cfg,
    const char *order_id, const char *payment_id, const char *signature_hex);

/*
 * Webhook signature: 1 when signature_hex (the X-Razorpay-Signature
 * header) is the hex HMAC-SHA256, keyed with cfg->webhook_secret, of the
 * len bytes of the RAW request body (not a re-serialized JSON); else 0.
 */
int zt_razorpay_verify_webhook(const struct zt_razorpay_cfg *cfg,
    const char *raw_body, size_t len, const char *signature_hex);

/*
 * Parse a webhook body (verify it first) into *ev: the event name and the
 * payment, order and refund entities it carries.  Deduplicate on the
 * x-razorpay-event-id header, not on anything in here.  0 or -1 (err).
 */
int zt_razorpay_event_parse(const char *body, size_t len,
    struct zt_razorpay_event *ev, struct zt_razorpay_err *err);

#ifdef __cplusplus
}
#endif

#endif /* ZT_RAZORPAY_H */

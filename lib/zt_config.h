/*
 * zt_config.h - every setting comes from the environment (ZT_*).
 *
 * Each program says which groups it needs; zt_config_load() validates all
 * settings that are present and requires the ones of those groups.  A bad or
 * missing value is one line naming the variable.  See docs/stack.md.
 */
#ifndef ZT_CONFIG_H
#define ZT_CONFIG_H

#include <stddef.h>

enum zt_need {
	ZT_NEED_PG = 1u << 0,
	ZT_NEED_REDIS = 1u << 1,
	ZT_NEED_LIVE = 1u << 2,
	ZT_NEED_JWT = 1u << 3,	    /* verify (and sign) access tokens */
	ZT_NEED_AUTH = 1u << 4,	    /* OTP and refresh-token peppers */
	ZT_NEED_RAZORPAY = 1u << 5, /* Razorpay keys and webhook secret */
	ZT_NEED_TICKETS = 1u << 6,  /* the master key of ticket signing keys */
	/* connect as the system role (ZT_PG_SYSTEM_DSN instead of ZT_PG_DSN):
	 * cron jobs across tenants, webhooks, the admin console (sql/013) */
	ZT_NEED_PG_SYSTEM = 1u << 7,
	ZT_NEED_ADMIN = 1u << 8, /* the admin console: TOTP master key */
};

#define ZT_JWT_MAX_KEYS 8

struct zt_jwt_key {
	char kid[32];
	unsigned char key[64];
	size_t len;
};

struct zt_config {
	char *env; /* "dev", "test", "production" */
	char *pg_dsn;
	char *pg_system_dsn;  /* ztic_system (ZT_NEED_PG_SYSTEM) */
	char *pg_replica_dsn; /* public reads (docs/scale.md), or NULL */
	char *redis;	      /* as given */
	char *redis_unix;     /* parsed: socket path, or NULL */
	char *redis_host;     /* parsed: host, or NULL */
	int redis_port;
	int redis_timeout_ms;
	char *redis_sentinels; /* host:port,... or NULL (docs/scale.md) */
	char *redis_master;    /* the master's name at the Sentinels */
	char *live_socket;
	int live_batch_ms; /* ZT_LIVE_BATCH_MS: an event channel's messages
			    * gathered into one (docs/live.md) */
	char *public_url;
	char *outbox_dir;
	char *media_dir; /* uploaded images (docs/branding.md) */
	/* the catalogues web/i18n/{en,hi}.json (docs/web.md, "Server
	 * messages") */
	char *i18n_dir;
	char *form_files_dir; /* form uploads, not public (docs/commerce.md) */
	char *log_level;

	struct zt_jwt_key jwt_keys[ZT_JWT_MAX_KEYS];
	int jwt_nkeys;
	char *jwt_kid;
	unsigned char otp_pepper[32];
	unsigned char token_pepper[32];
	/* seals the tenants' ticket signing keys (docs/tickets.md) */
	unsigned char ticket_master_key[32];
	/* seals the platform admins' TOTP secrets (docs/admin.md) */
	unsigned char admin_master_key[32];
	int admin_idle;	     /* seconds, ZT_ADMIN_IDLE */
	int admin_max_age;   /* seconds, ZT_ADMIN_MAX_AGE */
	int admin_max_fails; /* failed second factors before lockout */
	int admin_lockout;   /* seconds locked, ZT_ADMIN_LOCKOUT */

	int access_ttl;	      /* seconds, ZT_ACCESS_TTL */
	int refresh_ttl;      /* seconds of inactivity, ZT_REFRESH_TTL */
	int refresh_max_age;  /* absolute family life, ZT_REFRESH_MAX_AGE */
	int refresh_grace;    /* seconds, ZT_REFRESH_GRACE */
	int otp_ttl;	      /* seconds, ZT_OTP_TTL */
	int otp_max_sends;    /* per identifier per window, ZT_OTP_MAX_SENDS */
	int otp_window;	      /* seconds, ZT_OTP_WINDOW */
	int otp_ip_max;	      /* per IP per window, ZT_OTP_IP_MAX */
	int hold_ttl;	      /* seconds, ZT_HOLD_TTL */
	int hold_max_life;    /* seconds from first seat, ZT_HOLD_MAX_LIFE;
			       * 0 in the environment means 2 x hold_ttl */
	int hold_user_max;    /* lock calls per user per window, 0 = off */
	int hold_ip_max;      /* lock calls per address per window, 0 = off */
	int hold_rate_window; /* seconds, ZT_HOLD_RATE_WINDOW */
	int waitlist_offer_ttl; /* seconds an offer's hold lasts,
				 * ZT_WAITLIST_OFFER_TTL (docs/commerce.md) */
	/* signs waiting-room passes (docs/waiting-room.md); all zero when
	 * unset: no pass is issued or accepted */
	unsigned char queue_pass_key[32];
	int queue_addr_max;  /* queue places per address, 0 = no cap */
	int otp_fail_free;   /* failed verifies before backoff starts */
	int otp_fail_max;    /* failed verifies per identifier per day */
	int otp_backoff;     /* seconds, first backoff wait (doubles) */
	int otp_backoff_max; /* seconds, longest backoff wait */
	int fee_bps;	     /* convenience fee, ZT_FEE_BPS */
	int fee_fixed_paise; /* per ticket, ZT_FEE_FIXED_PAISE */
	int fee_tax_bps;     /* GST on the fee, ZT_FEE_TAX_BPS */

	char *resend_key, *resend_base, *email_from;
	char *twilio_sid, *twilio_token, *twilio_from, *twilio_base;
	char *gupshup_key, *gupshup_source, *gupshup_app, *gupshup_base;

	/* Razorpay (docs/payments.md); zt_server_razorpay_cfg() hands them on
	 */
	char *razorpay_key_id, *razorpay_key_secret, *razorpay_webhook_secret;
	char *razorpay_base;	 /* no trailing slash */
	int razorpay_timeout_ms; /* ZT_RAZORPAY_TIMEOUT_MS */

	/* Sign in with Google (docs/auth.md); off without a client id */
	char *google_client_id, *google_client_secret;
	char *google_issuer; /* no trailing slash */
	/* the money after an event (docs/finance.md) */
	int reconcile_after;	/* seconds a payment may stay pending before
				   ztic-reconcile asks Razorpay */
	int refund_window_days; /* organizer refunds after completion */
	int outbox_keep_days;	/* sent outbox rows kept (ztic-purge) */
	int audit_keep_days; /* audit entries kept, financial ones excepted */
	int commission_bps;  /* platform commission, ZT_COMMISSION_BPS */
	int commission_gst_bps;	 /* GST on the commission, deducted from the
				    organizer's payable: ZT_COMMISSION_GST_BPS
				    (1800; 0 for an unregistered platform) */
	int payout_hold_days;	 /* days after the end before a payout,
				    ZT_PAYOUT_HOLD_DAYS */
	char *payout_via;	 /* "route" or "razorpayx", ZT_PAYOUT_VIA */
	char *razorpayx_account; /* the RazorpayX account number payouts
				    leave from (ZT_RAZORPAYX_ACCOUNT) */
	int tds_bps; /* TDS (194-O) withheld, ZT_TDS_BPS (docs/finance.md) */
	int tcs_bps; /* GST TCS (s. 52) collected, ZT_TCS_BPS */
	char *recon_day; /* ZT_RECON_DAY: a day (YYYY-MM-DD) to compare with
			    the settlement report again; NULL: yesterday */
	/* the supplier on GST invoices (docs/finance.md, "GST invoices"):
	 * ZT_PLATFORM_NAME, _GSTIN, _STATE (its GST state code), _ADDRESS */
	char *platform_name, *platform_gstin, *platform_state,
	    *platform_address;
	int apitoken_per_minute; /* requests per API token per minute,
				    ZT_APITOKEN_PER_MINUTE (docs/api-tokens.md)
				  */
};

/*
 * Fill c from the environment.  Returns 0, or -1 with one line naming the
 * variable in err.  Strings in c are malloc'ed and live for the process.
 */
int zt_config_load(
    struct zt_config *c, unsigned needs, char *err, size_t errlen);

/* Release the strings of c (the init/cleanup pair of zt_config_load). */
void zt_config_free(struct zt_config *c);

/* Look up a verification key by kid; NULL if unknown. */
const struct zt_jwt_key *zt_config_jwt_key(
    const struct zt_config *c, const char *kid);

/* True when running in production (cookies Secure, no dev shortcuts). */
int zt_config_production(const struct zt_config *c);

#endif

/*
 * webhooks - signed callbacks from providers (/api/webhooks/…).
 * The body is kept raw: the signature is over its exact bytes.
 */
#include "config.h"

#include "zt_serve.h"
#include "zt_settle.h"

static enum zt_err
post_razorpay(struct zt_req *req)
{
	struct json_object *out = NULL;
	enum zt_err e = zt_settle_webhook(req, &out);
	return e != ZT_OK ? e : zt_reply(req, 200, out);
}

static const struct zt_route routes[] = {
    {"POST", "/api/webhooks/razorpay", post_razorpay, ZT_AUTH_PUBLIC,
	256 * 1024, ZT_ROUTE_RAW_BODY},
};

int
main(void)
{
	return zt_serve("webhooks", routes, ZT_ROUTES_LEN(routes),
	    ZT_NEED_PG | ZT_NEED_PG_SYSTEM | ZT_NEED_REDIS | ZT_NEED_LIVE |
		ZT_NEED_RAZORPAY);
}

/* zt_err.c - error enum to HTTP status and code. */
#include "zt_err.h"

#include <stdarg.h>
#include <stdio.h>

static const struct {
	int status;
	const char *code;
} table[ZT_ERR__COUNT] = {
    [ZT_OK] = {200, "ok"},
    [ZT_EBADREQ] = {400, "bad_request"},
    [ZT_EUNAUTH] = {401, "unauthorized"},
    [ZT_EFORBIDDEN] = {403, "forbidden"},
    [ZT_ENOTFOUND] = {404, "not_found"},
    [ZT_EMETHOD] = {405, "method_not_allowed"},
    [ZT_ECONFLICT] = {409, "conflict"},
    [ZT_ETOOLARGE] = {413, "payload_too_large"},
    [ZT_EMEDIA] = {415, "unsupported_media_type"},
    [ZT_EINVALID] = {422, "unprocessable"},
    [ZT_ELIMIT] = {429, "rate_limited"},
    [ZT_EINTERNAL] = {500, "internal"},
    [ZT_EUPSTREAM] = {502, "upstream_failed"},
    [ZT_EUNAVAIL] = {503, "unavailable"},
    [ZT_EGONE] = {410, "gone"},
};

int
zt_err_status(enum zt_err e)
{
	if ((unsigned)e >= ZT_ERR__COUNT)
		return 500;
	return table[e].status;
}

const char *
zt_err_code(enum zt_err e)
{
	if ((unsigned)e >= ZT_ERR__COUNT)
		return "internal";
	return table[e].code;
}

const char *
zt_http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 413:
		return "Payload Too Large";
	case 415:
		return "Unsupported Media Type";
	case 422:
		return "Unprocessable Entity";
	case 429:
		return "Too Many Requests";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	default:
		return status < 500 ? "Client Error" : "Server Error";
	}
}

enum zt_err
zt_error_set(
    struct zt_error *e, enum zt_err err, const char *code, const char *fmt, ...)
{
	va_list ap;
	e->err = err;
	e->code = code;
	e->retry_after = 0;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return err;
}

void
zt_error_clear(struct zt_error *e)
{
	e->err = ZT_OK;
	e->code = NULL;
	e->msg[0] = '\0';
	e->retry_after = 0;
}

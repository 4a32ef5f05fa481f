/* zt_live.c - nchan publisher client; see zt_live.h. */
#include "zt_live.h"
#include "zt_arena.h"
#include "zt_log.h"
#include "zt_server.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct zt_live {
	char *socket_path;
	CURL *h;
	struct curl_slist *headers;
};

struct zt_live *
zt_live_new(const char *socket_path)
{
	struct zt_live *l = zt_xmalloc(sizeof(*l));
	static int curl_ready;
	if (!curl_ready) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		curl_ready = 1;
	}
	l->socket_path = zt_xstrdup(socket_path);
	l->h = NULL;
	l->headers = curl_slist_append(NULL, "Content-Type: application/json");
	l->headers = curl_slist_append(l->headers, "Accept: application/json");
	return l;
}

void
zt_live_free(struct zt_live *l)
{
	if (l == NULL)
		return;
	if (l->h != NULL)
		curl_easy_cleanup(l->h);
	curl_slist_free_all(l->headers);
	free(l->socket_path);
	free(l);
}

static size_t
discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

/* Send one request; returns HTTP status or -1 (err filled). */
static long
request(struct zt_live *l, const char *channel, const char *body, size_t len,
    char *err, size_t errlen)
{
	char url[256];
	long status = -1;
	CURLcode rc;

	if (l->h == NULL) {
		l->h = curl_easy_init();
		if (l->h == NULL)
			zt_oom();
	}
	/* reuse the handle (and its connection); reset per-call options */
	curl_easy_setopt(l->h, CURLOPT_UNIX_SOCKET_PATH, l->socket_path);
	snprintf(url, sizeof(url), "http://localhost/pub/%s", channel);
	curl_easy_setopt(l->h, CURLOPT_URL, url);
	curl_easy_setopt(l->h, CURLOPT_HTTPHEADER, l->headers);
	curl_easy_setopt(l->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(l->h, CURLOPT_TIMEOUT_MS, 1000L);
	curl_easy_setopt(l->h, CURLOPT_CONNECTTIMEOUT_MS, 500L);
	curl_easy_setopt(l->h, CURLOPT_WRITEFUNCTION, discard);
	if (body != NULL) {
		curl_easy_setopt(l->h, CURLOPT_POST, 1L);
		curl_easy_setopt(l->h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(l->h, CURLOPT_POSTFIELDSIZE, (long)len);
	} else {
		curl_easy_setopt(l->h, CURLOPT_HTTPGET, 1L);
	}
	rc = curl_easy_perform(l->h);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "could not reach the nchan publisher: %s",
		    curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(l->h, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

int
zt_live_publish(const char *channel, const char *json, size_t len)
{
	char err[256];
	long st;
	if (zt_g.live == NULL)
		return -1;
	st = request(zt_g.live, channel, json, len, err, sizeof(err));
	if (st < 200 || st >= 300) {
		if (st >= 0)
			snprintf(err, sizeof(err), "publisher answered %ld", st);
		zt_log_error("live", "could not publish to %s: %s", channel, err);
		return -1;
	}
	return 0;
}

int
zt_live_publish_event(const char *event_id, long long v, const char *type,
    struct json_object *body)
{
	struct json_object *msg = json_object_new_object();
	char channel[64];
	const char *text;
	size_t len = 0;
	int rc;

	json_object_object_add(msg, "v", json_object_new_int64(v));
	json_object_object_add(msg, "type", json_object_new_string(type));
	if (body != NULL) {
		json_object_object_foreach(body, k, val) {
			json_object_object_add(msg, k, json_object_get(val));
		}
		json_object_put(body);
	}
	snprintf(channel, sizeof(channel), "ev:%s", event_id);
	text = json_object_to_json_string_length(msg,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	rc = zt_live_publish(channel, text, len);
	json_object_put(msg);
	return rc;
}

int
zt_live_ping(char *err, size_t errlen)
{
	long st;
	if (zt_g.live == NULL) {
		snprintf(err, errlen, "publisher not configured");
		return -1;
	}
	/* GET on a channel answers 404 (no channel) or 200: both mean nchan
	 * is up */
	st = request(zt_g.live, "health", NULL, 0, err, errlen);
	if (st == 200 || st == 404)
		return 0;
	if (st >= 0)
		snprintf(err, errlen, "publisher answered %ld", st);
	return -1;
}

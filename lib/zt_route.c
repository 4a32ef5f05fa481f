/* zt_route.c - route matching; see zt_route.h. */
#include "zt_route.h"
#include "zt_req.h"

#include <stdio.h>
#include <string.h>

#define MAX_SEGS 16

struct seg {
	const char *s;
	size_t n;
};

/* Split "/a/b/c" into segments (empty path "/" gives 0). -1 if too many. */
static int
split(const char *path, struct seg *segs)
{
	int n = 0;
	const char *p = path;
	while (*p == '/')
		p++;
	while (*p != '\0') {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (n == MAX_SEGS)
			return -1;
		segs[n].s = p;
		segs[n].n = len;
		n++;
		p += len;
		while (*p == '/')
			p++;
	}
	return n;
}

static int
is_param(const struct seg *s)
{
	return s->n > 1 && s->s[0] == ':';
}

/*
 * Does pattern match path?  On success *score is a bitmask with a 1 for
 * each literal segment, most significant first, so a higher score is a
 * more specific match.
 */
static int
match(const struct seg *pat, int np, const struct seg *path, int n,
    unsigned *score)
{
	if (np != n)
		return 0;
	*score = 0;
	for (int i = 0; i < n; i++) {
		*score <<= 1;
		if (is_param(&pat[i])) {
			if (path[i].n == 0)
				return 0;
			continue;
		}
		if (pat[i].n != path[i].n ||
		    memcmp(pat[i].s, path[i].s, path[i].n) != 0)
			return 0;
		*score |= 1;
	}
	return 1;
}

static int
method_is(const char *route_method, const char *method)
{
	if (strcmp(route_method, method) == 0)
		return 1;
	return strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0;
}

enum zt_err
zt_route_match(const struct zt_route *routes, size_t n, struct zt_req *req,
    const struct zt_route **found, const char **allow)
{
	struct seg path[MAX_SEGS], pat[MAX_SEGS];
	int np = split(req->path, path);
	const struct zt_route *best = NULL;
	unsigned best_score = 0, any_score = 0;
	int any = 0;
	char methods[128] = "";

	*found = NULL;
	*allow = NULL;
	if (np < 0)
		return ZT_ENOTFOUND;
	/* best score over all methods: only routes of that shape count */
	for (size_t i = 0; i < n; i++) {
		unsigned score;
		int k = split(routes[i].pattern, pat);
		if (k < 0 || !match(pat, k, path, np, &score))
			continue;
		if (!any || score > any_score)
			any_score = score;
		any = 1;
		if (method_is(routes[i].method, req->method) &&
		    (best == NULL || score > best_score)) {
			best = &routes[i];
			best_score = score;
		}
	}
	if (!any)
		return ZT_ENOTFOUND;
	if (best == NULL || best_score < any_score) {
		/* 405: list the methods of the most specific shape */
		for (size_t i = 0; i < n; i++) {
			unsigned score;
			int k = split(routes[i].pattern, pat);
			if (k < 0 || !match(pat, k, path, np, &score) ||
			    score != any_score ||
			    strstr(methods, routes[i].method) != NULL)
				continue;
			if (methods[0] != '\0')
				strncat(methods, ", ",
				    sizeof(methods) - strlen(methods) - 1);
			strncat(methods, routes[i].method,
			    sizeof(methods) - strlen(methods) - 1);
		}
		*allow = zt_arena_strdup(req->arena, methods);
		return ZT_EMETHOD;
	}
	/* fill params */
	int k = split(best->pattern, pat);
	req->nparams = 0;
	for (int i = 0; i < k; i++) {
		if (!is_param(&pat[i]) || req->nparams == ZT_MAX_PARAMS)
			continue;
		req->param_name[req->nparams] =
		    zt_arena_strndup(req->arena, pat[i].s + 1, pat[i].n - 1);
		req->param_value[req->nparams] =
		    zt_arena_strndup(req->arena, path[i].s, path[i].n);
		req->nparams++;
	}
	*found = best;
	return ZT_OK;
}

int
zt_route_check(
    const struct zt_route *routes, size_t n, char *err, size_t errlen)
{
	static const char *const methods[] = {
	    "GET", "POST", "PATCH", "PUT", "DELETE"};
	for (size_t i = 0; i < n; i++) {
		struct seg a[MAX_SEGS];
		int ka, ok = 0, nparams = 0;
		for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]);
		     m++)
			ok |= strcmp(routes[i].method, methods[m]) == 0;
		if (!ok) {
			snprintf(err, errlen, "route %zu: unknown method %s", i,
			    routes[i].method);
			return -1;
		}
		if (routes[i].pattern[0] != '/' || routes[i].handler == NULL ||
		    (ka = split(routes[i].pattern, a)) < 0) {
			snprintf(err, errlen,
			    "route %zu: bad pattern or handler", i);
			return -1;
		}
		for (int s = 0; s < ka; s++)
			nparams += is_param(&a[s]);
		if (nparams > ZT_MAX_PARAMS) {
			snprintf(err, errlen, "route %s: too many params",
			    routes[i].pattern);
			return -1;
		}
		for (size_t j = i + 1; j < n; j++) {
			struct seg b[MAX_SEGS];
			int kb = split(routes[j].pattern, b), same = 1;
			if (strcmp(routes[i].method, routes[j].method) != 0 ||
			    kb != ka)
				continue;
			for (int s = 0; s < ka && same; s++) {
				int pa = is_param(&a[s]), pb = is_param(&b[s]);
				if (pa != pb)
					same = 0;
				else if (!pa && (a[s].n != b[s].n ||
						    memcmp(a[s].s, b[s].s,
							a[s].n) != 0))
					same = 0;
			}
			if (same) {
				snprintf(err, errlen,
				    "routes collide: %s %s and %s %s",
				    routes[i].method, routes[i].pattern,
				    routes[j].method, routes[j].pattern);
				return -1;
			}
		}
	}
	return 0;
}

/* zt_arena.c - chunked bump allocator; see zt_arena.h. */
#include "zt_arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK_SIZE (16 * 1024)
#define ALIGN 16

struct chunk {
	struct chunk *next;
	size_t size; /* usable bytes after the header */
	size_t used;
	_Alignas(ALIGN) unsigned char data[];
};

struct zt_arena {
	struct chunk *head; /* current chunk; older ones follow */
	size_t total;
};

void
zt_oom(void)
{
	static const char msg[] = "{\"level\":\"error\",\"event\":\"oom\","
				  "\"msg\":\"out of memory\"}\n";
	ssize_t w = write(2, msg, sizeof(msg) - 1);
	(void)w;
	abort();
}

void *
zt_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		zt_oom();
	return p;
}

void *
zt_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL)
		zt_oom();
	return q;
}

char *
zt_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = zt_xmalloc(n);
	memcpy(p, s, n);
	return p;
}

static struct chunk *
chunk_new(size_t size)
{
	if (size > SIZE_MAX - sizeof(struct chunk))
		zt_oom();
	struct chunk *c = zt_xmalloc(sizeof(*c) + size);
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

struct zt_arena *
zt_arena_new(void)
{
	struct zt_arena *a = zt_xmalloc(sizeof(*a));
	a->head = NULL;
	a->total = 0;
	return a;
}

void
zt_arena_reset(struct zt_arena *a)
{
	struct chunk *c = a->head, *keep = NULL;
	while (c != NULL) {
		struct chunk *next = c->next;
#ifndef ZT_ARENA_DEBUG
		if (next == NULL && c->size == CHUNK_SIZE) {
			keep = c; /* the first, standard-size chunk stays */
			break;
		}
#endif
		free(c);
		c = next;
	}
	if (keep != NULL)
		keep->used = 0;
	a->head = keep;
	a->total = 0;
}

void
zt_arena_free(struct zt_arena *a)
{
	if (a == NULL)
		return;
	zt_arena_reset(a);
	free(a->head);
	free(a);
}

void *
zt_arena_alloc(struct zt_arena *a, size_t n)
{
	size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (need < n)
		zt_oom();
#ifdef ZT_ARENA_DEBUG
	struct chunk *c = chunk_new(need);
	c->next = a->head;
	a->head = c;
#else
	struct chunk *c = a->head;
	if (c == NULL || c->size - c->used < need) {
		size_t size = need > CHUNK_SIZE / 4 ? need : CHUNK_SIZE;
		struct chunk *nc = chunk_new(size);
		if (c != NULL && size != CHUNK_SIZE) {
			/* big block: link behind the current chunk so the
			 * current one keeps serving small requests */
			nc->next = c->next;
			c->next = nc;
			nc->used = need;
			a->total += n;
			return nc->data;
		}
		nc->next = c;
		a->head = nc;
		c = nc;
	}
#endif
	void *p = c->data + c->used;
	c->used += need;
	a->total += n;
	return p;
}

void *
zt_arena_zalloc(struct zt_arena *a, size_t n)
{
	void *p = zt_arena_alloc(a, n);
	memset(p, 0, n);
	return p;
}

void *
zt_arena_array(struct zt_arena *a, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		zt_oom();
	return zt_arena_alloc(a, n * size);
}

char *
zt_arena_strndup(struct zt_arena *a, const char *s, size_t n)
{
	char *p = zt_arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
zt_arena_strdup(struct zt_arena *a, const char *s)
{
	return zt_arena_strndup(a, s, strlen(s));
}

char *
zt_arena_vprintf(struct zt_arena *a, const char *fmt, va_list ap)
{
	va_list cp;
	/* UBSan builds make gcc imagine a NULL fmt here (-Wformat-truncation)
	 */
	if (fmt == NULL)
		fmt = "";
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		n = 0;
	char *p = zt_arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
zt_arena_printf(struct zt_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = zt_arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

size_t
zt_arena_used(const struct zt_arena *a)
{
	return a->total;
}

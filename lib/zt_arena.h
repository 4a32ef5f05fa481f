/*
 * zt_arena.h - per-request memory arena.
 *
 * Everything a request allocates comes from its arena and is released at once
 * by zt_arena_reset() when the request ends.  Out of memory policy (for the
 * whole library): allocation failure aborts the process with a log line;
 * its pool starts another worker (zt_pool.h).  Callers never check for NULL.
 *
 * With ZT_ARENA_DEBUG defined (./configure --enable-debug-arena) every block
 * is a separate malloc, so ASan and valgrind see each one.
 */
#ifndef ZT_ARENA_H
#define ZT_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct zt_arena;

/* New arena; free with zt_arena_free. */
struct zt_arena *zt_arena_new(void);
void zt_arena_free(struct zt_arena *a);
/* Release every block; the arena stays usable (keeps its first chunk). */
void zt_arena_reset(struct zt_arena *a);

/* Memory owned by the arena, aligned for any type. */
void *zt_arena_alloc(struct zt_arena *a, size_t n);
void *zt_arena_zalloc(struct zt_arena *a, size_t n);
/* n * size with overflow check (aborts on overflow). */
void *zt_arena_array(struct zt_arena *a, size_t n, size_t size);
char *zt_arena_strdup(struct zt_arena *a, const char *s);
char *zt_arena_strndup(struct zt_arena *a, const char *s, size_t n);
char *zt_arena_printf(struct zt_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *zt_arena_vprintf(struct zt_arena *a, const char *fmt, va_list ap);
/* Bytes handed out since the last reset (for tests and stats). */
size_t zt_arena_used(const struct zt_arena *a);

/* Abort with a log line: the library's out-of-memory policy. */
void zt_oom(void) __attribute__((noreturn));
/* malloc/realloc/strdup that abort on failure (for long-lived memory). */
void *zt_xmalloc(size_t n);
void *zt_xrealloc(void *p, size_t n);
char *zt_xstrdup(const char *s);

#endif

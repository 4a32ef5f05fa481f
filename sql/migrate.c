/*
 * ztic-migrate — apply sql/NNN_*.sql migrations (and, with --demo, the
 * sql/demo/NNN_*.sql seed) to the database named by ZT_PG_DSN.
 *
 *   ztic-migrate [--demo] DIR
 *
 * Each file runs with its schema_migrations record in one transaction
 * (BEGIN, the whole file through the simple query protocol, INSERT,
 * COMMIT), so a file is either applied and recorded or not at all. A
 * session advisory lock serialises concurrent runners. Files already
 * applied are checked against their recorded sha256; a changed, missing or
 * out-of-order file stops the run before anything is applied.
 *
 * Exit status: 0 on success (also when nothing was pending), 1 on error,
 * 2 on bad usage. One line per applied file on stdout; errors on stderr as
 * "ztic-migrate: could not …: reason".
 *
 * Build:
 *   gcc -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
 *       -Wmissing-prototypes sql/migrate.c \
 *       $(pkg-config --cflags --libs libpq libsodium) -o sql/ztic-migrate
 */

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sodium.h>

#define PROG "ztic-migrate"

/* Key of the session advisory lock; 0x7a746963 is "ztic". */
#define LOCK_KEY "2053335395"

/* A migration bigger than this is a mistake, not a migration. */
#define MAX_FILE_SIZE (64L * 1024 * 1024)

#define HEX_SHA256_LEN (crypto_hash_sha256_BYTES * 2)

struct migration {
	char	*name;		/* file name, e.g. "001_core.sql" */
	char	*record;	/* name in schema_migrations, e.g. "demo/001_x.sql" */
	char	*path;		/* DIR/name */
};

struct mlist {
	struct migration	*v;
	size_t			 n;
	size_t			 cap;
};

struct applied {
	char	**name;
	char	**checksum;
	size_t	  n;
};

static void	 errx_(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
static char	*xstrdup(const char *);
static char	*xasprintf(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
static int	 is_migration_name(const char *);
static int	 cmp_migration(const void *, const void *);
static int	 list_dir(const char *, const char *, struct mlist *);
static void	 mlist_free(struct mlist *);
static int	 read_file(const char *, char **, size_t *);
static void	 sha256_hex(const char *, size_t, char *);
static int	 exec_ok(PGconn *, const char *, const char *);
static void	 report_pg_error(const char *, const PGresult *, PGconn *,
		    const char *);
static int	 load_applied(PGconn *, struct applied *);
static void	 applied_free(struct applied *);
static const char *applied_checksum(const struct applied *, const char *);
static int	 verify(const struct mlist *, const struct applied *,
		    const char *);
static int	 apply_one(PGconn *, const struct migration *);
static int	 run(PGconn *, const char *, const char *);
static int	 check_owner(PGconn *);
static void	 usage(void);

static void
errx_(const char *fmt, ...)
{
	va_list	 ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Returns a copy the caller frees; exits on out of memory. */
static char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL) {
		errx_("out of memory");
		exit(1);
	}
	return p;
}

/* Returns a formatted string the caller frees; exits on out of memory. */
static char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	int	 len;
	char	*p;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0 || (p = malloc((size_t)len + 1)) == NULL) {
		errx_("out of memory");
		exit(1);
	}
	va_start(ap, fmt);
	vsnprintf(p, (size_t)len + 1, fmt, ap);
	va_end(ap);
	return p;
}

/* NNN_name.sql: exactly three digits, an underscore, a name, ".sql". */
static int
is_migration_name(const char *s)
{
	size_t	 len = strlen(s), i;

	if (len < 9)		/* "000_x.sql" */
		return 0;
	for (i = 0; i < 3; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	if (s[3] != '_' || strcmp(s + len - 4, ".sql") != 0)
		return 0;
	for (i = 4; i < len - 4; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')
		    || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

static int
cmp_migration(const void *a, const void *b)
{
	return strcmp(((const struct migration *)a)->name,
	    ((const struct migration *)b)->name);
}

/*
 * Appends the migrations of dir to list, sorted by name, records prefixed
 * with prefix ("" or "demo/"). Any other *.sql file, and two files sharing
 * a number, are errors: a misnamed migration must not be skipped silently.
 */
static int
list_dir(const char *dir, const char *prefix, struct mlist *list)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 first = list->n, i, len;
	int		 rc = -1;

	if ((d = opendir(dir)) == NULL) {
		errx_("could not open directory %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 4 || strcmp(de->d_name + len - 4, ".sql") != 0)
			continue;
		if (!is_migration_name(de->d_name)) {
			errx_("could not use %s%s: migration names are "
			    "NNN_name.sql (lowercase, digits, _ and -)",
			    prefix, de->d_name);
			goto out;
		}
		if (list->n == list->cap) {
			size_t			 cap = list->cap ? list->cap * 2 : 16;
			struct migration	*v;

			if (cap > SIZE_MAX / sizeof(*v) ||
			    (v = realloc(list->v, cap * sizeof(*v))) == NULL) {
				errx_("out of memory");
				goto out;
			}
			list->v = v;
			list->cap = cap;
		}
		list->v[list->n].name = xstrdup(de->d_name);
		list->v[list->n].record = xasprintf("%s%s", prefix, de->d_name);
		list->v[list->n].path = xasprintf("%s/%s", dir, de->d_name);
		list->n++;
	}
	if (errno != 0) {
		errx_("could not read directory %s: %s", dir, strerror(errno));
		goto out;
	}
	qsort(list->v + first, list->n - first, sizeof(*list->v),
	    cmp_migration);
	for (i = first + 1; i < list->n; i++)
		if (strncmp(list->v[i - 1].name, list->v[i].name, 3) == 0) {
			errx_("could not order %s%s and %s%s: both are "
			    "number %.3s", prefix, list->v[i - 1].name, prefix,
			    list->v[i].name, list->v[i].name);
			goto out;
		}
	rc = 0;
out:
	closedir(d);
	return rc;
}

static void
mlist_free(struct mlist *list)
{
	size_t	 i;

	for (i = 0; i < list->n; i++) {
		free(list->v[i].name);
		free(list->v[i].record);
		free(list->v[i].path);
	}
	free(list->v);
	memset(list, 0, sizeof(*list));
}

/* Reads path into a NUL-terminated buffer the caller frees. */
static int
read_file(const char *path, char **buf, size_t *len)
{
	FILE	*f;
	char	*p = NULL;
	long	 size;
	int	 rc = -1;

	*buf = NULL;
	if ((f = fopen(path, "rb")) == NULL) {
		errx_("could not open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		errx_("could not read %s: %s", path, strerror(errno));
		goto out;
	}
	if (size > MAX_FILE_SIZE) {
		errx_("could not read %s: larger than %ld bytes", path,
		    MAX_FILE_SIZE);
		goto out;
	}
	if ((p = malloc((size_t)size + 1)) == NULL) {
		errx_("out of memory");
		goto out;
	}
	if (fread(p, 1, (size_t)size, f) != (size_t)size) {
		errx_("could not read %s: %s", path,
		    ferror(f) ? strerror(errno) : "file changed while reading");
		goto out;
	}
	p[size] = '\0';
	if (memchr(p, '\0', (size_t)size) != NULL) {
		errx_("could not read %s: it contains a NUL byte", path);
		goto out;
	}
	*buf = p;
	*len = (size_t)size;
	p = NULL;
	rc = 0;
out:
	free(p);
	fclose(f);
	return rc;
}

/* hex must hold HEX_SHA256_LEN + 1 bytes. */
static void
sha256_hex(const char *buf, size_t len, char *hex)
{
	unsigned char	 h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)buf, len);
	sodium_bin2hex(hex, HEX_SHA256_LEN + 1, h, sizeof(h));
}

/*
 * Prints "ztic-migrate: could not <what>: <message>", with the line in
 * the file when the server reports a position into sql.
 */
static void
report_pg_error(const char *what, const PGresult *res, PGconn *conn,
    const char *sql)
{
	const char	*msg = NULL, *pos, *detail = NULL;
	const char	*p;
	long		 chars, line = 1;
	size_t		 n;

	if (res != NULL) {
		msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	}
	if (msg == NULL) {
		msg = PQerrorMessage(conn);
		/* libpq messages end with a newline; keep one line. */
		n = strcspn(msg, "\n");
		errx_("could not %s: %.*s", what, (int)n, msg);
		return;
	}
	pos = res != NULL ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION)
	    : NULL;
	if (sql != NULL && pos != NULL && (chars = strtol(pos, NULL, 10)) > 0) {
		/* The position counts characters: skip UTF-8 continuations. */
		for (p = sql; *p != '\0' && chars > 1; p++) {
			if (((unsigned char)*p & 0xC0) != 0x80)
				chars--;
			if (*p == '\n')
				line++;
		}
		errx_("could not %s: line %ld: %s", what, line, msg);
	} else
		errx_("could not %s: %s", what, msg);
	if (detail != NULL)
		errx_("detail: %s", detail);
}

/* Runs sql, expecting success; reports "could not <what>" otherwise. */
static int
exec_ok(PGconn *conn, const char *sql, const char *what)
{
	PGresult	*res;
	int		 st, rc = -1;

	res = PQexec(conn, sql);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		report_pg_error(what, res, conn, NULL);
		goto out;
	}
	rc = 0;
out:
	PQclear(res);
	return rc;
}

/* Fills a with every recorded migration; the caller frees it. */
static int
load_applied(PGconn *conn, struct applied *a)
{
	PGresult	*res;
	int		 i, rc = -1;

	memset(a, 0, sizeof(*a));
	res = PQexec(conn, "select name, checksum from schema_migrations "
	    "order by name");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		report_pg_error("read schema_migrations", res, conn, NULL);
		goto out;
	}
	a->n = (size_t)PQntuples(res);
	if ((a->name = calloc(a->n + 1, sizeof(char *))) == NULL ||
	    (a->checksum = calloc(a->n + 1, sizeof(char *))) == NULL) {
		errx_("out of memory");
		goto out;
	}
	for (i = 0; i < PQntuples(res); i++) {
		a->name[i] = xstrdup(PQgetvalue(res, i, 0));
		a->checksum[i] = xstrdup(PQgetvalue(res, i, 1));
	}
	rc = 0;
out:
	PQclear(res);
	return rc;
}

static void
applied_free(struct applied *a)
{
	size_t	 i;

	for (i = 0; i < a->n; i++) {
		if (a->name != NULL)
			free(a->name[i]);
		if (a->checksum != NULL)
			free(a->checksum[i]);
	}
	free(a->name);
	free(a->checksum);
	memset(a, 0, sizeof(*a));
}

/* Returns the recorded checksum of record, or NULL if not applied. */
static const char *
applied_checksum(const struct applied *a, const char *record)
{
	size_t	 i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->name[i], record) == 0)
			return a->checksum[i];
	return NULL;
}

/*
 * Before applying anything: every recorded migration under prefix must
 * still exist with the same checksum, and nothing pending may sort before
 * an applied file (a branch merged late would run in a different order on
 * different databases).
 */
static int
verify(const struct mlist *list, const struct applied *a, const char *prefix)
{
	size_t		 i, j, plen = strlen(prefix);
	const char	*sum, *last_applied = NULL;
	char		 hex[HEX_SHA256_LEN + 1];
	char		*buf;
	size_t		 len;
	int		 found;

	for (i = 0; i < a->n; i++) {
		if (strncmp(a->name[i], prefix, plen) != 0)
			continue;
		/* Demo records are checked only when running with --demo. */
		if (plen == 0 && strncmp(a->name[i], "demo/", 5) == 0)
			continue;
		for (found = 0, j = 0; j < list->n && !found; j++)
			found = strcmp(list->v[j].record, a->name[i]) == 0;
		if (!found) {
			errx_("could not verify %s: it was applied but the file "
			    "is missing", a->name[i]);
			return -1;
		}
	}
	for (i = 0; i < list->n; i++) {
		if ((sum = applied_checksum(a, list->v[i].record)) == NULL)
			continue;
		if (read_file(list->v[i].path, &buf, &len) == -1)
			return -1;
		sha256_hex(buf, len, hex);
		free(buf);
		if (strcmp(hex, sum) != 0) {
			errx_("could not verify %s: it changed after it was "
			    "applied (checksum %s, recorded %s)",
			    list->v[i].record, hex, sum);
			return -1;
		}
		last_applied = list->v[i].record;
	}
	for (i = 0; last_applied != NULL && i < list->n; i++)
		if (applied_checksum(a, list->v[i].record) == NULL &&
		    strcmp(list->v[i].record, last_applied) < 0) {
			errx_("could not apply %s: it sorts before %s, which is "
			    "already applied; renumber it", list->v[i].record,
			    last_applied);
			return -1;
		}
	return 0;
}

/* Applies one file and records it, in one transaction. */
static int
apply_one(PGconn *conn, const struct migration *m)
{
	PGresult	*res = NULL;
	char		*sql = NULL, *what;
	char		 hex[HEX_SHA256_LEN + 1];
	const char	*params[2];
	size_t		 len;
	int		 rc = -1, in_txn = 0;

	what = xasprintf("apply %s", m->record);
	if (read_file(m->path, &sql, &len) == -1)
		goto out;
	sha256_hex(sql, len, hex);

	if (exec_ok(conn, "begin", what) == -1)
		goto out;
	in_txn = 1;

	res = PQexec(conn, sql);
	if (PQresultStatus(res) == PGRES_FATAL_ERROR ||
	    PQresultStatus(res) == PGRES_BAD_RESPONSE ||
	    PQresultStatus(res) == PGRES_NONFATAL_ERROR) {
		report_pg_error(what, res, conn, sql);
		goto out;
	}
	if (PQresultStatus(res) == PGRES_COPY_IN ||
	    PQresultStatus(res) == PGRES_COPY_OUT ||
	    PQresultStatus(res) == PGRES_COPY_BOTH) {
		/* Leaving the connection mid-COPY: the run ends here anyway. */
		errx_("could not %s: COPY from or to the client is not "
		    "supported in migrations", what);
		goto out;
	}
	PQclear(res);
	res = NULL;
	/* A COMMIT or ROLLBACK inside the file would break atomicity. */
	if (PQtransactionStatus(conn) != PQTRANS_INTRANS) {
		errx_("could not %s: the file must not end the transaction "
		    "(no BEGIN, COMMIT or ROLLBACK in migrations)", what);
		goto out;
	}

	params[0] = m->record;
	params[1] = hex;
	res = PQexecParams(conn, "insert into schema_migrations (name, "
	    "checksum, applied_at) values ($1, $2, now())", 2, NULL, params,
	    NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		report_pg_error(what, res, conn, NULL);
		goto out;
	}
	PQclear(res);
	res = NULL;

	/* COMMIT also fires deferred constraint triggers, which may fail. */
	if (exec_ok(conn, "commit", what) == -1)
		goto out;
	in_txn = 0;
	printf("applied %s\n", m->record);
	fflush(stdout);
	rc = 0;
out:
	PQclear(res);
	if (in_txn && PQtransactionStatus(conn) != PQTRANS_IDLE) {
		res = PQexec(conn, "rollback");
		PQclear(res);
	}
	free(sql);
	free(what);
	return rc;
}

/* Verifies then applies the pending migrations of dir. */
static int
run(PGconn *conn, const char *dir, const char *prefix)
{
	struct mlist	 list = { NULL, 0, 0 };
	struct applied	 a;
	size_t		 i;
	int		 rc = -1;

	memset(&a, 0, sizeof(a));
	if (list_dir(dir, prefix, &list) == -1)
		goto out;
	if (load_applied(conn, &a) == -1)
		goto out;
	if (verify(&list, &a, prefix) == -1)
		goto out;
	for (i = 0; i < list.n; i++) {
		if (applied_checksum(&a, list.v[i].record) != NULL)
			continue;
		if (apply_one(conn, &list.v[i]) == -1)
			goto out;
	}
	rc = 0;
out:
	applied_free(&a);
	mlist_free(&list);
	return rc;
}

/*
 * Objects belong to the role that creates them. Migrations run as anyone
 * but the database owner would leave tables ztic_owner does not own.
 */
static int
check_owner(PGconn *conn)
{
	PGresult	*res;
	int		 rc = -1;

	res = PQexec(conn, "select current_user, pg_get_userbyid(datdba) "
	    "from pg_database where datname = current_database()");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		report_pg_error("find the database owner", res, conn, NULL);
		goto out;
	}
	if (strcmp(PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1)) != 0) {
		errx_("could not migrate as %s: connect as the database owner "
		    "%s", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
		goto out;
	}
	rc = 0;
out:
	PQclear(res);
	return rc;
}

static void
usage(void)
{
	fprintf(stderr, "usage: " PROG " [--demo] DIR\n"
	    "  applies DIR/NNN_*.sql (and DIR/demo/NNN_*.sql with --demo)\n"
	    "  to the database in ZT_PG_DSN (libpq conninfo of the owner)\n");
}

int
main(int argc, char *argv[])
{
	const char	*dsn, *dir = NULL;
	const char	*keys[] = { "dbname", "application_name", NULL };
	const char	*vals[] = { NULL, PROG, NULL };
	PGconn		*conn = NULL;
	char		*demo_dir = NULL;
	int		 demo = 0, i, rc = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--demo") == 0)
			demo = 1;
		else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage();
			return 0;
		} else if (argv[i][0] == '-' || dir != NULL) {
			usage();
			return 2;
		} else
			dir = argv[i];
	}
	if (dir == NULL) {
		usage();
		return 2;
	}
	if ((dsn = getenv("ZT_PG_DSN")) == NULL || *dsn == '\0') {
		errx_("could not connect: ZT_PG_DSN is not set");
		return 1;
	}
	if (sodium_init() < 0) {
		errx_("could not initialise libsodium");
		return 1;
	}

	vals[0] = dsn;
	conn = PQconnectdbParams(keys, vals, 1);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		report_pg_error("connect", NULL, conn, NULL);
		goto out;
	}
	if (exec_ok(conn, "set client_min_messages = warning",
	    "configure the session") == -1)
		goto out;
	if (check_owner(conn) == -1)
		goto out;
	/* Held until we disconnect; a second runner waits here. */
	if (exec_ok(conn, "select pg_advisory_lock(" LOCK_KEY ")",
	    "take the migration lock") == -1)
		goto out;
	if (exec_ok(conn, "create table if not exists schema_migrations ("
	    "name text primary key, checksum text not null, "
	    "applied_at timestamptz not null default now())",
	    "create schema_migrations") == -1)
		goto out;

	if (run(conn, dir, "") == -1)
		goto out;
	if (demo) {
		demo_dir = xasprintf("%s/demo", dir);
		if (run(conn, demo_dir, "demo/") == -1)
			goto out;
	}
	rc = 0;
out:
	free(demo_dir);
	PQfinish(conn);
	return rc;
}

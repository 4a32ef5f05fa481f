/* test-db.c - zt_db's error mapping, without a server (tests/tools/dbctl.c
 * checks zt_db against a real one). */
#include "zt_db.h"
#include "zt_test.h"

static enum zt_err
map(const char *state, int at_commit, const char **code)
{
	struct zt_error e = ZT_ERROR_INIT;
	enum zt_err r = zt_db_map_sqlstate(state, at_commit, &e);
	CHECK(r == e.err);
	CHECK(e.msg[0] != '\0');
	CHECK(e.retry_after == 0);
	*code = e.code ? e.code : zt_err_code(e.err);
	return r;
}

TEST(statement_sqlstates_map_to_client_errors)
{
	const char *code;
	CHECK(map("23505", 0, &code) == ZT_ECONFLICT); /* unique */
	CHECK_STR(code, "conflict");
	CHECK(map("40001", 0, &code) == ZT_ECONFLICT); /* serialization */
	CHECK_STR(code, "retry");
	CHECK(map("40P01", 0, &code) == ZT_ECONFLICT); /* deadlock */
	CHECK_STR(code, "retry");
	CHECK(map("23514", 0, &code) == ZT_EINVALID); /* check */
	CHECK_STR(code, "invalid");
	CHECK(map("23503", 0, &code) == ZT_EINVALID); /* foreign key */
	CHECK(map("22P02", 0, &code) == ZT_EINVALID); /* bad text */
	CHECK(map("22001", 0, &code) == ZT_EINVALID); /* too long */
}

TEST(everything_else_is_ours)
{
	const char *code;
	CHECK(map("42P01", 0, &code) == ZT_EINTERNAL); /* no such table */
	CHECK_STR(code, "internal");
	CHECK(map("42501", 0, &code) == ZT_EINTERNAL); /* privilege */
	CHECK(map("40003", 0, &code) == ZT_EINTERNAL); /* only at commit */
	CHECK(map("", 0, &code) == ZT_EINTERNAL);
	CHECK(map(NULL, 0, &code) == ZT_EINTERNAL);
}

TEST(commit_sqlstates_map_the_deferred_checks)
{
	const char *code;
	/* deferred constraints fail at COMMIT: any class 23 is a conflict
	 * with what another transaction committed first */
	CHECK(map("23505", 1, &code) == ZT_ECONFLICT);
	CHECK_STR(code, "conflict");
	CHECK(map("23P01", 1, &code) == ZT_ECONFLICT); /* exclusion */
	CHECK(map("40001", 1, &code) == ZT_ECONFLICT);
	CHECK_STR(code, "retry");
	CHECK(map("40003", 1, &code) == ZT_ECONFLICT); /* any class 40 */
	CHECK(map("22P02", 1, &code) == ZT_EINTERNAL);
	CHECK(map("", 1, &code) == ZT_EINTERNAL); /* rolled back */
}

TEST(the_messages_never_echo_the_server)
{
	struct zt_error e = ZT_ERROR_INIT;
	zt_db_map_sqlstate("23505", 0, &e);
	CHECK_STR(e.msg, "this conflicts with an existing record");
	zt_db_map_sqlstate("XX000", 0, &e);
	CHECK_STR(e.msg, "internal error");
	CHECK(e.code == NULL); /* the default code of the enum */
}

int
main(void)
{
	RUN(statement_sqlstates_map_to_client_errors);
	RUN(everything_else_is_ours);
	RUN(commit_sqlstates_map_the_deferred_checks);
	RUN(the_messages_never_echo_the_server);
	return DONE();
}

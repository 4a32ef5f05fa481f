/* test-team.c - who may change whom in a team. */
#include "zt_team.h"
#include "zt_test.h"
#include "zt_uuid.h"

#include <string.h>

#define O ZT_ROLE_OWNER
#define M ZT_ROLE_MANAGER
#define S ZT_ROLE_SCANNER
#define N ZT_ROLE_NONE

static int
may(enum zt_role actor, int self, enum zt_role from, enum zt_role to)
{
	const char *why;
	enum zt_err e = zt_team_may(actor, self, from, to, &why);
	if (e != ZT_OK)
		CHECK(why != NULL);
	return e == ZT_OK;
}

TEST(roles_parse_and_name)
{
	CHECK(zt_team_role("owner") == O);
	CHECK(zt_team_role("manager") == M);
	CHECK(zt_team_role("scanner") == S);
	CHECK(zt_team_role("admin") == N);
	CHECK(zt_team_role("Owner") == N);
	CHECK(zt_team_role(NULL) == N);
	CHECK_STR(zt_team_role_name(M), "manager");
	CHECK_STR(zt_team_role_name(N), "");
}

TEST(owners_may_do_anything)
{
	CHECK(may(O, 0, N, O));
	CHECK(may(O, 0, O, M));
	CHECK(may(O, 0, O, N));
	CHECK(may(O, 0, S, O));
	CHECK(may(O, 1, O, M)); /* the last-owner rule is the caller's */
}

TEST(managers_manage_staff_but_not_owners)
{
	CHECK(may(M, 0, N, S));
	CHECK(may(M, 0, N, M));
	CHECK(may(M, 0, S, M));
	CHECK(may(M, 0, M, N));
	CHECK(may(M, 1, M, S));
	CHECK(!may(M, 0, N, O));
	CHECK(!may(M, 0, S, O));
	CHECK(!may(M, 1, M, O));
	CHECK(!may(M, 0, O, M));
	CHECK(!may(M, 0, O, N));
}

TEST(scanners_may_only_leave)
{
	CHECK(may(S, 1, S, N));
	CHECK(!may(S, 1, S, M));
	CHECK(!may(S, 0, S, N));
	CHECK(!may(S, 0, N, S));
	CHECK(!may(N, 0, N, S));
	CHECK(may(M, 1, M, N));
	CHECK(may(O, 1, O, N));
}

TEST(invitation_tokens_carry_their_id_and_secret)
{
	struct zt_arena *a = zt_arena_new();
	const char *id = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0ff";
	unsigned char secret[ZT_TEAM_TOKEN_SECRET], back[ZT_TEAM_TOKEN_SECRET];
	char got[ZT_UUID_BUF];
	char *tok;

	for (int i = 0; i < ZT_TEAM_TOKEN_SECRET; i++)
		secret[i] = (unsigned char)(i * 7 + 3);
	tok = zt_team_token(a, id, secret);
	CHECK(tok != NULL);
	CHECK(strlen(tok) == 64);
	CHECK(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                  "0123456789-_") == 64); /* safe in a URL as is */
	CHECK(zt_team_token_parse(tok, got, back) == 0);
	CHECK_STR(got, id);
	CHECK(memcmp(secret, back, sizeof(secret)) == 0);
	CHECK(zt_team_token(a, "not-a-uuid", secret) == NULL);
	/* wrong lengths, characters outside base64url, nothing */
	CHECK(zt_team_token_parse(NULL, got, back) != 0);
	CHECK(zt_team_token_parse("", got, back) != 0);
	tok[63] = '\0';
	CHECK(zt_team_token_parse(tok, got, back) != 0);
	CHECK(zt_team_token_parse(zt_arena_printf(a, "%sAA", tok), got,
	          back) != 0);
	tok[10] = '+';
	CHECK(zt_team_token_parse(zt_arena_printf(a, "%sA", tok), got,
	          back) != 0);
	zt_arena_free(a);
}

int
main(void)
{
	RUN(roles_parse_and_name);
	RUN(owners_may_do_anything);
	RUN(managers_manage_staff_but_not_owners);
	RUN(scanners_may_only_leave);
	RUN(invitation_tokens_carry_their_id_and_secret);
	return DONE();
}

/*
 * test-session.c - the refresh-token rules that need no database: the
 * stored form of a token, its successor, the cookie that carries it, and
 * what a refresh does with the token it finds (the family logic of
 * zt_session_refresh; tests/integration/test_auth*.py run it whole).
 */
#include "zt_crypto.h"
#include "zt_server.h"
#include "zt_session.h"
#include "zt_test.h"

#include <stdlib.h>

static struct zt_req *req;
static unsigned char tok[ZT_SESSION_TOKEN_BYTES];

static void
pepper(unsigned char v)
{
	memset(zt_g.cfg.token_pepper, v, sizeof(zt_g.cfg.token_pepper));
}

TEST(the_stored_form_is_a_keyed_hash_never_the_token)
{
	pepper(1);
	const char *h = zt_session_token_hash(req, tok);
	CHECK(strlen(h) == 64);
	CHECK(strspn(h, "0123456789abcdef") == 64);
	/* the same token, the same row */
	CHECK_STR(zt_session_token_hash(req, tok), h);
	/* nothing of the token shows: not its hex */
	CHECK(strcmp(zt_hex(req->arena, tok, sizeof(tok)), h) != 0);
	/* another token, another row */
	unsigned char other[ZT_SESSION_TOKEN_BYTES];
	memcpy(other, tok, sizeof(other));
	other[31] ^= 1;
	CHECK(strcmp(zt_session_token_hash(req, other), h) != 0);
	/* keyed: without the server's pepper the hash cannot be made */
	pepper(2);
	CHECK(strcmp(zt_session_token_hash(req, tok), h) != 0);
	pepper(1);
}

TEST(a_token_has_one_successor_only_the_server_can_make)
{
	unsigned char a[ZT_SESSION_TOKEN_BYTES], b[ZT_SESSION_TOKEN_BYTES];
	unsigned char c[ZT_SESSION_TOKEN_BYTES];
	pepper(1);
	zt_session_successor(tok, a);
	zt_session_successor(tok, b);
	/* two tabs refreshing the same token get the same successor */
	CHECK(memcmp(a, b, sizeof(a)) == 0);
	CHECK(memcmp(a, tok, sizeof(a)) != 0);
	/* a chain, not a cycle */
	zt_session_successor(a, c);
	CHECK(memcmp(c, a, sizeof(c)) != 0 && memcmp(c, tok, sizeof(c)) != 0);
	/* another pepper, another successor */
	pepper(2);
	zt_session_successor(tok, b);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	/* and the successor's stored form is not the token's own */
	pepper(1);
	CHECK(strcmp(zt_session_token_hash(req, a),
		  zt_session_token_hash(req, tok)) != 0);
}

TEST(the_cookie_is_http_only_strict_and_scoped_to_auth)
{
	unsigned char back[ZT_SESSION_TOKEN_BYTES];
	zt_g.cfg.env = "dev";
	zt_g.cfg.public_url = "http://127.0.0.1:8080";
	const char *c = zt_session_cookie(req, tok, 1209600);
	const char *v = c + strlen(ZT_REFRESH_COOKIE "=");
	CHECK(strncmp(c, ZT_REFRESH_COOKIE "=", strlen(ZT_REFRESH_COOKIE "=")) ==
	      0);
	CHECK(strstr(c, "; Path=/api/auth; Max-Age=1209600; HttpOnly;"
			" SameSite=Strict") != NULL);
	CHECK(strstr(c, "Secure") == NULL); /* plain http in dev */
	/* the value is the raw token, base64url, no padding */
	char *val = zt_arena_strdup(req->arena, v);
	*strchr(val, ';') = '\0';
	CHECK(strlen(val) == 43);
	CHECK(zt_b64url_decode(val, back, sizeof(back)) == 0);
	CHECK(memcmp(back, tok, sizeof(tok)) == 0);
	/* https or production: Secure */
	zt_g.cfg.public_url = "https://tickets.example";
	CHECK(strstr(zt_session_cookie(req, tok, 60), "; Secure") != NULL);
	zt_g.cfg.public_url = "http://127.0.0.1:8080";
	zt_g.cfg.env = "production";
	CHECK(strstr(zt_session_cookie(req, tok, 60), "; Secure") != NULL);
	zt_g.cfg.env = "dev";
}

TEST(signing_out_clears_the_cookie)
{
	const char *c = zt_session_cookie(req, NULL, 1209600);
	CHECK(strncmp(c, ZT_REFRESH_COOKIE "=;", strlen(ZT_REFRESH_COOKIE) + 2) ==
	      0);
	CHECK(strstr(c, "Max-Age=0;") != NULL);
	CHECK(strstr(c, "Path=/api/auth") != NULL);
}

static enum zt_session_step
step(int revoked, int family_over, int token_over, int rotated, int in_grace,
    int has_successor)
{
	struct zt_session_token_state t = {revoked, family_over, token_over,
	    rotated, in_grace, has_successor};
	return zt_session_refresh_step(&t);
}

TEST(a_live_token_rotates)
{
	CHECK(step(0, 0, 0, 0, 0, 0) == ZT_SESSION_ROTATE);
	/* "in grace" means nothing for a token not rotated yet */
	CHECK(step(0, 0, 0, 0, 1, 0) == ZT_SESSION_ROTATE);
}

TEST(an_ended_family_or_token_is_refused_whatever_else_holds)
{
	for (int bits = 0; bits < 8; bits++) {
		int rot = bits & 1, grace = (bits >> 1) & 1, succ = bits >> 2;
		CHECK(step(1, 0, 0, rot, grace, succ) == ZT_SESSION_ENDED);
		CHECK(step(0, 1, 0, rot, grace, succ) == ZT_SESSION_ENDED);
		CHECK(step(0, 0, 1, rot, grace, succ) == ZT_SESSION_ENDED);
	}
}

TEST(a_racing_tab_gets_the_same_successor_inside_the_grace_window)
{
	CHECK(step(0, 0, 0, 1, 1, 1) == ZT_SESSION_AGAIN);
}

TEST(a_rotated_token_after_the_grace_window_is_a_stolen_copy)
{
	CHECK(step(0, 0, 0, 1, 0, 1) == ZT_SESSION_REUSED);
	/* inside the window but its successor is gone (revoked, rotated on):
	 * no second successor either */
	CHECK(step(0, 0, 0, 1, 1, 0) == ZT_SESSION_REUSED);
	CHECK(step(0, 0, 0, 1, 0, 0) == ZT_SESSION_REUSED);
}

int
main(void)
{
	req = zt_req_new(NULL, NULL);
	for (size_t i = 0; i < sizeof(tok); i++)
		tok[i] = (unsigned char)(i * 7 + 3);
	RUN(the_stored_form_is_a_keyed_hash_never_the_token);
	RUN(a_token_has_one_successor_only_the_server_can_make);
	RUN(the_cookie_is_http_only_strict_and_scoped_to_auth);
	RUN(signing_out_clears_the_cookie);
	RUN(a_live_token_rotates);
	RUN(an_ended_family_or_token_is_refused_whatever_else_holds);
	RUN(a_racing_tab_gets_the_same_successor_inside_the_grace_window);
	RUN(a_rotated_token_after_the_grace_window_is_a_stolen_copy);
	zt_req_free(req);
	return DONE();
}

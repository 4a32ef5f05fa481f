/*
 * test-oidc.c - the parts of Sign in with Google (lib/zt_oidc.c) that need
 * no provider: which `next` paths may be redirected to, and the RSA
 * public key made from a JWK (the PEM OpenSSL writes for the same key, and
 * one that verifies an RS256 token with libjwt).  The flow itself is
 * tests/integration/test_google.py against tests/fakes/google.py.
 */
#include "zt_oidc.h"
#include "zt_server.h"
#include "zt_test.h"

#include <jwt.h>
#include <stdlib.h>
#include <string.h>

/* A 2048-bit key made with python3-cryptography: its JWK n and e, its PEM
 * (SubjectPublicKeyInfo) and a token it signed with RS256. */
static const char N[] =
    "vksccLXx3mjsa2blgBnY_oQ7GwLocz4GLInn4MgL2kO8McaShCYLZwJY21AZIGN8"
    "qdpS2Kbs7JUvMW5WMsGtS3gyVddu8T2EIm--9AENv-uo_dtLxi3nxi1JfxcBe6P4"
    "wHE5jAsb19VFI4_a-qKxLQnO3xNqsNST7wrG0EVbsrkD0ayaPQ9fthJI0JA3VddZ"
    "BrIR2k6uLyIwAOM2Q2_86oLj9vMSo49NNZFZKVCB5pP-o3d0ilGVJoVEpHFXkzJm"
    "0kZ2nVR3T5QvDRBWApZuQr_XDlLivpVdE9BmEdWg44AGGtv4p1UUQTU_NtNKCz6u"
    "laKCAtO8HvnlcjuO7m7JWQ";
static const char E[] =
    "AQAB";
static const char TOKEN[] =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.eyJzdWIiOiIx"
    "IiwiaXNzIjoieCJ9.dqATfIIyfbJC-j63ebrKdNDseDEEok-JLdJkAV18Qq6Mf88"
    "QsotvzRGC6WSQTo4OewwFQZjsQe4QJmh-Ug9d50Gm4VuFIN66eAzHNS7W5Zxs6HX"
    "uDnBuYWM3PyXyXbTMKwBJ5-sMdQyceYZxDy5IvQkcEZ-0hgffZ-Da1E4xjkb5jAI"
    "7iHDgf_YNbCBTmJ6leP13AoOUjnCljclMWIn1KgJ1eTNx7E1MrpmapvPkUiG9M3j"
    "JUC20f5oEMK8gJVnpUlP3f4fkcGPKoQCY8vTZuteNd1KyA-OyvHtaySWg1nNR25S"
    "Py9BlhdltrXmZxoXTdkfPlRCmrgO_dvx5DISsvQ";
static const char PEM[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvksccLXx3mjsa2blgBnY\n"
    "/oQ7GwLocz4GLInn4MgL2kO8McaShCYLZwJY21AZIGN8qdpS2Kbs7JUvMW5WMsGt\n"
    "S3gyVddu8T2EIm++9AENv+uo/dtLxi3nxi1JfxcBe6P4wHE5jAsb19VFI4/a+qKx\n"
    "LQnO3xNqsNST7wrG0EVbsrkD0ayaPQ9fthJI0JA3VddZBrIR2k6uLyIwAOM2Q2/8\n"
    "6oLj9vMSo49NNZFZKVCB5pP+o3d0ilGVJoVEpHFXkzJm0kZ2nVR3T5QvDRBWApZu\n"
    "Qr/XDlLivpVdE9BmEdWg44AGGtv4p1UUQTU/NtNKCz6ulaKCAtO8HvnlcjuO7m7J\n"
    "WQIDAQAB\n"
    "-----END PUBLIC KEY-----\n";

TEST(next_must_be_a_path_on_this_site)
{
	CHECK(zt_oidc_next_ok("/"));
	CHECK(zt_oidc_next_ok("/tickets.html"));
	CHECK(zt_oidc_next_ok("/e/techfest-2027?seat=A1#map"));
	CHECK(zt_oidc_next_ok("/organizer/%2F%2Fx"));
	CHECK(!zt_oidc_next_ok(NULL));
	CHECK(!zt_oidc_next_ok(""));
	CHECK(!zt_oidc_next_ok("//evil.example/"));
	CHECK(!zt_oidc_next_ok("/\\evil.example"));
	CHECK(!zt_oidc_next_ok("/a\\b"));
	CHECK(!zt_oidc_next_ok("https://evil.example/"));
	CHECK(!zt_oidc_next_ok("http:evil.example"));
	CHECK(!zt_oidc_next_ok("javascript:alert(1)"));
	CHECK(!zt_oidc_next_ok("evil.example"));
	CHECK(!zt_oidc_next_ok("/a b"));
	CHECK(!zt_oidc_next_ok("/a\r\nSet-Cookie: x=1"));
	CHECK(!zt_oidc_next_ok("/a\tb"));
	CHECK(!zt_oidc_next_ok("/caf\xc3\xa9"));
	char long_path[ZT_OIDC_NEXT_MAX + 2];
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	CHECK(!zt_oidc_next_ok(long_path));
	long_path[ZT_OIDC_NEXT_MAX] = '\0';
	CHECK(zt_oidc_next_ok(long_path));
}

TEST(a_jwk_becomes_the_pem_openssl_writes)
{
	char *pem = zt_oidc_rsa_pem(N, E);
	CHECK(pem != NULL);
	if (pem != NULL)
		CHECK_STR(pem, PEM);
	free(pem);
}

TEST(the_pem_verifies_an_rs256_token_with_libjwt)
{
	char *pem = zt_oidc_rsa_pem(N, E);
	jwt_t *j = NULL;
	CHECK(pem != NULL);
	if (pem == NULL)
		return;
	CHECK(jwt_decode(&j, TOKEN, (const unsigned char *)pem,
		  (int)strlen(pem)) == 0);
	CHECK(j != NULL && jwt_get_alg(j) == JWT_ALG_RS256);
	jwt_free(j);
	/* one bit of the signature changed: refused */
	char *bad = strdup(TOKEN);
	size_t n = strlen(bad);
	bad[n - 5] = bad[n - 5] == 'A' ? 'B' : 'A';
	j = NULL;
	CHECK(jwt_decode(&j, bad, (const unsigned char *)pem,
		  (int)strlen(pem)) != 0);
	jwt_free(j);
	free(bad);
	free(pem);
}

/* Why zt_oidc reads the token's header before libjwt sees it: libjwt takes
 * the algorithm from the token, so an HS256 token MACed with the public
 * PEM as the secret (anyone can fetch it) passes jwt_decode. */
TEST(libjwt_takes_an_hs256_token_macd_with_the_public_pem)
{
	char *pem = zt_oidc_rsa_pem(N, E), *forged = NULL;
	jwt_t *mk = NULL, *j = NULL;
	CHECK(pem != NULL);
	if (pem == NULL)
		return;
	CHECK(jwt_new(&mk) == 0);
	CHECK(jwt_set_alg(mk, JWT_ALG_HS256, (const unsigned char *)pem,
		  (int)strlen(pem)) == 0);
	CHECK(jwt_add_grant(mk, "sub", "attacker") == 0);
	forged = jwt_encode_str(mk);
	CHECK(forged != NULL);
	CHECK(jwt_decode(&j, forged, (const unsigned char *)pem,
		  (int)strlen(pem)) == 0);
	CHECK(j != NULL && jwt_get_alg(j) == JWT_ALG_HS256);
	jwt_free(j);
	jwt_free(mk);
	free(forged);
	free(pem);
}

TEST(keys_that_do_not_decode_or_are_too_small_are_refused)
{
	CHECK(zt_oidc_rsa_pem(NULL, E) == NULL);
	CHECK(zt_oidc_rsa_pem(N, NULL) == NULL);
	CHECK(zt_oidc_rsa_pem("", E) == NULL);
	CHECK(zt_oidc_rsa_pem(N, "") == NULL);
	CHECK(zt_oidc_rsa_pem("not base64url!", E) == NULL);
	CHECK(zt_oidc_rsa_pem(N, "AQABAQABAQABAQAB") == NULL); /* e > 8 bytes */
	/* 1024 bits: too weak */
	CHECK(zt_oidc_rsa_pem("vksccLXx3mjsa2blgBnY_oQ7GwLocz4GLInn4MgL2kO8McaShCYL"
			      "ZwJY21AZIGN8qdpS2Kbs7JUvMW5WMsGtS3gyVddu8T2EIm--9AE"
			      "Nv-uo_dtLxi3nxi1JfxcBe6P4wHE5jAsb19VFI4_a-qKxLQ",
		  E) == NULL);
}

/* No client id: both routes are 404 google_not_configured, and the
 * callback still clears the state cookie. */
TEST(without_a_client_id_sign_in_with_google_is_off)
{
	struct zt_req *req = zt_req_new(NULL, NULL);
	struct zt_oidc_redirect r;
	struct zt_oidc_done d;
	CHECK(!zt_oidc_enabled());
	CHECK(zt_oidc_start(req, "/", NULL, &r) == ZT_ENOTFOUND);
	CHECK_STR(req->err_code, "google_not_configured");
	CHECK(r.location == NULL && r.cookie == NULL);
	zt_req_end(req);
	CHECK(zt_oidc_callback(req, &d) == ZT_ENOTFOUND);
	CHECK_STR(req->err_code, "google_not_configured");
	CHECK(d.clear_cookie != NULL &&
	      strncmp(d.clear_cookie, "zt_oidc=; Path=/api/auth/google; "
				      "Max-Age=0; HttpOnly; SameSite=Lax",
		  66) == 0);
	CHECK(d.session.cookie == NULL && d.next == NULL);
	zt_req_free(req);
}

/* A bad next is refused before anything is counted or stored. */
TEST(start_refuses_a_bad_next_first)
{
	struct zt_req *req = zt_req_new(NULL, NULL);
	struct zt_oidc_redirect r;
	zt_g.cfg.google_client_id = "x.apps.googleusercontent.com";
	CHECK(zt_oidc_enabled());
	CHECK(zt_oidc_start(req, "//evil.example", NULL, &r) == ZT_EBADREQ);
	CHECK_STR(req->err_code, "invalid_next");
	zt_req_end(req);
	CHECK(zt_oidc_start(req, "/", "a\r\nb", &r) == ZT_EBADREQ);
	CHECK_STR(req->err_code, "invalid_field");
	zt_g.cfg.google_client_id = NULL;
	zt_req_free(req);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	zt_g.cfg.public_url = "http://127.0.0.1:8080"; /* its default */
	RUN(next_must_be_a_path_on_this_site);
	RUN(a_jwk_becomes_the_pem_openssl_writes);
	RUN(the_pem_verifies_an_rs256_token_with_libjwt);
	RUN(libjwt_takes_an_hs256_token_macd_with_the_public_pem);
	RUN(keys_that_do_not_decode_or_are_too_small_are_refused);
	RUN(without_a_client_id_sign_in_with_google_is_off);
	RUN(start_refuses_a_bad_next_first);
	return DONE();
}

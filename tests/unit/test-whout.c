/* test-whout.c - outgoing webhooks: the SSRF address rule, signatures,
 * and the API tokens' route table. */
#include "zt_apitoken.h"
#include "zt_arena.h"
#include "zt_test.h"
#include "zt_whout.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

static int
ok(const char *addr, int allow_local)
{
	struct sockaddr_in a4;
	struct sockaddr_in6 a6;
	memset(&a4, 0, sizeof(a4));
	memset(&a6, 0, sizeof(a6));
	if (inet_pton(AF_INET, addr, &a4.sin_addr) == 1) {
		a4.sin_family = AF_INET;
		return zt_whout_addr_ok((struct sockaddr *)&a4, allow_local);
	}
	if (inet_pton(AF_INET6, addr, &a6.sin6_addr) == 1) {
		a6.sin6_family = AF_INET6;
		return zt_whout_addr_ok((struct sockaddr *)&a6, allow_local);
	}
	return -1;
}

TEST(private_loopback_and_link_local_are_refused)
{
	static const char *const bad[] = {"127.0.0.1", "127.1.2.3", "10.0.0.1",
	    "10.255.255.255", "172.16.0.1", "172.31.255.254", "192.168.1.1",
	    "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1",
	    "255.255.255.255", "192.0.2.1", "198.18.0.1", "::1", "::",
	    "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
	    "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254",
	    "64:ff9b::a00:1", "2001:db8::1", "::127.0.0.1", NULL};
	for (int i = 0; bad[i] != NULL; i++) {
		if (ok(bad[i], 0) != 0)
			fprintf(stderr, "  allowed: %s\n", bad[i]);
		CHECK(ok(bad[i], 0) == 0);
		CHECK(ok(bad[i], 1) == 1); /* dev and test */
	}
}

TEST(public_addresses_pass)
{
	static const char *const good[] = {"1.1.1.1", "8.8.8.8",
	    "172.15.255.255", "172.32.0.1", "192.169.0.1", "100.128.0.1",
	    "2606:4700:4700::1111", "2a00:1450:4001::200e",
	    "::ffff:93.184.216.34", NULL};
	for (int i = 0; good[i] != NULL; i++)
		CHECK(ok(good[i], 0) == 1);
}

TEST(signature_is_hmac_of_t_dot_body)
{
	struct zt_arena *a = zt_arena_new();
	const char *body = "{\"id\":\"x\"}";
	char *s = zt_whout_signature(a, 1700000000, body, "whsec_k", NULL);
	CHECK(strcmp(s, "t=1700000000,v1=33791af768115adc5314793cf4743f0ddef1add"
			"da64ae649a0374aaa5204949a") == 0);
	s = zt_whout_signature(a, 1700000000, body, "whsec_k", "whsec_old");
	CHECK(strcmp(s, "t=1700000000,v1=33791af768115adc5314793cf4743f0ddef1add"
			"da64ae649a0374aaa5204949a,v1=141c9785bc95db7bb76685f0c29"
			"6af4d0b3e61e721289254bb36b31d6cc467db") == 0);
	zt_arena_free(a);
}

TEST(event_types)
{
	CHECK(zt_whout_known_type("booking.confirmed"));
	CHECK(zt_whout_known_type("payout.paid"));
	CHECK(!zt_whout_known_type("booking"));
	CHECK(!zt_whout_known_type(""));
}

TEST(token_route_table)
{
	CHECK(zt_apitoken_is("zt_live_abc"));
	CHECK(!zt_apitoken_is("eyJhbGciOi"));
	CHECK(strcmp(zt_apitoken_scope("POST", "/api/bookings/:id/refund"),
		  "refunds") == 0);
	CHECK(strcmp(zt_apitoken_scope("GET", "/api/bookings"),
		  "orders:read") == 0);
	CHECK(zt_apitoken_scope("GET", "/api/tenants/me/tokens") == NULL);
	CHECK(zt_apitoken_scope("POST", "/api/tenants/me/tokens") == NULL);
	CHECK(zt_apitoken_scope("GET", "/api/tenants/me/webhooks") == NULL);
	CHECK(zt_apitoken_scope("GET", "/api/bookings/:id") == NULL);
}

int
main(void)
{
	RUN(private_loopback_and_link_local_are_refused);
	RUN(public_addresses_pass);
	RUN(signature_is_hmac_of_t_dot_body);
	RUN(event_types);
	RUN(token_route_table);
	return DONE();
}

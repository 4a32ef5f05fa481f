/* test-ident.c - one person, one spelling: email and phone normalisation. */
#include "zt_ident.h"
#include "zt_test.h"

static const char *
email(const char *in)
{
	static char out[300];
	return zt_ident_email(in, out, sizeof(out)) == 0 ? out : NULL;
}

static const char *
phone(const char *in)
{
	static char out[32];
	return zt_ident_phone(in, out, sizeof(out)) == 0 ? out : NULL;
}

TEST(emails_are_trimmed_and_lowercased)
{
	CHECK_STR(email("  Priya.S@IITB.ac.in "), "priya.s@iitb.ac.in");
	CHECK_STR(email("a+tag@x.io"), "a+tag@x.io");
}

TEST(bad_emails_are_refused)
{
	CHECK(email("") == NULL);
	CHECK(email("no-at-sign") == NULL);
	CHECK(email("two@@x.in") == NULL);
	CHECK(email("a@b@c.in") == NULL);
	CHECK(email("@x.in") == NULL);
	CHECK(email("a@nodot") == NULL);
	CHECK(email("a@x..in") == NULL);
	CHECK(email("a b@x.in") == NULL);
	CHECK(email("a@x.in\r\nBcc: y@z.in") == NULL);
	CHECK(email("<a@x.in>") == NULL);
}

TEST(indian_numbers_become_e164)
{
	CHECK_STR(phone("98765 43210"), "+919876543210");
	CHECK_STR(phone("098765-43210"), "+919876543210");
	CHECK_STR(phone("+91 98765 43210"), "+919876543210");
	CHECK_STR(phone("919876543210"), "+919876543210");
	CHECK_STR(phone("0091 9876543210"), "+919876543210");
	CHECK_STR(phone("+1 (415) 555-0100"), "+14155550100");
}

TEST(bad_numbers_are_refused)
{
	CHECK(phone("12345") == NULL);
	CHECK(phone("5876543210") == NULL);  /* not a mobile prefix */
	CHECK(phone("+91 98765") == NULL);   /* too short for India */
	CHECK(phone("+0 123456789") == NULL);
	CHECK(phone("98765abc43") == NULL);
	CHECK(phone("+1234567890123456") == NULL); /* over 15 digits */
}

static const char *
rate_key(const char *in)
{
	static char out[300];
	return zt_ident_rate_key(in, out, sizeof(out)) == 0 ? out : NULL;
}

TEST(rate_keys_drop_email_tags_only)
{
	char e[300];
	/* one inbox, however it is tagged or cased */
	CHECK(zt_ident_email(" A+x@B.com", e, sizeof(e)) == 0);
	CHECK_STR(rate_key(e), "a@b.com");
	CHECK_STR(rate_key("a@b.com"), "a@b.com");
	CHECK_STR(rate_key("a+x+y@b.com"), "a@b.com");
	CHECK_STR(rate_key("first.last+news@b.co.in"), "first.last@b.co.in");
	/* a local part that is only a tag stays itself */
	CHECK_STR(rate_key("+x@b.com"), "+x@b.com");
	/* a plus in the domain is not a tag (and not an email we accept) */
	CHECK_STR(rate_key("a@b+c.com"), "a@b+c.com");
	/* phones are E.164 already: unchanged */
	CHECK_STR(rate_key("+919876543210"), "+919876543210");
	{
		char small[4];
		CHECK(zt_ident_rate_key("a+x@b.com", small, sizeof(small)) ==
		    -1);
	}
}

static const char *
addr_key(const char *in)
{
	static char out[64];
	return zt_ident_addr_key(in, out, sizeof(out)) == 0 ? out : NULL;
}

TEST(addresses_count_as_ipv4_or_an_ipv6_slash_64)
{
	CHECK_STR(addr_key("203.0.113.7"), "203.0.113.7");
	/* one subscriber's /64, however the host part changes */
	CHECK_STR(addr_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"),
	    "2001:db8:1:2::/64");
	CHECK_STR(addr_key("2001:DB8:1:2::1"), "2001:db8:1:2::/64");
	CHECK_STR(addr_key("2001:db8:1:3::1"), "2001:db8:1:3::/64");
	CHECK_STR(addr_key("::ffff:203.0.113.7"), "203.0.113.7");
	CHECK_STR(addr_key("::1"), "::/64");
	CHECK_STR(addr_key(""), "");
	CHECK_STR(addr_key("not:an:address"), "not:an:address");
	{
		char small[8];
		CHECK(zt_ident_addr_key("2001:db8::1", small, sizeof(small)) ==
		    -1);
	}
}

int
main(void)
{
	RUN(emails_are_trimmed_and_lowercased);
	RUN(bad_emails_are_refused);
	RUN(indian_numbers_become_e164);
	RUN(bad_numbers_are_refused);
	RUN(rate_keys_drop_email_tags_only);
	RUN(addresses_count_as_ipv4_or_an_ipv6_slash_64);
	return DONE();
}

/* test-tenant.c - payout details: what is valid, what is shown. */
#include "zt_tenant.h"
#include "zt_test.h"

TEST(upi_ids_follow_the_schema)
{
	CHECK(zt_tenant_upi_valid("priya.r@okaxis"));
	CHECK(zt_tenant_upi_valid("techfest.iitb@okaxis"));
	CHECK(zt_tenant_upi_valid("98765-43210@ybl"));
	CHECK(zt_tenant_upi_valid("ab@o1"));
	CHECK(!zt_tenant_upi_valid("a@okaxis"));
	CHECK(!zt_tenant_upi_valid("priya"));
	CHECK(!zt_tenant_upi_valid("priya@"));
	CHECK(!zt_tenant_upi_valid("priya@o"));
	CHECK(!zt_tenant_upi_valid("priya@1bank"));
	CHECK(!zt_tenant_upi_valid("pr iya@okaxis"));
	CHECK(!zt_tenant_upi_valid("pr@iya@okaxis"));
	CHECK(!zt_tenant_upi_valid("priya@ok_axis"));
	CHECK(!zt_tenant_upi_valid(NULL));
}

TEST(bank_details_follow_the_schema)
{
	CHECK(zt_tenant_ifsc_valid("HDFC0001234"));
	CHECK(zt_tenant_ifsc_valid("SBIN0ABC123"));
	CHECK(!zt_tenant_ifsc_valid("hdfc0001234"));
	CHECK(!zt_tenant_ifsc_valid("HDFC1001234"));
	CHECK(!zt_tenant_ifsc_valid("HDFC000123"));
	CHECK(!zt_tenant_ifsc_valid("HDF00001234"));
	CHECK(zt_tenant_account_valid("123456"));
	CHECK(zt_tenant_account_valid("50100012345678"));
	CHECK(!zt_tenant_account_valid("12345"));
	CHECK(!zt_tenant_account_valid("123456789012345678901"));
	CHECK(!zt_tenant_account_valid("1234 5678"));
}

TEST(payout_details_are_shown_masked)
{
	struct zt_arena *a = zt_arena_new();
	CHECK_STR(zt_tenant_mask_upi(a, "priya.r@okaxis"), "pr****@okaxis");
	CHECK_STR(zt_tenant_mask_upi(a, "ab@ybl"), "a****@ybl");
	CHECK_STR(zt_tenant_mask_account(a, "50100012341234"), "XXXXXX1234");
	CHECK_STR(zt_tenant_mask_account(a, "123456"), "XXXXXX3456");
	zt_arena_free(a);
}

TEST(platform_paths_are_reserved_slugs)
{
	CHECK(zt_tenant_slug_reserved("mine"));
	CHECK(zt_tenant_slug_reserved("admin"));
	CHECK(!zt_tenant_slug_reserved("techfest-iitb"));
	CHECK(!zt_tenant_slug_reserved("mines"));
}

int
main(void)
{
	RUN(upi_ids_follow_the_schema);
	RUN(bank_details_follow_the_schema);
	RUN(payout_details_are_shown_masked);
	RUN(platform_paths_are_reserved_slugs);
	return DONE();
}

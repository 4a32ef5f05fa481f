/* test-price.c - the breakdown a buyer sees, to the paisa. */
#include "zt_price.h"
#include "zt_test.h"

static const struct zt_price_rules rules = {200, 0, 1800};

TEST(fee_and_tax_round_half_up)
{
	int64_t prices[] = {120000, 120000, 49900};
	struct zt_price p;
	CHECK(zt_price_breakdown(&rules, prices, 3, &p) == 0);
	CHECK(p.subtotal == 289900);
	CHECK(p.fee == 5798);   /* 2% of 2899.00 = 57.98 */
	CHECK(p.tax == 1044);   /* 18% of 57.98 = 10.4364 -> 10.44 */
	CHECK(p.total == 289900 + 5798 + 1044);
	CHECK(p.tickets == 3);
	int64_t one[] = {25};   /* 2% of 25 paise = 0.5 -> 1 */
	CHECK(zt_price_breakdown(&rules, one, 1, &p) == 0);
	CHECK(p.fee == 1 && p.tax == 0 && p.total == 26);
}

TEST(free_orders_pay_nothing)
{
	struct zt_price_rules fixed = {200, 1000, 1800};
	int64_t prices[] = {0, 0};
	struct zt_price p;
	CHECK(zt_price_breakdown(&fixed, prices, 2, &p) == 0);
	CHECK(p.subtotal == 0 && p.fee == 0 && p.tax == 0 && p.total == 0);
	int64_t paid[] = {10000, 10000};
	CHECK(zt_price_breakdown(&fixed, paid, 2, &p) == 0);
	CHECK(p.fee == 400 + 2000);
}

TEST(negative_and_overflowing_prices_are_refused)
{
	struct zt_price p;
	int64_t neg[] = {100, -1};
	CHECK(zt_price_breakdown(&rules, neg, 2, &p) == -1);
	int64_t huge[] = {INT64_MAX, 1};
	CHECK(zt_price_breakdown(&rules, huge, 2, &p) == -1);
	int64_t big[] = {INT64_MAX / 2};
	CHECK(zt_price_breakdown(&rules, big, 1, &p) == -1);
}

TEST(rupees_use_indian_grouping)
{
	char b[48];
	CHECK_STR(zt_price_format(0, b, sizeof(b)), "\u20b90.00");
	CHECK_STR(zt_price_format(99, b, sizeof(b)), "\u20b90.99");
	CHECK_STR(zt_price_format(123456, b, sizeof(b)), "\u20b91,234.56");
	CHECK_STR(zt_price_format(12345678950, b, sizeof(b)),
	    "\u20b912,34,56,789.50");
	CHECK_STR(zt_price_format(-150, b, sizeof(b)), "-\u20b91.50");
	/* the shape of issue #23's emails: lakhs and crores */
	CHECK_STR(zt_price_format(12345650, b, sizeof(b)), "\u20b91,23,456.50");
	CHECK_STR(zt_price_format(10000000, b, sizeof(b)), "\u20b91,00,000.00");
	CHECK_STR(zt_price_format(99900, b, sizeof(b)), "\u20b9999.00");
}

TEST(promo_prices_never_go_below_zero_nor_above_the_list_price)
{
	CHECK(zt_price_promo(ZT_PROMO_PERCENT, 10, 50000) == 45000);
	/* 15% of 333 = 49.95, rounded half up to 50 off */
	CHECK(zt_price_promo(ZT_PROMO_PERCENT, 15, 333) == 283);
	CHECK(zt_price_promo(ZT_PROMO_PERCENT, 100, 50000) == 0);
	CHECK(zt_price_promo(ZT_PROMO_AMOUNT, 20000, 50000) == 30000);
	CHECK(zt_price_promo(ZT_PROMO_AMOUNT, 90000, 50000) == 0);
	CHECK(zt_price_promo(ZT_PROMO_PRICE, 9900, 50000) == 9900);
	CHECK(zt_price_promo(ZT_PROMO_PRICE, 90000, 50000) == 50000);
	CHECK(zt_price_promo(ZT_PROMO_UNLOCK, 0, 50000) == 50000);
	CHECK(zt_price_promo(ZT_PROMO_PERCENT, 50, 0) == 0);
}

int
main(void)
{
	RUN(promo_prices_never_go_below_zero_nor_above_the_list_price);
	RUN(fee_and_tax_round_half_up);
	RUN(free_orders_pay_nothing);
	RUN(negative_and_overflowing_prices_are_refused);
	RUN(rupees_use_indian_grouping);
	return DONE();
}

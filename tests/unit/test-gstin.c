/* test-gstin.c - GSTINs, state codes, the GST on the commission, its split, words. */
#include "zt_gstin.h"
#include "zt_invoice.h"
#include "zt_test.h"

/* after zt_invoice.h: its json-c, arena and request types */
#include "zt_finance_statement.h"

#include <string.h>

TEST(known_gstins_pass_their_checksum)
{
	CHECK(zt_gstin_valid("27AAPFU0939F1ZV"));
	CHECK(zt_gstin_check_char("27AAPFU0939F1Z") == 'V');
	CHECK(zt_gstin_valid("29AAGCB7383J1Z4"));
	CHECK(zt_gstin_valid("07AAACR5055K1Z6") ==
	      (zt_gstin_check_char("07AAACR5055K1Z") == '6'));
}

TEST(wrong_gstins_fail)
{
	CHECK(!zt_gstin_valid("27AAPFU0939F1ZW")); /* check character */
	CHECK(!zt_gstin_valid("27AAPFU0939F1Z"));  /* 14 characters */
	CHECK(!zt_gstin_valid("27aapfu0939f1zv")); /* lower case */
	CHECK(!zt_gstin_valid("99AAPFU0939F1ZV")); /* no such state */
	CHECK(!zt_gstin_valid("27AAPFU0939F0ZV")); /* entity 0 */
	CHECK(!zt_gstin_valid("27AAPFU0939F1YV")); /* not Z */
	CHECK(!zt_gstin_valid("2AAAPFU0939F1ZV"));
	CHECK(!zt_gstin_valid(NULL));
	CHECK(!zt_gstin_valid(""));
	/* one changed digit of a valid GSTIN is always caught */
	char g[] = "27AAPFU0939F1ZV";
	for (char c = '0'; c <= '9'; c++) {
		if (c == '9')
			continue;
		g[10] = c;
		CHECK(!zt_gstin_valid(g));
	}
}

TEST(state_codes)
{
	CHECK(zt_gst_state_valid("27"));
	CHECK_STR(zt_gst_state_name("27"), "Maharashtra");
	CHECK_STR(zt_gst_state_name("07"), "Delhi");
	CHECK_STR(zt_gst_state_name("29"), "Karnataka");
	CHECK_STR(zt_gst_state_name("38"), "Ladakh");
	CHECK(zt_gst_state_valid("97"));
	CHECK(!zt_gst_state_valid("00"));
	CHECK(!zt_gst_state_valid("28"));
	CHECK(!zt_gst_state_valid("39"));
	CHECK(!zt_gst_state_valid("7"));
	CHECK(!zt_gst_state_valid("x7"));
}

TEST(gst_on_the_commission_is_rounded_once_half_up)
{
	CHECK(zt_gst_on(100000, 1800) == 18000); /* ₹1,000 → ₹180 */
	CHECK(zt_gst_on(1005, 1800) == 181);	 /* 180.9 → 181 */
	CHECK(zt_gst_on(25, 1800) == 5);	 /* 4.5 → 5 (half up) */
	CHECK(zt_gst_on(24, 1800) == 4);	 /* 4.32 → 4 */
	CHECK(zt_gst_on(7250, 1800) == 1305);
	CHECK(zt_gst_on(100000, 0) == 0); /* an unregistered platform */
	CHECK(zt_gst_on(0, 1800) == 0);
	CHECK(zt_gst_on(-5, 1800) == 0);
}

TEST(split_cgst_half_up_sgst_the_rest)
{
	struct zt_gst_split t;
	zt_gst_split(18000, 1, &t);
	CHECK(t.cgst == 9000 && t.sgst == 9000 && t.igst == 0 &&
	      t.total == 18000);
	zt_gst_split(18000, 0, &t);
	CHECK(t.igst == 18000 && t.cgst == 0 && t.sgst == 0 &&
	      t.total == 18000);
	/* an odd total: CGST takes the extra paisa, the heads add up to it
	 * (per-head rounding of 9 % of 10.05 would give 90 + 90 = 180, a
	 * paisa short of the 181 deducted) */
	zt_gst_split(zt_gst_on(1005, 1800), 1, &t);
	CHECK(t.cgst == 91 && t.sgst == 90 && t.total == 181);
	zt_gst_split(5, 1, &t);
	CHECK(t.cgst == 3 && t.sgst == 2);
	zt_gst_split(1, 1, &t);
	CHECK(t.cgst == 1 && t.sgst == 0);
	for (long long c = 0; c < 5000; c += 7) {
		long long g = zt_gst_on(c, 1800);
		zt_gst_split(g, 1, &t);
		CHECK(t.cgst + t.sgst == g && t.cgst - t.sgst >= 0 &&
		      t.cgst - t.sgst <= 1);
		zt_gst_split(g, 0, &t);
		CHECK(t.igst == g);
	}
	zt_gst_split(0, 1, &t);
	CHECK(t.total == 0 && t.cgst == 0);
}

/* the ledger's equations with and without GST on the commission */
TEST(ledger_deducts_the_gst_on_the_commission)
{
	struct zt_ledger l;
	memset(&l, 0, sizeof(l));
	l.k[ZT_K_TICKETS] = 200000;
	l.k[ZT_K_CONV_FEE] = 4000;
	l.k[ZT_K_CONV_GST] = 720;
	l.k[ZT_K_REF_ORG] = 10000;
	l.k[ZT_K_GATEWAY] = 4956;
	l.bps = 501;
	l.gst_bps = 1800;
	zt_ledger_derive(&l);
	CHECK(l.commission == 9519); /* 190000 × 5.01 % = 9519 */
	CHECK(l.commission_gst == 1713); /* 9519 × 18 % = 1713.42 */
	CHECK(l.payable == 200000 - 10000 - 4956 - 9519 - 1713);
	CHECK(l.collected == 204720);
	/* an unregistered platform: no GST line, the payable keeps it */
	l.gst_bps = 0;
	zt_ledger_derive(&l);
	CHECK(l.commission == 9519 && l.commission_gst == 0);
	CHECK(l.payable == 200000 - 10000 - 4956 - 9519);
}

TEST(amounts_in_words_the_indian_way)
{
	struct zt_arena *a = zt_arena_new();
	CHECK_STR(zt_invoice_words(a, 12345678),
	    "Rupees One Lakh Twenty-Three Thousand Four Hundred Fifty-Six "
	    "and Seventy-Eight Paise Only");
	CHECK_STR(zt_invoice_words(a, 0), "Rupees Zero Only");
	CHECK_STR(zt_invoice_words(a, 5), "Rupees Zero and Five Paise Only");
	CHECK_STR(zt_invoice_words(a, 100), "Rupees One Only");
	CHECK_STR(zt_invoice_words(a, 1180000), "Rupees Eleven Thousand Eight "
						"Hundred Only");
	CHECK_STR(zt_invoice_words(a, 123456789000LL),
	    "Rupees One Hundred Twenty-Three Crore Forty-Five Lakh "
	    "Sixty-Seven Thousand Eight Hundred Ninety Only");
	CHECK_STR(zt_invoice_words(a, 100000000000000LL),
	    "Rupees One Lakh Crore Only");
	zt_arena_free(a);
}

int
main(void)
{
	RUN(known_gstins_pass_their_checksum);
	RUN(wrong_gstins_fail);
	RUN(state_codes);
	RUN(gst_on_the_commission_is_rounded_once_half_up);
	RUN(split_cgst_half_up_sgst_the_rest);
	RUN(ledger_deducts_the_gst_on_the_commission);
	RUN(amounts_in_words_the_indian_way);
	return DONE();
}

/* test-gstin.c - GSTINs, state codes, the invoice's tax and words. */
#include "zt_gstin.h"
#include "zt_invoice.h"
#include "zt_test.h"

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

TEST(tax_is_rounded_per_head)
{
	struct zt_invoice_tax t;
	zt_invoice_tax(100000, 1, &t); /* ₹1,000 */
	CHECK(t.cgst == 9000 && t.sgst == 9000 && t.igst == 0 &&
	      t.total == 18000);
	zt_invoice_tax(100000, 0, &t);
	CHECK(t.igst == 18000 && t.cgst == 0 && t.total == 18000);
	zt_invoice_tax(1005, 1, &t); /* 9 % of 10.05 = 0.9045: 90 paise */
	CHECK(t.cgst == 90 && t.sgst == 90 && t.total == 180);
	zt_invoice_tax(1005, 0, &t); /* 18 %: 1.809 → 181 */
	CHECK(t.igst == 181);
	zt_invoice_tax(50, 1, &t); /* 4.5 → 5 (half up) */
	CHECK(t.cgst == 5 && t.sgst == 5);
	zt_invoice_tax(0, 1, &t);
	CHECK(t.total == 0);
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
	RUN(tax_is_rounded_per_head);
	RUN(amounts_in_words_the_indian_way);
	return DONE();
}

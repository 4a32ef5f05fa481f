/*
 * test-booking.c - the booking rules that need no database: what a
 * cancellation gives back, the summary line of a message, and the two
 * orders zt_booking_create relies on (a hold's signature, its lines in
 * the order the database reads them back).
 */
#include "zt_booking_int.h"
#include "zt_refund.h"
#include "zt_test.h"

static struct zt_req *req;

TEST(a_policy_refund_is_the_subtotal_less_the_flat_fee_and_basis_points)
{
	CHECK(zt_refund_policy(100000, 0, 0) == 100000);
	CHECK(zt_refund_policy(100000, 2000, 0) == 98000);
	/* 10% of ₹1,000 */
	CHECK(zt_refund_policy(100000, 0, 1000) == 90000);
	CHECK(zt_refund_policy(100000, 2000, 1000) == 88000);
}

TEST(basis_points_round_half_up)
{
	/* 1 bp of 5,000 paise is 0.5 paise: rounds up to 1 */
	CHECK(zt_refund_policy(5000, 0, 1) == 4999);
	/* 1 bp of 4,999 paise is 0.4999 paise: rounds down to 0 */
	CHECK(zt_refund_policy(4999, 0, 1) == 4999);
	/* 2.5% of 1,999 paise is 49.975: 50 */
	CHECK(zt_refund_policy(1999, 0, 250) == 1949);
}

TEST(a_fee_larger_than_the_subtotal_refunds_nothing)
{
	CHECK(zt_refund_policy(1000, 1000, 0) == 0);
	CHECK(zt_refund_policy(1000, 5000, 0) == 0);
	CHECK(zt_refund_policy(1000, 0, 10000) == 0);
	CHECK(zt_refund_policy(0, 0, 0) == 0);
}

TEST(the_summary_lists_quantity_and_label_comma_separated)
{
	const char *s = "";
	s = zt__summary_add(req, s, "1", "A 1");
	CHECK_STR(s, "1 x A 1");
	s = zt__summary_add(req, s, "2", "Floor");
	CHECK_STR(s, "1 x A 1, 2 x Floor");
	/* a line without a label keeps its quantity */
	s = zt__summary_add(req, "", "3", NULL);
	CHECK_STR(s, "3 x ");
}

/* lines of a hold: seats have ids in seat[], GA types in type[] */
static const char *seat[] = {"s-b", NULL, "s-a", NULL};
static const char *type[] = {NULL, "t-z", NULL, "t-c"};
static const char *qty[] = {"1", "4", "1", "2"};
static const char *label[] = {"B 2", "Floor", "A 10", NULL};

static struct zt__lines
four_lines(void)
{
	struct zt__lines l;
	memset(&l, 0, sizeof(l));
	l.n = 4;
	l.seat = seat;
	l.type = type;
	l.qty = qty;
	l.label = label;
	return l;
}

TEST(a_hold_signature_is_id_colon_quantity_sorted)
{
	struct zt__lines l = four_lines();
	CHECK_STR(zt__hold_sig(req, &l), "s-a:1,s-b:1,t-c:2,t-z:4");
	l.n = 0;
	CHECK_STR(zt__hold_sig(req, &l), "");
}

TEST(a_hold_signature_does_not_depend_on_the_order_of_lines)
{
	static const char *seat2[] = {NULL, "s-a", NULL, "s-b"};
	static const char *type2[] = {"t-c", NULL, "t-z", NULL};
	static const char *qty2[] = {"2", "1", "4", "1"};
	struct zt__lines a = four_lines(), b = four_lines();
	b.seat = seat2;
	b.type = type2;
	b.qty = qty2;
	CHECK_STR(zt__hold_sig(req, &a), zt__hold_sig(req, &b));
}

TEST(lines_in_label_order_bytewise_with_unlabelled_last)
{
	struct zt__lines l = four_lines();
	size_t *o = zt__label_order(req, &l);
	/* "A 10" < "B 2" < "Floor" (byte order, as C.UTF-8), then NULL */
	CHECK(o[0] == 2);
	CHECK(o[1] == 0);
	CHECK(o[2] == 1);
	CHECK(o[3] == 3);
}

TEST(equal_labels_keep_their_order)
{
	static const char *same[] = {"Floor", "Floor", NULL, "Floor"};
	struct zt__lines l = four_lines();
	l.label = same;
	size_t *o = zt__label_order(req, &l);
	CHECK(o[0] == 0);
	CHECK(o[1] == 1);
	CHECK(o[2] == 3);
	CHECK(o[3] == 2);
}

int
main(void)
{
	req = zt_req_new(NULL, NULL);
	RUN(a_policy_refund_is_the_subtotal_less_the_flat_fee_and_basis_points);
	RUN(basis_points_round_half_up);
	RUN(a_fee_larger_than_the_subtotal_refunds_nothing);
	RUN(the_summary_lists_quantity_and_label_comma_separated);
	RUN(a_hold_signature_is_id_colon_quantity_sorted);
	RUN(a_hold_signature_does_not_depend_on_the_order_of_lines);
	RUN(lines_in_label_order_bytewise_with_unlabelled_last);
	RUN(equal_labels_keep_their_order);
	zt_req_free(req);
	return DONE();
}

/*
 * zt_price.h - what a buyer pays, computed in one place.
 *
 * subtotal = the ticket prices from the database (never from the client)
 * fee      = subtotal * ZT_FEE_BPS / 10000 + ZT_FEE_FIXED_PAISE per ticket
 *            (no fee on a free order)
 * tax      = fee * ZT_FEE_TAX_BPS / 10000 (GST on our fee; ticket prices
 *            already include whatever tax the organizer owes)
 * total    = subtotal + fee + tax
 * Every division rounds half up to the paisa.  Amounts are int64 paise.
 */
#ifndef ZT_PRICE_H
#define ZT_PRICE_H

#include <stddef.h>
#include <stdint.h>

struct zt_price_rules {
	int fee_bps;	   /* basis points of the subtotal */
	int64_t fee_fixed; /* paise per ticket */
	int tax_bps;	   /* basis points of the fee */
};

struct zt_price {
	int64_t subtotal, fee, tax, total;
	int tickets;
	/* what a promo code took off the list prices (set by the caller:
	 * the prices given to the breakdown are the discounted ones) */
	int64_t discount;
};

/* What a promo code does to each ticket it applies to (docs/commerce.md). */
enum zt_price_promo {
	ZT_PROMO_PERCENT, /* value % off (1..100), rounded half up */
	ZT_PROMO_AMOUNT,  /* value paise off, never below 0 */
	ZT_PROMO_PRICE,	 /* the ticket costs value, never more than its price */
	ZT_PROMO_UNLOCK, /* no change: the code only unlocks hidden types */
};

/*
 * Breakdown for n tickets with the given prices.  0 ok; -1 when a price is
 * negative or the sum overflows (the caller refuses the order).
 */
int zt_price_breakdown(const struct zt_price_rules *rules,
    const int64_t *prices, int n, struct zt_price *out);

/* The price of one ticket of list price unit (>= 0) under a promo; the
 * fee and GST are then computed on it by zt_price_breakdown. */
int64_t zt_price_promo(enum zt_price_promo kind, int64_t value, int64_t unit);

/* "₹1,23,456.50" (Indian grouping) into buf; returns buf. */
char *zt_price_format(int64_t paise, char *buf, size_t len);

#endif

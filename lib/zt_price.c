/* zt_price.c - the price breakdown; see zt_price.h. */
#include "zt_price.h"

#include <stdio.h>
#include <string.h>

/* round(a * bps / 10000) half up, a >= 0; -1 on overflow */
static int64_t
bps_of(int64_t a, int bps)
{
	if (bps < 0 || (bps > 0 && a > (INT64_MAX - 5000) / bps))
		return -1;
	return (a * bps + 5000) / 10000;
}

int
zt_price_breakdown(const struct zt_price_rules *rules, const int64_t *prices,
    int n, struct zt_price *out)
{
	int64_t sum = 0, fee, tax;
	memset(out, 0, sizeof(*out));
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		if (prices[i] < 0 || prices[i] > INT64_MAX - sum)
			return -1;
		sum += prices[i];
	}
	fee = 0;
	if (sum > 0) {
		if ((fee = bps_of(sum, rules->fee_bps)) < 0 ||
		    rules->fee_fixed < 0 ||
		    (rules->fee_fixed > 0 &&
			n > INT64_MAX / rules->fee_fixed) ||
		    fee > INT64_MAX - rules->fee_fixed * n)
			return -1;
		fee += rules->fee_fixed * n;
	}
	if ((tax = bps_of(fee, rules->tax_bps)) < 0)
		return -1;
	if (sum > INT64_MAX - fee || sum + fee > INT64_MAX - tax)
		return -1;
	out->subtotal = sum;
	out->fee = fee;
	out->tax = tax;
	out->total = sum + fee + tax;
	out->tickets = n;
	return 0;
}

int64_t
zt_price_promo(enum zt_price_promo kind, int64_t value, int64_t unit)
{
	int64_t off;
	if (unit <= 0 || value < 0)
		return unit < 0 ? 0 : unit;
	switch (kind) {
	case ZT_PROMO_PERCENT:
		if (value > 100)
			value = 100;
		off = bps_of(unit, (int)value * 100);
		return off < 0 || off > unit ? 0 : unit - off;
	case ZT_PROMO_AMOUNT:
		return value >= unit ? 0 : unit - value;
	case ZT_PROMO_PRICE:
		return value < unit ? value : unit;
	case ZT_PROMO_UNLOCK:
		break;
	}
	return unit;
}

char *
zt_price_format(int64_t paise, char *buf, size_t len)
{
	char digits[32], grouped[48];
	int neg = paise < 0;
	uint64_t v = neg ? (uint64_t)(-(paise + 1)) + 1 : (uint64_t)paise;
	int n = snprintf(
	    digits, sizeof(digits), "%llu", (unsigned long long)(v / 100));
	int o = 0;
	/* Indian grouping: last three digits, then pairs */
	for (int i = 0; i < n; i++) {
		int left = n - i;
		grouped[o++] = digits[i];
		if (left > 1 &&
		    (left == 4 || (left > 4 && (left - 4) % 2 == 0)))
			grouped[o++] = ',';
	}
	grouped[o] = '\0';
	snprintf(buf, len, "%s\u20b9%s.%02u", neg ? "-" : "", grouped,
	    (unsigned)(v % 100));
	return buf;
}

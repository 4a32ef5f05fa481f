/* zt_gstin.c - GSTINs and GST state codes; see zt_gstin.h. */
#include "zt_gstin.h"

#include <string.h>

static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

static int
value(char c)
{
	const char *p = c != '\0' ? strchr(alphabet, c) : NULL;
	return p != NULL ? (int)(p - alphabet) : -1;
}

char
zt_gstin_check_char(const char *first14)
{
	int sum = 0;
	for (int i = 0; i < 14; i++) {
		int v = value(first14[i]);
		if (v < 0)
			return 0;
		int prod = v * ((i % 2) + 1);
		sum += prod / 36 + prod % 36;
	}
	return alphabet[(36 - sum % 36) % 36];
}

/* the GST state codes (CBIC), index = code; "28" (undivided Andhra
 * Pradesh) is no longer issued */
static const char *const states[] = {NULL, "Jammu and Kashmir",
    "Himachal Pradesh", "Punjab", "Chandigarh", "Uttarakhand", "Haryana",
    "Delhi", "Rajasthan", "Uttar Pradesh", "Bihar", "Sikkim",
    "Arunachal Pradesh", "Nagaland", "Manipur", "Mizoram", "Tripura",
    "Meghalaya", "Assam", "West Bengal", "Jharkhand", "Odisha", "Chhattisgarh",
    "Madhya Pradesh", "Gujarat", NULL,
    "Dadra and Nagar Haveli and Daman and Diu", "Maharashtra", NULL,
    "Karnataka", "Goa", "Lakshadweep", "Kerala", "Tamil Nadu", "Puducherry",
    "Andaman and Nicobar Islands", "Telangana", "Andhra Pradesh", "Ladakh"};

const char *
zt_gst_state_name(const char *s)
{
	if (s == NULL || strlen(s) != 2 || s[0] < '0' || s[0] > '9' ||
	    s[1] < '0' || s[1] > '9')
		return NULL;
	int code = (s[0] - '0') * 10 + (s[1] - '0');
	if (code == 97)
		return "Other Territory";
	if (code < 1 || code >= (int)(sizeof(states) / sizeof(states[0])))
		return NULL;
	return states[code];
}

int
zt_gst_state_valid(const char *s)
{
	return zt_gst_state_name(s) != NULL;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

int
zt_gstin_valid(const char *s)
{
	char st[3];
	if (s == NULL || strlen(s) != 15)
		return 0;
	for (int i = 0; i < 15; i++) {
		int want_digit = i < 2 || (i >= 7 && i <= 10);
		int want_upper = (i >= 2 && i <= 6) || i == 11 || i == 13;
		if ((want_digit && !is_digit(s[i])) ||
		    (want_upper && !is_upper(s[i])) ||
		    (!is_digit(s[i]) && !is_upper(s[i])))
			return 0;
	}
	if (s[12] == '0' || s[13] != 'Z')
		return 0;
	st[0] = s[0];
	st[1] = s[1];
	st[2] = '\0';
	return zt_gst_state_valid(st) && zt_gstin_check_char(s) == s[14];
}

long long
zt_gst_on(long long commission, int bps)
{
	if (commission <= 0 || bps <= 0)
		return 0;
	return (commission * bps + 5000) / 10000;
}

void
zt_gst_split(long long total, int intra_state, struct zt_gst_split *t)
{
	memset(t, 0, sizeof(*t));
	if (total <= 0)
		return;
	t->total = total;
	if (intra_state) {
		t->cgst = (total + 1) / 2;
		t->sgst = total - t->cgst;
	} else {
		t->igst = total;
	}
}

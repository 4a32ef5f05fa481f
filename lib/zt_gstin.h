/*
 * zt_gstin.h - GST identification numbers and state codes (docs/finance.md,
 * "GST invoices").  Pure: no database, no request.
 *
 * A GSTIN is 15 characters: the state code (2 digits), the holder's PAN
 * (5 letters, 4 digits, 1 letter), the entity number (1-9 or A-Z), 'Z',
 * and a check character: the mod-36 checksum of the first 14 over the
 * alphabet 0-9A-Z (weights 1, 2, 1, 2, …; each product's quotient and
 * remainder by 36 summed; check = (36 - sum mod 36) mod 36).
 */
#ifndef ZT_GSTIN_H
#define ZT_GSTIN_H

/* The check character of a GSTIN's first 14 characters, or 0 when one of
 * them is not 0-9 or A-Z. */
char zt_gstin_check_char(const char *first14);

/* 1 when s is a well-formed GSTIN whose check character is right and
 * whose first two digits are a state code (zt_gst_state_valid). */
int zt_gstin_valid(const char *s);

/* 1 when s is a GST state code ("01" … "38" but "28", and "97" other
 * territory). */
int zt_gst_state_valid(const char *s);

/* The state's name for a valid code, else NULL. */
const char *zt_gst_state_name(const char *code);

/*
 * The GST on the platform's commission (docs/finance.md, "GST on the
 * commission"): commission × bps / 10000 rounded half up to the paisa,
 * computed once; 0 for a commission <= 0 or bps <= 0.  The ledger deducts
 * exactly this (commission_gst) and the invoice carries exactly this.
 */
long long zt_gst_on(long long commission, int bps);

/*
 * The heads of a tax of total paise: inter-state, IGST = total; within a
 * state CGST = half rounded up to the paisa, SGST = total - CGST (so CGST +
 * SGST is always the total, and CGST is the larger by at most a paisa).
 */
struct zt_gst_split {
	long long cgst, sgst, igst, total;
};
void zt_gst_split(long long total, int intra_state, struct zt_gst_split *t);

#endif

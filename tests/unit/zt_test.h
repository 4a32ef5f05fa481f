/*
 * zt_test.h - a tiny TAP-style harness for the unit tests.
 *
 * TEST(name) { … CHECK(cond); … }  and in main: RUN(name); … return DONE();
 * Each CHECK failure prints the file, line and expression; the program exits
 * non-zero when any check failed (automake's test driver counts it).
 */
#ifndef ZT_TEST_H
#define ZT_TEST_H

#include <stdio.h>
#include <string.h>

static int zt_test_failed, zt_test_count, zt_test_cur_failed;

#define TEST(name) static void name(void)
#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			printf("#   %s:%d: check failed: %s\n", __FILE__,  \
			    __LINE__, #cond);                              \
			zt_test_cur_failed = 1;                            \
		}                                                          \
	} while (0)
#define CHECK_STR(a, b)                                                    \
	do {                                                               \
		const char *a_ = (a), *b_ = (b);                           \
		if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) {     \
			printf("#   %s:%d: \"%s\" != \"%s\"\n", __FILE__,   \
			    __LINE__, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
			zt_test_cur_failed = 1;                            \
		}                                                          \
	} while (0)
/* haystack (NULL: none) contains needle */
#define CHECK_HAS(haystack, needle)                                        \
	do {                                                               \
		const char *h_ = (haystack), *n_ = (needle);               \
		if (h_ == NULL || strstr(h_, n_) == NULL) {                \
			printf("#   %s:%d: \"%s\" lacks \"%s\"\n", __FILE__, \
			    __LINE__, h_ ? h_ : "(null)", n_);             \
			zt_test_cur_failed = 1;                            \
		}                                                          \
	} while (0)
#define RUN(name)                                                          \
	do {                                                               \
		zt_test_cur_failed = 0;                                    \
		name();                                                    \
		zt_test_count++;                                           \
		printf("%s %d - %s\n", zt_test_cur_failed ? "not ok" : "ok", \
		    zt_test_count, #name);                                 \
		zt_test_failed += zt_test_cur_failed;                      \
	} while (0)
#define DONE()                                                             \
	(printf("1..%d\n", zt_test_count), zt_test_failed ? 1 : 0)

#endif

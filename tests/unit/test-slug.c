/* test-slug.c - slugs: derived from names, checked, made unique. */
#include "zt_slug.h"
#include "zt_test.h"

static const char *
derive(const char *in, size_t max)
{
	static char out[128];
	return zt_slug_derive(in, out, max) == 0 ? out : NULL;
}

TEST(names_become_lowercase_dashed_slugs)
{
	CHECK_STR(derive("Mood Indigo 2026", 64), "mood-indigo-2026");
	CHECK_STR(derive("  --Techfest:: IIT   Bombay!! ", 64),
	    "techfest-iit-bombay");
	CHECK_STR(derive("Children's Day", 64), "childrens-day");
	CHECK_STR(derive("Café Ré-Union Ñandú", 64), "cafe-re-union-nandu");
	/* other scripts leave nothing usable */
	CHECK(derive("संगीत", 64) == NULL);
	CHECK(derive("", 64) == NULL);
	CHECK(derive("!!!", 64) == NULL);
	CHECK_STR(derive("उत्सव 2026", 64), "2026");
}

TEST(derived_slugs_are_cut_without_a_trailing_dash)
{
	CHECK_STR(derive("abc def", 4), "abc");
	CHECK_STR(derive("abcd efgh", 6), "abcd-e");
	CHECK_STR(derive("abcd  efgh", 5), "abcd");
	CHECK_STR(derive("abcdefgh", 5), "abcde");
	char long_name[300];
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	const char *s = derive(long_name, 96);
	CHECK(s != NULL && strlen(s) == 96);
	CHECK(zt_slug_valid(s, 96));
}

TEST(validity_matches_the_schema_check)
{
	CHECK(zt_slug_valid("a", 64));
	CHECK(zt_slug_valid("techfest-iitb", 64));
	CHECK(zt_slug_valid("a--b", 64));
	CHECK(!zt_slug_valid("", 64));
	CHECK(!zt_slug_valid(NULL, 64));
	CHECK(!zt_slug_valid("-a", 64));
	CHECK(!zt_slug_valid("a-", 64));
	CHECK(!zt_slug_valid("A", 64));
	CHECK(!zt_slug_valid("a b", 64));
	CHECK(!zt_slug_valid("a_b", 64));
	CHECK(!zt_slug_valid("abcde", 4));
}

TEST(next_candidates_number_then_randomise_within_the_limit)
{
	char out[16];
	zt_slug_next("fest", 1, out, 10);
	CHECK_STR(out, "fest");
	zt_slug_next("fest", 2, out, 10);
	CHECK_STR(out, "fest-2");
	zt_slug_next("fest", 20, out, 10);
	CHECK_STR(out, "fest-20");
	zt_slug_next("abcdefghij", 3, out, 10);
	CHECK_STR(out, "abcdefgh-3");
	zt_slug_next("abcdefg-ij", 12, out, 10);
	CHECK_STR(out, "abcdefg-12");
	zt_slug_next("abcdef-hij", 12, out, 10);
	CHECK_STR(out, "abcdef-12");
	zt_slug_next("fest", 21, out, 12);
	CHECK(strncmp(out, "fest-", 5) == 0 && strlen(out) == 11);
	CHECK(zt_slug_valid(out, 12));
	char again[16];
	zt_slug_next("fest", 21, again, 12);
	CHECK(strcmp(out, again) != 0);
}

int
main(void)
{
	RUN(names_become_lowercase_dashed_slugs);
	RUN(derived_slugs_are_cut_without_a_trailing_dash);
	RUN(validity_matches_the_schema_check);
	RUN(next_candidates_number_then_randomise_within_the_limit);
	return DONE();
}

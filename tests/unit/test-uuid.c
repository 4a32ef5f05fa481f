/* test-uuid.c - UUID text: what counts as one, its canonical form, new ones. */
#include "zt_test.h"
#include "zt_uuid.h"

#include <string.h>

TEST(uuids_are_8_4_4_4_12_hex_in_either_case)
{
	CHECK(zt_is_uuid("00000000-0000-4000-8000-000000000001"));
	CHECK(zt_is_uuid("ABCDEF01-2345-6789-abcd-ef0123456789"));
	const char *bad[] = {"", "00000000-0000-4000-8000-00000000000",
	    "00000000-0000-4000-8000-0000000000011",
	    "00000000_0000-4000-8000-000000000001",
	    "0000000-00000-4000-8000-000000000001",
	    "g0000000-0000-4000-8000-000000000001",
	    "{00000000-0000-4000-8000-000000000001}",
	    "000000000000400080000000000000000001",
	    "00000000-0000-4000-8000-00000000000 "};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(!zt_is_uuid(bad[i]));
	CHECK(!zt_is_uuid(NULL));
}

TEST(norm_lowercases_and_refuses_non_uuids)
{
	struct zt_arena *a = zt_arena_new();
	CHECK_STR(zt_uuid_norm(a, "ABCDEF01-2345-6789-ABCD-EF0123456789"),
	    "abcdef01-2345-6789-abcd-ef0123456789");
	CHECK(zt_uuid_norm(a, "not-a-uuid") == NULL);
	CHECK(zt_uuid_norm(a, NULL) == NULL);
	zt_arena_free(a);
}

TEST(new_uuids_are_version_4_lowercase_and_differ)
{
	char a[ZT_UUID_BUF], b[ZT_UUID_BUF];
	CHECK(sizeof(a) == 37);
	zt_uuid_new(a);
	zt_uuid_new(b);
	CHECK(strlen(a) == ZT_UUID_LEN);
	CHECK(zt_is_uuid(a));
	CHECK(a[14] == '4');
	CHECK(strchr("89ab", a[19]) != NULL);
	for (const char *p = a; *p; p++)
		CHECK(*p == '-' || (*p >= '0' && *p <= '9') ||
		      (*p >= 'a' && *p <= 'f'));
	CHECK(strcmp(a, b) != 0);
}

int
main(void)
{
	RUN(uuids_are_8_4_4_4_12_hex_in_either_case);
	RUN(norm_lowercases_and_refuses_non_uuids);
	RUN(new_uuids_are_version_4_lowercase_and_differ);
	return DONE();
}

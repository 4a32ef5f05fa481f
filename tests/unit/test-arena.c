/* test-arena.c - the per-request arena. */
#include <stdint.h>
#include <stdlib.h>

#include "zt_arena.h"
#include "zt_test.h"

TEST(alloc_is_aligned_and_writable)
{
	struct zt_arena *a = zt_arena_new();
	for (int i = 1; i < 200; i++) {
		unsigned char *p = zt_arena_alloc(a, (size_t)i);
		CHECK(((uintptr_t)p & 15) == 0);
		memset(p, 0xAB, (size_t)i);
	}
	zt_arena_free(a);
}

TEST(big_blocks_and_small_blocks_mix)
{
	struct zt_arena *a = zt_arena_new();
	char *small = zt_arena_strdup(a, "hello");
	char *big = zt_arena_alloc(a, 100000);
	memset(big, 'x', 100000);
	char *small2 = zt_arena_strdup(a, "world");
	CHECK_STR(small, "hello");
	CHECK_STR(small2, "world");
	CHECK(zt_arena_used(a) >= 100010);
	zt_arena_free(a);
}

TEST(reset_releases_and_reuses)
{
	struct zt_arena *a = zt_arena_new();
	for (int round = 0; round < 50; round++) {
		for (int i = 0; i < 1000; i++)
			zt_arena_alloc(a, 64);
		zt_arena_alloc(a, 1 << 20);
		CHECK(zt_arena_used(a) >= 64000);
		zt_arena_reset(a);
		CHECK(zt_arena_used(a) == 0);
	}
	zt_arena_free(a);
}

TEST(printf_and_strndup)
{
	struct zt_arena *a = zt_arena_new();
	CHECK_STR(zt_arena_printf(a, "%s-%d", "seat", 42), "seat-42");
	CHECK_STR(zt_arena_strndup(a, "abcdef", 3), "abc");
	char *z = zt_arena_zalloc(a, 32);
	int zero = 1;
	for (int i = 0; i < 32; i++)
		zero &= z[i] == 0;
	CHECK(zero);
	zt_arena_free(a);
}

int
main(void)
{
	RUN(alloc_is_aligned_and_writable);
	RUN(big_blocks_and_small_blocks_mix);
	RUN(reset_releases_and_reuses);
	RUN(printf_and_strndup);
	return DONE();
}

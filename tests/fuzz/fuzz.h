/*
 * fuzz.h - shared helpers of the libFuzzer harnesses (tests/fuzz/run,
 * docs/testing.md).  Each fuzz-<name>.c defines LLVMFuzzerTestOneInput and
 * releases everything it allocated, so LeakSanitizer sees real leaks only.
 */
#ifndef ZT_FUZZ_H
#define ZT_FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated heap copy of the input (free it). */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Split s at the first '\n' (replaced by NUL); returns the rest or "". */
static inline char *
fuzz_line(char *s)
{
	char *nl = strchr(s, '\n');
	if (nl == NULL)
		return s + strlen(s);
	*nl = '\0';
	return nl + 1;
}
#endif

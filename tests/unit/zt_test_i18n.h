/* zt_test_i18n.h - unit tests that render texts read the catalogues of
 * the source tree (web/i18n, zt_i18n.h), as a program does at start. */
#ifndef ZT_TEST_I18N_H
#define ZT_TEST_I18N_H

#include "zt_i18n.h"

#include <stdio.h>
#include <stdlib.h>

/* 0, or -1 with the reason on stderr */
static inline int
zt_test_i18n_load(void)
{
	char err[256], dir[512];
	const char *src = getenv("srcdir"); /* set by make check */
	snprintf(dir, sizeof(dir), "%s/web/i18n", src ? src : ".");
	if (zt_i18n_load(dir, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

#endif

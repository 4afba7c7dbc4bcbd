/*
 * testutil.h - cmocka plus the few helpers every unit test uses.
 */
#ifndef PRECEDENT_TESTUTIL_H
#define PRECEDENT_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* A fresh temporary directory path (mkdtemp), caller frees. */
static inline char *test_tmpdir(void)
{
	char tmpl[] = "/tmp/precedent-test-XXXXXX";
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	return strdup(d);
}

/* Removes a directory tree made by a test. */
static inline void test_rmtree(const char *dir)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "warning: could not remove %s\n", dir);
}

#endif

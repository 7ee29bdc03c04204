/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What tests/unit/test_kmsg.c and test_kmsg_wild.c share: where the test
 * data is, and the "key=value" tokens of their expectations.  Included by
 * both (static: each test is one program).
 */
#ifndef MMT_TEST_KMSG_SPEC_H
#define MMT_TEST_KMSG_SPEC_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#ifndef MMT_SRCDIR
#define MMT_SRCDIR "."
#endif

static inline const char *datadir(void)
{
	const char *d = getenv("MMT_TESTDATA");

	return d && *d ? d : MMT_SRCDIR "/tests/data";
}

/* Next "key=value" of an annotation; value may be "quoted". */
static inline bool next_kv(char **pp, char **ret_key, char **ret_val)
{
	char *p = *pp, *eq, *v, *end;

	while (*p == ' ')
		p++;
	if (!*p)
		return false;
	eq = strchr(p, '=');
	if (!eq)
		fail_msg("bad annotation token '%s'", p);
	*eq = '\0';
	*ret_key = p;
	v = eq + 1;
	if (*v == '"') {
		v++;
		end = strchr(v, '"');
		assert_non_null(end);
	} else {
		end = v + strcspn(v, " ");
	}
	if (*end)
		*end++ = '\0';
	*ret_val = v;
	*pp = end;
	return true;
}

#endif

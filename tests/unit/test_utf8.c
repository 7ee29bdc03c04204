// SPDX-License-Identifier: GPL-2.0-only
/* lib/utf8.c: the results boundary's sanitising step. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/utf8.h"

static void check(const char *in, size_t len, unsigned flags, const char *want)
{
	char *out = NULL;
	int n = mmt_utf8_sanitize(in, len, flags, &out);

	assert_non_null(out);
	assert_int_equal(n, (int)strlen(want));
	assert_string_equal(out, want);
	/* What comes out is acceptable under the same flags. */
	assert_true(mmt_utf8_ok(out, (size_t)n, flags));
	free(out);
}

static void test_valid_kept(void **state)
{
	static const char s[] = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7 tab\there";

	(void)state;
	assert_true(mmt_utf8_ok(s, strlen(s), 0));
	assert_true(mmt_utf8_ok(s, strlen(s), MMT_UTF8_NO_CONTROLS));
	check(s, strlen(s), 0, s);
	/* A real U+FFFD in the input is text, not damage. */
	assert_true(mmt_utf8_ok("\xef\xbf\xbd", 3, MMT_UTF8_NO_CONTROLS));
}

static void test_invalid_replaced(void **state)
{
	(void)state;
	/* Latin-1 "café" in a job comment. */
	assert_false(mmt_utf8_ok("caf\xe9", 4, 0));
	check("caf\xe9", 4, 0, "caf\xef\xbf\xbd");
	/* A file name with a 0xff byte. */
	check("job\xff.ini", 8, 0, "job\xef\xbf\xbd.ini");
	/* Overlong '/', a surrogate, above U+10FFFF, a truncated sequence. */
	assert_false(mmt_utf8_ok("\xc0\xaf", 2, 0));
	assert_false(mmt_utf8_ok("\xed\xa0\x80", 3, 0));
	assert_false(mmt_utf8_ok("\xf4\x90\x80\x80", 4, 0));
	check("ab\xe2\x82", 4, 0, "ab\xef\xbf\xbd");
}

static void test_controls(void **state)
{
	(void)state;
	/* JSON escapes controls itself: kept without the flag. */
	assert_true(mmt_utf8_ok("a\fb\vc", 5, 0));
	check("a\fb\vc", 5, 0, "a\fb\vc");
	/* XML 1.0 cannot carry them: made visible. */
	assert_false(mmt_utf8_ok("a\fb", 3, MMT_UTF8_NO_CONTROLS));
	check("a\fb\vc\x7f", 6, MMT_UTF8_NO_CONTROLS, "a\\x0cb\\x0bc\\x7f");
	check("x\0y", 3, MMT_UTF8_NO_CONTROLS, "x\\x00y");
	/* Tab, newline and carriage return are XML. */
	check("a\tb\nc\r", 6, MMT_UTF8_NO_CONTROLS, "a\tb\nc\r");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_kept),
		cmocka_unit_test(test_invalid_replaced),
		cmocka_unit_test(test_controls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

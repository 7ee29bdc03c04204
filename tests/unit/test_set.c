// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for lib/set.c: kernel list syntax <-> hwloc bitmaps. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/set.h"

static int setup_set(void **state)
{
	hwloc_bitmap_t set = hwloc_bitmap_alloc();

	if (!set)
		return -1;
	*state = set;
	return 0;
}

static int teardown_set(void **state)
{
	hwloc_bitmap_free(*state);
	return 0;
}

/* Parse text, format it again, and compare with the canonical form. */
static void check_round_trip(hwloc_bitmap_t set, const char *text, const char *canon,
			     int weight)
{
	const char *why = "untouched";
	char buf[256];

	assert_int_equal(mmt_set_parse(text, set, &why), 0);
	assert_int_equal(hwloc_bitmap_weight(set), weight);
	assert_int_equal(mmt_set_format(set, buf, sizeof(buf)), (int)strlen(canon));
	assert_string_equal(buf, canon);
}

static void test_round_trips(void **state)
{
	hwloc_bitmap_t set = *state;

	check_round_trip(set, "0", "0", 1);
	check_round_trip(set, "0-3", "0-3", 4);
	check_round_trip(set, "0-3,8", "0-3,8", 5);
	check_round_trip(set, "0,1,2", "0-2", 3);
	check_round_trip(set, "3,1", "1,3", 2);
	check_round_trip(set, "5-5", "5", 1);
	check_round_trip(set, "0-1,1-2", "0-2", 3);
	check_round_trip(set, "4095", "4095", 1);
	check_round_trip(set, "10-11,64,128-129", "10-11,64,128-129", 5);
}

static void test_ids_and_bits(void **state)
{
	hwloc_bitmap_t set = *state;

	assert_int_equal(mmt_set_parse("0,2,7", set, NULL), 0);
	assert_true(hwloc_bitmap_isset(set, 0));
	assert_false(hwloc_bitmap_isset(set, 1));
	assert_true(hwloc_bitmap_isset(set, 2));
	assert_true(hwloc_bitmap_isset(set, 7));
	assert_int_equal(hwloc_bitmap_last(set), 7);
}

static void test_empty(void **state)
{
	hwloc_bitmap_t set = *state;
	char buf[16] = "junk";

	hwloc_bitmap_set(set, 3);
	assert_int_equal(mmt_set_parse("", set, NULL), 0);
	assert_true(hwloc_bitmap_iszero(set));
	hwloc_bitmap_set(set, 3);
	assert_int_equal(mmt_set_parse("   ", set, NULL), 0);
	assert_true(hwloc_bitmap_iszero(set));
	assert_int_equal(mmt_set_format(set, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

struct bad_case {
	const char *text;
	const char *why; /* substring of the reason */
};

static void test_errors(void **state)
{
	static const struct bad_case cases[] = {
		{ "5-3", "reversed" },
		{ "abc", "expected a number" },
		{ "x1", "expected a number" },
		{ "1x", "expected ','" },
		{ "0-1x", "expected ','" },
		{ "0,1,", "ends early" },
		{ "0-", "ends early" },
		{ "3-", "ends early" },
		{ ",0", "expected a number" },
		{ "0,,1", "expected a number" },
		{ "-1", "expected a number" },
		{ "4096", "larger than 4095" },
		{ "0-5000", "larger than 4095" },
		{ "99999999999999999999999", "larger than 4095" },
		{ "0;1", "expected ','" },
		{ "0, 1", "expected a number" },
		{ "0 1", "expected ','" },
		{ "0x1", "expected ','" },
		{ "+1", "expected a number" },
	};
	hwloc_bitmap_t set = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = NULL;

		hwloc_bitmap_set(set, 1);
		if (mmt_set_parse(cases[i].text, set, &why) != -EINVAL)
			fail_msg("'%s' was accepted", cases[i].text);
		assert_non_null(why);
		if (!strstr(why, cases[i].why))
			fail_msg("'%s': reason '%s' lacks '%s'", cases[i].text, why,
				 cases[i].why);
		/* A refused list leaves the empty set, never half a list. */
		assert_true(hwloc_bitmap_iszero(set));
	}
}

static void test_spaces(void **state)
{
	hwloc_bitmap_t set = *state;
	char buf[32];

	/* Blanks around the whole list are tolerated (job files strip them
	 * anyway); inside it they are not, except before a separator. */
	assert_int_equal(mmt_set_parse(" 1-2", set, NULL), 0);
	mmt_set_format(set, buf, sizeof(buf));
	assert_string_equal(buf, "1-2");
	assert_int_equal(mmt_set_parse("1-2 ", set, NULL), 0);
	mmt_set_format(set, buf, sizeof(buf));
	assert_string_equal(buf, "1-2");
	assert_int_equal(mmt_set_parse("1 - 2", set, NULL), -EINVAL);
}

static void test_format_truncates(void **state)
{
	hwloc_bitmap_t set = *state;
	char buf[4];

	assert_int_equal(mmt_set_parse("0-3,8,10", set, NULL), 0);
	/* Like snprintf: the full length is returned, the text is cut. */
	assert_int_equal(mmt_set_format(set, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "0-3");
}

static void test_to_ulongs(void **state)
{
	hwloc_bitmap_t set = *state;
	unsigned long buf[2];
	const long bits = (long)(sizeof(long) * CHAR_BIT);

	assert_int_equal(mmt_set_parse("0,2", set, NULL), 0);
	assert_int_equal(mmt_set_to_ulongs(set, buf, 1), bits + 1);
	assert_int_equal(buf[0], 0x5UL);

	assert_int_equal(mmt_set_parse("1,65", set, NULL), 0);
	assert_int_equal(mmt_set_to_ulongs(set, buf, 2), 2 * bits + 1);
	assert_int_equal(buf[0], 0x2UL);
	assert_int_equal(buf[1], 0x2UL);

	/* Too small a buffer: refused, not cut. */
	assert_int_equal(mmt_set_to_ulongs(set, buf, 1), -ERANGE);

	/* The empty set is all zeroes. */
	hwloc_bitmap_zero(set);
	buf[0] = ~0UL;
	assert_int_equal(mmt_set_to_ulongs(set, buf, 1), bits + 1);
	assert_int_equal(buf[0], 0UL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trips, setup_set, teardown_set),
		cmocka_unit_test_setup_teardown(test_ids_and_bits, setup_set, teardown_set),
		cmocka_unit_test_setup_teardown(test_empty, setup_set, teardown_set),
		cmocka_unit_test_setup_teardown(test_errors, setup_set, teardown_set),
		cmocka_unit_test_setup_teardown(test_spaces, setup_set, teardown_set),
		cmocka_unit_test_setup_teardown(test_format_truncates, setup_set, teardown_set),
		cmocka_unit_test_setup_teardown(test_to_ulongs, setup_set, teardown_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

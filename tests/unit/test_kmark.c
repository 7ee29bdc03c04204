// SPDX-License-Identifier: GPL-2.0-only
/* lib/kmark.c: the kernel-log marks' format and rate limit (pure parts). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/kmark.h"

static void test_format(void **state)
{
	char buf[MMT_KMARK_MAX + 8], big[600];
	size_t n;

	(void)state;
	n = mmt_kmark_format("20261129T2059Z-default", 0, "start job default seed 7", buf,
			     sizeof(buf));
	assert_string_equal(buf, "<5>mmtorture: 20261129T2059Z-default start job default seed 7\n");
	assert_int_equal(n, strlen(buf));
	/* A newline inside would split the record: it becomes a space. */
	mmt_kmark_format("R", 3, "FAIL spurious OOM\npid 5", buf, sizeof(buf));
	assert_string_equal(buf, "<5>mmtorture: R FAIL spurious OOM pid 5 (3 marks suppressed)\n");
	/* Cut to MMT_KMARK_MAX, still one line ending in a newline. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	n = mmt_kmark_format("R", 0, big, buf, sizeof(buf));
	assert_true(n <= MMT_KMARK_MAX + 3);
	assert_int_equal(buf[n - 1], '\n');
	assert_null(memchr(buf, '\n', n - 1));
}

static void test_rate_limit(void **state)
{
	struct mmt_kmark km = { .fd = -1, .tokens = MMT_KMARK_BURST, .last_us = 1000 };
	unsigned ok = 0;

	(void)state;
	/* A burst at one instant: MMT_KMARK_BURST go, the rest are counted. */
	for (int i = 0; i < 20; i++)
		ok += (unsigned)mmt_kmark_admit(&km, 1000);
	assert_int_equal(ok, MMT_KMARK_BURST);
	assert_int_equal(km.suppressed, 20 - MMT_KMARK_BURST);
	/* One refill period later, exactly one more. */
	assert_int_equal(mmt_kmark_admit(&km, 1000 + MMT_KMARK_REFILL_US), 1);
	assert_int_equal(mmt_kmark_admit(&km, 1000 + MMT_KMARK_REFILL_US), 0);
	/* Over 5 s from a full bucket, marks offered every millisecond, the
	 * kernel's devkmsg limit (10 per 5 s) is never exceeded. */
	km.tokens = MMT_KMARK_BURST;
	km.last_us = 10000000;
	ok = 0;
	for (uint64_t t = 0; t < 5000000; t += 1000)
		ok += (unsigned)mmt_kmark_admit(&km, 10000000 + t);
	assert_true(ok <= 10);
	assert_true(ok >= MMT_KMARK_BURST + 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_rate_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-only
/* lib/zoneinfo.c over real /proc/zoneinfo text (tests/data/zoneinfo/). */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/util.h"
#include "lib/zoneinfo.h"

static char *load(const char *name)
{
	char path[512], *text = NULL;
	const char *dir = getenv("MMT_TESTDATA");

	snprintf(path, sizeof(path), "%s/zoneinfo/%s", dir ? dir : "tests/data", name);
	assert_true(mmt_read_file_alloc(path, &text) > 0);
	return text;
}

/* This 6.18 host: one node, five zones (captured as it is). */
static void test_host(void **state)
{
	struct mmt_zone z[16];
	struct mmt_node_wmark w;
	char *text = load("v6.18-host-1node.txt");
	int n = mmt_zoneinfo_parse(text, z, 16);

	(void)state;
	assert_int_equal(n, 5);
	assert_string_equal(z[0].name, "DMA");
	assert_string_equal(z[2].name, "Normal");
	assert_int_equal(z[2].node, 0);
	assert_int_equal(z[1].min, 5481);
	assert_int_equal(z[1].low, 6851);
	/* The zone's "high", not a pageset's "high:" (1190). */
	assert_int_equal(z[1].high, 8221);
	assert_int_equal(z[1].managed, 772918);
	assert_int_equal(z[1].free, 772918);
	assert_true(mmt_zoneinfo_node(z, (size_t)n, 0, &w));
	/* DMA + DMA32 + Normal; Movable and Device manage nothing. */
	assert_int_equal(w.nr_zones, 3);
	assert_int_equal(w.min, 27 + 5481 + 11387);
	assert_int_equal(w.low, 33 + 6851 + 14233);
	assert_int_equal(w.managed, 3840 + 772918 + 1605632);
	assert_false(mmt_zoneinfo_node(z, (size_t)n, 1, &w));
	free(text);
}

static void test_nodes_and_limits(void **state)
{
	static const char text[] =
		"Node 0, zone   Normal\n  pages free     100\n        min      10\n"
		"        low      12\n        high     14\n        managed  1000\n"
		"Node 2, zone   Normal\n  per-node stats\n      nr_free_pages 1\n"
		"  pages free     5\n        min      7\n        low      9\n"
		"        high     11\n        managed  500\n              high:  99\n";
	struct mmt_zone z[1];
	struct mmt_node_wmark w;

	(void)state;
	/* Two zones found, one stored. */
	assert_int_equal(mmt_zoneinfo_parse(text, z, 1), 2);
	assert_int_equal(z[0].low, 12);
	{
		struct mmt_zone all[4];

		assert_int_equal(mmt_zoneinfo_parse(text, all, 4), 2);
		assert_true(mmt_zoneinfo_node(all, 2, 2, &w));
		/* Below min: the allocation is in direct reclaim. */
		assert_true(w.free < w.min);
		assert_int_equal(w.high, 11);
	}
	assert_int_equal(mmt_zoneinfo_parse("nothing here\n", z, 1), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_nodes_and_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

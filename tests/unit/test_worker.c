// SPDX-License-Identifier: GPL-2.0-only
/*
 * A worker's placement check (harness/worker.c mmt_worker_placement_ok()):
 * its oom_score_adj and memory cgroup, from the text of /proc/self files.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>

#include "harness/run.h"

static void test_placement(void **state)
{
	const char *cg = "mmtorture-r1/move-task";
	char why[256];

	(void)state;
	/* its own cgroup, v1 and v2 */
	assert_int_equal(mmt_worker_placement_ok("0", "11:memory:/mmtorture-r1/move-task\n0::/\n",
						 0, cg, why, sizeof(why)), 0);
	assert_int_equal(mmt_worker_placement_ok("0", "0::/mmtorture-r1/move-task\n", 0, cg,
						 why, sizeof(why)), 0);
	/* a sibling of the run's tree: a move-mode rebinder moved it (v2) */
	assert_int_equal(mmt_worker_placement_ok("0", "0::/mmtorture-r1/peer\n", 0, cg,
						 why, sizeof(why)), 0);
	/* outside the run's tree, or another run's: refused */
	assert_int_equal(mmt_worker_placement_ok("0", "0::/\n", 0, cg, why, sizeof(why)), -EPERM);
	assert_int_equal(mmt_worker_placement_ok("0", "0::/mmtorture-r10/peer\n", 0, cg,
						 why, sizeof(why)), -EPERM);
	assert_int_equal(mmt_worker_placement_ok("0", "0::/system.slice/move-task\n", 0, cg,
						 why, sizeof(why)), -EPERM);
	/* the wrong oom_score_adj */
	assert_int_equal(mmt_worker_placement_ok("5", "0::/mmtorture-r1/move-task\n", 0, cg,
						 why, sizeof(why)), -EPERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_placement),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

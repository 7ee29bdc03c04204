// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/ledger.c: the pristine value of a knob survives overlapping runs.
 * The scenario of issue 14: run A changes vm.dirty_bytes and crashes; run
 * B starts before A is cleaned up and changes it again; cleaning up A then
 * B must restore the value from before A, not A's leftover.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>

#include <cmocka.h>

#include "lib/ledger.h"

#define KNOB "/proc/sys/vm/dirty_bytes"
#define THP "/sys/kernel/mm/transparent_hugepage/enabled"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/mmtorture-test-ledger.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return setenv("MMT_LEDGER_DIR", dir, 1);
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void test_two_crashed_runs(void **state)
{
	char v[64];

	(void)state;
	assert_string_equal(mmt_ledger_dir(), dir);
	/* A: pristine 0 recorded, then A writes 33554432 and crashes. */
	assert_int_equal(mmt_ledger_acquire(KNOB, "run-A", "0"), 0);
	/* B finds A's leftover and records nothing new. */
	assert_int_equal(mmt_ledger_acquire(KNOB, "run-B", "33554432"), 0);
	/* Idempotent: B's journal replayed twice acquires once. */
	assert_int_equal(mmt_ledger_acquire(KNOB, "run-B", "33554432"), 0);
	/* cleanup A: B still holds a change; nothing to restore yet. */
	assert_int_equal(mmt_ledger_release(KNOB, "run-A", v, sizeof(v)), 0);
	/* cleanup B: the last holder restores the pristine value. */
	assert_int_equal(mmt_ledger_release(KNOB, "run-B", v, sizeof(v)), 1);
	assert_string_equal(v, "0");
	/* A cleanup killed before it wrote the value back says it again. */
	strcpy(v, "?");
	assert_int_equal(mmt_ledger_release(KNOB, "run-B", v, sizeof(v)), 1);
	assert_string_equal(v, "0");
	assert_int_equal(mmt_ledger_forget(KNOB), 0);
	/* Forgotten: nothing more to restore; a new run starts afresh. */
	assert_int_equal(mmt_ledger_release(KNOB, "run-B", v, sizeof(v)), 0);
	assert_int_equal(mmt_ledger_acquire(KNOB, "run-C", "12345"), 0);
	assert_int_equal(mmt_ledger_release(KNOB, "run-C", v, sizeof(v)), 1);
	assert_string_equal(v, "12345");
	assert_int_equal(mmt_ledger_forget(KNOB), 0);
}

static void test_cleanup_in_reverse_order(void **state)
{
	char v[64] = "";

	(void)state;
	assert_int_equal(mmt_ledger_acquire(THP, "run-A", "madvise"), 0);
	assert_int_equal(mmt_ledger_acquire(THP, "run-B", "always"), 0);
	assert_int_equal(mmt_ledger_release(THP, "run-B", v, sizeof(v)), 0);
	assert_int_equal(mmt_ledger_release(THP, "run-A", v, sizeof(v)), 1);
	assert_string_equal(v, "madvise");
	/* forget keeps an entry that someone holds again. */
	assert_int_equal(mmt_ledger_acquire(THP, "run-D", "never"), 0);
	assert_int_equal(mmt_ledger_forget(THP), 0);
	assert_int_equal(mmt_ledger_release(THP, "run-D", v, sizeof(v)), 1);
	assert_string_equal(v, "madvise");
	assert_int_equal(mmt_ledger_forget(THP), 0);
}

static void test_other_boot_is_stale(void **state)
{
	char path[256], v[64];
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/%%2Fproc%%2Fsys%%2Fvm%%2Fdirty_ratio", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "boot 00000000-dead-beef-0000-000000000000\npristine 20\nholder run-X\n");
	fclose(f);
	/* The knob reset with that boot: nothing to restore, entry dropped. */
	assert_int_equal(mmt_ledger_release("/proc/sys/vm/dirty_ratio", "run-X", v, sizeof(v)), 0);
	assert_int_equal(access(path, F_OK), -1);
	/* A new acquire records this boot's value. */
	assert_int_equal(mmt_ledger_acquire("/proc/sys/vm/dirty_ratio", "run-Y", "30"), 0);
	assert_int_equal(mmt_ledger_release("/proc/sys/vm/dirty_ratio", "run-Y", v, sizeof(v)), 1);
	assert_string_equal(v, "30");
}

static void test_bad_input(void **state)
{
	char v[8];

	(void)state;
	assert_int_equal(mmt_ledger_acquire("relative/knob", "r", "1"), -EINVAL);
	assert_int_equal(mmt_ledger_acquire(KNOB, "", "1"), -EINVAL);
	assert_int_equal(mmt_ledger_acquire(KNOB, "r", "two\nlines"), -EINVAL);
	assert_int_equal(mmt_ledger_release("relative", "r", v, sizeof(v)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_crashed_runs),
		cmocka_unit_test(test_cleanup_in_reverse_order),
		cmocka_unit_test(test_other_boot_is_stale),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

// SPDX-License-Identifier: GPL-2.0-only
/* The pure parsers of lib/monitor.c: vmstat, PSI, PSI trigger specs. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>

#include <cmocka.h>

#include "lib/monitor.h"

static void test_vmstat(void **state)
{
	static const char text[] =
		"nr_free_pages 123\n"
		"nr_dirty 17\n"
		"nr_dirty_threshold 999\n"
		"nr_writeback 3\n"
		"pgfault 1000000\n"
		"pswpout 42\n"
		"oom_kill 5\n";
	struct mmt_vmstat v;

	(void)state;
	mmt_mon_parse_vmstat(text, &v);
	assert_int_equal(v.nr_dirty, 17);   /* not nr_dirty_threshold */
	assert_int_equal(v.nr_writeback, 3);
	assert_int_equal(v.pgfault, 1000000);
	assert_int_equal(v.pswpout, 42);
	assert_int_equal(v.oom_kill, 5);
	assert_int_equal(v.pswpin, 0);      /* missing reads 0 */
	assert_int_equal(mmt_vmstat_count, sizeof(v) / sizeof(uint64_t));
	assert_string_equal(mmt_vmstat_names[0], "oom_kill");
	assert_int_equal(mmt_mon_vmstat_get(&v, 0), 5);
}

static void test_psi(void **state)
{
	struct mmt_psi p;

	(void)state;
	assert_int_equal(mmt_mon_parse_psi("some avg10=1.50 avg60=0.20 avg300=0.00 total=12345\n"
					   "full avg10=0.75 avg60=0.10 avg300=0.00 total=678\n", &p), 0);
	assert_true(p.present);
	assert_true(p.some_avg10 > 1.49 && p.some_avg10 < 1.51);
	assert_true(p.full_avg10 > 0.74 && p.full_avg10 < 0.76);
	assert_int_equal(p.some_total_us, 12345);
	assert_int_equal(p.full_total_us, 678);
	/* Old kernels have no "full" line for cpu; still parses */
	assert_int_equal(mmt_mon_parse_psi("some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", &p), 0);
	assert_int_equal(mmt_mon_parse_psi("garbage", &p), -EINVAL);
	assert_false(p.present);
}

static void test_psi_trigger(void **state)
{
	char text[128];
	const char *why = NULL;

	(void)state;
	assert_int_equal(mmt_mon_psi_trigger_parse("full 1s 2s", text, sizeof(text), &why), 0);
	assert_string_equal(text, "full 1000000 2000000");
	assert_int_equal(mmt_mon_psi_trigger_parse("some 150ms 1s", text, sizeof(text), &why), 0);
	assert_string_equal(text, "some 150000 1000000");
	assert_int_equal(mmt_mon_psi_trigger_parse("half 1s 2s", text, sizeof(text), &why), -EINVAL);
	assert_non_null(strstr(why, "some"));
	assert_int_equal(mmt_mon_psi_trigger_parse("full 1s 20s", text, sizeof(text), &why), -EINVAL);
	assert_non_null(strstr(why, "WINDOW"));
	assert_int_equal(mmt_mon_psi_trigger_parse("full 3s 2s", text, sizeof(text), &why), -EINVAL);
	assert_int_equal(mmt_mon_psi_trigger_parse("full 1s", text, sizeof(text), &why), -EINVAL);
	assert_int_equal(mmt_mon_psi_trigger_parse("full 1s 2s x", text, sizeof(text), &why), -EINVAL);
	assert_int_equal(mmt_mon_psi_trigger_parse("full xs 2s", text, sizeof(text), &why), -EINVAL);
}

static void test_numa_maps(void **state)
{
	static const char text[] =
		"55d0c0000000 default file=/usr/bin/mmtorture mapped=10 N0=10 kernelpagesize_kB=4\n"
		"7f0000000000 bind:0-1 anon=512 dirty=512 N0=256 N1=256 kernelpagesize_kB=4\n"
		"7f1000000000 bind=static:2 anon=100 dirty=100 N2=100 kernelpagesize_kB=4\n"
		"7f2000000000 bind:1 anon=7 N1=7 N99=1 kernelpagesize_kB=4\n"
		"7ffd00000000 default stack anon=3 dirty=3 N0=3 kernelpagesize_kB=4\n";
	uint64_t bound[8] = { 0 }, anon[8] = { 0 };

	(void)state;
	assert_int_equal(mmt_mon_parse_numa_maps(text, bound, anon, 8), 4);
	assert_int_equal(bound[0], 256);   /* the file mapping is not counted */
	assert_int_equal(bound[1], 263);
	assert_int_equal(bound[2], 100);
	assert_int_equal(bound[3], 0);
	assert_int_equal(anon[0], 3);      /* the default-policy stack */
	assert_int_equal(anon[1], 0);
	assert_int_equal(mmt_mon_parse_numa_maps("", bound, anon, 8), 0);
	assert_int_equal(mmt_mon_parse_numa_maps("garbage bind: N=x Nq=1\n\n", bound, anon, 8), 1);
	assert_int_equal(bound[1], 263);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmstat),
		cmocka_unit_test(test_psi),
		cmocka_unit_test(test_psi_trigger),
		cmocka_unit_test(test_numa_maps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

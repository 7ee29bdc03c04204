// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the cgroup v1/v2 name table in lib/cgroup.c (no root). */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/cgroup.h"

static void check_name(const char *v2, const char *in_v2, const char *in_v1)
{
	const char *got;

	got = mmt_cg_file_name(MMT_CG_V2, v2);
	if (in_v2)
		assert_string_equal(got, in_v2);
	else
		assert_null(got);
	got = mmt_cg_file_name(MMT_CG_V1, v2);
	if (in_v1)
		assert_string_equal(got, in_v1);
	else
		assert_null(got);
}

static void test_name_table(void **state)
{
	(void)state;
	check_name("cpuset.cpus", "cpuset.cpus", "cpuset.cpus");
	check_name("cpuset.mems", "cpuset.mems", "cpuset.mems");
	check_name("cpuset.cpus.effective", "cpuset.cpus.effective", "cpuset.effective_cpus");
	check_name("cpuset.mems.effective", "cpuset.mems.effective", "cpuset.effective_mems");
	check_name("memory.max", "memory.max", "memory.limit_in_bytes");
	check_name("memory.current", "memory.current", "memory.usage_in_bytes");
	check_name("memory.swap.max", "memory.swap.max", "memory.memsw.limit_in_bytes");
	check_name("memory.peak", "memory.peak", "memory.max_usage_in_bytes");
	check_name("cgroup.procs", "cgroup.procs", "cgroup.procs");
	/* v2 only */
	check_name("memory.events", "memory.events", NULL);
	check_name("memory.pressure", "memory.pressure", NULL);
	check_name("memory.oom.group", "memory.oom.group", NULL);
	/* v1 only */
	check_name("cpuset.memory_migrate", NULL, "cpuset.memory_migrate");
	/* unlisted controller files pass through */
	check_name("memory.stat", "memory.stat", "memory.stat");
	/* not a cgroup file at all */
	check_name("blkio.weight", NULL, NULL);
	check_name("memory.", NULL, NULL);
	check_name("", NULL, NULL);
	assert_null(mmt_cg_file_name(MMT_CG_NONE, "cpuset.cpus"));
	assert_null(mmt_cg_file_name(MMT_CG_V2, NULL));
}

static void test_values(void **state)
{
	char buf[32];

	(void)state;
	/* v2 takes values as they are */
	assert_string_equal(mmt_cg_translate_value(MMT_CG_V2, "memory.max", "max", buf,
						   sizeof(buf)), "max");
	assert_string_equal(mmt_cg_translate_value(MMT_CG_V2, "memory.swap.max", "1G", buf,
						   sizeof(buf)), "1G");
	/* v1: "max" is -1, sizes pass */
	assert_string_equal(mmt_cg_translate_value(MMT_CG_V1, "memory.max", "max", buf,
						   sizeof(buf)), "-1");
	assert_string_equal(mmt_cg_translate_value(MMT_CG_V1, "memory.max", "64M", buf,
						   sizeof(buf)), "64M");
	assert_string_equal(mmt_cg_translate_value(MMT_CG_V1, "cpuset.mems", "0-3", buf,
						   sizeof(buf)), "0-3");
	/* v1 memsw = memory + swap: not translatable alone */
	assert_null(mmt_cg_translate_value(MMT_CG_V1, "memory.swap.max", "1G", buf,
					   sizeof(buf)));
	/* no such file in that mode */
	assert_null(mmt_cg_translate_value(MMT_CG_V1, "memory.oom.group", "1", buf,
					   sizeof(buf)));
	assert_null(mmt_cg_translate_value(MMT_CG_V2, "cpuset.memory_migrate", "1", buf,
					   sizeof(buf)));
	/* buffer too small for "-1" */
	assert_null(mmt_cg_translate_value(MMT_CG_V1, "memory.max", "max", buf, 2));
}

static void test_ctrl_of(void **state)
{
	enum mmt_cg_ctrl c = MMT_CG_NR_CTRLS;

	(void)state;
	assert_int_equal(mmt_cg_ctrl_of("cpuset.mems", &c), 0);
	assert_int_equal(c, MMT_CG_CPUSET);
	assert_int_equal(mmt_cg_ctrl_of("cpuset.cpus.effective", &c), 0);
	assert_int_equal(c, MMT_CG_CPUSET);
	assert_int_equal(mmt_cg_ctrl_of("memory.max", &c), 0);
	assert_int_equal(c, MMT_CG_MEMORY);
	assert_int_equal(mmt_cg_ctrl_of("memory.stat", &c), 0);
	assert_int_equal(c, MMT_CG_MEMORY);
	c = MMT_CG_MEMORY;
	assert_int_equal(mmt_cg_ctrl_of("cgroup.procs", &c), 1);
	assert_int_equal(c, MMT_CG_CPUSET);
	assert_int_equal(mmt_cg_ctrl_of("cpu.max", &c), -EINVAL);
	assert_int_equal(mmt_cg_ctrl_of("cgroup.", &c), -EINVAL);
	assert_int_equal(mmt_cg_ctrl_of(NULL, &c), -EINVAL);

	assert_string_equal(mmt_cg_ctrl_name(MMT_CG_CPUSET), "cpuset");
	assert_string_equal(mmt_cg_ctrl_name(MMT_CG_MEMORY), "memory");
	assert_null(mmt_cg_ctrl_name(MMT_CG_NR_CTRLS));
	assert_string_equal(mmt_cg_mode_name(MMT_CG_V1), "v1");
	assert_string_equal(mmt_cg_mode_name(MMT_CG_V2), "v2");
	assert_string_equal(mmt_cg_mode_name(MMT_CG_NONE), "none");
}

static void test_name_is_ours(void **state)
{
	(void)state;
	assert_true(mmt_cg_name_is_ours("mmtorture-20261122T005313Z"));
	assert_true(mmt_cg_name_is_ours("mmtorture-x/cellA"));
	assert_true(mmt_cg_name_is_ours("mmtorture-x/a/b"));
	assert_false(mmt_cg_name_is_ours("mmtorture-"));       /* prefix alone */
	assert_false(mmt_cg_name_is_ours("mmtorture"));
	assert_false(mmt_cg_name_is_ours("user.slice"));
	assert_false(mmt_cg_name_is_ours("user.slice/mmtorture-x"));  /* first only */
	assert_false(mmt_cg_name_is_ours("xmmtorture-a"));
	assert_false(mmt_cg_name_is_ours("mmtorture-x/../user.slice"));
	assert_false(mmt_cg_name_is_ours("mmtorture-x/./a"));
	assert_false(mmt_cg_name_is_ours("/mmtorture-x"));     /* relative only */
	assert_false(mmt_cg_name_is_ours(""));
	assert_false(mmt_cg_name_is_ours(NULL));
}

static void test_path_is_ours(void **state)
{
	(void)state;
	assert_true(mmt_cg_path_is_ours("/sys/fs/cgroup/cpuset/mmtorture-x"));
	assert_true(mmt_cg_path_is_ours("/sys/fs/cgroup/cpuset/mmtorture-x/cellA"));
	assert_true(mmt_cg_path_is_ours("/sys/fs/cgroup/mmtorture-x/"));
	assert_false(mmt_cg_path_is_ours("/sys/fs/cgroup/cpuset"));
	assert_false(mmt_cg_path_is_ours("/sys/fs/cgroup/cpuset/user.slice"));
	assert_false(mmt_cg_path_is_ours("/sys/fs/cgroup/cpuset/mmtorture-x/.."));
	assert_false(mmt_cg_path_is_ours("/sys/fs/cgroup/mmtorture-x/../../memory"));
	assert_false(mmt_cg_path_is_ours("/sys/fs/cgroup/cpuset/mmtorture"));
	assert_false(mmt_cg_path_is_ours("sys/fs/cgroup/mmtorture-x"));  /* absolute only */
	assert_false(mmt_cg_path_is_ours("/"));
	assert_false(mmt_cg_path_is_ours(NULL));
}

/* The destroy entry points refuse what is not ours before touching anything. */
static void test_destroy_refuses(void **state)
{
	(void)state;
	assert_int_equal(mmt_cg_destroy_path("/sys/fs/cgroup/cpuset"), -EPERM);
	assert_int_equal(mmt_cg_destroy_path("/tmp"), -EPERM);
	assert_int_equal(mmt_cg_destroy_path(NULL), -EPERM);
	/* ours, but absent: ENOENT counts as done */
	assert_int_equal(mmt_cg_destroy_path("/nonexistent/mmtorture-unit-test"), 0);
	assert_int_equal(mmt_cg_destroy(NULL), 0);
}

static void test_create_refuses(void **state)
{
	struct mmt_cg_sys sys = { .libcgroup_ok = true };
	bool ctrls[MMT_CG_NR_CTRLS] = { true, false };
	struct mmt_cg *cg = NULL;

	(void)state;
	sys.mode[MMT_CG_CPUSET] = MMT_CG_V1;
	assert_int_equal(mmt_cg_create(&sys, NULL, "user.slice", ctrls, NULL, NULL, 0, &cg),
			 -EPERM);
	assert_int_equal(mmt_cg_create(&sys, NULL, "mmtorture-x/../../a", ctrls, NULL, NULL,
				       0, &cg), -EPERM);
	/* a controller this machine lacks */
	ctrls[MMT_CG_MEMORY] = true;
	assert_int_equal(mmt_cg_create(&sys, NULL, "mmtorture-x", ctrls, NULL, NULL, 0, &cg),
			 -ENODEV);
	assert_null(cg);
}

/* /proc/<pid>/cgroup as v1, v2 and hybrid kernels print it. */
static void test_memcg_of_text(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(mmt_cg_memcg_of_text("12:cpuset:/mmtorture-r/c0\n"
					      "11:memory:/mmtorture-r/pressure-default-node3\n"
					      "0::/\n", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/mmtorture-r/pressure-default-node3");
	assert_int_equal(mmt_cg_memcg_of_text("5:cpu,cpuacct,memory:/a/b\n", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/a/b");
	/* "memory" only as a whole controller name */
	assert_int_equal(mmt_cg_memcg_of_text("5:memoryx:/a\n6:name=memory:/b\n",
					      buf, sizeof(buf)), -ENOENT);
	assert_int_equal(mmt_cg_memcg_of_text("0::/mmtorture-r/c1\n", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/mmtorture-r/c1");
	/* no trailing newline, and a v1 memory line wins over the v2 one */
	assert_int_equal(mmt_cg_memcg_of_text("0::/x\n3:memory:/y", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/y");
	assert_int_equal(mmt_cg_memcg_of_text("", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(mmt_cg_memcg_of_text("0::/a-very-long-path\n", buf, 8), -ENAMETOOLONG);
	assert_int_equal(mmt_cg_memcg_of(-1, buf, sizeof(buf)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_table),
		cmocka_unit_test(test_memcg_of_text),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_ctrl_of),
		cmocka_unit_test(test_name_is_ours),
		cmocka_unit_test(test_path_is_ours),
		cmocka_unit_test(test_destroy_refuses),
		cmocka_unit_test(test_create_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

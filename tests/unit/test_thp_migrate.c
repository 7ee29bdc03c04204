// SPDX-License-Identifier: GPL-2.0-only
/* The thp_fault and migrate workloads: tables, validate, short real runs. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <numaif.h>

#include "api/shared.h"
#include "lib/util.h"
#include "workloads/workloads.h"

struct fixture {
	struct mmt_thread_stats stats;
	_Atomic uint32_t stop;
	int pipe[2];
	struct mmt_cell_cfg cell;
	struct mmt_wctx ctx;
	hwloc_bitmap_t mems;
	void *opts;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int node = -1;

	if (!f || pipe2(f->pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	f->mems = hwloc_bitmap_alloc();
	/* The node of a page of ours: one we are allowed to bind to. */
	if (!f->mems || get_mempolicy(&node, NULL, 0, (void *)f, MPOL_F_NODE | MPOL_F_ADDR) < 0)
		return -1;
	hwloc_bitmap_set(f->mems, (unsigned)node);
	f->ctx.cell = &f->cell;
	f->ctx.stats = &f->stats;
	f->ctx.stop = &f->stop;
	f->ctx.msg_fd = f->pipe[1];
	f->ctx.mems = f->mems;
	f->ctx.thread = 1;
	f->ctx.seed = 42;
	snprintf(f->cell.name, sizeof(f->cell.name), "c");
	snprintf(f->cell.src.file, sizeof(f->cell.src.file), "t.ini");
	f->cell.src.line = 3;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close(f->pipe[0]);
	close(f->pipe[1]);
	hwloc_bitmap_free(f->mems);
	if (f->opts && f->cell.wl)
		mmt_opt_free(f->cell.wl->opts, f->opts);
	free(f->opts);
	free(f);
	return 0;
}

/* Defaults of ops applied to fresh options, set as the cell's and ctx's. */
static void *use(struct fixture *f, const struct mmt_workload_ops *ops)
{
	f->opts = calloc(1, ops->opts_size);
	assert_non_null(f->opts);
	assert_int_equal(mmt_opt_defaults(ops->opts, f->opts), 0);
	f->cell.wl = ops;
	f->cell.wl_opts = f->opts;
	f->ctx.opts = f->opts;
	return f->opts;
}

static void set_opt(struct fixture *f, const char *name, const char *value)
{
	char why[256];

	assert_int_equal(mmt_opt_set(mmt_opt_find(f->cell.wl->opts, name), f->opts, value, why,
				     sizeof(why)), 0);
}

/*
 * Stop the thread once it has done whole loops, never on a clock: a test
 * that expects work within N ms fails under load.
 */
static _Atomic int thread_returned;

static void *stop_after_two_loops(void *arg)
{
	struct fixture *f = arg;

	/* A thread that gives up early ends the wait too (and fails below). */
	while (atomic_load(&f->stats.loops) < 2 && !atomic_load(&thread_returned))
		sched_yield();
	atomic_store(&f->stop, 1);
	return NULL;
}

static int run_two_loops(struct fixture *f)
{
	pthread_t t;
	int r;

	atomic_store(&thread_returned, 0);
	assert_int_equal(pthread_create(&t, NULL, stop_after_two_loops, f), 0);
	r = f->cell.wl->thread_run(&f->ctx);
	atomic_store(&thread_returned, 1);
	pthread_join(t, NULL);
	return r;
}

static void assert_no_message(struct fixture *f)
{
	struct mmt_wmsg got;

	assert_int_equal(read(f->pipe[0], &got, sizeof(got)), -1);
}

static void test_registry_names_are_plugin_names(void **state)
{
	(void)state;
	for (unsigned i = 0; i < mmt_nr_workloads; i++)
		assert_string_equal(mmt_workload_names[i], mmt_workloads[i]->name);
	assert_null(mmt_workload_names[mmt_nr_workloads]);
}

static void test_registered_with_help(void **state)
{
	static const char *const names[] = { "thp-fault", "migrate" };

	(void)state;
	for (size_t i = 0; i < MMT_ARRAY_SIZE(names); i++) {
		const struct mmt_workload_ops *ops = mmt_workload_find(names[i]);
		bool listed = false;

		assert_non_null(ops);
		assert_int_equal(ops->version, MMT_WORKLOAD_VERSION);
		assert_non_null(ops->thread_run);
		assert_non_null(ops->thread_footprint);
		assert_non_null(ops->opts);
		assert_non_null(mmt_opt_find(ops->opts, "size"));
		for (const struct mmt_opt *o = ops->opts; o->name; o++)
			assert_true(o->help && o->help[0]);
		/* The job file's workload= accepts the name it is listed under. */
		for (unsigned k = 0; mmt_workload_names[k]; k++)
			listed |= !strcmp(mmt_workload_names[k], ops->name);
		assert_true(listed);
	}
}

static void test_thp_validate_rounds_to_2m(void **state)
{
	struct fixture *f = *state;
	struct mmt_fault_opts *o = use(f, &mmt_workload_thp_fault);
	char err[256] = "";
	json_object *d;

	set_opt(f, "size", "3M");
	assert_int_equal(mmt_workload_thp_fault.validate(&f->cell, NULL, err, sizeof(err)), 0);
	assert_int_equal(o->size, 4 << 20);
	assert_int_equal(mmt_workload_thp_fault.thread_footprint(&f->cell), 4 << 20);
	d = json_object_new_object();
	mmt_workload_thp_fault.describe(&f->cell, d);
	assert_non_null(json_object_object_get(d, "thp_enabled"));
	assert_int_equal(json_object_get_int64(json_object_object_get(d, "size")), 4 << 20);
	json_object_put(d);
}

static void test_migrate_validate_rounds_to_pages(void **state)
{
	struct fixture *f = *state;
	uint64_t *size = use(f, &mmt_workload_migrate);   /* size is the first field */
	char err[256] = "";

	set_opt(f, "size", "5000");
	assert_int_equal(mmt_workload_migrate.validate(&f->cell, NULL, err, sizeof(err)), 0);
	assert_int_equal(*size % (uint64_t)sysconf(_SC_PAGESIZE), 0);
	assert_true(*size >= 5000);
	assert_int_equal(mmt_workload_migrate.thread_footprint(&f->cell), *size);
}

static uint64_t thp_fault_alloc(void)
{
	char *text = NULL, *p;
	uint64_t v = UINT64_MAX;

	if (mmt_read_file_alloc("/proc/vmstat", &text) < 0)
		return UINT64_MAX;
	p = strstr(text, "\nthp_fault_alloc ");
	if (p)
		v = strtoull(p + strlen("\nthp_fault_alloc "), NULL, 10);
	free(text);
	return v;
}

static void test_thp_fault_runs_and_verifies(void **state)
{
	struct fixture *f = *state;
	char mode[128] = "";
	uint64_t before = thp_fault_alloc(), after;

	use(f, &mmt_workload_thp_fault);
	set_opt(f, "size", "8M");
	assert_int_equal(run_two_loops(f), 0);
	after = thp_fault_alloc();
	assert_true(atomic_load(&f->stats.loops) > 0);
	assert_true(atomic_load(&f->stats.pages) >= atomic_load(&f->stats.loops) * 2048);
	assert_true(atomic_load(&f->stats.verified) >= atomic_load(&f->stats.loops) * 2048);
	assert_int_equal(atomic_load(&f->stats.errors), 0);
	assert_no_message(f);
	/* Where THP is on, at least one of those faults gave a huge page. */
	if (mmt_read_file("/sys/kernel/mm/transparent_hugepage/enabled", mode, sizeof(mode)) > 0 &&
	    !strstr(mode, "[never]") && before != UINT64_MAX && after != UINT64_MAX)
		assert_true(after > before);
}

static void test_migrate_runs_and_verifies(void **state)
{
	struct fixture *f = *state;
	uint64_t nr = (4 << 20) / (uint64_t)sysconf(_SC_PAGESIZE) + 1;
	json_object *d;

	use(f, &mmt_workload_migrate);
	set_opt(f, "size", "4100K");    /* one page more than 4M: a short last batch */
	set_opt(f, "batch", "100");
	assert_int_equal(run_two_loops(f), 0);
	assert_true(atomic_load(&f->stats.loops) > 0);
	/* The first touch, then every page moved (in place) each round. */
	assert_true(atomic_load(&f->stats.pages) >= nr + atomic_load(&f->stats.loops) * nr);
	assert_true(atomic_load(&f->stats.verified) >= atomic_load(&f->stats.loops) * nr);
	assert_int_equal(atomic_load(&f->stats.errors), 0);
	assert_no_message(f);
	d = json_object_new_object();
	mmt_workload_migrate.describe(&f->cell, d);
	assert_non_null(json_object_object_get(d, "nodes"));
	assert_int_equal(json_object_get_int64(json_object_object_get(d, "batch")), 100);
	json_object_put(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_names_are_plugin_names),
		cmocka_unit_test_setup_teardown(test_registered_with_help, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thp_validate_rounds_to_2m, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_validate_rounds_to_pages, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_thp_fault_runs_and_verifies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_runs_and_verifies, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

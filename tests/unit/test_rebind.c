// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for injectors/rebind.c: sequence generation and parsing, the
 * job-file errors of [rebind], and the write loop on a plain file (no root,
 * no cgroup: the loop only needs an fd it can pwrite).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/job.h"
#include "api/run.h"
#include "lib/util.h"
#include "injectors/rebind.h"
#include "harness/registry.h"

static struct mmt_rebind_value vals[MMT_REBIND_MAX_SEQ];

static int gen(const char *list)
{
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	int n;

	assert_non_null(set);
	assert_int_equal(hwloc_bitmap_list_sscanf(set, list), 0);
	if (!*list)
		hwloc_bitmap_zero(set);
	n = mmt_rebind_gen_sequence(set, MMT_REBIND_MAX_SEQ, vals);
	hwloc_bitmap_free(set);
	return n;
}

static void test_gen_two(void **state)
{
	(void)state;
	assert_int_equal(gen("0-1"), 3);
	assert_string_equal(vals[0].s, "0-1");
	assert_string_equal(vals[1].s, "0");
	assert_string_equal(vals[2].s, "1");
	assert_int_equal(vals[0].len, 3);
}

static void test_gen_three_sparse(void **state)
{
	static const char *const want[] = { "1,3,8", "1", "3", "8", "1,3", "1,8", "3,8" };

	(void)state;
	assert_int_equal(gen("1,3,8"), 7);
	for (unsigned i = 0; i < 7; i++)
		assert_string_equal(vals[i].s, want[i]);
}

static void test_gen_degenerate(void **state)
{
	(void)state;
	assert_int_equal(gen("5"), 1);
	assert_string_equal(vals[0].s, "5");
	assert_int_equal(gen(""), 0);
}

/* 8 ids: 255 subsets, capped at 64; all distinct, whole set first. */
static void test_gen_cap(void **state)
{
	(void)state;
	assert_int_equal(gen("0-7"), MMT_REBIND_MAX_SEQ);
	assert_string_equal(vals[0].s, "0-7");
	assert_string_equal(vals[1].s, "0");
	assert_string_equal(vals[9].s, "0-1");
	for (unsigned i = 0; i < MMT_REBIND_MAX_SEQ; i++)
		for (unsigned j = i + 1; j < MMT_REBIND_MAX_SEQ; j++)
			assert_string_not_equal(vals[i].s, vals[j].s);
}

static int parse(const char *text, bool cpus, char *why)
{
	why[0] = '\0';
	return mmt_rebind_parse_sequence(text, cpus, MMT_REBIND_MAX_SEQ, vals, why, 256);
}

static void test_parse_ok(void **state)
{
	char why[256];

	(void)state;
	assert_int_equal(parse("0-1; 0 ;1;2-3;0-3", false, why), 5);
	assert_string_equal(vals[0].s, "0-1");
	assert_string_equal(vals[1].s, "0");
	assert_string_equal(vals[4].s, "0-3");
	/* canonical form: "0,1" is written as "0-1" */
	assert_int_equal(parse("0,1;1", false, why), 2);
	assert_string_equal(vals[0].s, "0-1");
	/* the same set may come back, just not next to itself */
	assert_int_equal(parse("0;1;0;2", false, why), 4);
}

static void test_parse_errors(void **state)
{
	char why[256];

	(void)state;
	assert_int_equal(parse("0-1;1;0-x", false, why), -EINVAL);
	assert_string_equal(why, "item 3 '0-x' is not a node list (expected a number)");
	assert_int_equal(parse("0;x", true, why), -EINVAL);
	assert_string_equal(why, "item 2 'x' is not a CPU list (expected a number)");
	assert_int_equal(parse("0;1;1", false, why), -EINVAL);
	assert_non_null(strstr(why, "item 3 '1' equals item 2"));
	assert_int_equal(parse("0;1;0", false, why), -EINVAL);
	assert_non_null(strstr(why, "last item 3 '0' equals item 1"));
	assert_int_equal(parse("0,1;1;0-1", false, why), -EINVAL);
	assert_non_null(strstr(why, "wraps around"));
	assert_int_equal(parse("0", false, why), -EINVAL);
	assert_non_null(strstr(why, "at least 2 items"));
	assert_int_equal(parse("0;;1", false, why), -EINVAL);
	assert_non_null(strstr(why, "item 2 is empty"));
}

static void test_errno_name(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(mmt_rebind_errno_name(EBUSY, buf, sizeof(buf)), "EBUSY");
	assert_string_equal(mmt_rebind_errno_name(ENOSPC, buf, sizeof(buf)), "ENOSPC");
	assert_string_equal(mmt_rebind_errno_name(0, buf, sizeof(buf)), "E0");
}

static const char cells[] =
	"[global]\nduration=10s\n"
	"[cell:a]\nworkload=fault\n"
	"[cell:b]\nworkload=fault\n";

/*
 * Parse TEXT (and with TOPO, validate it against that machine): no error
 * when WANT is NULL, else exactly the one-line error WANT.
 */
static void expect_job(const char *text, const struct mmt_topo *topo, const char *want)
{
	char err[512] = "";
	struct mmt_job job;
	int r;

	r = mmt_job_parse_string("t", text, &mmt_registry, &job, err, sizeof(err));
	if (r == 0 && topo) {
		r = mmt_job_validate(&job, topo, err, sizeof(err));
		if (r < 0)
			mmt_job_free(&job);
	}
	if (!want) {
		if (r < 0)
			fail_msg("unexpected error: %s", err);
		mmt_job_free(&job);
		return;
	}
	assert_int_equal(r, -EINVAL);
	if (strcmp(err, want))
		fail_msg("got '%s', want '%s'", err, want);
}

static void job_err(const char *inj, const char *want)
{
	char text[1024];

	snprintf(text, sizeof(text), "%s%s", cells, inj);
	expect_job(text, NULL, want);
}

/* Lines: 1 [global], 3 [cell:a], 5 [cell:b], 7 [rebind], 8.. its keys. */
static void test_validate(void **state)
{
	(void)state;
	job_err("[rebind]\n", NULL);
	job_err("[rebind]\nsequence=0-1;0;1\nrate=100\n", NULL);
	job_err("[rebind]\nmode=move\nmove_peer=b\ncells=a\n", NULL);
	job_err("[rebind]\nrate=5\nsequence=0-1;1;0-x\n",
		"t:9: [rebind] sequence: item 3 '0-x' is not a node list (expected a number)");
	job_err("[rebind]\nsequence=0;1;0\n",
		"t:8: [rebind] sequence: last item 3 '0' equals item 1; the sequence "
		"wraps around, so they must differ");
	job_err("[rebind]\ncells=a;zz\n",
		"t:8: [rebind] cells: no cell 'zz' in this job (cells: a, b)");
	job_err("[rebind]\nmode=move\n",
		"t:7: [rebind] move_peer: mode=move needs move_peer (the sibling cell "
		"to move the workers to)");
	job_err("[rebind]\nmode=move\nmove_peer=a\ncells=a\n",
		"t:10: [rebind] cells: cell 'a' is also move_peer; the peer must be a "
		"different cell");
	job_err("[rebind]\nmove_peer=b\n",
		"t:8: [rebind] move_peer: move_peer is only used with mode=move");
	job_err("[rebind]\nmode=move\nmove_peer=b\nsequence=0;1\n",
		"t:10: [rebind] sequence: mode=move takes no sequence");
}

/* A fault cell's policy_nodes against its mems, on a machine with nodes 0-7. */
static void cell_err(const char *cell, const char *want)
{
	struct mmt_topo topo = { .nr_nodes = 8, .nr_cpus = 4 };
	char text[1024];

	topo.all_cpus = hwloc_bitmap_alloc();
	topo.all_nodes = hwloc_bitmap_alloc();
	topo.mem_nodes = hwloc_bitmap_alloc();
	assert_non_null(topo.mem_nodes);
	hwloc_bitmap_set_range(topo.all_cpus, 0, 3);
	hwloc_bitmap_set_range(topo.all_nodes, 0, 7);
	hwloc_bitmap_set_range(topo.mem_nodes, 0, 7);
	snprintf(text, sizeof(text), "[global]\nduration=10s\n[cell:a]\nworkload=fault\n%s", cell);
	expect_job(text, &topo, want);
	hwloc_bitmap_free(topo.all_cpus);
	hwloc_bitmap_free(topo.all_nodes);
	hwloc_bitmap_free(topo.mem_nodes);
}

static void test_policy_nodes(void **state)
{
	(void)state;
	cell_err("mems=0-3\npolicy_nodes=1,3\n", NULL);
	cell_err("mems=0-3\npolicy_nodes=0-3\n", NULL);
	cell_err("mems=0-3\npolicy_nodes=all\n", NULL);
	cell_err("mems=0-3\n", NULL);
	/* mems = all: the machine decides at run time (CONF there, not here) */
	cell_err("policy_nodes=0-9\n", NULL);
	cell_err("mems=0-1\npolicy_nodes=1-2\n",
		 "t:6: [cell:a] policy_nodes: '1-2' is not within the cell's mems '0-1'");
	cell_err("mems=2,4\nmode_flags=relative\npolicy_nodes=1\n", NULL);
	cell_err("mems=2,4\nmode_flags=relative\npolicy_nodes=2\n",
		 "t:7: [cell:a] policy_nodes: '2' names positions the cell's mems '2,4' "
		 "lack (mode_flags = relative: 0..1)");
}

/* The write loop against a plain file: writes, counters, cell bookkeeping. */
struct loop_fixture {
	char path[64];
	int fd;
	struct mmt_cell_rt *cell;
	atomic_bool stop;
	struct mmt_rebind_target t;
	struct mmt_rebind_loop l;
};

static int loop_setup(void **state)
{
	struct loop_fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->path, sizeof(f->path), "/tmp/mmt-test-rebind-XXXXXX");
	f->fd = mkstemp(f->path);
	f->cell = calloc(1, sizeof(*f->cell));
	if (f->fd < 0 || !f->cell)
		return -1;
	assert_int_equal(parse("0-1;0;1", false, (char[256]){ 0 }), 3);
	f->t = (struct mmt_rebind_target) {
		.cell = f->cell, .fd = f->fd, .values = vals, .nr_values = 3,
		.home_fd = -1, .peer_fd = -1,
	};
	f->l = (struct mmt_rebind_loop) {
		.targets = &f->t, .nr_targets = 1, .stop = &f->stop, .name = "test",
	};
	*state = f;
	return 0;
}

static int loop_teardown(void **state)
{
	struct loop_fixture *f = *state;

	close(f->fd);
	unlink(f->path);
	free(f->cell);
	free(f);
	return 0;
}

static void test_loop_flat_out(void **state)
{
	struct loop_fixture *f = *state;
	uint64_t t0 = mmt_boottime_us(), writes, last;
	char buf[16] = "";

	f->l.until_us = t0 + 50 * 1000;
	assert_int_equal(mmt_rebind_loop_run(&f->l), 0);
	writes = atomic_load(&f->l.stats.writes);
	assert_true(writes > 10);
	assert_int_equal(atomic_load(&f->l.stats.errors), 0);
	assert_int_equal(mmt_run_cell_disturbances(f->cell, &last), writes);
	assert_true(last >= t0);
	/* pwrite at offset 0 (no truncation): the file starts with the last
	 * value written, which is the one before next in the cycle */
	assert_int_equal(f->t.next, writes % 3);
	assert_int_equal(f->t.last_ok, (writes - 1) % 3);
	assert_true(pread(f->fd, buf, sizeof(buf) - 1, 0) > 0);
	assert_memory_equal(buf, vals[f->t.last_ok].s, vals[f->t.last_ok].len);
}

static void test_loop_rate(void **state)
{
	struct loop_fixture *f = *state;
	uint64_t writes;

	uint64_t t0, elapsed_us;

	f->l.rate = 100;
	t0 = mmt_boottime_us();
	f->l.until_us = t0 + 300 * 1000;
	mmt_rebind_loop_run(&f->l);
	elapsed_us = mmt_boottime_us() - t0;
	writes = atomic_load(&f->l.stats.writes);
	/*
	 * Never faster than the rate: at most one write per 10 ms of the time
	 * it really ran (+1 for the write at t=0).  Not "at least N": a loaded
	 * machine may give the loop less time than it asked for (no timing
	 * in tests).  Unlimited, the same loop writes thousands in 0.3 s.
	 */
	assert_true(writes >= 1);
	assert_true(writes <= elapsed_us / 10000 + 1);
}

static void test_loop_stop_flag(void **state)
{
	struct loop_fixture *f = *state;

	atomic_store(&f->stop, true);
	mmt_rebind_loop_run(&f->l);
	assert_int_equal(atomic_load(&f->l.stats.writes), 0);
}

/* A write that always fails: counted by errno, reported once. */
static void test_loop_errors(void **state)
{
	struct loop_fixture *f = *state;
	int rfd = open(f->path, O_RDONLY);

	assert_true(rfd >= 0);
	f->t.fd = rfd;
	f->l.rate = 1000;
	f->l.until_us = mmt_boottime_us() + 1200 * 1000;
	mmt_rebind_loop_run(&f->l);
	close(rfd);
	assert_int_equal(atomic_load(&f->l.stats.writes), 0);
	/* At least the window's minimum of tries, every one failed. */
	assert_true(atomic_load(&f->l.stats.errors) >= 4);
	assert_int_equal(atomic_load(&f->l.stats.by_errno[EBADF]),
			 atomic_load(&f->l.stats.errors));
	assert_true(f->l.harness_reported);
	assert_int_equal(mmt_run_cell_disturbances(f->cell, NULL), 0);
}

/* Move mode with no worker: skipped, nothing written, no busy spin. */
static void test_loop_move_no_worker(void **state)
{
	struct loop_fixture *f = *state;

	f->t.fd = -1;
	f->t.home_fd = f->fd;
	f->t.peer_fd = f->fd;
	f->l.until_us = mmt_boottime_us() + 30 * 1000;
	mmt_rebind_loop_run(&f->l);
	assert_int_equal(atomic_load(&f->l.stats.writes), 0);
	assert_int_equal(atomic_load(&f->l.stats.moves), 0);
	assert_in_range(atomic_load(&f->l.stats.skipped), 1, 40);
}

static void *loop_thread(void *arg)
{
	mmt_rebind_loop_run(arg);
	return NULL;
}

/* Move mode: alternate peer, home with the current pid.  The loop runs
 * until it has moved three times (its stop flag), not for a time. */
static void test_loop_move(void **state)
{
	struct loop_fixture *f = *state;
	char buf[16] = "";
	pthread_t th;

	f->t.fd = -1;
	f->t.home_fd = f->fd;
	f->t.peer_fd = f->fd;
	atomic_store(&f->cell->pid, 4242);
	f->l.rate = 1000;
	f->l.until_us = mmt_boottime_us() + 3600ULL * 1000000;
	assert_int_equal(pthread_create(&th, NULL, loop_thread, &f->l), 0);
	while (atomic_load(&f->l.stats.moves) < 3)
		sched_yield();
	atomic_store(&f->stop, true);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(atomic_load(&f->l.stats.moves) > 2);
	assert_int_equal(atomic_load(&f->l.stats.moves), atomic_load(&f->l.stats.writes));
	assert_int_equal(f->t.moved_pid, 4242);
	assert_int_equal(f->t.in_peer, atomic_load(&f->l.stats.moves) % 2);
	assert_true(pread(f->fd, buf, sizeof(buf) - 1, 0) > 0);
	assert_string_equal(buf, "4242");
}

/* Each write is counted for its target and by the transition its value makes. */
static void test_loop_kinds(void **state)
{
	struct loop_fixture *f = *state;
	unsigned char kinds[3] = { MMT_MPOL_T_DISJOINT, MMT_MPOL_T_OVERLAP, MMT_MPOL_T_DISJOINT };
	uint64_t w;

	f->t.kinds = kinds;
	f->l.until_us = mmt_boottime_us() + 3600ULL * 1000000;
	f->l.rate = 0;
	/* stop by count, not by time: 301 writes */
	while (atomic_load(&f->t.writes) < 301) {
		f->l.until_us = 1;      /* one write per call: until_us is behind */
		mmt_rebind_loop_run(&f->l);
	}
	w = atomic_load(&f->t.writes);
	assert_int_equal(w, atomic_load(&f->l.stats.writes));
	assert_int_equal(atomic_load(&f->t.by_kind[MMT_MPOL_T_DISJOINT]) +
			 atomic_load(&f->t.by_kind[MMT_MPOL_T_OVERLAP]), w);
	/* value 1 of 3 is the overlap one; writes go 1, 2, 0, 1, ... (value 0 is
	 * skipped at the start only when the file holds it: it does not here) */
	assert_in_range(atomic_load(&f->t.by_kind[MMT_MPOL_T_OVERLAP]), w / 3, w / 3 + 1);
	assert_int_equal(atomic_load(&f->t.by_kind[MMT_MPOL_T_SUBSET]), 0);
	f->t.kinds = NULL;
}

/* Two loops, one target each (streams = cell): each counts only its own. */
static void test_loop_streams(void **state)
{
	struct loop_fixture *f = *state;
	struct mmt_rebind_target t2 = f->t;
	struct mmt_rebind_loop l2 = f->l;
	pthread_t th[2];

	t2.fd = open(f->path, O_WRONLY);
	assert_true(t2.fd >= 0);
	l2.targets = &t2;
	f->l.until_us = l2.until_us = mmt_boottime_us() + 3600ULL * 1000000;
	assert_int_equal(pthread_create(&th[0], NULL, loop_thread, &f->l), 0);
	assert_int_equal(pthread_create(&th[1], NULL, loop_thread, &l2), 0);
	while (atomic_load(&f->t.writes) < 50 || atomic_load(&t2.writes) < 50)
		sched_yield();
	atomic_store(&f->stop, true);
	assert_int_equal(pthread_join(th[0], NULL), 0);
	assert_int_equal(pthread_join(th[1], NULL), 0);
	close(t2.fd);
	assert_int_equal(atomic_load(&f->t.writes), atomic_load(&f->l.stats.writes));
	assert_int_equal(atomic_load(&t2.writes), atomic_load(&l2.stats.writes));
	assert_true(atomic_load(&t2.writes) >= 50);
}

static void test_exposure(void **state)
{
	struct mmt_rebind_exposure_in in = {
		.duration_s = 10, .rewrites = 5000, .have_slow = true, .slow_entries = 200,
		.pgscan_direct = 64000, .have_psi = true, .stall_us = 2500000,
	};
	struct mmt_rebind_exposure e;

	(void)state;
	assert_int_equal(mmt_rebind_exposure(&in, &e), 0);
	assert_true(e.rewrites_per_s == 500);
	assert_true(e.slow_path_per_s == 20);
	assert_true(e.pgscan_direct_per_s == 6400);
	assert_true(e.stall_fraction == 0.25);
	assert_true(e.windows_per_s == 125);
	/* PSI read at another moment than our clock: never more than all the time */
	in.stall_us = 11000000;
	assert_int_equal(mmt_rebind_exposure(&in, &e), 0);
	assert_true(e.stall_fraction == 1);
	assert_true(e.windows_per_s == 500);
	/* without PSI there is no window estimate; without vmstat no slow path */
	in.have_psi = false;
	in.have_slow = false;
	assert_int_equal(mmt_rebind_exposure(&in, &e), 0);
	assert_true(isnan(e.windows_per_s));
	assert_true(isnan(e.stall_fraction));
	assert_true(isnan(e.slow_path_per_s));
	assert_true(e.rewrites_per_s == 500);
	in.duration_s = 0;
	assert_int_equal(mmt_rebind_exposure(&in, &e), -EINVAL);
	assert_true(isnan(e.rewrites_per_s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gen_two),
		cmocka_unit_test(test_gen_three_sparse),
		cmocka_unit_test(test_gen_degenerate),
		cmocka_unit_test(test_gen_cap),
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_errno_name),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_policy_nodes),
		cmocka_unit_test_setup_teardown(test_loop_flat_out, loop_setup, loop_teardown),
		cmocka_unit_test_setup_teardown(test_loop_rate, loop_setup, loop_teardown),
		cmocka_unit_test_setup_teardown(test_loop_stop_flag, loop_setup, loop_teardown),
		cmocka_unit_test_setup_teardown(test_loop_errors, loop_setup, loop_teardown),
		cmocka_unit_test_setup_teardown(test_loop_move_no_worker, loop_setup,
						loop_teardown),
		cmocka_unit_test_setup_teardown(test_loop_move, loop_setup, loop_teardown),
		cmocka_unit_test_setup_teardown(test_loop_kinds, loop_setup, loop_teardown),
		cmocka_unit_test_setup_teardown(test_loop_streams, loop_setup, loop_teardown),
		cmocka_unit_test(test_exposure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-only
/* The workload services (workloads/common.c) and a short real fault run. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
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

static void test_pattern_deterministic_and_nonzero(void **state)
{
	(void)state;
	assert_int_equal(mmt_workload_pattern(1, 2, 3, 4), mmt_workload_pattern(1, 2, 3, 4));
	/* Never 0, even for all-zero inputs. */
	for (uint64_t p = 0; p < 100000; p++)
		assert_int_not_equal(mmt_workload_pattern(0, 0, 0, p), 0);
}

static void test_pattern_depends_on_every_argument(void **state)
{
	uint64_t base = mmt_workload_pattern(7, 1, 5, 9);

	(void)state;
	assert_int_not_equal(base, mmt_workload_pattern(8, 1, 5, 9));
	assert_int_not_equal(base, mmt_workload_pattern(7, 2, 5, 9));
	assert_int_not_equal(base, mmt_workload_pattern(7, 1, 6, 9));
	assert_int_not_equal(base, mmt_workload_pattern(7, 1, 5, 10));
	/* Swapping arguments must not give the same value either. */
	assert_int_not_equal(mmt_workload_pattern(0, 1, 2, 3), mmt_workload_pattern(0, 1, 3, 2));
	assert_int_not_equal(mmt_workload_pattern(0, 2, 1, 3), mmt_workload_pattern(0, 1, 2, 3));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* A page that took another page's write (same loop) must not match. */
static void test_pattern_no_collisions_in_a_region(void **state)
{
	enum { N = 1 << 16 };   /* a 256M region of 4K pages */
	uint64_t *v = malloc(N * sizeof(*v));

	(void)state;
	assert_non_null(v);
	for (uint64_t i = 0; i < N; i++)
		v[i] = mmt_workload_pattern(12345, 3, 17, i);
	qsort(v, N, sizeof(*v), cmp_u64);
	for (uint64_t i = 1; i < N; i++)
		assert_int_not_equal(v[i - 1], v[i]);
	free(v);
}

struct fixture {
	struct mmt_thread_stats stats;
	_Atomic uint32_t stop;
	int pipe[2];
	struct mmt_cell_cfg cell;
	struct mmt_wctx ctx;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || pipe2(f->pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	f->ctx.cell = &f->cell;
	f->ctx.stats = &f->stats;
	f->ctx.stop = &f->stop;
	f->ctx.msg_fd = f->pipe[1];
	f->ctx.thread = 3;
	f->ctx.seed = 99;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close(f->pipe[0]);
	if (f->pipe[1] >= 0)
		close(f->pipe[1]);
	free(f);
	return 0;
}

static void test_progress_counts_and_beats(void **state)
{
	struct fixture *f = *state;
	uint64_t before = mmt_now_us();

	mmt_wctx_progress(&f->ctx, 64);
	mmt_wctx_progress(&f->ctx, 0);
	mmt_wctx_progress(&f->ctx, 3);
	assert_int_equal(atomic_load(&f->stats.pages), 67);
	assert_true(atomic_load(&f->stats.heartbeat_us) >= before);
	mmt_wctx_verified(&f->ctx, 10);
	assert_int_equal(atomic_load(&f->stats.verified), 10);
	assert_int_equal(atomic_load(&f->stats.pages), 67);
}

static void test_error_records_errno_and_text(void **state)
{
	struct fixture *f = *state;

	mmt_wctx_error(&f->ctx, -ENOMEM, "mbind (loop %d)", 4);
	assert_int_equal(atomic_load(&f->stats.errors), 1);
	assert_int_equal(atomic_load(&f->stats.last_errno), ENOMEM);
	assert_string_equal(f->stats.last_error, "mbind (loop 4): Cannot allocate memory");
	/* A positive errno works too, and the text is always terminated. */
	mmt_wctx_error(&f->ctx, EINVAL, "%0200d", 1);
	assert_int_equal(atomic_load(&f->stats.errors), 2);
	assert_int_equal(atomic_load(&f->stats.last_errno), EINVAL);
	assert_true(strlen(f->stats.last_error) < sizeof(f->stats.last_error));
}

static void test_send_fills_identity_and_survives_closed_pipe(void **state)
{
	struct fixture *f = *state;
	struct mmt_wmsg m = { .type = MMT_WMSG_CORRUPTION, .node = 0, .page_index = 5 };
	struct mmt_wmsg got;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;

	snprintf(m.text, sizeof(m.text), "hello");
	mmt_wctx_send(&f->ctx, &m);
	assert_int_equal(read(f->pipe[0], &got, sizeof(got)), sizeof(got));
	assert_int_equal(got.type, MMT_WMSG_CORRUPTION);
	assert_int_equal(got.thread, 3);
	assert_int_equal(got.tid, gettid());
	assert_int_equal(got.page_index, 5);
	assert_true(got.ts_us > 0);
	assert_string_equal(got.text, "hello");

	/* The reader is gone: the message is dropped, nothing else happens. */
	sigaction(SIGPIPE, &ign, &old);
	close(f->pipe[0]);
	f->pipe[0] = open("/dev/null", O_RDONLY);
	mmt_wctx_send(&f->ctx, &m);
	sigaction(SIGPIPE, &old, NULL);
}

/* The shared writer and checker: corrupt pages are reported, then summed. */
static void test_pattern_verify_reports_corruption(void **state)
{
	struct fixture *f = *state;
	enum { PAGES = 32 };
	size_t pg = 4096;
	unsigned char *base = calloc(PAGES, pg);
	struct mmt_pattern_region r = {
		.ctx = &f->ctx, .who = "t", .round_name = "loop", .round = 7, .loop = 7,
		.base = base, .page_size = pg, .nr_pages = PAGES, .batch = 4,
	};
	uint64_t head3 = mmt_workload_pattern(99, 3, 7, 3);
	uint64_t head5 = mmt_workload_pattern(99, 3, 7, 5);
	struct mmt_wmsg got;
	unsigned n = 0, notes = 0;

	assert_non_null(base);
	assert_true(mmt_pattern_write(&r));
	assert_int_equal(atomic_load(&f->stats.pages), PAGES);
	assert_true(mmt_pattern_verify(&r));
	assert_int_equal(atomic_load(&f->stats.verified), PAGES);
	assert_int_equal(read(f->pipe[0], &got, sizeof(got)), -1);   /* clean: silent */

	/* Page 3's head and page 5's tail go bad. */
	*(uint64_t *)(base + 3 * pg) ^= 1;
	*(uint64_t *)(base + 6 * pg - sizeof(uint64_t)) = 0;
	assert_true(mmt_pattern_verify(&r));
	assert_int_equal(read(f->pipe[0], &got, sizeof(got)), sizeof(got));
	assert_int_equal(got.type, MMT_WMSG_CORRUPTION);
	assert_int_equal(got.page_index, 3);
	assert_int_equal(got.expected, head3);
	assert_int_equal(got.got, head3 ^ 1);
	assert_non_null(strstr(got.text, "t: loop 7 page 3 (head word)"));
	assert_int_equal(read(f->pipe[0], &got, sizeof(got)), sizeof(got));
	assert_int_equal(got.page_index, 5);
	assert_int_equal(got.expected, mmt_workload_tail(head5));
	assert_int_equal(got.got, 0);
	assert_non_null(strstr(got.text, "(tail word)"));
	assert_int_equal(read(f->pipe[0], &got, sizeof(got)), -1);

	/* Without rewrite_bad they stay bad; with it, they are reported once. */
	r.rewrite_bad = true;
	assert_true(mmt_pattern_verify(&r));
	while (read(f->pipe[0], &got, sizeof(got)) == sizeof(got))
		n++;
	assert_int_equal(n, 2);
	assert_true(mmt_pattern_verify(&r));
	assert_int_equal(read(f->pipe[0], &got, sizeof(got)), -1);

	/* Every page bad: eight reports and one note for the other 24. */
	memset(base, 0, PAGES * pg);
	r.rewrite_bad = false;
	assert_true(mmt_pattern_verify(&r));
	n = 0;
	while (read(f->pipe[0], &got, sizeof(got)) == sizeof(got)) {
		if (got.type == MMT_WMSG_CORRUPTION) {
			n++;
			continue;
		}
		assert_int_equal(got.type, MMT_WMSG_NOTE);
		assert_non_null(strstr(got.text, "t: loop 7: 24 more corrupt pages"));
		notes++;
	}
	assert_int_equal(n, MMT_MAX_REPORTS_PER_LOOP);
	assert_int_equal(notes, 1);
	free(base);
}

/* Stop the workload once it has completed a loop: however slow the machine,
 * there is then one loop to check, and no clock in the test. */
static void *stop_after_a_loop(void *arg)
{
	struct fixture *f = arg;
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	/* (stop is also set when the workload returned on its own) */
	while (atomic_load(&f->stats.loops) == 0 && !atomic_load(&f->stop))
		nanosleep(&ts, NULL);
	atomic_store(&f->stop, 1);
	return NULL;
}

/* The fault workload for real, for at least one loop, bound to the nodes
 * we may use. */
static void test_fault_runs_and_verifies(void **state)
{
	struct fixture *f = *state;
	struct mmt_fault_opts o = { .size = 4 << 20, .policy_api = MMT_API_MBIND,
				    .mode_flags = MMT_FLAGS_NONE, .verify = true };
	hwloc_bitmap_t mems = hwloc_bitmap_alloc();
	struct mmt_wmsg got;
	pthread_t t;
	int node, r;

	assert_non_null(mems);
	/* Node of a page of ours: a node we are allowed to bind to. */
	node = -1;
	assert_int_equal(get_mempolicy(&node, NULL, 0, (void *)&o, MPOL_F_NODE | MPOL_F_ADDR), 0);
	hwloc_bitmap_set(mems, (unsigned)node);
	f->ctx.opts = &o;
	f->ctx.mems = mems;
	assert_int_equal(pthread_create(&t, NULL, stop_after_a_loop, f), 0);
	r = mmt_workload_fault.thread_run(&f->ctx);
	atomic_store(&f->stop, 1);
	pthread_join(t, NULL);
	assert_int_equal(r, 0);
	assert_true(atomic_load(&f->stats.loops) > 0);
	assert_true(atomic_load(&f->stats.pages) >= atomic_load(&f->stats.loops) * 1024);
	assert_true(atomic_load(&f->stats.verified) >= atomic_load(&f->stats.loops) * 1024);
	assert_int_equal(atomic_load(&f->stats.errors), 0);
	/* No corruption report, no error message. */
	assert_int_equal(read(f->pipe[0], &got, sizeof(got)), -1);
	hwloc_bitmap_free(mems);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pattern_deterministic_and_nonzero),
		cmocka_unit_test(test_pattern_depends_on_every_argument),
		cmocka_unit_test(test_pattern_no_collisions_in_a_region),
		cmocka_unit_test_setup_teardown(test_progress_counts_and_beats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_records_errno_and_text, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_send_fills_identity_and_survives_closed_pipe,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_pattern_verify_reports_corruption, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fault_runs_and_verifies, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

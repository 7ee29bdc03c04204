// SPDX-License-Identifier: GPL-2.0-only
/*
 * The live rebind oracle (workloads/oracle.c): the numa_maps parser, and
 * the follow/check path against this kernel with a publication the test
 * writes itself (no cgroup is touched: the test plays the rebinder).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>
#include <numaif.h>

#include "api/shared.h"
#include "lib/set.h"
#include "workloads/oracle.h"

static const char maps[] =
	"55d0c0a00000 default file=/usr/bin/x mapped=3 N0=3 kernelpagesize_kB=4\n"
	"7f0000000000 bind=static:1 anon=512 dirty=512 N1=512 kernelpagesize_kB=4\n"
	"7f0000400000 bind:0-1 anon=2 dirty=2 N0=2 kernelpagesize_kB=4\n"
	"7f0000800000 bind=static anon=1 N0=1 kernelpagesize_kB=4\n"
	"7ffc00000000 default stack anon=3 dirty=3 N0=3 kernelpagesize_kB=4\n";

static void expect_field(uintptr_t addr, const char *field, const char *nodes)
{
	hwloc_bitmap_t got = hwloc_bitmap_alloc(), want = hwloc_bitmap_alloc();
	char buf[64];

	assert_non_null(got);
	assert_non_null(want);
	assert_int_equal(mmt_oracle_numa_maps_policy(maps, addr, buf, sizeof(buf), got), 0);
	assert_string_equal(buf, field);
	assert_int_equal(mmt_set_parse(nodes, want, NULL), 0);
	assert_true(hwloc_bitmap_isequal(got, want));
	hwloc_bitmap_free(got);
	hwloc_bitmap_free(want);
}

static void test_numa_maps_line_of_an_address(void **state)
{
	hwloc_bitmap_t n = hwloc_bitmap_alloc();
	char buf[8];

	(void)state;
	/* The VMA's own start, an address inside it, the next VMAs. */
	expect_field(0x7f0000000000, "bind=static:1", "1");
	expect_field(0x7f0000001000, "bind=static:1", "1");
	expect_field(0x7f0000400000, "bind:0-1", "0-1");
	/* A static policy whose nodes are empty prints no list. */
	expect_field(0x7f0000800000, "bind=static", "");
	expect_field(0x7ffc00001000, "default", "");
	/* Below every VMA: no line; a field that does not fit: -ERANGE. */
	assert_int_equal(mmt_oracle_numa_maps_policy(maps, 0x1000, buf, sizeof(buf), n), -ENOENT);
	assert_int_equal(mmt_oracle_numa_maps_policy(maps, 0x7f0000000000, buf, sizeof(buf), n),
			 -ERANGE);
	hwloc_bitmap_free(n);
}

struct fixture {
	struct mmt_thread_stats stats;
	_Atomic uint32_t stop;
	struct mmt_mems_pub pub;
	struct mmt_topo topo;
	struct mmt_cell_cfg cell;
	struct mmt_fault_opts opts;
	struct mmt_wctx ctx;
	int pipe[2];
	int node;                 /* a node this test may bind to */
	unsigned char *map;
	size_t len;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || pipe2(f->pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	f->len = 64 * 4096;
	f->map = mmap(NULL, f->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f->map == MAP_FAILED)
		return -1;
	f->node = -1;
	f->map[0] = 1;
	if (get_mempolicy(&f->node, NULL, 0, f->map, MPOL_F_NODE | MPOL_F_ADDR) < 0)
		return -1;
	/* N_MEMORY as the model sees it: our node and the one after it, so
	 * that a rewrite to a node the kernel never saw can be published. */
	f->topo.mem_nodes = hwloc_bitmap_alloc();
	hwloc_bitmap_set_range(f->topo.mem_nodes, (unsigned)f->node, f->node + 1);
	f->opts = (struct mmt_fault_opts){ .oracle = true, .oracle_settle = 0,
					   .oracle_every = 1, .oracle_interval = 0,
					   .placement_tolerance = 0 };
	f->ctx = (struct mmt_wctx){ .cell = &f->cell, .opts = &f->opts, .topo = &f->topo,
				    .stats = &f->stats, .stop = &f->stop,
				    .msg_fd = f->pipe[1], .mems_pub = &f->pub };
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	munmap(f->map, f->len);
	hwloc_bitmap_free(f->topo.mem_nodes);
	close(f->pipe[0]);
	close(f->pipe[1]);
	free(f);
	return 0;
}

/* Publish one rewrite to NODE, as injectors/rebind.c does (no cgroup). */
static void publish(struct fixture *f, int node)
{
	uint64_t sc = atomic_load(&f->pub.seqcount), seq = atomic_load(&f->pub.seq) + 1;
	struct mmt_mems_rewrite *e = &f->pub.ring[seq % MMT_MEMS_RING];

	atomic_store(&f->pub.seqcount, sc + 1);
	for (size_t k = 0; k < MMT_MASK_LONGS; k++)
		atomic_store(&e->mask[k], 0UL);
	atomic_store(&e->mask[node / (sizeof(long) * 8)], 1UL << (node % (sizeof(long) * 8)));
	atomic_store(&e->seq, seq);
	atomic_store(&f->pub.seq, seq);
	atomic_store(&f->pub.seqcount, sc + 2);
}

/* Bind the mapping MPOL_BIND | FLAG to our node and model it. */
static void bind_and_create(struct fixture *f, struct mmt_oracle *o, int flag)
{
	unsigned long mask[MMT_MASK_LONGS] = { 0 };
	hwloc_bitmap_t user = hwloc_bitmap_alloc();
	uint64_t sc;

	mask[f->node / (sizeof(long) * 8)] = 1UL << (f->node % (sizeof(long) * 8));
	hwloc_bitmap_set(user, (unsigned)f->node);
	assert_int_equal(mmt_oracle_init(o, &f->ctx, &f->opts, user, MPOL_BIND | flag, false), 0);
	assert_true(mmt_oracle_on(o));
	sc = mmt_oracle_snap(o);
	assert_int_equal(mbind(f->map, f->len, MPOL_BIND | flag, mask, MMT_MASK_LONGS * 64, 0), 0);
	assert_true(mmt_oracle_created(o, sc, f->map));
	hwloc_bitmap_free(user);
}

static void fault(struct fixture *f, struct mmt_oracle *o)
{
	uint64_t sc = mmt_oracle_snap(o);

	madvise(f->map, f->len, MADV_DONTNEED);
	memset(f->map, 0x5a, f->len);
	mmt_oracle_faulted(o, sc, f->map, f->len / 4096, 4096);
}

/* A rewrite to the mems the policy already has: the kernel agrees. */
static void test_live_check_agrees(void **state)
{
	struct fixture *f = *state;
	struct mmt_oracle o;
	struct mmt_wmsg m;

	bind_and_create(f, &o, 0);
	publish(f, f->node);
	fault(f, &o);
	assert_int_equal(atomic_load(&f->stats.oracle_checks), 1);
	assert_int_equal(atomic_load(&f->stats.oracle_drift), 0);
	assert_int_equal(atomic_load(&f->stats.placement_pages), 64);
	assert_int_equal(atomic_load(&f->stats.placement_outside), 0);
	/* No new rewrite: no new check. */
	fault(f, &o);
	assert_int_equal(atomic_load(&f->stats.oracle_checks), 1);
	assert_int_equal(read(f->pipe[0], &m, sizeof(m)), -1);
	mmt_oracle_fini(&o);
}

/*
 * A rewrite the kernel never made (the test publishes node+1, the cgroup
 * still holds node): the model says the STATIC policy falls back to
 * node+1, the kernel keeps node.  The first clean read opens the window,
 * the second (settle 0) is policy_drift; the pages sampled after the
 * rewrite are outside too.
 */
static void test_live_check_reports_drift_and_placement(void **state)
{
	struct fixture *f = *state;
	struct mmt_oracle o;
	struct mmt_wmsg m;
	char want[96];
	bool drift = false, placement = false;

	bind_and_create(f, &o, MPOL_F_STATIC_NODES);
	publish(f, f->node + 1);
	fault(f, &o);
	assert_int_equal(atomic_load(&f->stats.oracle_drift), 0);
	fault(f, &o);
	assert_int_equal(atomic_load(&f->stats.oracle_checks), 2);
	assert_int_equal(atomic_load(&f->stats.oracle_drift), 1);
	/* Placement: one sample per rewrite, the first clean batch after it. */
	assert_int_equal(atomic_load(&f->stats.placement_outside), 64);
	while (read(f->pipe[0], &m, sizeof(m)) == (ssize_t)sizeof(m)) {
		if (m.type == MMT_WMSG_POLICY_DRIFT) {
			snprintf(want, sizeof(want), "static/mbind: nodes expected %d got %d;",
				 f->node + 1, f->node);
			assert_non_null(strstr(m.text, want));
			snprintf(want, sizeof(want), "after #1 mems %d -> %d", f->node, f->node + 1);
			assert_non_null(strstr(m.text, want));
			drift = true;
		} else if (m.type == MMT_WMSG_PLACEMENT) {
			snprintf(want, sizeof(want), " %d:64", f->node);
			assert_non_null(strstr(m.text, want));
			placement = true;
		}
	}
	assert_true(drift);
	assert_true(placement);
	mmt_oracle_fini(&o);
}

/* More rewrites than the ring holds: a policy without flags cannot be
 * followed, the thread resynchronises instead of judging. */
static void test_ring_overrun_resyncs(void **state)
{
	struct fixture *f = *state;
	struct mmt_oracle o;

	bind_and_create(f, &o, 0);
	for (int i = 0; i < MMT_MEMS_RING + 1; i++)
		publish(f, f->node);
	fault(f, &o);
	assert_int_equal(atomic_load(&f->stats.oracle_resyncs), 1);
	assert_int_equal(atomic_load(&f->stats.oracle_checks), 0);
	mmt_oracle_fini(&o);
}

/* A rewrite in flight (odd seqcount): nothing is judged. */
static void test_rewrite_in_flight_is_not_judged(void **state)
{
	struct fixture *f = *state;
	struct mmt_oracle o;

	bind_and_create(f, &o, 0);
	publish(f, f->node);
	atomic_fetch_add(&f->pub.seqcount, 1);
	fault(f, &o);
	assert_int_equal(atomic_load(&f->stats.oracle_checks), 0);
	assert_int_equal(atomic_load(&f->stats.placement_pages), 0);
	/* A policy set while a rewrite is in flight is not modelled. */
	assert_false(mmt_oracle_created(&o, mmt_oracle_snap(&o), f->map));
	mmt_oracle_fini(&o);
}

/* oracle = off: init leaves the oracle off and every call is a no-op. */
static void test_off_is_a_noop(void **state)
{
	struct fixture *f = *state;
	struct mmt_oracle o;
	hwloc_bitmap_t user = hwloc_bitmap_alloc();

	f->opts.oracle = false;
	hwloc_bitmap_set(user, (unsigned)f->node);
	assert_int_equal(mmt_oracle_init(&o, &f->ctx, &f->opts, user, MPOL_BIND, false), 0);
	assert_false(mmt_oracle_on(&o));
	assert_true(mmt_oracle_created(&o, 0, f->map));
	publish(f, f->node);
	fault(f, &o);
	assert_int_equal(atomic_load(&f->stats.oracle_on), 0);
	assert_int_equal(atomic_load(&f->stats.oracle_checks), 0);
	mmt_oracle_fini(&o);
	hwloc_bitmap_free(user);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numa_maps_line_of_an_address),
		cmocka_unit_test_setup_teardown(test_live_check_agrees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_check_reports_drift_and_placement, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ring_overrun_resyncs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rewrite_in_flight_is_not_judged, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_off_is_a_noop, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_rebind: the rebinder's write loop against a bare pwrite loop, side
 * by side in one run, on a cgroup of our own (mmtorture-bench-<pid>) with
 * every CPU and memory node of the machine.  cpuset.mems is rewritten when
 * the machine has >= 2 memory nodes, cpuset.cpus otherwise.  Both loops
 * cycle the same generated sequence on the same held-open fd, in
 * interleaved slices (loop, bare, loop, bare) to cancel drift.
 *
 * Output (protocol of bench/run):
 *   rebinds/s loop <n>
 *   rebinds/s bare <n>
 *   ratio rebind_vs_bare <loop/bare> 0.5
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cgroup.h"
#include "lib/log.h"
#include "harness/run.h"
#include "lib/set.h"
#include "lib/topo.h"
#include "lib/util.h"
#include "injectors/rebind.h"

#define SLICES 6
#define SLICE_US (500 * 1000ULL)    /* 6 x 0.5 s = 3 s per loop */

/* Set by SIGINT/SIGTERM: a signal handler can only reach a global. */
static atomic_bool stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&stop_flag, true);
}

/* The bare loop: pwrite alternating values, nothing else. */
static int bare_loop(int fd, const struct mmt_rebind_value *v, unsigned nr,
		     uint64_t until_us, uint64_t *ret_writes)
{
	uint64_t n = 0;
	unsigned i = 0;

	while (!atomic_load_explicit(&stop_flag, memory_order_relaxed)) {
		if (pwrite(fd, v[i].s, v[i].len, 0) < 0 && errno != EINTR)
			return -errno;
		n++;
		if (++i == nr)
			i = 0;
		if ((n & 255) == 0 && mmt_boottime_us() >= until_us)
			break;
	}
	*ret_writes = n;
	return 0;
}

int main(void)
{
	struct mmt_rebind_value *values = NULL;
	struct mmt_cell_rt *cell = NULL;
	struct mmt_cg *cg = NULL;
	struct mmt_cg_sys sys;
	struct mmt_topo topo;
	struct sigaction sa;
	char name[64], cpus[256], mems[256];
	uint64_t loop_writes = 0, loop_us = 0, bare_writes = 0, bare_us = 0;
	const char *file;
	bool use_mems;
	int fd = -1, nr, r, ret = 1;

	if (geteuid() != 0) {
		fprintf(stderr, "bench_rebind: needs root (creates a cgroup)\n");
		return 77;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (mmt_topo_load(&topo) < 0)
		return 1;
	r = mmt_cg_probe(&sys);
	if (r < 0 || sys.mode[MMT_CG_CPUSET] == MMT_CG_NONE) {
		fprintf(stderr, "bench_rebind: no cpuset controller\n");
		ret = 77;
		goto out_topo;
	}
	use_mems = hwloc_bitmap_weight(topo.mem_nodes) >= 2;
	file = use_mems ? "cpuset.mems" : "cpuset.cpus";
	values = calloc(MMT_REBIND_MAX_SEQ, sizeof(*values));
	cell = calloc(1, sizeof(*cell));
	if (!values || !cell)
		goto out_topo;
	nr = mmt_rebind_gen_sequence(use_mems ? topo.mem_nodes : topo.all_cpus,
				     MMT_REBIND_MAX_SEQ, values);
	if (nr < 2) {
		fprintf(stderr, "bench_rebind: one CPU and one memory node: "
			"nothing to alternate\n");
		ret = 77;
		goto out_topo;
	}

	snprintf(name, sizeof(name), MMT_PREFIX "-bench-%d", (int)getpid());
	mmt_set_format(topo.all_cpus, cpus, sizeof(cpus));
	mmt_set_format(topo.mem_nodes, mems, sizeof(mems));
	{
		bool ctrls[MMT_CG_NR_CTRLS] = { [MMT_CG_CPUSET] = true };
		const char *keys[] = { "cpuset.cpus", "cpuset.mems" };
		const char *vals[] = { cpus, mems };

		r = mmt_cg_create(&sys, NULL, name, ctrls, keys, vals, 2, &cg);
		if (r < 0)
			goto out_topo;
	}
	fd = mmt_cg_open(cg, file, O_WRONLY);
	if (fd < 0) {
		log_err_errno(fd, "open %s of %s", file, name);
		goto out_cg;
	}
	printf("bench_rebind: %s of %s (%s, cgroup %s), sequence of %d values\n",
	       file, name, use_mems ? "mems" : "one memory node: cpus",
	       mmt_cg_mode_name(sys.mode[MMT_CG_CPUSET]), nr);

	for (int s = 0; s < SLICES && !atomic_load(&stop_flag); s++) {
		struct mmt_rebind_target t = {
			.cell = cell, .fd = fd, .values = values,
			.nr_values = (unsigned)nr, .home_fd = -1, .peer_fd = -1,
		};
		struct mmt_rebind_loop l = {
			.targets = &t, .nr_targets = 1, .stop = &stop_flag,
			.name = "bench",
		};
		uint64_t t0, w = 0;

		t0 = mmt_boottime_us();
		l.until_us = t0 + SLICE_US;
		mmt_rebind_loop_run(&l);
		loop_us += mmt_boottime_us() - t0;
		loop_writes += atomic_load(&l.stats.writes);
		if (atomic_load(&l.stats.errors)) {
			fprintf(stderr, "bench_rebind: %lu write errors in the loop\n",
				(unsigned long)atomic_load(&l.stats.errors));
			goto out_close;
		}

		t0 = mmt_boottime_us();
		r = bare_loop(fd, values, (unsigned)nr, t0 + SLICE_US, &w);
		bare_us += mmt_boottime_us() - t0;
		if (r < 0) {
			log_err_errno(r, "bare pwrite of %s", file);
			goto out_close;
		}
		bare_writes += w;
	}
	if (atomic_load(&stop_flag)) {
		fprintf(stderr, "bench_rebind: interrupted\n");
		goto out_close;
	}
	{
		double loop_rate = (double)loop_writes * 1e6 / (double)loop_us;
		double bare_rate = (double)bare_writes * 1e6 / (double)bare_us;

		printf("rebinds/s loop %.0f\n", loop_rate);
		printf("rebinds/s bare %.0f\n", bare_rate);
		printf("ratio rebind_vs_bare %.3f 0.5\n", loop_rate / bare_rate);
		if (mmt_run_cell_disturbances(cell, NULL) != loop_writes)
			fprintf(stderr, "bench_rebind: cell rebinds %lu != writes %lu\n",
				(unsigned long)mmt_run_cell_disturbances(cell, NULL),
				(unsigned long)loop_writes);
		else
			ret = 0;
	}
out_close:
	close(fd);
out_cg:
	r = mmt_cg_destroy(cg);
	if (r < 0)
		log_err_errno(r, "remove cgroup %s", name);
out_topo:
	free(cell);
	free(values);
	mmt_topo_free(&topo);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * fault: mmap a region, bind it with MPOL_BIND, touch every page, verify it,
 * munmap, repeat.  This is the allocation side of the cpuset x mempolicy
 * race: every loop faults size/4K fresh pages under a policy whose nodemask
 * the rebinder is rewriting underneath.
 *
 * policy_api=mbind sets a per-VMA policy on each new mapping.
 * policy_api=set_mempolicy sets the per-task policy (per thread in Linux),
 * and sets it again at the start of every loop, so that a racing rebind also
 * hits the set path (mpol_set_nodemask() against the current mems_allowed),
 * not only the allocation path.  The thread restores MPOL_DEFAULT on return.
 *
 * mode_flags=static passes the cell's node list with MPOL_F_STATIC_NODES;
 * mode_flags=relative passes nodes 0..nr_mems-1 with MPOL_F_RELATIVE_NODES,
 * i.e. "every node of the cpuset", folded by the kernel onto whatever
 * cpuset.mems currently holds.
 *
 * Each page gets two words, at its start and at its end, from
 * mmt_workload_pattern(); a mismatch on read-back is reported as a
 * corruption message (with the node the page sits on) and the loop goes on.
 *
 * Transparent huge pages are turned off for the region (MADV_NOHUGEPAGE):
 * this workload counts 4K first-touch faults; thp-fault is another workload.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <numaif.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/set.h"
#include "lib/util.h"
#include "api/workload.h"


#define BATCH_PAGES 64          /* pages between stop checks / heartbeats */


static const struct mmt_opt fault_opts[] = {
	{ .name = "size", .type = MMT_OPT_SIZE, .off = offsetof(struct mmt_fault_opts, size),
	  .min = 4096, .max = 64LL << 30, .def = "64M",
	  .help = "region mapped and faulted per thread per loop (rounded up to pages)" },
	{ .name = "policy_api", .type = MMT_OPT_ENUM,
	  .off = offsetof(struct mmt_fault_opts, policy_api), .def = "mbind",
	  .choices = mmt_policy_api_names,
	  .help = "mbind: per-VMA policy; set_mempolicy: per-thread policy, re-set each loop" },
	{ .name = "mode_flags", .type = MMT_OPT_ENUM,
	  .off = offsetof(struct mmt_fault_opts, mode_flags), .def = "none",
	  .choices = mmt_mode_flags_names,
	  .help = "MPOL_BIND flag: none, static (MPOL_F_STATIC_NODES) or relative "
		  "(MPOL_F_RELATIVE_NODES)" },
	{ .name = "verify", .type = MMT_OPT_BOOL, .off = offsetof(struct mmt_fault_opts, verify),
	  .def = "true", .help = "read every page back and report corruption" },
	MMT_OPT_END
};

struct fault_run {
	struct mmt_wctx *ctx;
	const struct mmt_fault_opts *o;
	size_t page_size;
	size_t len;
	uint64_t nr_pages;
	struct mmt_bind_policy pol;
	uint64_t loop;
	struct mmt_err_track track;
};

static int set_task_policy(const struct fault_run *run)
{
	return set_mempolicy(run->pol.mode, run->pol.mask, run->pol.maxnode) < 0 ? -errno : 0;
}

static int set_vma_policy(const struct fault_run *run, void *addr)
{
	return mbind(addr, run->len, run->pol.mode, run->pol.mask, run->pol.maxnode, 0) < 0 ? -errno : 0;
}

/* One mmap..munmap round.  Returns 0, or -errno to give up. */
static int one_loop(struct fault_run *run)
{
	bool task_api = run->o->policy_api == MMT_API_SET_MEMPOLICY;
	unsigned char *base;
	bool complete;
	int r;

	if (task_api) {
		r = set_task_policy(run);
		if (r < 0)
			return mmt_err_track_fail(&run->track, run->ctx, "fault", "set_mempolicy", run->loop,
						  -r, -r == ENOMEM);
	}
	base = mmap(NULL, run->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return mmt_err_track_fail(&run->track, run->ctx, "fault", "mmap", run->loop,
					  errno, false);
	/* Best effort: a kernel without THP refuses the advice, harmlessly. */
	(void)madvise(base, run->len, MADV_NOHUGEPAGE);
	if (!task_api) {
		r = set_vma_policy(run, base);
		if (r < 0) {
			munmap(base, run->len);
			return mmt_err_track_fail(&run->track, run->ctx, "fault", "mbind", run->loop,
						  -r, -r == ENOMEM);
		}
	}
	mmt_err_track_ok(&run->track);
	{
		const struct mmt_pattern_region region = {
			.ctx = run->ctx, .who = "fault", .round_name = "loop", .round = run->loop,
			.loop = run->loop, .base = base, .page_size = run->page_size,
			.nr_pages = run->nr_pages, .batch = BATCH_PAGES,
		};

		complete = mmt_pattern_write(&region);
		if (complete && run->o->verify)
			complete = mmt_pattern_verify(&region);
	}
	if (munmap(base, run->len) < 0)
		return log_err_errno(-errno, "fault: munmap");
	/* stats->loops counts complete rounds only (not one cut by stop). */
	if (complete)
		atomic_fetch_add_explicit(&run->ctx->stats->loops, 1, memory_order_relaxed);
	run->loop++;
	return 0;
}

static int fault_thread_run(struct mmt_wctx *ctx)
{
	struct fault_run run = {
		.ctx = ctx,
		.o = ctx->opts,
		.page_size = mmt_page_size(),
	};
	int r;

	run.len = mmt_round_up(run.o->size, mmt_page_size());
	run.nr_pages = run.len / run.page_size;
	r = mmt_bind_policy_build(run.ctx->mems, run.o->mode_flags, &run.pol);
	if (r < 0)
		return log_err_errno(r, "fault: thread %u: nodemask of the cell", ctx->thread);
	mmt_wctx_progress(ctx, 0);
	r = 0;
	while (!mmt_wctx_stopping(ctx)) {
		r = one_loop(&run);
		if (r < 0)
			break;
	}
	if (run.o->policy_api == MMT_API_SET_MEMPOLICY)
		(void)set_mempolicy(MPOL_DEFAULT, NULL, 0);
	return r;
}

static int fault_validate(struct mmt_cell_cfg *cell, const struct mmt_topo *topo, char *err,
			  size_t err_len)
{
	struct mmt_fault_opts *o = cell->wl_opts;
	uint64_t rounded = mmt_round_up(o->size, mmt_page_size());

	if (rounded != o->size) {
		log_warn("%s:%u: [cell:%s] size: %llu is not a multiple of the page size; "
			 "using %llu", cell->src.file, mmt_src_line(&cell->src, "size"),
			 cell->name, (unsigned long long)o->size,
			 (unsigned long long)rounded);
		o->size = rounded;
	}
	return 0;
}

static uint64_t fault_thread_footprint(const struct mmt_cell_cfg *cell)
{
	const struct mmt_fault_opts *o = cell->wl_opts;

	return mmt_round_up(o->size, mmt_page_size());
}

static void fault_describe(const struct mmt_cell_cfg *cell, json_object *out)
{
	const struct mmt_fault_opts *o = cell->wl_opts;

	json_object_object_add(out, "policy_api",
			       json_object_new_string(mmt_policy_api_names[o->policy_api]));
	json_object_object_add(out, "mode_flags",
			       json_object_new_string(mmt_mode_flags_names[o->mode_flags]));
	json_object_object_add(out, "size", json_object_new_int64((int64_t)o->size));
	json_object_object_add(out, "verify", json_object_new_boolean(o->verify));
}

const struct mmt_workload_ops mmt_workload_fault = {
	.version = MMT_WORKLOAD_VERSION,
	.name = "fault",
	.summary = "mmap, MPOL_BIND (mbind or set_mempolicy), touch, verify, munmap, repeat",
	.opts = fault_opts,
	.opts_size = sizeof(struct mmt_fault_opts),
	.validate = fault_validate,
	.thread_footprint = fault_thread_footprint,
	.thread_run = fault_thread_run,
	.describe = fault_describe,
	.bind_policy = mmt_fault_bind_policy,
};

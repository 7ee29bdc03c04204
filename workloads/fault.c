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
 * The policy's nodemask (policy_nodes) is by default a strict subset of the
 * cell's nodes when it has two or more: the lower half, floor(n/2) nodes
 * (lib/mpol.h mmt_mpol_default_user()), for the race bites where the policy
 * and cpuset.mems disagree (docs/design.md section 1, "Power"): a policy
 * equal to mems is remapped onto the whole new set and never left outside
 * it.  mode_flags=static passes the nodes with MPOL_F_STATIC_NODES;
 * mode_flags=relative passes positions (0..n/2-1 by default, 0..n-1 for
 * policy_nodes = all) with MPOL_F_RELATIVE_NODES, folded by the kernel onto
 * whatever cpuset.mems holds.  A cell with one node binds to that node.
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
#include "lib/mpol.h"
#include "lib/set.h"
#include "lib/util.h"
#include "api/workload.h"
#include "workloads/oracle.h"


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
	{ .name = "policy_nodes", .type = MMT_OPT_NODES,
	  .off = offsetof(struct mmt_fault_opts, policy_nodes), .def = NULL,
	  .help = "the policy's nodemask, within the cell's mems (with mode_flags=relative: "
		  "positions in cpuset.mems); all: the cell's nodes (relative: 0..n-1); "
		  "not given: the lower half of the cell's nodes, a strict subset when it has "
		  ">= 2 (relative: positions 0..n/2-1)" },
	{ .name = "policy_once", .type = MMT_OPT_BOOL,
	  .off = offsetof(struct mmt_fault_opts, policy_once), .def = "false",
	  .help = "set the policy once on one mapping; each loop drops the pages "
		  "(MADV_DONTNEED) and faults them again, so the policy lives through "
		  "every rewrite" },
	{ .name = "oracle", .type = MMT_OPT_BOOL, .off = offsetof(struct mmt_fault_opts, oracle),
	  .def = "false",
	  .help = "after each cpuset.mems rewrite, compare the policy and the placement of "
		  "fresh pages with the rebind rules (docs/rebind-semantics.md)" },
	{ .name = "oracle_settle", .type = MMT_OPT_DURATION,
	  .off = offsetof(struct mmt_fault_opts, oracle_settle), .def = "50ms",
	  .min = 0, .max = 60 * 1000000LL,
	  .help = "how long a mismatch may last before it is a policy_drift finding" },
	{ .name = "oracle_every", .type = MMT_OPT_U64,
	  .off = offsetof(struct mmt_fault_opts, oracle_every), .def = "1024",
	  .min = 1, .max = 1LL << 40,
	  .help = "a check after a rewrite is due after this many faults, or oracle_interval" },
	{ .name = "oracle_interval", .type = MMT_OPT_DURATION,
	  .off = offsetof(struct mmt_fault_opts, oracle_interval), .def = "5ms",
	  .min = 0, .max = 60 * 1000000LL,
	  .help = "a check after a rewrite is due after this long, or oracle_every faults" },
	{ .name = "placement_tolerance", .type = MMT_OPT_U64,
	  .off = offsetof(struct mmt_fault_opts, placement_tolerance), .def = "16",
	  .min = 0, .max = 1LL << 40,
	  .help = "fresh pages per thread allowed outside the oracle's nodes before a "
		  "placement_violation finding" },
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
	struct mmt_oracle oracle;
	unsigned char *kept;            /* policy_once: the one mapping */
	bool task_policy_set;           /* set_mempolicy() succeeded once */
};

static int set_task_policy(const struct fault_run *run)
{
	return set_mempolicy(run->pol.mode, run->pol.mask, run->pol.maxnode) < 0 ? -errno : 0;
}

static int set_vma_policy(const struct fault_run *run, void *addr)
{
	return mbind(addr, run->len, run->pol.mode, run->pol.mask, run->pol.maxnode, 0) < 0 ? -errno : 0;
}

/*
 * Write every page, batch by batch, telling the oracle about each batch
 * (mmt_pattern_write() when the oracle is off).  False when told to stop.
 */
static bool write_pages(struct fault_run *run, const struct mmt_pattern_region *region)
{
	if (!mmt_oracle_on(&run->oracle))
		return mmt_pattern_write(region);
	for (uint64_t i = 0; i < run->nr_pages; i += BATCH_PAGES) {
		uint64_t n = run->nr_pages - i < BATCH_PAGES ? run->nr_pages - i : BATCH_PAGES;
		uint64_t sc = mmt_oracle_snap(&run->oracle);

		for (uint64_t k = 0; k < n; k++)
			mmt_pattern_write_page(region, i + k);
		mmt_wctx_progress(run->ctx, n);
		mmt_oracle_faulted(&run->oracle, sc, region->base + i * run->page_size, n,
				   run->page_size);
		if (mmt_wctx_stopping(run->ctx))
			return false;
	}
	return true;
}

/*
 * EINVAL from mbind()/set_mempolicy() that the rebinder caused: without
 * MPOL_F_RELATIVE_NODES the kernel refuses a user nodemask with no node in
 * the task's mems_allowed (mpol_new_nodemask()), and a cell bound to a
 * strict subset of its nodes is walked through mems disjoint from it on
 * purpose.  True when the thread's mems_allowed (MPOL_F_MEMS_ALLOWED) is
 * now disjoint from the policy's nodes; any other EINVAL is a real error.
 */
static bool refused_by_mems(const struct fault_run *run)
{
	unsigned long allowed[MMT_MASK_LONGS] = { 0 };

	if (run->o->mode_flags == MMT_FLAGS_RELATIVE ||
	    get_mempolicy(NULL, allowed, MMT_MASK_LONGS * sizeof(long) * CHAR_BIT, NULL,
			  MPOL_F_MEMS_ALLOWED) < 0)
		return false;
	for (size_t k = 0; k < MMT_MASK_LONGS && k * sizeof(long) * CHAR_BIT < run->pol.maxnode; k++)
		if (allowed[k] & run->pol.mask[k])
			return false;
	return true;
}

/* Tries of a policy call a rewrite overlapped, before the oracle skips a loop. */
#define ORACLE_CREATE_TRIES 4

/*
 * mmap a region and set the policy (set_mempolicy before, or mbind after
 * the mmap), into *RET_BASE (NULL when a failure is tolerated: try again
 * next loop).  Returns 0 or -errno to give up.
 */
static int map_with_policy(struct fault_run *run, unsigned char **ret_base)
{
	bool task_api = run->o->policy_api == MMT_API_SET_MEMPOLICY;
	unsigned char *base;
	uint64_t sc;
	int r;

	*ret_base = NULL;
	sc = mmt_oracle_snap(&run->oracle);
	if (task_api) {
		r = set_task_policy(run);
		/* Refused because mems left the policy: the thread keeps the
		 * policy it had (the kernel rebound it), so fault under that
		 * (the oracle, which models a fresh policy, skips the loop). */
		if (r == 0)
			run->task_policy_set = true;
		if (r == -EINVAL && run->task_policy_set && refused_by_mems(run) &&
		    !mmt_oracle_on(&run->oracle))
			mmt_wctx_error(run->ctx, EINVAL, "set_mempolicy (loop %llu): mems disjoint "
				       "from the policy", (unsigned long long)run->loop);
		else if (r < 0)
			return mmt_err_track_fail(&run->track, run->ctx, "fault", "set_mempolicy", run->loop,
						  -r, -r == ENOMEM ||
						  (-r == EINVAL && refused_by_mems(run)));
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
						  -r, -r == ENOMEM ||
						  (-r == EINVAL && refused_by_mems(run)));
		}
	}
	mmt_err_track_ok(&run->track);
	/* A rewrite overlapped the policy call: the oracle cannot tell which
	 * mems it was created under; set it again (a few times at most). */
	for (int tries = 1; !mmt_oracle_created(&run->oracle, sc, base) &&
			    tries < ORACLE_CREATE_TRIES; tries++) {
		sc = mmt_oracle_snap(&run->oracle);
		r = task_api ? set_task_policy(run) : set_vma_policy(run, base);
		if (r < 0)
			break;  /* the oracle stays unsynchronised this loop */
	}
	*ret_base = base;
	return 0;
}

/* One mmap..munmap round (policy_once: drop and refault).  Returns 0, or
 * -errno to give up. */
static int one_loop(void *arg)
{
	struct fault_run *run = arg;
	unsigned char *base = run->kept;
	bool complete;
	int r;

	if (base && mmt_oracle_on(&run->oracle) && !mmt_oracle_synced(&run->oracle)) {
		/*
		 * policy_once, but the oracle does not know the kept policy
		 * (every try to create it overlapped a rewrite: on cgroup v2 a
		 * write migrates pages and lasts long; or it lost the history):
		 * create it again, or the oracle would check nothing all run.
		 */
		if (munmap(base, run->len) < 0)
			return log_err_errno(-errno, "fault: munmap");
		run->kept = base = NULL;
	}
	if (base) {
		/* policy_once: the same policy, fresh pages. */
		if (madvise(base, run->len, MADV_DONTNEED) < 0)
			return mmt_err_track_fail(&run->track, run->ctx, "fault", "madvise", run->loop,
						  errno, false);
	} else {
		r = map_with_policy(run, &base);
		if (r < 0 || !base)
			return r;
		if (run->o->policy_once)
			run->kept = base;
	}
	{
		const struct mmt_pattern_region region = {
			.ctx = run->ctx, .who = "fault", .round_name = "loop", .round = run->loop,
			.loop = run->loop, .base = base, .page_size = run->page_size,
			.nr_pages = run->nr_pages, .batch = BATCH_PAGES,
		};

		complete = write_pages(run, &region);
		if (complete && run->o->verify)
			complete = mmt_pattern_verify(&region);
	}
	if (!run->kept && munmap(base, run->len) < 0)
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
	hwloc_bitmap_t user = NULL;
	int r;

	run.len = mmt_round_up(run.o->size, mmt_page_size());
	run.nr_pages = run.len / run.page_size;
	if (run.o->policy_nodes.set && !run.o->policy_nodes.all) {
		r = mmt_bind_policy_build_user(run.o->policy_nodes.set, run.o->mode_flags, &run.pol);
	} else if (run.o->policy_nodes.all) {
		r = mmt_bind_policy_build(run.ctx->mems, run.o->mode_flags, &run.pol);
	} else {
		user = hwloc_bitmap_alloc();
		r = user ? mmt_mpol_default_user((enum mmt_mpol_flags)run.o->mode_flags,
						 run.ctx->mems, user) : -ENOMEM;
		if (r == 0)
			r = mmt_bind_policy_build_user(user, run.o->mode_flags, &run.pol);
		hwloc_bitmap_free(user);
		user = NULL;
	}
	if (r < 0)
		return log_err_errno(r, "fault: thread %u: nodemask of the cell", ctx->thread);
	r = mmt_bind_policy_user(&run.pol, &user);
	if (r == 0)
		r = mmt_oracle_init(&run.oracle, ctx, run.o, user, run.pol.mode,
				    run.o->policy_api == MMT_API_SET_MEMPOLICY);
	hwloc_bitmap_free(user);
	if (r < 0)
		return log_err_errno(r, "fault: thread %u: oracle", ctx->thread);
	r = mmt_wl_run_loops(ctx, one_loop, &run, run.o->policy_api == MMT_API_SET_MEMPOLICY);
	if (run.kept)
		munmap(run.kept, run.len);
	mmt_oracle_fini(&run.oracle);
	return r;
}

/*
 * policy_nodes within the cell's mems as the job writes them (RELATIVE:
 * positions below their count).  With mems = all the machine decides at
 * run time (a job made for 4 nodes is CONF elsewhere, not a job error).
 */
static int check_policy_nodes(const struct mmt_cell_cfg *cell, const struct mmt_fault_opts *o,
			      char *err, size_t err_len)
{
	const struct mmt_setopt *mems = &cell->o.mems;
	const struct mmt_setopt *pn = &o->policy_nodes;
	int w;

	if (!pn->set || pn->all || !mems->set || mems->all)
		return 0;
	w = hwloc_bitmap_weight(mems->set);
	if (o->mode_flags == MMT_FLAGS_RELATIVE) {
		if (hwloc_bitmap_last(pn->set) < w)
			return 0;
		snprintf(err, err_len, "%s:%u: [cell:%s] policy_nodes: '%s' names positions "
			 "the cell's mems '%s' lack (mode_flags = relative: 0..%d)", cell->src.file,
			 mmt_src_line(&cell->src, "policy_nodes"), cell->name, pn->text,
			 mems->text, w - 1);
		return -EINVAL;
	}
	if (hwloc_bitmap_isincluded(pn->set, mems->set))
		return 0;
	snprintf(err, err_len, "%s:%u: [cell:%s] policy_nodes: '%s' is not within the cell's "
		 "mems '%s'", cell->src.file, mmt_src_line(&cell->src, "policy_nodes"), cell->name,
		 pn->text, mems->text);
	return -EINVAL;
}

static int fault_validate(struct mmt_cell_cfg *cell, const struct mmt_topo *topo, char *err,
			  size_t err_len)
{
	struct mmt_fault_opts *o = cell->wl_opts;

	mmt_wl_round_size(cell, &o->size);
	return check_policy_nodes(cell, o, err, err_len);
}

/* The policy the OOM classifier and the rebinder model (api/workload.h). */
static int fault_bind_policy(const struct mmt_cell_cfg *cell, struct mmt_wl_bind *ret)
{
	const struct mmt_fault_opts *o = cell->wl_opts;
	int r = mmt_fault_bind_policy(cell, ret);

	if (r < 0)
		return r;
	ret->user = o->policy_nodes.set && !o->policy_nodes.all ? o->policy_nodes.set : NULL;
	ret->default_subset = !o->policy_nodes.set;
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
	json_object_object_add(out, "oracle", json_object_new_boolean(o->oracle));
	json_object_object_add(out, "policy_once", json_object_new_boolean(o->policy_once));
	if (o->oracle) {
		json_object_object_add(out, "oracle_settle_us",
				       json_object_new_int64((int64_t)o->oracle_settle));
		json_object_object_add(out, "placement_tolerance",
				       json_object_new_int64((int64_t)o->placement_tolerance));
	}
	json_object_object_add(out, "policy_nodes",
			       json_object_new_string(!o->policy_nodes.set ? "default" :
						      o->policy_nodes.text));
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
	.bind_policy = fault_bind_policy,
};

// SPDX-License-Identifier: GPL-2.0-only
/*
 * migrate: page migration under MPOL_BIND, in the shape of the kernel's
 * mm selftest migration.c.  Each thread maps a region, binds it with
 * mbind(MPOL_BIND) to the cell's nodes, writes the pattern into every page,
 * then loops: move_pages(MPOL_MF_MOVE) sends every page to a node of the
 * cell's mems, round-robin (page i of round r goes to node (r + i) mod N),
 * in batches, then every page is read back and compared.  The targets of
 * a round are the cell's nodes that cpuset.mems allows at its start.
 *
 * Progress is pages that move_pages() reports placed (status >= 0).  Per
 * page failures (EBUSY, EAGAIN, ENOMEM under pressure; EACCES when a
 * racing rebind took the target node out of the cpuset) are normal: they
 * are counted as errors, one per batch, and the loop goes on.  A whole-call
 * failure that repeats for seconds is a setup problem and gives up (BROK).
 *
 * On a cell with one node every move is to the node the page is on: a
 * no-op with status = that node, still a valid run.
 *
 * A corrupt page is reported once (with the node move_pages() saw it on)
 * and rewritten with what it should hold, so the next rounds do not report
 * it again.  THP is off for the region (MADV_NOHUGEPAGE): 4K pages move.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/set.h"
#include "lib/util.h"
#include "api/workload.h"

#define VERIFY_BATCH 512

struct migrate_opts {
	uint64_t size;            /* bytes per thread, page-aligned */
	uint64_t batch;           /* pages per move_pages() call */
	bool verify;              /* read every page back after each round */
};

static const struct mmt_opt migrate_opts[] = {
	{ .name = "size", .type = MMT_OPT_SIZE, .off = offsetof(struct migrate_opts, size),
	  .min = 4096, .max = 64LL << 30, .def = "16M",
	  .help = "region mapped once per thread and migrated every round "
		  "(rounded up to pages)" },
	{ .name = "batch", .type = MMT_OPT_U64, .off = offsetof(struct migrate_opts, batch),
	  .min = 1, .max = 65536, .def = "512",
	  .help = "pages per move_pages() call (stop checks and heartbeats between calls)" },
	{ .name = "verify", .type = MMT_OPT_BOOL, .off = offsetof(struct migrate_opts, verify),
	  .def = "true", .help = "read every page back after each round and report corruption" },
	MMT_OPT_END
};

struct migrate_run {
	struct mmt_wctx *ctx;
	const struct migrate_opts *o;
	size_t page_size;
	size_t len;
	uint64_t nr_pages;
	unsigned char *base;
	int *cell_nodes;               /* the cell's nodes, in order */
	unsigned nr_cell_nodes;
	int *targets;                  /* this round's: those the cpuset allows */
	unsigned nr_targets;
	void **pages;                  /* batch-sized work arrays */
	int *nodes;
	int *status;
	uint64_t round;
	struct mmt_err_track track;
};

/*
 * The region, for the shared pattern writer and checker: the pattern stays
 * the one of the first touch ("loop" 0) while the pages move; messages
 * name the round.
 */
static struct mmt_pattern_region region_of(const struct migrate_run *run, unsigned batch)
{
	return (struct mmt_pattern_region){
		.ctx = run->ctx, .who = "migrate", .round_name = "round", .round = run->round,
		.loop = 0, .base = run->base, .page_size = run->page_size,
		.nr_pages = run->nr_pages, .batch = batch,
	};
}

/* One move_pages() call over pages [first, first + n).  0 or -errno. */
static int move_batch(struct migrate_run *run, uint64_t first, unsigned n)
{
	uint64_t moved = 0;
	unsigned failed = 0, i;
	int first_err = 0;
	long r;

	for (i = 0; i < n; i++) {
		run->pages[i] = run->base + (first + i) * run->page_size;
		run->nodes[i] = run->targets[(run->round + first + i) % run->nr_targets];
		run->status[i] = INT_MIN;
	}
	r = move_pages(0, n, run->pages, run->nodes, run->status, MPOL_MF_MOVE);
	if (r < 0) {
		int e = errno;

		/* ENOMEM, and EACCES when a rebind raced the target node out of
		 * the cpuset, are what the torture causes: never given up on. */
		return mmt_err_track_fail(&run->track, run->ctx, "migrate", "move_pages",
					  run->round, e, e == ENOMEM || e == EACCES);
	}
	mmt_err_track_ok(&run->track);
	/* r > 0 is the number of pages not migrated; status says which. */
	for (i = 0; i < n; i++) {
		if (run->status[i] >= 0) {
			moved++;
		} else if (run->status[i] != INT_MIN) {
			if (!failed++)
				first_err = -run->status[i];
		}
	}
	if (failed)
		mmt_wctx_error(run->ctx, first_err,
			       "move_pages: %u of %u pages not moved (round %llu)", failed, n,
			       (unsigned long long)run->round);
	mmt_wctx_progress(run->ctx, moved);
	return 0;
}

/*
 * This round's target nodes: the cell's nodes that the cpuset allows now
 * (a rebind may have narrowed cpuset.mems; moving there is EACCES).  When
 * none is allowed, or the query fails, all of the cell's nodes.
 */
static void pick_targets(struct migrate_run *run)
{
	const unsigned bits = sizeof(long) * CHAR_BIT;
	unsigned long allowed[MMT_MASK_LONGS];
	unsigned i, n = 0;

	if (get_mempolicy(NULL, allowed, MMT_MASK_LONGS * bits, NULL, MPOL_F_MEMS_ALLOWED) == 0) {
		for (i = 0; i < run->nr_cell_nodes; i++) {
			unsigned node = (unsigned)run->cell_nodes[i];

			if (allowed[node / bits] & (1UL << (node % bits)))
				run->targets[n++] = (int)node;
		}
	}
	if (!n) {
		memcpy(run->targets, run->cell_nodes, run->nr_cell_nodes * sizeof(*run->targets));
		n = run->nr_cell_nodes;
	}
	run->nr_targets = n;
}

/* One round: every page moved once, then read back.  0 or -errno. */
static int one_round(struct migrate_run *run)
{
	uint64_t first;
	bool complete = true;
	int r;

	pick_targets(run);

	for (first = 0; first < run->nr_pages; first += run->o->batch) {
		uint64_t left = run->nr_pages - first;
		unsigned n = (unsigned)(left < run->o->batch ? left : run->o->batch);

		r = move_batch(run, first, n);
		if (r < 0)
			return r;
		if (mmt_wctx_stopping(run->ctx)) {
			complete = false;
			break;
		}
	}
	if (complete && run->o->verify) {
		struct mmt_pattern_region region = region_of(run, VERIFY_BATCH);

		region.rewrite_bad = true;
		complete = mmt_pattern_verify(&region);
	}
	if (complete)
		atomic_fetch_add_explicit(&run->ctx->stats->loops, 1, memory_order_relaxed);
	run->round++;
	return 0;
}

/* Map, bind and first-touch the region.  0 or -errno (logged). */
static int setup_region(struct migrate_run *run)
{
	unsigned long mask[MMT_MASK_LONGS];
	long maxnode;
	int r;

	run->base = mmap(NULL, run->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	if (run->base == MAP_FAILED) {
		run->base = NULL;
		return log_err_errno(-errno, "migrate: thread %u: mmap %zu bytes",
				     run->ctx->thread, run->len);
	}
	/* Best effort: a kernel without THP refuses the advice, harmlessly. */
	(void)madvise(run->base, run->len, MADV_NOHUGEPAGE);
	maxnode = mmt_set_to_ulongs(run->ctx->mems, mask,
				    hwloc_bitmap_last(run->ctx->mems) /
				    (sizeof(long) * CHAR_BIT) + 1);
	if (maxnode < 0)
		return log_err_errno((int)maxnode, "migrate: nodemask of the cell");
	/* mbind() may fail with ENOMEM while a rebind races it: retry. */
	while (mbind(run->base, run->len, MPOL_BIND, mask, (unsigned long)maxnode, 0) < 0) {
		r = errno;
		if (r != ENOMEM || mmt_wctx_stopping(run->ctx))
			return log_err_errno(-r, "migrate: thread %u: mbind", run->ctx->thread);
		mmt_wctx_error(run->ctx, r, "mbind");
		mmt_wctx_backoff(run->ctx, MMT_BACKOFF_US);
	}
	{
		struct mmt_pattern_region region = region_of(run, (unsigned)run->o->batch);

		mmt_pattern_write(&region);
	}
	return 0;
}

static int migrate_thread_run(struct mmt_wctx *ctx)
{
	struct migrate_run run = { .ctx = ctx, .o = ctx->opts, .page_size = mmt_page_size() };
	unsigned batch = (unsigned)run.o->batch;
	int w = hwloc_bitmap_weight(ctx->mems), node, r;
	unsigned i = 0;

	if (w <= 0)
		return log_err_errno(-EINVAL, "migrate: thread %u: the cell has no nodes",
				     ctx->thread);
	run.len = mmt_round_up(run.o->size, mmt_page_size());
	run.nr_pages = run.len / run.page_size;
	run.cell_nodes = calloc((size_t)w, sizeof(*run.cell_nodes));
	run.targets = calloc((size_t)w, sizeof(*run.targets));
	run.pages = calloc(batch, sizeof(*run.pages));
	run.nodes = calloc(batch, sizeof(*run.nodes));
	run.status = calloc(batch, sizeof(*run.status));
	if (!run.cell_nodes || !run.targets || !run.pages || !run.nodes || !run.status) {
		r = log_err_errno(-ENOMEM, "migrate: thread %u: work arrays", ctx->thread);
		goto free_arrays;
	}
	hwloc_bitmap_foreach_begin(node, ctx->mems)
		run.cell_nodes[i++] = node;
	hwloc_bitmap_foreach_end();
	run.nr_cell_nodes = i;
	mmt_wctx_progress(ctx, 0);
	r = setup_region(&run);
	if (r < 0)
		goto unmap;
	while (!mmt_wctx_stopping(ctx)) {
		r = one_round(&run);
		if (r < 0)
			break;
	}
unmap:
	if (run.base && munmap(run.base, run.len) < 0 && r == 0)
		r = log_err_errno(-errno, "migrate: munmap");
free_arrays:
	free(run.status);
	free(run.nodes);
	free(run.pages);
	free(run.targets);
	free(run.cell_nodes);
	return r;
}

static int migrate_validate(struct mmt_cell_cfg *cell, const struct mmt_topo *topo, char *err,
			    size_t err_len)
{
	struct migrate_opts *o = cell->wl_opts;

	(void)topo;
	(void)err;
	(void)err_len;
	mmt_wl_round_size(cell, &o->size);
	return 0;
}

static uint64_t migrate_thread_footprint(const struct mmt_cell_cfg *cell)
{
	const struct migrate_opts *o = cell->wl_opts;

	return mmt_round_up(o->size, mmt_page_size());
}

static void migrate_describe(const struct mmt_cell_cfg *cell, json_object *out)
{
	const struct migrate_opts *o = cell->wl_opts;
	int nodes = cell->o.mems.set ? hwloc_bitmap_weight(cell->o.mems.set) : -1;

	json_object_object_add(out, "size", json_object_new_int64((int64_t)o->size));
	json_object_object_add(out, "batch", json_object_new_int64((int64_t)o->batch));
	json_object_object_add(out, "verify", json_object_new_boolean(o->verify));
	json_object_object_add(out, "nodes", json_object_new_int(nodes));
}

/* mbind(MPOL_BIND) to the cell's nodes, no mode flag (migrate_thread_run). */
static int migrate_bind_policy(const struct mmt_cell_cfg *cell, struct mmt_wl_bind *ret)
{
	(void)cell;
	ret->policy_api = MMT_API_MBIND;
	ret->mode_flags = MMT_FLAGS_NONE;
	return 0;
}

const struct mmt_workload_ops mmt_workload_migrate = {
	.version = MMT_WORKLOAD_VERSION,
	.name = "migrate",
	.summary = "mbind MPOL_BIND, then move_pages() every page round-robin over the "
		   "cell's nodes and verify, repeat",
	.opts = migrate_opts,
	.opts_size = sizeof(struct migrate_opts),
	.validate = migrate_validate,
	.thread_footprint = migrate_thread_footprint,
	.thread_run = migrate_thread_run,
	.describe = migrate_describe,
	.bind_policy = migrate_bind_policy,
};

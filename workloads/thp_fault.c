// SPDX-License-Identifier: GPL-2.0-only
/*
 * thp-fault: the fault workload for transparent huge pages.  Each loop maps
 * a 2M-aligned region (over-mapped by 2M and trimmed), advises
 * MADV_HUGEPAGE, binds it with MPOL_BIND (mbind() per VMA, or
 * set_mempolicy() per thread, re-set every loop), writes the pattern into
 * every 4K page, so that the first touch of each 2M extent faults a huge
 * page where the kernel can give one, reads it back, and unmaps it.
 *
 * Progress is counted in 4K pages whatever the kernel gave: with THP
 * "never", or no free huge page on the allowed nodes, the same loop runs on
 * 4K pages, which is still a valid run.  describe() records the THP mode
 * read at validate time, so a reader of run.json knows which it was.
 *
 * The options are those of fault (struct mmt_fault_opts), sizes rounded up
 * to 2M.
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


#define HPAGE_SIZE (2ULL << 20)
#define SMALL_PAGE 4096ULL
#define BATCH_PAGES (HPAGE_SIZE / SMALL_PAGE) /* one extent per heartbeat */
#define THP_ENABLED "/sys/kernel/mm/transparent_hugepage/enabled"

/* The fault options, plus what validate() learnt (not a job-file key). */
struct thp_opts {
	struct mmt_fault_opts f;
	char thp_mode[16];        /* "always", "madvise", "never", "absent" */
};
_Static_assert(offsetof(struct thp_opts, f) == 0, "mmt_fault_bind_policy() reads f");


static const struct mmt_opt thp_fault_opts[] = {
	{ .name = "size", .type = MMT_OPT_SIZE, .off = offsetof(struct thp_opts, f.size),
	  .min = 2 << 20, .max = 64LL << 30, .def = "64M",
	  .help = "region mapped and faulted per thread per loop (rounded up to 2M)" },
	{ .name = "policy_api", .type = MMT_OPT_ENUM,
	  .off = offsetof(struct thp_opts, f.policy_api), .def = "mbind",
	  .choices = mmt_policy_api_names,
	  .help = "mbind: per-VMA policy; set_mempolicy: per-thread policy, re-set each loop" },
	{ .name = "mode_flags", .type = MMT_OPT_ENUM,
	  .off = offsetof(struct thp_opts, f.mode_flags), .def = "none",
	  .choices = mmt_mode_flags_names,
	  .help = "MPOL_BIND flag: none, static (MPOL_F_STATIC_NODES) or relative "
		  "(MPOL_F_RELATIVE_NODES)" },
	{ .name = "verify", .type = MMT_OPT_BOOL, .off = offsetof(struct thp_opts, f.verify),
	  .def = "true", .help = "read every 4K page back and report corruption" },
	MMT_OPT_END
};

struct thp_run {
	struct mmt_wctx *ctx;
	const struct mmt_fault_opts *o;
	size_t len;
	uint64_t nr_pages;             /* 4K pages */
	struct mmt_bind_policy pol;
	uint64_t loop;
	struct mmt_err_track track;
};

/* A 2M-aligned anonymous mapping of len bytes: map 2M more, trim both ends. */
static void *map_aligned(size_t len)
{
	size_t over = len + HPAGE_SIZE;
	unsigned char *raw, *base;
	size_t head, tail;

	raw = mmap(NULL, over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return MAP_FAILED;
	base = (unsigned char *)(((uintptr_t)raw + HPAGE_SIZE - 1) & ~(uintptr_t)(HPAGE_SIZE - 1));
	head = (size_t)(base - raw);
	tail = over - head - len;
	if (head)
		(void)munmap(raw, head);
	if (tail)
		(void)munmap(base + len, tail);
	return base;
}

static int one_loop(void *arg)
{
	struct thp_run *run = arg;
	bool task_api = run->o->policy_api == MMT_API_SET_MEMPOLICY;
	unsigned char *base;
	bool complete;

	if (task_api && set_mempolicy(run->pol.mode, run->pol.mask, run->pol.maxnode) < 0)
		return mmt_err_track_fail(&run->track, run->ctx, "thp-fault", "set_mempolicy", run->loop,
					  errno, errno == ENOMEM);
	base = map_aligned(run->len);
	if (base == MAP_FAILED)
		return mmt_err_track_fail(&run->track, run->ctx, "thp-fault", "mmap", run->loop,
					  errno, false);
	/* Best effort: with THP "never" or absent the advice fails, harmlessly,
	 * and the loop runs on 4K pages. */
	(void)madvise(base, run->len, MADV_HUGEPAGE);
	if (!task_api &&
	    mbind(base, run->len, run->pol.mode, run->pol.mask, run->pol.maxnode, 0) < 0) {
		int err = errno;

		munmap(base, run->len);
		return mmt_err_track_fail(&run->track, run->ctx, "thp-fault", "mbind", run->loop,
					  err, err == ENOMEM);
	}
	run->track.tries = 0;
	{
		const struct mmt_pattern_region region = {
			.ctx = run->ctx, .who = "thp-fault", .round_name = "loop", .round = run->loop,
			.loop = run->loop, .base = base, .page_size = SMALL_PAGE,
			.nr_pages = run->nr_pages, .batch = BATCH_PAGES,
		};

		complete = mmt_pattern_write(&region);
		if (complete && run->o->verify)
			complete = mmt_pattern_verify(&region);
	}
	if (munmap(base, run->len) < 0)
		return log_err_errno(-errno, "thp-fault: munmap");
	if (complete)
		atomic_fetch_add_explicit(&run->ctx->stats->loops, 1, memory_order_relaxed);
	run->loop++;
	return 0;
}

static int thp_thread_run(struct mmt_wctx *ctx)
{
	const struct thp_opts *to = ctx->opts;
	struct thp_run run = { .ctx = ctx, .o = &to->f };
	int r;

	run.len = mmt_round_up(run.o->size, HPAGE_SIZE);
	run.nr_pages = run.len / SMALL_PAGE;
	r = mmt_bind_policy_build(run.ctx->mems, run.o->mode_flags, &run.pol);
	if (r < 0)
		return log_err_errno(r, "thp-fault: thread %u: nodemask of the cell", ctx->thread);
	return mmt_wl_run_loops(ctx, one_loop, &run, run.o->policy_api == MMT_API_SET_MEMPOLICY);
}

/* The selected mode of THP_ENABLED ("always [madvise] never" -> "madvise"). */
static void read_thp_mode(char *buf, size_t len)
{
	char text[128], *lb, *rb;

	snprintf(buf, len, "absent");
	if (mmt_read_file(THP_ENABLED, text, sizeof(text)) <= 0)
		return;
	lb = strchr(text, '[');
	rb = lb ? strchr(lb, ']') : NULL;
	if (!lb || !rb)
		return;
	*rb = '\0';
	snprintf(buf, len, "%s", lb + 1);
}

static int thp_validate(struct mmt_cell_cfg *cell, const struct mmt_topo *topo, char *err,
			size_t err_len)
{
	struct thp_opts *o = cell->wl_opts;
	uint64_t rounded = mmt_round_up(o->f.size, HPAGE_SIZE);

	(void)topo;
	(void)err;
	(void)err_len;
	if (rounded != o->f.size) {
		log_warn("%s:%u: [cell:%s] size: %llu is not a multiple of 2M; using %llu",
			 cell->src.file, mmt_src_line(&cell->src, "size"), cell->name,
			 (unsigned long long)o->f.size, (unsigned long long)rounded);
		o->f.size = rounded;
	}
	read_thp_mode(o->thp_mode, sizeof(o->thp_mode));
	return 0;
}

static uint64_t thp_thread_footprint(const struct mmt_cell_cfg *cell)
{
	const struct thp_opts *o = cell->wl_opts;

	return mmt_round_up(o->f.size, HPAGE_SIZE);
}

static void thp_describe(const struct mmt_cell_cfg *cell, json_object *out)
{
	const struct thp_opts *o = cell->wl_opts;

	json_object_object_add(out, "policy_api",
			       json_object_new_string(mmt_policy_api_names[o->f.policy_api]));
	json_object_object_add(out, "mode_flags",
			       json_object_new_string(mmt_mode_flags_names[o->f.mode_flags]));
	json_object_object_add(out, "size", json_object_new_int64((int64_t)o->f.size));
	json_object_object_add(out, "verify", json_object_new_boolean(o->f.verify));
	json_object_object_add(out, "thp_enabled",
			       json_object_new_string(o->thp_mode[0] ? o->thp_mode : "unknown"));
}

const struct mmt_workload_ops mmt_workload_thp_fault = {
	.version = MMT_WORKLOAD_VERSION,
	.name = "thp-fault", /* = its name in workloads/workloads.h */
	.summary = "fault on 2M-aligned MADV_HUGEPAGE regions: THP faults under MPOL_BIND",
	.opts = thp_fault_opts,
	.opts_size = sizeof(struct thp_opts),
	.validate = thp_validate,
	.thread_footprint = thp_thread_footprint,
	.thread_run = thp_thread_run,
	.describe = thp_describe,
	.bind_policy = mmt_fault_bind_policy,   /* options start with mmt_fault_opts */
};

/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_HARNESS_RUN_H
#define MMT_HARNESS_RUN_H

/* One run of one job, end to end: the orchestrator's entry points. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "api/run.h"
#include "lib/topo.h"

/* Where a run stands, once per sample tick, for a progress display. */
struct mmt_run_progress {
	uint64_t elapsed_us, duration_us;
	enum mmt_verdict_kind verdict;  /* the verdict if the run ended now */
	uint64_t pages;                 /* pages faulted by all cells so far */
	uint64_t rebinds;               /* cpuset rewrites of all cells so far */
	uint64_t oom_kills;             /* OOM kills matched to cells so far */
};

/* Options of `mmtorture run` that override the job. */
struct mmt_run_args {
	uint64_t duration_us;     /* 0: the job's */
	bool have_seed;
	uint64_t seed;
	const char *results_dir;  /* NULL: the job's */
	/* Called from the orchestrator's loop after each sample; must not
	 * block.  NULL: none. */
	void (*progress)(const struct mmt_run_progress *p, void *data);
	void *progress_data;
};

/* How far mmt_run_job() got. */
enum mmt_run_outcome {
	MMT_RUN_DONE,           /* a verdict was reached: *ret_verdict */
	MMT_RUN_NO_RESULTS,     /* the results directory cannot be made: bad input */
	MMT_RUN_NO_MEMORY,      /* the harness could not even allocate its state */
};

/*
 * Run one job end to end.  *ret_verdict gets the verdict when the outcome
 * is MMT_RUN_DONE; ret_dir (may be NULL) the run directory once made.
 */
enum mmt_run_outcome mmt_run_job(struct mmt_job *job, const struct mmt_topo *topo,
				 const struct mmt_run_args *args,
				 enum mmt_verdict_kind *ret_verdict, char *ret_dir,
				 size_t dir_len);

/*
 * The placement of a worker (worker.c).  A new worker joins its cgroup
 * itself, and the orchestrator sets its oom_score_adj
 * (/proc/PID/oom_score_adj; lowering it needs CAP_SYS_RESOURCE: -EACCES),
 * before it lets it run; the worker checks both before it touches memory
 * and gives up (a worker error) if either is wrong, so that no OOM kill
 * ever meets a worker at the wrong place.  0 or -errno.
 */
int mmt_worker_set_oom_score_adj(pid_t pid, int adj);
/* Pure: do /proc/self/oom_score_adj's text ADJ_TEXT and /proc/self/cgroup's
 * text CGROUP_TEXT (every line of the memory controller, or the v2 line,
 * ends in /CG_NAME) place the worker at adj in cg_name?  0 with why set to
 * "placed: ...", or -EPERM with why set to what is wrong. */
int mmt_worker_placement_ok(const char *adj_text, const char *cgroup_text, int adj,
			    const char *cg_name, char *why, size_t why_len);
/* The same for the calling process. */
int mmt_worker_check_placement(int adj, const char *cg_name, char *why, size_t why_len);

/* The worker process body (worker.c): never returns.  attach_err: what
 * joining its cgroup returned (0 or -errno; the worker gives up on an
 * error, saying so). */
void mmt_cell_worker_main(struct mmt_run *run, struct mmt_cell_rt *cell,
			  int msg_wfd, int attach_err) __attribute__((noreturn));

#endif

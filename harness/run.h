/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_HARNESS_RUN_H
#define MMT_HARNESS_RUN_H

/* One run of one job, end to end: the orchestrator's entry points. */

#include <stdbool.h>
#include <stdint.h>

#include "api/run.h"
#include "lib/topo.h"

/* Options of `mmtorture run` that override the job. */
struct mmt_run_args {
	uint64_t duration_us;     /* 0: the job's */
	bool have_seed;
	uint64_t seed;
	const char *results_dir;  /* NULL: the job's */
	unsigned repeat;          /* 0/1: once */
	bool until_fail;
};

/* Run one job end to end.  Returns the verdict, or -errno when the run could
 * not even start (then the caller exits 125 or 2 as appropriate). */
int mmt_run_job(struct mmt_job *job, const struct mmt_topo *topo,
		const struct mmt_run_args *args, char *ret_dir, size_t dir_len);

/* The worker process body (worker.c): never returns. */
void mmt_cell_worker_main(struct mmt_run *run, struct mmt_cell_rt *cell,
			  int msg_wfd) __attribute__((noreturn));

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_RUN_H
#define MMT_RUN_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <hwloc.h>
#include <json-c/json.h>

#include "cell.h"
#include "cgroup.h"
#include "injectors/injector.h"
#include "job.h"
#include "topo.h"
#include "verdict.h"

struct mmt_journal;
struct mmt_results;

#define MMT_CELL_MAX_PIDS 64

enum mmt_cell_state {
	MMT_CELL_IDLE,
	MMT_CELL_RUNNING,
	MMT_CELL_EXITED,     /* reaped */
};

/* A cell at run time: its cgroup and its worker process. */
struct mmt_cell_rt {
	const struct mmt_cell_cfg *cfg;
	unsigned index;
	struct mmt_cg *cg;
	char cg_name[PATH_MAX];       /* "mmtorture-<run>/<cell>" */
	hwloc_bitmap_t cpus, mems;    /* resolved */
	uint64_t memory_max;          /* resolved limit in bytes */
	int oom_score_adj;
	int expect_oom;               /* enum mmt_expect_oom, resolved */
	struct mmt_shared *sh;        /* MAP_SHARED with the worker */
	int msg_fd;                   /* read end of the worker's pipe */
	_Atomic pid_t pid;            /* current worker, 0 when none */
	enum mmt_cell_state state;
	uint64_t spawned_us;
	unsigned spawns;
	pid_t pids[MMT_CELL_MAX_PIDS];/* every worker pid it ever had */
	unsigned nr_pids;
	uint64_t pages_prev;          /* for per-interval rates */
	uint64_t oom_kills;           /* kills matched to this cell */
	uint64_t stall_reported;      /* bitmask of threads already reported */
	uint64_t pages_carry;         /* pages of earlier (dead) workers */
	uint64_t loops_carry;
	/* Rebinder bookkeeping (written by its thread). */
	_Atomic uint64_t rebinds;
	_Atomic uint64_t last_rebind_boot_us;
	bool rebinding;
};

struct mmt_run {
	struct mmt_job *job;
	const struct mmt_topo *topo;
	struct mmt_cg_sys cgsys;
	char id[128];
	char dir[PATH_MAX];
	struct mmt_results *res;
	struct mmt_journal *jr;
	struct mmt_cg *top;
	char top_name[PATH_MAX];
	unsigned nr_cells;
	struct mmt_cell_rt cells[MMT_MAX_CELLS];
	unsigned nr_inj;
	struct mmt_inj inj[MMT_MAX_INJECTORS];
	uint64_t seed;
	uint64_t start_mono_us, start_real_us, end_real_us;
	atomic_bool stopping;
	pthread_mutex_t lock;         /* verdict, facts */
	struct mmt_verdict verdict;
	json_object *facts;           /* run.json "facts" */
};

/* Thread-safe helpers for injectors and the orchestrator. */
int mmt_run_event(struct mmt_run *run, const char *type, json_object *ev);
void mmt_run_finding(struct mmt_run *run, enum mmt_finding f, const char *fmt,
		     ...) __attribute__((format(printf, 3, 4)));
/* Set run.json facts[key] = val (consumed). */
void mmt_run_fact(struct mmt_run *run, const char *key, json_object *val);
struct mmt_cell_rt *mmt_run_cell(struct mmt_run *run, const char *name);
static inline bool mmt_run_stopping(struct mmt_run *run)
{
	return atomic_load(&run->stopping);
}
/* Path of a file inside the run directory. */
void mmt_run_path(const struct mmt_run *run, const char *name, char *buf,
		  size_t len);

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

/* The worker process body (cell.c): never returns. */
void mmt_cell_worker_main(struct mmt_run *run, struct mmt_cell_rt *cell,
			  int msg_wfd) __attribute__((noreturn));

#endif

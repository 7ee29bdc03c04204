/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_API_RUN_H
#define MMT_API_RUN_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <hwloc.h>
#include <json-c/json.h>

#include "api/shared.h"
#include "lib/cgroup.h"
#include "lib/kmark.h"
#include "api/injector.h"
#include "api/job.h"
#include "lib/topo.h"
#include "lib/verdict.h"

struct mmt_journal;
struct mmt_results;

#define MMT_CELL_MAX_PIDS 64   /* the last ones a cell had */

enum mmt_cell_state {
	MMT_CELL_IDLE,
	MMT_CELL_RUNNING,
	MMT_CELL_EXITED,     /* reaped */
};

/*
 * What an injector does to a cell under its running workers, racing the
 * allocator: rewrite its cpuset (cpuset.mems or cpuset.cpus), or move its
 * worker to another cgroup and back.
 */
enum mmt_disturb {
	MMT_DISTURB_CPUSET,
	MMT_DISTURB_MOVE,
	MMT_DISTURB_NR,
};

/* Disturbances of one cell (mmt_run_cell_disturbed()); any thread reads. */
struct mmt_cell_disturb {
	atomic_bool active;               /* an injector works on the cell */
	_Atomic uint64_t count[MMT_DISTURB_NR];
	_Atomic uint64_t last_boot_us;    /* CLOCK_BOOTTIME of the last one */
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
	struct mmt_cell_disturb disturb;  /* mmt_run_cell_disturbed() */
};

/* What an injector published for the cells (mmt_inj_provide()). */
#define MMT_RUN_MAX_PROVIDED 16
struct mmt_provided {
	char inst[MMT_NAME_LEN];      /* the injector instance ("writeback") */
	char key[32];                 /* "dir" */
	char val[PATH_MAX];
	bool failed;                  /* it never will (val is empty) */
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
	struct mmt_kmark kmark;       /* marks in the kernel log (fd -1: none) */
	struct mmt_provided provided[MMT_RUN_MAX_PROVIDED];   /* under lock */
	unsigned nr_provided;
};

/* Thread-safe helpers for injectors and the orchestrator. */
int mmt_run_event(struct mmt_run *run, const char *type, json_object *ev);
/* The same for what happened at happened_mono_us (CLOCK_MONOTONIC; 0: now;
 * see mmt_results_event_at()). */
int mmt_run_event_at(struct mmt_run *run, const char *type, json_object *ev,
		     uint64_t happened_mono_us);
/* Put the events and the kernel log on stable storage now (a critical
 * event: a freeze right after it must not lose it).  0 or -errno. */
int mmt_run_sync(struct mmt_run *run);
/*
 * Hold, in the calling thread, the sync a FAIL finding makes until
 * mmt_run_sync_release(): for a finding judged before its event line is
 * written (the kernel-event path), so that one fdatasync covers both,
 * after the line.  Release syncs when a finding was held; 0 or -errno.
 * Findings of other threads still sync at once.
 */
void mmt_run_sync_hold(struct mmt_run *run);
int mmt_run_sync_release(struct mmt_run *run);
/* Record a finding (the verdict's reasons; a kernel-log mark from WARN on);
 * a FAIL also puts the events written so far on stable storage
 * (mmt_run_sync()), so the event line made for it survives a freeze. */
void mmt_run_finding(struct mmt_run *run, enum mmt_finding f, const char *fmt,
		     ...) __attribute__((format(printf, 3, 4)));
/* The "stall" event (api/injector.h struct mmt_stall: the one schema).
 * 0 or -errno. */
int mmt_run_stall(struct mmt_run *run, const struct mmt_stall *st);
/* Set run.json facts[key] = val (consumed). */
void mmt_run_fact(struct mmt_run *run, const char *key, json_object *val);
struct mmt_cell_rt *mmt_run_cell(struct mmt_run *run, const char *name);
static inline bool mmt_run_stopping(struct mmt_run *run)
{
	return atomic_load(&run->stopping);
}
/*
 * An injector says it disturbs cell c (active = true before its first
 * disturbance; false only when it never started), and, from its own thread,
 * each disturbance of kind what done at boot_us (CLOCK_BOOTTIME, us).  The
 * OOM classifier reads them: a kill right after one is "in flight".
 */
void mmt_run_cell_disturbing(struct mmt_cell_rt *c, bool active);
void mmt_run_cell_disturbed(struct mmt_cell_rt *c, enum mmt_disturb what,
			    uint64_t boot_us);
/*
 * Disturbances of c so far, of every kind; *ret_last_boot_us (if not NULL)
 * gets the time of the last one (0 when none).
 */
uint64_t mmt_run_cell_disturbances(const struct mmt_cell_rt *c, uint64_t *ret_last_boot_us);
static inline bool mmt_run_cell_is_disturbed(const struct mmt_cell_rt *c)
{
	return atomic_load(&c->disturb.active);
}
/*
 * What injector instance inst published under key (mmt_inj_provide()),
 * into buf.  0; -EAGAIN while the injector has not published it yet;
 * -ENOENT when the job has no such injector; -ENODEV when it never will
 * (skipped on this machine, or it said so); -ENAMETOOLONG.  Thread-safe.
 */
int mmt_run_provided(struct mmt_run *run, const char *inst, const char *key, char *buf,
		     size_t len);
/* Path of a file inside the run directory. */
void mmt_run_path(const struct mmt_run *run, const char *name, char *buf,
		  size_t len);

#endif

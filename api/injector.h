/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_INJECTOR_H
#define MMT_INJECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/types.h>

#include <hwloc.h>
#include <json-c/json.h>

#include "api/job.h"
#include "lib/opt.h"
#include "lib/verdict.h"

/*
 * An injector disturbs the kernel while the workloads run.  Each plugin is
 * one file in injectors/ exporting one const ops table, listed in
 * injectors/injectors.h.  Lifecycle, driven by the orchestrator:
 *   validate (at job parse time, no side effects)
 *   (the core allocates priv: priv_size zeroed bytes, or NULL when 0)
 *   probe    (before anything is created: CONF with a reason)
 *   start    (after the cells run; long or blocking work goes on a thread
 *             of the injector's own, never in the event loop)
 *   poll     (every sample interval, from the event loop: must not block)
 *   stopping (optional; the run is about to stop, before the workers that
 *             use injectors are stopped: undo at once what would keep them
 *             or another injector from stopping, e.g. thaw a frozen device
 *             or server; called on every started injector in start order,
 *             from the event loop: must not block, so it wakes the
 *             injector's thread to do it)
 *   stop     (end of run or signal; must undo what start did, and every
 *             system change must already be in the journal)
 *   report   (facts for run.json; only when started; frees nothing)
 *   cleanup  (exactly once, whatever came before: after a CONF or failed
 *             probe, a failed start, or report; releases what priv holds,
 *             and must accept a half-built or untouched priv)
 *   (the core frees priv; cleanup sets inj->priv to NULL to leave it to a
 *    thread that did not stop, which then keeps it for the process's life)
 * start, stop, poll and report run only after a probe that returned 0;
 * stop only after a start that returned 0.
 */
#define MMT_INJECTOR_VERSION 2
#define MMT_INJ_MAX_COLUMNS 8

struct mmt_run;

struct mmt_inj {
	const struct mmt_injector_cfg *cfg;
	const struct mmt_injector_ops *ops;
	const void *opts;
	struct mmt_run *run;
	void *priv;               /* the plugin's state: ops->priv_size bytes */
	bool started;
	bool skipped;             /* optional, and this machine lacks it */
};

struct mmt_injector_ops {
	unsigned version;
	const char *name;
	const char *summary;
	const struct mmt_opt *opts;
	size_t opts_size;
	size_t priv_size;         /* zeroed state the core allocates before probe */
	/*
	 * The injector this one needs in the same job (its ops name, e.g.
	 * "nfs"; NULL: none), when requires_if(opts) says so (NULL: always).
	 * The job parser checks it (api/job.c), after validate.
	 */
	const char *requires;
	bool (*requires_if)(const void *opts);
	/* samples.csv columns (NULL-terminated, at most MMT_INJ_MAX_COLUMNS);
	 * prefixed with the instance name in the header. */
	const char *const *columns;
	int (*validate)(struct mmt_injector_cfg *cfg, const struct mmt_job *job,
			char *err, size_t err_len);
	/*
	 * Optional: bytes this injector's own cgroups may charge under the
	 * run's top cgroup (the sum of their memory.max), so that the run's
	 * memory budget includes them.  *ret_elastic: the injector gives its
	 * memory back as free memory falls (the pressure hogs), so the
	 * "never more than 3/4 of what is available" check leaves it out.
	 */
	uint64_t (*memory_budget)(const struct mmt_injector_cfg *cfg,
				  const struct mmt_topo *topo, bool *ret_elastic);
	/* 0: can run; >0: CONF, why says what is missing; <0: -errno. */
	int (*probe)(struct mmt_inj *inj, char *why, size_t why_len);
	int (*start)(struct mmt_inj *inj);
	/* Fill one value per column (NaN when unknown). */
	void (*poll)(struct mmt_inj *inj, double *vals);
	void (*stopping)(struct mmt_inj *inj);
	int (*stop)(struct mmt_inj *inj);
	void (*report)(struct mmt_inj *inj, json_object *out);
	void (*cleanup)(struct mmt_inj *inj);
};


/*
 * The run as an injector sees it (api/run_api.c): injectors reach the run
 * only through these, never through inj->run.  Thread-safe where they
 * write (events, findings, facts); the rest reads what does not change
 * while injectors run.
 */
struct mmt_cg;
struct mmt_cg_sys;
struct mmt_journal;
struct mmt_topo;

/* The run's cleanup journal: every side effect is recorded there first. */
struct mmt_journal *mmt_inj_journal(const struct mmt_inj *inj);
/* The run directory, and the run id ("20261122T010000Z-<job>"). */
const char *mmt_inj_dir(const struct mmt_inj *inj);
const char *mmt_inj_run_id(const struct mmt_inj *inj);
/* The job, the machine's topology and the cgroup controllers in use. */
const struct mmt_job *mmt_inj_job(const struct mmt_inj *inj);
const struct mmt_topo *mmt_inj_topo(const struct mmt_inj *inj);
const struct mmt_cg_sys *mmt_inj_cgsys(const struct mmt_inj *inj);
/* The run's top cgroup name ("mmtorture-<run>"), parent of its groups. */
const char *mmt_inj_cgroup_top(const struct mmt_inj *inj);

/* What an injector may know of a cell (valid while the run lasts; pid is
 * the worker at the time of the call, 0 when none). */
struct mmt_cell_view {
	const char *name;
	struct mmt_cg *cg;
	hwloc_const_bitmap_t cpus, mems;
	pid_t pid;
};
/* The cell called name; 0 or -ENOENT. */
int mmt_inj_cell(const struct mmt_inj *inj, const char *name, struct mmt_cell_view *ret);
/* The i-th cell (0 <= i < mmt_inj_nr_cells()); 0 or -ENOENT. */
unsigned mmt_inj_nr_cells(const struct mmt_inj *inj);
int mmt_inj_cell_at(const struct mmt_inj *inj, unsigned i, struct mmt_cell_view *ret);

/* The stall threshold in us: own_us when not 0, else the job's [global]
 * stall_threshold, else 60 s. */
uint64_t mmt_inj_stall_threshold_us(const struct mmt_inj *inj, uint64_t own_us);
/* The job's [global] stop_timeout in us (0 when unset). */
uint64_t mmt_inj_stop_timeout_us(const struct mmt_inj *inj);
/* Has the run begun to stop? */
bool mmt_inj_stopping(const struct mmt_inj *inj);

/*
 * Publish val under key for the cells of the run (a workload's
 * "key = @INSTANCE" reference, api/workload.h resolve): e.g. the writeback
 * injector's "dir", the mount it made.  val NULL says it never will (set-up
 * failed): the cells that wait for it are refused.  Publishing a key again
 * replaces it.  0, -ENOSPC (MMT_RUN_MAX_PROVIDED keys in the run) or
 * -ENAMETOOLONG.  Thread-safe: call it from the injector's thread.
 */
int mmt_inj_provide(struct mmt_inj *inj, const char *key, const char *val);

/* An events.jsonl line of type (ev consumed); 0 or -errno. */
int mmt_inj_event(struct mmt_inj *inj, const char *type, json_object *ev);
/* A finding for the verdict (logged at CONF and above). */
void mmt_inj_finding(struct mmt_inj *inj, enum mmt_finding f, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* run.json facts[key] = val (consumed). */
void mmt_inj_fact(struct mmt_inj *inj, const char *key, json_object *val);

/*
 * A task that made no progress: the one "stall" event schema, for the
 * watchdog's workers and the injectors' threads alike (api/run.h
 * mmt_run_stall).  Keys, in events.jsonl:
 *   source        "watchdog" or the injector's type ("swap")
 *   cell          the worker's cell                       (watchdog)
 *   injector      the injector instance                    (injectors)
 *   what          what the thread was doing ("swapoff")   (injectors)
 *   pid, tid      the task; thread: the worker's index    (pid, thread: watchdog)
 *   stalled_us    how long without progress (us)
 *   threshold_us  the threshold it passed (us)
 *   wchan         /proc/.../wchan when it was seen
 *   stack         /proc/.../stack inline                   (when read)
 *   evidence      a file in the run directory              (watchdog)
 *   sysrq_w       true when sysrq-w was triggered          (watchdog)
 * NULL strings, pid 0 and thread -1 leave their key out.
 */
struct mmt_stall {
	const char *source, *cell, *injector, *what;
	pid_t pid, tid;
	int thread;
	uint64_t stalled_us, threshold_us;
	const char *wchan, *stack, *evidence;
	bool sysrq_w;
};
/* Emit the stall event of an injector's thread (no finding: the caller
 * says it, once).  0 or -errno. */
int mmt_inj_stall(struct mmt_inj *inj, const struct mmt_stall *st);

#endif

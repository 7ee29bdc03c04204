/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_WORKLOAD_H
#define MMT_WORKLOAD_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hwloc.h>
#include <numaif.h>
#include <json-c/json.h>

#include "api/shared.h"
#include "api/job.h"
#include "lib/opt.h"
#include "lib/topo.h"

/*
 * A workload is what each thread of a cell's worker process does.  Each
 * plugin is one file in workloads/ exporting one const ops table, listed in
 * workloads/workloads.h.  The core checks the version and the hooks.
 */
#define MMT_WORKLOAD_VERSION 1

/* What a worker thread gets. */
struct mmt_wctx {
	const struct mmt_cell_cfg *cell;
	const void *opts;               /* the workload's option struct */
	const struct mmt_topo *topo;
	hwloc_const_bitmap_t cpus;      /* the cell's CPUs (resolved) */
	hwloc_const_bitmap_t mems;      /* the cell's nodes (resolved) */
	unsigned thread;                /* 0..threads-1 */
	uint64_t seed;                  /* per thread, from the job seed */
	struct mmt_thread_stats *stats;
	_Atomic uint32_t *stop;
	int msg_fd;                     /* write struct mmt_wmsg here */
	const struct mmt_mems_pub *mems_pub; /* the rebinder's rewrites; may be NULL */
};

static inline bool mmt_wctx_stopping(const struct mmt_wctx *ctx)
{
	return atomic_load_explicit(ctx->stop, memory_order_relaxed) != 0;
}

/* Mark progress (pages faulted) and beat the heart. */
void mmt_wctx_progress(struct mmt_wctx *ctx, uint64_t pages);
/* Record a failed syscall in the stats (last_errno, last_error). */
void mmt_wctx_error(struct mmt_wctx *ctx, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Send a message to the orchestrator. */
void mmt_wctx_send(struct mmt_wctx *ctx, const struct mmt_wmsg *msg);
/* Mark pages read back and compared, and beat the heart (no faults). */
void mmt_wctx_verified(struct mmt_wctx *ctx, uint64_t pages);

/*
 * The 64-bit value a workload writes into a page: a pure function of the
 * per-thread seed, the thread, the mmap..munmap round and the page index,
 * so a reader can recompute it.  Never 0, so a page that lost its write
 * (reads back zero-filled) never matches.
 */
uint64_t mmt_workload_pattern(uint64_t seed, unsigned thread, uint64_t loop,
			      uint64_t page);

/* Options of the fault workload (the [cell:X] keys of its table).  Public
 * so that bench/bench_fault.c can drive thread_run() directly. */
struct mmt_fault_opts {
	uint64_t size;            /* bytes per thread, page-aligned */
	int policy_api;           /* enum mmt_policy_api */
	int mode_flags;           /* enum mmt_mode_flags */
	bool verify;              /* read every page back after the touch */
	/* The rebind oracle (workloads/oracle.h); fault only, off elsewhere. */
	bool oracle;              /* check the policy after each rewrite */
	uint64_t oracle_settle;   /* us a mismatch may last before it is drift */
	uint64_t oracle_every;    /* pages faulted between two checks, at most */
	uint64_t oracle_interval; /* us between two checks, at most */
	uint64_t placement_tolerance; /* pages outside allowed per thread */
	struct mmt_setopt policy_nodes; /* the user nodemask; "all": the cell's;
				   * not given (set NULL): a strict subset,
				   * mmt_mpol_default_user() (fault only) */
	bool policy_once;         /* one mapping and policy; loops drop and refault */
};

/* Options of the hog workload. */
struct mmt_hog_opts {
	uint64_t size;            /* bytes per thread to allocate and hold */
	uint64_t chunk;           /* bytes per mmap() */
	bool mlock;               /* mlock() every chunk */
	bool shmem;               /* memfd (shmem) instead of anonymous memory */
};

/* Options of the dirty workload (workloads/dirty.c). */
struct mmt_dirty_opts {
	char dir[MMT_OPT_STRLEN]; /* MMT_OPT_STR: where the writers' files go */
	uint64_t file_size;       /* bytes per writer file; writes wrap */
	uint64_t chunk;           /* bytes per write(), 4K multiple */
	int sync;                 /* none | fsync | fdatasync | range */
	uint64_t sync_every;      /* bytes between syncs */
	bool direct;              /* O_DIRECT */
	uint64_t writers;         /* threads 0..writers-1 write; the rest fault */
	uint64_t anon_share;      /* percent of memory_max held by the faulters */
	bool global_oom;          /* meant for a run-wide OOM: lab machines only */
	bool refault;             /* faulters unmap and fault their share each round */
	/* Not a key: dir as resolve() found it ("@writeback": the mount the
	 * writeback injector published), "" until then or when dir is a path. */
	char dir_resolved[PATH_MAX];
};

/* ---- shared by the workloads (workloads/common.c) ---------------------- */

/*
 * Repeated failures of one call.  A race goes on; the same error again and
 * again for MMT_GIVE_UP_TRIES tries over MMT_GIVE_UP_US is a setup problem.
 */
#define MMT_GIVE_UP_TRIES 16
#define MMT_GIVE_UP_US (2 * MMT_WL_USEC_PER_SEC)
#define MMT_BACKOFF_US 1000
#define MMT_WL_USEC_PER_SEC 1000000ULL

struct mmt_err_track {
	int err;
	unsigned tries;
	uint64_t since_us;
};

static inline void mmt_err_track_ok(struct mmt_err_track *t)
{
	t->tries = 0;
}

/*
 * Record a failed call (err > 0) in ctx's stats as "<what> (loop N)".
 * Returns 0 to go on after a short backoff, or -err once the same error has
 * repeated long enough, unless tolerated (what the torture itself causes,
 * e.g. ENOMEM from a policy call under a racing rebind): then an
 * MMT_WMSG_ERROR "<who>: <what> failed N times in a row" went to the
 * orchestrator, which makes the run BROK.
 */
int mmt_err_track_fail(struct mmt_err_track *t, struct mmt_wctx *ctx, const char *who,
		       const char *what, uint64_t loop, int err, bool tolerated);
/* Sleep us unless the thread is told to stop. */
void mmt_wctx_backoff(const struct mmt_wctx *ctx, uint64_t us);

/*
 * A bound workload's thread body after its set-up: beat once, run
 * one_loop(arg) until told to stop or it fails (its -errno is returned),
 * then drop a per-task policy (set_mempolicy API) so the thread leaves as
 * it came.  0 or the loop's -errno.
 */
int mmt_wl_run_loops(struct mmt_wctx *ctx, int (*one_loop)(void *arg), void *arg,
		     bool task_policy);
/*
 * validate() helper: a per-thread size that is not a multiple of the page
 * size is rounded up, with a warning naming file:line:key.
 */
void mmt_wl_round_size(struct mmt_cell_cfg *cell, uint64_t *size);

/* Older <numaif.h> lack the mode flags (kernel values). */
#ifndef MPOL_F_STATIC_NODES
#define MPOL_F_STATIC_NODES (1 << 15)
#endif
#ifndef MPOL_F_RELATIVE_NODES
#define MPOL_F_RELATIVE_NODES (1 << 14)
#endif

/* MPOL_BIND with the cell's mode flag, as mbind()/set_mempolicy() want it. */
struct mmt_bind_policy {
	int mode;                       /* MPOL_BIND | flag */
	unsigned long mask[MMT_MASK_LONGS];
	unsigned long maxnode;
};

/*
 * Build it for the cell's nodes: mode_flags MMT_FLAGS_STATIC passes them
 * with MPOL_F_STATIC_NODES, MMT_FLAGS_RELATIVE passes nodes 0..n-1 with
 * MPOL_F_RELATIVE_NODES ("every node of the cpuset"), else plain.
 */
int mmt_bind_policy_build(hwloc_const_bitmap_t mems, int mode_flags,
			  struct mmt_bind_policy *ret);
/* The same for the user's nodemask USER, passed as it is (RELATIVE too).
 * 0, -EINVAL (USER empty or infinite), -ERANGE. */
int mmt_bind_policy_build_user(hwloc_const_bitmap_t user, int mode_flags,
			       struct mmt_bind_policy *ret);
/* POL's nodemask as a new bitmap in *RET (the caller frees it).  0, -ENOMEM. */
int mmt_bind_policy_user(const struct mmt_bind_policy *pol, hwloc_bitmap_t *ret);

/*
 * The NUMA policy a cell's threads allocate under, as the OOM classifier
 * records it with each kill: MPOL_BIND to the cell's nodes (cpuset.mems),
 * set with policy_api and mode_flags.
 */
struct mmt_wl_bind {
	int policy_api;           /* enum mmt_policy_api */
	int mode_flags;           /* enum mmt_mode_flags */
	/* The user nodemask of the policy (fault's policy_nodes; the caller
	 * zeroes *ret, so workloads that predate these keep the default):
	 * USER when the job names one (RELATIVE: positions in cpuset.mems);
	 * else the strict subset of lib/mpol.h mmt_mpol_default_user() when
	 * DEFAULT_SUBSET; else the cell's nodes (RELATIVE: 0..n-1). */
	hwloc_const_bitmap_t user;
	bool default_subset;
};
/* Their option names: "mbind"/"set_mempolicy", "none"/"static"/"relative". */
extern const char *const mmt_policy_api_names[];
extern const char *const mmt_mode_flags_names[];
/* bind_policy() of workloads whose options start with struct mmt_fault_opts. */
int mmt_fault_bind_policy(const struct mmt_cell_cfg *cell, struct mmt_wl_bind *ret);

/* The second word written into each page: never equal to the first. */
static inline uint64_t mmt_workload_tail(uint64_t head)
{
	return ~head | 1;
}

/*
 * A region written and read back page by page: two words a page (head at
 * the start, mmt_workload_tail(head) at the end), head from
 * mmt_workload_pattern(seed, thread, loop, page).
 */
#define MMT_MAX_REPORTS_PER_LOOP 8   /* corruption messages; the rest summed */

struct mmt_pattern_region {
	struct mmt_wctx *ctx;
	const char *who;          /* names the messages: "fault" */
	const char *round_name;   /* "loop" or "round", with round, in messages */
	uint64_t round;
	uint64_t loop;            /* the pattern's loop argument */
	unsigned char *base;
	size_t page_size;
	uint64_t nr_pages;
	unsigned batch;           /* pages between heartbeats and stop checks */
	bool rewrite_bad;         /* rewrite a corrupt page (report it once) */
};

/* Write page i's two words. */
void mmt_pattern_write_page(const struct mmt_pattern_region *r, uint64_t i);
/* Write every page, counting them as progress.  False when told to stop. */
bool mmt_pattern_write(const struct mmt_pattern_region *r);
/*
 * Read every page back, counting verified pages; a mismatch is an
 * MMT_WMSG_CORRUPTION message with the page's node (at most
 * MMT_MAX_REPORTS_PER_LOOP, then one note with the rest).  False when told
 * to stop.
 */
bool mmt_pattern_verify(const struct mmt_pattern_region *r);

size_t mmt_page_size(void);
/* bytes rounded up to a multiple of unit. */
static inline uint64_t mmt_round_up(uint64_t bytes, uint64_t unit)
{
	return (bytes + unit - 1) / unit * unit;
}

/*
 * A value an injector instance published for the cells (api/injector.h
 * mmt_inj_provide()), into buf: 0; -EAGAIN while not yet published;
 * -ENOENT no such injector in the job; -ENODEV it never will.
 */
typedef int (*mmt_wl_lookup_fn)(void *lookup_ctx, const char *inst, const char *key,
				char *buf, size_t len);
/* The injector instance a cell option's value refers to: "@writeback"
 * gives "writeback"; NULL when the value is no reference.  Pure. */
static inline const char *mmt_wl_ref(const char *val)
{
	return val && val[0] == '@' && val[1] ? val + 1 : NULL;
}

struct mmt_workload_ops {
	unsigned version;
	const char *name;
	const char *summary;
	const struct mmt_opt *opts;     /* extra [cell:X] keys */
	size_t opts_size;               /* size of the option struct */
	/* Optional: job-level checks after the topology is known. 0 or
	 * -EINVAL with err "file:line: [cell:x] key: reason". */
	int (*validate)(struct mmt_cell_cfg *cell, const struct mmt_topo *topo,
			char *err, size_t err_len);
	/* Optional: >0 and why when this machine cannot run it (CONF). */
	int (*probe)(const struct mmt_cell_cfg *cell,
		     const struct mmt_topo *topo, char *why, size_t why_len);
	/*
	 * Optional: resolve the cell's "key = @INSTANCE" references (values an
	 * injector publishes, e.g. the directory it mounted), in the
	 * orchestrator right before each spawn of the cell's worker; the
	 * answer goes into the workload's option struct (not a key), which the
	 * worker inherits.  0; -EAGAIN while one is not published yet (the core
	 * defers the spawn to the next tick); another -errno refuses the
	 * cell's worker, with why ("dir = @writeback: ...").
	 */
	int (*resolve)(struct mmt_cell_cfg *cell, mmt_wl_lookup_fn lookup, void *lookup_ctx,
		       char *why, size_t why_len);
	/*
	 * Its workers' threads may wait in the writeback path with their
	 * mmap_lock held or queued (a fault in reclaim, a munmap behind it):
	 * the orchestrator never reads their /proc/PID/numa_maps (which takes
	 * mmap_lock and would hold the event loop), so no placement for them.
	 */
	bool no_placement;
	/* Bytes one thread keeps mapped at most (sizes the memcg). */
	uint64_t (*thread_footprint)(const struct mmt_cell_cfg *cell);
	/* Required: the thread body; returns when ctx says stop, 0 or -errno. */
	int (*thread_run)(struct mmt_wctx *ctx);
	/* Optional: facts for run.json ("policy_api": "mbind", ...). */
	void (*describe)(const struct mmt_cell_cfg *cell, json_object *out);
	/* Optional: the MPOL_BIND policy its threads set (0), for the OOM
	 * classifier; absent when they set none. */
	int (*bind_policy)(const struct mmt_cell_cfg *cell, struct mmt_wl_bind *ret);
};

#endif

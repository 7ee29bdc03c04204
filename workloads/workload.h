/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_WORKLOAD_H
#define MMT_WORKLOAD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hwloc.h>
#include <json-c/json.h>

#include "cell.h"
#include "job.h"
#include "opt.h"
#include "topo.h"

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
};

/* Options of the hog workload. */
struct mmt_hog_opts {
	uint64_t size;            /* bytes per thread to allocate and hold */
	uint64_t chunk;           /* bytes per mmap() */
	bool mlock;               /* mlock() every chunk */
	bool shmem;               /* memfd (shmem) instead of anonymous memory */
};

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
	/* Bytes one thread keeps mapped at most (sizes the memcg). */
	uint64_t (*thread_footprint)(const struct mmt_cell_cfg *cell);
	/* Required: the thread body; returns when ctx says stop, 0 or -errno. */
	int (*thread_run)(struct mmt_wctx *ctx);
	/* Optional: facts for run.json ("policy_api": "mbind", ...). */
	void (*describe)(const struct mmt_cell_cfg *cell, json_object *out);
};

#endif

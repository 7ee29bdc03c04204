/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_OOMCLASS_H
#define MMT_OOMCLASS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "lib/topo.h"

/*
 * OOM classification (docs/design.md section 4), a pure function of the oom_kill
 * event and what the orchestrator knew at the time.  Unit-tested on
 * recorded inputs.
 */

#define MMT_OOM_MAX_PIDS 64

struct mmt_oom_cell {
	const char *name;
	const char *cg_name;        /* "mmtorture-<run>/<cell>", for memcg match */
	pid_t pids[MMT_OOM_MAX_PIDS];  /* every worker pid this cell ever had */
	unsigned nr_pids;
	uint64_t memory_max;        /* memcg limit in bytes (0 = none) */
	uint64_t memory_usage;      /* at the last sample */
	uint64_t memcg_oom_kills;   /* from memory.events / oom_control */
	uint64_t budget_bytes;      /* threads x region: what the cell asks for */
	uint64_t region_bytes;      /* one thread's region: spurious threshold */
	unsigned nodes[64];         /* allowed nodes (cpuset.mems) */
	unsigned nr_nodes;
	bool oom_expected;          /* job declares kills expected here */
	bool rebinding;             /* a rebinder works on this cell */
	uint64_t rebind_count;
	uint64_t last_rebind_us;    /* CLOCK_BOOTTIME us of the last write */
	const char *policy_api;     /* "mbind" / "set_mempolicy" */
	const char *mode_flags;     /* "none" / "static" / "relative" */
};

struct mmt_oom_ctx {
	const struct mmt_oom_cell *cells;
	unsigned nr_cells;
	/* free memory per node at the last sample before the kill (kB) */
	int64_t node_free_kb[MMT_MAX_NODES];   /* -1 = unknown */
	uint64_t sample_ts_us;                  /* CLOCK_BOOTTIME */
	uint64_t spurious_threshold_kb;         /* 0: the cell's region size */
	uint64_t mem_free_kb;                   /* global MemFree */
};

enum mmt_oom_class {
	MMT_OOM_EXPECTED,
	MMT_OOM_SPURIOUS,
	MMT_OOM_FOREIGN,
	MMT_OOM_UNEXPECTED,   /* one of ours, job expects none, not provably
				 spurious: still a FAIL */
};

const char *mmt_oom_class_name(enum mmt_oom_class c);

/*
 * Classify ev (an "oom_kill" event from the combiner).  Adds to ev:
 * "class", "cell" (or null), "evidence" {...}, "rebind_in_flight", "race"
 * (true for CONSTRAINT_MEMORY_POLICY/CPUSET under a rebinding cell),
 * "policy_api", "mode_flags".  Returns the class.
 */
enum mmt_oom_class mmt_oom_classify(json_object *ev, const struct mmt_oom_ctx *ctx);

/* Index of the cell that owns pid or whose memcg matches; -1 if none. */
int mmt_oom_find_cell(const struct mmt_oom_ctx *ctx, pid_t pid,
		      const char *memcg);

#endif

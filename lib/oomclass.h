/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_OOMCLASS_H
#define MMT_OOMCLASS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/kmsg.h"
#include "lib/topo.h"
#include "lib/verdict.h"

/*
 * OOM classification (docs/design.md section 4), a pure function of the
 * kernel's OOM report and what the orchestrator knew at the time, and the
 * judge that turns a kill into a finding.  Unit-tested on recorded inputs
 * (tests/data/oomclass/).
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
	bool rebinding;             /* an injector races the allocator here */
	uint64_t rebind_count;      /* its writes so far */
	uint64_t last_rebind_us;    /* CLOCK_BOOTTIME us of the last write */
	const char *policy_api;     /* "mbind" / "set_mempolicy"; NULL: none */
	const char *mode_flags;     /* "none" / "static" / "relative"; NULL: none */
};

struct mmt_oom_ctx {
	const struct mmt_oom_cell *cells;
	unsigned nr_cells;
	/* free memory per node at the last sample before the kill (kB) */
	int64_t node_free_kb[MMT_MAX_NODES];   /* -1 = unknown */
	/* each node's high watermark at that sample, summed over its zones
	 * (kB); 0 or -1 = unknown (then counted as 0) */
	int64_t node_wmark_high_kb[MMT_MAX_NODES];
	uint64_t sample_ts_us;                  /* CLOCK_BOOTTIME */
	uint64_t spurious_threshold_kb;         /* 0: the cell's region size */
	uint64_t mem_free_kb;                   /* global MemFree */
	/* for the judge */
	const char *run_cgroup;     /* "mmtorture-<run>": the run's cgroup tree */
	bool foreign_fails;         /* the job makes a foreign kill a FAIL */
};

enum mmt_oom_class {
	MMT_OOM_EXPECTED,
	MMT_OOM_SPURIOUS,
	MMT_OOM_FOREIGN,
	MMT_OOM_UNEXPECTED,   /* one of ours, job expects none, not provably
				 spurious: still a FAIL */
};

const char *mmt_oom_class_name(enum mmt_oom_class c);

/* Where a cell's kill by a rewrite of its cpuset stood (design section 4). */
struct mmt_oom_rebind {
	bool rebinding;
	uint64_t rebind_count;
	uint64_t last_rebind_us;    /* valid when rebind_count */
	int64_t kill_ts_us;         /* -1: the report had no timestamp */
	bool has_delta;
	int64_t delta_us;           /* kill_ts_us - last_rebind_us */
	int64_t window_us;          /* a write this close before the kill is "in flight" */
	bool in_flight;
};

/* What the classifier looked at; -1 (or 0 where said) is "unknown". */
struct mmt_oom_evidence {
	int64_t pid;
	const char *task_memcg;     /* the report's; "" if none */
	/* the rest is set only when the victim is a cell's */
	const char *allocation_nodes;  /* the report's nodemask/mems_allowed; NULL */
	const char *constraint;     /* NULL: the report gave none */
	uint64_t threshold_kb;
	unsigned allowed_nodes[64];
	unsigned nr_allowed_nodes;
	int64_t node_free_kb_sample[MMT_MAX_NODES];   /* allowed nodes only */
	int64_t allowed_free_kb_sample;
	uint64_t sample_ts_us;      /* 0: no sample */
	int64_t node_free_kb_kernel[MMT_MAX_NODES];   /* allowed nodes only */
	int64_t allowed_free_kb_kernel;
	/* the high watermarks of the same nodes, which a node that ran out
	 * still shows free (THP raises min_free_kbytes: ~25 MiB per 512 MiB
	 * node in the lab VM); "free above the threshold" is free less these */
	int64_t allowed_wmark_high_kb_sample;   /* /proc/zoneinfo; -1: unknown */
	int64_t allowed_wmark_high_kb_kernel;   /* the report's zone lines; -1 */
	uint64_t mem_free_kb;
	int64_t memcg_usage_kb, memcg_limit_kb;
	uint64_t cell_memory_max, cell_memory_usage, cell_memcg_oom_kills;
	uint64_t budget_kb;
	bool oom_expected;
	bool memcg_oom;
	int64_t available_kb;       /* rule 4 only */
};

/* The classifier's (and then the judge's) answer for one kill. */
struct mmt_oom_verdict {
	enum mmt_oom_class cls;
	const char *rule;           /* the rule that fired (static string) */
	int cell;                   /* index into ctx->cells, -1: not ours */
	const char *cell_name;      /* NULL: not ours */
	bool race;                  /* policy/cpuset OOM under a rebinding cell */
	bool by_invoker;            /* cell is the invoker's, not the victim's (rule 1a) */
	struct mmt_oom_rebind rebind;   /* cell known only */
	const char *policy_api, *mode_flags;   /* the cell's, or NULL */
	struct mmt_oom_evidence evidence;
};

/*
 * Classify one OOM kill (rep->pid > 0).  Fills ret (pointers into rep and
 * ctx, which must outlive it) and returns the class.  Never fails: a
 * NULL rep or ctx gives MMT_OOM_UNEXPECTED, rule "no_report".
 */
enum mmt_oom_class mmt_oom_classify(const struct mmt_oom_report *rep,
				    const struct mmt_oom_ctx *ctx,
				    struct mmt_oom_verdict *ret);

/*
 * The judge: every rule that turns an OOM kill into a finding.
 *
 * rep is the kernel's report of the kill; it is classified here (ret is
 * mmt_oom_classify()'s answer, possibly overridden).  rep == NULL is a
 * kill seen only through the memcg oom_kill counter of cell counter_cell
 * (a worker died of SIGKILL, its memcg counted a kill, and no report
 * came); ret then holds class, rule "memcg_counter" and the cell.
 *
 * Returns the finding (MMT_F_OOM_EXPECTED, _SPURIOUS, _UNEXPECTED,
 * _FOREIGN, _FOREIGN_FAIL or MMT_F_HARNESS).  Rules and why: oomclass.c.
 */
enum mmt_finding mmt_oom_judge(const struct mmt_oom_report *rep, int counter_cell,
			       const struct mmt_oom_ctx *ctx, struct mmt_oom_verdict *ret);

/*
 * J5, the traces the cpuset x mempolicy race leaves when the OOM killer
 * does not fire (issue 12): a "Huh VM_FAULT_OOM leaked out to the #PF
 * handler" line (pagefault_out_of_memory(), mm/oom_kill.c: no task named,
 * pid < 0) or a page allocation failure of task pid (warn_alloc(),
 * mm/page_alloc.c).  ts_us is the line's printk timestamp (-1: unknown).
 * The cell is the one that owns pid; with no pid, the rebinding cell whose
 * last cpuset.mems write is nearest before ts_us (else the first
 * rebinding one).  When that cell is being rebound, ret holds the cell,
 * race = true, the rebind-in-flight figures (as for a kill) and rule
 * "no_kill_under_rebind", class spurious, and MMT_F_OOM_SPURIOUS is
 * returned (a FAIL).  Otherwise -ENOENT: no finding of its own (ret->cell
 * still says whose it was, -1 none).  -EINVAL for a NULL ctx or ret.
 */
int mmt_oom_judge_no_kill(int64_t pid, int64_t ts_us, const struct mmt_oom_ctx *ctx,
			  struct mmt_oom_verdict *ret);

/* Index of the cell that owns pid or whose memcg matches; -1 if none. */
int mmt_oom_find_cell(const struct mmt_oom_ctx *ctx, pid_t pid,
		      const char *memcg);

#endif

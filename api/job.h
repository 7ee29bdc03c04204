/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_JOB_H
#define MMT_JOB_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/opt.h"

struct mmt_topo;
struct mmt_workload_ops;
struct mmt_injector_ops;

#define MMT_MAX_CELLS 32
#define MMT_MAX_INJECTORS 32
#define MMT_MAX_KEYS 64
#define MMT_NAME_LEN 48
/* The longest run: the job key `duration` and `run -t` (microseconds, 168h). */
#define MMT_JOB_DURATION_MAX_US (7ULL * 24 * 3600 * 1000000)

/* Where a section and each of its keys came from, for error messages. */
struct mmt_src {
	char file[PATH_MAX];
	unsigned line;                     /* the [section] line */
	const char *keys[MMT_MAX_KEYS];    /* option names seen (table-owned) */
	unsigned key_lines[MMT_MAX_KEYS];
	unsigned nr_keys;
};

/* Line of key in src, or the section's line when the key was defaulted. */
unsigned mmt_src_line(const struct mmt_src *src, const char *key);

enum mmt_expect_oom {
	MMT_EXPECT_OOM_NONE,   /* any OOM kill of a worker is a FAIL */
	MMT_EXPECT_OOM_MEMCG,  /* kills inside the cell's memcg are expected */
	MMT_EXPECT_OOM_ANY,    /* every kill of this cell's worker is expected */
};

enum mmt_foreign_oom {
	MMT_FOREIGN_OOM_WARN,  /* a kill outside our cells is a warning */
	MMT_FOREIGN_OOM_FAIL,
};

/* [global] */
struct mmt_global_opts {
	uint64_t duration_us;
	uint64_t seed;            /* 0: derived from the clock, and recorded */
	uint64_t sample_interval_us;
	uint64_t stall_threshold_us;
	uint64_t stop_timeout_us; /* SIGTERM -> SIGKILL -> "unkillable" */
	uint64_t victim_exit_us;  /* OOM kill -> victim exit threshold */
	char results[MMT_OPT_STRLEN];
	int expect_oom;           /* enum mmt_expect_oom: default for cells */
	int foreign_oom;          /* enum mmt_foreign_oom */
	int64_t oom_score_adj;    /* default for cells */
	char description[MMT_OPT_STRLEN];
	uint64_t mem_budget;      /* cap for the whole run's memcg; 0 = auto */
	char psi_trigger[MMT_OPT_STRLEN]; /* "some 500ms 2s"; "" = none */
	bool psi_fail;            /* a PSI trigger firing is a FAIL */
	bool sysrq_w;             /* on a stall, dump blocked tasks (sysrq-w) */
	uint64_t spurious_threshold; /* free bytes on allowed nodes that make a
					kill spurious; 0 = the worker's region */
};

enum mmt_policy_api { MMT_API_MBIND, MMT_API_SET_MEMPOLICY };
enum mmt_mode_flags { MMT_FLAGS_NONE, MMT_FLAGS_STATIC, MMT_FLAGS_RELATIVE };

/* [cell:NAME] keys common to every workload. */
struct mmt_cell_opts {
	int workload;             /* index into the workload registry */
	uint64_t threads;
	struct mmt_setopt cpus;   /* the cell's cpuset.cpus */
	struct mmt_setopt mems;   /* the cell's cpuset.mems */
	uint64_t memory_max;      /* memcg limit; 0 = auto (see run.c) */
	uint64_t swap_max;        /* memcg swap limit (v2 memory.swap.max) */
	int64_t oom_score_adj;    /* -1001 = inherit [global] */
	int expect_oom;           /* -1 = inherit [global] */
	bool respawn;             /* restart the worker after an expected kill */
};

struct mmt_cell_cfg {
	char name[MMT_NAME_LEN];
	struct mmt_src src;
	struct mmt_cell_opts o;
	const struct mmt_workload_ops *wl;
	void *wl_opts;            /* wl->opts_size bytes, owned */
};

struct mmt_injector_cfg {
	char name[MMT_NAME_LEN];  /* instance name: "rebind" or "swap:zram" */
	struct mmt_src src;
	const struct mmt_injector_ops *ops;
	void *opts;               /* ops->opts_size bytes, owned */
	bool optional;            /* missing here: skip it (a note), not CONF */
};

struct mmt_job {
	char name[MMT_NAME_LEN];  /* file name without .ini */
	char path[PATH_MAX];
	char *text;               /* the job file as read, for run.json */
	struct mmt_src gsrc;
	struct mmt_global_opts g;
	unsigned nr_cells;
	struct mmt_cell_cfg cells[MMT_MAX_CELLS];
	unsigned nr_injectors;
	struct mmt_injector_cfg injectors[MMT_MAX_INJECTORS];
};

extern const struct mmt_opt mmt_global_opt_table[];
extern const struct mmt_opt mmt_cell_opt_table[];
/* Keys every injector section has (fields of struct mmt_injector_cfg). */
extern const struct mmt_opt mmt_injector_common_opt_table[];

/*
 * Parse a job file into *ret_job (overwritten: pass a job that holds
 * nothing).  Sections: [global], [cell:NAME] (keys: the cell table
 * plus the chosen workload's table) and [INJECTOR] or [INJECTOR:NAME].
 * On error returns -EINVAL and writes one line into err:
 *   "jobs/x.ini:12: [cell:a] size: '12Q' is not a size; allowed 4K..64G"
 * Nothing is created by parsing.  On error the job is freed already
 * (mmt_job_free() on it is harmless).  A file that cannot be read returns
 * its -errno, also with err set.
 */
struct mmt_job_plugins;
int mmt_job_parse_file(const char *path, const struct mmt_job_plugins *plugins,
		       struct mmt_job *ret_job, char *err, size_t err_len);
int mmt_job_parse_string(const char *name, const char *text,
			 const struct mmt_job_plugins *plugins,
			 struct mmt_job *ret_job, char *err, size_t err_len);

/*
 * Check the job against this machine: resolve "all", refuse CPUs and nodes
 * that do not exist (naming file, line and key), and size automatic values.
 * Returns 0 or -EINVAL with err set.
 */
int mmt_job_validate(struct mmt_job *job, const struct mmt_topo *topo,
		     char *err, size_t err_len);

void mmt_job_free(struct mmt_job *job);

/*
 * The plugins a job may name: the command line passes the registries
 * (harness/registry.h, mmt_registry); tests pass their own.  A cell's
 * o.workload is an index into workloads[].
 */
struct mmt_job_plugins {
	const struct mmt_workload_ops *const *workloads;
	unsigned nr_workloads;
	const char *const *workload_names;  /* NULL-terminated, same order */
	const struct mmt_injector_ops *const *injectors;
	unsigned nr_injectors;
};


/*
 * The [cell:NAME] option table with the workload key's choices taken from
 * plugins (mmt_cell_opt_table leaves them empty: the api knows no
 * registry).  ret_table holds nr entries; -E2BIG when that is too few.
 */
int mmt_job_cell_opts(const struct mmt_job_plugins *plugins, struct mmt_opt *ret_table,
		      size_t nr);
#define MMT_JOB_CELL_OPTS_MAX 64

/* A cell's effective values: its own, or [global]'s when it inherits. */
int64_t mmt_job_cell_oom_score_adj(const struct mmt_job *job,
				   const struct mmt_cell_cfg *cell);
int mmt_job_cell_expect_oom(const struct mmt_job *job,
			    const struct mmt_cell_cfg *cell);

#define MMT_CELL_OOM_SCORE_ADJ_INHERIT (-1001)
#define MMT_CELL_EXPECT_OOM_INHERIT (-1)

/* Resolve a job argument: a path, or a built-in name ("default").  0,
 * -ENOENT (neither), -EISDIR (a directory), -ENAMETOOLONG. */
int mmt_job_find(const char *arg, char *ret_path, size_t len);
/* Directory of the built-in jobs. */
const char *mmt_job_dir(void);

#endif

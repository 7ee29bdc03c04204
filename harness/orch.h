/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_ORCH_H
#define MMT_ORCH_H

/*
 * The orchestrator's private state, shared by its files: run.c (set-up,
 * the event loop, workers, teardown), kernel_events.c (kernel log and OOM
 * kills), watchdog.c (stalls and escalation), samples.c (samples.csv) and
 * runjson.c (run.json, KTAP, JUnit).  Plugins see struct mmt_run only.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "lib/kmsg.h"
#include "lib/monitor.h"
#include "lib/oomclass.h"
#include "harness/run.h"
#include "lib/set.h"

#define MAX_VICTIMS 256
/* Bytes of a victim's thread stacks read at once (lib/kstack.h). */
#define VICTIM_DUMP_MAX (64 * 1024)
#define MAX_DEATHS 64
#define KMSG_BATCH 16
/* A worker killed by SIGKILL waits this long for its OOM report. */
#define DEATH_GRACE_US (10 * MMT_USEC_PER_SEC)
#define RESPAWN_DELAY_US (200 * 1000)
/* The event loop's nice once the run is under way (see run.c). */
#define RECORDER_NICE (-10)
#define MAX_SPAWNS 10000
#define MAX_PSI (1 + MMT_MAX_CELLS)

enum esc_state { ESC_NONE, ESC_TERM, ESC_KILL, ESC_UNKILLABLE };

struct victim {
	pid_t pid;
	int cell;                 /* -1: not ours */
	uint64_t kill_mono_us;
	bool exited, stuck_reported;
	bool counted;             /* already accounted from the memcg counter */
	int pidfd;                /* followed until it exits, when has_pidfd */
	bool has_pidfd;
	/* Its threads read as soon as the kill line was seen (lib/kstack.h). */
	bool seen_alive;          /* some thread was still there */
	bool in_writeback;        /* one was in the writeback path */
	pid_t wb_tid;
	char wb_frame[64];
	char kill_line[256];      /* what the OOM killer said */
	char *kill_dump;          /* its stacks at the kill, until written (malloc) */
	bool reaped;              /* the oom_reaper reaped it */
	pid_t hung_tid;           /* a hung-task report named it (0: none) */
};

struct death {
	pid_t pid;
	int cell;
	int sig;
	uint64_t mono_us;
	uint64_t memcg_kills_before;
};

/* The rebind oracle's counters of a cell's last worker (runjson.c). */
#define MMT_ORCH_ORACLE_NR 8
struct orch_oracle {
	bool on;
	uint64_t v[MMT_ORCH_ORACLE_NR];
};

/* Orchestrator state beyond struct mmt_run (which plugins see). */
struct orch {
	struct mmt_run *run;
	const struct mmt_run_args *args;   /* the progress callback */
	int epfd, sigfd, tickfd, endfd, kmsgfd;
	int msg_wfd[MMT_MAX_CELLS];
	struct mmt_kmsg_state *kst;
	struct mmt_kevent *kev;   /* KMSG_BATCH events out of kst */
	uint64_t kmsg_records;
	uint64_t kmsg_lost;
	struct mmt_vmstat vm_start, vm_prev;
	uint64_t tick_prev_us;
	int64_t node_free_kb[MMT_MAX_NODES];      /* by topo index */
	int64_t node_wmark_high_kb[MMT_MAX_NODES]; /* by node id; -1 unknown */
	uint64_t node_free_boot_us;
	uint64_t mem_free_kb;
	unsigned nr_cols;
	double *row;
	struct victim victims[MAX_VICTIMS];
	unsigned nr_victims;
	uint64_t victims_recycled;         /* slots of exited victims reused */
	struct death deaths[MAX_DEATHS];
	unsigned nr_deaths;
	/* per cell */
	struct orch_oracle oracle[MMT_MAX_CELLS];
	enum esc_state esc[MMT_MAX_CELLS];
	uint64_t esc_deadline_us[MMT_MAX_CELLS];
	uint64_t respawn_at_us[MMT_MAX_CELLS];
	uint64_t deferred_since_us[MMT_MAX_CELLS];   /* resolve() said -EAGAIN */
	bool watchdog_killed[MMT_MAX_CELLS];
	uint64_t memcg_kills[MMT_MAX_CELLS];
	uint64_t memcg_kills_matched[MMT_MAX_CELLS];
	uint64_t mem_usage[MMT_MAX_CELLS];
	uint64_t victims_seen_alive[MMT_MAX_CELLS];   /* kills we read in time */
	uint64_t victims_in_writeback[MMT_MAX_CELLS]; /* ... in the writeback path */
	/* Where the bound pages were, summed over samples (numa_maps). */
	uint64_t placement[MMT_MAX_CELLS][MMT_MAX_NODES];      /* bind mappings */
	uint64_t placement_anon[MMT_MAX_CELLS][MMT_MAX_NODES]; /* other anon */
	uint64_t placement_outside[MMT_MAX_CELLS];
	unsigned placement_samples[MMT_MAX_CELLS];
	int psi_fd[MAX_PSI];      /* PSI triggers: system, then cells (v2) */
	int psi_cell[MAX_PSI];    /* -1: system-wide */
	unsigned nr_psi;
	uint64_t psi_events;
	int interrupted;          /* signal number that stopped the run */
	bool stop_requested;
};

enum { TAG_SIG = 1, TAG_TICK, TAG_END, TAG_KMSG, TAG_PSI = 50, TAG_CELL = 100 };

/* A new JSON string; NULL becomes "". */
static inline json_object *jstr(const char *s)
{
	return json_object_new_string(s ? s : "");
}

static inline json_object *jset(hwloc_const_bitmap_t set)
{
	char buf[256];

	mmt_set_format(set, buf, sizeof(buf));
	return jstr(buf);
}

static inline bool pid_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

/* samples.c */
uint64_t mmt_orch_cell_pages(const struct mmt_cell_rt *c, uint64_t *ret_loops);
int mmt_orch_samples_header(struct orch *o);
void mmt_orch_sample(struct orch *o, uint64_t now);
/* kernel_events.c */
struct victim *mmt_orch_victim_find(struct orch *o, pid_t pid);
/* Free memory per node, MemFree and the nodes' high watermarks, now (for
 * the OOM classifier; samples.c). */
void mmt_orch_sample_free(struct orch *o);
struct victim *mmt_orch_victim_new(struct orch *o, pid_t pid, int cell, uint64_t kill_mono_us);
/* Has the victim exited?  (Its pidfd, else kill(0).)  Closes the pidfd
 * once it has. */
bool mmt_orch_victim_gone(struct victim *v);
/* The victim exited: mark it, and close its pidfd (its slot may be reused). */
void mmt_orch_victim_exited(struct victim *v);
/* Close every victim's pidfd (end of run). */
void mmt_orch_victims_close(struct orch *o);
void mmt_orch_kmsg_drain(struct orch *o);
/* Events held back for a follow-up line: those older than now_us (printk
 * clock), or all at the end of the run. */
void mmt_orch_kmsg_expire(struct orch *o, uint64_t now_us);
void mmt_orch_kmsg_flush(struct orch *o);
/* The OOM classifier's view of the run now (cells[] has MMT_MAX_CELLS). */
void mmt_orch_oom_ctx(struct orch *o, struct mmt_oom_cell *cells, struct mmt_oom_ctx *ctx);
/* watchdog.c */
void mmt_orch_watchdog(struct orch *o, uint64_t now);
/* runjson.c */
void mmt_orch_write_outputs(struct orch *o);
/* Keep cell i's oracle counters from its shared page (before it goes). */
void mmt_orch_oracle_keep(struct orch *o, unsigned i);

#endif

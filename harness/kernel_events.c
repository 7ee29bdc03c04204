// SPDX-License-Identifier: GPL-2.0-only
/* The kernel log during a run: records to kmsg.log, events, OOM kills. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "api/workload.h"
#include "harness/orch.h"
#include "lib/kstack.h"
#include "lib/oomclass.h"
#include "lib/util.h"
#include "results/kevent_json.h"
#include "results/results.h"

struct victim *mmt_orch_victim_find(struct orch *o, pid_t pid)
{
	for (unsigned i = 0; i < o->nr_victims; i++)
		if (o->victims[i].pid == pid)
			return &o->victims[i];
	return NULL;
}

/* ---- OOM victims, followed until they exit ----------------------------------- */

/*
 * A slot for a new victim: a free one, else the one killed longest ago of
 * those that exited and have no stacks left to write.  A run on a
 * kernel that kills often has thousands of victims; the table keeps the
 * MAX_VICTIMS most recent.  NULL when every slot is still in use.
 */
struct victim *mmt_orch_victim_new(struct orch *o, pid_t pid, int cell, uint64_t kill_mono_us)
{
	struct victim *v = NULL;

	if (o->nr_victims < MAX_VICTIMS) {
		v = &o->victims[o->nr_victims++];
	} else {
		for (unsigned i = 0; i < o->nr_victims; i++) {
			struct victim *c = &o->victims[i];

			if (c->exited && !c->kill_dump && (!v || c->kill_mono_us < v->kill_mono_us))
				v = c;
		}
		if (!v)
			return NULL;
		mmt_orch_victim_exited(v);   /* its pidfd, if still open */
		o->victims_recycled++;
	}
	*v = (struct victim){ .pid = pid, .cell = cell, .kill_mono_us = kill_mono_us };
	return v;
}

void mmt_orch_victim_exited(struct victim *v)
{
	v->exited = true;
	if (v->has_pidfd) {
		close(v->pidfd);
		v->has_pidfd = false;
	}
}

bool mmt_orch_victim_gone(struct victim *v)
{
	struct pollfd p;

	if (v->exited)
		return true;
	if (!v->has_pidfd)
		return !pid_alive(v->pid);
	/* A pidfd polls readable once the whole thread group has exited
	 * (kernel/pid.c pidfd_poll); unlike kill(0), never a reused pid. */
	p = (struct pollfd){ .fd = v->pidfd, .events = POLLIN };
	if (poll(&p, 1, 0) == 0)
		return false;
	close(v->pidfd);
	v->has_pidfd = false;
	return true;
}

void mmt_orch_victims_close(struct orch *o)
{
	for (unsigned i = 0; i < o->nr_victims; i++) {
		if (o->victims[i].has_pidfd) {
			close(o->victims[i].pidfd);
			o->victims[i].has_pidfd = false;
		}
		free(o->victims[i].kill_dump);
		o->victims[i].kill_dump = NULL;
	}
}

/* The cell whose worker pid is (any it ever had), or -1. */
static int cell_of_worker(const struct mmt_run *run, pid_t pid)
{
	for (unsigned i = 0; i < run->nr_cells; i++)
		for (unsigned k = 0; k < run->cells[i].nr_pids; k++)
			if (run->cells[i].pids[k] == pid)
				return (int)i;
	return -1;
}

/*
 * Every thread's stack at the kill, beside the kill line: written once the
 * kill's event is on disk (a file created in the run directory must not
 * delay the event a freeze could lose).
 */
static void victim_kill_evidence(struct orch *o)
{
	char name[96], path[PATH_MAX];
	FILE *f;

	for (unsigned i = 0; i < o->nr_victims; i++) {
		struct victim *v = &o->victims[i];

		if (!v->kill_dump)
			continue;
		snprintf(name, sizeof(name), "victim-%d-kill.txt", (int)v->pid);
		mmt_run_path(o->run, name, path, sizeof(path));
		f = fopen(path, "we");
		if (f) {
			fprintf(f, "%s\n%s", v->kill_line, v->kill_dump);
			fclose(f);
		}
		free(v->kill_dump);
		v->kill_dump = NULL;
	}
}

/*
 * The kill line of one of our workers, as soon as it is read (the OOM
 * report it ends is held back for the reaper line): follow the victim
 * (pidfd) and read its threads' stacks now, while the killed threads may
 * still wait where the kill found them.
 */
static void victim_seen(struct orch *o, const struct mmt_kmsg_rec *rec)
{
	struct mmt_run *run = o->run;
	struct mmt_kmsg_match m;
	struct mmt_kstack_proc kp;
	struct victim *v;
	char *dump;
	uint64_t now = mmt_now_us();
	int ci, fd;

	if (!strstr(rec->msg, "Killed process") ||
	    mmt_kmsg_classify(rec->msg, &m) != MMT_KMSG_OOM_KILLED || m.pid <= 0 ||
	    m.pid > INT32_MAX)
		return;
	ci = cell_of_worker(run, (pid_t)m.pid);
	if (ci < 0 || mmt_orch_victim_find(o, (pid_t)m.pid))
		return;
	dump = malloc(VICTIM_DUMP_MAX);
	if (!dump)
		return;
	/* printk's clock runs with CLOCK_MONOTONIC: the kill's own time */
	v = mmt_orch_victim_new(o, (pid_t)m.pid, ci,
				rec->has_ts && rec->ts_us && rec->ts_us <= now ? rec->ts_us : now);
	if (!v) {
		free(dump);
		return;
	}
	snprintf(v->kill_line, sizeof(v->kill_line), "%s", rec->msg);
	fd = (int)syscall(SYS_pidfd_open, v->pid, 0);
	if (fd >= 0) {
		v->pidfd = fd;
		v->has_pidfd = true;
	}
	if (mmt_kstack_process(v->pid, dump, VICTIM_DUMP_MAX, &kp) > 0) {
		v->seen_alive = true;
		o->victims_seen_alive[ci]++;
		if (kp.in_writeback) {
			v->in_writeback = true;
			v->wb_tid = kp.wb_tid;
			snprintf(v->wb_frame, sizeof(v->wb_frame), "%s", kp.wb_frame);
			o->victims_in_writeback[ci]++;
			v->kill_dump = dump;       /* written after the event */
			dump = NULL;
		}
	}
	free(dump);
}

/* A hung-task report of a victim (its pid or one of its threads). */
static void victim_hung(struct orch *o, const struct mmt_kevent *kev, json_object *ev)
{
	pid_t pid = (pid_t)kev->u.task.pid;
	char path[64];

	if (pid <= 0)
		return;
	for (unsigned i = 0; i < o->nr_victims; i++) {
		struct victim *v = &o->victims[i];

		snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)v->pid, (int)pid);
		if (v->exited || (v->pid != pid && v->wb_tid != pid && access(path, F_OK) < 0))
			continue;
		v->hung_tid = pid;
		json_object_object_add(ev, "victim_pid", json_object_new_int(v->pid));
		return;
	}
}

/* ---- kernel log ---------------------------------------------------------- */

void mmt_orch_oom_ctx(struct orch *o, struct mmt_oom_cell *cells, struct mmt_oom_ctx *ctx)
{
	struct mmt_run *run = o->run;

	memset(ctx, 0, sizeof(*ctx));
	for (unsigned i = 0; i < run->nr_cells; i++) {
		struct mmt_cell_rt *c = &run->cells[i];
		const struct mmt_workload_ops *wl = c->cfg->wl;
		struct mmt_oom_cell *oc = &cells[i];
		struct mmt_wl_bind bind = { 0 };
		int id;

		memset(oc, 0, sizeof(*oc));
		oc->name = c->cfg->name;
		oc->cg_name = c->cg_name;
		for (unsigned k = 0; k < c->nr_pids && k < MMT_OOM_MAX_PIDS; k++)
			oc->pids[oc->nr_pids++] = c->pids[k];
		oc->memory_max = c->memory_max;
		oc->memory_usage = o->mem_usage[i];
		oc->memcg_oom_kills = o->memcg_kills[i];
		oc->region_bytes = wl->thread_footprint ? wl->thread_footprint(c->cfg) : 0;
		oc->budget_bytes = oc->region_bytes * c->cfg->o.threads;
		hwloc_bitmap_foreach_begin(id, c->mems)
			if (oc->nr_nodes < 64)
				oc->nodes[oc->nr_nodes++] = (unsigned)id;
		hwloc_bitmap_foreach_end();
		oc->oom_expected = c->expect_oom != MMT_EXPECT_OOM_NONE;
		oc->rebinding = mmt_run_cell_is_disturbed(c);
		oc->rebind_count = mmt_run_cell_disturbances(c, &oc->last_rebind_us);
		if (wl->bind_policy && wl->bind_policy(c->cfg, &bind) == 0) {
			oc->policy_api = mmt_policy_api_names[bind.policy_api];
			oc->mode_flags = mmt_mode_flags_names[bind.mode_flags];
		}
	}
	ctx->cells = cells;
	ctx->nr_cells = run->nr_cells;
	for (unsigned i = 0; i < MMT_MAX_NODES; i++)
		ctx->node_free_kb[i] = -1;
	/* Before the first sample nothing is known (not "0 kB free"). */
	for (unsigned i = 0; o->node_free_boot_us && i < run->topo->nr_nodes; i++) {
		unsigned id = run->topo->nodes[i].id;

		if (id < MMT_MAX_NODES)
			ctx->node_free_kb[id] = o->node_free_kb[i];
	}
	for (unsigned n = 0; n < MMT_MAX_NODES; n++)
		ctx->node_wmark_high_kb[n] = o->node_free_boot_us ? o->node_wmark_high_kb[n] : -1;
	ctx->sample_ts_us = o->node_free_boot_us;
	ctx->spurious_threshold_kb = run->job->g.spurious_threshold >> 10;
	ctx->mem_free_kb = o->mem_free_kb;
	ctx->run_cgroup = run->top_name;
	ctx->foreign_fails = run->job->g.foreign_oom == MMT_FOREIGN_OOM_FAIL;
}

static void oom_finding(struct mmt_run *run, enum mmt_finding f, const struct mmt_oom_report *rep,
			const struct mmt_oom_verdict *v)
{
	const char *cell = v->cell_name ? v->cell_name : "?";
	int pid = (int)rep->pid;
	char lim[32];

	switch (f) {
	case MMT_F_HARNESS:
		if (v->rule && !strcmp(v->rule, "budget_exceeds_nodes")) {
			mmt_run_finding(run, f, "cell %s: worker %d was OOM-killed asking for more (%" PRIu64 " kB) than its nodes held (%" PRId64 " kB) in a job that expects no OOM kill: shrink size or threads",
					cell, pid, v->evidence.budget_kb, v->evidence.available_kb);
			break;
		}
		mmt_format_size(run->cells[v->cell].memory_max, lim, sizeof(lim));
		mmt_run_finding(run, f, "cell %s: worker %d hit its memcg limit (%s) in a job that expects no OOM kill: raise memory_max",
				cell, pid, lim);
		break;
	case MMT_F_OOM_EXPECTED:
		mmt_run_finding(run, f, "OOM kill of %s (pid %d) in cell %s: expected",
				rep->comm, pid, cell);
		break;
	case MMT_F_OOM_SPURIOUS:
		if (v->by_invoker) {
			mmt_run_finding(run, f,
					"spurious OOM in cell %s: its worker %s (tid %" PRId64 ") invoked the OOM killer with free memory on nodes %s; the victim was %s (pid %d)",
					cell, rep->invoker_comm, rep->invoker_pid,
					v->evidence.allocation_nodes ? v->evidence.allocation_nodes : "?",
					rep->comm, pid);
			break;
		}
		mmt_run_finding(run, f,
				"spurious OOM kill of %s (pid %d) in cell %s: its nodes had free memory",
				rep->comm, pid, cell);
		break;
	case MMT_F_OOM_FOREIGN:
	case MMT_F_OOM_FOREIGN_FAIL:
		mmt_run_finding(run, f, "OOM kill of %s (pid %d), not one of ours", rep->comm, pid);
		break;
	default:
		mmt_run_finding(run, f, "OOM kill of worker %s (pid %d) in cell %s, which expects none",
				rep->comm, pid, cell);
		break;
	}
}

static void on_oom_kill(struct orch *o, const struct mmt_kevent *kev, json_object *ev)
{
	const struct mmt_oom_report *rep = &kev->u.oom;
	struct mmt_run *run = o->run;
	struct mmt_oom_cell cells[MMT_MAX_CELLS];
	struct mmt_oom_report judged;
	struct mmt_oom_verdict v;
	struct mmt_oom_ctx ctx;
	enum mmt_finding f;
	struct victim *vic;
	pid_t pid;
	int ci;

	if (rep->pid <= 0 || rep->pid > INT32_MAX) {
		/* A report whose kill line never came (cut short, or the
		 * killer found no victim): nobody to classify. */
		char seq[24] = "?";

		if (kev->has_seq)
			snprintf(seq, sizeof(seq), "%" PRIu64, kev->seq);
		json_object_object_add(ev, "class", json_object_new_string("incomplete"));
		mmt_run_finding(run, MMT_F_NOTE, "an OOM report without a victim (kmsg seq %s)", seq);
		return;
	}
	pid = (pid_t)rep->pid;
	mmt_orch_oom_ctx(o, cells, &ctx);
	/*
	 * Who invoked the killer: the report names a thread (current->pid);
	 * the cells know their workers' processes.  The faulting thread
	 * usually lives on after a hog was taken in its place (rule 1a).
	 */
	judged = *rep;
	if (judged.invoker_pid > 0) {
		int64_t tgid = mmt_tgid_of(judged.invoker_pid);

		judged.invoker_tgid = tgid > 0 ? tgid : 0;
	}
	/*
	 * A report the kernel ratelimited (10 per 5 s, oom_kill.c dump_header)
	 * is the kill line alone, with no task_memcg: ask the victim's
	 * /proc/<pid>/cgroup while it is still exiting, so that an injector's
	 * hog is known as one (J2).  A task that already left its cgroups
	 * (exit_cgroup) shows the root, "/", which says nothing.
	 */
	if (!judged.task_memcg[0] && !judged.oom_memcg[0] &&
	    mmt_cg_memcg_of(judged.pid, judged.task_memcg, sizeof(judged.task_memcg)) == 0) {
		if (strcmp(judged.task_memcg, "/"))
			json_object_object_add(ev, "task_memcg_from_proc", jstr(judged.task_memcg));
		else
			judged.task_memcg[0] = '\0';
	}
	rep = &judged;
	f = mmt_oom_judge(rep, -1, &ctx, &v);
	if (rep->invoker_tgid > 0)
		json_object_object_add(ev, "invoker_tgid", json_object_new_int64(rep->invoker_tgid));
	mmt_oom_verdict_to_json(&v, ev);
	ci = mmt_oom_find_cell(&ctx, pid, NULL);
	vic = mmt_orch_victim_find(o, pid);
	if (vic && vic->counted) {
		/* Its death was already accounted from the memcg counter. */
		json_object_object_add(ev, "accounted_earlier", json_object_new_boolean(true));
		return;
	}
	if (!vic) {
		/* printk's clock (local_clock) runs with CLOCK_MONOTONIC, so the
		 * kill's own timestamp measures the victim's time to exit. */
		uint64_t kill_us = mmt_now_us();

		if (kev->has_ts && kev->kernel_ts_us > 0 && kev->kernel_ts_us <= kill_us)
			kill_us = kev->kernel_ts_us;
		vic = mmt_orch_victim_new(o, pid, ci, kill_us);
	}
	if (vic) {
		if (!vic->kill_line[0])
			snprintf(vic->kill_line, sizeof(vic->kill_line), "%s", kev->line);
		vic->reaped = rep->reaped;
		json_object_object_add(ev, "victim_seen_alive",
				       json_object_new_boolean(vic->seen_alive));
		json_object_object_add(ev, "in_writeback",
				       json_object_new_boolean(vic->in_writeback));
		if (vic->in_writeback) {
			json_object_object_add(ev, "writeback_frame", jstr(vic->wb_frame));
			json_object_object_add(ev, "writeback_tid", json_object_new_int(vic->wb_tid));
		}
	}
	if (ci >= 0) {
		run->cells[ci].oom_kills++;
		o->memcg_kills_matched[ci]++;
	}
	oom_finding(run, f, rep, &v);
}

/*
 * What the cpuset x mempolicy race leaves when the OOM killer does not
 * fire: a #PF that returned VM_FAULT_OOM, or a page allocation failure of
 * one of our workers, while its cell is being rebound (lib/oomclass.c, J5):
 * a FAIL of the spurious-OOM family, with the rebind evidence in the event.
 */
static void on_no_kill(struct orch *o, const struct mmt_kevent *kev, json_object *ev)
{
	struct mmt_oom_cell cells[MMT_MAX_CELLS];
	struct mmt_oom_verdict v;
	struct mmt_oom_ctx ctx;
	int64_t pid = kev->type == MMT_KEV_ALLOC_FAIL ? kev->u.alloc.pid : -1;
	int64_t ts = kev->has_ts ? (int64_t)kev->kernel_ts_us : -1;
	int r;

	if (kev->type == MMT_KEV_ALLOC_FAIL && pid <= 0)
		return;
	mmt_orch_oom_ctx(o, cells, &ctx);
	r = mmt_oom_judge_no_kill(pid, ts, &ctx, &v);
	if (r < 0 || v.cell < 0)
		return;
	mmt_oom_verdict_to_json(&v, ev);
	if (kev->type == MMT_KEV_PF_OOM_LEAK)
		mmt_run_finding(o->run, (enum mmt_finding)r,
				"#PF returned VM_FAULT_OOM without an OOM kill while cell %s was being rebound",
				v.cell_name);
	else
		mmt_run_finding(o->run, (enum mmt_finding)r,
				"page allocation failure of %s (pid %d) while cell %s was being rebound",
				kev->u.alloc.comm, (int)pid, v.cell_name);
}

/* Kernel events that are a finding by themselves, their line the reason. */
static const struct {
	enum mmt_kev_type type;
	enum mmt_finding finding;
} line_findings[] = {
	{ MMT_KEV_HUNG_TASK, MMT_F_HUNG_TASK },
	{ MMT_KEV_LOCKUP, MMT_F_LOCKUP },
	{ MMT_KEV_WQ_LOCKUP, MMT_F_LOCKUP },
	{ MMT_KEV_RCU_STALL, MMT_F_RCU_STALL },
	{ MMT_KEV_BUG, MMT_F_KERNEL_BUG },
	{ MMT_KEV_PANIC, MMT_F_KERNEL_BUG },
	{ MMT_KEV_WARN, MMT_F_KERNEL_WARN },
};

/*
 * The events a freeze must not lose: an OOM kill and the kernel's own
 * reports of a task or CPU that stopped.  Each is on stable storage
 * (fdatasync of events.jsonl and kmsg.log) before the loop goes on.
 */
static bool critical(enum mmt_kev_type type)
{
	if (type == MMT_KEV_OOM_KILL)
		return true;
	for (unsigned i = 0; i < MMT_ARRAY_SIZE(line_findings); i++)
		if (line_findings[i].type == type)
			return true;
	return false;
}

static void on_kernel_event(struct orch *o, const struct mmt_kevent *kev)
{
	struct mmt_run *run = o->run;
	json_object *ev = mmt_kevent_to_json(kev);
	uint64_t now, at;

	if (!ev)
		return;
	if (kev->type == MMT_KEV_MARK) {
		/* Our own marks (lib/kmark.h): already in kmsg.log, no event. */
		json_object_put(ev);
		return;
	}
	/* A FAIL judged here syncs once, after its event line (below). */
	mmt_run_sync_hold(run);
	if (kev->type == MMT_KEV_OOM_KILL) {
		on_oom_kill(o, kev, ev);
	} else if (kev->type == MMT_KEV_PF_OOM_LEAK || kev->type == MMT_KEV_ALLOC_FAIL) {
		on_no_kill(o, kev, ev);
	} else if (kev->type == MMT_KEV_HUNG_TASK) {
		victim_hung(o, kev, ev);
	} else if (kev->type == MMT_KEV_KMSG_LOST) {
		o->kmsg_lost += kev->u.lost.missing;
		mmt_run_finding(run, MMT_F_KMSG_LOST, "%" PRIu64 " kernel log records were lost",
				kev->u.lost.missing);
	}
	for (unsigned i = 0; i < MMT_ARRAY_SIZE(line_findings); i++)
		if (line_findings[i].type == kev->type)
			mmt_run_finding(run, line_findings[i].finding, "%s", kev->line);
	/* How late we learnt of it: printk's clock runs with CLOCK_MONOTONIC. */
	now = mmt_now_us();
	at = kev->has_ts && kev->kernel_ts_us > 0 && kev->kernel_ts_us <= now ?
	     kev->kernel_ts_us : 0;
	if (at)
		json_object_object_add(ev, "latency_us", json_object_new_int64((int64_t)(now - at)));
	/* Stamped with when the kernel logged it, not when we read it. */
	mmt_run_event_at(run, mmt_kev_type_name(kev->type), ev, at);
	if (critical(kev->type))
		mmt_run_sync(run);
	mmt_run_sync_release(run);   /* nothing more when that sync covered it */
}

static void dispatch(struct orch *o, int n)
{
	for (int i = 0; i < n; i++)
		on_kernel_event(o, &o->kev[i]);
}

void mmt_orch_kmsg_expire(struct orch *o, uint64_t now_us)
{
	if (o->kst)
		dispatch(o, mmt_kmsg_expire(o->kst, now_us, o->kev, KMSG_BATCH));
}

void mmt_orch_kmsg_flush(struct orch *o)
{
	if (o->kst)
		dispatch(o, mmt_kmsg_flush(o->kst, o->kev, KMSG_BATCH));
}

void mmt_orch_kmsg_drain(struct orch *o)
{
	struct mmt_kmsg_rec *rec;
	char line[MMT_KMSG_MAX + 128];

	if (o->kmsgfd < 0 || !o->kst || !o->kev)
		return;
	rec = malloc(sizeof(*rec));
	if (!rec)
		return;
	for (;;) {
		int r = mmt_kmsg_read(o->kmsgfd, rec);

		if (r == -EPIPE) {
			mmt_kmsg_lost(o->kst);
			continue;
		}
		if (r <= 0)
			break;
		o->kmsg_records++;
		victim_seen(o, rec);
		mmt_kmsg_format_log(rec, line, sizeof(line));
		mmt_results_kmsg(o->run->res, line);
		dispatch(o, mmt_kmsg_feed(o->kst, rec, o->kev, KMSG_BATCH));
	}
	victim_kill_evidence(o);
	free(rec);
}

// SPDX-License-Identifier: GPL-2.0-only
/* The watchdog: worker heartbeats, stall evidence, escalation, stuck victims. */
#include "config.h"

#include <inttypes.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/orch.h"
#include "lib/kstack.h"
#include "lib/monitor.h"
#include "lib/util.h"

/* ---- watchdog ------------------------------------------------------------- */

static void capture_stall(struct orch *o, struct mmt_cell_rt *c, pid_t pid,
			  int tid, unsigned thread, uint64_t stalled_us)
{
	struct mmt_run *run = o->run;
	char name[128], path[PATH_MAX], src[128], buf[16384];
	bool sysrq_w = false;
	FILE *f;
	int fd;

	snprintf(name, sizeof(name), "stall-%s-%d-%u.txt", c->cfg->name, tid, c->spawns);
	mmt_run_path(run, name, path, sizeof(path));
	/* Nothing in the run directory is followed through a symlink. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f && fd >= 0)
		close(fd);
	if (f) {
		static const char *const files[] = { "stack", "wchan", "status" };

		for (unsigned i = 0; i < MMT_ARRAY_SIZE(files); i++) {
			snprintf(src, sizeof(src), "/proc/%d/task/%d/%s", (int)pid, tid, files[i]);
			fprintf(f, "==> %s <==\n", src);
			if (mmt_read_file(src, buf, sizeof(buf)) >= 0)
				fprintf(f, "%s\n", buf);
			else
				fprintf(f, "(unreadable)\n");
		}
		fprintf(f, "==> /proc/vmstat <==\n");
		if (mmt_read_file("/proc/vmstat", buf, sizeof(buf)) >= 0)
			fputs(buf, f);
		for (unsigned i = 0; i < run->topo->nr_nodes; i++) {
			snprintf(src, sizeof(src), "/sys/devices/system/node/node%u/meminfo",
				 run->topo->nodes[i].id);
			fprintf(f, "==> %s <==\n", src);
			if (mmt_read_file(src, buf, sizeof(buf)) >= 0)
				fputs(buf, f);
		}
		fflush(f);
		fdatasync(fileno(f));
		fclose(f);
	}
	if (run->job->g.sysrq_w && mmt_write_file("/proc/sysrq-trigger", "w") == 0)
		sysrq_w = true;
	snprintf(src, sizeof(src), "/proc/%d/task/%d/wchan", (int)pid, tid);
	if (mmt_read_file(src, buf, 256) < 0)
		snprintf(buf, sizeof(buf), "?");
	/* The stack is in the evidence file, with the node's meminfo. */
	mmt_run_stall(run, &(struct mmt_stall){
				   .source = "watchdog",
				   .cell = c->cfg->name,
				   .pid = pid,
				   .tid = tid,
				   .thread = (int)thread,
				   .stalled_us = stalled_us,
				   .threshold_us = run->job->g.stall_threshold_us,
				   .wchan = buf,
				   .evidence = name,
				   .sysrq_w = sysrq_w,
			   });
	mmt_run_finding(run, MMT_F_STALL,
			"cell %s: thread %u (tid %d) made no progress for %.1f s (threshold %.1f s), wchan %s",
			c->cfg->name, thread, tid, (double)stalled_us / 1e6,
			(double)run->job->g.stall_threshold_us / 1e6, buf);
}

static void escalate(struct orch *o, struct mmt_cell_rt *c, uint64_t now)
{
	struct mmt_run *run = o->run;
	pid_t pid = atomic_load(&c->pid);
	unsigned ci = c->index;

	if (pid <= 0)
		return;
	switch (o->esc[ci]) {
	case ESC_NONE:
		kill(pid, SIGTERM);
		o->esc[ci] = ESC_TERM;
		o->esc_deadline_us[ci] = now + run->job->g.stop_timeout_us;
		break;
	case ESC_TERM:
		if (now < o->esc_deadline_us[ci])
			break;
		kill(pid, SIGKILL);
		o->esc[ci] = ESC_KILL;
		o->esc_deadline_us[ci] = now + run->job->g.stop_timeout_us;
		break;
	case ESC_KILL:
		if (now < o->esc_deadline_us[ci])
			break;
		{
			json_object *ev = json_object_new_object();
			char path[64], wchan[128] = "?";

			snprintf(path, sizeof(path), "/proc/%d/wchan", (int)pid);
			mmt_read_file(path, wchan, sizeof(wchan));
			json_object_object_add(ev, "cell", jstr(c->cfg->name));
			json_object_object_add(ev, "pid", json_object_new_int(pid));
			json_object_object_add(ev, "wchan", jstr(wchan));
			mmt_run_event(run, "unkillable", ev);
			mmt_run_finding(run, MMT_F_UNKILLABLE,
					"cell %s: worker %d still alive %.1f s after SIGKILL (wchan %s)",
					c->cfg->name, (int)pid,
					(double)run->job->g.stop_timeout_us / 1e6, wchan);
		}
		o->esc[ci] = ESC_UNKILLABLE;
		break;
	case ESC_UNKILLABLE:
		break;
	}
}

/*
 * An OOM victim that has not exited within victim_exit: the evidence, in
 * victim-<pid>-stuck.txt and inline in the "victim_stuck" event: every
 * thread's stack, wchan and state now, whether it is in the writeback path
 * (lib/kstack.h) now and was at the kill, how long, what the OOM killer
 * and the reaper said, a hung-task report of it, and nr_dirty and
 * nr_writeback of this moment.
 *
 * Read on the event loop, because none of these reads waits for anything a
 * stuck task holds (Linux 6.1): /proc/<pid>/task/<tid>/stack takes the
 * target's exec_update_lock for read, killable (fs/proc/base.c,
 * lock_trace()), which only an exec holds for write; wchan and stat read
 * the task without locks (get_wchan(), do_task_stat()); status reads the mm
 * counters without mmap_lock (fs/proc/array.c, task_mem()).  Nothing here
 * reads cmdline, environ, maps or smaps, which take the stuck task's
 * mmap_lock.
 */
static void victim_stuck(struct orch *o, struct victim *v, uint64_t now)
{
	static const char *const keys[] = { "nr_dirty", "nr_writeback" };
	struct mmt_run *run = o->run;
	const char *cell = v->cell >= 0 ? run->cells[v->cell].cfg->name : "?";
	uint64_t vm[2] = { 0, 0 }, waited = mmt_us_since(now, v->kill_mono_us);
	struct mmt_kstack_proc kp;
	char name[96], path[PATH_MAX], src[64], status[2048] = "", wb_thread[48];
	json_object *ev = json_object_new_object();
	char *dump = malloc(VICTIM_DUMP_MAX);
	FILE *f;

	v->stuck_reported = true;
	if (!dump || mmt_kstack_process(v->pid, dump, VICTIM_DUMP_MAX, &kp) < 0)
		kp = (struct mmt_kstack_proc){ .state = '?' };
	mmt_mon_vmstat_keys(keys, vm, 2);
	snprintf(wb_thread, sizeof(wb_thread), "%d (state %c)", (int)kp.wb_tid, kp.wb_state);
	snprintf(src, sizeof(src), "/proc/%d/status", (int)v->pid);
	mmt_read_file(src, status, sizeof(status));
	snprintf(name, sizeof(name), "victim-%d-stuck.txt", (int)v->pid);
	mmt_run_path(run, name, path, sizeof(path));
	f = fopen(path, "we");
	if (f) {
		fprintf(f, "OOM victim %d of cell %s, %.1f s after the kill\n", (int)v->pid, cell,
			(double)waited / 1e6);
		fprintf(f, "kill: %s\nreaped: %s\n", v->kill_line, v->reaped ? "yes" : "no");
		if (v->in_writeback)
			fprintf(f, "at the kill: thread %d in the writeback path at %s\n",
				(int)v->wb_tid, v->wb_frame);
		fprintf(f, "nr_dirty %" PRIu64 " nr_writeback %" PRIu64 "\n", vm[0], vm[1]);
		fprintf(f, "==> %s <==\n%s\n%s", src, status, dump ? dump : "");
		fflush(f);
		fdatasync(fileno(f));
		fclose(f);
	}
	json_object_object_add(ev, "pid", json_object_new_int(v->pid));
	json_object_object_add(ev, "cell", v->cell >= 0 ? jstr(cell) : NULL);
	json_object_object_add(ev, "waited_us", json_object_new_int64((int64_t)waited));
	json_object_object_add(ev, "state", json_object_new_string_len(&kp.state, 1));
	json_object_object_add(ev, "threads", json_object_new_int((int)kp.nr_threads));
	json_object_object_add(ev, "wchan", jstr(kp.wchan));
	json_object_object_add(ev, "in_writeback", json_object_new_boolean(kp.in_writeback));
	if (kp.in_writeback) {
		json_object_object_add(ev, "writeback_frame", jstr(kp.wb_frame));
		json_object_object_add(ev, "writeback_tid", json_object_new_int(kp.wb_tid));
		json_object_object_add(ev, "writeback_state",
				       json_object_new_string_len(&kp.wb_state, 1));
	}
	json_object_object_add(ev, "in_writeback_at_kill", json_object_new_boolean(v->in_writeback));
	json_object_object_add(ev, "stack", jstr(dump ? dump : ""));
	json_object_object_add(ev, "kill", jstr(v->kill_line));
	json_object_object_add(ev, "reaped", json_object_new_boolean(v->reaped));
	if (v->hung_tid)
		json_object_object_add(ev, "hung_task_tid", json_object_new_int(v->hung_tid));
	json_object_object_add(ev, "nr_dirty", json_object_new_uint64(vm[0]));
	json_object_object_add(ev, "nr_writeback", json_object_new_uint64(vm[1]));
	json_object_object_add(ev, "evidence", jstr(name));
	mmt_run_event(run, "victim_stuck", ev);
	mmt_run_finding(run, MMT_F_VICTIM_STUCK,
			"OOM victim %d (cell %s) has not exited %.1f s after the kill: state %c, "
			"wchan %s%s%s%s%s%s, %s by the oom_reaper, nr_dirty %" PRIu64 " nr_writeback %"
			PRIu64 " (%s)", (int)v->pid, cell, (double)waited / 1e6, kp.state,
			kp.wchan[0] ? kp.wchan : "?", kp.in_writeback ? ", thread " : "",
			kp.in_writeback ? wb_thread : "",
			kp.in_writeback ? " in the writeback path at " : "",
			kp.in_writeback ? kp.wb_frame : "", v->hung_tid ? ", hung task" : "",
			v->reaped ? "reaped" : "not reaped", vm[0], vm[1], name);
	free(dump);
}

void mmt_orch_watchdog(struct orch *o, uint64_t now)
{
	struct mmt_run *run = o->run;
	uint64_t thr = run->job->g.stall_threshold_us;

	for (unsigned ci = 0; ci < run->nr_cells; ci++) {
		struct mmt_cell_rt *c = &run->cells[ci];
		pid_t pid = atomic_load(&c->pid);

		if (o->esc[ci] != ESC_NONE) {
			escalate(o, c, now);
			continue;
		}
		if (pid <= 0 || !c->sh)
			continue;
		for (unsigned t = 0; t < c->sh->nr_threads && t < MMT_MAX_THREADS; t++) {
			struct mmt_thread_stats *st = &c->sh->t[t];
			uint64_t hb = atomic_load(&st->heartbeat_us);

			if (atomic_load(&st->state) != MMT_THREAD_RUNNING || hb == 0)
				continue;
			if (now <= hb || now - hb < thr)
				continue;
			if (c->stall_reported & (1ULL << t))
				continue;
			c->stall_reported |= 1ULL << t;
			capture_stall(o, c, pid, atomic_load(&st->tid), t, now - hb);
			o->watchdog_killed[ci] = true;
		}
		if (o->watchdog_killed[ci] && o->esc[ci] == ESC_NONE)
			escalate(o, c, now);
	}
	/* OOM victims that do not exit. */
	for (unsigned i = 0; i < o->nr_victims; i++) {
		struct victim *v = &o->victims[i];

		if (v->exited || v->stuck_reported)
			continue;
		if (mmt_orch_victim_gone(v)) {
			mmt_orch_victim_exited(v);
			continue;
		}
		if (mmt_us_since(now, v->kill_mono_us) > run->job->g.victim_exit_us)
			victim_stuck(o, v, now);
	}
}

// SPDX-License-Identifier: GPL-2.0-only
/* The watchdog: worker heartbeats, stall evidence, escalation, stuck victims. */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "harness/orch.h"
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
		if (!pid_alive(v->pid)) {
			v->exited = true;
			continue;
		}
		if (now - v->kill_mono_us > run->job->g.victim_exit_us) {
			json_object *ev = json_object_new_object();

			v->stuck_reported = true;
			json_object_object_add(ev, "pid", json_object_new_int(v->pid));
			json_object_object_add(ev, "cell",
					       v->cell >= 0 ? jstr(run->cells[v->cell].cfg->name) : NULL);
			json_object_object_add(ev, "waited_us",
					       json_object_new_int64((int64_t)(now - v->kill_mono_us)));
			mmt_run_event(run, "victim_stuck", ev);
			mmt_run_finding(run, MMT_F_VICTIM_STUCK,
					"OOM victim %d has not exited %.1f s after the kill",
					(int)v->pid, (double)(now - v->kill_mono_us) / 1e6);
		}
	}
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The orchestrator of one run (docs/design.md section 3).  Over 1000
 * lines because set-up, the event loop, the cells' life (spawn, reap,
 * respawn, deaths) and teardown share struct orch; the kernel log, the
 * watchdog, the samples and run.json are already in files of their own.
 *
 * One process, one epoll loop over: a signalfd (SIGCHLD, SIGINT, SIGTERM,
 * SIGHUP), a timerfd for sampling and the watchdog, a timerfd for the end of
 * the run, /dev/kmsg and one pipe per cell.  Anything that can block inside
 * the kernel (the rebinder's writes, swapon, dm loads) runs on an injector
 * thread, so the recorder never waits on what the torture can wedge.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cgroup.h"
#include "lib/journal.h"
#include "lib/undo.h"
#include "lib/kmsg.h"
#include "lib/log.h"
#include "lib/sysfx/dm.h"
#include "lib/monitor.h"
#include "lib/oomclass.h"
#include "results/results.h"
#include "harness/orch.h"
#include "harness/run.h"
#include "lib/set.h"
#include "lib/util.h"
#include "workloads/workloads.h"

/* ---- small utilities ---------------------------------------------------- */



static int epoll_add(int epfd, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	return 0;
}


static int timer_arm(int fd, uint64_t first_us, uint64_t interval_us)
{
	struct itimerspec its = {
		.it_value = { (time_t)(first_us / MMT_USEC_PER_SEC),
			      (long)(first_us % MMT_USEC_PER_SEC) * 1000 },
		.it_interval = { (time_t)(interval_us / MMT_USEC_PER_SEC),
				 (long)(interval_us % MMT_USEC_PER_SEC) * 1000 },
	};

	if (timerfd_settime(fd, 0, &its, NULL) < 0)
		return -errno;
	return 0;
}



/* ---- cells -------------------------------------------------------------- */

static int lookup_provided(void *run, const char *inst, const char *key, char *buf, size_t len)
{
	return mmt_run_provided(run, inst, key, buf, len);
}

/*
 * The workload's "key = @INSTANCE" references (workload.h resolve), right
 * before a spawn.  0; -EAGAIN: not published yet, the spawn waits for a
 * later tick (at most the stall threshold, then -ETIMEDOUT); another
 * -errno with a finding: the cell cannot start.
 */
static int cell_resolve(struct orch *o, struct mmt_cell_rt *c)
{
	struct mmt_run *run = o->run;
	/* The job is ours: resolve() writes into the cell's option struct. */
	struct mmt_cell_cfg *cfg = &run->job->cells[c->index];
	uint64_t now = mmt_now_us();
	char why[PATH_MAX + 128] = "";
	int r;

	if (!cfg->wl->resolve)
		return 0;
	r = cfg->wl->resolve(cfg, lookup_provided, run, why, sizeof(why));
	if (r == -EAGAIN) {
		if (!o->deferred_since_us[c->index]) {
			json_object *ev = json_object_new_object();

			o->deferred_since_us[c->index] = now;
			json_object_object_add(ev, "cell", jstr(cfg->name));
			json_object_object_add(ev, "reason", jstr("waits for an injector"));
			mmt_run_event(run, "worker_deferred", ev);
		}
		if (mmt_us_since(now, o->deferred_since_us[c->index]) <= run->job->g.stall_threshold_us)
			return -EAGAIN;
		snprintf(why, sizeof(why), "what it refers to was not published within %.0f s",
			 (double)run->job->g.stall_threshold_us / 1e6);
		r = -ETIMEDOUT;
	}
	o->deferred_since_us[c->index] = 0;
	if (r < 0)
		mmt_run_finding(run, MMT_F_HARNESS, "cell %s: %s", cfg->name,
				why[0] ? why : strerror(-r));
	return r;
}

static int cell_spawn(struct orch *o, struct mmt_cell_rt *c)
{
	struct mmt_run *run = o->run;
	int go[2], r;
	pid_t pid;
	char b = 'g';

	if (c->spawns >= MAX_SPAWNS)
		return -EAGAIN;
	r = cell_resolve(o, c);
	if (r == -EAGAIN) {
		o->respawn_at_us[c->index] = mmt_now_us() + 1;   /* the next tick */
		return 0;
	}
	if (r < 0)
		return r;
	/* Carry the counters of an earlier worker, then reset the page. */
	c->pages_carry = mmt_orch_cell_pages(c, &c->loops_carry);
	memset(c->sh, 0, sizeof(*c->sh));
	if (pipe2(go, O_CLOEXEC) < 0)
		return log_err_errno(-errno, "cell %s: pipe", c->cfg->name);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(go[0]);
		close(go[1]);
		return log_err_errno(r, "cell %s: fork", c->cfg->name);
	}
	if (pid == 0) {
		ssize_t n;
		int ar;

		close(go[1]);
		/*
		 * The worker joins its cgroup itself, before it allocates
		 * anything: a write to cgroup.procs waits for the
		 * cgroup_threadgroup_rwsem (percpu_down_write(), an RCU grace
		 * period: 13-22 ms per write measured on this kind of VM), and
		 * the event loop must not wait that long at every respawn.
		 */
		ar = mmt_cg_attach(c->cg, getpid());
		/* Allocate nothing until the orchestrator has placed us. */
		do {
			n = read(go[0], &b, 1);
		} while (n < 0 && errno == EINTR);
		if (n != 1)
			_exit(110);
		close(go[0]);
		mmt_cell_worker_main(run, c, o->msg_wfd[c->index], ar);
	}
	close(go[0]);
	/* Placed before it may run: at its oom_score_adj (the worker checks
	 * it and its cgroup before it touches memory). */
	r = mmt_worker_set_oom_score_adj(pid, c->oom_score_adj);
	if (r < 0) {
		close(go[1]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		mmt_run_finding(run, MMT_F_HARNESS,
				"cell %s: cannot set the worker's oom_score_adj to %d: %s%s",
				c->cfg->name, c->oom_score_adj, strerror(-r),
				r == -EACCES ? " (lowering it needs CAP_SYS_RESOURCE)" : "");
		return r;
	}
	atomic_store(&c->pid, pid);
	c->state = MMT_CELL_RUNNING;
	c->spawned_us = mmt_now_us();
	c->spawns++;
	/*
	 * The last MMT_CELL_MAX_PIDS workers: a kill is matched to its cell by
	 * pid, and a cell of a kernel that kills often respawns hundreds of
	 * times (the first 64 alone made every later kill look foreign).
	 */
	if (c->nr_pids == MMT_CELL_MAX_PIDS)
		memmove(c->pids, c->pids + 1, --c->nr_pids * sizeof(c->pids[0]));
	c->pids[c->nr_pids++] = pid;
	c->stall_reported = 0;
	o->esc[c->index] = ESC_NONE;
	if (write(go[1], &b, 1) != 1)
		log_warn("cell %s: cannot release worker %d", c->cfg->name, (int)pid);
	close(go[1]);
	{
		json_object *ev = json_object_new_object();

		json_object_object_add(ev, "cell", jstr(c->cfg->name));
		json_object_object_add(ev, "pid", json_object_new_int(pid));
		json_object_object_add(ev, "spawn", json_object_new_int((int)c->spawns));
		mmt_run_event(run, "worker_start", ev);
	}
	return 0;
}

static int cell_index_of_pid(struct mmt_run *run, pid_t pid)
{
	for (unsigned i = 0; i < run->nr_cells; i++)
		if (atomic_load(&run->cells[i].pid) == pid)
			return (int)i;
	return -1;
}

/* died_us: when it was reaped (CLOCK_MONOTONIC), 0: now. */
static void worker_lost(struct orch *o, struct mmt_cell_rt *c, pid_t pid,
			const char *how, uint64_t died_us)
{
	json_object *ev = json_object_new_object();

	json_object_object_add(ev, "cell", jstr(c->cfg->name));
	json_object_object_add(ev, "pid", json_object_new_int(pid));
	json_object_object_add(ev, "how", jstr(how));
	mmt_run_event_at(o->run, "worker_lost", ev, died_us);
	mmt_run_finding(o->run, MMT_F_WORKER_LOST,
			"cell %s: worker %d %s, not by an OOM kill", c->cfg->name,
			(int)pid, how);
}

static void schedule_respawn(struct orch *o, struct mmt_cell_rt *c)
{
	if (c->cfg->o.respawn && !mmt_run_stopping(o->run) && !o->watchdog_killed[c->index])
		o->respawn_at_us[c->index] = mmt_now_us() + RESPAWN_DELAY_US;
}

/* A worker was reaped. */
static void on_worker_exit(struct orch *o, pid_t pid, int status)
{
	struct mmt_run *run = o->run;
	int ci = cell_index_of_pid(run, pid);
	struct mmt_cell_rt *c;
	struct victim *v;
	char how[96];

	if (ci < 0)
		return;
	c = &run->cells[ci];
	atomic_store(&c->pid, 0);
	c->state = MMT_CELL_EXITED;
	if (WIFSIGNALED(status))
		snprintf(how, sizeof(how), "was killed by %s", strsignal(WTERMSIG(status)));
	else
		snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(status));

	v = mmt_orch_victim_find(o, pid);
	if (v) {
		/* An OOM victim that exited: measure the time to exit. */
		json_object *ev = json_object_new_object();
		uint64_t dt = mmt_us_since(mmt_now_us(), v->kill_mono_us);

		mmt_orch_victim_exited(v);
		json_object_object_add(ev, "cell", jstr(c->cfg->name));
		json_object_object_add(ev, "pid", json_object_new_int(pid));
		json_object_object_add(ev, "time_to_exit_us", json_object_new_int64((int64_t)dt));
		mmt_run_event(run, "victim_exit", ev);
		schedule_respawn(o, c);
		return;
	}
	if (mmt_run_stopping(run) || o->esc[ci] != ESC_NONE)
		return;   /* we stopped it */
	if (WIFEXITED(status)) {
		if (WEXITSTATUS(status) != 0)
			mmt_run_finding(run, MMT_F_HARNESS, "cell %s: worker %d %s",
					c->cfg->name, (int)pid, how);
		else
			worker_lost(o, c, pid, "exited before the end of the run", 0);
		return;
	}
	if (WTERMSIG(status) == SIGKILL && o->nr_deaths < MAX_DEATHS) {
		/* A cell that expects kills gets its worker back at once; the
		 * kill is classified when its report arrives. */
		if (c->expect_oom != MMT_EXPECT_OOM_NONE)
			schedule_respawn(o, c);
		/* Maybe an OOM kill whose report we have not read yet. */
		o->deaths[o->nr_deaths++] = (struct death){
			.pid = pid, .cell = ci, .sig = SIGKILL, .mono_us = mmt_now_us(),
			.memcg_kills_before = o->memcg_kills_matched[ci],
		};
		return;
	}
	worker_lost(o, c, pid, how, 0);
}

/* Deaths by SIGKILL wait for their OOM report; decide the old ones. */
static void resolve_deaths(struct orch *o, bool final)
{
	uint64_t now = mmt_now_us();
	unsigned keep = 0;

	for (unsigned i = 0; i < o->nr_deaths; i++) {
		struct death *d = &o->deaths[i];
		struct mmt_cell_rt *c = &o->run->cells[d->cell];
		struct victim *v = mmt_orch_victim_find(o, d->pid);

		if (v) {
			json_object *ev = json_object_new_object();

			mmt_orch_victim_exited(v);
			json_object_object_add(ev, "cell", jstr(c->cfg->name));
			json_object_object_add(ev, "pid", json_object_new_int(d->pid));
			json_object_object_add(ev, "time_to_exit_us",
					       json_object_new_int64((int64_t)mmt_us_since(d->mono_us, v->kill_mono_us)));
			mmt_run_event_at(o->run, "victim_exit", ev, d->mono_us);
			schedule_respawn(o, c);
			continue;
		}
		if (!final && mmt_us_since(now, d->mono_us) < DEATH_GRACE_US) {
			o->deaths[keep++] = *d;
			continue;
		}
		/* No kernel report: the memcg's own counter is the evidence. */
		if (o->memcg_kills[d->cell] > o->memcg_kills_matched[d->cell]) {
			json_object *ev = json_object_new_object();
			struct mmt_oom_cell cells[MMT_MAX_CELLS];
			struct mmt_oom_verdict verdict;
			struct mmt_oom_ctx ctx;
			enum mmt_finding f;

			o->memcg_kills_matched[d->cell]++;
			c->oom_kills++;
			{
				struct victim *cv = mmt_orch_victim_new(o, d->pid, d->cell, d->mono_us);

				if (cv)
					cv->exited = cv->counted = true;
			}
			json_object_object_add(ev, "cell", jstr(c->cfg->name));
			json_object_object_add(ev, "pid", json_object_new_int(d->pid));
			json_object_object_add(ev, "source", jstr("memcg oom_kill counter"));
			mmt_orch_oom_ctx(o, cells, &ctx);
			f = mmt_oom_judge(NULL, d->cell, &ctx, &verdict);
			json_object_object_add(ev, "class", jstr(mmt_oom_class_name(verdict.cls)));
			mmt_run_event_at(o->run, "oom_kill", ev, d->mono_us);
			mmt_run_finding(o->run, f, "cell %s: worker %d OOM-killed in its memcg (counter)",
					c->cfg->name, (int)d->pid);
			schedule_respawn(o, c);
			continue;
		}
		/* Decided late (its OOM report might have come); it died then. */
		worker_lost(o, c, d->pid, "was killed by SIGKILL", d->mono_us);
	}
	o->nr_deaths = keep;
}

static void reap_children(struct orch *o)
{
	/* Only our workers: injectors fork helpers (mkswap, mkfs, exportfs)
	 * and wait for them themselves, so never waitpid(-1) here. */
	for (unsigned i = 0; i < o->run->nr_cells; i++) {
		pid_t pid = atomic_load(&o->run->cells[i].pid);
		int status;

		if (pid > 0 && waitpid(pid, &status, WNOHANG) == pid)
			on_worker_exit(o, pid, status);
	}
}

/* ---- PSI triggers ------------------------------------------------------------ */

static void setup_psi(struct orch *o)
{
	struct mmt_run *run = o->run;
	char text[128], path[PATH_MAX];
	const char *why;

	if (!run->job->g.psi_trigger[0] ||
	    mmt_mon_psi_trigger_parse(run->job->g.psi_trigger, text, sizeof(text), &why) < 0)
		return;
	for (int i = -1; i < (int)run->nr_cells && o->nr_psi < MAX_PSI; i++) {
		struct epoll_event ev = { .events = EPOLLPRI };
		int fd;

		if (i < 0)
			snprintf(path, sizeof(path), "/proc/pressure/memory");
		else if (mmt_cg_path(run->cells[i].cg, "memory.pressure", path, sizeof(path)) < 0)
			continue;   /* v1 has no per-cgroup PSI */
		fd = mmt_mon_psi_trigger_open(path, text);
		if (fd < 0) {
			if (i < 0)
				log_warn("PSI trigger on %s: %s", path, strerror(-fd));
			continue;
		}
		ev.data.u64 = TAG_PSI + o->nr_psi;
		if (epoll_ctl(o->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			continue;
		}
		o->psi_cell[o->nr_psi] = i;
		o->psi_fd[o->nr_psi++] = fd;
	}
	mmt_run_fact(run, "psi_triggers", json_object_new_int((int)o->nr_psi));
}

static void on_psi(struct orch *o, unsigned k)
{
	struct mmt_run *run = o->run;
	int ci = o->psi_cell[k];
	json_object *ev = json_object_new_object();
	struct mmt_psi psi;
	char path[PATH_MAX] = "/proc/pressure/memory";

	if (ci >= 0)
		mmt_cg_path(run->cells[ci].cg, "memory.pressure", path, sizeof(path));
	o->psi_events++;
	json_object_object_add(ev, "source", jstr("psi"));
	json_object_object_add(ev, "file", jstr(path));
	json_object_object_add(ev, "trigger", jstr(run->job->g.psi_trigger));
	if (ci >= 0)
		json_object_object_add(ev, "cell", jstr(run->cells[ci].cfg->name));
	if (mmt_mon_psi(path, &psi) == 0) {
		json_object_object_add(ev, "some_avg10", json_object_new_double(psi.some_avg10));
		json_object_object_add(ev, "full_avg10", json_object_new_double(psi.full_avg10));
	}
	mmt_run_event(run, "psi", ev);
	if (run->job->g.psi_fail)
		mmt_run_finding(run, MMT_F_STALL, "memory pressure trigger '%s' fired on %s",
				run->job->g.psi_trigger, path);
	else if (o->psi_events == 1)
		mmt_run_finding(run, MMT_F_NOTE, "memory pressure trigger '%s' fired on %s",
				run->job->g.psi_trigger, path);
}

/* ---- set-up --------------------------------------------------------------- */

static uint64_t cell_auto_limit(const struct mmt_cell_cfg *cfg)
{
	uint64_t fp = cfg->wl->thread_footprint ? cfg->wl->thread_footprint(cfg) : 0;
	uint64_t need = fp * cfg->o.threads;

	/* Room for the worker's stacks, page tables and the binary. */
	return need + need / 4 + (64ULL << 20);
}

static int setup_cgroups(struct orch *o, char *why, size_t why_len)
{
	struct mmt_run *run = o->run;
	const struct mmt_topo *topo = run->topo;
	bool ctrls[MMT_CG_NR_CTRLS] = { true, true };
	char cpus[256], mems[256], lim[32];
	uint64_t sum = 0, elastic = 0, avail_kb = 0, free_kb = 0, budget;
	int r;

	for (unsigned i = 0; i < run->nr_cells; i++)
		sum += run->cells[i].memory_max;
	/* The injectors' own cgroups (hogs) live under the top one too. */
	for (unsigned i = 0; i < run->job->nr_injectors; i++) {
		const struct mmt_injector_cfg *cfg = &run->job->injectors[i];
		bool is_elastic = false;
		uint64_t b;

		if (!cfg->ops->memory_budget)
			continue;
		b = cfg->ops->memory_budget(cfg, topo, &is_elastic);
		if (is_elastic)
			elastic += b;
		else
			sum += b;
	}
	mmt_mon_meminfo(&free_kb, &avail_kb);
	budget = run->job->g.mem_budget ? run->job->g.mem_budget : sum + (64ULL << 20);
	/* Safety: the machine itself must never OOM.  Elastic budgets shrink
	 * as free memory falls, so they do not count here. */
	if (budget > avail_kb * 1024 / 4 * 3) {
		char a[32], b[32];

		mmt_format_size(budget, a, sizeof(a));
		mmt_format_size(avail_kb * 1024, b, sizeof(b));
		snprintf(why, why_len,
			 "the cells ask for %s of memory, more than 3/4 of the %s available",
			 a, b);
		return 1;
	}
	if (!run->job->g.mem_budget)
		budget += elastic;
	mmt_set_format(topo->all_cpus, cpus, sizeof(cpus));
	mmt_set_format(topo->mem_nodes, mems, sizeof(mems));
	snprintf(lim, sizeof(lim), "%" PRIu64, budget);
	snprintf(run->top_name, sizeof(run->top_name), MMT_PREFIX "-%s", run->id);
	{
		const char *keys[] = { "cpuset.cpus", "cpuset.mems", "memory.max" };
		const char *vals[] = { cpus, mems, lim };

		r = mmt_cg_create(&run->cgsys, run->jr, run->top_name, ctrls, keys, vals, 3,
				  &run->top);
		if (r < 0)
			return r;
	}
	for (unsigned i = 0; i < run->nr_cells; i++) {
		struct mmt_cell_rt *c = &run->cells[i];
		const char *keys[] = { "cpuset.cpus", "cpuset.mems", "memory.max" };
		const char *vals[3];

		mmt_set_format(c->cpus, cpus, sizeof(cpus));
		mmt_set_format(c->mems, mems, sizeof(mems));
		snprintf(lim, sizeof(lim), "%" PRIu64, c->memory_max);
		vals[0] = cpus;
		vals[1] = mems;
		vals[2] = lim;
		snprintf(c->cg_name, sizeof(c->cg_name), "%s/%s", run->top_name, c->cfg->name);
		r = mmt_cg_create(&run->cgsys, run->jr, c->cg_name, ctrls, keys, vals, 3, &c->cg);
		if (r < 0)
			return r;
		if (c->cfg->o.swap_max) {
			snprintf(lim, sizeof(lim), "%" PRIu64, c->cfg->o.swap_max);
			r = mmt_cg_set(c->cg, "memory.swap.max", lim);
			if (r < 0) {
				snprintf(why, why_len,
					 "cell %s: swap_max: cannot set memory.swap.max (%s; cgroup v1 needs swapaccount=1)",
					 c->cfg->name, strerror(-r));
				return 1;
			}
		}
	}
	return 0;
}

static int setup_cells(struct orch *o)
{
	struct mmt_run *run = o->run;
	struct mmt_job *job = run->job;

	run->nr_cells = job->nr_cells;
	for (unsigned i = 0; i < job->nr_cells; i++) {
		struct mmt_cell_rt *c = &run->cells[i];
		const struct mmt_cell_cfg *cfg = &job->cells[i];
		int p[2];

		c->cfg = cfg;
		c->index = i;
		c->cpus = hwloc_bitmap_dup(cfg->o.cpus.set);
		c->mems = hwloc_bitmap_dup(cfg->o.mems.set);
		c->memory_max = cfg->o.memory_max ? cfg->o.memory_max : cell_auto_limit(cfg);
		c->oom_score_adj = (int)(cfg->o.oom_score_adj < -1000 ? job->g.oom_score_adj
								      : cfg->o.oom_score_adj);
		c->expect_oom = cfg->o.expect_oom < 0 ? job->g.expect_oom : cfg->o.expect_oom;
		c->sh = mmap(NULL, sizeof(struct mmt_shared), PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (c->sh == MAP_FAILED) {
			c->sh = NULL;
			return -errno;
		}
		if (pipe2(p, O_CLOEXEC) < 0)
			return -errno;
		fcntl(p[0], F_SETFL, O_NONBLOCK);
		/* A full pipe must never block a worker thread. */
		fcntl(p[1], F_SETFL, O_NONBLOCK);
		c->msg_fd = p[0];
		o->msg_wfd[i] = p[1];
		epoll_add(o->epfd, c->msg_fd, TAG_CELL + i);
	}
	return 0;
}

static void read_cell_msgs(struct orch *o, unsigned ci)
{
	struct mmt_run *run = o->run;
	struct mmt_cell_rt *c = &run->cells[ci];
	struct mmt_wmsg m;

	while (read(c->msg_fd, &m, sizeof(m)) == (ssize_t)sizeof(m)) {
		json_object *ev = json_object_new_object();

		m.text[sizeof(m.text) - 1] = '\0';
		json_object_object_add(ev, "cell", jstr(c->cfg->name));
		json_object_object_add(ev, "thread", json_object_new_int(m.thread));
		json_object_object_add(ev, "tid", json_object_new_int(m.tid));
		if (m.type == MMT_WMSG_CORRUPTION) {
			char addr[32];

			snprintf(addr, sizeof(addr), "0x%" PRIx64, m.addr);
			json_object_object_add(ev, "addr", jstr(addr));
			json_object_object_add(ev, "page_index", json_object_new_int64((int64_t)m.page_index));
			json_object_object_add(ev, "node", json_object_new_int(m.node));
			json_object_object_add(ev, "expected", json_object_new_uint64(m.expected));
			json_object_object_add(ev, "got", json_object_new_uint64(m.got));
			json_object_object_add(ev, "text", jstr(m.text));
			mmt_run_event(run, "corruption", ev);
			mmt_run_finding(run, MMT_F_CORRUPTION,
					"cell %s: data corruption at %s (node %d): expected 0x%" PRIx64
					" got 0x%" PRIx64, c->cfg->name, addr, m.node, m.expected, m.got);
		} else if (m.type == MMT_WMSG_POLICY_DRIFT || m.type == MMT_WMSG_PLACEMENT) {
			bool drift = m.type == MMT_WMSG_POLICY_DRIFT;

			json_object_object_add(ev, "text", jstr(m.text));
			mmt_run_event(run, drift ? "policy_drift" : "placement_violation", ev);
			mmt_run_finding(run, drift ? MMT_F_POLICY_DRIFT : MMT_F_PLACEMENT_VIOLATION,
					"cell %s thread %d: %s", c->cfg->name, m.thread, m.text);
		} else if (m.type == MMT_WMSG_ERROR) {
			json_object_object_add(ev, "error", jstr(m.text));
			mmt_run_event(run, "worker_error", ev);
			mmt_run_finding(run, MMT_F_HARNESS, "cell %s thread %d: %s",
					c->cfg->name, m.thread, m.text);
		} else {
			json_object_object_add(ev, "text", jstr(m.text));
			mmt_run_event(run, "note", ev);
		}
	}
}

/* ---- the loop ---------------------------------------------------------------- */

static void request_stop(struct orch *o)
{
	if (o->stop_requested)
		return;
	o->stop_requested = true;
	atomic_store(&o->run->stopping, true);
}

static void handle_signals(struct orch *o)
{
	struct signalfd_siginfo si;

	while (read(o->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap_children(o);
			break;
		case SIGINT:
		case SIGTERM:
		case SIGHUP:
			if (o->interrupted) {
				log_warn("second %s: stopping at once", strsignal((int)si.ssi_signo));
				for (unsigned i = 0; i < o->run->nr_cells; i++) {
					pid_t p = atomic_load(&o->run->cells[i].pid);

					if (p > 0)
						kill(p, SIGKILL);
				}
			} else {
				log_info("%s: stopping the run", strsignal((int)si.ssi_signo));
			}
			o->interrupted = (int)si.ssi_signo;
			request_stop(o);
			break;
		default:
			break;
		}
	}
}

/* The progress callback of the run's arguments, after a sample. */
static void report_progress(struct orch *o, uint64_t now)
{
	struct mmt_run *run = o->run;
	struct mmt_run_progress p = {
		.elapsed_us = now - run->start_mono_us,
		.duration_us = run->job->g.duration_us,
	};

	for (unsigned i = 0; i < run->nr_cells; i++) {
		p.pages += mmt_orch_cell_pages(&run->cells[i], NULL);
		p.rebinds += mmt_run_cell_disturbances(&run->cells[i], NULL);
		p.oom_kills += run->cells[i].oom_kills;
	}
	pthread_mutex_lock(&run->lock);
	p.verdict = mmt_verdict_decide(&run->verdict);
	pthread_mutex_unlock(&run->lock);
	o->args->progress(&p, o->args->progress_data);
}

static void tick(struct orch *o)
{
	struct mmt_run *run = o->run;
	uint64_t now = mmt_now_us(), exp;

	if (read(o->tickfd, &exp, sizeof(exp)) < 0 && errno != EAGAIN)
		return;
	reap_children(o);
	if (o->kst) {
		/* Reports held back for a reaper line that never came. */
		mmt_orch_kmsg_drain(o);
		mmt_orch_kmsg_expire(o, now);
	}
	mmt_orch_sample(o, now);
	if (o->args && o->args->progress)
		report_progress(o, now);
	mmt_orch_watchdog(o, now);
	resolve_deaths(o, false);
	for (unsigned i = 0; i < run->nr_cells; i++) {
		struct mmt_cell_rt *c = &run->cells[i];

		if (o->respawn_at_us[i] && now >= o->respawn_at_us[i] &&
		    atomic_load(&c->pid) == 0 && !mmt_run_stopping(run)) {
			o->respawn_at_us[i] = 0;
			if (cell_spawn(o, c) < 0)
				mmt_run_finding(run, MMT_F_HARNESS, "cell %s: cannot respawn worker",
						c->cfg->name);
		}
	}
}

static int loop_once(struct orch *o, int timeout_ms)
{
	struct epoll_event evs[16];
	int n = epoll_wait(o->epfd, evs, 16, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		uint64_t tag = evs[i].data.u64, exp;

		if (tag == TAG_SIG)
			handle_signals(o);
		else if (tag == TAG_TICK)
			tick(o);
		else if (tag == TAG_END) {
			if (read(o->endfd, &exp, sizeof(exp)) > 0)
				request_stop(o);
		} else if (tag == TAG_KMSG)
			mmt_orch_kmsg_drain(o);
		else if (tag >= TAG_CELL)
			read_cell_msgs(o, (unsigned)(tag - TAG_CELL));
		else if (tag >= TAG_PSI && tag < TAG_PSI + MAX_PSI)
			on_psi(o, (unsigned)(tag - TAG_PSI));
	}
	return n;
}

static bool any_worker_alive(struct orch *o)
{
	for (unsigned i = 0; i < o->run->nr_cells; i++)
		if (atomic_load(&o->run->cells[i].pid) > 0)
			return true;
	return false;
}

/*
 * A worker still to wait for at the end, in phase (0: stop flag, 1:
 * SIGTERM, 2: SIGKILL): alive, and from phase 1 on not an OOM victim
 * already reported stuck (SIGKILLed by the kernel long ago: no signal of
 * ours can do more, and waiting for it again would hold the run past
 * duration + stop_timeout).  Phase 0 waits for it too: the injectors have
 * just stopped, a frozen device is resumed, it may exit now.
 */
static bool any_worker_to_wait_for(struct orch *o, int phase)
{
	if (phase == 0)
		return any_worker_alive(o);
	for (unsigned i = 0; i < o->run->nr_cells; i++) {
		pid_t p = atomic_load(&o->run->cells[i].pid);
		struct victim *v = p > 0 ? mmt_orch_victim_find(o, p) : NULL;

		if (p > 0 && !(v && v->stuck_reported && !mmt_orch_victim_gone(v)))
			return true;
	}
	return false;
}

/* A worker of a cell whose workload resolved a reference to an injector. */
static bool cell_uses_injector(const struct mmt_cell_rt *c)
{
	return c->cfg->wl->resolve && atomic_load(&c->pid) > 0;
}

/*
 * Before the injectors stop: the workers that use what an injector built
 * (a dirty cell writing on the writeback injector's mount, over the nfs
 * injector's server) are told to stop (their writers remove their files)
 * and then SIGKILLed, each for at most DEPENDENT_STOP_US, so that no
 * worker still writes to a server or device that the injectors are taking
 * away (a hard NFS mount without its server never lets them exit).  A
 * worker that waits on a frozen device is left for after the injectors
 * (which resume it first).
 */
#define DEPENDENT_STOP_US (5 * MMT_USEC_PER_SEC)

static bool any_dependent_alive(struct orch *o)
{
	for (unsigned i = 0; i < o->run->nr_cells; i++)
		if (cell_uses_injector(&o->run->cells[i]))
			return true;
	return false;
}

static void stop_dependent_workers(struct orch *o)
{
	struct mmt_run *run = o->run;

	for (int phase = 0; phase < 2 && any_dependent_alive(o); phase++) {
		uint64_t t0 = mmt_now_us();

		for (unsigned i = 0; i < run->nr_cells; i++) {
			struct mmt_cell_rt *c = &run->cells[i];

			if (!cell_uses_injector(c))
				continue;
			if (phase == 0 && c->sh)
				atomic_store(&c->sh->stop, 1);
			else if (phase == 1)
				kill(atomic_load(&c->pid), SIGKILL);
		}
		while (any_dependent_alive(o) && mmt_now_us() - t0 < DEPENDENT_STOP_US) {
			reap_children(o);
			loop_once(o, 50);
		}
	}
}

/* Stop the workers that use an injector's target, the injectors, then the
 * workers: stop flag, SIGTERM, SIGKILL, "unkillable". */
static void stop_everything(struct orch *o)
{
	struct mmt_run *run = o->run;
	uint64_t t0, timeout = run->job->g.stop_timeout_us;

	atomic_store(&run->stopping, true);
	/* A frozen device or server is thawed first: what waits on it can end. */
	for (unsigned i = 0; i < run->nr_inj; i++) {
		struct mmt_inj *inj = &run->inj[i];

		if (inj->started && inj->ops->stopping)
			inj->ops->stopping(inj);
	}
	stop_dependent_workers(o);
	for (int i = (int)run->nr_inj - 1; i >= 0; i--) {
		struct mmt_inj *inj = &run->inj[i];

		if (inj->started && inj->ops->stop && inj->ops->stop(inj) < 0)
			mmt_run_finding(run, MMT_F_HARNESS, "injector %s: stop failed", inj->cfg->name);
	}
	/* Injector columns keep their last values; the final sample is taken
	 * before workers go away so rates stay meaningful. */
	for (unsigned i = 0; i < run->nr_cells; i++)
		if (run->cells[i].sh)
			atomic_store(&run->cells[i].sh->stop, 1);
	for (int phase = 0; phase < 3 && any_worker_to_wait_for(o, phase); phase++) {
		if (phase == 1 || phase == 2)
			for (unsigned i = 0; i < run->nr_cells; i++) {
				pid_t p = atomic_load(&run->cells[i].pid);

				if (p > 0)
					kill(p, phase == 1 ? SIGTERM : SIGKILL);
			}
		t0 = mmt_now_us();
		while (any_worker_to_wait_for(o, phase) && mmt_now_us() - t0 < timeout) {
			reap_children(o);
			if (!any_worker_to_wait_for(o, phase))
				break;
			loop_once(o, 50);
		}
	}
	for (unsigned i = 0; i < run->nr_cells; i++) {
		struct mmt_cell_rt *c = &run->cells[i];
		pid_t p = atomic_load(&c->pid);

		if (p > 0) {
			json_object *ev = json_object_new_object();

			json_object_object_add(ev, "cell", jstr(c->cfg->name));
			json_object_object_add(ev, "pid", json_object_new_int(p));
			mmt_run_event(run, "unkillable", ev);
			mmt_run_finding(run, MMT_F_UNKILLABLE,
					"cell %s: worker %d survived SIGKILL for %.1f s at the end of the run",
					c->cfg->name, (int)p, (double)timeout / 1e6);
		}
	}
}

static int setup_fds(struct orch *o)
{
	sigset_t set;

	o->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (o->epfd < 0)
		return -errno;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	o->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	o->tickfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	o->endfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (o->sigfd < 0 || o->tickfd < 0 || o->endfd < 0)
		return -errno;
	epoll_add(o->epfd, o->sigfd, TAG_SIG);
	epoll_add(o->epfd, o->tickfd, TAG_TICK);
	epoll_add(o->epfd, o->endfd, TAG_END);
	return 0;
}

static void close_fds(struct orch *o)
{
	int *fds[] = { &o->epfd, &o->sigfd, &o->tickfd, &o->endfd, &o->kmsgfd };

	for (unsigned i = 0; i < MMT_ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
}

/*
 * The steps of teardown that can block in the kernel: rmdir of a cgroup
 * whose task is stuck (its kill waits for it), the journal's undos
 * (swapoff, umount, dm remove of a device in use).  Called in a child
 * process, so that a hang holds the child and never the run.  Returns the
 * number of journal records left undone, or -errno.
 */
static int teardown_blocking(struct mmt_run *run)
{
	char path[PATH_MAX];

	for (unsigned i = 0; i < run->nr_cells; i++)
		mmt_cg_destroy(run->cells[i].cg);
	mmt_cg_destroy(run->top);
	/* The journal is the safety net: whatever is still there goes now. */
	mmt_run_path(run, "journal", path, sizeof(path));
	return mmt_journal_replay(path, mmt_undo_kinds, NULL);
}

/* How long teardown may take before the run leaves it to `mmtorture cleanup`. */
#define TEARDOWN_MIN_US (10 * MMT_USEC_PER_SEC)

/*
 * What a teardown child has done so far: its block I/O (/proc/PID/io
 * read_bytes, write_bytes: swapoff reading pages back, umount writing) and
 * the journal's size (a "done" line per undo).  Changes while it makes
 * progress.
 */
static uint64_t teardown_progress(pid_t pid, const char *journal)
{
	char path[64], buf[512];
	uint64_t h = 0;
	struct stat st;

	/* Block I/O only: rchar and syscr grow with every retried rmdir. */
	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	if (mmt_read_file(path, buf, sizeof(buf)) > 0) {
		const char *rb = strstr(buf, "\nread_bytes: "), *wb = strstr(buf, "\nwrite_bytes: ");

		h = (rb ? strtoull(rb + 13, NULL, 10) : 0) * 31 + (wb ? strtoull(wb + 14, NULL, 10) : 0);
	}
	if (stat(journal, &st) == 0)
		h ^= (uint64_t)st.st_size * 0x9e3779b97f4a7c15ULL;
	return h;
}

/*
 * Run teardown_blocking() in a child and wait for it while it makes
 * progress (teardown_progress()), and at most the job's stop_timeout (at
 * least TEARDOWN_MIN_US) without any.  A child that does not finish is
 * left (it holds no lock of ours: it closed every inherited fd first) and
 * what it did not undo stays in the journal for `mmtorture cleanup`:
 * run.json facts "teardown" says so.  Returns the child's answer: records
 * left undone (>= 0), -ETIMEDOUT, or -errno when it could not be started
 * (then teardown runs here, the old way).
 */
static int teardown_bounded(struct orch *o)
{
	struct mmt_run *run = o->run;
	uint64_t limit = run->job->g.stop_timeout_us > TEARDOWN_MIN_US ?
			 run->job->g.stop_timeout_us : TEARDOWN_MIN_US, t0 = mmt_now_us();
	uint64_t seen = 0, now;
	char jpath[PATH_MAX];
	int status, r;
	pid_t pid;

	mmt_run_path(run, "journal", jpath, sizeof(jpath));

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* Never hold the run lock, the results or the event loop. */
		close_range(3, ~0U, 0);
		mmt_dm_after_fork();
		r = teardown_blocking(run);
		_exit(r < 0 ? 255 : r > 254 ? 254 : r);
	}
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -errno;
		now = mmt_now_us();
		if (teardown_progress(pid, jpath) != seen) {
			seen = teardown_progress(pid, jpath);
			t0 = now;
		}
		if (now - t0 >= limit) {
			json_object *td = json_object_new_object();

			json_object_object_add(td, "finished", json_object_new_boolean(false));
			json_object_object_add(td, "no_progress_us", json_object_new_uint64(limit));
			json_object_object_add(td, "helper_pid", json_object_new_int(pid));
			json_object_object_add(td, "left_to_cleanup", jstr(jpath));
			mmt_run_fact(run, "teardown", td);
			return -ETIMEDOUT;
		}
		usleep(50000);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 255)
		return -EIO;
	return WEXITSTATUS(status);
}

static void teardown(struct orch *o)
{
	struct mmt_run *run = o->run;
	char path[PATH_MAX];
	int r;

	mmt_kmark(&run->kmark, "phase teardown");
	mmt_journal_close(run->jr);
	run->jr = NULL;
	mmt_run_path(run, "journal", path, sizeof(path));
	r = teardown_bounded(o);
	if (r == -ETIMEDOUT) {
		mmt_run_finding(run, MMT_F_HARNESS,
				"teardown made no progress for %.0f s (a task stuck in the kernel?): "
				"left to mmtorture cleanup %s", (double)(run->job->g.stop_timeout_us >
				TEARDOWN_MIN_US ? run->job->g.stop_timeout_us : TEARDOWN_MIN_US) / 1e6,
				run->dir);
	} else if (r < 0) {
		/* No child: here, as before. */
		r = teardown_blocking(run);
	}
	if (r != -ETIMEDOUT) {
		/* The child removed them; free what is left here (ENOENT: done). */
		for (unsigned i = 0; i < run->nr_cells; i++)
			mmt_cg_destroy(run->cells[i].cg);
		mmt_cg_destroy(run->top);
		if (r > 0)
			mmt_run_finding(run, MMT_F_HARNESS,
					"cleanup left something behind: see %s", path);
		else if (mmt_journal_pending(path) == 0)
			mmt_journal_index_drop(path);   /* nothing left to undo */
	}
	for (unsigned i = 0; i < run->nr_cells; i++)
		run->cells[i].cg = NULL;
	run->top = NULL;
	for (unsigned i = 0; i < run->nr_cells; i++) {
		struct mmt_cell_rt *c = &run->cells[i];

		if (c->sh) {
			/* Keep the totals for run.json after the page is gone. */
			c->pages_carry = mmt_orch_cell_pages(c, &c->loops_carry);
			mmt_orch_oracle_keep(o, i);
			munmap(c->sh, sizeof(*c->sh));
		}
		c->sh = NULL;
		if (c->msg_fd > 0)
			close(c->msg_fd);
		if (o->msg_wfd[i] > 0)
			close(o->msg_wfd[i]);
	}
}

static uint64_t pick_seed(const struct mmt_job *job, const struct mmt_run_args *args)
{
	uint64_t s;

	if (args && args->have_seed)
		return args->seed;
	if (job->g.seed)
		return job->g.seed;
	s = mmt_realtime_us() ^ ((uint64_t)getpid() << 32);
	return mmt_rand_next(&s);
}

static int probe_and_start_injectors(struct orch *o, bool start)
{
	struct mmt_run *run = o->run;

	for (unsigned i = 0; i < run->nr_inj; i++) {
		struct mmt_inj *inj = &run->inj[i];
		char why[256] = "";
		int r;

		if (!start) {
			if (!inj->ops->probe)
				continue;
			r = inj->ops->probe(inj, why, sizeof(why));
			if (r > 0 && inj->cfg->optional) {
				json_object *ev = json_object_new_object();

				inj->skipped = true;
				json_object_object_add(ev, "injector", jstr(inj->cfg->name));
				json_object_object_add(ev, "phase", jstr("skipped"));
				json_object_object_add(ev, "reason", jstr(why));
				mmt_run_event(run, "injector", ev);
				mmt_run_finding(run, MMT_F_NOTE, "optional injector %s skipped: %s",
						inj->cfg->name, why[0] ? why : "not supported here");
				continue;
			}
			if (r > 0) {
				mmt_run_finding(run, MMT_F_MISSING, "injector %s: %s", inj->cfg->name,
						why[0] ? why : "not supported here");
				return 1;
			}
			if (r < 0) {
				mmt_run_finding(run, MMT_F_HARNESS, "injector %s: probe failed: %s",
						inj->cfg->name, strerror(-r));
				return r;
			}
			continue;
		}
		if (!inj->ops->start || inj->skipped)
			continue;
		r = inj->ops->start(inj);
		if (r < 0) {
			mmt_run_finding(run, MMT_F_HARNESS, "injector %s: start failed: %s",
					inj->cfg->name, strerror(-r));
			return r;
		}
		inj->started = true;
	}
	return 0;
}

/* Every injector of the job with its zeroed priv (ops->priv_size). */
static int injectors_alloc(struct mmt_run *run)
{
	const struct mmt_job *job = run->job;

	for (unsigned i = 0; i < job->nr_injectors; i++) {
		struct mmt_inj *inj = &run->inj[i];

		inj->cfg = &job->injectors[i];
		inj->ops = job->injectors[i].ops;
		inj->opts = job->injectors[i].opts;
		inj->run = run;
		run->nr_inj = i + 1;
		if (inj->ops->priv_size) {
			inj->priv = calloc(1, inj->ops->priv_size);
			if (!inj->priv)
				return -ENOMEM;
		}
	}
	return 0;
}

/* Each injector's cleanup, once, then its priv (unless cleanup kept it). */
static void injectors_cleanup(struct mmt_run *run)
{
	for (unsigned i = 0; i < run->nr_inj; i++) {
		struct mmt_inj *inj = &run->inj[i];

		if (inj->ops->cleanup)
			inj->ops->cleanup(inj);
		free(inj->priv);
		inj->priv = NULL;
	}
	run->nr_inj = 0;
}

static bool is_root(void)
{
	return geteuid() == 0;
}

enum mmt_run_outcome mmt_run_job(struct mmt_job *job, const struct mmt_topo *topo,
				 const struct mmt_run_args *args,
				 enum mmt_verdict_kind *ret_verdict, char *ret_dir,
				 size_t dir_len)
{
	enum mmt_run_outcome outcome = MMT_RUN_DONE;
	struct mmt_run *run;
	struct orch *o;
	char path[PATH_MAX], why[512] = "";
	const char *base;
	int r;
	uint64_t duration;

	run = calloc(1, sizeof(*run));
	o = calloc(1, sizeof(*o));
	if (!run || !o) {
		free(run);
		free(o);
		return MMT_RUN_NO_MEMORY;
	}
	o->run = run;
	o->args = args;
	o->epfd = o->sigfd = o->tickfd = o->endfd = o->kmsgfd = -1;
	run->kmark.fd = -1;          /* no marks until mmt_kmark_open() */
	pthread_mutex_init(&run->lock, NULL);
	mmt_verdict_init(&run->verdict);
	run->facts = json_object_new_object();
	run->job = job;
	run->topo = topo;
	run->seed = pick_seed(job, args);
	duration = args && args->duration_us ? args->duration_us : job->g.duration_us;
	job->g.duration_us = duration;
	base = args && args->results_dir ? args->results_dir : job->g.results;

	run->start_real_us = mmt_realtime_us();
	r = mmt_results_create(base, job->name, run->start_real_us, run->dir, sizeof(run->dir),
			       run->id, sizeof(run->id), &run->res);
	if (r < 0) {
		log_err("results dir %s: %s", base, strerror(-r));
		outcome = MMT_RUN_NO_RESULTS;
		goto out_free;
	}
	if (ret_dir)
		snprintf(ret_dir, dir_len, "%s", run->dir);
	/* Every event line on disk within one fdatasync (results.c). */
	r = mmt_results_start_syncer(run->res);
	if (r < 0)
		log_warn("results: no syncer thread (%s): events reach the disk with the "
			 "critical ones only", strerror(-r));
	run->start_mono_us = mmt_now_us();
	mmt_results_set_start(run->res, run->start_mono_us, run->start_real_us);
	/* Marks in the kernel log: a console capture alone tells which run was
	 * live (a run without them loses nothing else). */
	mmt_kmark_open(&run->kmark, run->id);
	log_info("run %s: job %s, %.0f s, seed %" PRIu64 ", results in %s", run->id, job->name,
		 (double)duration / 1e6, run->seed, run->dir);

	/* Needs: root, cpuset and memory controllers, /dev/kmsg. */
	mmt_cg_probe(&run->cgsys);
	if (!is_root()) {
		mmt_run_finding(run, MMT_F_MISSING, "mmtorture run needs root (cgroups, /dev/kmsg)");
		goto out_verdict;
	}
	if (run->cgsys.mode[MMT_CG_CPUSET] == MMT_CG_NONE ||
	    run->cgsys.mode[MMT_CG_MEMORY] == MMT_CG_NONE) {
		mmt_run_finding(run, MMT_F_MISSING,
				"no usable %s controller (neither a v1 hierarchy nor in the v2 root's cgroup.controllers)",
				run->cgsys.mode[MMT_CG_CPUSET] == MMT_CG_NONE ? "cpuset" : "memory");
		goto out_verdict;
	}
	for (unsigned i = 0; i < job->nr_cells; i++) {
		const struct mmt_cell_cfg *cfg = &job->cells[i];

		if (cfg->wl->probe && cfg->wl->probe(cfg, topo, why, sizeof(why)) > 0) {
			mmt_run_finding(run, MMT_F_MISSING, "cell %s: %s", cfg->name, why);
			goto out_verdict;
		}
	}

	/* Orchestrator safety: never the OOM killer's choice, never swapped. */
	r = mmt_write_file("/proc/self/oom_score_adj", "-1000");
	if (r < 0)
		log_warn("cannot set oom_score_adj -1000 for the orchestrator: %s", strerror(-r));
	mmt_run_fact(run, "orchestrator_oom_score_adj", json_object_new_int(r < 0 ? 0 : -1000));
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) < 0)
		log_warn("mlockall: %s", strerror(errno));

	mmt_run_path(run, "journal", path, sizeof(path));
	r = mmt_journal_open(path, mmt_undo_kinds, &run->jr);
	if (r == 0)
		r = mmt_journal_set_owner(run->jr, run->id);
	/* In the index before the first record, so that no later run
	 * starts over a crash of this one unnoticed (mmtorture run). */
	if (r == 0)
		r = mmt_journal_index_add(path);
	if (r < 0) {
		mmt_run_finding(run, MMT_F_HARNESS, "journal %s: %s", path, strerror(-r));
		if (run->jr)
			goto out_teardown;
		goto out_verdict;
	}
	r = setup_fds(o);
	if (r < 0) {
		mmt_run_finding(run, MMT_F_HARNESS, "event loop: %s", strerror(-r));
		goto out_teardown;
	}
	o->kmsgfd = mmt_kmsg_open();
	if (o->kmsgfd >= 0) {
		o->kst = mmt_kmsg_state_new();
		if (o->kst)
			mmt_kmsg_state_set_early_kill(o->kst, true);
		/* After the open: the run's own kmsg.log holds its start mark. */
		mmt_kmark(&run->kmark, "start job %s seed %" PRIu64 " %s %s", job->name,
			  run->seed, PACKAGE_NAME, PACKAGE_VERSION);
		o->kev = calloc(KMSG_BATCH, sizeof(*o->kev));
		epoll_add(o->epfd, o->kmsgfd, TAG_KMSG);
	} else {
		mmt_run_finding(run, MMT_F_MISSING, "/dev/kmsg: %s: OOM kills cannot be seen",
				strerror(-o->kmsgfd));
		goto out_teardown;
	}
	r = setup_cells(o);
	if (r < 0) {
		mmt_run_finding(run, MMT_F_HARNESS, "cells: %s", strerror(-r));
		goto out_teardown;
	}
	r = injectors_alloc(run);
	if (r < 0) {
		mmt_run_finding(run, MMT_F_HARNESS, "injectors: %s", strerror(-r));
		goto out_teardown;
	}
	if (probe_and_start_injectors(o, false) != 0)
		goto out_teardown;
	r = setup_cgroups(o, why, sizeof(why));
	if (r > 0) {
		mmt_run_finding(run, MMT_F_MISSING, "%s", why);
		goto out_teardown;
	}
	if (r < 0) {
		mmt_run_finding(run, MMT_F_HARNESS, "cgroups: %s", strerror(-r));
		goto out_teardown;
	}
	mmt_mon_vmstat(&o->vm_start);
	o->vm_prev = o->vm_start;
	/* Free memory before the first worker: a kill in the first second
	 * is judged against it, not against nothing (lib/oomclass.c). */
	mmt_orch_sample_free(o);
	setup_psi(o);
	r = mmt_orch_samples_header(o);
	if (r < 0) {
		mmt_run_finding(run, MMT_F_HARNESS, "samples.csv: %s", strerror(-r));
		goto out_teardown;
	}
	mmt_orch_write_outputs(o);   /* a first run.json, in case we die */
	for (unsigned i = 0; i < run->nr_cells; i++) {
		r = cell_spawn(o, &run->cells[i]);
		if (r < 0) {
			mmt_run_finding(run, MMT_F_HARNESS, "cell %s: cannot start its worker: %s",
					run->cells[i].cfg->name, strerror(-r));
			goto out_stop;
		}
	}
	if (probe_and_start_injectors(o, true) != 0)
		goto out_stop;
	mmt_kmark(&run->kmark, "phase running (%u cells, %u injectors)", run->nr_cells,
		  run->nr_inj);
	/*
	 * The recorder must not wait behind the torture: the workers keep every
	 * CPU busy, and a kill read 100 ms late is 100 ms nearer a freeze.  Only
	 * this thread (nice is per thread), after the injector threads were
	 * made, so the disturbance itself runs as before; workers forked later
	 * reset it (worker.c).  Refused (no CAP_SYS_NICE): it runs at 0.
	 */
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), RECORDER_NICE) < 0)
		log_debug("event loop: nice %d refused: %s", RECORDER_NICE, strerror(errno));

	o->tick_prev_us = mmt_now_us();
	timer_arm(o->tickfd, job->g.sample_interval_us, job->g.sample_interval_us);
	timer_arm(o->endfd, duration, 0);
	while (!mmt_run_stopping(run)) {
		r = loop_once(o, -1);
		if (r < 0) {
			mmt_run_finding(run, MMT_F_HARNESS, "event loop: %s", strerror(-r));
			break;
		}
	}
out_stop:
	reap_children(o);
	/* A last row, unless the last tick was just now: rates over a few
	 * milliseconds are noise. */
	if (o->row && mmt_now_us() - o->tick_prev_us >= job->g.sample_interval_us / 2)
		mmt_orch_sample(o, mmt_now_us());
	stop_everything(o);
	/* Give the kernel a moment to print what the last kills caused. */
	{
		uint64_t t0 = mmt_now_us();

		while (mmt_now_us() - t0 < 300000)
			loop_once(o, 50);
		mmt_orch_kmsg_drain(o);
		mmt_orch_kmsg_flush(o);
	}
	reap_children(o);
	resolve_deaths(o, true);
	if (o->interrupted)
		mmt_run_finding(run, MMT_F_HARNESS, "interrupted by %s before the end of the run",
				strsignal(o->interrupted));
out_teardown:
	/* The verdict, run.json, KTAP and JUnit are final before anything
	 * that can block in the kernel is undone; teardown rewrites them. */
	run->end_real_us = mmt_realtime_us();
	mmt_orch_write_outputs(o);
	teardown(o);
out_verdict:
	run->end_real_us = mmt_realtime_us();
	mmt_orch_write_outputs(o);
	injectors_cleanup(run);
	pthread_mutex_lock(&run->lock);
	*ret_verdict = mmt_verdict_decide(&run->verdict);
	pthread_mutex_unlock(&run->lock);
	log_info("run %s: %s", run->id, mmt_verdict_name(*ret_verdict));
	mmt_kmark(&run->kmark, "end %s", mmt_verdict_name(*ret_verdict));
	mmt_kmark_close(&run->kmark);
	for (unsigned i = 0; i < run->verdict.nr_reasons; i++)
		if (run->verdict.reasons[i].level >= MMT_LVL_WARN)
			log_info("  %s: %s", mmt_finding_name(run->verdict.reasons[i].finding),
				 run->verdict.reasons[i].text);
	mmt_orch_victims_close(o);
	mmt_kmsg_state_free(o->kst);
	free(o->kev);
	for (unsigned i = 0; i < o->nr_psi; i++)
		close(o->psi_fd[i]);
	close_fds(o);
	{
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGCHLD);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGHUP);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
	}
	mmt_results_close(run->res);
	for (unsigned i = 0; i < run->nr_cells; i++) {
		hwloc_bitmap_free(run->cells[i].cpus);
		hwloc_bitmap_free(run->cells[i].mems);
	}
out_free:
	json_object_put(run->facts);
	pthread_mutex_destroy(&run->lock);
	free(o->row);
	free(o);
	free(run);
	return outcome;
}

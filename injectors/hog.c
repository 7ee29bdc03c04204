// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hog injector: a process that maps and keeps touching anon, mlocked
 * or shmem memory.  It never runs outside a memory cgroup with a limit:
 * mmtorture-<run>/hog-<name>, created (and journalled) by mmt_cg_create
 * with memory.max set, and it allocates nothing until it has been
 * attached there.  With cell=NAME the hog's cgroup gets that cell's CPUs
 * and nodes, so it presses on the cell's nodes.  (The hog workload,
 * workloads/hog.c, is a cell's worker; this one is outside the cells.)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/sysfx/exec.h"
#include "injectors/services.h"
#include "injectors/injectors.h"
#include "lib/journal.h"
#include "lib/log.h"
#include "api/injector.h"
#include "lib/cgroup.h"
#include "lib/util.h"

enum hog_mode { HOG_ANON, HOG_MLOCK, HOG_SHMEM };
static const char *const hog_modes[] = { "anon", "mlock", "shmem", NULL };

struct hog_opts {
	int mode;
	uint64_t size;
	uint64_t memory_max;
	char cell[MMT_OPT_STRLEN];
	bool respawn;
	uint64_t respawn_delay_us;
	uint64_t pass_interval_us;
	int64_t oom_score_adj;
};

#define OFF(f) offsetof(struct hog_opts, f)
static const struct mmt_opt hog_opts[] = {
	{ "mode", MMT_OPT_ENUM, OFF(mode), 0, 0, "anon", hog_modes,
	  "anon (private anonymous), mlock (locked: cannot be reclaimed) or shmem" },
	{ "size", MMT_OPT_SIZE, OFF(size), 1 << 20, 1LL << 42, "1G", NULL,
	  "bytes the hog maps and keeps touching" },
	{ "memory_max", MMT_OPT_SIZE, OFF(memory_max), 16 << 20, 1LL << 42, "512M", NULL,
	  "memory.max of the hog's own cgroup (a hog never runs without a limit); "
	  "below size drives the hog's memcg to reclaim, swap and OOM" },
	{ "cell", MMT_OPT_STR, OFF(cell), 0, 0, "", NULL,
	  "bind the hog to this cell's CPUs and nodes; empty: a global hog" },
	{ "respawn", MMT_OPT_BOOL, OFF(respawn), 0, 0, "1", NULL,
	  "start a new hog after one was killed" },
	{ "respawn_delay", MMT_OPT_DURATION, OFF(respawn_delay_us), 0, 0, "1s", NULL,
	  "wait this long before respawning" },
	{ "pass_interval", MMT_OPT_DURATION, OFF(pass_interval_us), 0, 0, "0", NULL,
	  "pause between passes over the memory; 0 touches continuously" },
	{ "oom_score_adj", MMT_OPT_INT, OFF(oom_score_adj), -1000, 1000, "1000", NULL,
	  "oom_score_adj of the hog (the OOM killer should pick it)" },
	MMT_OPT_END,
};
#undef OFF

static const char *const hog_columns[] = { "usage_mb", "kills", "spawns", NULL };

struct hog_state {
	struct mmt_inj *inj;
	const struct hog_opts *o;
	struct mmt_ith ith;
	struct mmt_cg *cg;
	char cg_name[PATH_MAX];
	pthread_mutex_t mu;         /* cur_pidfd vs stop */
	bool mu_ready;
	int cur_pidfd;
	_Atomic pid_t cur_pid;
	_Atomic uint64_t kills, spawns, exits;
	uint64_t lived_max_us;
	int last_exit;
	bool failed;
};

static int hog_validate(struct mmt_injector_cfg *cfg, const struct mmt_job *job,
			char *err, size_t err_len)
{
	const struct hog_opts *o = cfg->opts;

	if (o->cell[0]) {
		bool found = false;

		for (unsigned i = 0; i < job->nr_cells; i++)
			found |= !strcmp(job->cells[i].name, o->cell);
		if (!found)
			return mmt_svc_verr(cfg, "cell", err, err_len, "no [cell:%s] in the job",
					    o->cell);
	}
	return 0;
}

static uint64_t hog_memory_budget(const struct mmt_injector_cfg *cfg,
				  const struct mmt_topo *topo, bool *ret_elastic)
{
	const struct hog_opts *o = cfg->opts;

	(void)topo;
	*ret_elastic = false;
	return o->memory_max;
}

static int hog_probe(struct mmt_inj *inj, char *why, size_t why_len)
{
	const struct hog_opts *o = inj->opts;
	const struct mmt_cg_sys *cgsys = mmt_inj_cgsys(inj);

	if (cgsys->mode[MMT_CG_MEMORY] == MMT_CG_NONE) {
		snprintf(why, why_len, "no memory cgroup controller: a hog needs a limit");
		return 1;
	}
	if (o->cell[0] && cgsys->mode[MMT_CG_CPUSET] == MMT_CG_NONE) {
		snprintf(why, why_len, "no cpuset cgroup controller to bind the hog to cell %s",
			 o->cell);
		return 1;
	}
	return 0;
}

/* The hog process.  A child of a threaded process: system calls only. */
static void __attribute__((noreturn)) hog_child(int go_fd, const struct hog_opts *o,
						 const char *adj, size_t adj_len,
						 const char *comm)
{
	int flags = MAP_ANONYMOUS | MAP_NORESERVE;
	struct timespec ts;
	char *p;

	mmt_svc_child_enter(go_fd, comm, adj, adj_len);
	flags |= o->mode == HOG_SHMEM ? MAP_SHARED : MAP_PRIVATE;
	p = mmap(NULL, o->size, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED)
		_exit(3);
	if (o->mode == HOG_MLOCK && mlock(p, o->size) < 0)
		_exit(4);
	ts.tv_sec = (time_t)(o->pass_interval_us / MMT_USEC_PER_SEC);
	ts.tv_nsec = (long)(o->pass_interval_us % MMT_USEC_PER_SEC) * 1000;
	for (unsigned pass = 1;; pass++) {
		for (uint64_t off = 0; off < o->size; off += 4096)
			p[off] = (char)pass;
		if (o->pass_interval_us)
			nanosleep(&ts, NULL);
	}
}

/* One hog: spawn, attach, go, wait.  Returns 1 when it ran, 0 when stop
 * came first, -errno when it could not start. */
static int hog_once(struct hog_state *s, int *ret_status, uint64_t *ret_lived_us)
{
	char adj[32], comm[16];
	const char *inst = strchr(s->inj->cfg->name, ':');
	int pfd[2], pidfd = -1, pid, r;
	uint64_t t0;

	snprintf(adj, sizeof(adj), "%" PRId64 "\n", s->o->oom_score_adj);
	snprintf(comm, sizeof(comm), "mmt-hog%s%s", inst ? "-" : "", inst ? inst + 1 : "");
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pthread_mutex_lock(&s->mu);
	if (mmt_ith_stopping(&s->ith)) {
		pthread_mutex_unlock(&s->mu);
		close(pfd[0]);
		close(pfd[1]);
		return 0;
	}
	pid = mmt_exec_clone(&pidfd);
	if (pid == 0)
		hog_child(pfd[0], s->o, adj, strlen(adj), comm);
	if (pid > 0) {
		s->cur_pidfd = pidfd;
		atomic_store(&s->cur_pid, pid);
	}
	pthread_mutex_unlock(&s->mu);
	close(pfd[0]);
	if (pid < 0) {
		close(pfd[1]);
		return log_err_errno(pid, "%s: spawn the hog", s->inj->cfg->name);
	}
	r = mmt_svc_child_go(s->cg, pid, pidfd, pfd[1]);
	if (r < 0)
		log_err_errno(r, "%s: attach the hog to %s", s->inj->cfg->name, s->cg_name);
	t0 = mmt_now_us();
	atomic_fetch_add(&s->spawns, 1);
	{
		json_object *ex = json_object_new_object();

		json_object_object_add(ex, "pid", json_object_new_int(pid));
		json_object_object_add(ex, "cgroup", json_object_new_string(s->cg_name));
		mmt_svc_event(s->inj, "hog_spawn", ex);
	}
	mmt_exec_waitpidfd(pidfd, false, ret_status);
	*ret_lived_us = mmt_now_us() - t0;
	pthread_mutex_lock(&s->mu);
	s->cur_pidfd = -1;
	atomic_store(&s->cur_pid, 0);
	pthread_mutex_unlock(&s->mu);
	close(pidfd);
	return r < 0 ? r : 1;
}

static void *hog_thread(void *arg)
{
	struct hog_state *s = arg;
	struct mmt_inj *inj = s->inj;

	while (!mmt_ith_stopping(&s->ith)) {
		uint64_t lived = 0;
		int status = 0, r = hog_once(s, &status, &lived);
		json_object *ex;

		if (r <= 0) {
			if (r < 0) {
				s->failed = true;
				mmt_inj_finding(inj, MMT_F_HARNESS, "%s: cannot run the hog: %s",
						s->inj->cfg->name, strerror(-r));
			}
			break;
		}
		if (lived > s->lived_max_us)
			s->lived_max_us = lived;
		if (mmt_ith_stopping(&s->ith))
			break;
		ex = json_object_new_object();
		json_object_object_add(ex, "lived_us", json_object_new_uint64(lived));
		if (WIFSIGNALED(status)) {
			atomic_fetch_add(&s->kills, 1);
			json_object_object_add(ex, "signal", json_object_new_int(WTERMSIG(status)));
			mmt_svc_event(s->inj, "hog_killed", ex);
		} else {
			atomic_fetch_add(&s->exits, 1);
			s->last_exit = WEXITSTATUS(status);
			json_object_object_add(ex, "exit", json_object_new_int(s->last_exit));
			mmt_svc_event(s->inj, "hog_exit", ex);
		}
		if (!s->o->respawn || mmt_ith_sleep(&s->ith, s->o->respawn_delay_us))
			break;
	}
	return NULL;
}

static void cg_child_name(struct mmt_inj *inj, const char *kind, char *buf, size_t len)
{
	const char *n = strchr(inj->cfg->name, ':');
	char clean[MMT_NAME_LEN];

	snprintf(clean, sizeof(clean), "%s", n ? n + 1 : "default");
	for (char *p = clean; *p; p++)
		if (*p == '/' || *p == ' ')
			*p = '-';
	snprintf(buf, len, "%s/%s-%s", mmt_inj_cgroup_top(inj), kind, clean);
}

static int hog_start_do(struct mmt_inj *inj)
{
	struct hog_state *s;
	bool ctrls[MMT_CG_NR_CTRLS] = { false };
	const char *keys[3], *vals[3];
	char max[32], cpus[256], mems[256];
	uint64_t limit = 0;
	size_t n = 0;
	int r;

	s = inj->priv;
	s->inj = inj;
	s->o = inj->opts;
	s->cur_pidfd = -1;
	pthread_mutex_init(&s->mu, NULL);
	s->mu_ready = true;
	cg_child_name(inj, "hog", s->cg_name, sizeof(s->cg_name));
	ctrls[MMT_CG_MEMORY] = true;
	if (s->o->cell[0]) {
		struct mmt_cell_view cell;

		if (mmt_inj_cell(inj, s->o->cell, &cell) < 0 || !cell.cpus || !cell.mems)
			return log_err_errno(-ENOENT, "%s: no running cell %s", inj->cfg->name,
					     s->o->cell);
		hwloc_bitmap_list_snprintf(cpus, sizeof(cpus), cell.cpus);
		hwloc_bitmap_list_snprintf(mems, sizeof(mems), cell.mems);
		ctrls[MMT_CG_CPUSET] = true;
		keys[n] = "cpuset.cpus";
		vals[n++] = cpus;
		keys[n] = "cpuset.mems";
		vals[n++] = mems;
	}
	snprintf(max, sizeof(max), "%" PRIu64, s->o->memory_max);
	keys[n] = "memory.max";
	vals[n++] = max;
	r = mmt_cg_create(mmt_inj_cgsys(inj), mmt_inj_journal(inj), s->cg_name, ctrls, keys, vals,
			  n, &s->cg);
	if (r < 0)
		return r;
	/* A hog never runs without a limit: read it back. */
	if (mmt_cg_get(s->cg, "memory.max", max, sizeof(max)) < 0 ||
	    mmt_parse_u64(mmt_strstrip(max), &limit) < 0 || limit > s->o->memory_max) {
		r = log_err_errno(-EPERM, "%s: %s has no memory limit (memory.max '%s')",
				  inj->cfg->name, s->cg_name, max);
		mmt_cg_destroy(s->cg);
		s->cg = NULL;
		return r;
	}
	return mmt_ith_start(&s->ith, hog_thread, s);
}

/* A failed start means no stop: remove the hog's cgroup now. */
static int hog_start(struct mmt_inj *inj)
{
	int r = hog_start_do(inj);
	struct hog_state *s = inj->priv;

	if (r < 0) {
		mmt_cg_destroy(s->cg);
		s->cg = NULL;
	}
	return r;
}

static void hog_poll(struct mmt_inj *inj, double *vals)
{
	struct hog_state *s = inj->priv;
	char buf[64];
	uint64_t v;

	vals[0] = vals[1] = vals[2] = NAN;
	if (!s)
		return;
	if (s->cg && mmt_cg_get(s->cg, "memory.current", buf, sizeof(buf)) >= 0 &&
	    mmt_parse_u64(mmt_strstrip(buf), &v) == 0)
		vals[0] = (double)v / (1 << 20);
	vals[1] = (double)atomic_load(&s->kills);
	vals[2] = (double)atomic_load(&s->spawns);
}

static int hog_stop(struct mmt_inj *inj)
{
	struct hog_state *s = inj->priv;
	int r;

	if (!s)
		return 0;
	pthread_mutex_lock(&s->mu);
	atomic_store(&s->ith.stop, true);
	if (s->cur_pidfd >= 0)
		mmt_svc_kill_pidfd(s->cur_pidfd);
	pthread_mutex_unlock(&s->mu);
	r = mmt_ith_stop(&s->ith, mmt_svc_stop_timeout_us(inj, 60 * MMT_USEC_PER_SEC));
	if (r == -ETIMEDOUT) {
		mmt_inj_finding(inj, MMT_F_UNKILLABLE, "%s: the hog (pid %d) did not exit "
				"after SIGKILL", inj->cfg->name, (int)atomic_load(&s->cur_pid));
		return r;
	}
	r = mmt_cg_destroy(s->cg);
	s->cg = NULL;
	return r;
}

static void hog_report(struct mmt_inj *inj, json_object *out)
{
	struct hog_state *s = inj->priv;

	json_object_object_add(out, "mode", json_object_new_string(hog_modes[s->o->mode]));
	json_object_object_add(out, "size", json_object_new_uint64(s->o->size));
	json_object_object_add(out, "memory_max", json_object_new_uint64(s->o->memory_max));
	json_object_object_add(out, "cgroup", json_object_new_string(s->cg_name));
	if (s->o->cell[0])
		json_object_object_add(out, "cell", json_object_new_string(s->o->cell));
	json_object_object_add(out, "spawns", json_object_new_uint64(atomic_load(&s->spawns)));
	json_object_object_add(out, "killed", json_object_new_uint64(atomic_load(&s->kills)));
	json_object_object_add(out, "exited", json_object_new_uint64(atomic_load(&s->exits)));
	json_object_object_add(out, "lived_max_us", json_object_new_uint64(s->lived_max_us));
}

static void hog_cleanup(struct mmt_inj *inj)
{
	struct hog_state *s = inj->priv;

	if (!s || mmt_ith_release(&s->ith, inj))
		return;
	mmt_cg_destroy(s->cg);
	s->cg = NULL;
	if (s->mu_ready)
		pthread_mutex_destroy(&s->mu);
}

const struct mmt_injector_ops mmt_injector_hog = {
	.version = MMT_INJECTOR_VERSION,
	.name = "hog",
	.summary = "an anon, mlocked or shmem memory hog in its own limited memcg",
	.opts = hog_opts,
	.opts_size = sizeof(struct hog_opts),
	.priv_size = sizeof(struct hog_state),
	.columns = hog_columns,
	.validate = hog_validate,
	.memory_budget = hog_memory_budget,
	.probe = hog_probe,
	.start = hog_start,
	.poll = hog_poll,
	.stop = hog_stop,
	.report = hog_report,
	.cleanup = hog_cleanup,
};

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The worker process of one cell.  It is forked by the orchestrator, joins
 * its cgroup and waits until the orchestrator has set its oom_score_adj (so
 * that nothing it allocates is charged elsewhere), then runs the cell's workload on N pinned threads
 * until the orchestrator raises the stop flag in the shared page.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "api/shared.h"
#include "lib/log.h"
#include "harness/run.h"
#include "lib/cgroup.h"
#include "lib/util.h"
#include "workloads/workloads.h"

struct worker_thread {
	pthread_t th;
	struct mmt_wctx ctx;
	const struct mmt_workload_ops *wl;
	const struct mmt_topo *topo;
	int ret;
};

/* The only global: the signal handler needs to reach the stop flag. */
static struct mmt_shared *worker_shared;

static void on_term(int sig)
{
	(void)sig;
	if (worker_shared)
		atomic_store(&worker_shared->stop, 1);
}

static void send_error(struct mmt_wctx *ctx, int err, const char *what)
{
	struct mmt_wmsg m = {
		.type = MMT_WMSG_ERROR,
		.thread = (int32_t)ctx->thread,
		.tid = (int32_t)syscall(SYS_gettid),
		.node = -1,
		.err = err,
		.ts_us = mmt_now_us(),
	};

	snprintf(m.text, sizeof(m.text), "%s: %s", what, strerror(-err));
	mmt_wctx_send(ctx, &m);
}

static void *thread_main(void *arg)
{
	struct worker_thread *wt = arg;
	struct mmt_wctx *ctx = &wt->ctx;
	int r;

	atomic_store(&ctx->stats->tid, (int32_t)syscall(SYS_gettid));
	atomic_store(&ctx->stats->heartbeat_us, mmt_now_us());
	r = mmt_topo_bind_thread(wt->topo, ctx->cpus);
	if (r < 0) {
		/* A rebinder shrinking cpuset.cpus can race with this; the
		 * kernel then applies the cpuset's CPUs, which is fine. */
		mmt_wctx_error(ctx, r, "bind thread to cpus");
	}
	atomic_store(&ctx->stats->state, MMT_THREAD_RUNNING);
	r = wt->wl->thread_run(ctx);
	wt->ret = r;
	if (r < 0) {
		atomic_store(&ctx->stats->state, MMT_THREAD_FAILED);
		send_error(ctx, r, wt->wl->name);
	} else {
		atomic_store(&ctx->stats->state, MMT_THREAD_DONE);
	}
	return NULL;
}

int mmt_worker_set_oom_score_adj(pid_t pid, int adj)
{
	char path[64], val[16];

	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
	snprintf(val, sizeof(val), "%d", adj);
	return mmt_write_file(path, val);
}

int mmt_worker_placement_ok(const char *adj_text, const char *cgroup_text, int adj,
			    const char *cg_name, char *why, size_t why_len)
{
	const char *slash = strchr(cg_name, '/');
	size_t n, cn = strlen(cg_name), top_len = slash ? (size_t)(slash - cg_name) : 0;
	char path[1024];
	int64_t now;

	if (mmt_parse_i64(adj_text, &now) < 0 || now != adj) {
		snprintf(why, why_len, "oom_score_adj is %.16s, not %d", adj_text, adj);
		return -EPERM;
	}
	/* The v1 memory line of /proc/self/cgroup, else the v2 one. */
	if (mmt_cg_memcg_of_text(cgroup_text, path, sizeof(path)) < 0)
		goto elsewhere;
	n = strlen(path);
	/* its PATH ends in /<cg_name> ... */
	if (n > cn && !strcmp(path + n - cn, cg_name) && path[n - cn - 1] == '/')
		goto placed;
	/*
	 * ... or lies in another cgroup of this run's tree ("/<top>/..."): a
	 * move-mode rebinder may already have moved it to a sibling cell's
	 * cpuset, which under cgroup v2 is its memory cgroup too (seen in the
	 * lab VM); still ours, still under the run's limit.
	 */
	if (top_len && path[0] == '/' && !strncmp(path + 1, cg_name, top_len) &&
	    path[1 + top_len] == '/')
		goto placed;
elsewhere:
	snprintf(why, why_len, "not in its memory cgroup %s", cg_name);
	return -EPERM;
placed:
	snprintf(why, why_len, "placed: oom_score_adj %d, cgroup %s", adj, cg_name);
	return 0;
}

int mmt_worker_check_placement(int adj, const char *cg_name, char *why, size_t why_len)
{
	char adj_text[32], cg[4096];
	ssize_t n;

	n = mmt_read_file("/proc/self/oom_score_adj", adj_text, sizeof(adj_text));
	if (n >= 0)
		n = mmt_read_file("/proc/self/cgroup", cg, sizeof(cg));
	if (n < 0) {
		snprintf(why, why_len, "cannot read its placement: %s", strerror((int)-n));
		return (int)n;
	}
	mmt_strstrip(adj_text);
	return mmt_worker_placement_ok(adj_text, cg, adj, cg_name, why, why_len);
}

/* Tell the orchestrator where the worker runs (an event "note"). */
static void note_placement(int msg_fd, const char *text)
{
	struct mmt_wmsg m = {
		.type = MMT_WMSG_NOTE,
		.thread = -1,
		.tid = (int32_t)syscall(SYS_gettid),
		.node = -1,
		.ts_us = mmt_now_us(),
	};
	struct mmt_wctx ctx = { .thread = -1, .msg_fd = msg_fd };

	snprintf(m.text, sizeof(m.text), "%s", text);
	mmt_wctx_send(&ctx, &m);
}

void mmt_cell_worker_main(struct mmt_run *run, struct mmt_cell_rt *cell,
			  int msg_wfd, int attach_err)
{
	const struct mmt_cell_cfg *cfg = cell->cfg;
	struct worker_thread *wts;
	struct sigaction sa = { .sa_handler = on_term };
	sigset_t all;
	char name[16], why[160];
	unsigned nr = (unsigned)cfg->o.threads, started = 0;
	int failed = 0, r;

	/* The orchestrator's event loop may run at a raised priority
	 * (run.c): a worker never does. */
	setpriority(PRIO_PROCESS, 0, 0);
	/* The orchestrator blocks signals for its signalfd: undo that. */
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	/* Keep only stdio and our pipe: the run lock, /dev/kmsg, the journal
	 * and the results files belong to the orchestrator alone. */
	if (msg_wfd > 3)
		close_range(3, (unsigned)msg_wfd - 1, 0);
	close_range((unsigned)msg_wfd + 1, ~0U, 0);
	signal(SIGPIPE, SIG_IGN);
	worker_shared = cell->sh;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* Die with the orchestrator, so `kill -9` of it leaves no worker. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(111);
	snprintf(name, sizeof(name), "mmt-%s", cfg->name);
	prctl(PR_SET_NAME, name);
	/* Nothing is allocated before the placement is checked. */
	if (attach_err < 0) {
		struct mmt_wctx ctx = { .thread = -1, .msg_fd = msg_wfd };

		snprintf(why, sizeof(why), "cannot join its cgroup %s", cell->cg_name);
		send_error(&ctx, attach_err, why);
		_exit(113);
	}
	r = mmt_worker_check_placement(cell->oom_score_adj, cell->cg_name, why, sizeof(why));
	if (r < 0) {
		struct mmt_wctx ctx = { .thread = -1, .msg_fd = msg_wfd };

		send_error(&ctx, r, why);
		_exit(113);
	}
	note_placement(msg_wfd, why);

	if (nr > MMT_MAX_THREADS)
		nr = MMT_MAX_THREADS;
	cell->sh->nr_threads = nr;
	wts = calloc(nr, sizeof(*wts));
	if (!wts)
		_exit(112);
	for (unsigned i = 0; i < nr; i++) {
		struct worker_thread *wt = &wts[i];

		wt->wl = cfg->wl;
		wt->topo = run->topo;
		wt->ctx = (struct mmt_wctx){
			.cell = cfg,
			.opts = cfg->wl_opts,
			.topo = run->topo,
			.cpus = cell->cpus,
			.mems = cell->mems,
			.thread = i,
			.seed = run->seed ^ ((uint64_t)(cell->index + 1) << 32) ^
				((uint64_t)cell->spawns << 48) ^ (i + 1),
			.stats = &cell->sh->t[i],
			.stop = &cell->sh->stop,
			.msg_fd = msg_wfd,
			.mems_pub = &cell->sh->mems,
		};
		if (pthread_create(&wt->th, NULL, thread_main, wt) != 0) {
			send_error(&wt->ctx, -EAGAIN, "pthread_create");
			atomic_store(&cell->sh->stop, 1);
			break;
		}
		started++;
	}
	for (unsigned i = 0; i < started; i++) {
		pthread_join(wts[i].th, NULL);
		if (wts[i].ret < 0)
			failed++;
	}
	_exit(failed ? 3 : 0);
}

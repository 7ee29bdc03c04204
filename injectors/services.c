// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the pressure injectors share about being an injector: names, the
 * injector's own thread and its stall report, thresholds, events, the
 * validate() error prefix.  See services.h.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/job.h"
#include "api/injector.h"
#include "injectors/services.h"
#include "lib/cgroup.h"
#include "lib/sysfx/dm.h"
#include "lib/undo.h"
#include "lib/log.h"
#include "lib/util.h"

/* ---- names ---------------------------------------------------------------- */

int mmt_svc_name(const char *run_id, const char *inst, const char *suffix,
		 char *buf, size_t len)
{
	const char *pfx = mmt_startswith(run_id, MMT_PREFIX "-") ? "" : MMT_PREFIX "-";
	int n;

	if (suffix && *suffix)
		n = snprintf(buf, len, "%s%s-%s-%s", pfx, run_id, inst, suffix);
	else
		n = snprintf(buf, len, "%s%s-%s", pfx, run_id, inst);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	for (char *p = buf; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-')
			*p = '-';
	return 0;
}

/* ---- the injector's own thread -------------------------------------------------------- */

struct ith_start {
	struct mmt_ith *ith;
	void *(*fn)(void *);
	void *arg;
};

static void *ith_trampoline(void *p)
{
	struct ith_start st = *(struct ith_start *)p;
	void *ret;

	free(p);
	atomic_store(&st.ith->tid, gettid());
	ret = st.fn(st.arg);
	pthread_mutex_lock(&st.ith->mu);
	atomic_store(&st.ith->done, true);
	pthread_cond_broadcast(&st.ith->cv);
	pthread_mutex_unlock(&st.ith->mu);
	return ret;
}

int mmt_ith_start(struct mmt_ith *ith, void *(*fn)(void *), void *arg)
{
	pthread_condattr_t ca;
	struct ith_start *st;
	int r;

	atomic_init(&ith->stop, false);
	atomic_init(&ith->done, false);
	atomic_init(&ith->tid, 0);
	atomic_init(&ith->busy_since_us, 0);
	atomic_init(&ith->busy_what, NULL);
	ith->running = false;
	ith->left_behind = false;
	pthread_mutex_init(&ith->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ith->cv, &ca);
	pthread_condattr_destroy(&ca);
	st = malloc(sizeof(*st));
	if (!st)
		return -ENOMEM;
	*st = (struct ith_start){ .ith = ith, .fn = fn, .arg = arg };
	r = pthread_create(&ith->th, NULL, ith_trampoline, st);
	if (r) {
		free(st);
		return -r;
	}
	ith->running = true;
	pthread_setname_np(ith->th, "mmt-injector");
	return 0;
}

static void deadline(struct timespec *ts, uint64_t us)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)(us / MMT_USEC_PER_SEC);
	ts->tv_nsec += (long)(us % MMT_USEC_PER_SEC) * 1000;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

bool mmt_ith_sleep(struct mmt_ith *ith, uint64_t us)
{
	struct timespec ts;

	deadline(&ts, us);
	pthread_mutex_lock(&ith->mu);
	while (!atomic_load(&ith->stop) && !atomic_exchange(&ith->kick, false))
		if (pthread_cond_timedwait(&ith->cv, &ith->mu, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&ith->mu);
	return atomic_load(&ith->stop);
}

void mmt_ith_hold_frozen(struct mmt_ith *ith, uint64_t thaw_at_us,
			 void (*thaw)(void *arg), void *arg)
{
	for (;;) {
		uint64_t now = mmt_now_us(), wait = 3600 * MMT_USEC_PER_SEC;

		if (atomic_load(&ith->thaw) || (thaw_at_us && now >= thaw_at_us)) {
			thaw(arg);
			thaw_at_us = 0;
		}
		if (thaw_at_us)
			wait = thaw_at_us - now + 1;
		if (mmt_ith_sleep(ith, wait))
			return;
	}
}

void mmt_ith_thaw(struct mmt_ith *ith)
{
	if (!ith)
		return;
	atomic_store(&ith->thaw, true);
	mmt_ith_kick(ith);
}

void mmt_ith_kick(struct mmt_ith *ith)
{
	if (!ith || !ith->running)
		return;
	pthread_mutex_lock(&ith->mu);
	atomic_store(&ith->kick, true);
	pthread_cond_broadcast(&ith->cv);
	pthread_mutex_unlock(&ith->mu);
}

void mmt_ith_busy(struct mmt_ith *ith, const char *what)
{
	atomic_store(&ith->busy_what, what);
	atomic_store(&ith->busy_since_us, what ? mmt_now_us() : 0);
}

int mmt_ith_stop(struct mmt_ith *ith, uint64_t timeout_us)
{
	struct timespec ts;
	bool done;

	if (!ith || !ith->running)
		return 0;
	deadline(&ts, timeout_us);
	pthread_mutex_lock(&ith->mu);
	atomic_store(&ith->stop, true);
	pthread_cond_broadcast(&ith->cv);
	while (!atomic_load(&ith->done))
		if (pthread_cond_timedwait(&ith->cv, &ith->mu, &ts) == ETIMEDOUT)
			break;
	done = atomic_load(&ith->done);
	pthread_mutex_unlock(&ith->mu);
	ith->running = false;
	if (!done) {
		const char *what = atomic_load(&ith->busy_what);

		log_err("injector thread did not stop within %" PRIu64 " s (in %s)",
			(uint64_t)(timeout_us / MMT_USEC_PER_SEC), what ? what : "?");
		pthread_detach(ith->th);
		ith->left_behind = true;
		return -ETIMEDOUT;
	}
	pthread_join(ith->th, NULL);
	return 0;
}

bool mmt_ith_release(struct mmt_ith *ith, struct mmt_inj *inj)
{
	if (ith->running)
		mmt_ith_stop(ith, mmt_svc_stop_timeout_us(inj, 0));
	if (ith->left_behind)
		inj->priv = NULL;      /* the thread's for good */
	return ith->left_behind;
}

/* ---- small helpers ---------------------------------------------------------------------- */

void mmt_svc_event(struct mmt_inj *inj, const char *phase, json_object *extra)
{
	json_object *ev = json_object_new_object();

	json_object_object_add(ev, "injector", json_object_new_string(inj->cfg->name));
	json_object_object_add(ev, "phase", json_object_new_string(phase));
	if (extra) {
		json_object_object_foreach(extra, k, v)
			json_object_object_add(ev, k, json_object_get(v));
		json_object_put(extra);
	}
	mmt_inj_event(inj, "injector", ev);
}

static void read_task_file(pid_t tid, const char *name, char *buf, size_t len)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/%s", (int)tid, name);
	if (tid <= 0 || mmt_read_file(path, buf, len) < 0)
		snprintf(buf, len, "?");
}

void mmt_svc_stall(struct mmt_inj *inj, const char *source, const char *what,
		   uint64_t stalled_us, uint64_t threshold_us, pid_t tid)
{
	const char *inst = inj->cfg->name;
	char wchan[128], stack[2048];

	read_task_file(tid, "wchan", wchan, sizeof(wchan));
	read_task_file(tid, "stack", stack, sizeof(stack));
	log_warn("%s: %s made no progress for %" PRIu64 " ms (wchan %s)", inst, what,
		 stalled_us / 1000, wchan);
	mmt_inj_stall(inj, &(struct mmt_stall){
				   .source = source,
				   .injector = inst,
				   .what = what,
				   .tid = tid,
				   .thread = -1,
				   .stalled_us = stalled_us,
				   .threshold_us = threshold_us,
				   .wchan = wchan,
				   .stack = stack,
			   });
	mmt_inj_finding(inj, MMT_F_STALL, "%s: %s made no progress for %" PRIu64 " ms", inst,
			what, stalled_us / 1000);
}

uint64_t mmt_svc_stop_timeout_us(const struct mmt_inj *inj, uint64_t floor_us)
{
	uint64_t t = mmt_inj_stop_timeout_us(inj);

	return t > floor_us ? t : floor_us;
}

int mmt_svc_verr(const struct mmt_injector_cfg *cfg, const char *key,
		 char *err, size_t err_len, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, err_len, "%s:%u: [%s] %s: %s", cfg->src.file,
		 mmt_src_line(&cfg->src, key), cfg->name, key, msg);
	return -EINVAL;
}

void mmt_ith_check_stall(struct mmt_ith *ith, struct mmt_inj *inj, const char *source,
			 uint64_t own_us, bool *reported)
{
	uint64_t busy = atomic_load(&ith->busy_since_us), now, threshold;
	const char *what;

	if (!busy || *reported)
		return;
	now = mmt_now_us();
	threshold = mmt_inj_stall_threshold_us(inj, own_us);
	if (now <= busy || now - busy <= threshold)
		return;
	what = atomic_load(&ith->busy_what);
	*reported = true;
	mmt_svc_stall(inj, source, what ? what : "?", now - busy, threshold,
		      atomic_load(&ith->tid));
}

int mmt_ith_stop_or_stall(struct mmt_ith *ith, struct mmt_inj *inj, uint64_t floor_us)
{
	uint64_t timeout = mmt_svc_stop_timeout_us(inj, floor_us);
	int r = mmt_ith_stop(ith, timeout);

	if (r == -ETIMEDOUT) {
		const char *what = atomic_load(&ith->busy_what);

		mmt_inj_finding(inj, MMT_F_STALL, "%s: %s did not return within %" PRIu64 " s",
				inj->cfg->name, what ? what : "the injector's teardown",
				(uint64_t)(timeout / MMT_USEC_PER_SEC));
	}
	return r;
}

/* ---- hog processes --------------------------------------------------------------------- */

void mmt_svc_child_enter(int go_fd, const char *comm, const char *adj, size_t adj_len)
{
	char go;
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, comm);
	if (read(go_fd, &go, 1) != 1 || go != 'g')
		_exit(2);
	/* Hold no fd of the orchestrator (worker pipes, the run lock...). */
	syscall(SYS_close_range, 3U, ~0U, 0U);
	fd = open("/proc/self/oom_score_adj", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, adj, adj_len) < 0)
			_exit(5);
		close(fd);
	}
}

int mmt_svc_kill_pidfd(int pidfd)
{
	return syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0 ? -errno : 0;
}

int mmt_svc_child_go(struct mmt_cg *cg, pid_t pid, int pidfd, int go_wfd)
{
	int r = mmt_cg_attach(cg, pid);

	if (r == 0 && write(go_wfd, "g", 1) != 1)
		r = -errno;
	close(go_wfd);
	if (r < 0)
		mmt_svc_kill_pidfd(pidfd);
	return r;
}

/* ---- devices an injector thread stacks ------------------------------------------------- */

int mmt_svc_dm_stack(struct mmt_ith *ith, struct mmt_undo *undo, struct mmt_journal *jr,
		     const char *name, const char *lower, const struct mmt_dm_params *p,
		     char *ret_dev, size_t len)
{
	int seq = -1, r;

	mmt_ith_busy(ith, "dm create");
	r = mmt_dm_stack(jr, name, lower, p, ret_dev, len, &seq);
	mmt_ith_busy(ith, NULL);
	mmt_undo_push(undo, seq);
	return r;
}

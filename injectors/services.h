/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_SERVICES_H
#define MMT_SERVICES_H

/*
 * What the pressure injectors (swap, writeback, nfs, hog, memcg-squeeze,
 * the levers) share that is about being an injector: names, the
 * injector's own thread and its stall report, thresholds, events and the
 * validate() error prefix.  The system side effects themselves are in
 * lib/sysfx/ (each with its undo, lib/undo.h).
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

struct mmt_inj;
struct mmt_injector_cfg;

/*
 * "mmtorture-<run id>-<inst>[-<suffix>]" with every character outside
 * [A-Za-z0-9._-] replaced by '-' (instance names hold ':').  A run id that
 * already starts with "mmtorture-" is not prefixed twice.  Pure.
 * Returns 0 or -ENAMETOOLONG.
 */
int mmt_svc_name(const char *run_id, const char *inst, const char *suffix,
		 char *buf, size_t len);

/* ---- the injector's own thread ------------------------------------------------------ */

/*
 * Long or blocking work (swapon/swapoff, mkfs, mounts, dm loads, the
 * dirtier) runs here, never in poll.  busy_since_us/busy_what let poll see
 * a kernel call that does not come back.
 */
struct mmt_ith {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_bool stop;
	atomic_bool kick;             /* mmt_ith_kick(): end the current sleep */
	atomic_bool thaw;             /* mmt_ith_thaw(): end a hold_frozen() now */
	atomic_bool done;             /* the thread function returned */
	bool running;
	bool left_behind;             /* did not stop in time: detached */
	_Atomic pid_t tid;               /* the thread's tid, once running */
	_Atomic uint64_t busy_since_us;  /* CLOCK_MONOTONIC; 0 when idle */
	const char *_Atomic busy_what;   /* a string literal */
};

int mmt_ith_start(struct mmt_ith *ith, void *(*fn)(void *), void *arg);
/* Sleep up to us, or until kicked; returns true when stop was asked (at
 * once if so). */
bool mmt_ith_sleep(struct mmt_ith *ith, uint64_t us);
/* End the thread's current (or next) mmt_ith_sleep() early, without asking
 * it to stop: from an injector's "stopping" op.  Never blocks long. */
void mmt_ith_kick(struct mmt_ith *ith);
/* Ask a thread in mmt_ith_hold_frozen() to thaw now, and kick it: an
 * injector's "stopping" op, before the workers that wait on it stop. */
void mmt_ith_thaw(struct mmt_ith *ith);
/*
 * For a thread that froze something (a dm device, the NFS server): hold
 * until stop is asked, calling thaw(arg) at thaw_at_us (CLOCK_MONOTONIC;
 * 0: never on its own) or as soon as mmt_ith_thaw() asked it (the
 * injector's "stopping" op).  thaw must be idempotent;
 * the caller thaws once more in its teardown.
 */
void mmt_ith_hold_frozen(struct mmt_ith *ith, uint64_t thaw_at_us,
			 void (*thaw)(void *arg), void *arg);
static inline bool mmt_ith_stopping(struct mmt_ith *ith)
{
	return atomic_load(&ith->stop);
}
/* Mark the start (what = a literal) and end (NULL) of a blocking call. */
void mmt_ith_busy(struct mmt_ith *ith, const char *what);
/* Ask to stop, wake the thread, join within timeout_us.  Returns 0, or
 * -ETIMEDOUT (the thread is detached and left behind; its journal
 * records stay for the final replay).  Accepts a thread never started. */
int mmt_ith_stop(struct mmt_ith *ith, uint64_t timeout_us);
struct mmt_inj;
/*
 * From an injector's cleanup: stop the thread if it still runs (stop never
 * came; within the job's stop timeout).  A thread left behind (now or by an
 * earlier stop) keeps the injector's state: inj->priv becomes NULL, and
 * true says the caller must release nothing.  Accepts a thread never started.
 */
bool mmt_ith_release(struct mmt_ith *ith, struct mmt_inj *inj);

/*
 * From poll: report, once (*reported), a blocking call of the thread that
 * has not returned within the stall threshold (own_us, or [global]
 * stall_threshold when 0) as a stall of the given source.
 */
void mmt_ith_check_stall(struct mmt_ith *ith, struct mmt_inj *inj, const char *source,
			 uint64_t own_us, bool *reported);
/*
 * From stop: mmt_ith_stop() within the injector's stop timeout (at least
 * floor_us).  A thread that does not return is a STALL finding naming the
 * call it is in.  Returns what mmt_ith_stop() returned.
 */
int mmt_ith_stop_or_stall(struct mmt_ith *ith, struct mmt_inj *inj, uint64_t floor_us);

/* ---- hog processes (the hog and pressure injectors) ----------------------------------- */

struct mmt_cg;

/*
 * First steps of a hog child cloned by an injector thread (a child of a
 * threaded process: system calls only): die with the parent, take the name
 * COMM (the kernel log names OOM victims by it), wait for the parent's 'g'
 * on go_fd (it has put the child in its cgroup by then, so nothing is
 * allocated outside it), close every inherited fd, then set oom_score_adj
 * to ADJ ("1000\n").  The child exits 2 when the parent never said go, 5
 * when oom_score_adj cannot be written.
 */
void mmt_svc_child_enter(int go_fd, const char *comm, const char *adj, size_t adj_len);
/*
 * Parent side: attach the child (pid, pidfd) to cg and tell it to go on
 * go_wfd (closed here).  On failure the child is killed, so that it never
 * runs outside its cgroup; the caller still reaps it.  0 or -errno.
 */
int mmt_svc_child_go(struct mmt_cg *cg, pid_t pid, int pidfd, int go_wfd);
/* SIGKILL through a pidfd.  0 or -errno. */
int mmt_svc_kill_pidfd(int pidfd);

/* ---- devices an injector thread stacks ------------------------------------------------- */

struct mmt_dm_params;
struct mmt_journal;
struct mmt_undo;
/*
 * From an injector's thread: stack the dm device NAME over LOWER
 * (mmt_dm_stack(), journalled), marked busy while libdevmapper may block,
 * its journal record pushed on undo.  ret_dev gets its node.  0 or -errno.
 */
int mmt_svc_dm_stack(struct mmt_ith *ith, struct mmt_undo *undo, struct mmt_journal *jr,
		     const char *name, const char *lower, const struct mmt_dm_params *p,
		     char *ret_dev, size_t len);

/* ---- small helpers shared by the injectors ------------------------------------------- */

/* Emit an "injector" event {"injector":<instance>,"phase":phase, ...extra's
 * keys} (extra is consumed; may be NULL). */
void mmt_svc_event(struct mmt_inj *inj, const char *phase, json_object *extra);
/*
 * Report a stall of the injector's thread tid: a "stall" event (the one
 * schema, api/injector.h struct mmt_stall) with what it was doing, the
 * threshold it passed (us) and its wchan and kernel stack inline, and a
 * MMT_F_STALL finding.  The caller reports each stall once.
 */
void mmt_svc_stall(struct mmt_inj *inj, const char *source, const char *what,
		   uint64_t stalled_us, uint64_t threshold_us, pid_t tid);
/* The stop timeout for an injector thread: max(job stop_timeout, floor). */
uint64_t mmt_svc_stop_timeout_us(const struct mmt_inj *inj, uint64_t floor_us);
/* "file:line: [inst] key: " prefix for validate() errors. */
int mmt_svc_verr(const struct mmt_injector_cfg *cfg, const char *key,
		 char *err, size_t err_len,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif

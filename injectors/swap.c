// SPDX-License-Identifier: GPL-2.0-only
/*
 * swap: a swap area of our own (file, zram, loop, dm over loop, or a file on
 * the nfs injector's mount), optionally switched off and on again every
 * `churn` while the cells are under pressure.  The machine's own swap areas
 * are never touched: /proc/swaps is recorded at probe and checked at stop.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "lib/sysfx/exec.h"
#include "lib/sysfx/fs.h"
#include "lib/sysfx/loop.h"
#include "lib/sysfx/zram.h"
#include "lib/sysfx/dm.h"
#include "lib/sysfx/swap.h"
#include "lib/undo.h"
#include "lib/monitor.h"
#include "injectors/services.h"
#include "lib/kfeat.h"
#include "injectors/injectors.h"
#include "lib/journal.h"
#include "lib/log.h"
#include "api/injector.h"
#include "lib/cgroup.h"
#include "lib/util.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

enum swap_backing { BK_FILE, BK_ZRAM, BK_LOOP, BK_DM, BK_NFS };
static const char *const backing_names[] = { "file", "zram", "loop", "dm", "nfs", NULL };
enum dm_kind { DMK_DELAY, DMK_FLAKEY };
static const char *const dm_names[] = { "delay", "flakey", NULL };

struct swap_opts {
	int backing;
	uint64_t size;
	int64_t priority;
	uint64_t churn_us;
	char dir[MMT_OPT_STRLEN];
	char zram_comp[MMT_OPT_STRLEN];
	bool loop_dio;
	int dm_target;
	uint64_t read_delay_ms;
	uint64_t write_delay_ms;
	uint64_t up_us;
	uint64_t down_us;
	int flakey_mode;
	uint64_t stall_us;
	uint64_t nfs_wait_us;
};

#define OFF(f) offsetof(struct swap_opts, f)
static const struct mmt_opt swap_opts[] = {
	{ "backing", MMT_OPT_ENUM, OFF(backing), 0, 0, "file", backing_names,
	  "what the swap area lives on: a file (dir=), zram, a loop device over a "
	  "file, dm (delay or flakey) over loop, or a file on the nfs injector's mount" },
	{ "size", MMT_OPT_SIZE, OFF(size), 1 << 20, 1LL << 40, "256M", NULL,
	  "size of the swap area" },
	{ "priority", MMT_OPT_INT, OFF(priority), -1, 32767, "-1", NULL,
	  "swap priority (SWAP_FLAG_PREFER); -1 lets the kernel choose" },
	{ "churn", MMT_OPT_DURATION, OFF(churn_us), 0, 0, "0", NULL,
	  "swapoff and swapon again every this long while the cells run; 0 never" },
	{ "dir", MMT_OPT_STR, OFF(dir), 0, 0, "", NULL,
	  "directory for the swap or image file (a disk file system); empty: the run directory" },
	{ "zram_comp", MMT_OPT_STR, OFF(zram_comp), 0, 0, "", NULL,
	  "zram compression algorithm; empty: the kernel's default" },
	{ "loop_dio", MMT_OPT_BOOL, OFF(loop_dio), 0, 0, "0", NULL,
	  "loop device in direct I/O mode (no double caching of swap I/O)" },
	{ "dm_target", MMT_OPT_ENUM, OFF(dm_target), 0, 0, "delay", dm_names,
	  "backing=dm: the target over the loop device" },
	{ "read_delay_ms", MMT_OPT_U64, OFF(read_delay_ms), 0, 60000, "0", NULL,
	  "dm-delay: delay of every read, in ms" },
	{ "write_delay_ms", MMT_OPT_U64, OFF(write_delay_ms), 0, 60000, "50", NULL,
	  "dm-delay: delay of every write, in ms" },
	{ "up", MMT_OPT_DURATION, OFF(up_us), 1000000, 0, "10s", NULL,
	  "dm-flakey: how long the device works (whole seconds)" },
	{ "down", MMT_OPT_DURATION, OFF(down_us), 0, 0, "1s", NULL,
	  "dm-flakey: how long it misbehaves (whole seconds)" },
	{ "flakey_mode", MMT_OPT_ENUM, OFF(flakey_mode), 0, 0, "error_writes",
	  mmt_flakey_mode_names, "dm-flakey: what happens while down" },
	{ "stall", MMT_OPT_DURATION, OFF(stall_us), 0, 0, "0", NULL,
	  "a swapon/swapoff that takes longer is a stall; 0: [global] stall_threshold" },
	{ "nfs_wait", MMT_OPT_DURATION, OFF(nfs_wait_us), 1000000, 0, "120s", NULL,
	  "backing=nfs: how long to wait for the nfs injector's mount" },
	MMT_OPT_END,
};
#undef OFF

static const char *const swap_columns[] = { "pswpin", "pswpout", "swap_used_kb", NULL };

#define MAX_FOREIGN 32

struct swap_state {
	struct mmt_inj *inj;
	const struct swap_opts *o;
	struct mmt_ith ith;
	struct mmt_undo undo;
	char img[PATH_MAX];        /* a file we created (swap or image) */
	char loopdev[64];
	char dmname[NAME_MAX];
	char dev[PATH_MAX];        /* what is swapped on */
	atomic_bool ready;         /* set up: swapon done once */
	atomic_bool on;
	atomic_bool failed;
	_Atomic uint64_t churns, swapoff_fail, swapon_fail;
	_Atomic uint64_t swapoff_max_us, swapoff_total_us;
	uint64_t vm_prev[2];
	bool have_prev;
	uint64_t pswpin_total, pswpout_total, used_max_kb;
	int swapon_seq;
	bool stall_reported;
	bool deferred;             /* teardown left to the final replay */
	char foreign[MAX_FOREIGN][PATH_MAX / 4];
	unsigned nr_foreign;
	int foreign_missing;       /* -1: not checked yet */
	bool ours_left;
	char err[256];
};

static int swap_validate(struct mmt_injector_cfg *cfg, const struct mmt_job *job,
			 char *err, size_t err_len)
{
	const struct swap_opts *o = cfg->opts;
	struct stat st;

	/* A missing dir is the probe's (CONF); a file there is a job error. */
	if (o->dir[0] && stat(o->dir, &st) == 0 && !S_ISDIR(st.st_mode))
		return mmt_svc_verr(cfg, "dir", err, err_len, "%s is not a directory", o->dir);
	if (o->churn_us && o->churn_us < MMT_USEC_PER_SEC)
		return mmt_svc_verr(cfg, "churn", err, err_len,
				    "churn below 1s leaves no time to swap; allowed 0 or >= 1s");
	if (o->backing == BK_DM && o->dm_target == DMK_FLAKEY &&
	    o->up_us % MMT_USEC_PER_SEC)
		return mmt_svc_verr(cfg, "up", err, err_len, "dm-flakey takes whole seconds");
	return 0;
}

/* Foreign swap areas, recorded before anything of ours exists. */
static void foreign_cb(const char *name, uint64_t size_kb, uint64_t used_kb, void *arg)
{
	struct swap_state *s = arg;

	if (s->nr_foreign < MAX_FOREIGN)
		snprintf(s->foreign[s->nr_foreign++], sizeof(s->foreign[0]), "%s", name);
}

struct check_ctx {
	struct swap_state *s;
	bool seen[MAX_FOREIGN];
	const char *ours;
	bool ours_seen;
};

static void check_cb(const char *name, uint64_t size_kb, uint64_t used_kb, void *arg)
{
	struct check_ctx *c = arg;

	for (unsigned i = 0; i < c->s->nr_foreign; i++)
		if (!strcmp(c->s->foreign[i], name))
			c->seen[i] = true;
	if (c->ours && !strcmp(c->ours, name))
		c->ours_seen = true;
}

static void check_swaps_after(struct swap_state *s)
{
	char text[16384], real[PATH_MAX];
	struct check_ctx c = { .s = s };

	if (mmt_read_file("/proc/swaps", text, sizeof(text)) < 0)
		return;
	if (s->dev[0])
		c.ours = realpath(s->dev, real) ? real : s->dev;
	mmt_swap_parse_swaps(text, check_cb, &c);
	s->foreign_missing = 0;
	for (unsigned i = 0; i < s->nr_foreign; i++)
		if (!c.seen[i]) {
			s->foreign_missing++;
			log_err("%s: swap area %s that was on before the run is gone",
				s->inj->cfg->name, s->foreign[i]);
		}
	s->ours_left = c.ours_seen;
	if (c.ours_seen)
		log_err("%s: our swap area %s is still on", s->inj->cfg->name, s->dev);
}

static int probe_dir(const char *dir, char *why, size_t why_len)
{
	struct statfs sf;

	if (statfs(dir, &sf) < 0) {
		snprintf(why, why_len, "swap dir %s: %s", dir, strerror(errno));
		return 1;
	}
	if (sf.f_type == TMPFS_MAGIC) {
		snprintf(why, why_len, "swap files need a disk file system; %s is tmpfs "
			 "(set dir=)", dir);
		return 1;
	}
	return 0;
}

static int probe_loop(char *why, size_t why_len)
{
	if (mmt_exec_load(mmt_kfeat_loop, "loop"))
		return 0;
	snprintf(why, why_len, "kernel has no loop devices (/proc/misc has no "
		 "loop-control; modprobe loop failed)");
	return 1;
}

static const char *swap_dir(struct swap_state *s)
{
	return s->o->dir[0] ? s->o->dir : mmt_inj_dir(s->inj);
}

static int swap_probe(struct mmt_inj *inj, char *why, size_t why_len)
{
	struct swap_state *s = inj->priv;
	char path[PATH_MAX], text[16384];
	int r;

	s->inj = inj;
	s->o = inj->opts;
	s->foreign_missing = -1;
	if (access("/proc/swaps", R_OK) < 0) {
		snprintf(why, why_len, "kernel built without CONFIG_SWAP (no /proc/swaps)");
		return 1;
	}
	if (!mmt_exec_find_prog("mkswap", path, sizeof(path))) {
		snprintf(why, why_len, "mkswap not found (install util-linux)");
		return 1;
	}
	if (mmt_read_file("/proc/swaps", text, sizeof(text)) >= 0) {
		s->nr_foreign = 0;
		mmt_swap_parse_swaps(text, foreign_cb, s);
	}
	switch (s->o->backing) {
	case BK_FILE:
		return probe_dir(swap_dir(s), why, why_len);
	case BK_ZRAM:
		if (mmt_exec_load(mmt_kfeat_zram, "zram"))
			return 0;
		snprintf(why, why_len, "kernel has no zram (no /sys/class/zram-control; "
			 "modprobe zram failed)");
		return 1;
	case BK_LOOP:
		return probe_loop(why, why_len) ?: probe_dir(swap_dir(s), why, why_len);
	case BK_DM:
		r = probe_loop(why, why_len) ?: probe_dir(swap_dir(s), why, why_len);
		if (r)
			return r;
		return mmt_dm_probe(dm_names[s->o->dm_target], why, why_len);
	case BK_NFS:
		r = mmt_exec_kconfig("NFS_SWAP");
		if (r == 0) {
			snprintf(why, why_len, "kernel has no swap over NFS (CONFIG_NFS_SWAP "
				 "is not set)");
			return 1;
		}
		return mmt_exec_probe_fs("nfs", "NFS client", why, why_len);
	}
	return -EINVAL;
}

static int make_name(struct swap_state *s, const char *suffix, char *buf, size_t len)
{
	return mmt_svc_name(mmt_inj_run_id(s->inj), s->inj->cfg->name, suffix, buf, len);
}

/* The image or swap file in dir. */
static int make_file(struct swap_state *s, const char *dir, const char *suffix)
{
	struct mmt_journal *jr = mmt_inj_journal(s->inj);
	char name[NAME_MAX], real[PATH_MAX];
	int r, seq = 0;

	r = make_name(s, suffix, name, sizeof(name));
	if (r < 0)
		return r;
	/* Canonical: the loop undo compares it with sysfs backing_file. */
	if (!realpath(dir, real))
		return log_err_errno(-errno, "%s: %s", s->inj->cfg->name, dir);
	if ((size_t)snprintf(s->img, sizeof(s->img), "%s/%s", real, name) >= sizeof(s->img))
		return -ENAMETOOLONG;
	/*
	 * A swap file must have no holes (swapon refuses a sparse one, on NFS
	 * too: EINVAL, seen in the lab VM).  The image under a loop device
	 * may have holes: then swap-out allocates its blocks under reclaim.
	 */
	r = mmt_fs_file_create(jr, s->img, s->o->size, !strcmp(suffix, "swap"), &seq);
	mmt_undo_push(&s->undo, seq);
	return r;
}

static int wait_nfs(struct swap_state *s, char *dir, size_t len)
{
	uint64_t end = mmt_now_us() + s->o->nfs_wait_us;

	mmt_fs_nfs_dir(mmt_inj_dir(s->inj), dir, len);
	while (!mmt_fs_is_nfs(dir)) {
		if (mmt_now_us() > end)
			return log_err_errno(-ETIMEDOUT, "%s: %s is no NFS mount",
					     s->inj->cfg->name, dir);
		if (mmt_ith_sleep(&s->ith, 200000))
			return -ECANCELED;
	}
	return 0;
}

/*
 * After a crash, `mmtorture cleanup` replays the journal newest first: our
 * swapoff would come before the cells' cgroups are removed, while their
 * workers still hold swapped pages in memcgs at their limits, and fail
 * with ENOMEM (seen here: the area and its loop device stayed).  So each
 * cell's cgroup is journalled once more, after the swapon: its undo (kill
 * the tasks, rmdir) then comes first.  In a normal run the cells are gone
 * before the final replay, and these records find nothing (ENOENT).  They
 * are not in our undo list: stop must not kill the cells.
 */
static void journal_cells_first(struct swap_state *s)
{
	for (unsigned i = 0; i < mmt_inj_nr_cells(s->inj); i++) {
		char path[PATH_MAX], *slash;
		struct mmt_cell_view cell;

		if (mmt_inj_cell_at(s->inj, i, &cell) < 0 || !cell.cg ||
		    mmt_cg_path(cell.cg, "cgroup.procs", path, sizeof(path)) < 0)
			continue;
		slash = strrchr(path, '/');
		if (!slash)
			continue;
		*slash = '\0';
		if (mmt_journal_addv(mmt_inj_journal(s->inj), "cgroup", path, NULL) < 0)
			log_warn("%s: cannot journal cell %s first", s->inj->cfg->name, cell.name);
	}
}

static int setup(struct swap_state *s)
{
	const struct swap_opts *o = s->o;
	struct mmt_journal *jr = mmt_inj_journal(s->inj);
	char dir[PATH_MAX];
	int r, seq = 0;

	switch (o->backing) {
	case BK_FILE:
		r = make_file(s, swap_dir(s), "swap");
		if (r < 0)
			return r;
		snprintf(s->dev, sizeof(s->dev), "%s", s->img);
		break;
	case BK_NFS:
		r = wait_nfs(s, dir, sizeof(dir));
		if (r < 0)
			return r;
		r = make_file(s, dir, "swap");
		if (r < 0)
			return r;
		snprintf(s->dev, sizeof(s->dev), "%s", s->img);
		break;
	case BK_ZRAM:
		r = mmt_zram_add(jr, o->size, o->zram_comp, s->dev, sizeof(s->dev), &seq);
		mmt_undo_push(&s->undo, seq);
		if (r < 0)
			return r;
		break;
	case BK_LOOP:
	case BK_DM:
		r = make_file(s, swap_dir(s), "img");
		if (r < 0)
			return r;
		mmt_ith_busy(&s->ith, "loop attach");
		r = mmt_loop_attach(jr, s->img, o->loop_dio, s->loopdev,
				    sizeof(s->loopdev), &seq);
		mmt_ith_busy(&s->ith, NULL);
		mmt_undo_push(&s->undo, seq);
		if (r < 0)
			return r;
		snprintf(s->dev, sizeof(s->dev), "%s", s->loopdev);
		if (o->backing == BK_LOOP)
			break;
		r = make_name(s, "dm", s->dmname, sizeof(s->dmname));
		if (r < 0)
			return r;
		r = mmt_svc_dm_stack(&s->ith, &s->undo, jr, s->dmname, s->loopdev,
				     &(struct mmt_dm_params){
					    .flakey = o->dm_target != DMK_DELAY, .bytes = o->size,
					    .read_delay_ms = (unsigned)o->read_delay_ms,
					    .write_delay_ms = (unsigned)o->write_delay_ms,
					    .up_us = o->up_us, .down_us = o->down_us,
					    .flakey_mode = o->flakey_mode },
				     s->dev, sizeof(s->dev));
		if (r < 0)
			return r;
		break;
	}
	mmt_ith_busy(&s->ith, "mkswap");
	r = mmt_swap_mkswap(s->dev, s->err, sizeof(s->err));
	mmt_ith_busy(&s->ith, NULL);
	if (r < 0)
		return r;
	mmt_ith_busy(&s->ith, "swapon");
	r = mmt_swap_on(jr, s->dev, o->priority, &seq);
	mmt_ith_busy(&s->ith, NULL);
	mmt_undo_push(&s->undo, seq);
	s->swapon_seq = seq;
	if (r < 0)
		return r;
	atomic_store(&s->on, true);
	journal_cells_first(s);
	return 0;
}

static void churn_once(struct swap_state *s)
{
	uint64_t t0 = mmt_now_us(), dt;
	int r;

	mmt_ith_busy(&s->ith, "swapoff");
	r = mmt_swap_off_raw(s->dev);
	mmt_ith_busy(&s->ith, NULL);
	dt = mmt_now_us() - t0;
	if (r < 0) {
		/* ENOMEM: no room to swap everything in; it stays on.  An
		 * expected outcome under pressure (counted in the report). */
		atomic_fetch_add(&s->swapoff_fail, 1);
		if (r == -ENOMEM)
			log_warn("%s: swapoff %s: no room to swap its pages in; it stays on",
				 s->inj->cfg->name, s->dev);
		else
			log_err_errno(r, "%s: swapoff %s", s->inj->cfg->name, s->dev);
		return;
	}
	atomic_store(&s->on, false);
	atomic_fetch_add(&s->swapoff_total_us, dt);
	if (dt > atomic_load(&s->swapoff_max_us))
		atomic_store(&s->swapoff_max_us, dt);
	mmt_ith_busy(&s->ith, "swapon");
	r = mmt_swap_on_raw(s->dev, s->o->priority);
	mmt_ith_busy(&s->ith, NULL);
	if (r < 0) {
		atomic_fetch_add(&s->swapon_fail, 1);
		log_err_errno(r, "%s: swapon %s", s->inj->cfg->name, s->dev);
		return;
	}
	atomic_store(&s->on, true);
	atomic_fetch_add(&s->churns, 1);
}

static void *swap_thread(void *arg)
{
	struct swap_state *s = arg;
	struct mmt_inj *inj = s->inj;
	int r;

	r = setup(s);
	if (r < 0) {
		atomic_store(&s->failed, true);
		if (r != -ECANCELED)
			mmt_inj_finding(inj, MMT_F_HARNESS, "%s: setting up %s swap failed: %s%s%s",
					s->inj->cfg->name, backing_names[s->o->backing],
					strerror(-r), s->err[0] ? ": " : "", s->err);
	} else {
		json_object *ex = json_object_new_object();

		json_object_object_add(ex, "device", json_object_new_string(s->dev));
		json_object_object_add(ex, "size", json_object_new_uint64(s->o->size));
		mmt_svc_event(s->inj, "swapon", ex);
		atomic_store(&s->ready, true);
		while (s->o->churn_us && !mmt_ith_sleep(&s->ith, s->o->churn_us))
			churn_once(s);
		while (!s->o->churn_us && !mmt_ith_sleep(&s->ith, 3600 * MMT_USEC_PER_SEC))
			;
	}
	/*
	 * Teardown, newest first: swapoff, dm, loop, file / zram.  The cells
	 * still run while injectors stop: a swapoff now would bring their
	 * pages back into memcgs at their limits, OOM-kill them from our
	 * thread (a kill nobody asked for) or fail with ENOMEM.  So while the
	 * area holds pages, everything stays in the journal for the final
	 * replay, after the workers are gone (a swap file cannot be unlinked
	 * while on, nor zram reset).  The churn is where swapoff is tortured.
	 * Swap on NFS is the exception: the server goes away when the nfs
	 * injector stops, and pages left on it could never come back.
	 */
	if (s->swapon_seq > 0 && s->undo.nr && s->undo.seq[s->undo.nr - 1] == s->swapon_seq) {
		uint64_t kb = 0;

		/* On NFS it must go now: the nfs injector stops the server next. */
		if (s->o->backing != BK_NFS && mmt_swap_used_kb(s->dev, &kb) == 0 && kb > 0) {
			r = -EBUSY;
		} else {
			mmt_ith_busy(&s->ith, "teardown (swapoff)");
			r = mmt_journal_undo(mmt_inj_journal(inj), s->swapon_seq);
			mmt_ith_busy(&s->ith, NULL);
		}
		if (r < 0) {
			s->deferred = true;
			log_info("%s: %s holds %" PRIu64 " KiB of the cells' pages%s%s; the final "
				 "cleanup swaps it off once the workers are gone", s->inj->cfg->name,
				 s->dev, kb, r == -EBUSY ? "" : ": swapoff: ",
				 r == -EBUSY ? "" : strerror(-r));
			return NULL;
		}
		s->undo.nr--;
	}
	atomic_store(&s->on, false);
	mmt_ith_busy(&s->ith, "teardown");
	mmt_undo_all(mmt_inj_journal(inj), &s->undo);
	mmt_ith_busy(&s->ith, NULL);
	if (atomic_load(&s->ready))
		mmt_svc_event(s->inj, "swapoff", NULL);
	return NULL;
}

static int swap_start(struct mmt_inj *inj)
{
	struct swap_state *s = inj->priv;

	return mmt_ith_start(&s->ith, swap_thread, s);
}

static void swap_poll(struct mmt_inj *inj, double *vals)
{
	static const char *const keys[] = { "pswpin", "pswpout" };
	struct swap_state *s = inj->priv;
	uint64_t v[2] = { 0, 0 }, kb;

	vals[0] = vals[1] = vals[2] = NAN;
	if (!s)
		return;
	if (mmt_mon_vmstat_keys(keys, v, 2) == 2) {
		if (s->have_prev) {
			vals[0] = (double)(v[0] - s->vm_prev[0]);
			vals[1] = (double)(v[1] - s->vm_prev[1]);
			s->pswpin_total += v[0] - s->vm_prev[0];
			s->pswpout_total += v[1] - s->vm_prev[1];
		}
		s->vm_prev[0] = v[0];
		s->vm_prev[1] = v[1];
		s->have_prev = true;
	}
	if (atomic_load(&s->on) && mmt_swap_used_kb(s->dev, &kb) == 0) {
		vals[2] = (double)kb;
		if (kb > s->used_max_kb)
			s->used_max_kb = kb;
	}
	mmt_ith_check_stall(&s->ith, inj, "swap", s->o->stall_us, &s->stall_reported);
}

static int swap_stop(struct mmt_inj *inj)
{
	struct swap_state *s = inj->priv;
	int r;

	if (!s)
		return 0;
	/* swapoff under pressure swaps everything back in: give it time. */
	r = mmt_ith_stop_or_stall(&s->ith, inj, 300 * MMT_USEC_PER_SEC);
	if (r == -ETIMEDOUT)
		return r;
	if (!s->deferred)
		check_swaps_after(s);
	return 0;
}

static void swap_report(struct mmt_inj *inj, json_object *out)
{
	struct swap_state *s = inj->priv;

	json_object_object_add(out, "backing",
			       json_object_new_string(backing_names[s->o->backing]));
	json_object_object_add(out, "device", json_object_new_string(s->dev));
	if (s->loopdev[0])
		json_object_object_add(out, "loop", json_object_new_string(s->loopdev));
	if (s->dmname[0])
		json_object_object_add(out, "dm", json_object_new_string(s->dmname));
	json_object_object_add(out, "size", json_object_new_uint64(s->o->size));
	json_object_object_add(out, "priority", json_object_new_int64(s->o->priority));
	json_object_object_add(out, "set_up", json_object_new_boolean(atomic_load(&s->ready)));
	json_object_object_add(out, "churns", json_object_new_uint64(atomic_load(&s->churns)));
	json_object_object_add(out, "swapoff_failures",
			       json_object_new_uint64(atomic_load(&s->swapoff_fail)));
	json_object_object_add(out, "swapon_failures",
			       json_object_new_uint64(atomic_load(&s->swapon_fail)));
	json_object_object_add(out, "swapoff_max_us",
			       json_object_new_uint64(atomic_load(&s->swapoff_max_us)));
	json_object_object_add(out, "swapoff_total_us",
			       json_object_new_uint64(atomic_load(&s->swapoff_total_us)));
	json_object_object_add(out, "pswpin", json_object_new_uint64(s->pswpin_total));
	json_object_object_add(out, "pswpout", json_object_new_uint64(s->pswpout_total));
	json_object_object_add(out, "used_max_kb", json_object_new_uint64(s->used_max_kb));
	json_object_object_add(out, "teardown_deferred", json_object_new_boolean(s->deferred));
	if (s->foreign_missing >= 0) {
		json_object_object_add(out, "foreign_swaps_intact",
				       json_object_new_boolean(s->foreign_missing == 0));
		json_object_object_add(out, "ours_removed", json_object_new_boolean(!s->ours_left));
	}
}

static void swap_cleanup(struct mmt_inj *inj)
{
	struct swap_state *s = inj->priv;

	if (s)
		mmt_ith_release(&s->ith, inj);
}

static bool swap_requires_nfs(const void *opts)
{
	return ((const struct swap_opts *)opts)->backing == BK_NFS;
}

const struct mmt_injector_ops mmt_injector_swap = {
	.version = MMT_INJECTOR_VERSION,
	.name = "swap",
	.summary = "a swap area of our own (file, zram, loop, dm, nfs) with swapoff/swapon churn",
	.opts = swap_opts,
	.opts_size = sizeof(struct swap_opts),
	.priv_size = sizeof(struct swap_state),
	.requires = "nfs",
	.requires_if = swap_requires_nfs,
	.columns = swap_columns,
	.validate = swap_validate,
	.probe = swap_probe,
	.start = swap_start,
	.poll = swap_poll,
	.stop = swap_stop,
	.report = swap_report,
	.cleanup = swap_cleanup,
};

// SPDX-License-Identifier: GPL-2.0-only
/*
 * writeback: a dirtier thread writes (and optionally fsyncs) page-cache data
 * to a file system on a target we build: loop over a file, dm-delay or
 * dm-flakey over loop, or the nfs injector's mount.  The vm.dirty_*
 * overrides are journalled and restored.  A write or fsync that does not
 * return within the stall threshold is a stall (event "stall", source
 * "writeback", finding MMT_F_STALL).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/sysfx/exec.h"
#include "lib/sysfx/fs.h"
#include "lib/sysfx/loop.h"
#include "lib/sysfx/dm.h"
#include "lib/sysfx/sysctl.h"
#include "lib/undo.h"
#include "lib/monitor.h"
#include "injectors/services.h"
#include "lib/kfeat.h"
#include "injectors/injectors.h"
#include "lib/journal.h"
#include "lib/log.h"
#include "api/injector.h"
#include "lib/util.h"

enum wb_target { TG_LOOP, TG_DM_DELAY, TG_DM_FLAKEY, TG_NFS, TG_DM_CRYPT };
static const char *const target_names[] = { "loop", "dm-delay", "dm-flakey", "nfs", "dm-crypt",
					    NULL };

static bool target_is_dm(int target)
{
	return target == TG_DM_DELAY || target == TG_DM_FLAKEY || target == TG_DM_CRYPT;
}
static const char *const fs_names[] = { "ext4", "xfs", NULL };

struct wb_opts {
	int target;
	int fs;
	uint64_t image_size;
	uint64_t file_size;
	uint64_t chunk;
	uint64_t rate_mbs;
	bool fsync;
	char dir[MMT_OPT_STRLEN];
	bool loop_dio;
	uint64_t read_delay_ms;
	uint64_t write_delay_ms;
	uint64_t up_us;
	uint64_t down_us;
	int flakey_mode;
	int64_t dirty_ratio;
	int64_t dirty_background_ratio;
	uint64_t dirty_bytes;
	uint64_t dirty_background_bytes;
	uint64_t stall_us;
	uint64_t nfs_wait_us;
	bool dirtier;
	uint64_t freeze_at_us;
	uint64_t freeze_for_us;
	uint64_t hung_task_timeout_us;
};

#define OFF(f) offsetof(struct wb_opts, f)
static const struct mmt_opt wb_opts[] = {
	{ "target", MMT_OPT_ENUM, OFF(target), 0, 0, "loop", target_names,
	  "where the file system lives: loop over a file, dm-delay, dm-flakey or "
	  "dm-crypt (aes-xts-plain64, a random key) over loop, or the nfs injector's mount" },
	{ "fs", MMT_OPT_ENUM, OFF(fs), 0, 0, "ext4", fs_names,
	  "file system made with mkfs on the loop or dm device" },
	{ "image_size", MMT_OPT_SIZE, OFF(image_size), 64 << 20, 1LL << 40, "1G", NULL,
	  "size of the image file under the loop device" },
	{ "file_size", MMT_OPT_SIZE, OFF(file_size), 1 << 20, 1LL << 40, "256M", NULL,
	  "size of the file the dirtier rewrites, pass after pass" },
	{ "chunk", MMT_OPT_SIZE, OFF(chunk), 4096, 64 << 20, "1M", NULL,
	  "bytes per write(2)" },
	{ "rate", MMT_OPT_U64, OFF(rate_mbs), 0, 100000, "0", NULL,
	  "dirtying rate in MB/s; 0 writes flat out" },
	{ "fsync", MMT_OPT_BOOL, OFF(fsync), 0, 0, "0", NULL,
	  "fsync(2) the file at the end of every pass" },
	{ "dir", MMT_OPT_STR, OFF(dir), 0, 0, "", NULL,
	  "directory for the image file; empty: the run directory" },
	{ "loop_dio", MMT_OPT_BOOL, OFF(loop_dio), 0, 0, "0", NULL,
	  "loop device in direct I/O mode" },
	{ "read_delay_ms", MMT_OPT_U64, OFF(read_delay_ms), 0, 60000, "0", NULL,
	  "dm-delay: delay of every read, in ms" },
	{ "write_delay_ms", MMT_OPT_U64, OFF(write_delay_ms), 0, 60000, "100", NULL,
	  "dm-delay: delay of every write, in ms" },
	{ "up", MMT_OPT_DURATION, OFF(up_us), 1000000, 0, "10s", NULL,
	  "dm-flakey: how long the device works (whole seconds)" },
	{ "down", MMT_OPT_DURATION, OFF(down_us), 0, 0, "2s", NULL,
	  "dm-flakey: how long it misbehaves (whole seconds)" },
	{ "flakey_mode", MMT_OPT_ENUM, OFF(flakey_mode), 0, 0, "error_writes",
	  mmt_flakey_mode_names, "dm-flakey: what happens while down" },
	{ "dirty_ratio", MMT_OPT_INT, OFF(dirty_ratio), -1, 100, "-1", NULL,
	  "set vm.dirty_ratio for the run (restored); -1 leaves it" },
	{ "dirty_background_ratio", MMT_OPT_INT, OFF(dirty_background_ratio), -1, 100, "-1",
	  NULL, "set vm.dirty_background_ratio for the run (restored); -1 leaves it" },
	{ "dirty_bytes", MMT_OPT_SIZE, OFF(dirty_bytes), 0, 0, "0", NULL,
	  "set vm.dirty_bytes for the run (restored); 0 leaves it" },
	{ "dirty_background_bytes", MMT_OPT_SIZE, OFF(dirty_background_bytes), 0, 0, "0",
	  NULL, "set vm.dirty_background_bytes for the run (restored); 0 leaves it" },
	{ "stall", MMT_OPT_DURATION, OFF(stall_us), 0, 0, "0", NULL,
	  "a write or fsync that takes longer is a stall; 0: [global] stall_threshold" },
	{ "nfs_wait", MMT_OPT_DURATION, OFF(nfs_wait_us), 1000000, 0, "120s", NULL,
	  "target=nfs: how long to wait for the nfs injector's mount" },
	{ "dirtier", MMT_OPT_BOOL, OFF(dirtier), 0, 0, "1", NULL,
	  "run the injector's own dirtier thread; 0: only build the target, for "
	  "dirty cells with dir = @<this injector> (the mount is published as \"dir\")" },
	{ "freeze_at", MMT_OPT_DURATION, OFF(freeze_at_us), 0, 0, "0", NULL,
	  "dm targets, dirtier = 0: suspend the device (noflush, nolockfs) this long "
	  "after it is ready, so writers and writeback wait in device-mapper; 0: never" },
	{ "freeze_for", MMT_OPT_DURATION, OFF(freeze_for_us), 0, 0, "0", NULL,
	  "how long the device stays suspended; 0: until the run stops (the resume "
	  "is journalled first and comes before any other undo)" },
	{ "hung_task_timeout", MMT_OPT_DURATION, OFF(hung_task_timeout_us), 0, 0, "0", NULL,
	  "set kernel.hung_task_timeout_secs for the run (restored), so hung-task "
	  "reports of stuck victims come within it; whole seconds, 0 leaves it" },
	MMT_OPT_END,
};
#undef OFF

static const char *const wb_columns[] = { "written_mb", "nr_dirty", "nr_writeback", "frozen",
					   NULL };

struct wb_state {
	struct mmt_inj *inj;
	const struct wb_opts *o;
	struct mmt_ith ith;
	struct mmt_undo undo;          /* devices, mounts, files (the thread) */
	struct mmt_undo sysctl_undo;   /* vm.dirty_* (start/stop) */
	char img[PATH_MAX];
	char loopdev[64];
	char dmname[NAME_MAX];
	char dev[PATH_MAX];
	char mnt[PATH_MAX];
	char data[PATH_MAX];
	char err[256];
	atomic_bool ready, failed, frozen;
	int freeze_seq;                /* the journal's "dmresume" while frozen */
	_Atomic uint64_t freezes;
	_Atomic uint64_t written, passes, fsyncs, write_errors, fsync_errors;
	_Atomic uint64_t write_max_us, fsync_max_us;
	_Atomic int last_errno;
	bool stall_reported;
	char sysctls[256];             /* what we set, for the report */
};

static int wb_validate(struct mmt_injector_cfg *cfg, const struct mmt_job *job,
		       char *err, size_t err_len)
{
	const struct wb_opts *o = cfg->opts;

	(void)job;
	if (o->target != TG_NFS && o->file_size + (o->image_size / 8) > o->image_size) {
		return mmt_svc_verr(cfg, "file_size", err, err_len,
				    "must leave 1/8 of image_size free (image_size is %" PRIu64 ")",
				    o->image_size);
	}
	if (o->dirty_ratio >= 0 && o->dirty_bytes)
		return mmt_svc_verr(cfg, "dirty_bytes", err, err_len,
				    "dirty_ratio and dirty_bytes exclude each other");
	if (o->dirty_background_ratio >= 0 && o->dirty_background_bytes)
		return mmt_svc_verr(cfg, "dirty_background_bytes", err, err_len,
				    "dirty_background_ratio and dirty_background_bytes "
				    "exclude each other");
	if (o->dirty_bytes && o->dirty_bytes < 8192)
		return mmt_svc_verr(cfg, "dirty_bytes", err, err_len, "at least 8K");
	if ((o->freeze_at_us || o->freeze_for_us) && !target_is_dm(o->target))
		return mmt_svc_verr(cfg, "freeze_at", err, err_len,
				    "only a dm target can be frozen (dm-delay, dm-flakey, dm-crypt)");
	if ((o->freeze_at_us || o->freeze_for_us) && o->dirtier)
		return mmt_svc_verr(cfg, "freeze_at", err, err_len,
				    "needs dirtier = 0 (the thread that freezes must not write)");
	if (o->hung_task_timeout_us % MMT_USEC_PER_SEC)
		return mmt_svc_verr(cfg, "hung_task_timeout", err, err_len, "whole seconds");
	if (o->target == TG_DM_FLAKEY && (o->up_us % MMT_USEC_PER_SEC ||
					  o->down_us % MMT_USEC_PER_SEC))
		return mmt_svc_verr(cfg, "up", err, err_len, "dm-flakey takes whole seconds");
	return 0;
}

static int wb_probe(struct mmt_inj *inj, char *why, size_t why_len)
{
	struct wb_state *s = inj->priv;
	const char *fs = fs_names[inj->opts ? ((const struct wb_opts *)inj->opts)->fs : 0];
	char prog[64], path[PATH_MAX];

	s->inj = inj;
	s->o = inj->opts;
	if (s->o->target == TG_NFS) {
		return mmt_exec_probe_fs("nfs", "NFS client", why, why_len);
	}
	if (!mmt_exec_load(mmt_kfeat_loop, "loop")) {
		snprintf(why, why_len, "kernel has no loop devices (/proc/misc has no "
			 "loop-control; modprobe loop failed)");
		return 1;
	}
	if (mmt_exec_probe_fs(fs, fs, why, why_len))
		return 1;
	mmt_fs_mkfs_prog(fs, prog, sizeof(prog));
	if (!mmt_exec_find_prog(prog, path, sizeof(path))) {
		snprintf(why, why_len, "%s not found (install %s)", prog,
			 !strcmp(fs, "xfs") ? "xfsprogs" : "e2fsprogs");
		return 1;
	}
	if (s->o->target == TG_DM_DELAY)
		return mmt_dm_probe("delay", why, why_len);
	if (s->o->target == TG_DM_FLAKEY)
		return mmt_dm_probe("flakey", why, why_len);
	if (s->o->target == TG_DM_CRYPT) {
		int r = mmt_dm_probe("crypt", why, why_len);

		/* aes-xts-plain64 is xts over ecb(aes): the kernel asks modprobe
		 * for "crypto-xts(aes)", which a minimal modprobe (busybox) cannot
		 * resolve; load the templates, best effort. */
		if (r == 0) {
			mmt_exec_modprobe("xts");
			mmt_exec_modprobe("ecb");
			mmt_exec_modprobe("aes_generic");
		}
		return r;
	}
	return 0;
}

static int make_name(struct wb_state *s, const char *suffix, char *buf, size_t len)
{
	return mmt_svc_name(mmt_inj_run_id(s->inj), s->inj->cfg->name, suffix, buf, len);
}

static int make_path(struct wb_state *s, const char *dir, const char *suffix,
		     char *buf, size_t len)
{
	char name[NAME_MAX], real[PATH_MAX];
	int r = make_name(s, suffix, name, sizeof(name));

	if (r < 0)
		return r;
	/* Canonical: the loop undo compares it with sysfs backing_file. */
	if (!realpath(dir, real))
		return log_err_errno(-errno, "%s: %s", s->inj->cfg->name, dir);
	if ((size_t)snprintf(buf, len, "%s/%s", real, name) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* Build the block device and mount it; or find the NFS mount. */
static int setup_fs(struct wb_state *s)
{
	const struct wb_opts *o = s->o;
	struct mmt_journal *jr = mmt_inj_journal(s->inj);
	const char *dir = o->dir[0] ? o->dir : mmt_inj_dir(s->inj);
	int r, seq = 0;

	if (o->target == TG_NFS) {
		uint64_t end = mmt_now_us() + o->nfs_wait_us;

		mmt_fs_nfs_dir(mmt_inj_dir(s->inj), s->mnt, sizeof(s->mnt));
		while (!mmt_fs_is_nfs(s->mnt)) {
			if (mmt_now_us() > end)
				return log_err_errno(-ETIMEDOUT, "%s: %s is no NFS mount",
						     s->inj->cfg->name, s->mnt);
			if (mmt_ith_sleep(&s->ith, 200000))
				return -ECANCELED;
		}
		return 0;
	}
	r = make_path(s, dir, "img", s->img, sizeof(s->img));
	if (r < 0)
		return r;
	r = mmt_fs_file_create(jr, s->img, o->image_size, false, &seq);
	mmt_undo_push(&s->undo, seq);
	if (r < 0)
		return r;
	mmt_ith_busy(&s->ith, "loop attach");
	r = mmt_loop_attach(jr, s->img, o->loop_dio, s->loopdev, sizeof(s->loopdev), &seq);
	mmt_ith_busy(&s->ith, NULL);
	mmt_undo_push(&s->undo, seq);
	if (r < 0)
		return r;
	snprintf(s->dev, sizeof(s->dev), "%s", s->loopdev);
	if (target_is_dm(o->target)) {
		r = make_name(s, "dm", s->dmname, sizeof(s->dmname));
		if (r < 0)
			return r;
		r = mmt_svc_dm_stack(&s->ith, &s->undo, jr, s->dmname, s->loopdev,
				     &(struct mmt_dm_params){
					    .flakey = o->target == TG_DM_FLAKEY,
					    .crypt = o->target == TG_DM_CRYPT, .bytes = o->image_size,
					    .read_delay_ms = (unsigned)o->read_delay_ms,
					    .write_delay_ms = (unsigned)o->write_delay_ms,
					    .up_us = o->up_us, .down_us = o->down_us,
					    .flakey_mode = o->flakey_mode },
				     s->dev, sizeof(s->dev));
		if (r < 0)
			return r;
	}
	mmt_ith_busy(&s->ith, "mkfs");
	r = mmt_fs_mkfs(fs_names[o->fs], s->dev, s->err, sizeof(s->err));
	mmt_ith_busy(&s->ith, NULL);
	if (r < 0)
		return r;
	r = make_path(s, mmt_inj_dir(s->inj), "mnt", s->mnt, sizeof(s->mnt));
	if (r < 0)
		return r;
	r = mmt_fs_mkdir(jr, s->mnt, &seq);
	mmt_undo_push(&s->undo, seq);
	if (r < 0)
		return r;
	mmt_ith_busy(&s->ith, "mount");
	r = mmt_fs_mount(jr, s->dev, s->mnt, fs_names[o->fs], 0, NULL, &seq);
	mmt_ith_busy(&s->ith, NULL);
	mmt_undo_push(&s->undo, seq);
	return r;
}

static void note_max(_Atomic uint64_t *max, uint64_t v)
{
	if (v > atomic_load(max))
		atomic_store(max, v);
}

static void dirty(struct wb_state *s, int fd, char *buf)
{
	const struct wb_opts *o = s->o;
	uint64_t off = 0, t0 = mmt_now_us(), written = 0;

	while (!mmt_ith_stopping(&s->ith)) {
		size_t n = o->chunk;
		uint64_t t = mmt_now_us();
		ssize_t w;

		if (off + n > o->file_size)
			n = (size_t)(o->file_size - off);
		mmt_ith_busy(&s->ith, "write");
		w = pwrite(fd, buf, n, (off_t)off);
		mmt_ith_busy(&s->ith, NULL);
		note_max(&s->write_max_us, mmt_now_us() - t);
		if (w < 0) {
			/* EIO/ENOSPC from dm-flakey and friends: count, go on. */
			atomic_store(&s->last_errno, errno);
			atomic_fetch_add(&s->write_errors, 1);
			if (mmt_ith_sleep(&s->ith, 100000))
				break;
			continue;
		}
		off += (uint64_t)w;
		written += (uint64_t)w;
		atomic_fetch_add(&s->written, (uint64_t)w);
		if (off >= o->file_size) {
			off = 0;
			atomic_fetch_add(&s->passes, 1);
			buf[0]++;               /* every pass writes new data */
			if (o->fsync) {
				t = mmt_now_us();
				mmt_ith_busy(&s->ith, "fsync");
				if (fsync(fd) < 0) {
					atomic_store(&s->last_errno, errno);
					atomic_fetch_add(&s->fsync_errors, 1);
				}
				mmt_ith_busy(&s->ith, NULL);
				note_max(&s->fsync_max_us, mmt_now_us() - t);
				atomic_fetch_add(&s->fsyncs, 1);
			}
		}
		if (o->rate_mbs) {
			uint64_t due = t0 + written / o->rate_mbs;   /* bytes / (B/us) */
			uint64_t now = mmt_now_us();

			if (due > now && mmt_ith_sleep(&s->ith, due - now))
				break;
		}
	}
}

/* Resume a frozen device (the journal's record: it resumes and is done). */
static void thaw(struct wb_state *s)
{
	int r;

	if (!atomic_load(&s->frozen))
		return;
	r = mmt_journal_undo(mmt_inj_journal(s->inj), s->freeze_seq);
	if (r < 0) {
		mmt_inj_finding(s->inj, MMT_F_HARNESS, "%s: cannot resume %s: %s (left to the "
				"journal)", s->inj->cfg->name, s->dmname, strerror(-r));
		return;
	}
	atomic_store(&s->frozen, false);
	s->freeze_seq = 0;
	mmt_svc_event(s->inj, "thaw", NULL);
}

static void thaw_cb(void *arg)
{
	thaw(arg);
}

/*
 * dirtier = 0: the target is for the dirty cells; hold it until stop, and
 * freeze it from freeze_at for freeze_for (0: until stop).  The suspend can
 * block on in-flight I/O: it is this thread's, never the event loop's.
 */
static void hold_target(struct wb_state *s)
{
	const struct wb_opts *o = s->o;
	uint64_t t0 = mmt_now_us(), thaw_at = 0;
	int r;

	if (o->freeze_at_us && mmt_ith_sleep(&s->ith, o->freeze_at_us))
		return;
	/* Woken by "stopping" before freeze_at: the run ends, no freeze. */
	if (o->freeze_at_us && !atomic_load(&s->ith.thaw)) {
		json_object *ex = json_object_new_object();

		mmt_ith_busy(&s->ith, "dm suspend");
		r = mmt_dm_suspend(mmt_inj_journal(s->inj), s->dmname, &s->freeze_seq);
		mmt_ith_busy(&s->ith, NULL);
		atomic_store(&s->frozen, s->freeze_seq > 0);   /* resumed even if it failed */
		if (r < 0) {
			mmt_inj_finding(s->inj, MMT_F_HARNESS, "%s: cannot suspend %s: %s",
					s->inj->cfg->name, s->dmname, strerror(-r));
			thaw(s);
		} else {
			atomic_fetch_add(&s->freezes, 1);
			json_object_object_add(ex, "device", json_object_new_string(s->dmname));
			json_object_object_add(ex, "after_us",
					       json_object_new_uint64(mmt_now_us() - t0));
			json_object_object_add(ex, "for_us", json_object_new_uint64(o->freeze_for_us));
			mmt_svc_event(s->inj, "freeze", ex);
			ex = NULL;
			if (o->freeze_for_us)
				thaw_at = mmt_now_us() + o->freeze_for_us;
		}
		json_object_put(ex);
	}
	mmt_ith_hold_frozen(&s->ith, thaw_at, thaw_cb, s);
	/* Teardown resumes first: nothing else can be undone while frozen. */
	thaw(s);
}

/*
 * The dirty cells' files left in the published directory by workers the
 * OOM killer or the stop's SIGKILL ended before they removed them (only
 * ours: "mmtorture-dirty-*").  On an NFS target the directory is the nfs
 * injector's export, which its undo removes only when empty.  The workers
 * that use the target are stopped before the injectors (harness/run.c).
 */
static void remove_dirty_files(struct wb_state *s)
{
	DIR *d = opendir(s->mnt);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "mmtorture-dirty-", 16) &&
		    unlinkat(dirfd(d), e->d_name, 0) < 0 && errno != ENOENT)
			log_debug_errno(-errno, "%s: unlink %s/%s", s->inj->cfg->name, s->mnt,
					e->d_name);
	closedir(d);
}

/* {"target", "device", "mount"} of an injector event. */
static json_object *target_event(const struct wb_state *s)
{
	json_object *ex = json_object_new_object();

	json_object_object_add(ex, "target", json_object_new_string(target_names[s->o->target]));
	json_object_object_add(ex, "device", json_object_new_string(s->dev));
	json_object_object_add(ex, "mount", json_object_new_string(s->mnt));
	return ex;
}

static void *wb_thread(void *arg)
{
	struct wb_state *s = arg;
	struct mmt_inj *inj = s->inj;
	char *buf = NULL;
	int r, fd = -1, seq = 0;

	r = setup_fs(s);
	if (r < 0)
		goto out_failed;
	/* The mount, for the dirty cells' dir = @<instance>. */
	r = mmt_inj_provide(inj, "dir", s->mnt);
	if (r < 0)
		goto out_failed;
	if (!s->o->dirtier) {
		atomic_store(&s->ready, true);
		mmt_svc_event(s->inj, "target_ready", target_event(s));
		hold_target(s);
		mmt_ith_busy(&s->ith, "removing the dirty cells' files");
		remove_dirty_files(s);
		mmt_ith_busy(&s->ith, NULL);
		goto out_teardown;
	}
	r = make_path(s, s->mnt, "dat", s->data, sizeof(s->data));
	if (r < 0)
		goto out_failed;
	seq = mmt_journal_addv(mmt_inj_journal(inj), "file", s->data, NULL);
	if (seq < 0) {
		r = seq;
		goto out_failed;
	}
	mmt_undo_push(&s->undo, seq);
	fd = open(s->data, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = log_err_errno(-errno, "open %s", s->data);
		goto out_failed;
	}
	buf = aligned_alloc(4096, (s->o->chunk + 4095) & ~4095ULL);
	if (!buf) {
		r = -ENOMEM;
		goto out_failed;
	}
	for (uint64_t i = 0; i < s->o->chunk; i++)
		buf[i] = (char)(i * 31 + 7);
	mmt_svc_event(s->inj, "dirtier_start", target_event(s));
	atomic_store(&s->ready, true);
	dirty(s, fd, buf);
	goto out_teardown;

out_failed:
	atomic_store(&s->failed, true);
	mmt_inj_provide(inj, "dir", NULL);     /* the cells waiting for it give up */
	if (r != -ECANCELED)
		mmt_inj_finding(inj, MMT_F_HARNESS, "%s: setting up the %s target failed: %s%s%s",
				s->inj->cfg->name, target_names[s->o->target], strerror(-r),
				s->err[0] ? ": " : "", s->err);
out_teardown:
	thaw(s);
	free(buf);
	if (fd >= 0)
		close(fd);
	/*
	 * A target published for the dirty cells stays until they are gone:
	 * the injectors stop before the workers, and a worker may still write
	 * there (or hang there).  The run's teardown undoes it from the
	 * journal after the workers, in a process a hang cannot hold.
	 */
	if (s->o->dirtier || atomic_load(&s->failed)) {
		mmt_ith_busy(&s->ith, "teardown (umount)");
		mmt_undo_all(mmt_inj_journal(inj), &s->undo);
		mmt_ith_busy(&s->ith, NULL);
	}
	if (atomic_load(&s->ready))
		mmt_svc_event(s->inj, s->o->dirtier ? "dirtier_stop" : "target_left", NULL);
	return NULL;
}

/*
 * Set one of a ratio/bytes pair.  Writing one zeroes the other, and 0 can
 * not be written to *_bytes: journal whichever restores the state now.
 */
static int set_dirty(struct wb_state *s, const char *ratio, const char *bytes,
		     bool set_bytes, uint64_t value)
{
	char rp[64], bp[64];
	int r, seq = 0;

	snprintf(rp, sizeof(rp), "/proc/sys/vm/%s", ratio);
	snprintf(bp, sizeof(bp), "/proc/sys/vm/%s", bytes);
	r = mmt_sysctl_set_dirty(mmt_inj_journal(s->inj), rp, bp, set_bytes, value, &seq);
	mmt_undo_push(&s->sysctl_undo, seq);
	if (r < 0)
		return r;
	snprintf(s->sysctls + strlen(s->sysctls), sizeof(s->sysctls) - strlen(s->sysctls),
		 "%svm.%s=%" PRIu64, s->sysctls[0] ? " " : "", set_bytes ? bytes : ratio, value);
	return 0;
}

/* kernel.hung_task_timeout_secs for the run, journalled (lib/sysfx/sysctl.h). */
static int set_hung_task_timeout(struct wb_state *s)
{
	char val[32];
	int r, seq = 0;

	snprintf(val, sizeof(val), "%" PRIu64, (uint64_t)(s->o->hung_task_timeout_us / MMT_USEC_PER_SEC));
	r = mmt_sysctl_set(mmt_inj_journal(s->inj), "/proc/sys/kernel/hung_task_timeout_secs",
			   val, &seq);
	mmt_undo_push(&s->sysctl_undo, seq);
	if (r < 0)
		return log_err_errno(r, "kernel.hung_task_timeout_secs = %s", val);
	snprintf(s->sysctls + strlen(s->sysctls), sizeof(s->sysctls) - strlen(s->sysctls),
		 "%skernel.hung_task_timeout_secs=%s", s->sysctls[0] ? " " : "", val);
	return 0;
}

static int wb_start_do(struct mmt_inj *inj)
{
	struct wb_state *s = inj->priv;
	const struct wb_opts *o = s->o;
	int r = 0;

	if (o->dirty_bytes)
		r = set_dirty(s, "dirty_ratio", "dirty_bytes", true, o->dirty_bytes);
	else if (o->dirty_ratio >= 0)
		r = set_dirty(s, "dirty_ratio", "dirty_bytes", false, (uint64_t)o->dirty_ratio);
	if (r == 0 && o->dirty_background_bytes)
		r = set_dirty(s, "dirty_background_ratio", "dirty_background_bytes", true,
			      o->dirty_background_bytes);
	else if (r == 0 && o->dirty_background_ratio >= 0)
		r = set_dirty(s, "dirty_background_ratio", "dirty_background_bytes", false,
			      (uint64_t)o->dirty_background_ratio);
	if (r == 0 && o->hung_task_timeout_us)
		r = set_hung_task_timeout(s);
	if (r < 0)
		return r;
	return mmt_ith_start(&s->ith, wb_thread, s);
}

/* A failed start means no stop: undo the sysctls now. */
static int wb_start(struct mmt_inj *inj)
{
	int r = wb_start_do(inj);
	struct wb_state *s = inj->priv;

	if (r < 0)
		mmt_undo_all(mmt_inj_journal(inj), &s->sysctl_undo);
	return r;
}

static void wb_poll(struct mmt_inj *inj, double *vals)
{
	static const char *const keys[] = { "nr_dirty", "nr_writeback" };
	struct wb_state *s = inj->priv;
	uint64_t v[2] = { 0, 0 };

	vals[0] = vals[1] = vals[2] = vals[3] = NAN;
	if (!s)
		return;
	vals[3] = atomic_load(&s->frozen) ? 1 : 0;
	vals[0] = (double)atomic_load(&s->written) / (1 << 20);
	if (mmt_mon_vmstat_keys(keys, v, 2) == 2) {
		vals[1] = (double)v[0];
		vals[2] = (double)v[1];
	}
	mmt_ith_check_stall(&s->ith, inj, "writeback", s->o->stall_us, &s->stall_reported);
}

/* The run stops: the thread resumes a frozen device now (hold_target()). */
static void wb_stopping(struct mmt_inj *inj)
{
	struct wb_state *s = inj->priv;

	mmt_ith_thaw(&s->ith);
}

static int wb_stop(struct mmt_inj *inj)
{
	struct wb_state *s = inj->priv;
	int r;

	if (!s)
		return 0;
	r = mmt_ith_stop_or_stall(&s->ith, inj, 120 * MMT_USEC_PER_SEC);
	/* The sysctls come back even when the thread is stuck. */
	if (mmt_undo_all(mmt_inj_journal(inj), &s->sysctl_undo) && r == 0)
		r = -EIO;
	return r;
}

static void wb_report(struct mmt_inj *inj, json_object *out)
{
	struct wb_state *s = inj->priv;

	json_object_object_add(out, "target",
			       json_object_new_string(target_names[s->o->target]));
	if (s->o->target != TG_NFS) {
		json_object_object_add(out, "fs", json_object_new_string(fs_names[s->o->fs]));
		json_object_object_add(out, "device", json_object_new_string(s->dev));
		json_object_object_add(out, "loop", json_object_new_string(s->loopdev));
	}
	if (s->dmname[0])
		json_object_object_add(out, "dm", json_object_new_string(s->dmname));
	json_object_object_add(out, "mount", json_object_new_string(s->mnt));
	json_object_object_add(out, "set_up", json_object_new_boolean(atomic_load(&s->ready)));
	json_object_object_add(out, "written_bytes",
			       json_object_new_uint64(atomic_load(&s->written)));
	json_object_object_add(out, "passes", json_object_new_uint64(atomic_load(&s->passes)));
	json_object_object_add(out, "fsyncs", json_object_new_uint64(atomic_load(&s->fsyncs)));
	json_object_object_add(out, "write_errors",
			       json_object_new_uint64(atomic_load(&s->write_errors)));
	json_object_object_add(out, "fsync_errors",
			       json_object_new_uint64(atomic_load(&s->fsync_errors)));
	json_object_object_add(out, "write_max_us",
			       json_object_new_uint64(atomic_load(&s->write_max_us)));
	json_object_object_add(out, "fsync_max_us",
			       json_object_new_uint64(atomic_load(&s->fsync_max_us)));
	if (atomic_load(&s->last_errno)) {
		int e = atomic_load(&s->last_errno);

		json_object_object_add(out, "last_error", json_object_new_string(strerror(e)));
	}
	json_object_object_add(out, "stalled", json_object_new_boolean(s->stall_reported));
	json_object_object_add(out, "freezes", json_object_new_uint64(atomic_load(&s->freezes)));
	json_object_object_add(out, "frozen_at_stop", json_object_new_boolean(atomic_load(&s->frozen)));
	json_object_object_add(out, "sysctls", json_object_new_string(s->sysctls));
}

static void wb_cleanup(struct mmt_inj *inj)
{
	struct wb_state *s = inj->priv;

	if (s)
		mmt_ith_release(&s->ith, inj);
}

static bool wb_requires_nfs(const void *opts)
{
	return ((const struct wb_opts *)opts)->target == TG_NFS;
}

const struct mmt_injector_ops mmt_injector_writeback = {
	.version = MMT_INJECTOR_VERSION,
	.name = "writeback",
	.summary = "a dirtier writing page cache to ext4/xfs on loop, dm-delay, dm-flakey, dm-crypt "
		   "or NFS; or only that target, published as dir for dirty cells, frozen at will",
	.opts = wb_opts,
	.opts_size = sizeof(struct wb_opts),
	.priv_size = sizeof(struct wb_state),
	.requires = "nfs",
	.requires_if = wb_requires_nfs,
	.columns = wb_columns,
	.validate = wb_validate,
	.probe = wb_probe,
	.start = wb_start,
	.poll = wb_poll,
	.stopping = wb_stopping,
	.stop = wb_stop,
	.report = wb_report,
	.cleanup = wb_cleanup,
};

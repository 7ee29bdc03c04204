/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_BLOCKDEV_H
#define MMT_BLOCKDEV_H

/*
 * Shared services of the pressure injectors (swap, writeback, nfs, hog,
 * memcg-squeeze, the levers): loop, zram and dm devices, mkfs, mounts, swap
 * areas, sysctls, and the injector's own thread.
 *
 * Every helper that changes the system takes the run's journal, appends the
 * undo first (mmt_journal_addv) and only then acts; the record's sequence
 * number comes back in *ret_seq so that the injector can undo it in the
 * middle of the run with mmt_journal_undo().  Every name it creates carries
 * "mmtorture-".  Helpers return >= 0 or -errno and log where they decide.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

struct mmt_injector_cfg;
struct mmt_journal;
struct mmt_run;

/* ---- names ------------------------------------------------------------ */

/*
 * "mmtorture-<run id>-<inst>[-<suffix>]" with every character outside
 * [A-Za-z0-9._-] replaced by '-' (instance names hold ':').  A run id that
 * already starts with "mmtorture-" is not prefixed twice.  Pure.
 * Returns 0 or -ENAMETOOLONG.
 */
int mmt_bd_name(const char *run_id, const char *inst, const char *suffix,
		char *buf, size_t len);

/* ---- programs ----------------------------------------------------------- */

/* Find a program in PATH, /usr/sbin and /sbin; true and its path if found. */
bool mmt_bd_find_prog(const char *name, char *ret_path, size_t len);
/*
 * Run argv[0] (looked up like mmt_bd_find_prog) and wait.  stdout and stderr
 * go to out (the last out_len-1 bytes, NUL-terminated; out may be NULL).
 * Returns 0 on exit status 0, -ENOENT when the program is missing, -EIO
 * when it failed (out says why), or -errno.
 */
int mmt_bd_exec(const char *const *argv, char *out, size_t out_len);
/*
 * fork() for children that the orchestrator must not reap: clone3 with
 * exit_signal 0 and CLONE_PIDFD, so a waitpid(-1) elsewhere (which waits
 * only for SIGCHLD children) never takes our status.  Returns the pid in
 * the parent with *ret_pidfd set, 0 in the child, or -errno.  The child
 * must only make system calls and then execve() or _exit().  Note that
 * execve() resets exit_signal to SIGCHLD: a child that execs becomes
 * visible to waitpid(-1) again (mmt_bd_exec works around that).
 */
int mmt_bd_clone(int *ret_pidfd);
/* Wait for the child of pidfd (blocking unless nohang); *ret_status gets a
 * wait status.  Returns 1 when it exited, 0 when still running (nohang),
 * or -errno.  Closes nothing. */
int mmt_bd_waitpidfd(int pidfd, bool nohang, int *ret_status);
/* Start argv (a daemon, in the foreground) with stdio on /dev/null as a
 * child from mmt_bd_clone; returns its pid, *ret_pidfd set, or -errno. */
int mmt_bd_spawn(const char *const *argv, int *ret_pidfd);
/* modprobe -q NAME; 0 when it succeeded. */
int mmt_bd_modprobe(const char *module);
/*
 * Is FSTYPE in /proc/filesystems, after `modprobe MODULE` if it was not?
 * (lib/kfeat.h: the kernel's own registry, not a node.)
 */
bool mmt_bd_load_fs(const char *fstype, const char *module);
/* The same for any kfeat probe, e.g. mmt_bd_load(mmt_kfeat_loop, "loop"). */
bool mmt_bd_load(bool (*have)(void), const char *module);
/* Is CONFIG_<opt> =y or =m in /proc/config.gz?  1 yes, 0 no, -ENOENT when
 * the kernel does not expose its config. */
int mmt_bd_kconfig(const char *opt);

/* ---- undo list ------------------------------------------------------------ */

#define MMT_UNDO_MAX 32

/* The journal records one injector made, undone in reverse at stop. */
struct mmt_undo {
	int seq[MMT_UNDO_MAX];
	bool dm[MMT_UNDO_MAX];    /* its undo calls libdevmapper */
	unsigned nr;
};

int mmt_undo_push(struct mmt_undo *u, int seq);
/* The same, for a "dm" record: its undo runs under mmt_bd_dm_lock(). */
int mmt_undo_push_dm(struct mmt_undo *u, int seq);
/* mmt_journal_undo() every record, newest first; returns the number that
 * failed (logged). */
int mmt_undo_all(struct mmt_journal *jr, struct mmt_undo *u);

/* ---- files, directories, mounts -------------------------------------------- */

/*
 * Create path (O_EXCL) of size bytes, journalled as "file".  With
 * allocate, the blocks are allocated (fallocate, else zeros are written:
 * swap files must not be sparse).
 */
int mmt_bd_file_create(struct mmt_journal *jr, const char *path, uint64_t size,
		       bool allocate, int *ret_seq);
/* mkdir journalled as "dir" (an existing directory is an error: not ours). */
int mmt_bd_mkdir(struct mmt_journal *jr, const char *path, int *ret_seq);
/* mount(2), journalled as "mount DIR". */
int mmt_bd_mount(struct mmt_journal *jr, const char *src, const char *dir,
		 const char *fstype, unsigned long flags, const char *data,
		 int *ret_seq);
/* mkfs.<fstype> -q on dev; err gets the tool's output on failure. */
int mmt_bd_mkfs(const char *fstype, const char *dev, char *err, size_t err_len);
/* Name of the mkfs program for fstype ("mkfs.ext4"). */
void mmt_bd_mkfs_prog(const char *fstype, char *buf, size_t len);

/* ---- loop devices ----------------------------------------------------------- */

/*
 * Attach a free loop device to backing (LOOP_CTL_GET_FREE, then
 * LOOP_CONFIGURE, falling back to LOOP_SET_FD + LOOP_SET_STATUS64 on old
 * kernels), journalled as "loop /dev/loopN BACKING" before it is bound.
 * lo_file_name is the backing path, so `losetup -a` shows our name.
 */
int mmt_bd_loop_attach(struct mmt_journal *jr, const char *backing,
		       bool direct_io, char *ret_dev, size_t len, int *ret_seq);
/* Detach dev if it is still bound to backing (idempotent). */
int mmt_bd_loop_detach(const char *dev, const char *backing);

/* ---- zram -------------------------------------------------------------------- */

/*
 * hot_add a zram device (the record "zram ID" follows the read of
 * hot_add at once: the kernel gives no way to journal first), set its
 * compression (NULL: the kernel's default) and disksize.
 */
int mmt_bd_zram_add(struct mmt_journal *jr, uint64_t size, const char *comp,
		    char *ret_dev, size_t len, int *ret_seq);

/* ---- device mapper (libdevmapper) ---------------------------------------------- */

/*
 * Table lines as `dmsetup table` prints them.  Pure (unit-tested).
 * delay:  "0 SECTORS delay DEV 0 READ_MS DEV 0 WRITE_MS"
 * flakey: "0 SECTORS flakey DEV 0 UP_S DOWN_S [1 drop_writes|error_writes]"
 */
enum mmt_flakey_mode {
	MMT_FLAKEY_ERROR_WRITES,
	MMT_FLAKEY_DROP_WRITES,
	MMT_FLAKEY_ERROR_ALL,    /* no feature: every I/O fails while down */
};
extern const char *const mmt_flakey_mode_names[];   /* NULL-terminated */

int mmt_dm_delay_table(const char *dev, uint64_t sectors, unsigned read_ms,
		       unsigned write_ms, char *buf, size_t len);
int mmt_dm_flakey_table(const char *dev, uint64_t sectors, unsigned up_s,
			unsigned down_s, enum mmt_flakey_mode mode, char *buf,
			size_t len);
/*
 * Can this kernel run dm target (e.g. "delay")?  0 yes; 1 (CONF) with why
 * saying what is missing, after trying modprobe dm-mod / dm-<target>.
 */
int mmt_bd_dm_probe(const char *target, char *why, size_t why_len);

/*
 * device-mapper as the kernel answers, for `mmtorture check`; loads
 * nothing.  driver: /proc/misc lists device-mapper and DM_VERSION
 * answered (version holds it, e.g. "4.48.0"); stale_node: no driver, yet
 * /dev/mapper/control is a 10:236 node; targets: the driver's target list
 * (DM_LIST_VERSIONS), "name vX.Y.Z" separated by ", ", empty without one.
 */
struct mmt_dm_status {
	bool driver, stale_node;
	char version[64];
	char targets[1024];
};
void mmt_bd_dm_status(struct mmt_dm_status *ret);
/* Is dm TARGET ("delay") in the driver's target list?  Loads nothing;
 * *ret_version (may be NULL) gets "1.4.0". */
bool mmt_bd_dm_has_target(const char *target, char *ret_version, size_t len);
/* Create, load (one table line) and resume NAME; journalled as "dm NAME"
 * first.  ret_dev is /dev/mapper/NAME. */
int mmt_bd_dm_create(struct mmt_journal *jr, const char *name,
		     const char *table, char *ret_dev, size_t len, int *ret_seq);
/* Remove NAME (ENXIO is done). */
int mmt_bd_dm_remove(const char *name);

/* The dm-delay / dm-flakey knobs the swap and writeback injectors share. */
struct mmt_dm_params {
	bool flakey;                  /* dm-flakey, else dm-delay */
	uint64_t bytes;               /* size of the lower device */
	unsigned read_delay_ms, write_delay_ms;
	uint64_t up_us, down_us;
	enum mmt_flakey_mode flakey_mode;
};
/* Build the table for p over lower and create NAME (mmt_bd_dm_create). */
int mmt_bd_dm_stack(struct mmt_journal *jr, const char *name, const char *lower,
		    const struct mmt_dm_params *p, char *ret_dev, size_t len, int *ret_seq);
/*
 * libdevmapper is not thread-safe (process-wide state; two threads
 * creating devices at once crashed in it, seen in the lab VM): every call
 * into it from the injectors' threads, including the journal's undo of
 * "dm" records, holds this lock.
 */
void mmt_bd_dm_lock(void);
void mmt_bd_dm_unlock(void);

/* ---- swap ------------------------------------------------------------------------ */

#define MMT_SWAP_PRIO_DEFAULT (-1)   /* let the kernel choose */
/* swapon(2) flags: SWAP_FLAG_PREFER | prio, or 0 for the default.  Pure. */
int mmt_bd_swap_flags(int64_t prio);
/* mkswap on path (a file or a device). */
int mmt_bd_mkswap(const char *path, char *err, size_t err_len);
/* swapon(path) journalled as "swapon PATH". */
int mmt_bd_swapon(struct mmt_journal *jr, const char *path, int64_t prio,
		  int *ret_seq);
/* Plain swapon/swapoff without journalling (the churn of a device whose
 * swapon record is already in the journal). */
int mmt_bd_swapon_raw(const char *path, int64_t prio);
int mmt_bd_swapoff_raw(const char *path);
/*
 * Parse /proc/swaps text: for each area, call fn(name, used_kb, arg).
 * Pure.  Returns the number of areas.
 */
int mmt_bd_swaps_parse(const char *text,
		       void (*fn)(const char *name, uint64_t size_kb,
				  uint64_t used_kb, void *arg),
		       void *arg);
/* Used KiB of area path (by name, resolving symlinks); -ENOENT if not on. */
int mmt_bd_swap_used_kb(const char *path, uint64_t *ret_kb);

/* ---- sysctls and other machine-wide knobs ------------------------------------------- */

/*
 * The selected value of a sysfs choice file: "always [madvise] never" ->
 * "madvise"; text without brackets is copied stripped.  Pure.
 */
int mmt_bd_sysfs_choice(const char *text, char *buf, size_t len);
/* Read the current value of path (choice-aware), journal
 * "sysctl PATH OLD", then write value. */
int mmt_bd_sysctl_set(struct mmt_journal *jr, const char *path,
		      const char *value, int *ret_seq);
/*
 * vm.dirty_ratio and vm.dirty_bytes (and the background pair) exclude each
 * other: writing one zeroes the other, and 0 cannot be written to the
 * *_bytes file.  Given their current values, say which file and value
 * restore the current state ("dirty_bytes" when bytes_old != 0).  Pure.
 */
void mmt_dirty_undo(const char *ratio_name, uint64_t ratio_old,
		    const char *bytes_name, uint64_t bytes_old,
		    const char **ret_name, uint64_t *ret_value);

/* ---- /proc/vmstat ----------------------------------------------------------------- */

/* Read /proc/vmstat once and look up n keys (NaN-free: missing keys are
 * left untouched and counted).  Returns the number found or -errno. */
int mmt_bd_vmstat(const char *const *keys, uint64_t *vals, unsigned n);

/* ---- the NFS mount shared by nfs, writeback and swap ------------------------------- */

/*
 * The nfs injector mounts at <run dir>/mmtorture-nfs; writeback target=nfs and swap
 * backing=nfs wait until that directory is an NFS mount.  No registry and
 * no state: the file system is the registry.
 */
void mmt_bd_nfs_dir(const char *run_dir, char *buf, size_t len);
bool mmt_bd_is_nfs(const char *path);
/* Pure config generators (nfs.c), unit-tested. */
/* "DIR CLIENT(rw,sync,no_subtree_check,no_root_squash,insecure,fsid=N)" */
int mmt_nfs_exports_line(const char *dir, const char *client, unsigned fsid,
			 char *buf, size_t len);
/* exportfs -o argument for the same export. */
int mmt_nfs_export_opts(unsigned fsid, char *buf, size_t len);
/*
 * rpc.nfsd argv (NULL-terminated, into argv[max]) with the strings in buf:
 *   rpc.nfsd -H 127.0.0.1 -G GRACE -L LEASE [-N 4 | -N 3] THREADS
 * vers "3" disables v4, "4.x" disables v3 and v2.
 */
int mmt_nfs_nfsd_argv(const char *host, unsigned grace_s, unsigned lease_s,
		      const char *vers, unsigned threads, char *buf, size_t len,
		      const char **argv, unsigned max);
/* mount(2) data for an NFS mount of server address addr ("vers=3,addr=..."). */
int mmt_nfs_mount_data(const char *vers, const char *addr, const char *extra,
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
	atomic_bool done;             /* the thread function returned */
	bool running;
	_Atomic pid_t tid;               /* the thread's tid, once running */
	_Atomic uint64_t busy_since_us;  /* CLOCK_MONOTONIC; 0 when idle */
	const char *_Atomic busy_what;   /* a string literal */
};

int mmt_ith_start(struct mmt_ith *ith, void *(*fn)(void *), void *arg);
/* Sleep up to us; returns true when stop was asked (at once if so). */
bool mmt_ith_sleep(struct mmt_ith *ith, uint64_t us);
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

/* ---- small helpers shared by the injectors ------------------------------------------- */

/* Emit an "injector" event {"injector":inst,"phase":phase, ...extra's
 * keys} (extra is consumed; may be NULL). */
void mmt_bd_event(struct mmt_run *run, const char *inst, const char *phase,
		  json_object *extra);
/*
 * Report a stall: an event "stall" {"source":source,"injector":inst,
 * "what":what,"stalled_us":..,"tid":..,"wchan":..,"stack":..} and a
 * MMT_F_STALL finding.  The caller reports each stall once.
 */
void mmt_bd_stall(struct mmt_run *run, const char *inst, const char *source,
		  const char *what, uint64_t stalled_us, pid_t tid);
/* The stall threshold: own (when not 0) or the job's [global] one. */
uint64_t mmt_bd_stall_threshold_us(const struct mmt_run *run, uint64_t own_us);
/* The stop timeout for an injector thread: max(job stop_timeout, floor). */
uint64_t mmt_bd_stop_timeout_us(const struct mmt_run *run, uint64_t floor_us);
/* "file:line: [inst] key: " prefix for validate() errors. */
int mmt_bd_verr(const struct mmt_injector_cfg *cfg, const char *key,
		char *err, size_t err_len,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif

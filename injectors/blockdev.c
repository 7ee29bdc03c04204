// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shared services of the pressure injectors: loop, zram and dm devices,
 * mkfs, mounts, swap areas, sysctls and the injector's own thread.
 * See blockdev.h.  Every side effect is journalled before it happens.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/loop.h>
#include <linux/sched.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libdevmapper.h>

#include "injectors/blockdev.h"
#include "lib/kfeat.h"
#include "api/job.h"
#include "lib/journal.h"
#include "lib/log.h"
#include "api/run.h"
#include "lib/util.h"

#ifndef NFS_SUPER_MAGIC
#define NFS_SUPER_MAGIC 0x6969
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* ---- names ---------------------------------------------------------------- */

int mmt_bd_name(const char *run_id, const char *inst, const char *suffix,
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

/* ---- programs --------------------------------------------------------------- */

bool mmt_bd_find_prog(const char *name, char *ret_path, size_t len)
{
	static const char *const extra[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin" };
	char dirs[1024];
	const char *env = getenv("PATH");
	char *save = NULL;

	if (strchr(name, '/')) {
		snprintf(ret_path, len, "%s", name);
		return access(name, X_OK) == 0;
	}
	snprintf(dirs, sizeof(dirs), "%s", env ? env : "");
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(ret_path, len, "%s/%s", d, name);
		if (access(ret_path, X_OK) == 0)
			return true;
	}
	for (size_t i = 0; i < MMT_ARRAY_SIZE(extra); i++) {
		snprintf(ret_path, len, "%s/%s", extra[i], name);
		if (access(ret_path, X_OK) == 0)
			return true;
	}
	return false;
}

int mmt_bd_clone(int *ret_pidfd)
{
	struct clone_args args;
	int pidfd = -1;
	long pid;

	memset(&args, 0, sizeof(args));
	args.flags = CLONE_PIDFD;
	args.pidfd = (uint64_t)(uintptr_t)&pidfd;
	args.exit_signal = 0;          /* invisible to waitpid(-1) */
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		return -errno;
	if (pid > 0)
		*ret_pidfd = pidfd;
	return (int)pid;
}

int mmt_bd_waitpidfd(int pidfd, bool nohang, int *ret_status)
{
	siginfo_t si;

	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_PIDFD, (id_t)pidfd, &si,
			   WEXITED | __WALL | (nohang ? WNOHANG : 0)) == 0)
			break;
		if (errno != EINTR)
			return -errno;
	}
	if (si.si_pid == 0)
		return 0;
	if (si.si_code == CLD_EXITED)
		*ret_status = W_EXITCODE(si.si_status, 0);
	else
		*ret_status = si.si_status & 0x7f;   /* killed by signal */
	return 1;
}

int mmt_bd_exec(const char *const *argv, char *out, size_t out_len)
{
	char path[PATH_MAX], tail[1024];
	size_t tlen = 0;
	int pfd[2], pidfd, status = 0, pid, r;

	if (!mmt_bd_find_prog(argv[0], path, sizeof(path))) {
		if (out && out_len)
			snprintf(out, out_len, "%s not found", argv[0]);
		return -ENOENT;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = mmt_bd_clone(&pidfd);
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return log_err_errno(pid, "spawn %s", argv[0]);
	}
	if (pid == 0) {
		/*
		 * Child of a threaded process: system calls only.  execve()
		 * resets exit_signal to SIGCHLD, and the orchestrator's
		 * waitpid(-1) would then take the status: this child never
		 * execs; it runs the program as its own child (a raw
		 * fork-like clone) and passes the exit status on.
		 */
		int st = 0, nullfd = open("/dev/null", O_RDONLY);
		long g;

		if (nullfd >= 0)
			dup2(nullfd, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		/* Hold no fd of the orchestrator (worker pipes, ...). */
		syscall(SYS_close_range, 3U, ~0U, 0U);
		g = syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, NULL);
		if (g == 0) {
			execve(path, (char *const *)argv, environ);
			_exit(127);
		}
		if (g < 0)
			_exit(126);
		close(1);
		close(2);
		while (wait4((pid_t)g, &st, 0, NULL) < 0)
			if (errno != EINTR)
				_exit(126);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	}
	close(pfd[1]);
	for (;;) {
		char chunk[512];
		ssize_t n = read(pfd[0], chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* Keep the tail: the last lines say what went wrong
		 * (a chunk is smaller than the tail). */
		if (tlen + (size_t)n >= sizeof(tail)) {
			size_t drop = tlen + (size_t)n - (sizeof(tail) - 1);

			memmove(tail, tail + drop, tlen - drop);
			tlen -= drop;
		}
		memcpy(tail + tlen, chunk, (size_t)n);
		tlen += (size_t)n;
	}
	close(pfd[0]);
	tail[tlen] = '\0';
	r = mmt_bd_waitpidfd(pidfd, false, &status);
	close(pidfd);
	if (out && out_len)
		snprintf(out, out_len, "%s", mmt_strstrip(tail));
	if (r < 0)
		return r;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && out && !*out)
		snprintf(out, out_len, "cannot execute %s", path);
	return -EIO;
}

/* A daemon execs, so its exit_signal becomes SIGCHLD and the orchestrator
 * may reap it: then mmt_bd_waitpidfd() answers -ECHILD, which is fine. */
int mmt_bd_spawn(const char *const *argv, int *ret_pidfd)
{
	char path[PATH_MAX];
	int pid;

	if (!mmt_bd_find_prog(argv[0], path, sizeof(path)))
		return -ENOENT;
	pid = mmt_bd_clone(ret_pidfd);
	if (pid == 0) {
		/* Child of a threaded process: system calls only. */
		int nullfd = open("/dev/null", O_RDWR);

		if (nullfd >= 0) {
			dup2(nullfd, 0);
			dup2(nullfd, 1);
			dup2(nullfd, 2);
		}
		syscall(SYS_close_range, 3U, ~0U, 0U);
		execve(path, (char *const *)argv, environ);
		_exit(127);
	}
	return pid;
}

int mmt_bd_modprobe(const char *module)
{
	const char *argv[] = { "modprobe", "-q", module, NULL };

	return mmt_bd_exec(argv, NULL, 0);
}

bool mmt_bd_load_fs(const char *fstype, const char *module)
{
	if (mmt_kfeat_fs(fstype))
		return true;
	mmt_bd_modprobe(module);
	return mmt_kfeat_fs(fstype);
}

bool mmt_bd_load(bool (*have)(void), const char *module)
{
	if (have())
		return true;
	mmt_bd_modprobe(module);
	return have();
}

int mmt_bd_kconfig(const char *opt)
{
	char pat[128], path[PATH_MAX], out[256];
	const char *argv[] = { "zgrep", "-qE", pat, "/proc/config.gz", NULL };
	int r;

	snprintf(pat, sizeof(pat), "^CONFIG_%s=(y|m)$", opt);
	if (access("/proc/config.gz", R_OK) == 0) {
		r = mmt_bd_exec(argv, out, sizeof(out));
		if (r == 0)
			return 1;
		if (r == -EIO)
			return 0;
	}
	{
		char rel[128];
		FILE *f;
		char line[512];
		size_t olen;

		if (mmt_read_file("/proc/sys/kernel/osrelease", rel, sizeof(rel)) < 0)
			return -ENOENT;
		snprintf(path, sizeof(path), "/boot/config-%s", mmt_strstrip(rel));
		f = fopen(path, "re");
		if (!f)
			return -ENOENT;
		snprintf(pat, sizeof(pat), "CONFIG_%s=", opt);
		olen = strlen(pat);
		r = 0;
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, pat, olen) &&
			    (line[olen] == 'y' || line[olen] == 'm'))
				r = 1;
		fclose(f);
		return r;
	}
}

/* ---- undo list ------------------------------------------------------------------ */

int mmt_undo_push(struct mmt_undo *u, int seq)
{
	if (seq <= 0)
		return 0;
	if (u->nr >= MMT_UNDO_MAX)
		return -ENOSPC;
	u->dm[u->nr] = false;
	u->seq[u->nr++] = seq;
	return 0;
}

int mmt_undo_push_dm(struct mmt_undo *u, int seq)
{
	int r = mmt_undo_push(u, seq);

	if (r == 0 && seq > 0)
		u->dm[u->nr - 1] = true;
	return r;
}

int mmt_undo_all(struct mmt_journal *jr, struct mmt_undo *u)
{
	int failed = 0;

	while (u->nr > 0) {
		unsigned i = --u->nr;
		int seq = u->seq[i], r;

		if (u->dm[i])
			mmt_bd_dm_lock();
		r = mmt_journal_undo(jr, seq);
		if (u->dm[i])
			mmt_bd_dm_unlock();
		u->dm[i] = false;

		if (r < 0) {
			log_err_errno(r, "undo of journal record %d", seq);
			failed++;
		}
	}
	return failed;
}

/* ---- files, directories, mounts -------------------------------------------------- */

static int write_zeros(int fd, uint64_t size)
{
	static const char zeros[1 << 16];
	uint64_t done = 0;

	while (done < size) {
		size_t n = size - done < sizeof(zeros) ? (size_t)(size - done) : sizeof(zeros);
		int r = mmt_write_all(fd, zeros, n);

		if (r < 0)
			return r;
		done += n;
	}
	return 0;
}

int mmt_bd_file_create(struct mmt_journal *jr, const char *path, uint64_t size,
		       bool allocate, int *ret_seq)
{
	int seq, fd, r;

	if (!strstr(path, MMT_PREFIX "-"))
		return log_err_errno(-EPERM, "refusing to create %s: no %s- in its name",
				     path, MMT_PREFIX);
	seq = mmt_journal_addv(jr, "file", path, NULL);
	if (seq < 0)
		return log_err_errno(seq, "journal file %s", path);
	*ret_seq = seq;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return log_err_errno(-errno, "create %s", path);
	/* Zeros, not fallocate(): mkswap(8) says swap files must have no
	 * holes and no preallocated (unwritten) extents. */
	if (allocate)
		r = write_zeros(fd, size);
	else
		r = ftruncate(fd, (off_t)size) < 0 ? -errno : 0;
	if (r == 0 && fdatasync(fd) < 0)
		r = -errno;
	close(fd);
	if (r < 0)
		return log_err_errno(r, "fill %s", path);
	return 0;
}

int mmt_bd_mkdir(struct mmt_journal *jr, const char *path, int *ret_seq)
{
	int seq = mmt_journal_addv(jr, "dir", path, NULL);

	if (seq < 0)
		return log_err_errno(seq, "journal dir %s", path);
	*ret_seq = seq;
	if (mkdir(path, 0700) < 0)
		return log_err_errno(-errno, "mkdir %s", path);
	return 0;
}

int mmt_bd_mount(struct mmt_journal *jr, const char *src, const char *dir,
		 const char *fstype, unsigned long flags, const char *data,
		 int *ret_seq)
{
	int seq = mmt_journal_addv(jr, "mount", dir, NULL);

	if (seq < 0)
		return log_err_errno(seq, "journal mount %s", dir);
	*ret_seq = seq;
	if (mount(src, dir, fstype, flags, data) < 0)
		return log_err_errno(-errno, "mount -t %s %s %s", fstype, src, dir);
	return 0;
}

void mmt_bd_mkfs_prog(const char *fstype, char *buf, size_t len)
{
	snprintf(buf, len, "mkfs.%s", fstype);
}

int mmt_bd_mkfs(const char *fstype, const char *dev, char *err, size_t err_len)
{
	const char *ext4[] = { "mkfs.ext4", "-q", "-F", "-E", "nodiscard", dev, NULL };
	const char *xfs[] = { "mkfs.xfs", "-q", "-f", "-K", dev, NULL };
	const char *const *argv;
	int r;

	if (!strcmp(fstype, "ext4"))
		argv = ext4;
	else if (!strcmp(fstype, "xfs"))
		argv = xfs;
	else
		return -EINVAL;
	r = mmt_bd_exec(argv, err, err_len);
	if (r < 0)
		log_err("%s %s failed: %s", argv[0], dev, err ? err : "");
	return r;
}

/* ---- loop devices ---------------------------------------------------------------- */

static int loop_bind(int lfd, int bfd, const char *backing, bool direct_io)
{
	struct loop_config cfg;
	struct loop_info64 info;

	memset(&cfg, 0, sizeof(cfg));
	cfg.fd = (uint32_t)bfd;
	cfg.info.lo_flags = direct_io ? LO_FLAGS_DIRECT_IO : 0;
	snprintf((char *)cfg.info.lo_file_name, LO_NAME_SIZE, "%s", backing);
	if (ioctl(lfd, LOOP_CONFIGURE, &cfg) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOTTY)
		return -errno;
	/* Kernels before 5.8: the two-step way. */
	if (ioctl(lfd, LOOP_SET_FD, bfd) < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	snprintf((char *)info.lo_file_name, LO_NAME_SIZE, "%s", backing);
	if (ioctl(lfd, LOOP_SET_STATUS64, &info) < 0) {
		int r = -errno;

		ioctl(lfd, LOOP_CLR_FD, 0);
		return r;
	}
	return 0;
}

int mmt_bd_loop_attach(struct mmt_journal *jr, const char *backing,
		       bool direct_io, char *ret_dev, size_t len, int *ret_seq)
{
	int ctl, bfd, r = -EBUSY;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return log_err_errno(-errno, "open /dev/loop-control");
	bfd = open(backing, O_RDWR | O_CLOEXEC);
	if (bfd < 0) {
		r = log_err_errno(-errno, "open %s", backing);
		goto out_ctl;
	}
	for (int tries = 0; tries < 16 && r == -EBUSY; tries++) {
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);
		int seq, lfd;

		if (n < 0) {
			r = log_err_errno(-errno, "LOOP_CTL_GET_FREE");
			break;
		}
		snprintf(ret_dev, len, "/dev/loop%d", n);
		seq = mmt_journal_addv(jr, "loop", ret_dev, backing, NULL);
		if (seq < 0) {
			r = log_err_errno(seq, "journal loop %s", ret_dev);
			break;
		}
		lfd = open(ret_dev, O_RDWR | O_CLOEXEC);
		if (lfd < 0) {
			r = -errno;
			mmt_journal_undo(jr, seq);
			if (r == -ENOENT || r == -ENXIO)
				r = -EBUSY;    /* raced with a removal: next */
			continue;
		}
		r = loop_bind(lfd, bfd, backing, direct_io);
		close(lfd);
		if (r == 0) {
			*ret_seq = seq;
			break;
		}
		/* Someone else took it: that record undoes nothing (the
		 * undo checks the backing file). */
		mmt_journal_undo(jr, seq);
	}
	if (r < 0)
		log_err_errno(r, "attach a loop device to %s", backing);
	close(bfd);
out_ctl:
	close(ctl);
	return r;
}

int mmt_bd_loop_detach(const char *dev, const char *backing)
{
	struct loop_info64 info;
	int fd, r = 0;

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENXIO ? 0 : -errno;
	if (ioctl(fd, LOOP_GET_STATUS64, &info) < 0) {
		r = errno == ENXIO ? 0 : -errno;     /* ENXIO: not bound */
		goto out_close;
	}
	info.lo_file_name[LO_NAME_SIZE - 1] = 0;
	if (strncmp((char *)info.lo_file_name, backing, LO_NAME_SIZE - 1))
		goto out_close;                      /* not ours (any more) */
	if (ioctl(fd, LOOP_CLR_FD, 0) < 0 && errno != ENXIO)
		r = -errno;
out_close:
	close(fd);
	return r;
}

/* ---- zram --------------------------------------------------------------------------- */

int mmt_bd_zram_add(struct mmt_journal *jr, uint64_t size, const char *comp,
		    char *ret_dev, size_t len, int *ret_seq)
{
	char buf[64], path[PATH_MAX];
	uint64_t id;
	int r, seq;

	r = mmt_read_u64("/sys/class/zram-control/hot_add", &id);
	if (r < 0)
		return log_err_errno(r, "zram hot_add");
	snprintf(buf, sizeof(buf), "%" PRIu64, id);
	seq = mmt_journal_addv(jr, "zram", buf, NULL);
	if (seq < 0) {
		/* Could not journal it: give it back now. */
		mmt_write_file("/sys/class/zram-control/hot_remove", buf);
		return log_err_errno(seq, "journal zram %s", buf);
	}
	*ret_seq = seq;
	if (comp && *comp) {
		snprintf(path, sizeof(path), "/sys/block/zram%" PRIu64 "/comp_algorithm", id);
		r = mmt_write_file(path, comp);
		if (r < 0)
			return log_err_errno(r, "zram%" PRIu64 ": comp_algorithm %s", id, comp);
	}
	snprintf(path, sizeof(path), "/sys/block/zram%" PRIu64 "/disksize", id);
	snprintf(buf, sizeof(buf), "%" PRIu64, size);
	r = mmt_write_file(path, buf);
	if (r < 0)
		return log_err_errno(r, "zram%" PRIu64 ": disksize %s", id, buf);
	snprintf(ret_dev, len, "/dev/zram%" PRIu64, id);
	for (int i = 0; i < 100 && access(ret_dev, F_OK) < 0; i++)
		usleep(10000);                   /* devtmpfs makes the node */
	return access(ret_dev, F_OK) < 0 ? log_err_errno(-ENOENT, "%s", ret_dev) : 0;
}

/* ---- device mapper ------------------------------------------------------------------ */

const char *const mmt_flakey_mode_names[] = {
	[MMT_FLAKEY_ERROR_WRITES] = "error_writes",
	[MMT_FLAKEY_DROP_WRITES] = "drop_writes",
	[MMT_FLAKEY_ERROR_ALL] = "error_all",
	NULL,
};

static int table_ret(int n, size_t len)
{
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int mmt_dm_delay_table(const char *dev, uint64_t sectors, unsigned read_ms,
		       unsigned write_ms, char *buf, size_t len)
{
	if (!dev || !*dev || !sectors)
		return -EINVAL;
	return table_ret(snprintf(buf, len, "0 %" PRIu64 " delay %s 0 %u %s 0 %u",
				  sectors, dev, read_ms, dev, write_ms), len);
}

int mmt_dm_flakey_table(const char *dev, uint64_t sectors, unsigned up_s,
			unsigned down_s, enum mmt_flakey_mode mode, char *buf,
			size_t len)
{
	if (!dev || !*dev || !sectors || up_s == 0 ||
	    (unsigned)mode > MMT_FLAKEY_ERROR_ALL)
		return -EINVAL;
	if (mode == MMT_FLAKEY_ERROR_ALL)
		return table_ret(snprintf(buf, len, "0 %" PRIu64 " flakey %s 0 %u %u",
					  sectors, dev, up_s, down_s), len);
	return table_ret(snprintf(buf, len, "0 %" PRIu64 " flakey %s 0 %u %u 1 %s",
				  sectors, dev, up_s, down_s,
				  mmt_flakey_mode_names[mode]), len);
}

static void dm_quiet_log(int level, const char *file, int line, int dm_errno,
			 const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_debug("libdevmapper: %s", buf);
}

/*
 * The one mutable global here, and unavoidable: libdevmapper's own state
 * is process-wide and not thread-safe.
 */
static pthread_mutex_t dm_mutex = PTHREAD_MUTEX_INITIALIZER;

void mmt_bd_dm_lock(void)
{
	pthread_mutex_lock(&dm_mutex);
}

void mmt_bd_dm_unlock(void)
{
	pthread_mutex_unlock(&dm_mutex);
}

/* libdevmapper keeps process-wide settings: set them once. */
static void dm_init_once(void)
{
	dm_log_with_errno_init(dm_quiet_log);
	dm_udev_set_sync_support(0);      /* the library makes the nodes */
}

static void dm_setup(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, dm_init_once);
}

/*
 * Is there a device-mapper driver?  Asked of the kernel, never of the node:
 * /dev/mapper/control outlives its driver (libdevmapper and `dmsetup ls`
 * make it from the fixed 10:236 on a kernel without one).  /proc/misc is
 * asked first so that libdevmapper is never called without a driver (it
 * would make that stale node itself); then DM_VERSION, which only a driver
 * answers.  ret_version (may be NULL) gets e.g. "4.48.0".
 */
static bool dm_driver(char *ret_version, size_t len)
{
	char version[64];

	if (!mmt_kfeat_misc("device-mapper"))
		return false;
	if (!dm_driver_version(version, sizeof(version)))
		return false;
	if (ret_version)
		snprintf(ret_version, len, "%s", version);
	return true;
}

/*
 * Walk the driver's target list (DM_LIST_VERSIONS; the caller knows there
 * is a driver).  With TARGET: is it listed, its version into ret.  Without:
 * the whole list as "name vX.Y.Z, ..." into ret.
 */
static bool dm_targets(const char *target, char *ret, size_t len)
{
	struct dm_task *dmt = dm_task_create(DM_DEVICE_LIST_VERSIONS);
	struct dm_versions *v, *last;
	bool found = false;
	size_t off = 0;

	if (ret && len)
		ret[0] = '\0';
	if (!dmt)
		return false;
	if (!dm_task_run(dmt))
		goto out_task;
	v = dm_task_get_versions(dmt);
	if (!v)
		goto out_task;
	do {
		char ver[48];

		last = v;
		snprintf(ver, sizeof(ver), "%u.%u.%u", v->version[0], v->version[1],
			 v->version[2]);
		if (target && !strcmp(v->name, target)) {
			found = true;
			if (ret && len)
				snprintf(ret, len, "%s", ver);
		} else if (!target && ret && off < len) {
			off += (size_t)snprintf(ret + off, len - off, "%s%s v%s",
						off ? ", " : "", v->name, ver);
			found = true;
		}
		v = (struct dm_versions *)((char *)v + v->next);
	} while (last != v && !(target && found));
out_task:
	dm_task_destroy(dmt);
	return found;
}

static bool dm_has_target(const char *target)
{
	return dm_targets(target, NULL, 0);
}

static int dm_probe(const char *target, char *why, size_t why_len)
{
	char mod[64];

	dm_setup();
	if (!dm_driver(NULL, 0)) {
		int r = mmt_bd_modprobe("dm-mod");

		if (!dm_driver(NULL, 0)) {
			snprintf(why, why_len,
				 "kernel has no device-mapper (/proc/misc has no "
				 "device-mapper%s; modprobe dm-mod %s)",
				 mmt_kfeat_chrdev_node("/dev/mapper/control", 10, 236) ?
				 ", stale /dev/mapper/control, no driver" : "",
				 r == -ENOENT ? "not found" : "failed");
			return 1;
		}
	}
	if (dm_has_target(target))
		return 0;
	snprintf(mod, sizeof(mod), "dm-%s", target);
	mmt_bd_modprobe(mod);
	if (dm_has_target(target))
		return 0;
	snprintf(why, why_len, "kernel has no dm-%s target (modprobe %s failed)",
		 target, mod);
	return 1;
}

static int dm_create(struct mmt_journal *jr, const char *name, const char *table,
		     char *ret_dev, size_t len, int *ret_seq)
{
	unsigned long long start, size;
	char type[32];
	int off = 0, seq, r = 0;
	struct dm_task *dmt;
	struct dm_info info;

	dm_setup();
	if (!strstr(name, MMT_PREFIX "-"))
		return log_err_errno(-EPERM, "refusing dm name %s", name);
	if (sscanf(table, "%llu %llu %31s %n", &start, &size, type, &off) != 3 || !off)
		return log_err_errno(-EINVAL, "bad dm table '%s'", table);
	seq = mmt_journal_addv(jr, "dm", name, NULL);
	if (seq < 0)
		return log_err_errno(seq, "journal dm %s", name);
	*ret_seq = seq;
	dmt = dm_task_create(DM_DEVICE_CREATE);
	if (!dmt)
		return log_err_errno(-ENOMEM, "dm_task_create");
	if (!dm_task_set_name(dmt, name) ||
	    !dm_task_add_target(dmt, start, size, type, table + off)) {
		r = log_err_errno(-EINVAL, "dm %s: table '%s'", name, table);
		goto out_task;
	}
	if (!dm_task_run(dmt)) {
		r = -errno ? -errno : -EIO;
		log_err_errno(r, "dm create %s '%s'", name, table);
		goto out_task;
	}
	if (!dm_task_get_info(dmt, &info) || !info.exists) {
		r = log_err_errno(-ENXIO, "dm %s vanished", name);
		goto out_task;
	}
	dm_task_update_nodes();
	snprintf(ret_dev, len, "/dev/mapper/%s", name);
	if (access(ret_dev, F_OK) < 0)
		snprintf(ret_dev, len, "/dev/dm-%u", info.minor);
out_task:
	dm_task_destroy(dmt);
	return r;
}

static int dm_remove(const char *name)
{
	struct dm_task *dmt;
	struct dm_info info;
	int r = 0;

	dm_setup();
	if (!dm_driver(NULL, 0))
		return 0;
	dmt = dm_task_create(DM_DEVICE_INFO);
	if (!dmt)
		return -ENOMEM;
	if (!dm_task_set_name(dmt, name) || !dm_task_run(dmt) ||
	    !dm_task_get_info(dmt, &info) || !info.exists) {
		dm_task_destroy(dmt);
		return 0;                       /* not there: done */
	}
	dm_task_destroy(dmt);
	dmt = dm_task_create(DM_DEVICE_REMOVE);
	if (!dmt)
		return -ENOMEM;
	if (!dm_task_set_name(dmt, name) || !dm_task_retry_remove(dmt) ||
	    !dm_task_run(dmt))
		r = -EBUSY;
	dm_task_destroy(dmt);
	dm_task_update_nodes();
	return r;
}

int mmt_bd_dm_probe(const char *target, char *why, size_t why_len)
{
	int r;

	mmt_bd_dm_lock();
	r = dm_probe(target, why, why_len);
	mmt_bd_dm_unlock();
	return r;
}

void mmt_bd_dm_status(struct mmt_dm_status *ret)
{
	memset(ret, 0, sizeof(*ret));
	mmt_bd_dm_lock();
	dm_setup();
	ret->driver = dm_driver(ret->version, sizeof(ret->version));
	if (ret->driver)
		dm_targets(NULL, ret->targets, sizeof(ret->targets));
	mmt_bd_dm_unlock();
	ret->stale_node = !ret->driver &&
			  mmt_kfeat_chrdev_node("/dev/mapper/control", 10, 236);
}

bool mmt_bd_dm_has_target(const char *target, char *ret_version, size_t len)
{
	bool yes;

	mmt_bd_dm_lock();
	dm_setup();
	yes = dm_driver(NULL, 0) && dm_targets(target, ret_version, len);
	mmt_bd_dm_unlock();
	return yes;
}

int mmt_bd_dm_create(struct mmt_journal *jr, const char *name,
		     const char *table, char *ret_dev, size_t len, int *ret_seq)
{
	int r;

	mmt_bd_dm_lock();
	r = dm_create(jr, name, table, ret_dev, len, ret_seq);
	mmt_bd_dm_unlock();
	return r;
}

int mmt_bd_dm_remove(const char *name)
{
	int r;

	mmt_bd_dm_lock();
	r = dm_remove(name);
	mmt_bd_dm_unlock();
	return r;
}

/* ---- swap -------------------------------------------------------------------------- */

int mmt_bd_swap_flags(int64_t prio)
{
	if (prio < 0)
		return 0;
	if (prio > (SWAP_FLAG_PRIO_MASK >> SWAP_FLAG_PRIO_SHIFT))
		prio = SWAP_FLAG_PRIO_MASK >> SWAP_FLAG_PRIO_SHIFT;
	return SWAP_FLAG_PREFER | (((int)prio << SWAP_FLAG_PRIO_SHIFT) & SWAP_FLAG_PRIO_MASK);
}

int mmt_bd_mkswap(const char *path, char *err, size_t err_len)
{
	const char *argv[] = { "mkswap", path, NULL };
	int r = mmt_bd_exec(argv, err, err_len);

	if (r < 0)
		log_err("mkswap %s failed: %s", path, err ? err : "");
	return r;
}

int mmt_bd_swapon_raw(const char *path, int64_t prio)
{
	if (swapon(path, mmt_bd_swap_flags(prio)) < 0)
		return -errno;
	return 0;
}

int mmt_bd_swapoff_raw(const char *path)
{
	if (swapoff(path) < 0)
		return errno == EINVAL ? 0 : -errno;    /* EINVAL: not on */
	return 0;
}

int mmt_bd_swapon(struct mmt_journal *jr, const char *path, int64_t prio,
		  int *ret_seq)
{
	int seq, r;

	if (!strstr(path, MMT_PREFIX "-") && !mmt_startswith(path, "/dev/zram") &&
	    !mmt_startswith(path, "/dev/loop") && !mmt_startswith(path, "/dev/dm-"))
		return log_err_errno(-EPERM, "refusing swapon %s: not ours", path);
	seq = mmt_journal_addv(jr, "swapon", path, NULL);
	if (seq < 0)
		return log_err_errno(seq, "journal swapon %s", path);
	*ret_seq = seq;
	r = mmt_bd_swapon_raw(path, prio);
	if (r < 0)
		return log_err_errno(r, "swapon %s", path);
	return 0;
}

/* /proc/swaps escapes blanks in names as \040 and friends. */
static void unescape_octal(char *s)
{
	char *o = s;

	for (; *s; s++, o++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o = *s;
		}
	}
	*o = '\0';
}

int mmt_bd_swaps_parse(const char *text,
		       void (*fn)(const char *name, uint64_t size_kb,
				  uint64_t used_kb, void *arg),
		       void *arg)
{
	const char *l = text;
	int n = 0;

	while (l && *l) {
		const char *nl = strchr(l, '\n');
		char line[PATH_MAX + 128], name[PATH_MAX], type[32];
		unsigned long long size, used;
		size_t ll = nl ? (size_t)(nl - l) : strlen(l);

		if (ll >= sizeof(line))
			ll = sizeof(line) - 1;
		memcpy(line, l, ll);
		line[ll] = '\0';
		l = nl ? nl + 1 : NULL;
		if (mmt_startswith(line, "Filename"))
			continue;
		if (sscanf(line, "%4095s %31s %llu %llu", name, type, &size, &used) != 4)
			continue;
		unescape_octal(name);
		if (fn)
			fn(name, size, used, arg);
		n++;
	}
	return n;
}

struct swap_find {
	const char *name;
	bool found;
	uint64_t used_kb;
};

static void swap_find_cb(const char *name, uint64_t size_kb, uint64_t used_kb,
			 void *arg)
{
	struct swap_find *sf = arg;

	if (!strcmp(name, sf->name)) {
		sf->found = true;
		sf->used_kb = used_kb;
	}
}

int mmt_bd_swap_used_kb(const char *path, uint64_t *ret_kb)
{
	char text[16384], real[PATH_MAX];
	struct swap_find sf = { .name = path };
	ssize_t n = mmt_read_file("/proc/swaps", text, sizeof(text));

	if (n < 0)
		return (int)n;
	if (realpath(path, real))
		sf.name = real;
	mmt_bd_swaps_parse(text, swap_find_cb, &sf);
	if (!sf.found)
		return -ENOENT;
	*ret_kb = sf.used_kb;
	return 0;
}

/* ---- sysctls ----------------------------------------------------------------------- */

int mmt_bd_sysfs_choice(const char *text, char *buf, size_t len)
{
	const char *a = strchr(text, '['), *b = a ? strchr(a, ']') : NULL;
	size_t n;

	if (b) {
		text = a + 1;
		n = (size_t)(b - a - 1);
	} else {
		text += strspn(text, " \t\n");
		n = strlen(text);
		while (n && isspace((unsigned char)text[n - 1]))
			n--;
	}
	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(buf, text, n);
	buf[n] = '\0';
	return 0;
}

int mmt_bd_sysctl_set(struct mmt_journal *jr, const char *path,
		      const char *value, int *ret_seq)
{
	char text[512], old[256];
	ssize_t n;
	int seq, r;

	n = mmt_read_file(path, text, sizeof(text));
	if (n < 0)
		return log_err_errno((int)n, "read %s", path);
	r = mmt_bd_sysfs_choice(text, old, sizeof(old));
	if (r < 0)
		return log_err_errno(r, "parse %s", path);
	seq = mmt_journal_addv(jr, "sysctl", path, old, NULL);
	if (seq < 0)
		return log_err_errno(seq, "journal sysctl %s", path);
	*ret_seq = seq;
	r = mmt_write_file(path, value);
	if (r < 0)
		return log_err_errno(r, "write %s = %s", path, value);
	return 0;
}

void mmt_dirty_undo(const char *ratio_name, uint64_t ratio_old,
		    const char *bytes_name, uint64_t bytes_old,
		    const char **ret_name, uint64_t *ret_value)
{
	if (bytes_old) {
		*ret_name = bytes_name;
		*ret_value = bytes_old;
	} else {
		*ret_name = ratio_name;
		*ret_value = ratio_old;
	}
}

/* ---- /proc/vmstat -------------------------------------------------------------------- */

int mmt_bd_vmstat(const char *const *keys, uint64_t *vals, unsigned n)
{
	char text[16384];
	ssize_t len = mmt_read_file("/proc/vmstat", text, sizeof(text));
	int found = 0;

	if (len < 0)
		return (int)len;
	for (unsigned i = 0; i < n; i++)
		if (mmt_kv_lookup(text, keys[i], &vals[i]) == 0)
			found++;
	return found;
}

/* ---- NFS mountpoint ------------------------------------------------------------------ */

void mmt_bd_nfs_dir(const char *run_dir, char *buf, size_t len)
{
	snprintf(buf, len, "%s/" MMT_PREFIX "-nfs", run_dir);
}

bool mmt_bd_is_nfs(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == NFS_SUPER_MAGIC;
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
	while (!atomic_load(&ith->stop))
		if (pthread_cond_timedwait(&ith->cv, &ith->mu, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&ith->mu);
	return atomic_load(&ith->stop);
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
		return -ETIMEDOUT;
	}
	pthread_join(ith->th, NULL);
	return 0;
}

/* ---- small helpers ---------------------------------------------------------------------- */

void mmt_bd_event(struct mmt_run *run, const char *inst, const char *phase,
		  json_object *extra)
{
	json_object *ev = json_object_new_object();

	json_object_object_add(ev, "injector", json_object_new_string(inst));
	json_object_object_add(ev, "phase", json_object_new_string(phase));
	if (extra) {
		json_object_object_foreach(extra, k, v)
			json_object_object_add(ev, k, json_object_get(v));
		json_object_put(extra);
	}
	if (run)
		mmt_run_event(run, "injector", ev);
	else
		json_object_put(ev);
}

static void read_task_file(pid_t tid, const char *name, char *buf, size_t len)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/%s", (int)tid, name);
	if (tid <= 0 || mmt_read_file(path, buf, len) < 0)
		snprintf(buf, len, "?");
}

void mmt_bd_stall(struct mmt_run *run, const char *inst, const char *source,
		  const char *what, uint64_t stalled_us, pid_t tid)
{
	char wchan[128], stack[2048];
	json_object *ev = json_object_new_object();

	read_task_file(tid, "wchan", wchan, sizeof(wchan));
	read_task_file(tid, "stack", stack, sizeof(stack));
	json_object_object_add(ev, "source", json_object_new_string(source));
	json_object_object_add(ev, "injector", json_object_new_string(inst));
	json_object_object_add(ev, "what", json_object_new_string(what));
	json_object_object_add(ev, "stalled_us", json_object_new_uint64(stalled_us));
	json_object_object_add(ev, "tid", json_object_new_int(tid));
	json_object_object_add(ev, "wchan", json_object_new_string(wchan));
	json_object_object_add(ev, "stack", json_object_new_string(stack));
	log_warn("%s: %s made no progress for %" PRIu64 " ms (wchan %s)", inst, what,
		 stalled_us / 1000, wchan);
	if (!run) {
		json_object_put(ev);
		return;
	}
	mmt_run_event(run, "stall", ev);
	mmt_run_finding(run, MMT_F_STALL, "%s: %s made no progress for %" PRIu64 " ms",
			inst, what, stalled_us / 1000);
}

uint64_t mmt_bd_stall_threshold_us(const struct mmt_run *run, uint64_t own_us)
{
	if (own_us)
		return own_us;
	if (run && run->job && run->job->g.stall_threshold_us)
		return run->job->g.stall_threshold_us;
	return 60 * MMT_USEC_PER_SEC;
}

uint64_t mmt_bd_stop_timeout_us(const struct mmt_run *run, uint64_t floor_us)
{
	uint64_t t = run && run->job ? run->job->g.stop_timeout_us : 0;

	return t > floor_us ? t : floor_us;
}

int mmt_bd_verr(const struct mmt_injector_cfg *cfg, const char *key,
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
	uint64_t busy = atomic_load(&ith->busy_since_us), now;
	const char *what;

	if (!busy || *reported)
		return;
	now = mmt_now_us();
	if (now <= busy || now - busy <= mmt_bd_stall_threshold_us(inj->run, own_us))
		return;
	what = atomic_load(&ith->busy_what);
	*reported = true;
	mmt_bd_stall(inj->run, inj->cfg->name, source, what ? what : "?", now - busy,
		     atomic_load(&ith->tid));
}

int mmt_ith_stop_or_stall(struct mmt_ith *ith, struct mmt_inj *inj, uint64_t floor_us)
{
	uint64_t timeout = mmt_bd_stop_timeout_us(inj->run, floor_us);
	int r = mmt_ith_stop(ith, timeout);

	if (r == -ETIMEDOUT) {
		const char *what = atomic_load(&ith->busy_what);

		mmt_run_finding(inj->run, MMT_F_STALL, "%s: %s did not return within %" PRIu64 " s",
				inj->cfg->name, what ? what : "the injector's teardown",
				(uint64_t)(timeout / MMT_USEC_PER_SEC));
	}
	return r;
}

int mmt_bd_dm_stack(struct mmt_journal *jr, const char *name, const char *lower,
		    const struct mmt_dm_params *p, char *ret_dev, size_t len, int *ret_seq)
{
	char table[PATH_MAX + 128];
	int r;

	if (p->flakey)
		r = mmt_dm_flakey_table(lower, p->bytes / 512,
					(unsigned)(p->up_us / MMT_USEC_PER_SEC),
					(unsigned)(p->down_us / MMT_USEC_PER_SEC), p->flakey_mode,
					table, sizeof(table));
	else
		r = mmt_dm_delay_table(lower, p->bytes / 512, p->read_delay_ms,
				       p->write_delay_ms, table, sizeof(table));
	if (r < 0)
		return r;
	return mmt_bd_dm_create(jr, name, table, ret_dev, len, ret_seq);
}

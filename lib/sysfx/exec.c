// SPDX-License-Identifier: GPL-2.0-only
/*
 * Running programs from a threaded process whose orchestrator reaps with
 * waitpid(-1): clone3 children invisible to it, run-and-wait, daemons,
 * modprobe, the kernel config; and the undo of the daemons and exports
 * those programs leave behind.  See exec.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/kfeat.h"
#include "lib/log.h"
#include "lib/sysfx/exec.h"
#include "lib/sysfx/fs.h"
#include "lib/util.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define DAEMON_TERM_US (5 * MMT_USEC_PER_SEC)
#define POLL_US 20000

bool mmt_exec_find_prog(const char *name, char *ret_path, size_t len)
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

int mmt_exec_clone(int *ret_pidfd)
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

int mmt_exec_waitpidfd(int pidfd, bool nohang, int *ret_status)
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

int mmt_exec_run(const char *const *argv, char *out, size_t out_len)
{
	char path[PATH_MAX], tail[1024];
	size_t tlen = 0;
	int pfd[2], pidfd, status = 0, pid, r;

	if (!mmt_exec_find_prog(argv[0], path, sizeof(path))) {
		if (out && out_len)
			snprintf(out, out_len, "%s not found", argv[0]);
		return -ENOENT;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = mmt_exec_clone(&pidfd);
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
	r = mmt_exec_waitpidfd(pidfd, false, &status);
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
 * may reap it: then mmt_exec_waitpidfd() answers -ECHILD, which is fine. */
int mmt_exec_spawn(const char *const *argv, int *ret_pidfd)
{
	char path[PATH_MAX];
	int pid;

	if (!mmt_exec_find_prog(argv[0], path, sizeof(path)))
		return -ENOENT;
	pid = mmt_exec_clone(ret_pidfd);
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

int mmt_exec_modprobe(const char *module)
{
	const char *argv[] = { "modprobe", "-q", module, NULL };

	return mmt_exec_run(argv, NULL, 0);
}

bool mmt_exec_load_fs(const char *fstype, const char *module)
{
	if (mmt_kfeat_fs(fstype))
		return true;
	mmt_exec_modprobe(module);
	return mmt_kfeat_fs(fstype);
}

int mmt_exec_probe_fs(const char *fstype, const char *what, char *why, size_t why_len)
{
	if (mmt_exec_load_fs(fstype, fstype))
		return 0;
	snprintf(why, why_len, "kernel has no %s (modprobe %s failed; /proc/filesystems has "
		 "no %s)", what, fstype, fstype);
	return 1;
}

bool mmt_exec_load(bool (*have)(void), const char *module)
{
	if (have())
		return true;
	mmt_exec_modprobe(module);
	return have();
}

int mmt_exec_kconfig(const char *opt)
{
	char pat[128], path[PATH_MAX], out[256];
	const char *argv[] = { "zgrep", "-qE", pat, "/proc/config.gz", NULL };
	int r;

	snprintf(pat, sizeof(pat), "^CONFIG_%s=(y|m)$", opt);
	if (access("/proc/config.gz", R_OK) == 0) {
		r = mmt_exec_run(argv, out, sizeof(out));
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

/* ---- undo ------------------------------------------------------------------ */

/* Alive and not a zombie (a zombie child of ours is as good as gone). */
static bool alive(pid_t pid)
{
	char path[64], stat[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (mmt_read_file(path, stat, sizeof(stat)) < 0)
		return false;
	p = strrchr(stat, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

int mmt_exec_undo_daemon(int argc, char **argv)
{
	char buf[64], path[64], comm[64];
	uint64_t deadline;
	int64_t v;
	pid_t pid;

	if (!mmt_fs_ours("daemon", argv[0]))
		return -EPERM;
	if (mmt_read_file(argv[0], buf, sizeof(buf)) < 0)
		return 0;    /* no pidfile: never started or already reaped */
	if (mmt_parse_i64(mmt_strstrip(buf), &v) < 0 || v <= 1 || v > INT32_MAX)
		return log_err_errno(-EINVAL, "journal: daemon: bad pidfile %s", argv[0]);
	pid = (pid_t)v;
	/* A reused pid belongs to somebody else: check the name. */
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (mmt_read_file(path, comm, sizeof(comm)) < 0 || !alive(pid))
		return 0;
	mmt_strstrip(comm);
	if (argc >= 2 && strncmp(comm, argv[1], 15) != 0) {
		log_info("journal: pid %d is %s, not %s: left alone", (int)pid, comm, argv[1]);
		return 0;
	}
	if (kill(pid, SIGTERM) < 0)
		return errno == ESRCH ? 0 : -errno;
	deadline = mmt_now_us() + DAEMON_TERM_US;
	while (alive(pid) && mmt_now_us() < deadline)
		mmt_sleep_us(POLL_US);
	if (alive(pid) && kill(pid, SIGKILL) < 0 && errno != ESRCH)
		return -errno;
	return 0;
}

int mmt_exec_undo_export(int argc, char **argv)
{
	/* Fixed places only: a replay must not run whatever PATH offers. */
	static const char *const where[] = { "/usr/sbin/exportfs", "/sbin/exportfs" };
	int r;

	(void)argc;
	if (!mmt_fs_ours("export", argv[0]))
		return -EPERM;
	for (size_t i = 0; i < MMT_ARRAY_SIZE(where); i++) {
		const char *args[] = { where[i], "-u", argv[0], NULL };
		char out[256];

		if (access(where[i], X_OK) < 0)
			continue;
		r = mmt_exec_run(args, out, sizeof(out));
		/* exportfs -u fails when the export is gone already: done. */
		if (r == -EIO) {
			log_info("journal: exportfs -u %s: %s (not exported)", argv[0], out);
			return 0;
		}
		return r;
	}
	return 0;   /* no exportfs: nothing can have been exported with it */
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * One mmtorture per machine: two runs would fight over cpusets, swap and
 * the OOM killer, and each would misread the other's kills.  flock() is
 * released by the kernel when the holder dies, so a crash never leaves a
 * stale lock; the file's text only tells the loser who holds it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lib/lock.h"
#include "lib/log.h"
#include "lib/util.h"

const char *mmt_lock_path(void)
{
	const char *env = getenv("MMT_LOCK");

	return env && *env ? env : MMT_LOCK_PATH;
}

/*
 * Who holds the flock on fd, as the kernel says: /proc/locks (fs/locks.c
 * lock_get_status(): "N: FLOCK  ADVISORY  WRITE PID MAJ:MIN:INO 0 EOF",
 * major and minor in hex).  The lock file's own text may be empty for a
 * moment after a taker got the lock and before it wrote it.  Returns the
 * pid or 0.
 */
static pid_t flock_holder(int fd)
{
	char line[256];
	struct stat st;
	pid_t pid = 0;
	FILE *f;

	if (fstat(fd, &st) < 0)
		return 0;
	f = fopen("/proc/locks", "re");
	if (!f)
		return 0;
	while (!pid && fgets(line, sizeof(line), f)) {
		unsigned maj, min;
		unsigned long ino;
		char kind[16];
		int p;

		if (sscanf(line, "%*d: %15s %*s %*s %d %x:%x:%lu", kind, &p, &maj, &min, &ino) == 5 &&
		    !strcmp(kind, "FLOCK") && p > 0 && maj == major(st.st_dev) &&
		    min == minor(st.st_dev) && ino == st.st_ino)
			pid = p;
	}
	fclose(f);
	return pid;
}

int mmt_lock_describe(const char *text, pid_t kernel_pid, char *holder, size_t holder_len)
{
	char buf[256], what[128] = "", since[40] = "";
	int pid = 0;

	if (!holder || holder_len == 0)
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", text ? text : "");
	/* "PID WHAT SINCE\n", WHAT without spaces (a job name or "cleanup"). */
	if (sscanf(buf, "%d %127s %39s", &pid, what, since) < 1)
		pid = 0;
	if (kernel_pid > 0 && pid != kernel_pid) {
		/* The text is stale or not written yet: the kernel's word wins. */
		pid = kernel_pid;
		what[0] = since[0] = '\0';
	}
	if (pid <= 0) {
		snprintf(holder, holder_len, "a process the kernel does not name");
		return -ENOENT;
	}
	if (what[0] && since[0])
		snprintf(holder, holder_len, "pid %d (%s, since %s)", pid, what, since);
	else if (what[0])
		snprintf(holder, holder_len, "pid %d (%s)", pid, what);
	else
		snprintf(holder, holder_len, "pid %d", pid);
	return 0;
}

static void describe_holder(int fd, char *holder, size_t holder_len)
{
	char buf[256] = "", comm[64] = "", path[64];
	ssize_t n;
	pid_t pid;

	if (!holder || holder_len == 0)
		return;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	pid = flock_holder(fd);
	if (mmt_lock_describe(buf, pid, holder, holder_len) == 0 && pid > 0 && !strchr(buf, ' ')) {
		/* No text of ours: say what the process is. */
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
		if (mmt_read_file(path, comm, sizeof(comm)) > 0)
			snprintf(holder, holder_len, "pid %d (%s)", (int)pid, mmt_strstrip(comm));
	}
}

int mmt_lock_take(const char *path, const char *run_id, char *holder,
		  size_t holder_len)
{
	char text[256], since[40];
	int fd, r, n;

	if (!path)
		path = mmt_lock_path();
	if (holder && holder_len)
		holder[0] = '\0';
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return log_err_errno(-errno, "lock %s: open", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = -errno;
		if (r == -EWOULDBLOCK) {
			describe_holder(fd, holder, holder_len);
			r = -EBUSY;
		}
		close(fd);
		return r;
	}
	mmt_format_utc(mmt_realtime_us(), false, since, sizeof(since));
	n = snprintf(text, sizeof(text), "%d %s %s\n", (int)getpid(),
		     run_id && *run_id && !strpbrk(run_id, " \t\n") ? run_id : "?", since);
	if (n < 0 || (size_t)n >= sizeof(text))
		n = (int)sizeof(text) - 1;
	if (ftruncate(fd, 0) < 0 || pwrite(fd, text, (size_t)n, 0) != n) {
		r = -errno;
		close(fd);
		return log_err_errno(r ? r : -EIO, "lock %s: write", path);
	}
	return fd;
}

void mmt_lock_release(int fd)
{
	if (fd < 0)
		return;
	/* Leave the file (unlinking would race a new taker); empty it. */
	if (ftruncate(fd, 0) < 0)
		log_debug("lock: ftruncate: %s", strerror(errno));
	flock(fd, LOCK_UN);
	close(fd);
}

int mmt_lock_wait(const char *path, const char *what, uint64_t wait_us, char *holder,
		  size_t holder_len)
{
	uint64_t deadline = mmt_now_us() + wait_us;
	int fd = mmt_lock_take(path, what, holder, holder_len);

	if (fd == -EBUSY && wait_us)
		log_info("waiting up to %.0f s for %s (%s)", (double)wait_us / 1e6,
			 path ? path : mmt_lock_path(), holder);
	while (fd == -EBUSY && mmt_now_us() < deadline) {
		/* flock has no timed wait: poll at 5 Hz, a lab queue's pace. */
		struct timespec ts = { 0, 200 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		fd = mmt_lock_take(path, what, holder, holder_len);
	}
	return fd;
}

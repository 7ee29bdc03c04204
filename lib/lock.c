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
#include <sys/file.h>
#include <unistd.h>

#include "lib/lock.h"
#include "lib/log.h"
#include "lib/util.h"

const char *mmt_lock_path(void)
{
	const char *env = getenv("MMT_LOCK");

	return env && *env ? env : MMT_LOCK_PATH;
}

/* "1234 RUNID\n" -> "pid 1234 (run RUNID)" */
static void describe_holder(int fd, char *holder, size_t holder_len)
{
	char buf[256], *nl, *sp;
	ssize_t n;

	if (!holder || holder_len == 0)
		return;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0) {
		snprintf(holder, holder_len, "unknown holder");
		return;
	}
	buf[n] = '\0';
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	sp = strchr(buf, ' ');
	if (sp)
		*sp++ = '\0';
	snprintf(holder, holder_len, "pid %s (run %s)", buf, sp && *sp ? sp : "?");
}

int mmt_lock_take(const char *path, const char *run_id, char *holder,
		  size_t holder_len)
{
	char text[256];
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
	n = snprintf(text, sizeof(text), "%d %s\n", (int)getpid(),
		     run_id && *run_id ? run_id : "?");
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

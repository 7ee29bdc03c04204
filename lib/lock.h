/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_LOCK_H
#define MMT_LOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MMT_LOCK_PATH "/run/mmtorture.lock"

/*
 * Take the machine-wide lock (flock on path; MMT_LOCK environment variable
 * overrides the path; NULL: that default).  WHAT names the taker in the
 * lock file ("PID WHAT SINCE", e.g. a job name or "cleanup"; no spaces).
 * Returns an fd (kept open for the run) or -EBUSY with holder set to e.g.
 * "pid 1234 (default, since 2026-11-29T20:58:24.123456Z)" when another
 * instance holds it (the pid from /proc/locks when the file's text is not
 * written yet or is stale), or another -errno.
 */
int mmt_lock_take(const char *path, const char *what, char *holder,
		  size_t holder_len);
/*
 * mmt_lock_take(), waiting up to wait_us (microseconds; 0: not at all) for
 * a holder to finish, for queues of lab jobs (`--wait-lock`,
 * MMT_WAIT_LOCK).  Same returns; -EBUSY when the wait ran out.
 */
int mmt_lock_wait(const char *path, const char *what, uint64_t wait_us, char *holder,
		  size_t holder_len);
/*
 * Pure: describe the holder from the lock file's TEXT and the pid the
 * kernel names (0: none known).  0 with holder set, -ENOENT when no pid is
 * known (holder then says so), -EINVAL without a buffer.
 */
int mmt_lock_describe(const char *text, pid_t kernel_pid, char *holder, size_t holder_len);
void mmt_lock_release(int fd);
const char *mmt_lock_path(void);

#endif

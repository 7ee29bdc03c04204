/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_LOCK_H
#define MMT_LOCK_H

#include <stddef.h>

#define MMT_LOCK_PATH "/run/mmtorture.lock"

/*
 * Take the machine-wide lock (flock on path; MMT_LOCK environment variable
 * overrides the path).  Returns an fd (kept open for the run) or -EBUSY with
 * holder set to "pid 1234 (run 20261122T005313Z-default)" when another
 * instance holds it, or another -errno.
 */
int mmt_lock_take(const char *path, const char *run_id, char *holder,
		  size_t holder_len);
void mmt_lock_release(int fd);
const char *mmt_lock_path(void);

#endif

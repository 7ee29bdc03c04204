// SPDX-License-Identifier: GPL-2.0-only
/*
 * zram devices: hot_add with compression and disksize, and the undo
 * (reset, hot_remove).  See zram.h and Documentation/admin-guide/blockdev/zram.rst.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "lib/journal.h"
#include "lib/log.h"
#include "lib/sysfx/zram.h"
#include "lib/util.h"

int mmt_zram_add(struct mmt_journal *jr, uint64_t size, const char *comp,
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

int mmt_zram_undo(int argc, char **argv)
{
	char path[PATH_MAX];
	int64_t id;
	int r;

	(void)argc;
	if (mmt_parse_i64(argv[0], &id) < 0 || id < 0 || id > 1000000)
		return log_err_errno(-EINVAL, "journal: zram: bad id %s", argv[0]);
	snprintf(path, sizeof(path), "/sys/block/zram%" PRId64 "/reset", id);
	r = mmt_write_file(path, "1");
	if (r == -ENOENT)
		return 0;           /* device gone */
	if (r < 0)
		return r;
	r = mmt_write_file("/sys/class/zram-control/hot_remove", argv[0]);
	return r == -ENOENT || r == -ENODEV ? 0 : r;
}

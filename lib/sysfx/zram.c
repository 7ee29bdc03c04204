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
#include <string.h>
#include <unistd.h>

#include "lib/journal.h"
#include "lib/log.h"
#include "lib/sysfx/ident.h"
#include "lib/sysfx/zram.h"
#include "lib/util.h"

/*
 * The id the next hot_add will give: zram_add() takes the lowest free one
 * (drivers/block/zram/zram_drv.c: idr_alloc(&zram_index_idr, zram, 0, 0, ...)).
 */
static int zram_next_id(void)
{
	char path[64];

	for (int id = 0; id < 1000000; id++) {
		snprintf(path, sizeof(path), "/sys/block/zram%d", id);
		if (access(path, F_OK) < 0)
			return id;
	}
	return -ENOSPC;
}

static int journal_zram(struct mmt_journal *jr, uint64_t id, const char *boot,
			uint64_t size)
{
	char ids[32], sizes[32];

	snprintf(ids, sizeof(ids), "%" PRIu64, id);
	snprintf(sizes, sizeof(sizes), "%" PRIu64, size);
	return mmt_journal_addv(jr, "zram", ids, boot, sizes, NULL);
}

int mmt_zram_add(struct mmt_journal *jr, uint64_t size, const char *comp,
		 char *ret_dev, size_t len, int *ret_seq)
{
	char buf[64], path[PATH_MAX], boot[MMT_BOOT_ID_MAX];
	uint64_t id;
	int r, seq, guess;

	r = mmt_ident_boot_id(boot, sizeof(boot));
	if (r < 0)
		return log_err_errno(r, "read the boot id");
	guess = zram_next_id();
	if (guess < 0)
		return log_err_errno(guess, "zram: no free id");
	/* Journalled before it exists, so a kill after hot_add leaks nothing. */
	seq = journal_zram(jr, (uint64_t)guess, boot, size);
	if (seq < 0)
		return log_err_errno(seq, "journal zram %d", guess);
	*ret_seq = seq;
	r = mmt_read_u64("/sys/class/zram-control/hot_add", &id);
	if (r < 0) {
		mmt_journal_drop(jr, seq);
		*ret_seq = 0;
		return log_err_errno(r, "zram hot_add");
	}
	if (id != (uint64_t)guess) {
		/* Someone else took the id in between: record ours, and settle
		 * the guess without touching what now holds it. */
		seq = journal_zram(jr, id, boot, size);
		if (seq < 0) {
			snprintf(buf, sizeof(buf), "%" PRIu64, id);
			mmt_write_file("/sys/class/zram-control/hot_remove", buf);
			return log_err_errno(seq, "journal zram %s", buf);
		}
		mmt_journal_drop(jr, *ret_seq);
		*ret_seq = seq;
	}
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
	char path[PATH_MAX], dev[64], now[64], why[256];
	int64_t id;
	int r;

	if (mmt_parse_i64(argv[0], &id) < 0 || id < 0 || id > 1000000)
		return log_err_errno(-EINVAL, "journal: zram: bad id %s", argv[0]);
	snprintf(dev, sizeof(dev), "/dev/zram%" PRId64, id);
	if (argc < 3 || !mmt_ident_this_boot(argv[1])) {
		mmt_ident_check(dev, argc >= 3 ? argv[1] : NULL, NULL, why, sizeof(why));
		log_info("journal: zram %s: %s: left alone", dev, why);
		return MMT_JOURNAL_LEFT_ALONE;
	}
	r = mmt_ident_read(dev, now, sizeof(now));
	if (r == -ENOENT)
		return 0;           /* device gone */
	if (r < 0)
		return r;
	/* Our disksize, or none yet: a kill between hot_add and disksize. */
	if (strcmp(now, argv[2]) && strcmp(now, "0")) {
		log_info("journal: zram %s: disksize is %s, not our %s: left alone", dev, now,
			 argv[2]);
		return MMT_JOURNAL_LEFT_ALONE;
	}
	snprintf(path, sizeof(path), "/sys/block/zram%" PRId64 "/reset", id);
	r = mmt_write_file(path, "1");
	if (r == -ENOENT)
		return 0;           /* device gone */
	if (r < 0)
		return r;
	r = mmt_write_file("/sys/class/zram-control/hot_remove", argv[0]);
	return r == -ENOENT || r == -ENODEV ? 0 : r;
}

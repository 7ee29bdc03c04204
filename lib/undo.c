// SPDX-License-Identifier: GPL-2.0-only
/*
 * The journal's kind table and the injectors' undo lists.  The undo of
 * each kind is written once, next to the code that does it.
 */
#include "config.h"

#include <errno.h>

#include "lib/cgroup.h"
#include "lib/log.h"
#include "lib/sysfx/dm.h"
#include "lib/sysfx/exec.h"
#include "lib/sysfx/fs.h"
#include "lib/sysfx/loop.h"
#include "lib/sysfx/swap.h"
#include "lib/sysfx/sysctl.h"
#include "lib/sysfx/zram.h"
#include "lib/undo.h"

static int undo_cgroup(int argc, char **argv)
{
	(void)argc;
	return mmt_cg_destroy_path(argv[0]);
}

/*
 * After a crash, first stop every task in our cgroups: a worker still
 * faulting would keep a swap area busy (swapoff: ENOMEM) or a mount in
 * use while the records after its cgroup are undone.
 */
static int quiesce_cgroup(int argc, char **argv)
{
	(void)argc;
	if (!mmt_cg_path_is_ours(argv[0]))
		return -EPERM;
	/* Killed and gone before the undos: a swapoff or umount must not
	 * meet tasks that are still dying (mmt_cg_drain()). */
	return mmt_cg_drain(argv[0]);
}

const struct mmt_journal_kind mmt_undo_kinds[] = {
	{ "cgroup", 1, undo_cgroup, quiesce_cgroup },
	{ "sysctl", 2, mmt_sysctl_undo, NULL },
	{ "dirty", 5, mmt_sysctl_undo_dirty, NULL },
	{ "swapon", 1, mmt_swap_undo, NULL },
	{ "loop", 2, mmt_loop_undo, NULL },
	{ "dm", 1, mmt_dm_undo, NULL },
	/* A frozen device is resumed before anything else is undone. */
	{ "dmresume", 1, mmt_dm_undo_resume, mmt_dm_undo_resume },
	{ "mount", 1, mmt_fs_undo_mount, NULL },
	{ "export", 1, mmt_exec_undo_export, NULL },
	{ "daemon", 1, mmt_exec_undo_daemon, NULL },
	{ "file", 1, mmt_fs_undo_file, NULL },
	{ "dir", 1, mmt_fs_undo_dir, NULL },
	{ "zram", 1, mmt_zram_undo, NULL },
	{ NULL, 0, NULL, NULL },
};

int mmt_undo_push(struct mmt_undo *u, int seq)
{
	if (seq <= 0)
		return 0;
	if (u->nr >= MMT_UNDO_MAX)
		return -ENOSPC;
	u->seq[u->nr++] = seq;
	return 0;
}

int mmt_undo_all(struct mmt_journal *jr, struct mmt_undo *u)
{
	int failed = 0;

	while (u->nr > 0) {
		int seq = u->seq[--u->nr], r;

		r = mmt_journal_undo(jr, seq);
		if (r < 0) {
			log_err_errno(r, "undo of journal record %d", seq);
			failed++;
		}
	}
	return failed;
}

/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_UNDO_H
#define MMT_UNDO_H

/*
 * What undoes the harness's side effects: the one kind table the journal
 * replays with (each kind's undo lives with the code that does the side
 * effect: lib/cgroup.c and lib/sysfx/), and the list of records one
 * injector made, undone in reverse at its stop.
 */

#include <stdbool.h>

#include "lib/journal.h"

/*
 * cgroup, sysctl, dirty, swapon, loop, dm, mount, export, daemon, file, dir, zram
 * (lib/journal.h lists their arguments).  The cgroup kind's quiesce kills
 * the tasks left in our cgroups before anything else is undone.
 */
extern const struct mmt_journal_kind mmt_undo_kinds[];

#define MMT_UNDO_MAX 32

/* The journal records one injector made, undone in reverse at stop. */
struct mmt_undo {
	int seq[MMT_UNDO_MAX];
	unsigned nr;
};

/* Remember record seq (seq <= 0, a record never written, is ignored).
 * 0 or -ENOSPC. */
int mmt_undo_push(struct mmt_undo *u, int seq);
/* mmt_journal_undo() every record, newest first; returns the number that
 * failed (logged). */
int mmt_undo_all(struct mmt_journal *jr, struct mmt_undo *u);

#endif

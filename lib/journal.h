/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_JOURNAL_H
#define MMT_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The cleanup journal (docs/design.md section 7).  Before each side effect on the
 * system, its undo is appended as one line and fdatasync()ed.  Replay walks
 * the lines in reverse; each undo is idempotent (ENOENT is done).  A line
 * that was undone is followed by a "done <seq>" line so that a replay
 * interrupted half way can be resumed.
 *
 * Line format (tab-separated, fields %-escaped):
 *   <seq>\t<kind>\t<arg1>\t<arg2>...
 * The harness's kinds and their undo (lib/undo.c; each undo lives with its
 * side effect in lib/cgroup.c or lib/sysfx/):
 *   cgroup   ABS_DIR              rmdir (kill tasks on EBUSY)
 *   sysctl   PATH OLD_VALUE       write OLD_VALUE back
 *   swapon   PATH                 swapoff PATH
 *   loop     /dev/loopN BACKING   LOOP_CLR_FD if still backed by BACKING
 *   dm       NAME                 remove dm device NAME (libdevmapper)
 *   mount    DIR                  umount2(DIR, MNT_DETACH)
 *   export   CLIENT:DIR           exportfs -u CLIENT:DIR
 *   daemon   PIDFILE NAME         SIGTERM, then SIGKILL, the pid in PIDFILE
 *   file     PATH                 unlink PATH
 *   dir      PATH                 rmdir PATH
 *   zram     ID                   reset and hot_remove /dev/zramID
 *   done     SEQ                  (marks SEQ undone)
 */

struct mmt_journal;

/* Undo handler for one kind; returns 0 (done) or -errno. */
typedef int (*mmt_journal_undo_fn)(int argc, char **argv);

/*
 * One kind of record.  quiesce (may be NULL) runs in replay for every live
 * record of the kind before any undo, e.g. to stop the tasks that would
 * keep the later records' objects busy.  The table ends with kind NULL;
 * the harness's table is lib/undo.h mmt_undo_kinds.
 */
struct mmt_journal_kind {
	const char *kind;
	int min_args;
	mmt_journal_undo_fn undo;
	mmt_journal_undo_fn quiesce;
};

/* Create or open for append; mmt_journal_undo() undoes with kinds (kept,
 * not copied; NULL: the journal can only append).  Returns 0 or -errno. */
int mmt_journal_open(const char *path, const struct mmt_journal_kind *kinds,
		     struct mmt_journal **ret_jr);
void mmt_journal_close(struct mmt_journal *jr);   /* accepts NULL */

/* Append one record and fdatasync it.  argv must not contain '\n' after
 * escaping (escaping is done here).  Thread-safe.  Returns the record's
 * sequence number (> 0) or -errno. */
int mmt_journal_add(struct mmt_journal *jr, const char *kind, int argc,
		    const char *const *argv);
/* Convenience: mmt_journal_addv(jr, "cgroup", path, NULL). */
int mmt_journal_addv(struct mmt_journal *jr, const char *kind, ...)
	__attribute__((sentinel));
/* Undo one record now (in the middle of a run) and mark it done. */
int mmt_journal_undo(struct mmt_journal *jr, int seq);

/*
 * Replay path with the given kind table: the quiesce hooks of every record
 * not marked done, then the undos in reverse.  Failures are logged and
 * counted, and replay goes on.  Returns the number of records that could
 * not be undone (0 = clean), or -errno when the journal cannot be read
 * (-EINVAL without kinds).
 */
int mmt_journal_replay(const char *path, const struct mmt_journal_kind *kinds);

/* Field escaping used by the format: exposed for tests. */
void mmt_journal_escape(const char *in, char *out, size_t len);
void mmt_journal_unescape(char *s);

#endif

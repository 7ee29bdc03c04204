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
 * side effect in lib/cgroup.c or lib/sysfx/).  BOOT is the boot id at the
 * time of the record (lib/sysfx/ident.h), OWNER the run id:
 *   cgroup   ABS_DIR              rmdir (kill tasks on EBUSY)
 *   sysctl   PATH OLD [OWNER]     release OWNER's hold in the ledger of
 *                                 changed settings (lib/ledger.h); the
 *                                 last holder writes the pristine value
 *                                 back (without OWNER: write OLD back)
 *   dirty    RATIO BYTES OLD_FILE OLD OWNER
 *                                 the same for a vm.dirty_* ratio/bytes pair
 *   swapon   PATH [BOOT PROOF]    swapoff PATH
 *   loop     /dev/loopN BACKING [BOOT]  LOOP_CLR_FD if still backed by BACKING
 *   dm       NAME [BOOT]          remove dm device NAME (libdevmapper)
 *   mount    DIR                  umount2(DIR, MNT_DETACH)
 *   export   CLIENT:DIR           exportfs -u CLIENT:DIR
 *   daemon   PIDFILE NAME         SIGTERM, then SIGKILL, the pid in PIDFILE
 *   file     PATH                 unlink PATH
 *   dir      PATH                 rmdir PATH
 *   zram     ID [BOOT DISKSIZE]   reset and hot_remove /dev/zramID
 *   done     SEQ                  (marks SEQ undone, or settled: left alone)
 *
 * Whose is it?  Numbers are reused, names are not:
 *  - Devices (loop, zram, dm, and swapon of a /dev/ path) are undone only
 *    in the boot that made them and only while the kernel still shows the
 *    proof recorded with them (the loop's whole backing path under our
 *    prefix, the zram's disksize, the dm name with our prefix).  A record
 *    of an earlier boot, or one without a boot id (older journals), is
 *    left alone: after a reboot the number belongs to someone else, and
 *    our device died with the old kernel anyway.
 *  - Things named with our prefix stay undoable across boots, because the
 *    name is the proof: files, dirs and mounts under the run directory,
 *    swap files, cgroups named mmtorture-<run id>, exports and daemon
 *    pidfiles under the run directory (a daemon is also checked by its
 *    comm, since pids are numbers).
 *  - Settings (sysctl, dirty) go through the machine-wide ledger in
 *    /run/mmtorture (a tmpfs): after a reboot it is empty, so nothing is
 *    written back (the knob was reset by the reboot).
 * An undo that leaves its object alone returns MMT_JOURNAL_LEFT_ALONE,
 * after logging why; the record is settled (marked done) and counted in
 * the replay's summary, and is no failure.
 */

/* An undo's answer: the object is not ours (any more), left alone. */
#define MMT_JOURNAL_LEFT_ALONE 1

struct mmt_journal;

/* Undo handler for one kind; returns 0 (done), MMT_JOURNAL_LEFT_ALONE or
 * -errno. */
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
/* Undo one record now (in the middle of a run) and mark it done.  A record
 * left alone counts as done.  0 or -errno. */
int mmt_journal_undo(struct mmt_journal *jr, int seq);
/* Mark record seq done without undoing it (a record that turned out to
 * name nothing of ours, e.g. a zram id guessed before hot_add).  0 or -errno. */
int mmt_journal_drop(struct mmt_journal *jr, int seq);

/* The run that writes the journal, for the ledger's holders (at most 127
 * characters, no newline); NULL until set.  0 or -EINVAL. */
int mmt_journal_set_owner(struct mmt_journal *jr, const char *owner);
const char *mmt_journal_owner(const struct mmt_journal *jr);

/* What a replay did. */
struct mmt_journal_summary {
	int undone;             /* records undone now */
	int left_alone;         /* records whose object is not ours (any more) */
	int failed;             /* records that could not be undone */
	int live;               /* records not settled before this replay */
};

/*
 * Replay path with the given kind table: the quiesce hooks of every record
 * not marked done, then the undos in reverse.  Failures are logged and
 * counted, and replay goes on.  Returns the number of records that could
 * not be undone (0 = clean), or -errno when the journal cannot be read
 * (-EINVAL without kinds).  ret (may be NULL) gets the summary.
 */
int mmt_journal_replay(const char *path, const struct mmt_journal_kind *kinds,
		       struct mmt_journal_summary *ret);

/* Does the journal at path hold a record not yet settled?  1, 0, -errno. */
int mmt_journal_pending(const char *path);

/*
 * The index of live journals: one small file per run in
 * /run/mmtorture/runs/ ($MMT_JOURNAL_INDEX for tests), holding the boot id
 * and the journal's absolute path.  A run adds its journal when it opens it
 * and drops it once the journal is fully replayed (by its own teardown or
 * by `mmtorture cleanup`), so the index names every journal of this boot
 * that may still hold something to undo, wherever its results directory
 * is.  /run is a tmpfs: a reboot empties it, and an entry of another boot
 * (a /run that is not a tmpfs) is dropped when read.
 */
#define MMT_JOURNAL_INDEX_DIR "/run/mmtorture/runs"
const char *mmt_journal_index_dir(void);
/* Add journal (made absolute here) to the index.  0 or -errno. */
int mmt_journal_index_add(const char *journal);
/* Drop journal's entry (none is fine).  0 or -errno. */
int mmt_journal_index_drop(const char *journal);
/* The journals of this boot in the index, oldest entry first: an array of
 * malloc()ed paths (free each and the array).  0 or -errno (no index
 * directory: 0 entries). */
int mmt_journal_index_list(char ***ret_paths, size_t *ret_nr);

/* Field escaping used by the format: exposed for tests. */
void mmt_journal_escape(const char *in, char *out, size_t len);
void mmt_journal_unescape(char *s);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_SYSFX_SYSCTL_H
#define MMT_SYSFX_SYSCTL_H

/* Sysctls and sysfs knobs; owns the undo of the journal kinds
 * "sysctl PATH OLD_VALUE [OWNER]" and "dirty RATIO BYTES FILE OLD OWNER".
 * Knobs are machine-wide and outlive a crashed run, so a change of a run
 * whose journal has an owner (mmt_journal_set_owner()) goes through the
 * ledger of changed settings (lib/ledger.h): the first run to change a
 * knob keeps its pristine value, the last one to undo writes it back. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mmt_journal;

/*
 * The selected value of a sysfs choice file: "always [madvise] never" ->
 * "madvise"; text without brackets is copied stripped.  Pure.
 */
int mmt_sysctl_choice(const char *text, char *buf, size_t len);
/* Read the current value of path (choice-aware), journal
 * "sysctl PATH OLD OWNER" (without an owner: "sysctl PATH OLD"), hold the
 * knob in the ledger with OLD as its pristine value if it is the first
 * hold, then write value.  0 or -errno. */
int mmt_sysctl_set(struct mmt_journal *jr, const char *path,
		   const char *value, int *ret_seq);
/*
 * vm.dirty_ratio and vm.dirty_bytes (and the background pair) exclude each
 * other: writing one zeroes the other, and 0 cannot be written to the
 * *_bytes file.  Given their current values, say which file and value
 * restore the current state ("dirty_bytes" when bytes_old != 0).  Pure.
 */
void mmt_sysctl_dirty_undo(const char *ratio_name, uint64_t ratio_old,
			   const char *bytes_name, uint64_t bytes_old,
			   const char **ret_name, uint64_t *ret_value);
/* Journal undo of "sysctl PATH OLD [OWNER]" for a path under /proc/sys/,
 * /sys/ or /proc/fs/nfsd/threads (a missing file is done): with OWNER,
 * release its hold and, if it was the last, write the pristine value back
 * and forget it; without, write OLD back.  0 or -errno. */
int mmt_sysctl_undo(int argc, char **argv);
/*
 * Set one of a vm.dirty_* ratio/bytes pair (absolute paths; set_bytes
 * says which gets value).  The pair is one setting: writing one zeroes the
 * other.  Journals "dirty RATIO BYTES FILE OLD OWNER" with the file and
 * value that restore the state now (mmt_sysctl_dirty_undo()), holds BYTES
 * in the ledger with "FILE OLD" as the pristine value, then writes.  The
 * journal needs an owner (-EINVAL).  0 or -errno.
 */
int mmt_sysctl_set_dirty(struct mmt_journal *jr, const char *ratio_path,
			 const char *bytes_path, bool set_bytes, uint64_t value,
			 int *ret_seq);
/* Journal undo of "dirty ...": release OWNER's hold on BYTES; the last
 * holder writes the pristine FILE OLD back.  0 or -errno. */
int mmt_sysctl_undo_dirty(int argc, char **argv);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_SYSFX_SYSCTL_H
#define MMT_SYSFX_SYSCTL_H

/* Sysctls and sysfs knobs; owns the undo of the journal kind
 * "sysctl PATH OLD_VALUE". */

#include <stddef.h>
#include <stdint.h>

struct mmt_journal;

/*
 * The selected value of a sysfs choice file: "always [madvise] never" ->
 * "madvise"; text without brackets is copied stripped.  Pure.
 */
int mmt_sysctl_choice(const char *text, char *buf, size_t len);
/* Read the current value of path (choice-aware), journal
 * "sysctl PATH OLD", then write value. */
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
/* Journal undo of "sysctl PATH OLD": write OLD back to a path under
 * /proc/sys/, /sys/ or /proc/fs/nfsd/threads (a missing file is done). */
int mmt_sysctl_undo(int argc, char **argv);

#endif

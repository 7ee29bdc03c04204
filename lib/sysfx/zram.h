/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_SYSFX_ZRAM_H
#define MMT_SYSFX_ZRAM_H

/* zram devices; owns the undo of the journal kind "zram ID BOOT DISKSIZE"
 * (lib/sysfx/ident.h: whose device it is). */

#include <stddef.h>
#include <stdint.h>

struct mmt_journal;

/*
 * hot_add a zram device, set its compression (NULL: the kernel's default)
 * and disksize (bytes).  The record "zram ID BOOT DISKSIZE" is written
 * before the hot_add, with the id the kernel will give (the lowest free
 * one); if another hot_add takes that id first, the id we got is
 * journalled at once and the guess settled untouched.
 */
int mmt_zram_add(struct mmt_journal *jr, uint64_t size, const char *comp,
		 char *ret_dev, size_t len, int *ret_seq);
/*
 * Journal undo of "zram ID BOOT DISKSIZE": reset, then hot_remove
 * /dev/zramID (a device that is gone is done), when BOOT is this boot and
 * the device's disksize is DISKSIZE, or 0 (a kill between hot_add and
 * disksize; within a boot, the one residual case is a foreign hot_add
 * that took the id between our record and our kill, still unconfigured).
 * Else MMT_JOURNAL_LEFT_ALONE.  0 or -errno.
 */
int mmt_zram_undo(int argc, char **argv);

#endif

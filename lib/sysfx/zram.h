/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_SYSFX_ZRAM_H
#define MMT_SYSFX_ZRAM_H

/* zram devices; owns the undo of the journal kind "zram ID". */

#include <stddef.h>
#include <stdint.h>

struct mmt_journal;

/*
 * hot_add a zram device (the record "zram ID" follows the read of
 * hot_add at once: the kernel gives no way to journal first), set its
 * compression (NULL: the kernel's default) and disksize (bytes).
 */
int mmt_zram_add(struct mmt_journal *jr, uint64_t size, const char *comp,
		 char *ret_dev, size_t len, int *ret_seq);
/* Journal undo of "zram ID": reset, then hot_remove /dev/zramID (a device
 * that is gone is done).  0 or -errno. */
int mmt_zram_undo(int argc, char **argv);

#endif

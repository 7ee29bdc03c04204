/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_SYSFX_LOOP_H
#define MMT_SYSFX_LOOP_H

/* Loop devices; owns the undo of the journal kind
 * "loop /dev/loopN BACKING BOOT" (lib/sysfx/ident.h: whose device it is). */

#include <stdbool.h>
#include <stddef.h>

struct mmt_journal;

/*
 * Attach a free loop device to backing (LOOP_CTL_GET_FREE, then
 * LOOP_CONFIGURE, falling back to LOOP_SET_FD + LOOP_SET_STATUS64 on old
 * kernels), journalled as "loop /dev/loopN BACKING BOOT" before it is
 * bound.  backing must carry the "mmtorture-" prefix (else -EPERM).
 * lo_file_name is the backing path, so `losetup -a` shows our name.
 */
int mmt_loop_attach(struct mmt_journal *jr, const char *backing,
		    bool direct_io, char *ret_dev, size_t len, int *ret_seq);
/*
 * Detach dev (/dev/loopN) if it is still bound to backing, as
 * /sys/block/loopN/loop/backing_file says (the whole path; a deleted file
 * shows with " (deleted)").  Idempotent: unbound is done.  0,
 * MMT_JOURNAL_LEFT_ALONE when bound to another file, -EPERM for a name
 * outside /dev/loop, or -errno.
 */
int mmt_loop_detach(const char *dev, const char *backing);
/* Journal undo of "loop DEV BACKING BOOT": mmt_loop_detach() when BOOT is
 * this boot and BACKING ours; else the device is left alone. */
int mmt_loop_undo(int argc, char **argv);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_SYSFX_SWAP_H
#define MMT_SYSFX_SWAP_H

/* Swap areas; owns the undo of the journal kind "swapon PATH [BOOT PROOF]"
 * (BOOT PROOF for devices: lib/sysfx/ident.h). */

#include <stddef.h>
#include <stdint.h>

struct mmt_journal;

#define MMT_SWAP_PRIO_DEFAULT (-1)   /* let the kernel choose */
/* swapon(2) flags: SWAP_FLAG_PREFER | prio, or 0 for the default.  Pure. */
int mmt_swap_flags(int64_t prio);
/* mkswap on path (a file or a device). */
int mmt_swap_mkswap(const char *path, char *err, size_t err_len);
/* swapon(path) journalled as "swapon PATH" for a file, which must carry
 * the "mmtorture-" prefix, or "swapon DEV BOOT PROOF" for a device, which
 * must prove ours (a loop over our file, a dm device of our name, a zram
 * device; ident.h).  -EPERM otherwise. */
int mmt_swap_on(struct mmt_journal *jr, const char *path, int64_t prio,
		int *ret_seq);
/* Plain swapon/swapoff without journalling (the churn of a device whose
 * swapon record is already in the journal). */
int mmt_swap_on_raw(const char *path, int64_t prio);
int mmt_swap_off_raw(const char *path);
/*
 * Parse /proc/swaps text (mm/swapfile.c swap_show()): for each area, call
 * fn(name, size_kb, used_kb, arg).  Pure.  Returns the number of areas.
 */
int mmt_swap_parse_swaps(const char *text,
			 void (*fn)(const char *name, uint64_t size_kb,
				    uint64_t used_kb, void *arg),
			 void *arg);
/* Used KiB of area path (by name, resolving symlinks); -ENOENT if not on. */
int mmt_swap_used_kb(const char *path, uint64_t *ret_kb);
/* Journal undo of "swapon PATH [BOOT PROOF]": swapoff (not on is done).  A
 * file must carry "mmtorture"; a device of another boot, without BOOT, or
 * whose proof differs now is left alone (MMT_JOURNAL_LEFT_ALONE).  0 or
 * -errno. */
int mmt_swap_undo(int argc, char **argv);

#endif

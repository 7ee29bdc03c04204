/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_SYSFX_FS_H
#define MMT_SYSFX_FS_H

/*
 * Files, directories, mounts and mkfs; owns the undo of the journal kinds
 * "file", "dir" and "mount".  Every helper that changes the system appends
 * its undo to the journal first (its sequence number into *ret_seq) and
 * only then acts.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mmt_journal;

/*
 * Is target (a path or a name) one the harness may undo: it holds
 * "mmtorture" and no "/../"?  Logs the refusal (kind names the record).
 */
bool mmt_fs_ours(const char *kind, const char *target);

/*
 * Create path (O_EXCL) of size bytes, journalled as "file".  With
 * allocate, the blocks are allocated (zeros are written: swap files must
 * not be sparse).
 */
int mmt_fs_file_create(struct mmt_journal *jr, const char *path, uint64_t size,
		       bool allocate, int *ret_seq);
/* mkdir journalled as "dir" (an existing directory is an error: not ours). */
int mmt_fs_mkdir(struct mmt_journal *jr, const char *path, int *ret_seq);
/* mount(2), journalled as "mount DIR". */
int mmt_fs_mount(struct mmt_journal *jr, const char *src, const char *dir,
		 const char *fstype, unsigned long flags, const char *data,
		 int *ret_seq);
/* mkfs.<fstype> -q on dev; err gets the tool's output on failure. */
int mmt_fs_mkfs(const char *fstype, const char *dev, char *err, size_t err_len);
/* Name of the mkfs program for fstype ("mkfs.ext4"). */
void mmt_fs_mkfs_prog(const char *fstype, char *buf, size_t len);

/*
 * The nfs injector mounts at <run dir>/mmtorture-nfs; writeback target=nfs
 * and swap backing=nfs wait until that directory is an NFS mount.
 */
void mmt_fs_nfs_dir(const char *run_dir, char *buf, size_t len);
bool mmt_fs_is_nfs(const char *path);

/* Journal undos: "file PATH" unlink, "dir PATH" rmdir, "mount DIR"
 * umount2(MNT_DETACH) until nothing is mounted there.  ENOENT is done.
 * 0 or -errno (-EPERM for a path that is not ours). */
int mmt_fs_undo_file(int argc, char **argv);
int mmt_fs_undo_dir(int argc, char **argv);
int mmt_fs_undo_mount(int argc, char **argv);

#endif

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Files, directories, mounts and mkfs, each journalled before it happens,
 * and their undo.  See fs.h.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "lib/journal.h"
#include "lib/log.h"
#include "lib/sysfx/exec.h"
#include "lib/sysfx/fs.h"
#include "lib/util.h"

#ifndef NFS_SUPER_MAGIC
#define NFS_SUPER_MAGIC 0x6969
#endif

bool mmt_fs_ours(const char *kind, const char *target)
{
	if (target && strstr(target, MMT_PREFIX) && !strstr(target, "/../"))
		return true;
	log_err("journal: %s: refusing %s: no \"" MMT_PREFIX "\" in it", kind,
		target ? target : "(null)");
	return false;
}

static int write_zeros(int fd, uint64_t size)
{
	static const char zeros[1 << 16];
	uint64_t done = 0;

	while (done < size) {
		size_t n = size - done < sizeof(zeros) ? (size_t)(size - done) : sizeof(zeros);
		int r = mmt_write_all(fd, zeros, n);

		if (r < 0)
			return r;
		done += n;
	}
	return 0;
}

int mmt_fs_file_create(struct mmt_journal *jr, const char *path, uint64_t size,
		       bool allocate, int *ret_seq)
{
	int seq, fd, r;

	if (!strstr(path, MMT_PREFIX "-"))
		return log_err_errno(-EPERM, "refusing to create %s: no %s- in its name",
				     path, MMT_PREFIX);
	seq = mmt_journal_addv(jr, "file", path, NULL);
	if (seq < 0)
		return log_err_errno(seq, "journal file %s", path);
	*ret_seq = seq;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return log_err_errno(-errno, "create %s", path);
	/* Zeros, not fallocate(): mkswap(8) says swap files must have no
	 * holes and no preallocated (unwritten) extents. */
	if (allocate)
		r = write_zeros(fd, size);
	else
		r = ftruncate(fd, (off_t)size) < 0 ? -errno : 0;
	if (r == 0 && fdatasync(fd) < 0)
		r = -errno;
	close(fd);
	if (r < 0)
		return log_err_errno(r, "fill %s", path);
	return 0;
}

int mmt_fs_mkdir(struct mmt_journal *jr, const char *path, int *ret_seq)
{
	int seq = mmt_journal_addv(jr, "dir", path, NULL);

	if (seq < 0)
		return log_err_errno(seq, "journal dir %s", path);
	*ret_seq = seq;
	if (mkdir(path, 0700) < 0)
		return log_err_errno(-errno, "mkdir %s", path);
	return 0;
}

int mmt_fs_mount(struct mmt_journal *jr, const char *src, const char *dir,
		 const char *fstype, unsigned long flags, const char *data,
		 int *ret_seq)
{
	int seq = mmt_journal_addv(jr, "mount", dir, NULL);

	if (seq < 0)
		return log_err_errno(seq, "journal mount %s", dir);
	*ret_seq = seq;
	if (mount(src, dir, fstype, flags, data) < 0)
		return log_err_errno(-errno, "mount -t %s %s %s", fstype, src, dir);
	return 0;
}

void mmt_fs_mkfs_prog(const char *fstype, char *buf, size_t len)
{
	snprintf(buf, len, "mkfs.%s", fstype);
}

int mmt_fs_mkfs(const char *fstype, const char *dev, char *err, size_t err_len)
{
	const char *ext4[] = { "mkfs.ext4", "-q", "-F", "-E", "nodiscard", dev, NULL };
	const char *xfs[] = { "mkfs.xfs", "-q", "-f", "-K", dev, NULL };
	const char *const *argv;
	int r;

	if (!strcmp(fstype, "ext4"))
		argv = ext4;
	else if (!strcmp(fstype, "xfs"))
		argv = xfs;
	else
		return -EINVAL;
	r = mmt_exec_run(argv, err, err_len);
	if (r < 0)
		log_err("%s %s failed: %s", argv[0], dev, err ? err : "");
	return r;
}

void mmt_fs_nfs_dir(const char *run_dir, char *buf, size_t len)
{
	snprintf(buf, len, "%s/" MMT_PREFIX "-nfs", run_dir);
}

bool mmt_fs_is_nfs(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == NFS_SUPER_MAGIC;
}

/* ---- undo ------------------------------------------------------------------ */

int mmt_fs_undo_mount(int argc, char **argv)
{
	(void)argc;
	if (!mmt_fs_ours("mount", argv[0]))
		return -EPERM;
	/* Stacked mounts: detach until nothing is mounted there. */
	for (int i = 0; i < 16; i++) {
		if (umount2(argv[0], MNT_DETACH) < 0)
			return errno == EINVAL || errno == ENOENT ? 0 : -errno;
	}
	return -EBUSY;
}

int mmt_fs_undo_file(int argc, char **argv)
{
	(void)argc;
	if (!mmt_fs_ours("file", argv[0]))
		return -EPERM;
	/* ENOTDIR: a component is a file, so the path never existed. */
	if (unlink(argv[0]) == 0 || errno == ENOENT || errno == ENOTDIR)
		return 0;
	return -errno;
}

/*
 * Remove the regular files named with our prefix directly inside DIR (a
 * directory of ours): what our workers wrote there and a kill -9 left (the
 * dirty workload's mmtorture-dirty-* files).  Nothing else is touched: no
 * other name, no subdirectory, nothing through a symlink.  0 or -errno.
 */
static int remove_our_files(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), r = 0;
	struct dirent *e;
	DIR *d;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	while ((e = readdir(d))) {
		struct stat st;

		if (strncmp(e->d_name, MMT_PREFIX "-", strlen(MMT_PREFIX) + 1) ||
		    fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (unlinkat(fd, e->d_name, 0) < 0 && errno != ENOENT && r == 0)
			r = -errno;
	}
	closedir(d);
	return r;
}

int mmt_fs_undo_dir(int argc, char **argv)
{
	(void)argc;
	if (!mmt_fs_ours("dir", argv[0]))
		return -EPERM;
	if (rmdir(argv[0]) == 0 || errno == ENOENT || errno == ENOTDIR)
		return 0;
	if (errno == ENOTEMPTY || errno == EEXIST) {
		int r = remove_our_files(argv[0]);

		if (r < 0)
			return r;
		if (rmdir(argv[0]) == 0 || errno == ENOENT)
			return 0;
	}
	return -errno;
}

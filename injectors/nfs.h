/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_NFS_H
#define MMT_NFS_H

/*
 * The nfs injector's pure config generators (nfs.c), unit-tested.  The
 * mount it makes is found by the others through the file system
 * (lib/sysfx/fs.h mmt_fs_nfs_dir, mmt_fs_is_nfs).
 */

#include <stddef.h>

/* "DIR CLIENT(rw,sync,no_subtree_check,no_root_squash,insecure,fsid=N)" */
int mmt_nfs_exports_line(const char *dir, const char *client, unsigned fsid,
			 char *buf, size_t len);
/* exportfs -o argument for the same export. */
int mmt_nfs_export_opts(unsigned fsid, char *buf, size_t len);
/*
 * rpc.nfsd argv (NULL-terminated, into argv[max]) with the strings in buf:
 *   rpc.nfsd -H 127.0.0.1 -G GRACE -L LEASE [-N 4 | -N 3] THREADS
 * vers "3" disables v4, "4.x" disables v3 and v2.
 */
int mmt_nfs_nfsd_argv(const char *host, unsigned grace_s, unsigned lease_s,
		      const char *vers, unsigned threads, char *buf, size_t len,
		      const char **argv, unsigned max);
/* mount(2) data for an NFS mount of server address addr ("vers=3,addr=..."). */
int mmt_nfs_mount_data(const char *vers, const char *addr, const char *extra,
		       char *buf, size_t len);

#endif

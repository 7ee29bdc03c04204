/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_KFEAT_H
#define MMT_KFEAT_H

/*
 * Kernel capability probes that ask the kernel itself.
 *
 * A device node, or any file a user or a library can create, proves
 * nothing: `dmsetup ls` makes /dev/mapper/control (char 10:236) on a kernel
 * without device-mapper, and kmod's static nodes make /dev/loop-control
 * before loop is loaded.  Each probe here reads a registry the kernel keeps
 * and that vanishes with its driver: /proc/misc, /proc/filesystems, a
 * sysfs class, or a read that the driver answers.  The device-mapper probe,
 * which also needs the driver's own answer (DM_VERSION), lives with the
 * rest of libdevmapper in the dm services.
 */

#include <stdbool.h>
#include <stddef.h>

/*
 * Does /proc/misc list NAME (e.g. "device-mapper", "loop-control")?
 * Format per drivers/char/misc.c misc_seq_show(): "%3i %s\n", minor, name.
 * False when /proc/misc cannot be read.
 */
bool mmt_kfeat_misc(const char *name);

/*
 * Pure: does TEXT, in /proc/misc's format, list NAME?  Lines that do not
 * parse are skipped.
 */
bool mmt_kfeat_misc_parse(const char *text, const char *name);

/*
 * Does /proc/filesystems list FSTYPE (e.g. "nfs", "nfsd", "ext4")?
 * Format per fs/filesystems.c filesystems_proc_show():
 * "%s\t%s\n", FS_REQUIRES_DEV ? "" : "nodev", name.
 */
bool mmt_kfeat_fs(const char *fstype);

/* Pure: the same over TEXT in /proc/filesystems' format. */
bool mmt_kfeat_fs_parse(const char *text, const char *fstype);

/* Loop devices: /proc/misc lists loop-control (drivers/block/loop.c). */
bool mmt_kfeat_loop(void);

/*
 * zram: the class "zram-control" exists (drivers/block/zram/zram_drv.c
 * registers it at module init and removes it at exit, so sysfs cannot hold
 * a stale one).
 */
bool mmt_kfeat_zram(void);

/*
 * PSI: /proc/pressure/memory reads and parses.  A kernel with CONFIG_PSI
 * booted with psi=0 has no /proc/pressure (kernel/sched/psi.c psi_proc_init).
 */
bool mmt_kfeat_psi(void);

/*
 * Is PATH a character device node with this major:minor?  Used to say
 * "stale node" where a node exists although its driver does not.
 */
bool mmt_kfeat_chrdev_node(const char *path, unsigned major, unsigned minor);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_SYSFX_IDENT_H
#define MMT_SYSFX_IDENT_H
/*
 * What proves that a device named in a journal record is still the one the
 * harness made.  Device numbers are reused: after a reboot /dev/loop0,
 * /dev/zram1 or /dev/dm-2 belong to whoever made them in this boot, and a
 * replay that went by the number alone would swap off, reset or detach
 * another's device.  So each device record carries the boot id of its
 * creation and a proof read from the kernel at creation time:
 *
 *   /dev/loopN        its backing file, the whole path, which must carry
 *                     the "mmtorture-" prefix (sysfs loop/backing_file)
 *   /dev/zramN        its disksize in bytes (sysfs disksize); within the
 *                     boot, only our undo removes the devices we add
 *   /dev/dm-N,
 *   /dev/mapper/NAME  its dm name, which must carry the "mmtorture-"
 *                     prefix (sysfs dm/name)
 *
 * The rule (lib/journal.h repeats it): a device of an earlier boot is never
 * touched, and a device whose proof differs now is left alone; both are
 * said in the replay's summary.
 */
#include <stdbool.h>
#include <stddef.h>

/* Length of a boot id with its NUL ("xxxxxxxx-xxxx-...": 36 characters). */
#define MMT_BOOT_ID_MAX 40

/*
 * This boot's id, /proc/sys/kernel/random/boot_id (drivers/char/random.c
 * proc_do_uuid(): a random UUID made once per boot), stripped.  0 or
 * -errno (buf then holds "unknown").
 */
int mmt_ident_boot_id(char *buf, size_t len);

/* Is BOOT (a recorded boot id) this boot's?  False for NULL, "" or an
 * unreadable boot id. */
bool mmt_ident_this_boot(const char *boot);

/*
 * Read the proof of device DEV now (see above); for a device we do not
 * know how to prove ("/dev/sda"), -EPERM.  -ENOENT when the device does
 * not exist or a loop device is unbound.  0 or -errno.
 */
int mmt_ident_read(const char *dev, char *buf, size_t len);

/*
 * Is DEV, recorded in boot BOOT with proof PROOF, ours now?  1: yes.  0:
 * not ours or gone; why says which ("gone" when it no longer exists).
 * The proof of a loop or dm device must also carry our prefix.  Pure but
 * for the reads of sysfs and the boot id.
 */
int mmt_ident_check(const char *dev, const char *boot, const char *proof,
		    char *why, size_t why_len);

/* Strip the " (deleted)" that sysfs appends to a backing file that was
 * unlinked.  Pure. */
void mmt_ident_strip_deleted(char *path);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_SYSFX_DM_H
#define MMT_SYSFX_DM_H

/*
 * Device mapper through libdevmapper; owns the undo of the journal kind
 * "dm NAME BOOT".  libdevmapper is not thread-safe (process-wide state; two
 * threads creating devices at once crashed in it, seen in the lab VM):
 * every function here, the undo included, takes one lock inside.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mmt_journal;

/*
 * Table lines as `dmsetup table` prints them.  Pure (unit-tested).
 * delay:  "0 SECTORS delay DEV 0 READ_MS DEV 0 WRITE_MS"
 * flakey: "0 SECTORS flakey DEV 0 UP_S DOWN_S [1 drop_writes|error_writes]"
 */
enum mmt_flakey_mode {
	MMT_FLAKEY_ERROR_WRITES,
	MMT_FLAKEY_DROP_WRITES,
	MMT_FLAKEY_ERROR_ALL,    /* no feature: every I/O fails while down */
};
extern const char *const mmt_flakey_mode_names[];   /* NULL-terminated */

int mmt_dm_delay_table(const char *dev, uint64_t sectors, unsigned read_ms,
		       unsigned write_ms, char *buf, size_t len);
int mmt_dm_flakey_table(const char *dev, uint64_t sectors, unsigned up_s,
			unsigned down_s, enum mmt_flakey_mode mode, char *buf,
			size_t len);
/*
 * crypt:  "0 SECTORS crypt aes-xts-plain64 KEYHEX 0 DEV 0" (the arguments
 * of drivers/md/dm-crypt.c crypt_ctr(): cipher, key, iv_offset, device,
 * offset).  key_hex: 128 hex digits (aes-xts with two 256-bit keys).  Pure.
 */
#define MMT_DM_CRYPT_KEY_HEX 128
int mmt_dm_crypt_table(const char *dev, uint64_t sectors, const char *key_hex, char *buf,
		       size_t len);
/* A random key for it: 64 bytes from getrandom() as 128 lowercase hex
 * digits into ret_hex (at least MMT_DM_CRYPT_KEY_HEX + 1 bytes).  0 or -errno. */
int mmt_dm_crypt_key(char *ret_hex, size_t len);
/*
 * Can this kernel run dm target (e.g. "delay")?  0 yes; 1 (CONF) with why
 * saying what is missing, after trying modprobe dm-mod / dm-<target>.
 */
int mmt_dm_probe(const char *target, char *why, size_t why_len);

/*
 * device-mapper as the kernel answers, for `mmtorture check`; loads
 * nothing.  driver: /proc/misc lists device-mapper and DM_VERSION
 * answered (version holds it, e.g. "4.48.0"); stale_node: no driver, yet
 * /dev/mapper/control is a 10:236 node; targets: the driver's target list
 * (DM_LIST_VERSIONS), "name vX.Y.Z" separated by ", ", empty without one.
 */
struct mmt_dm_status {
	bool driver, stale_node;
	char version[64];
	char targets[1024];
};
void mmt_dm_get_status(struct mmt_dm_status *ret);
/* Is dm TARGET ("delay") in the driver's target list?  Loads nothing;
 * *ret_version (may be NULL) gets "1.4.0". */
bool mmt_dm_has_target(const char *target, char *ret_version, size_t len);
/* Create, load (one table line) and resume NAME; journalled as "dm NAME BOOT"
 * first.  ret_dev is /dev/mapper/NAME. */
int mmt_dm_create(struct mmt_journal *jr, const char *name,
		  const char *table, char *ret_dev, size_t len, int *ret_seq);
/*
 * Journal undo of "dm NAME BOOT": remove NAME if it exists (no driver, or
 * no such device, is done; a driver that does not answer is -EIO; a name
 * without "mmtorture" -EPERM), but -EBUSY (the record
 * stays) when the lock is not free within 10 s; a record of an earlier
 * boot or without BOOT is left alone (MMT_JOURNAL_LEFT_ALONE). */
int mmt_dm_undo(int argc, char **argv);

/*
 * Freeze NAME: DM_DEVICE_SUSPEND without flushing its queued I/O and
 * without freezing the file system on it (`dmsetup suspend --noflush
 * --nolockfs`): every new bio waits in device-mapper until the resume, so
 * writers and writeback wait in the writeback path.  Journalled first as
 * "dmresume NAME", whose undo and quiesce resume it: a replay resumes a
 * frozen device before anything else is undone.  May block (in-flight I/O);
 * call it from an injector's thread.  0 or -errno.
 */
int mmt_dm_suspend(struct mmt_journal *jr, const char *name, int *ret_seq);
/* Journal undo and quiesce of "dmresume NAME": DM_DEVICE_RESUME (a device
 * that is gone or not suspended is done), -EBUSY (the record stays) when
 * the lock is not free within 10 s. */
int mmt_dm_undo_resume(int argc, char **argv);

/* The dm-delay / dm-flakey / dm-crypt knobs the swap and writeback
 * injectors share. */
struct mmt_dm_params {
	bool flakey;                  /* dm-flakey, else dm-delay */
	bool crypt;                   /* dm-crypt with a random key (flakey false) */
	uint64_t bytes;               /* size of the lower device */
	unsigned read_delay_ms, write_delay_ms;
	uint64_t up_us, down_us;
	enum mmt_flakey_mode flakey_mode;
};
/* Build the table for p over lower and create NAME (mmt_dm_create). */
int mmt_dm_stack(struct mmt_journal *jr, const char *name, const char *lower,
		 const struct mmt_dm_params *p, char *ret_dev, size_t len, int *ret_seq);

/*
 * Call first thing in a forked child that closed its inherited fds before
 * it uses device-mapper (the run's bounded teardown): drops libdevmapper's
 * cached control fd and the process-wide lock.
 */
void mmt_dm_after_fork(void);

#endif

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sysctls and sysfs knobs: set (the old value journalled first) and the
 * undo (write it back).  See sysctl.h.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/journal.h"
#include "lib/ledger.h"
#include "lib/log.h"
#include "lib/sysfx/sysctl.h"
#include "lib/util.h"

int mmt_sysctl_choice(const char *text, char *buf, size_t len)
{
	const char *a = strchr(text, '['), *b = a ? strchr(a, ']') : NULL;
	size_t n;

	if (b) {
		text = a + 1;
		n = (size_t)(b - a - 1);
	} else {
		text += strspn(text, " \t\n");
		n = strlen(text);
		while (n && isspace((unsigned char)text[n - 1]))
			n--;
	}
	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(buf, text, n);
	buf[n] = '\0';
	return 0;
}

int mmt_sysctl_set(struct mmt_journal *jr, const char *path,
		   const char *value, int *ret_seq)
{
	const char *owner = mmt_journal_owner(jr);
	char text[512], old[256];
	ssize_t n;
	int seq, r;

	n = mmt_read_file(path, text, sizeof(text));
	if (n < 0)
		return log_err_errno((int)n, "read %s", path);
	r = mmt_sysctl_choice(text, old, sizeof(old));
	if (r < 0)
		return log_err_errno(r, "parse %s", path);
	/* The record first, then the hold: a kill between them leaves a
	 * record whose release finds no hold of ours, which is harmless; the
	 * other order would leave a hold that nothing releases. */
	if (owner)
		seq = mmt_journal_addv(jr, "sysctl", path, old, owner, NULL);
	else
		seq = mmt_journal_addv(jr, "sysctl", path, old, NULL);
	if (seq < 0)
		return log_err_errno(seq, "journal sysctl %s", path);
	*ret_seq = seq;
	if (owner) {
		r = mmt_ledger_acquire(path, owner, old);
		if (r < 0)
			return log_err_errno(r, "ledger %s: hold %s", mmt_ledger_dir(), path);
	}
	r = mmt_write_file(path, value);
	if (r < 0)
		return log_err_errno(r, "write %s = %s", path, value);
	return 0;
}

void mmt_sysctl_dirty_undo(const char *ratio_name, uint64_t ratio_old,
			   const char *bytes_name, uint64_t bytes_old,
			   const char **ret_name, uint64_t *ret_value)
{
	if (bytes_old) {
		*ret_name = bytes_name;
		*ret_value = bytes_old;
	} else {
		*ret_name = ratio_name;
		*ret_value = ratio_old;
	}
}

static int knob_allowed(const char *path)
{
	/* /proc/fs/nfsd/threads: the loopback NFS server's thread count */
	if (!mmt_startswith(path, "/proc/sys/") && !mmt_startswith(path, "/sys/") &&
	    strcmp(path, "/proc/fs/nfsd/threads"))
		return log_err_errno(-EPERM, "journal: sysctl: refusing %s", path);
	if (strstr(path, "/../"))
		return -EPERM;
	return 0;
}

/*
 * OWNER lets go of KEY.  When it was the last holder, write the pristine
 * value back with put(file_or_value) and forget the entry.  A ledger with no
 * entry for KEY (nothing of ours changed it in this boot) writes nothing.
 */
static int ledger_restore(const char *key, const char *owner,
			  int (*put)(const char *key, const char *pristine))
{
	char pristine[512];
	int r = mmt_ledger_release(key, owner, pristine, sizeof(pristine));

	if (r < 0)
		return log_err_errno(r, "ledger %s: release %s", mmt_ledger_dir(), key);
	if (r == 0) {
		log_debug("ledger: %s: held by another run, or not changed in this boot", key);
		return 0;
	}
	r = put(key, pristine);
	if (r < 0)
		return r;
	return mmt_ledger_forget(key);
}

static int put_plain(const char *key, const char *pristine)
{
	int r = mmt_write_file(key, pristine);

	return r == -ENOENT ? 0 : r;
}

int mmt_sysctl_undo(int argc, char **argv)
{
	int r = knob_allowed(argv[0]);

	if (r < 0)
		return r;
	if (argc >= 3)
		return ledger_restore(argv[0], argv[2], put_plain);
	r = mmt_write_file(argv[0], argv[1]);
	return r == -ENOENT ? 0 : r;
}

/* The pristine value of a dirty pair is "FILE VALUE": which of the two to
 * write (lib/ledger.h stores it as one value). */
static int put_dirty(const char *key, const char *pristine)
{
	char file[256];
	const char *sp = strchr(pristine, ' ');
	int r;

	(void)key;
	if (!sp || (size_t)(sp - pristine) >= sizeof(file))
		return -EINVAL;
	memcpy(file, pristine, (size_t)(sp - pristine));
	file[sp - pristine] = '\0';
	r = knob_allowed(file);
	if (r < 0)
		return r;
	r = mmt_write_file(file, sp + 1);
	return r == -ENOENT ? 0 : r;
}

int mmt_sysctl_set_dirty(struct mmt_journal *jr, const char *ratio_path,
			 const char *bytes_path, bool set_bytes, uint64_t value,
			 int *ret_seq)
{
	const char *owner = mmt_journal_owner(jr), *name;
	uint64_t rv = 0, bv = 0, undo_v;
	char old[32], val[32], pristine[320];
	int r, seq;

	if (!owner)
		return -EINVAL;
	r = mmt_read_u64(ratio_path, &rv);
	if (r == 0)
		r = mmt_read_u64(bytes_path, &bv);
	if (r < 0)
		return log_err_errno(r, "read %s/%s", ratio_path, bytes_path);
	mmt_sysctl_dirty_undo(ratio_path, rv, bytes_path, bv, &name, &undo_v);
	snprintf(old, sizeof(old), "%" PRIu64, undo_v);
	seq = mmt_journal_addv(jr, "dirty", ratio_path, bytes_path, name, old, owner, NULL);
	if (seq < 0)
		return log_err_errno(seq, "journal sysctl %s", name);
	*ret_seq = seq;
	snprintf(pristine, sizeof(pristine), "%s %s", name, old);
	r = mmt_ledger_acquire(bytes_path, owner, pristine);
	if (r < 0)
		return log_err_errno(r, "ledger %s: hold %s", mmt_ledger_dir(), bytes_path);
	snprintf(val, sizeof(val), "%" PRIu64, value);
	r = mmt_write_file(set_bytes ? bytes_path : ratio_path, val);
	if (r < 0)
		return log_err_errno(r, "write %s = %s", set_bytes ? bytes_path : ratio_path, val);
	return 0;
}

int mmt_sysctl_undo_dirty(int argc, char **argv)
{
	int r;

	(void)argc;
	r = knob_allowed(argv[0]);
	if (r == 0)
		r = knob_allowed(argv[1]);
	if (r < 0)
		return r;
	return ledger_restore(argv[1], argv[4], put_dirty);
}

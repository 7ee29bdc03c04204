// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sysctls and sysfs knobs: set (the old value journalled first) and the
 * undo (write it back).  See sysctl.h.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "lib/journal.h"
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
	char text[512], old[256];
	ssize_t n;
	int seq, r;

	n = mmt_read_file(path, text, sizeof(text));
	if (n < 0)
		return log_err_errno((int)n, "read %s", path);
	r = mmt_sysctl_choice(text, old, sizeof(old));
	if (r < 0)
		return log_err_errno(r, "parse %s", path);
	seq = mmt_journal_addv(jr, "sysctl", path, old, NULL);
	if (seq < 0)
		return log_err_errno(seq, "journal sysctl %s", path);
	*ret_seq = seq;
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

int mmt_sysctl_undo(int argc, char **argv)
{
	int r;

	(void)argc;
	/* /proc/fs/nfsd/threads: the loopback NFS server's thread count */
	if (!mmt_startswith(argv[0], "/proc/sys/") && !mmt_startswith(argv[0], "/sys/") &&
	    strcmp(argv[0], "/proc/fs/nfsd/threads"))
		return log_err_errno(-EPERM, "journal: sysctl: refusing %s", argv[0]);
	if (strstr(argv[0], "/../"))
		return -EPERM;
	r = mmt_write_file(argv[0], argv[1]);
	return r == -ENOENT ? 0 : r;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Capability probes that ask the kernel (see kfeat.h for why a node or a
 * file is not enough).
 */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "lib/kfeat.h"
#include "lib/monitor.h"
#include "lib/util.h"

/* Both registries are small text files: one line per entry. */
static bool read_has(const char *path, const char *name,
		     bool (*parse)(const char *, const char *))
{
	char *text = NULL;
	bool yes;

	if (mmt_read_file_alloc(path, &text) < 0)
		return false;
	yes = parse(text, name);
	free(text);
	return yes;
}

/* [p, end) is exactly name. */
static bool span_is(const char *p, const char *end, const char *name)
{
	size_t n = strlen(name);

	return (size_t)(end - p) == n && !memcmp(p, name, n);
}

bool mmt_kfeat_misc_parse(const char *text, const char *name)
{
	for (const char *l = text; l && *l; ) {
		const char *nl = strchr(l, '\n'), *end = nl ? nl : l + strlen(l);
		const char *p = l + strspn(l, " ");

		/* "%3i %s": a minor number, then the name. */
		if (p < end && *p >= '0' && *p <= '9') {
			p += strspn(p, "0123456789");
			if (*p == ' ' && span_is(p + strspn(p, " "), end, name))
				return true;
		}
		l = nl ? nl + 1 : NULL;
	}
	return false;
}

bool mmt_kfeat_misc(const char *name)
{
	return read_has("/proc/misc", name, mmt_kfeat_misc_parse);
}

bool mmt_kfeat_fs_parse(const char *text, const char *fstype)
{
	for (const char *l = text; l && *l; ) {
		const char *nl = strchr(l, '\n'), *end = nl ? nl : l + strlen(l);
		const char *tab = memchr(l, '\t', (size_t)(end - l));

		/* "[nodev]\tNAME": the name is everything after the tab. */
		if (tab && span_is(tab + 1, end, fstype))
			return true;
		l = nl ? nl + 1 : NULL;
	}
	return false;
}

bool mmt_kfeat_fs(const char *fstype)
{
	return read_has("/proc/filesystems", fstype, mmt_kfeat_fs_parse);
}

bool mmt_kfeat_loop(void)
{
	return mmt_kfeat_misc("loop-control");
}

bool mmt_kfeat_zram(void)
{
	struct stat st;

	return stat("/sys/class/zram-control/hot_add", &st) == 0;
}

bool mmt_kfeat_psi(void)
{
	struct mmt_psi psi;

	return mmt_mon_psi("/proc/pressure/memory", &psi) == 0;
}

bool mmt_kfeat_chrdev_node(const char *path, unsigned major, unsigned minor)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISCHR(st.st_mode) &&
	       major(st.st_rdev) == major && minor(st.st_rdev) == minor;
}

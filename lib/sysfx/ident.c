// SPDX-License-Identifier: GPL-2.0-only
/* What proves a journalled device is ours: boot id and sysfs.  See ident.h. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>

#include "lib/log.h"
#include "lib/sysfx/ident.h"
#include "lib/util.h"

int mmt_ident_boot_id(char *buf, size_t len)
{
	ssize_t n = mmt_read_file("/proc/sys/kernel/random/boot_id", buf, len);

	if (n < 0) {
		snprintf(buf, len, "unknown");
		return (int)n;
	}
	mmt_strstrip(buf);
	return 0;
}

bool mmt_ident_this_boot(const char *boot)
{
	char now[MMT_BOOT_ID_MAX];

	if (!boot || !*boot || mmt_ident_boot_id(now, sizeof(now)) < 0)
		return false;
	return strcmp(boot, now) == 0;
}

void mmt_ident_strip_deleted(char *path)
{
	size_t n = strlen(path);

	if (n > 10 && strcmp(path + n - 10, " (deleted)") == 0)
		path[n - 10] = '\0';
}

/* "/dev/loop3" -> "loop3", checking the rest is a number; else NULL. */
static const char *dev_block(const char *dev, const char *type)
{
	const char *p;
	size_t n = strlen("/dev/") + strlen(type);

	if (strncmp(dev, "/dev/", 5) || strncmp(dev + 5, type, strlen(type)))
		return NULL;
	p = dev + n;
	if (!*p || strspn(p, "0123456789") != strlen(p))
		return NULL;
	return dev + 5;
}

static int read_sys(const char *block, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/block/%s/%s", block, attr);
	n = mmt_read_file(path, buf, len);
	if (n < 0)
		return (int)n;
	mmt_strstrip(buf);
	return 0;
}

int mmt_ident_read(const char *dev, char *buf, size_t len)
{
	const char *b;
	int r;

	if ((b = dev_block(dev, "loop"))) {
		/* sysfs, not LOOP_GET_STATUS64: lo_file_name holds 63 bytes. */
		r = read_sys(b, "loop/backing_file", buf, len);
		if (r == 0)
			mmt_ident_strip_deleted(buf);
		return r;
	}
	if ((b = dev_block(dev, "zram")))
		return read_sys(b, "disksize", buf, len);
	if ((b = dev_block(dev, "dm-")))
		return read_sys(b, "dm/name", buf, len);
	if (mmt_startswith(dev, "/dev/mapper/")) {
		/*
		 * By the device number, not the name: with udev it is a link to
		 * /dev/dm-N, without (the lab VM; DM_DISABLE_UDEV)
		 * libdevmapper makes a block node of its own.
		 */
		char path[64];
		struct stat st;
		ssize_t n;

		if (stat(dev, &st) < 0)
			return -errno;
		if (!S_ISBLK(st.st_mode))
			return -EPERM;
		snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/dm/name", major(st.st_rdev),
			 minor(st.st_rdev));
		n = mmt_read_file(path, buf, len);
		if (n < 0)
			return n == -ENOENT ? -EPERM : (int)n;   /* not a dm device */
		mmt_strstrip(buf);
		return 0;
	}
	return -EPERM;
}

int mmt_ident_check(const char *dev, const char *boot, const char *proof,
		    char *why, size_t why_len)
{
	char now[PATH_MAX], this_boot[MMT_BOOT_ID_MAX];
	bool prefixed = dev_block(dev, "loop") || dev_block(dev, "dm-") ||
			mmt_startswith(dev, "/dev/mapper/");
	int r;

	if (!boot || !*boot) {
		snprintf(why, why_len, "recorded without a boot id");
		return 0;
	}
	mmt_ident_boot_id(this_boot, sizeof(this_boot));
	if (strcmp(boot, this_boot)) {
		snprintf(why, why_len, "made in boot %s, this is boot %s", boot, this_boot);
		return 0;
	}
	if (!proof || (prefixed && !strstr(proof, MMT_PREFIX "-"))) {
		snprintf(why, why_len, "its record proves no ownership (%s)",
			 proof ? proof : "no proof");
		return 0;
	}
	r = mmt_ident_read(dev, now, sizeof(now));
	if (r == -ENOENT || r == -ENXIO || r == -ENODEV) {
		snprintf(why, why_len, "gone");
		return 0;
	}
	if (r < 0) {
		snprintf(why, why_len, "cannot read what it is: %s", strerror(-r));
		return 0;
	}
	if (strcmp(now, proof)) {
		snprintf(why, why_len, "it is now \"%s\", not \"%s\"", now, proof);
		return 0;
	}
	return 1;
}

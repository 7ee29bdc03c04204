// SPDX-License-Identifier: GPL-2.0-only
/*
 * Swap areas: mkswap, swapon (journalled first), /proc/swaps, and the
 * undo (swapoff).  See swap.h.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/swap.h>

#include "lib/journal.h"
#include "lib/log.h"
#include "lib/sysfx/exec.h"
#include "lib/sysfx/fs.h"
#include "lib/sysfx/ident.h"
#include "lib/sysfx/swap.h"
#include "lib/util.h"

int mmt_swap_flags(int64_t prio)
{
	if (prio < 0)
		return 0;
	if (prio > (SWAP_FLAG_PRIO_MASK >> SWAP_FLAG_PRIO_SHIFT))
		prio = SWAP_FLAG_PRIO_MASK >> SWAP_FLAG_PRIO_SHIFT;
	return SWAP_FLAG_PREFER | (((int)prio << SWAP_FLAG_PRIO_SHIFT) & SWAP_FLAG_PRIO_MASK);
}

int mmt_swap_mkswap(const char *path, char *err, size_t err_len)
{
	const char *argv[] = { "mkswap", path, NULL };
	int r = mmt_exec_run(argv, err, err_len);

	if (r < 0)
		log_err("mkswap %s failed: %s", path, err ? err : "");
	return r;
}

int mmt_swap_on_raw(const char *path, int64_t prio)
{
	if (swapon(path, mmt_swap_flags(prio)) < 0)
		return -errno;
	return 0;
}

int mmt_swap_off_raw(const char *path)
{
	if (swapoff(path) < 0)
		return errno == EINVAL ? 0 : -errno;    /* EINVAL: not on */
	return 0;
}

int mmt_swap_on(struct mmt_journal *jr, const char *path, int64_t prio,
		int *ret_seq)
{
	char boot[MMT_BOOT_ID_MAX], proof[PATH_MAX], why[PATH_MAX + 128];
	int seq, r;

	if (mmt_startswith(path, "/dev/")) {
		/* A device: record what proves it is ours (ident.h). */
		r = mmt_ident_boot_id(boot, sizeof(boot));
		if (r == 0)
			r = mmt_ident_read(path, proof, sizeof(proof));
		if (r < 0)
			return log_err_errno(r, "refusing swapon %s: cannot tell whose it is", path);
		if (mmt_ident_check(path, boot, proof, why, sizeof(why)) != 1)
			return log_err_errno(-EPERM, "refusing swapon %s: %s", path, why);
		seq = mmt_journal_addv(jr, "swapon", path, boot, proof, NULL);
	} else {
		if (!strstr(path, MMT_PREFIX "-"))
			return log_err_errno(-EPERM, "refusing swapon %s: not ours", path);
		seq = mmt_journal_addv(jr, "swapon", path, NULL);
	}
	if (seq < 0)
		return log_err_errno(seq, "journal swapon %s", path);
	*ret_seq = seq;
	r = mmt_swap_on_raw(path, prio);
	if (r < 0)
		return log_err_errno(r, "swapon %s", path);
	return 0;
}

/* /proc/swaps escapes blanks in names as \040 and friends. */
static void unescape_octal(char *s)
{
	char *o = s;

	for (; *s; s++, o++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o = *s;
		}
	}
	*o = '\0';
}

int mmt_swap_parse_swaps(const char *text,
			 void (*fn)(const char *name, uint64_t size_kb,
				  uint64_t used_kb, void *arg),
			 void *arg)
{
	const char *l = text;
	int n = 0;

	while (l && *l) {
		const char *nl = strchr(l, '\n');
		char line[PATH_MAX + 128], name[PATH_MAX], type[32];
		unsigned long long size, used;
		size_t ll = nl ? (size_t)(nl - l) : strlen(l);

		if (ll >= sizeof(line))
			ll = sizeof(line) - 1;
		memcpy(line, l, ll);
		line[ll] = '\0';
		l = nl ? nl + 1 : NULL;
		if (mmt_startswith(line, "Filename"))
			continue;
		if (sscanf(line, "%4095s %31s %llu %llu", name, type, &size, &used) != 4)
			continue;
		unescape_octal(name);
		if (fn)
			fn(name, size, used, arg);
		n++;
	}
	return n;
}

struct swap_find {
	const char *name;
	bool found;
	uint64_t used_kb;
};

static void swap_find_cb(const char *name, uint64_t size_kb, uint64_t used_kb,
			 void *arg)
{
	struct swap_find *sf = arg;

	if (!strcmp(name, sf->name)) {
		sf->found = true;
		sf->used_kb = used_kb;
	}
}

int mmt_swap_used_kb(const char *path, uint64_t *ret_kb)
{
	char text[16384], real[PATH_MAX];
	struct swap_find sf = { .name = path };
	ssize_t n = mmt_read_file("/proc/swaps", text, sizeof(text));

	if (n < 0)
		return (int)n;
	if (realpath(path, real))
		sf.name = real;
	mmt_swap_parse_swaps(text, swap_find_cb, &sf);
	if (!sf.found)
		return -ENOENT;
	*ret_kb = sf.used_kb;
	return 0;
}

int mmt_swap_undo(int argc, char **argv)
{
	char why[PATH_MAX + 128];

	if (mmt_startswith(argv[0], "/dev/")) {
		/* A device carries no name of ours: its record holds the proof. */
		if (mmt_ident_check(argv[0], argc >= 3 ? argv[1] : NULL,
				    argc >= 3 ? argv[2] : NULL, why, sizeof(why)) != 1) {
			if (!strcmp(why, "gone"))
				return 0;
			log_info("journal: swapon %s: %s: left alone", argv[0], why);
			return MMT_JOURNAL_LEFT_ALONE;
		}
	} else if (!mmt_fs_ours("swapon", argv[0])) {
		return -EPERM;
	}
	if (swapoff(argv[0]) == 0 || errno == EINVAL || errno == ENOENT)
		return 0;
	return -errno;
}

// SPDX-License-Identifier: GPL-2.0-only
/* The machine-wide ledger of changed settings (see ledger.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/ledger.h"
#include "lib/log.h"
#include "lib/sysfx/ident.h"
#include "lib/util.h"

#define MAX_HOLDERS 64
#define VALUE_MAX 512

struct entry {
	char boot[64];
	char pristine[VALUE_MAX];
	char holders[MAX_HOLDERS][128];
	unsigned nr_holders;
};

const char *mmt_ledger_dir(void)
{
	const char *env = getenv("MMT_LEDGER_DIR");

	return env && *env ? env : MMT_LEDGER_DIR;
}

/* "/proc/sys/vm/dirty_bytes" -> "%2Fproc%2Fsys%2Fvm%2Fdirty_bytes" */
static int entry_name(const char *knob, char *buf, size_t len)
{
	size_t n = 0;

	if (knob[0] != '/')
		return -EINVAL;
	for (const char *p = knob; *p; p++) {
		if (n + 4 >= len)
			return -ENAMETOOLONG;
		if (*p == '/' || *p == '%')
			n += (size_t)snprintf(buf + n, len - n, "%%%02X", (unsigned char)*p);
		else
			buf[n++] = *p;
	}
	buf[n] = '\0';
	return 0;
}

/* Lock the ledger (made on first use).  Returns the lock fd or -errno. */
static int ledger_lock(int *ret_dirfd)
{
	const char *dir = mmt_ledger_dir();
	int r, dfd, lfd;

	r = mmt_mkdir_p(dir, 0700);
	if (r < 0)
		return r;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	lfd = openat(dfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lfd < 0 || flock(lfd, LOCK_EX) < 0) {
		r = -errno;
		if (lfd >= 0)
			close(lfd);
		close(dfd);
		return r;
	}
	*ret_dirfd = dfd;
	return lfd;
}

static void ledger_unlock(int lfd, int dfd)
{
	close(lfd);     /* drops the flock */
	close(dfd);
}

/* Read NAME into e.  0, -ENOENT when there is no entry, -errno. */
static int entry_read(int dfd, const char *name, struct entry *e)
{
	char line[VALUE_MAX + 32];
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	FILE *f;

	memset(e, 0, sizeof(*e));
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "boot ", 5))
			snprintf(e->boot, sizeof(e->boot), "%s", line + 5);
		else if (!strncmp(line, "pristine ", 9))
			snprintf(e->pristine, sizeof(e->pristine), "%s", line + 9);
		else if (!strncmp(line, "holder ", 7) && e->nr_holders < MAX_HOLDERS)
			snprintf(e->holders[e->nr_holders++], sizeof(e->holders[0]), "%s",
				 line + 7);
	}
	fclose(f);
	return 0;
}

/* Write e as NAME atomically (tmp file, fsync, rename). */
static int entry_write(int dfd, const char *name, const struct entry *e)
{
	char tmp[NAME_MAX + 1];
	FILE *f;
	int fd, r = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), ".%.200s.%d", name, (int)getpid()) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		r = -errno;
		close(fd);
		goto out_unlink;
	}
	fprintf(f, "boot %s\npristine %s\n", e->boot, e->pristine);
	for (unsigned i = 0; i < e->nr_holders; i++)
		fprintf(f, "holder %s\n", e->holders[i]);
	if (fflush(f) != 0 || fsync(fileno(f)) < 0)
		r = -errno;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
		r = -errno;
	if (r == 0)
		return 0;
out_unlink:
	unlinkat(dfd, tmp, 0);
	return r;
}

static int holder_index(const struct entry *e, const char *run_id)
{
	for (unsigned i = 0; i < e->nr_holders; i++)
		if (!strcmp(e->holders[i], run_id))
			return (int)i;
	return -1;
}

/* Read the entry of this boot; an entry of another boot reads as none. */
static int entry_read_current(int dfd, const char *name, struct entry *e)
{
	char boot[64];
	int r = entry_read(dfd, name, e);

	if (r < 0)
		return r;
	mmt_ident_boot_id(boot, sizeof(boot));
	if (strcmp(e->boot, boot)) {
		log_debug("ledger: %s is of boot %s, not this one: dropped", name, e->boot);
		unlinkat(dfd, name, 0);
		return -ENOENT;
	}
	return 0;
}

/* KNOB's entry name, and the ledger locked: the lock fd (and *ret_dirfd),
 * or -errno. */
static int lock_entry(const char *knob, char *name, size_t len, int *ret_dirfd)
{
	int r = entry_name(knob, name, len);

	return r < 0 ? r : ledger_lock(ret_dirfd);
}

static bool valid_value(const char *v)
{
	return strlen(v) < VALUE_MAX && !strpbrk(v, "\n\r");
}

int mmt_ledger_acquire(const char *knob, const char *run_id, const char *current)
{
	char name[NAME_MAX + 1];
	struct entry e;
	int dfd, lfd, r;

	if (!run_id || !*run_id || strlen(run_id) >= sizeof(e.holders[0]) ||
	    strpbrk(run_id, "\n\r") || !valid_value(current))
		return -EINVAL;
	lfd = lock_entry(knob, name, sizeof(name), &dfd);
	if (lfd < 0)
		return lfd;
	r = entry_read_current(dfd, name, &e);
	if (r == -ENOENT) {
		memset(&e, 0, sizeof(e));
		mmt_ident_boot_id(e.boot, sizeof(e.boot));
		snprintf(e.pristine, sizeof(e.pristine), "%s", current);
		r = 0;
	}
	if (r == 0 && holder_index(&e, run_id) < 0) {
		if (e.nr_holders == MAX_HOLDERS) {
			r = -ENOSPC;
		} else {
			snprintf(e.holders[e.nr_holders++], sizeof(e.holders[0]), "%s", run_id);
			r = entry_write(dfd, name, &e);
		}
	}
	ledger_unlock(lfd, dfd);
	return r;
}

int mmt_ledger_release(const char *knob, const char *run_id, char *ret_value, size_t len)
{
	char name[NAME_MAX + 1];
	struct entry e;
	int dfd, lfd, r, i;

	lfd = lock_entry(knob, name, sizeof(name), &dfd);
	if (lfd < 0)
		return lfd;
	r = entry_read_current(dfd, name, &e);
	if (r == -ENOENT) {
		r = 0;          /* no change of ours survives: nothing to restore */
		goto out_unlock;
	}
	if (r < 0)
		goto out_unlock;
	i = holder_index(&e, run_id);
	if (i >= 0) {
		memmove(e.holders[i], e.holders[i + 1],
			(e.nr_holders - (unsigned)i - 1) * sizeof(e.holders[0]));
		e.nr_holders--;
		r = entry_write(dfd, name, &e);
		if (r < 0)
			goto out_unlock;
	}
	if (e.nr_holders) {
		r = 0;
	} else {
		snprintf(ret_value, len, "%s", e.pristine);
		r = 1;
	}
out_unlock:
	ledger_unlock(lfd, dfd);
	return r;
}

int mmt_ledger_forget(const char *knob)
{
	char name[NAME_MAX + 1];
	struct entry e;
	int dfd, lfd, r;

	lfd = lock_entry(knob, name, sizeof(name), &dfd);
	if (lfd < 0)
		return lfd;
	r = entry_read(dfd, name, &e);
	if (r == 0 && e.nr_holders == 0 && unlinkat(dfd, name, 0) < 0)
		r = -errno;
	if (r == -ENOENT)
		r = 0;
	ledger_unlock(lfd, dfd);
	return r;
}

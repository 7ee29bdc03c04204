// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device mapper through libdevmapper: probes, create (journalled first),
 * the one remove, which is also the journal's undo, and the lock that
 * every call into the library holds.  See dm.h.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <libdevmapper.h>

#include "lib/journal.h"
#include "lib/kfeat.h"
#include "lib/log.h"
#include "lib/sysfx/dm.h"
#include "lib/sysfx/exec.h"
#include "lib/sysfx/fs.h"
#include "lib/sysfx/ident.h"
#include "lib/util.h"

const char *const mmt_flakey_mode_names[] = {
	[MMT_FLAKEY_ERROR_WRITES] = "error_writes",
	[MMT_FLAKEY_DROP_WRITES] = "drop_writes",
	[MMT_FLAKEY_ERROR_ALL] = "error_all",
	NULL,
};

static int table_ret(int n, size_t len)
{
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int mmt_dm_delay_table(const char *dev, uint64_t sectors, unsigned read_ms,
		       unsigned write_ms, char *buf, size_t len)
{
	if (!dev || !*dev || !sectors)
		return -EINVAL;
	return table_ret(snprintf(buf, len, "0 %" PRIu64 " delay %s 0 %u %s 0 %u",
				  sectors, dev, read_ms, dev, write_ms), len);
}

int mmt_dm_flakey_table(const char *dev, uint64_t sectors, unsigned up_s,
			unsigned down_s, enum mmt_flakey_mode mode, char *buf,
			size_t len)
{
	if (!dev || !*dev || !sectors || up_s == 0 ||
	    (unsigned)mode > MMT_FLAKEY_ERROR_ALL)
		return -EINVAL;
	if (mode == MMT_FLAKEY_ERROR_ALL)
		return table_ret(snprintf(buf, len, "0 %" PRIu64 " flakey %s 0 %u %u",
					  sectors, dev, up_s, down_s), len);
	return table_ret(snprintf(buf, len, "0 %" PRIu64 " flakey %s 0 %u %u 1 %s",
				  sectors, dev, up_s, down_s,
				  mmt_flakey_mode_names[mode]), len);
}

int mmt_dm_crypt_table(const char *dev, uint64_t sectors, const char *key_hex, char *buf,
		       size_t len)
{
	if (!dev || !*dev || !sectors || !key_hex || strlen(key_hex) != MMT_DM_CRYPT_KEY_HEX ||
	    strspn(key_hex, "0123456789abcdefABCDEF") != MMT_DM_CRYPT_KEY_HEX)
		return -EINVAL;
	return table_ret(snprintf(buf, len, "0 %" PRIu64 " crypt aes-xts-plain64 %s 0 %s 0",
				  sectors, key_hex, dev), len);
}

int mmt_dm_crypt_key(char *ret_hex, size_t len)
{
	unsigned char key[MMT_DM_CRYPT_KEY_HEX / 2];
	size_t got = 0;

	if (len < MMT_DM_CRYPT_KEY_HEX + 1)
		return -ENAMETOOLONG;
	while (got < sizeof(key)) {
		ssize_t n = getrandom(key + got, sizeof(key) - got, 0);

		if (n < 0 && errno != EINTR)
			return -errno;
		got += n > 0 ? (size_t)n : 0;
	}
	for (size_t i = 0; i < sizeof(key); i++)
		snprintf(ret_hex + 2 * i, 3, "%02x", key[i]);
	return 0;
}

static void dm_quiet_log(int level, const char *file, int line, int dm_errno,
			 const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_debug("libdevmapper: %s", buf);
}

/*
 * The one mutable global here, and unavoidable: libdevmapper's own state
 * is process-wide and not thread-safe.
 */
static pthread_mutex_t dm_mutex = PTHREAD_MUTEX_INITIALIZER;

static void dm_lock(void)
{
	pthread_mutex_lock(&dm_mutex);
}

static void dm_unlock(void)
{
	pthread_mutex_unlock(&dm_mutex);
}

/*
 * The journal's undo runs at the end of a run, maybe while an injector
 * thread that did not stop sits in libdevmapper with the lock held: wait
 * a bounded time, then leave the record for `mmtorture cleanup`.
 */
#define DM_UNDO_LOCK_S 10

static int dm_lock_bounded(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += DM_UNDO_LOCK_S;
	return -pthread_mutex_timedlock(&dm_mutex, &ts);
}

/* A journal undo of device name: fn(name) under the bounded lock. */
static int dm_undo_locked(const char *name, int (*fn)(const char *name))
{
	int r;

	if (!mmt_fs_ours("dm", name))
		return -EPERM;
	r = dm_lock_bounded();
	if (r < 0)
		return log_debug_errno(r == -ETIMEDOUT ? -EBUSY : r,
				       "dm %s: libdevmapper held by a stuck thread", name);
	r = fn(name);
	dm_unlock();
	return r;
}

/* libdevmapper keeps process-wide settings: set them once. */
static void dm_init_once(void)
{
	dm_log_with_errno_init(dm_quiet_log);
	dm_udev_set_sync_support(0);      /* the library makes the nodes */
}

static void dm_setup(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, dm_init_once);
}

/*
 * Is there a device-mapper driver?  Asked of the kernel, never of the node:
 * /dev/mapper/control outlives its driver (libdevmapper and `dmsetup ls`
 * make it from the fixed 10:236 on a kernel without one).  /proc/misc is
 * asked first so that libdevmapper is never called without a driver (it
 * would make that stale node itself); then DM_VERSION, which only a driver
 * answers.  ret_version (may be NULL) gets e.g. "4.48.0".
 */
static bool dm_driver(char *ret_version, size_t len)
{
	char version[64];

	if (!mmt_kfeat_misc("device-mapper"))
		return false;
	if (!dm_driver_version(version, sizeof(version)))
		return false;
	if (ret_version)
		snprintf(ret_version, len, "%s", version);
	return true;
}

/*
 * Walk the driver's target list (DM_LIST_VERSIONS; the caller knows there
 * is a driver).  With TARGET: is it listed, its version into ret.  Without:
 * the whole list as "name vX.Y.Z, ..." into ret.
 */
static bool dm_targets(const char *target, char *ret, size_t len)
{
	struct dm_task *dmt = dm_task_create(DM_DEVICE_LIST_VERSIONS);
	struct dm_versions *v, *last;
	bool found = false;
	size_t off = 0;

	if (ret && len)
		ret[0] = '\0';
	if (!dmt)
		return false;
	if (!dm_task_run(dmt))
		goto out_task;
	v = dm_task_get_versions(dmt);
	if (!v)
		goto out_task;
	do {
		char ver[48];

		last = v;
		snprintf(ver, sizeof(ver), "%u.%u.%u", v->version[0], v->version[1],
			 v->version[2]);
		if (target && !strcmp(v->name, target)) {
			found = true;
			if (ret && len)
				snprintf(ret, len, "%s", ver);
		} else if (!target && ret && off < len) {
			off += (size_t)snprintf(ret + off, len - off, "%s%s v%s",
						off ? ", " : "", v->name, ver);
			found = true;
		}
		v = (struct dm_versions *)((char *)v + v->next);
	} while (last != v && !(target && found));
out_task:
	dm_task_destroy(dmt);
	return found;
}

static bool dm_has_target(const char *target)
{
	return dm_targets(target, NULL, 0);
}

static int dm_probe(const char *target, char *why, size_t why_len)
{
	char mod[64];

	dm_setup();
	if (!dm_driver(NULL, 0)) {
		int r = mmt_exec_modprobe("dm-mod");

		if (!dm_driver(NULL, 0)) {
			snprintf(why, why_len,
				 "kernel has no device-mapper (/proc/misc has no "
				 "device-mapper%s; modprobe dm-mod %s)",
				 mmt_kfeat_chrdev_node("/dev/mapper/control", 10, 236) ?
				 ", stale /dev/mapper/control, no driver" : "",
				 r == -ENOENT ? "not found" : "failed");
			return 1;
		}
	}
	if (dm_has_target(target))
		return 0;
	snprintf(mod, sizeof(mod), "dm-%s", target);
	mmt_exec_modprobe(mod);
	if (dm_has_target(target))
		return 0;
	snprintf(why, why_len, "kernel has no dm-%s target (modprobe %s failed)",
		 target, mod);
	return 1;
}

static int dm_create(struct mmt_journal *jr, const char *name, const char *table,
		     char *ret_dev, size_t len, int *ret_seq)
{
	unsigned long long start, size;
	char type[32];
	int off = 0, seq, r = 0;
	struct dm_task *dmt;
	struct dm_info info;

	char boot[MMT_BOOT_ID_MAX];

	dm_setup();
	if (!strstr(name, MMT_PREFIX "-"))
		return log_err_errno(-EPERM, "refusing dm name %s", name);
	if (sscanf(table, "%llu %llu %31s %n", &start, &size, type, &off) != 3 || !off)
		return log_err_errno(-EINVAL, "bad dm table '%s'", table);
	r = mmt_ident_boot_id(boot, sizeof(boot));
	if (r < 0)
		return log_err_errno(r, "read the boot id");
	seq = mmt_journal_addv(jr, "dm", name, boot, NULL);
	if (seq < 0)
		return log_err_errno(seq, "journal dm %s", name);
	*ret_seq = seq;
	dmt = dm_task_create(DM_DEVICE_CREATE);
	if (!dmt)
		return log_err_errno(-ENOMEM, "dm_task_create");
	if (!dm_task_set_name(dmt, name) ||
	    !dm_task_add_target(dmt, start, size, type, table + off)) {
		r = log_err_errno(-EINVAL, "dm %s: table '%s'", name, table);
		goto out_task;
	}
	if (!dm_task_run(dmt)) {
		r = -errno ? -errno : -EIO;
		log_err_errno(r, "dm create %s '%s'", name, table);
		goto out_task;
	}
	if (!dm_task_get_info(dmt, &info) || !info.exists) {
		r = log_err_errno(-ENXIO, "dm %s vanished", name);
		goto out_task;
	}
	dm_task_update_nodes();
	snprintf(ret_dev, len, "/dev/mapper/%s", name);
	if (access(ret_dev, F_OK) < 0)
		snprintf(ret_dev, len, "/dev/dm-%u", info.minor);
out_task:
	dm_task_destroy(dmt);
	return r;
}

static int dm_remove(const char *name)
{
	struct dm_task *dmt;
	struct dm_info info;
	int r = 0;

	dm_setup();
	/* Without the dm driver no device of ours can exist; a driver that
	 * does not answer is not "done" (the record stays for cleanup). */
	if (!dm_driver(NULL, 0))
		return mmt_kfeat_misc("device-mapper") ? -EIO : 0;
	dmt = dm_task_create(DM_DEVICE_INFO);
	if (!dmt)
		return -ENOMEM;
	if (!dm_task_set_name(dmt, name) || !dm_task_run(dmt) ||
	    !dm_task_get_info(dmt, &info)) {
		dm_task_destroy(dmt);
		return -EIO;
	}
	dm_task_destroy(dmt);
	if (!info.exists)
		return 0;                       /* not there: done */
	dmt = dm_task_create(DM_DEVICE_REMOVE);
	if (!dmt)
		return -ENOMEM;
	if (!dm_task_set_name(dmt, name) || !dm_task_retry_remove(dmt)) {
		r = -EIO;
	} else if (!dm_task_run(dmt)) {
		r = -dm_task_get_errno(dmt);
		if (r == -ENXIO || r == -ENODEV)
			r = 0;
		else if (r == 0)
			r = -EIO;
	}
	dm_task_destroy(dmt);
	dm_task_update_nodes();
	return r;
}

/* DM_DEVICE_SUSPEND (noflush, nolockfs) or DM_DEVICE_RESUME of name. */
static int dm_suspend_resume(const char *name, bool suspend)
{
	struct dm_task *dmt;
	int r = 0;

	dm_setup();
	if (!dm_driver(NULL, 0))
		return suspend ? -ENODEV : 0;
	dmt = dm_task_create(suspend ? DM_DEVICE_SUSPEND : DM_DEVICE_RESUME);
	if (!dmt)
		return -ENOMEM;
	if (!dm_task_set_name(dmt, name) ||
	    (suspend && (!dm_task_no_flush(dmt) || !dm_task_skip_lockfs(dmt)))) {
		r = -EINVAL;
	} else if (!dm_task_run(dmt)) {
		r = -dm_task_get_errno(dmt);
		if (!suspend && (r == -ENXIO || r == -ENODEV))
			r = 0;               /* gone: nothing to resume */
		else if (r == 0)
			r = -EIO;
	}
	dm_task_destroy(dmt);
	if (!suspend)
		dm_task_update_nodes();
	return r;
}

int mmt_dm_suspend(struct mmt_journal *jr, const char *name, int *ret_seq)
{
	int seq, r;

	*ret_seq = 0;
	if (!mmt_fs_ours("dm", name))
		return -EPERM;
	/* The resume first: a crash while frozen must never leave it so. */
	seq = mmt_journal_addv(jr, "dmresume", name, NULL);
	if (seq < 0)
		return log_err_errno(seq, "journal dmresume %s", name);
	*ret_seq = seq;
	dm_lock();
	r = dm_suspend_resume(name, true);
	dm_unlock();
	return r < 0 ? log_err_errno(r, "dm suspend %s", name) : 0;
}

static int dm_resume(const char *name)
{
	return dm_suspend_resume(name, false);
}

int mmt_dm_undo_resume(int argc, char **argv)
{
	(void)argc;
	return dm_undo_locked(argv[0], dm_resume);
}

int mmt_dm_probe(const char *target, char *why, size_t why_len)
{
	int r;

	dm_lock();
	r = dm_probe(target, why, why_len);
	dm_unlock();
	return r;
}

void mmt_dm_get_status(struct mmt_dm_status *ret)
{
	memset(ret, 0, sizeof(*ret));
	dm_lock();
	dm_setup();
	ret->driver = dm_driver(ret->version, sizeof(ret->version));
	if (ret->driver)
		dm_targets(NULL, ret->targets, sizeof(ret->targets));
	dm_unlock();
	ret->stale_node = !ret->driver &&
			  mmt_kfeat_chrdev_node("/dev/mapper/control", 10, 236);
}

bool mmt_dm_has_target(const char *target, char *ret_version, size_t len)
{
	bool yes;

	dm_lock();
	dm_setup();
	yes = dm_driver(NULL, 0) && dm_targets(target, ret_version, len);
	dm_unlock();
	return yes;
}

int mmt_dm_create(struct mmt_journal *jr, const char *name,
		  const char *table, char *ret_dev, size_t len, int *ret_seq)
{
	int r;

	dm_lock();
	r = dm_create(jr, name, table, ret_dev, len, ret_seq);
	dm_unlock();
	return r;
}

int mmt_dm_stack(struct mmt_journal *jr, const char *name, const char *lower,
		 const struct mmt_dm_params *p, char *ret_dev, size_t len, int *ret_seq)
{
	char table[PATH_MAX + 256], key[MMT_DM_CRYPT_KEY_HEX + 1];
	int r;

	if (p->crypt) {
		r = mmt_dm_crypt_key(key, sizeof(key));
		if (r == 0)
			r = mmt_dm_crypt_table(lower, p->bytes / 512, key, table, sizeof(table));
		explicit_bzero(key, sizeof(key));
	} else if (p->flakey)
		r = mmt_dm_flakey_table(lower, p->bytes / 512,
					(unsigned)(p->up_us / MMT_USEC_PER_SEC),
					(unsigned)(p->down_us / MMT_USEC_PER_SEC), p->flakey_mode,
					table, sizeof(table));
	else
		r = mmt_dm_delay_table(lower, p->bytes / 512, p->read_delay_ms,
				       p->write_delay_ms, table, sizeof(table));
	if (r < 0)
		return r;
	return mmt_dm_create(jr, name, table, ret_dev, len, ret_seq);
}

int mmt_dm_undo(int argc, char **argv)
{
	if (!mmt_fs_ours("dm", argv[0]))
		return -EPERM;
	if (argc < 2 || !mmt_ident_this_boot(argv[1])) {
		log_info("journal: dm %s: %s: left alone", argv[0],
			 argc < 2 ? "recorded without a boot id" : "made in an earlier boot");
		return MMT_JOURNAL_LEFT_ALONE;
	}
	return dm_undo_locked(argv[0], dm_remove);
}

void mmt_dm_after_fork(void)
{
	/*
	 * In a child that closed the fds it inherited: libdevmapper's cached
	 * control fd is gone (or names another file), and a lock another
	 * thread held at the fork will never be released here.  Forget both:
	 * the next call opens its own control fd.
	 */
	pthread_mutex_init(&dm_mutex, NULL);
	dm_lib_release();
}

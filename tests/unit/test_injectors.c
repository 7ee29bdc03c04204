// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the pressure injectors (issue 4): their option tables,
 * the dm table text, the NFS server and mount configuration, the swap
 * flags and /proc/swaps parsing, the sysctl helpers, and the job-file
 * checks of each injector through the real job parser.  No root needed.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/swap.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/job.h"
#include "api/run.h"
#include "results/results.h"
#include "lib/opt.h"
#include "lib/util.h"
#include "lib/sysfx/fs.h"
#include "lib/sysfx/dm.h"
#include "lib/sysfx/swap.h"
#include "lib/sysfx/sysctl.h"
#include "injectors/nfs.h"
#include "injectors/services.h"
#include "injectors/injectors.h"
#include "workloads/workloads.h"
#include "harness/registry.h"

static const char *const ours[] = {
	"swap", "writeback", "nfs", "hog", "memcg-squeeze", "drop-caches", "compact", "thp",
};

/* ---- option tables ------------------------------------------------------ */

static void test_registry_has_all(void **state)
{
	(void)state;
	for (size_t i = 0; i < MMT_ARRAY_SIZE(ours); i++) {
		const struct mmt_injector_ops *ops = mmt_injector_find(ours[i]);

		assert_non_null(ops);
		assert_string_equal(ops->name, ours[i]);
		assert_int_equal(ops->version, MMT_INJECTOR_VERSION);
		assert_non_null(ops->summary);
		assert_non_null(ops->probe);
		assert_non_null(ops->start);
		assert_non_null(ops->poll);
		assert_non_null(ops->stop);
		assert_non_null(ops->report);
		assert_non_null(ops->validate);
	}
}

/* The start-up check passes this build and refuses each bad table. */
static void test_plugins_check(void **state)
{
	struct mmt_injector_ops bad = mmt_injector_swap;
	const struct mmt_injector_ops *list[] = { &mmt_injector_nfs, &bad };
	struct mmt_job_plugins p = { .injectors = list, .nr_injectors = 2 };
	struct mmt_workload_ops wbad = *mmt_workloads[0];
	const struct mmt_workload_ops *wlist[] = { &wbad };
	struct mmt_job_plugins wp = { .workloads = wlist, .nr_workloads = 1 };
	char err[256];

	(void)state;
	assert_int_equal(mmt_plugins_check(&mmt_registry, err, sizeof(err)), 0);
	assert_int_equal(mmt_plugins_check(&p, err, sizeof(err)), 0);
	bad.version = MMT_INJECTOR_VERSION - 1;
	assert_int_equal(mmt_plugins_check(&p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "injector swap: version"));
	bad = mmt_injector_swap;
	bad.stop = NULL;
	assert_int_equal(mmt_plugins_check(&p, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "injector swap: no stop");
	bad = mmt_injector_swap;
	list[0] = &mmt_injector_hog;            /* swap requires nfs */
	assert_int_equal(mmt_plugins_check(&p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "requires nfs"));
	list[0] = list[1] = &mmt_injector_nfs;  /* the same name twice */
	assert_int_equal(mmt_plugins_check(&p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "twice"));

	assert_int_equal(mmt_plugins_check(&wp, err, sizeof(err)), 0);
	wbad.thread_run = NULL;
	assert_int_equal(mmt_plugins_check(&wp, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no thread_run"));
}

/* The registry's names are the plugins' own, in the registry's order. */
static void test_registry_names(void **state)
{
	(void)state;
	for (unsigned i = 0; i < mmt_nr_injectors; i++)
		assert_string_equal(mmt_injector_names[i], mmt_injectors[i]->name);
	assert_null(mmt_injector_names[mmt_nr_injectors]);
}

static void test_option_tables_sane(void **state)
{
	(void)state;
	for (size_t i = 0; i < MMT_ARRAY_SIZE(ours); i++) {
		const struct mmt_injector_ops *ops = mmt_injector_find(ours[i]);
		const struct mmt_opt *o;
		unsigned nc = 0;
		void *base;

		assert_non_null(ops);
		assert_non_null(ops->opts);
		assert_true(ops->opts_size > 0);
		for (o = ops->opts; o->name; o++) {
			/* Every option explains itself and fits the struct. */
			if (!o->help || strlen(o->help) < 10)
				fail_msg("%s.%s has no help", ops->name, o->name);
			assert_true(o->off < ops->opts_size);
			if (o->type == MMT_OPT_ENUM)
				assert_non_null(o->choices);
			assert_non_null(o->def);
			for (const struct mmt_opt *p = ops->opts; p < o; p++)
				if (!strcmp(p->name, o->name))
					fail_msg("%s.%s twice", ops->name, o->name);
		}
		/* Every default parses. */
		base = calloc(1, ops->opts_size);
		assert_non_null(base);
		if (mmt_opt_defaults(ops->opts, base) != 0)
			fail_msg("%s: a default does not parse", ops->name);
		mmt_opt_free(ops->opts, base);
		free(base);
		assert_non_null(ops->columns);
		while (ops->columns[nc])
			nc++;
		assert_true(nc >= 1 && nc <= MMT_INJ_MAX_COLUMNS);
	}
}

static void test_option_values_checked(void **state)
{
	const struct mmt_injector_ops *ops = mmt_injector_find("swap");
	char why[256];
	void *base;

	(void)state;
	base = calloc(1, ops->opts_size);
	assert_non_null(base);
	assert_int_equal(mmt_opt_defaults(ops->opts, base), 0);
	assert_int_equal(mmt_opt_set(mmt_opt_find(ops->opts, "backing"), base, "zram",
				     why, sizeof(why)), 0);
	assert_true(mmt_opt_set(mmt_opt_find(ops->opts, "backing"), base, "floppy",
				why, sizeof(why)) < 0);
	assert_true(mmt_opt_set(mmt_opt_find(ops->opts, "priority"), base, "40000",
				why, sizeof(why)) < 0);
	assert_int_equal(mmt_opt_set(mmt_opt_find(ops->opts, "churn"), base, "5s",
				     why, sizeof(why)), 0);
	mmt_opt_free(ops->opts, base);
	free(base);
}

/* ---- dm tables ------------------------------------------------------------ */

static void test_dm_delay_table(void **state)
{
	char buf[256];

	(void)state;
	assert_int_equal(mmt_dm_delay_table("/dev/loop3", 2097152, 0, 100, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0 2097152 delay /dev/loop3 0 0 /dev/loop3 0 100");
	assert_int_equal(mmt_dm_delay_table("/dev/loop0", 8, 5, 7, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0 8 delay /dev/loop0 0 5 /dev/loop0 0 7");
	assert_int_equal(mmt_dm_delay_table("/dev/loop0", 0, 5, 7, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(mmt_dm_delay_table("", 8, 5, 7, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(mmt_dm_delay_table("/dev/loop0", 8, 5, 7, buf, 10), -ENAMETOOLONG);
}

static void test_dm_flakey_table(void **state)
{
	char buf[256];

	(void)state;
	assert_int_equal(mmt_dm_flakey_table("/dev/loop1", 409600, 10, 2,
					     MMT_FLAKEY_ERROR_WRITES, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0 409600 flakey /dev/loop1 0 10 2 1 error_writes");
	assert_int_equal(mmt_dm_flakey_table("/dev/loop1", 409600, 5, 1,
					     MMT_FLAKEY_DROP_WRITES, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0 409600 flakey /dev/loop1 0 5 1 1 drop_writes");
	assert_int_equal(mmt_dm_flakey_table("/dev/loop1", 409600, 5, 1,
					     MMT_FLAKEY_ERROR_ALL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0 409600 flakey /dev/loop1 0 5 1");
	assert_int_equal(mmt_dm_flakey_table("/dev/loop1", 409600, 0, 1,
					     MMT_FLAKEY_ERROR_ALL, buf, sizeof(buf)), -EINVAL);
	assert_string_equal(mmt_flakey_mode_names[MMT_FLAKEY_DROP_WRITES], "drop_writes");
}

/* dm-crypt: the table of crypt_ctr() with a fresh random key each time. */
static void test_dm_crypt_table(void **state)
{
	char buf[512], key[MMT_DM_CRYPT_KEY_HEX + 1], key2[MMT_DM_CRYPT_KEY_HEX + 1], want[512];

	(void)state;
	assert_int_equal(mmt_dm_crypt_key(key, sizeof(key)), 0);
	assert_int_equal(strlen(key), MMT_DM_CRYPT_KEY_HEX);
	assert_int_equal(strspn(key, "0123456789abcdef"), MMT_DM_CRYPT_KEY_HEX);
	assert_int_equal(mmt_dm_crypt_key(key2, sizeof(key2)), 0);
	assert_string_not_equal(key, key2);
	assert_int_equal(mmt_dm_crypt_key(key2, MMT_DM_CRYPT_KEY_HEX), -ENAMETOOLONG);
	assert_int_equal(mmt_dm_crypt_table("/dev/loop2", 1048576, key, buf, sizeof(buf)), 0);
	snprintf(want, sizeof(want), "0 1048576 crypt aes-xts-plain64 %s 0 /dev/loop2 0", key);
	assert_string_equal(buf, want);
	/* A short or non-hex key, no sectors, no device. */
	assert_int_equal(mmt_dm_crypt_table("/dev/loop2", 8, "abcd", buf, sizeof(buf)), -EINVAL);
	key[5] = 'z';
	assert_int_equal(mmt_dm_crypt_table("/dev/loop2", 8, key, buf, sizeof(buf)), -EINVAL);
	key[5] = '0';
	assert_int_equal(mmt_dm_crypt_table("/dev/loop2", 0, key, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(mmt_dm_crypt_table("", 8, key, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(mmt_dm_crypt_table("/dev/loop2", 8, key, buf, 64), -ENAMETOOLONG);
}

/* ---- NFS configuration -------------------------------------------------- */

static void test_nfs_exports(void **state)
{
	char buf[512];

	(void)state;
	assert_int_equal(mmt_nfs_exports_line("/r/mmtorture-1-nfs-export", "127.0.0.1", 42,
					      buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/r/mmtorture-1-nfs-export 127.0.0.1(rw,sync,"
			    "no_subtree_check,no_root_squash,insecure,fsid=42)");
	assert_int_equal(mmt_nfs_export_opts(7, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "rw,sync,no_subtree_check,no_root_squash,insecure,fsid=7");
	assert_int_equal(mmt_nfs_exports_line("relative", "127.0.0.1", 1, buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(mmt_nfs_exports_line("/with space", "127.0.0.1", 1, buf, sizeof(buf)),
			 -EINVAL);
}

static void test_nfsd_argv(void **state)
{
	char buf[256];
	const char *argv[16];
	static const char *const v3[] = { "rpc.nfsd", "-H", "127.0.0.1", "-G", "10", "-L", "15",
					  "-N", "4", "8", NULL };
	int n;

	(void)state;
	n = mmt_nfs_nfsd_argv("127.0.0.1", 10, 15, "3", 8, buf, sizeof(buf), argv, 16);
	assert_int_equal(n, 10);
	for (int i = 0; i < n; i++)
		assert_string_equal(argv[i], v3[i]);
	assert_null(argv[n]);
	n = mmt_nfs_nfsd_argv("127.0.0.1", 10, 15, "4.2", 4, buf, sizeof(buf), argv, 16);
	assert_int_equal(n, 10);
	assert_string_equal(argv[7], "-N");
	assert_string_equal(argv[8], "3");      /* v4 only: v3 off */
	assert_string_equal(argv[9], "4");
	assert_int_equal(mmt_nfs_nfsd_argv("127.0.0.1", 10, 15, "3", 8, buf, sizeof(buf),
					   argv, 5), -E2BIG);
	assert_int_equal(mmt_nfs_nfsd_argv("127.0.0.1", 10, 15, "3", 8, buf, 8, argv, 16),
			 -ENAMETOOLONG);
}

static void test_nfs_mount_data(void **state)
{
	char buf[256];

	(void)state;
	assert_int_equal(mmt_nfs_mount_data("3", "127.0.0.1", "hard", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "vers=3,addr=127.0.0.1,proto=tcp,mountproto=tcp,"
			    "mountaddr=127.0.0.1,nolock,hard");
	assert_int_equal(mmt_nfs_mount_data("4.2", "127.0.0.1", "", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "vers=4.2,addr=127.0.0.1,clientaddr=127.0.0.1");
	assert_int_equal(mmt_nfs_mount_data("4.1", "10.0.0.2", NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "vers=4.1,addr=10.0.0.2,clientaddr=0.0.0.0");
	assert_int_equal(mmt_nfs_mount_data("3", "", NULL, buf, sizeof(buf)), -EINVAL);
}

static void test_nfs_dir(void **state)
{
	char buf[256];

	(void)state;
	mmt_fs_nfs_dir("/runs/x", buf, sizeof(buf));
	assert_string_equal(buf, "/runs/x/mmtorture-nfs");
}

/* ---- swap ------------------------------------------------------------------ */

static void test_swap_flags(void **state)
{
	(void)state;
	assert_int_equal(mmt_swap_flags(MMT_SWAP_PRIO_DEFAULT), 0);
	assert_int_equal(mmt_swap_flags(0), SWAP_FLAG_PREFER);
	assert_int_equal(mmt_swap_flags(5), SWAP_FLAG_PREFER | 5);
	assert_int_equal(mmt_swap_flags(32767), SWAP_FLAG_PREFER | 0x7fff);
	/* Clamped, never spilling into other flag bits. */
	assert_int_equal(mmt_swap_flags(100000), SWAP_FLAG_PREFER | 0x7fff);
	assert_int_equal(mmt_swap_flags(100000) & SWAP_FLAG_DISCARD, 0);
}

struct seen {
	char names[4][128];
	uint64_t used[4];
	unsigned n;
};

static void seen_cb(const char *name, uint64_t size_kb, uint64_t used_kb, void *arg)
{
	struct seen *s = arg;

	if (s->n < 4) {
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s", name);
		s->used[s->n++] = used_kb;
	}
}

static void test_swaps_parse(void **state)
{
	static const char text[] =
		"Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
		"/dev/zram1                              partition\t65532\t\t1024\t\t-2\n"
		"/runs/a\\040b/mmtorture-x-swap-swap     file\t\t262140\t\t0\t\t5\n";
	struct seen s = { .n = 0 };

	(void)state;
	assert_int_equal(mmt_swap_parse_swaps(text, seen_cb, &s), 2);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.names[0], "/dev/zram1");
	assert_int_equal(s.used[0], 1024);
	assert_string_equal(s.names[1], "/runs/a b/mmtorture-x-swap-swap");
	assert_int_equal(mmt_swap_parse_swaps("Filename Type Size Used Priority\n", seen_cb, &s),
			 0);
}

/* ---- names and sysctls -------------------------------------------------- */

static void test_names(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(mmt_svc_name("20261122T010000Z-swap-storm", "swap:zram", "dm",
				      buf, sizeof(buf)), 0);
	assert_string_equal(buf, "mmtorture-20261122T010000Z-swap-storm-swap-zram-dm");
	assert_int_equal(mmt_svc_name("mmtorture-7", "writeback", NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "mmtorture-7-writeback");
	assert_int_equal(mmt_svc_name("x", "a/b c", "", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "mmtorture-x-a-b-c");
	assert_int_equal(mmt_svc_name("x", "y", "z", buf, 8), -ENAMETOOLONG);
}

static void test_sysfs_choice(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(mmt_sysctl_choice("always [madvise] never\n", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "madvise");
	assert_int_equal(mmt_sysctl_choice("  20\n", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "20");
	assert_int_equal(mmt_sysctl_choice("[never]", buf, 4), -ENAMETOOLONG);
}

static void test_dirty_undo(void **state)
{
	const char *name;
	uint64_t v;

	(void)state;
	/* The ratio is in force: restoring it also zeroes *_bytes. */
	mmt_sysctl_dirty_undo("dirty_ratio", 20, "dirty_bytes", 0, &name, &v);
	assert_string_equal(name, "dirty_ratio");
	assert_int_equal(v, 20);
	/* Bytes in force (ratio reads 0): restore bytes, never write 0 there. */
	mmt_sysctl_dirty_undo("dirty_ratio", 0, "dirty_bytes", 1 << 20, &name, &v);
	assert_string_equal(name, "dirty_bytes");
	assert_int_equal(v, 1 << 20);
}

/* ---- job-file checks through the parser ----------------------------------- */

static int parse(const char *text, char *err, size_t len)
{
	struct mmt_job *job = calloc(1, sizeof(*job));
	int r;

	assert_non_null(job);
	err[0] = '\0';
	r = mmt_job_parse_string("t", text, &mmt_registry, job, err, len);
	mmt_job_free(job);
	free(job);
	return r;
}

#define CELL "[global]\nduration = 5s\n[cell:a]\nworkload = fault\nthreads = 1\nsize = 8M\n"

static void test_job_accepts(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(parse(CELL "[swap:z]\nbacking = zram\nsize = 64M\nchurn = 2s\n"
			       "[swap:f]\nbacking = file\npriority = 3\n"
			       "[writeback]\ntarget = dm-delay\nwrite_delay_ms = 50\n"
			       "dirty_bytes = 32M\n"
			       "[hog]\nmode = mlock\nsize = 64M\nmemory_max = 32M\ncell = a\n"
			       "[memcg-squeeze]\ncell = a\nstep = 8M\n"
			       "[drop-caches]\ninterval = 1s\n[compact]\n"
			       "[thp]\nvalues = always;madvise;never\n", err, sizeof(err)), 0);
	assert_int_equal(parse(CELL "[nfs]\n[writeback]\ntarget = nfs\n"
			       "[swap]\nbacking = nfs\n", err, sizeof(err)), 0);
}

static void test_job_refuses(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(parse(CELL "[swap]\nbacking = nfs\n", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "[nfs]"));
	assert_int_equal(parse(CELL "[writeback]\ntarget = nfs\n", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "[writeback]: needs an [nfs]"));
	assert_int_equal(parse(CELL "[writeback]\ndirty_ratio = 5\ndirty_bytes = 16M\n",
			       err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "exclude"));
	assert_int_equal(parse(CELL "[writeback]\nimage_size = 128M\nfile_size = 128M\n",
			       err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "file_size"));
	assert_int_equal(parse(CELL "[memcg-squeeze]\ncell = nosuch\n", err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "nosuch"));
	assert_int_equal(parse(CELL "[memcg-squeeze]\n", err, sizeof(err)), -EINVAL);
	assert_int_equal(parse(CELL "[hog]\ncell = b\n", err, sizeof(err)), -EINVAL);
	assert_int_equal(parse(CELL "[thp]\nvalues = sometimes\n", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "sometimes"));
	assert_int_equal(parse(CELL "[swap]\nchurn = 100ms\n", err, sizeof(err)), -EINVAL);
	assert_int_equal(parse(CELL "[nfs:a]\n[nfs:b]\n", err, sizeof(err)), -EINVAL);
	assert_int_equal(parse(CELL "[nfs]\nexport = nocolon\n", err, sizeof(err)), -EINVAL);
	assert_true(parse(CELL "[hog]\nmemory_max = 1M\n", err, sizeof(err)) < 0);
}

/* ---- the one stall schema -------------------------------------------------- */

static json_object *stall_event(const char *dir, const char *source)
{
	char path[PATH_MAX], *text = NULL, *line, *save = NULL;
	json_object *found = NULL;

	snprintf(path, sizeof(path), "%s/events.jsonl", dir);
	assert_true(mmt_read_file_alloc(path, &text) > 0);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_object *o = json_tokener_parse(line), *v;

		if (o && json_object_object_get_ex(o, "type", &v) &&
		    !strcmp(json_object_get_string(v), "stall") &&
		    json_object_object_get_ex(o, "source", &v) &&
		    !strcmp(json_object_get_string(v), source) && !found)
			found = json_object_get(o);
		json_object_put(o);
	}
	free(text);
	assert_non_null(found);
	return found;
}

static int64_t key_i64(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no %s", key);
	return json_object_get_int64(v);
}

/*
 * A thread holding something frozen (mmt_ith_hold_frozen(), the writeback
 * and nfs injectors) thaws when mmt_ith_thaw() asks, not on its own with
 * no thaw time, and stops when asked after that.
 */
static atomic_int thaws;

static void count_thaw(void *arg)
{
	(void)arg;
	atomic_fetch_add(&thaws, 1);
}

static void *hold_thread(void *arg)
{
	mmt_ith_hold_frozen(arg, 0, count_thaw, NULL);
	return NULL;
}

static void test_hold_frozen_thaw(void **state)
{
	struct mmt_ith *ith = calloc(1, sizeof(*ith));

	(void)state;
	assert_non_null(ith);
	atomic_store(&thaws, 0);
	assert_int_equal(mmt_ith_start(ith, hold_thread, ith), 0);
	assert_int_equal(atomic_load(&thaws), 0);
	mmt_ith_thaw(ith);
	while (atomic_load(&thaws) == 0)
		sched_yield();
	assert_int_equal(mmt_ith_stop(ith, 3600 * MMT_USEC_PER_SEC), 0);
	assert_true(atomic_load(&thaws) >= 1);   /* thaw is idempotent */
	assert_true(atomic_load(&ith->thaw));
	free(ith);
}

/*
 * A FAIL finding syncs the record at once, unless its thread holds the sync
 * (the kernel-event path judges before it writes the event line): then one
 * sync at the release covers the line written after the finding.
 */
static void test_fail_sync_after_line(void **state)
{
	char base[] = "/tmp/mmtorture-unit-sync-XXXXXX", cmd[PATH_MAX + 16];
	struct mmt_run *run = calloc(1, sizeof(*run));
	uint64_t written, synced, before;

	(void)state;
	assert_non_null(run);
	assert_non_null(mkdtemp(base));
	pthread_mutex_init(&run->lock, NULL);
	mmt_verdict_init(&run->verdict);
	run->kmark.fd = -1;
	assert_int_equal(mmt_results_create(base, "sync", mmt_realtime_us(), run->dir,
					    sizeof(run->dir), run->id, sizeof(run->id),
					    &run->res), 0);
	/* not held: the FAIL syncs what was written before it */
	mmt_run_event(run, "note", json_object_new_object());
	mmt_run_finding(run, MMT_F_OOM_SPURIOUS, "one");
	mmt_results_sync_counts(run->res, &written, &synced);
	assert_true(written > 0);
	assert_int_equal(synced, written);
	/* held: nothing synced until the release, then the later line too */
	mmt_run_sync_hold(run);
	mmt_run_event(run, "note", json_object_new_object());
	mmt_run_finding(run, MMT_F_OOM_SPURIOUS, "two");
	mmt_results_sync_counts(run->res, &written, &before);
	assert_true(before < written);
	mmt_run_event(run, "oom_kill", json_object_new_object());
	assert_int_equal(mmt_run_sync_release(run), 0);
	mmt_results_sync_counts(run->res, &written, &synced);
	assert_int_equal(synced, written);
	/* released: no sync owed any more, and a WARN never syncs */
	mmt_run_event(run, "note", json_object_new_object());
	assert_int_equal(mmt_run_sync_release(run), 0);
	mmt_results_sync_counts(run->res, &written, &synced);
	assert_true(synced < written);
	mmt_results_close(run->res);
	assert_int_equal(run->verdict.nr_reasons, 2);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	assert_int_equal(system(cmd), 0);
	pthread_mutex_destroy(&run->lock);
	free(run);
}

/* The watchdog's and an injector's stalls carry the same keys. */
static void test_one_stall_schema(void **state)
{
	char base[] = "/tmp/mmtorture-unit-stall-XXXXXX", cmd[PATH_MAX + 16];
	struct mmt_run *run = calloc(1, sizeof(*run));
	struct mmt_injector_cfg cfg = { .name = "swap:z" };
	struct mmt_inj inj = { .cfg = &cfg, .run = run };
	json_object *w, *i, *v;

	(void)state;
	assert_non_null(run);
	assert_non_null(mkdtemp(base));
	pthread_mutex_init(&run->lock, NULL);
	mmt_verdict_init(&run->verdict);
	assert_int_equal(mmt_results_create(base, "stall", mmt_realtime_us(), run->dir,
					    sizeof(run->dir), run->id, sizeof(run->id),
					    &run->res), 0);
	mmt_svc_stall(&inj, "swap", "swapoff", 5000000, 1000000, gettid());
	assert_int_equal(mmt_run_stall(run, &(struct mmt_stall){
				 .source = "watchdog", .cell = "a", .pid = 10, .tid = 11,
				 .thread = 0, .stalled_us = 4000000, .threshold_us = 3000000,
				 .wchan = "?", .evidence = "stall-a-11-1.txt" }), 0);
	mmt_results_close(run->res);

	w = stall_event(run->dir, "watchdog");
	i = stall_event(run->dir, "swap");
	assert_int_equal(key_i64(w, "stalled_us"), 4000000);
	assert_int_equal(key_i64(w, "threshold_us"), 3000000);
	assert_int_equal(key_i64(w, "thread"), 0);
	assert_int_equal(key_i64(i, "stalled_us"), 5000000);
	assert_int_equal(key_i64(i, "threshold_us"), 1000000);
	assert_int_equal(key_i64(i, "tid"), gettid());
	assert_false(json_object_object_get_ex(w, "stalled_for_us", &v));
	assert_false(json_object_object_get_ex(i, "thread", &v));
	assert_true(json_object_object_get_ex(i, "stack", &v));
	assert_true(json_object_object_get_ex(i, "what", &v));
	assert_true(json_object_object_get_ex(w, "evidence", &v));
	assert_int_equal(run->verdict.nr_reasons, 1);      /* the injector's finding */
	json_object_put(w);
	json_object_put(i);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	assert_int_equal(system(cmd), 0);
	pthread_mutex_destroy(&run->lock);
	free(run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_has_all),
		cmocka_unit_test(test_registry_names),
		cmocka_unit_test(test_plugins_check),
		cmocka_unit_test(test_one_stall_schema),
		cmocka_unit_test(test_fail_sync_after_line),
		cmocka_unit_test(test_hold_frozen_thaw),
		cmocka_unit_test(test_option_tables_sane),
		cmocka_unit_test(test_option_values_checked),
		cmocka_unit_test(test_dm_delay_table),
		cmocka_unit_test(test_dm_flakey_table),
		cmocka_unit_test(test_dm_crypt_table),
		cmocka_unit_test(test_nfs_exports),
		cmocka_unit_test(test_nfsd_argv),
		cmocka_unit_test(test_nfs_mount_data),
		cmocka_unit_test(test_nfs_dir),
		cmocka_unit_test(test_swap_flags),
		cmocka_unit_test(test_swaps_parse),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_sysfs_choice),
		cmocka_unit_test(test_dirty_undo),
		cmocka_unit_test(test_job_accepts),
		cmocka_unit_test(test_job_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

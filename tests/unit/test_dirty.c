// SPDX-License-Identifier: GPL-2.0-only
/*
 * The dirty workload (workloads/dirty.c): its job-file checks, a writer
 * that wraps its file and syncs, and a faulter that holds its share.  The
 * threads are stopped on a condition (bytes, passes), never on a clock.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/run.h"
#include "api/shared.h"
#include "harness/registry.h"
#include "lib/opt.h"
#include "workloads/workloads.h"

struct fixture {
	struct mmt_thread_stats stats;
	_Atomic uint32_t stop;
	int pipe[2];
	struct mmt_cell_cfg cell;
	struct mmt_dirty_opts o;
	struct mmt_wctx ctx;
	char dir[64];
	_Atomic int returned;     /* the thread body returned */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || pipe2(f->pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	if (mmt_opt_defaults(mmt_workload_dirty.opts, &f->o) < 0)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/mmtorture-test-dirty.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->o.dir, sizeof(f->o.dir), "%s", f->dir);
	snprintf(f->cell.name, sizeof(f->cell.name), "d");
	snprintf(f->cell.src.file, sizeof(f->cell.src.file), "t.ini");
	f->cell.src.line = 7;
	f->cell.o.threads = 2;
	f->cell.o.memory_max = 8 << 20;
	f->cell.wl = &mmt_workload_dirty;
	f->cell.wl_opts = &f->o;
	f->ctx.cell = &f->cell;
	f->ctx.opts = &f->o;
	f->ctx.stats = &f->stats;
	f->ctx.stop = &f->stop;
	f->ctx.msg_fd = f->pipe[1];
	f->ctx.seed = 5;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close(f->pipe[0]);
	close(f->pipe[1]);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void test_validate(void **state)
{
	struct fixture *f = *state;
	char err[512];

	assert_int_equal(mmt_workload_dirty.validate(&f->cell, NULL, err, sizeof(err)), 0);
	f->o.dir[0] = '\0';
	assert_int_equal(mmt_workload_dirty.validate(&f->cell, NULL, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.ini:7: [cell:d] dir: the dirty workload needs a directory "
			    "on the device under test");
	snprintf(f->o.dir, sizeof(f->o.dir), "relative");
	assert_int_equal(mmt_workload_dirty.validate(&f->cell, NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "dir: must be an absolute path"));
	snprintf(f->o.dir, sizeof(f->o.dir), "%s", f->dir);
	f->o.chunk = 6000;
	assert_int_equal(mmt_workload_dirty.validate(&f->cell, NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "chunk: must be a multiple of 4K"));
	f->o.chunk = 1 << 20;
	f->o.writers = 3;
	assert_int_equal(mmt_workload_dirty.validate(&f->cell, NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "writers: is more than the cell's threads"));
	f->o.writers = 1;
	f->cell.o.memory_max = 0;
	assert_int_equal(mmt_workload_dirty.validate(&f->cell, NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "memory_max: "));
	/* Writers only: no share to hold, no limit needed. */
	f->o.writers = 2;
	assert_int_equal(mmt_workload_dirty.validate(&f->cell, NULL, err, sizeof(err)), 0);
}

static void *run_thread(void *arg)
{
	struct fixture *f = arg;
	intptr_t r = mmt_workload_dirty.thread_run(&f->ctx);

	atomic_store(&f->returned, 1);
	return (void *)r;
}

/* Wait for two passes, or for a thread that gave up (it fails below). */
static void wait_two_loops(struct fixture *f)
{
	while (atomic_load(&f->stats.loops) < 2 && !atomic_load(&f->returned))
		sched_yield();
}

static unsigned files_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	while (d && (e = readdir(d)))
		n += !strncmp(e->d_name, "mmtorture-dirty-", 16);
	if (d)
		closedir(d);
	return n;
}

/* A writer wraps its file twice, syncing, then stops and removes it. */
static void test_writer(void **state)
{
	struct fixture *f = *state;
	pthread_t t;
	void *ret;

	f->o.file_size = 256 << 10;
	f->o.chunk = 64 << 10;
	f->o.sync_every = 128 << 10;
	f->ctx.thread = 0;                     /* < writers: a writer */
	assert_int_equal(pthread_create(&t, NULL, run_thread, f), 0);
	wait_two_loops(f);
	assert_int_equal(files_in(f->dir), 1);
	atomic_store(&f->stop, 1);
	assert_int_equal(pthread_join(t, &ret), 0);
	assert_int_equal((intptr_t)ret, 0);
	assert_true(atomic_load(&f->stats.bytes_written) >= 2 * f->o.file_size);
	/* Two syncs per wrap at least (every 128K of a 256K file). */
	assert_true(atomic_load(&f->stats.syncs) >= 4);
	assert_int_equal(atomic_load(&f->stats.errors), 0);
	assert_true(atomic_load(&f->stats.pages) >= 2 * (256 / 4));
	assert_int_equal(files_in(f->dir), 0);
}

/* A faulter holds its share of memory_max, touched, then re-touches it. */
static void test_faulter(void **state)
{
	struct fixture *f = *state;
	pthread_t t;
	void *ret;

	f->o.anon_share = 50;                  /* 4M of 8M, one faulter */
	f->ctx.thread = 1;                     /* >= writers: a faulter */
	assert_int_equal(pthread_create(&t, NULL, run_thread, f), 0);
	wait_two_loops(f);
	atomic_store(&f->stop, 1);
	assert_int_equal(pthread_join(t, &ret), 0);
	assert_int_equal((intptr_t)ret, 0);
	/* Each page touched for the first time once: 4M of 4K pages. */
	assert_int_equal(atomic_load(&f->stats.pages), (4 << 20) / sysconf(_SC_PAGESIZE));
	assert_int_equal(atomic_load(&f->stats.bytes_written), 0);
}

/* ---- dir = @INJECTOR ------------------------------------------------------ */

static int lookup(void *run, const char *inst, const char *key, char *buf, size_t len)
{
	return mmt_run_provided(run, inst, key, buf, len);
}

/* A run with one injector instance, "writeback", of the given job. */
static struct mmt_run *run_with_writeback(struct mmt_job *job)
{
	struct mmt_run *run = calloc(1, sizeof(*run));

	assert_non_null(run);
	snprintf(job->injectors[0].name, sizeof(job->injectors[0].name), "writeback");
	job->nr_injectors = 1;
	run->job = job;
	pthread_mutex_init(&run->lock, NULL);
	run->inj[0].cfg = &job->injectors[0];
	run->inj[0].run = run;
	run->nr_inj = 1;
	return run;
}

/* The reference waits for the injector's mount, then resolves to it; an
 * injector that failed, was skipped or is not in the job refuses it. */
static void test_resolve(void **state)
{
	struct fixture *f = *state;
	struct mmt_job *job = calloc(1, sizeof(*job));
	struct mmt_run *run = run_with_writeback(job);
	char why[512] = "";

	/* A path needs nothing. */
	assert_int_equal(mmt_workload_dirty.resolve(&f->cell, lookup, run, why, sizeof(why)), 0);
	assert_string_equal(f->o.dir_resolved, "");
	snprintf(f->o.dir, sizeof(f->o.dir), "@writeback");
	assert_int_equal(mmt_workload_dirty.validate(&f->cell, NULL, why, sizeof(why)), 0);
	/* Not published yet: the spawn waits. */
	assert_int_equal(mmt_workload_dirty.resolve(&f->cell, lookup, run, why, sizeof(why)),
			 -EAGAIN);
	assert_int_equal(mmt_inj_provide(&run->inj[0], "dir", "/run/x/mnt"), 0);
	assert_int_equal(mmt_workload_dirty.resolve(&f->cell, lookup, run, why, sizeof(why)), 0);
	assert_string_equal(f->o.dir_resolved, "/run/x/mnt");
	/* Published again (a new mount): the next spawn follows. */
	assert_int_equal(mmt_inj_provide(&run->inj[0], "dir", "/run/y/mnt"), 0);
	assert_int_equal(mmt_workload_dirty.resolve(&f->cell, lookup, run, why, sizeof(why)), 0);
	assert_string_equal(f->o.dir_resolved, "/run/y/mnt");
	assert_int_equal(run->nr_provided, 1);
	/* Its set-up failed: never. */
	assert_int_equal(mmt_inj_provide(&run->inj[0], "dir", NULL), 0);
	assert_int_equal(mmt_workload_dirty.resolve(&f->cell, lookup, run, why, sizeof(why)),
			 -ENODEV);
	assert_string_equal(why, "dir = @writeback: injector writeback has no directory "
			    "(not set up)");
	assert_string_equal(f->o.dir_resolved, "");
	/* Skipped on this machine (optional): never either. */
	run->nr_provided = 0;
	run->inj[0].skipped = true;
	assert_int_equal(mmt_workload_dirty.resolve(&f->cell, lookup, run, why, sizeof(why)),
			 -ENODEV);
	/* No such injector. */
	snprintf(f->o.dir, sizeof(f->o.dir), "@nfs");
	assert_int_equal(mmt_workload_dirty.resolve(&f->cell, lookup, run, why, sizeof(why)),
			 -ENOENT);
	assert_string_equal(why, "dir = @nfs: the job has no injector nfs");
	/* A published value that is no absolute path is refused. */
	run->inj[0].skipped = false;
	snprintf(f->o.dir, sizeof(f->o.dir), "@writeback");
	assert_int_equal(mmt_inj_provide(&run->inj[0], "dir", "relative"), 0);
	assert_int_equal(mmt_workload_dirty.resolve(&f->cell, lookup, run, why, sizeof(why)),
			 -EINVAL);
	pthread_mutex_destroy(&run->lock);
	free(run);
	free(job);
}

/* A reference to an injector the job lacks is a job error with its line. */
static void test_ref_parse(void **state)
{
	struct mmt_job *job = calloc(1, sizeof(*job));
	char err[512] = "";

	(void)state;
	assert_int_equal(mmt_job_parse_string("t.ini", "[cell:a]\nworkload = dirty\n"
					      "memory_max = 64M\ndir = @writeback\n",
					      &mmt_registry, job, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.ini:4: [cell:a] dir: '@writeback' names no injector of "
			    "the job");
	mmt_job_free(job);
	assert_int_equal(mmt_job_parse_string("t.ini", "[cell:a]\nworkload = dirty\n"
					      "memory_max = 64M\ndir = @writeback\n"
					      "[writeback]\ndirtier = 0\n",
					      &mmt_registry, job, err, sizeof(err)), 0);
	assert_string_equal(((struct mmt_dirty_opts *)job->cells[0].wl_opts)->dir, "@writeback");
	mmt_job_free(job);
	free(job);
}

/* With refault every round faults its share anew: pages grow per round. */
static void test_faulter_refault(void **state)
{
	struct fixture *f = *state;
	pthread_t t;
	void *ret;

	f->o.anon_share = 50;                  /* 4M of 8M, one faulter */
	f->o.refault = true;
	f->ctx.thread = 1;
	assert_int_equal(pthread_create(&t, NULL, run_thread, f), 0);
	wait_two_loops(f);
	atomic_store(&f->stop, 1);
	assert_int_equal(pthread_join(t, &ret), 0);
	assert_int_equal((intptr_t)ret, 0);
	/* Two whole rounds at least, each of fresh pages. */
	assert_true(atomic_load(&f->stats.pages) >= 2 * (uint64_t)((4 << 20) / sysconf(_SC_PAGESIZE)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_validate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faulter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faulter_refault, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
		cmocka_unit_test(test_ref_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for lib/journal.c (and the run lock in lib/lock.c),
 * all inside a temporary directory: no root needed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/journal.h"
#include "lib/sysfx/fs.h"
#include "lib/lock.h"
#include "lib/undo.h"
#include "lib/util.h"

struct tmp {
	char dir[PATH_MAX];
	char journal[PATH_MAX + 16];
};

/* Calls made by the fake kind table, in order ("kind:arg0,arg1"). */
#define MAX_CALLS 64
static char calls[MAX_CALLS][128];
static int nr_calls;
static char fail_arg[32];   /* the fake undo fails for this argv[0] */

static void record_call(const char *kind, int argc, char **argv)
{
	char *p;
	int i;

	assert_true(nr_calls < MAX_CALLS);
	p = calls[nr_calls++];
	snprintf(p, 128, "%s:", kind);
	for (i = 0; i < argc; i++)
		snprintf(p + strlen(p), 128 - strlen(p), "%s%s", i ? "," : "", argv[i]);
}

static int fake_undo(int argc, char **argv)
{
	record_call("fake", argc, argv);
	return fail_arg[0] && strcmp(argv[0], fail_arg) == 0 ? -EIO : 0;
}

static int fake2_undo(int argc, char **argv)
{
	record_call("two", argc, argv);
	return 0;
}

static int held_quiesce(int argc, char **argv)
{
	record_call("quiesce", argc, argv);
	return 0;
}

static int held_undo(int argc, char **argv)
{
	record_call("held", argc, argv);
	return 0;
}

#define THREADS 4
#define PER_THREAD 50
static int seen[THREADS][PER_THREAD];

/* "tN-I": counts how often record I of thread N was undone. */
static int count_undo(int argc, char **argv)
{
	int n, i;

	(void)argc;
	if (sscanf(argv[0], "t%d-%d", &n, &i) != 2 || n < 0 || n >= THREADS || i < 0 ||
	    i >= PER_THREAD)
		return -EINVAL;
	seen[n][i]++;
	return 0;
}

/* An undo that finds its object is not ours. */
static int alone_undo(int argc, char **argv)
{
	record_call("alone", argc, argv);
	return MMT_JOURNAL_LEFT_ALONE;
}

static const struct mmt_journal_kind fake_kinds[] = {
	{ "fake", 1, fake_undo, NULL },
	{ "alone", 1, alone_undo, NULL },
	{ "two", 2, fake2_undo, NULL },
	{ "count", 1, count_undo, NULL },
	{ NULL, 0, NULL, NULL },
};

/* A kind with a quiesce hook, like the harness's cgroup kind. */
static int thaw_undo(int argc, char **argv)
{
	record_call("thaw", argc, argv);
	return 0;
}

static const struct mmt_journal_kind quiesce_kinds[] = {
	{ "fake", 1, fake_undo, NULL },
	{ "held", 1, held_undo, held_quiesce },
	/* Its quiesce is its undo, like the harness's dmresume. */
	{ "thaw", 1, thaw_undo, thaw_undo },
	{ NULL, 0, NULL, NULL },
};

static int setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	/* The prefix lets the built-in file/dir undo accept what is inside. */
	snprintf(t->dir, sizeof(t->dir), "/tmp/mmtorture-unit-XXXXXX");
	if (!mkdtemp(t->dir)) {
		free(t);
		return -1;
	}
	snprintf(t->journal, sizeof(t->journal), "%s/journal", t->dir);
	nr_calls = 0;
	fail_arg[0] = '\0';
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tmp *t = *state;
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	if (system(cmd) != 0)
		return -1;
	free(t);
	return 0;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void test_escape_round_trip(void **state)
{
	static const char *const samples[] = {
		"plain/path", "tab\there", "new\nline", "100%", "%09 literal",
		"ctl\x01\x7f", "caf\xc3\xa9", "", "a\t\n%\r\x1b" "b",
	};
	char esc[256], back[256];
	size_t i;

	(void)state;
	for (i = 0; i < MMT_ARRAY_SIZE(samples); i++) {
		mmt_journal_escape(samples[i], esc, sizeof(esc));
		assert_null(strchr(esc, '\t'));
		assert_null(strchr(esc, '\n'));
		snprintf(back, sizeof(back), "%s", esc);
		mmt_journal_unescape(back);
		assert_string_equal(back, samples[i]);
	}
	mmt_journal_escape("a\tb%", esc, sizeof(esc));
	assert_string_equal(esc, "a%09b%25");
	/* Too small: never cut an escape sequence in half. */
	mmt_journal_escape("ab\t", esc, 5);
	assert_string_equal(esc, "ab");
	/* Unknown escapes stay as they are. */
	snprintf(back, sizeof(back), "%s", "50%25 %zz");
	mmt_journal_unescape(back);
	assert_string_equal(back, "50% %zz");
}

static void test_add_replay_reverse(void **state)
{
	struct tmp *t = *state;
	struct mmt_journal *jr = NULL;
	const char *odd[] = { "x\ty\nz%", "second" };

	assert_int_equal(mmt_journal_open(t->journal, fake_kinds, &jr), 0);
	assert_int_equal(mmt_journal_addv(jr, "fake", "a", NULL), 1);
	assert_int_equal(mmt_journal_addv(jr, "two", "b", "c", NULL), 2);
	assert_int_equal(mmt_journal_add(jr, "two", 2, odd), 3);
	assert_int_equal(mmt_journal_addv(jr, "fake", "", NULL), 4);   /* empty arg kept */
	mmt_journal_close(jr);

	assert_int_equal(mmt_journal_replay(t->journal, fake_kinds, NULL), 0);
	assert_int_equal(nr_calls, 4);
	assert_string_equal(calls[0], "fake:");
	assert_string_equal(calls[1], "two:x\ty\nz%,second");
	assert_string_equal(calls[2], "two:b,c");
	assert_string_equal(calls[3], "fake:a");

	/* Everything is marked done now: a second replay does nothing. */
	nr_calls = 0;
	assert_int_equal(mmt_journal_replay(t->journal, fake_kinds, NULL), 0);
	assert_int_equal(nr_calls, 0);
}

static void test_failures_counted_and_retried(void **state)
{
	struct tmp *t = *state;
	struct mmt_journal *jr = NULL;

	assert_int_equal(mmt_journal_open(t->journal, fake_kinds, &jr), 0);
	assert_true(mmt_journal_addv(jr, "fake", "a", NULL) > 0);
	assert_true(mmt_journal_addv(jr, "fake", "b", NULL) > 0);
	assert_true(mmt_journal_addv(jr, "nosuchkind", "z", NULL) > 0);
	assert_true(mmt_journal_addv(jr, "two", "only-one-arg", NULL) > 0);
	assert_true(mmt_journal_addv(jr, "fake", "c", NULL) > 0);
	mmt_journal_close(jr);

	snprintf(fail_arg, sizeof(fail_arg), "b");
	/* b fails, the unknown kind and the short record fail: 3. */
	assert_int_equal(mmt_journal_replay(t->journal, fake_kinds, NULL), 3);
	assert_int_equal(nr_calls, 3);
	assert_string_equal(calls[0], "fake:c");
	assert_string_equal(calls[1], "fake:b");
	assert_string_equal(calls[2], "fake:a");

	/* The next replay retries only what failed. */
	nr_calls = 0;
	fail_arg[0] = '\0';
	assert_int_equal(mmt_journal_replay(t->journal, fake_kinds, NULL), 2);
	assert_int_equal(nr_calls, 1);
	assert_string_equal(calls[0], "fake:b");
}

/* A replay killed half way: the done markers written so far are honoured. */
static void test_interrupted_replay_resumes(void **state)
{
	struct tmp *t = *state;

	write_text(t->journal,
		   "1\tfake\ta\n"
		   "2\tfake\tb\n"
		   "3\tfake\tc\n"
		   "4\tdone\t3\n");
	assert_int_equal(mmt_journal_replay(t->journal, fake_kinds, NULL), 0);
	assert_int_equal(nr_calls, 2);
	assert_string_equal(calls[0], "fake:b");
	assert_string_equal(calls[1], "fake:a");
}

/* A crash in the middle of a write leaves a partial last line. */
static void test_truncated_last_line(void **state)
{
	struct tmp *t = *state;
	struct mmt_journal *jr = NULL;
	char text[256];

	write_text(t->journal,
		   "1\tfake\ta\n"
		   "7\tfake\tb\n"
		   "8\tfake\tparti");
	assert_int_equal(mmt_journal_replay(t->journal, fake_kinds, NULL), 0);
	assert_int_equal(nr_calls, 2);
	assert_string_equal(calls[0], "fake:b");
	assert_string_equal(calls[1], "fake:a");

	/* Reopened after the crash: the torn line is cut off, numbering goes on. */
	assert_int_equal(mmt_journal_open(t->journal, fake_kinds, &jr), 0);
	assert_true(mmt_read_file(t->journal, text, sizeof(text)) > 0);
	assert_null(strstr(text, "parti"));
	assert_true(mmt_journal_addv(jr, "fake", "new", NULL) > 9);
	mmt_journal_close(jr);
	nr_calls = 0;
	assert_int_equal(mmt_journal_replay(t->journal, fake_kinds, NULL), 0);
	assert_int_equal(nr_calls, 1);
	assert_string_equal(calls[0], "fake:new");
}

static void test_garbage_lines_skipped(void **state)
{
	struct tmp *t = *state;

	write_text(t->journal,
		   "\n"
		   "not-a-number\tfake\tx\n"
		   "0\tfake\tzero\n"
		   "5\n"
		   "6\tfake\tok\n");
	assert_int_equal(mmt_journal_replay(t->journal, fake_kinds, NULL), 0);
	assert_int_equal(nr_calls, 1);
	assert_string_equal(calls[0], "fake:ok");
}

static void test_sequence_numbers(void **state)
{
	struct tmp *t = *state;
	struct mmt_journal *jr = NULL;

	assert_int_equal(mmt_journal_open(t->journal, fake_kinds, &jr), 0);
	assert_int_equal(mmt_journal_addv(jr, "fake", "a", NULL), 1);
	assert_int_equal(mmt_journal_addv(jr, "fake", "b", NULL), 2);
	assert_int_equal(mmt_journal_add(jr, "", 0, NULL), -EINVAL);
	mmt_journal_close(jr);
	mmt_journal_close(NULL);
	assert_int_equal(mmt_journal_open(t->journal, fake_kinds, &jr), 0);
	assert_int_equal(mmt_journal_addv(jr, "fake", "c", NULL), 3);
	mmt_journal_close(jr);
	assert_int_equal(mmt_journal_open("/nonexistent-dir/journal", fake_kinds, &jr), -ENOENT);
	assert_int_equal(mmt_journal_replay("/nonexistent-dir/journal", fake_kinds, NULL), -ENOENT);
}

/* The built-in file and dir undos on real files; ENOENT is done. */
static void test_builtin_file_dir(void **state)
{
	struct tmp *t = *state;
	char sub[PATH_MAX + 8], file[PATH_MAX + 16];
	struct mmt_journal *jr = NULL;
	struct stat st;

	snprintf(sub, sizeof(sub), "%s/sub", t->dir);
	snprintf(file, sizeof(file), "%s/data", sub);
	assert_int_equal(mmt_journal_open(t->journal, fake_kinds, &jr), 0);
	assert_true(mmt_journal_addv(jr, "dir", sub, NULL) > 0);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_true(mmt_journal_addv(jr, "file", file, NULL) > 0);
	write_text(file, "x");
	/* never created: ENOENT counts as done */
	assert_true(mmt_journal_addv(jr, "file", "/tmp/mmtorture-unit-never/x", NULL) > 0);
	mmt_journal_close(jr);

	/* reverse order matters: the file must go before its directory */
	assert_int_equal(mmt_journal_replay(t->journal, mmt_undo_kinds, NULL), 0);
	assert_int_equal(stat(file, &st), -1);
	assert_int_equal(stat(sub, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_undo_now(void **state)
{
	struct tmp *t = *state;
	char file[PATH_MAX + 16];
	struct mmt_journal *jr = NULL;
	struct stat st;
	int seq;

	snprintf(file, sizeof(file), "%s/early", t->dir);
	assert_int_equal(mmt_journal_open(t->journal, mmt_undo_kinds, &jr), 0);
	seq = mmt_journal_addv(jr, "file", file, NULL);
	assert_true(seq > 0);
	assert_true(mmt_journal_addv(jr, "fake", "later", NULL) > 0);
	write_text(file, "x");
	assert_int_equal(mmt_journal_undo(jr, seq), 0);
	assert_int_equal(stat(file, &st), -1);
	assert_int_equal(mmt_journal_undo(jr, seq), 0);     /* done already */
	assert_int_equal(mmt_journal_undo(jr, 999), -ENOENT);
	mmt_journal_close(jr);

	/* The early record is done: replay must not hand it to "file" again. */
	write_text(file, "recreated by someone else");
	assert_int_equal(mmt_journal_replay(t->journal, fake_kinds, NULL), 0);
	assert_int_equal(nr_calls, 1);
	assert_string_equal(calls[0], "fake:later");
	assert_int_equal(stat(file, &st), 0);
}

/*
 * Targets without the prefix are refused and left alone.  The targets are
 * harmless even if a regression let them through (this may run as root):
 * then the count or the checks below fail, nothing else happens.
 */
static void test_builtin_refuses_foreign(void **state)
{
	struct tmp *t = *state;
	char foreign[] = "/tmp/notours-XXXXXX", fdir[] = "/tmp/notours-dir-XXXXXX";
	struct mmt_journal *jr = NULL;
	char buf[16];
	struct stat st;
	int fd;

	fd = mkstemp(foreign);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	assert_non_null(mkdtemp(fdir));
	assert_int_equal(mmt_journal_open(t->journal, fake_kinds, &jr), 0);
	assert_true(mmt_journal_addv(jr, "file", foreign, NULL) > 0);
	assert_true(mmt_journal_addv(jr, "dir", fdir, NULL) > 0);
	assert_true(mmt_journal_addv(jr, "cgroup", "/nonexistent/notours", NULL) > 0);
	assert_true(mmt_journal_addv(jr, "mount", "/nonexistent/notours", NULL) > 0);
	assert_true(mmt_journal_addv(jr, "dm", "somebodys-volume", NULL) > 0);
	assert_true(mmt_journal_addv(jr, "sysctl", foreign, "x", NULL) > 0);
	assert_true(mmt_journal_addv(jr, "file", "/tmp/mmtorture-x/../../nonexistent", NULL)
		    > 0);
	mmt_journal_close(jr);
	assert_int_equal(mmt_journal_replay(t->journal, mmt_undo_kinds, NULL), 7);
	assert_int_equal(stat(fdir, &st), 0);
	assert_int_equal(mmt_read_file(foreign, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "keep");
	unlink(foreign);
	rmdir(fdir);
}

struct adder {
	struct mmt_journal *jr;
	int id;
};

static void *add_many(void *arg)
{
	struct adder *a = arg;
	char buf[32];
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		snprintf(buf, sizeof(buf), "t%d-%d", a->id, i);
		if (mmt_journal_addv(a->jr, "count", buf, NULL) <= 0)
			return (void *)1;
	}
	return NULL;
}

/*
 * Every live record's quiesce runs, oldest first, before the first undo;
 * a record already done is neither quiesced nor undone.  No kinds: -EINVAL.
 */
static void test_quiesce_first(void **state)
{
	struct tmp *t = *state;
	struct mmt_journal *jr = NULL;
	int seq;

	assert_int_equal(mmt_journal_open(t->journal, quiesce_kinds, &jr), 0);
	assert_true(mmt_journal_addv(jr, "held", "a", NULL) > 0);
	assert_true(mmt_journal_addv(jr, "fake", "x", NULL) > 0);
	seq = mmt_journal_addv(jr, "held", "gone", NULL);
	assert_true(seq > 0);
	assert_true(mmt_journal_addv(jr, "held", "b", NULL) > 0);
	assert_int_equal(mmt_journal_undo(jr, seq), 0);
	mmt_journal_close(jr);
	nr_calls = 0;
	assert_int_equal(mmt_journal_replay(t->journal, NULL, NULL), -EINVAL);
	assert_int_equal(nr_calls, 0);
	assert_int_equal(mmt_journal_replay(t->journal, quiesce_kinds, NULL), 0);
	assert_int_equal(nr_calls, 5);
	assert_string_equal(calls[0], "quiesce:a");
	assert_string_equal(calls[1], "quiesce:b");
	assert_string_equal(calls[2], "held:b");
	assert_string_equal(calls[3], "fake:x");
	assert_string_equal(calls[4], "held:a");
}

/*
 * A quiesce that is the record's own undo (a thaw) runs before every other
 * quiesce, though its record is newer: the tasks a cgroup's quiesce waits
 * for may be waiting on the frozen device.
 */
static void test_thaw_quiesce_first(void **state)
{
	struct tmp *t = *state;
	struct mmt_journal *jr = NULL;

	assert_int_equal(mmt_journal_open(t->journal, quiesce_kinds, &jr), 0);
	assert_true(mmt_journal_addv(jr, "held", "cg", NULL) > 0);
	assert_true(mmt_journal_addv(jr, "thaw", "dev", NULL) > 0);
	mmt_journal_close(jr);
	nr_calls = 0;
	assert_int_equal(mmt_journal_replay(t->journal, quiesce_kinds, NULL), 0);
	assert_int_equal(nr_calls, 4);
	assert_string_equal(calls[0], "thaw:dev");
	assert_string_equal(calls[1], "quiesce:cg");
	assert_string_equal(calls[2], "thaw:dev");
	assert_string_equal(calls[3], "held:cg");
}

static void test_threads(void **state)
{
	struct tmp *t = *state;
	struct adder a[THREADS];
	pthread_t th[THREADS];
	void *ret;
	int i, j;

	memset(seen, 0, sizeof(seen));
	assert_int_equal(mmt_journal_open(t->journal, fake_kinds, &a[0].jr), 0);
	for (i = 0; i < THREADS; i++) {
		a[i].jr = a[0].jr;
		a[i].id = i;
		assert_int_equal(pthread_create(&th[i], NULL, add_many, &a[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(th[i], &ret), 0);
		assert_null(ret);
	}
	mmt_journal_close(a[0].jr);
	/* Every record whole and replayed exactly once. */
	assert_int_equal(mmt_journal_replay(t->journal, fake_kinds, NULL), 0);
	for (i = 0; i < THREADS; i++)
		for (j = 0; j < PER_THREAD; j++)
			assert_int_equal(seen[i][j], 1);
}

static void test_lock_contention(void **state)
{
	struct tmp *t = *state;
	char path[PATH_MAX + 16], holder[128], want[128];
	int fd1, fd2;

	snprintf(path, sizeof(path), "%s/lock", t->dir);
	fd1 = mmt_lock_take(path, "RUN-ONE", holder, sizeof(holder));
	assert_true(fd1 >= 0);
	assert_string_equal(holder, "");

	fd2 = mmt_lock_take(path, "RUN-TWO", holder, sizeof(holder));
	assert_int_equal(fd2, -EBUSY);
	/* Who (the pid the kernel names), what, and since when (UTC). */
	snprintf(want, sizeof(want), "pid %d (RUN-ONE, since 20", (int)getpid());
	assert_memory_equal(holder, want, strlen(want));
	assert_string_equal(holder + strlen(holder) - 2, "Z)");
	assert_true(fcntl(fd1, F_GETFD) & FD_CLOEXEC);

	mmt_lock_release(fd1);
	fd2 = mmt_lock_take(path, "RUN-TWO", holder, sizeof(holder));
	assert_true(fd2 >= 0);
	mmt_lock_release(fd2);
	mmt_lock_release(-1);

	assert_int_equal(setenv("MMT_LOCK", path, 1), 0);
	assert_string_equal(mmt_lock_path(), path);
	assert_int_equal(unsetenv("MMT_LOCK"), 0);
	assert_string_equal(mmt_lock_path(), MMT_LOCK_PATH);
}

/* A path under a regular file never existed: its undo is done (ENOTDIR),
 * so a swap dir= that was a file cannot make cleanup fail forever. */
static void test_undo_under_a_file(void **state)
{
	struct tmp *t = *state;
	char file[PATH_MAX + 16], under[PATH_MAX + 32];
	struct mmt_journal *jr = NULL;

	snprintf(file, sizeof(file), "%s/afile", t->dir);
	snprintf(under, sizeof(under), "%s/mmtorture-swap", file);
	write_text(file, "x");
	assert_int_equal(mmt_journal_open(t->journal, fake_kinds, &jr), 0);
	assert_true(mmt_journal_addv(jr, "dir", under, NULL) > 0);
	assert_true(mmt_journal_addv(jr, "file", under, NULL) > 0);
	mmt_journal_close(jr);
	assert_int_equal(mmt_journal_replay(t->journal, mmt_undo_kinds, NULL), 0);
	assert_int_equal(mmt_journal_pending(t->journal), 0);
	assert_int_equal(access(file, F_OK), 0);
}

/*
 * A directory of ours that a killed run's workers wrote into (the dirty
 * workload's mmtorture-dirty-* files): its undo removes our regular files
 * inside it, and nothing else.
 */
static void test_undo_dir_with_our_files(void **state)
{
	struct tmp *t = *state;
	char dir[PATH_MAX + 32], ours[PATH_MAX + 64], theirs[PATH_MAX + 64];
	char *argv[1] = { dir };

	snprintf(dir, sizeof(dir), "%s/mmtorture-x-nfs-export", t->dir);
	snprintf(ours, sizeof(ours), "%s/mmtorture-dirty-42-0", dir);
	snprintf(theirs, sizeof(theirs), "%s/someone-else", dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	write_text(ours, "x");
	write_text(theirs, "y");
	/* A foreign file keeps the directory, and survives. */
	assert_true(mmt_fs_undo_dir(1, argv) < 0);
	assert_int_equal(access(theirs, F_OK), 0);
	assert_int_equal(access(ours, F_OK), -1);
	assert_int_equal(unlink(theirs), 0);
	write_text(ours, "x");
	assert_int_equal(mmt_fs_undo_dir(1, argv), 0);
	assert_int_equal(access(dir, F_OK), -1);
}

/* A record left alone is settled and counted, not a failure. */
static void test_left_alone_settles(void **state)
{
	struct tmp *t = *state;
	struct mmt_journal_summary sum;
	struct mmt_journal *jr = NULL;

	assert_int_equal(mmt_journal_open(t->journal, fake_kinds, &jr), 0);
	assert_true(mmt_journal_addv(jr, "fake", "a", NULL) > 0);
	assert_true(mmt_journal_addv(jr, "alone", "b", NULL) > 0);
	fail_arg[0] = '\0';
	mmt_journal_close(jr);
	assert_int_equal(mmt_journal_pending(t->journal), 1);
	assert_int_equal(mmt_journal_replay(t->journal, fake_kinds, &sum), 0);
	assert_int_equal(sum.live, 2);
	assert_int_equal(sum.undone, 1);
	assert_int_equal(sum.left_alone, 1);
	assert_int_equal(sum.failed, 0);
	assert_int_equal(mmt_journal_pending(t->journal), 0);
	/* Settled: a second replay touches nothing. */
	assert_int_equal(mmt_journal_replay(t->journal, fake_kinds, &sum), 0);
	assert_int_equal(sum.live, 0);
	assert_int_equal(nr_calls, 2);
	assert_string_equal(calls[0], "alone:b");
	assert_string_equal(calls[1], "fake:a");
}

/* A dropped record is settled without its undo; the owner is kept. */
static void test_drop_and_owner(void **state)
{
	struct tmp *t = *state;
	struct mmt_journal *jr = NULL;
	char longer[200];
	int seq;

	assert_int_equal(mmt_journal_open(t->journal, fake_kinds, &jr), 0);
	assert_null(mmt_journal_owner(jr));
	assert_int_equal(mmt_journal_set_owner(jr, "20261129T000000Z-default"), 0);
	assert_string_equal(mmt_journal_owner(jr), "20261129T000000Z-default");
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	assert_int_equal(mmt_journal_set_owner(jr, longer), -EINVAL);
	assert_int_equal(mmt_journal_set_owner(jr, "a\nb"), -EINVAL);
	seq = mmt_journal_addv(jr, "fake", "guess", NULL);
	assert_true(seq > 0);
	assert_int_equal(mmt_journal_drop(jr, seq), 0);
	assert_int_equal(mmt_journal_drop(jr, 0), -EINVAL);
	mmt_journal_close(jr);
	assert_int_equal(mmt_journal_pending(t->journal), 0);
	assert_int_equal(mmt_journal_replay(t->journal, fake_kinds, NULL), 0);
	assert_int_equal(nr_calls, 0);
}

/*
 * Device records of another boot, or without a boot id, are left alone
 * by the harness's own kinds (nothing here exists: a regression would
 * show as a failure count, not as a touched device).
 */
static void test_devices_of_another_boot(void **state)
{
	static const char old[] = "00000000-dead-beef-0000-000000000000";
	struct tmp *t = *state;
	struct mmt_journal_summary sum;
	struct mmt_journal *jr = NULL;

	assert_int_equal(mmt_journal_open(t->journal, fake_kinds, &jr), 0);
	assert_true(mmt_journal_addv(jr, "loop", "/dev/loop99999", "/x/mmtorture-swap.img", old,
				     NULL) > 0);
	assert_true(mmt_journal_addv(jr, "loop", "/dev/loop99998", "/x/mmtorture-swap.img",
				     NULL) > 0);
	assert_true(mmt_journal_addv(jr, "zram", "99999", old, "1048576", NULL) > 0);
	assert_true(mmt_journal_addv(jr, "zram", "99998", NULL) > 0);
	assert_true(mmt_journal_addv(jr, "dm", "mmtorture-unit-dm", old, NULL) > 0);
	assert_true(mmt_journal_addv(jr, "swapon", "/dev/loop99999", old,
				     "/x/mmtorture-swap.img", NULL) > 0);
	assert_true(mmt_journal_addv(jr, "swapon", "/dev/zram99999", NULL) > 0);
	mmt_journal_close(jr);
	assert_int_equal(mmt_journal_replay(t->journal, mmt_undo_kinds, &sum), 0);
	assert_int_equal(sum.left_alone, 7);
	assert_int_equal(sum.undone, 0);
}

/* A journal reached through a symlink is neither replayed nor opened. */
static void test_journal_symlink_refused(void **state)
{
	struct tmp *t = *state;
	char target[PATH_MAX + 16];
	struct mmt_journal *jr = NULL;

	snprintf(target, sizeof(target), "%s/elsewhere", t->dir);
	write_text(target, "1\tfake\tplanted\n");
	assert_int_equal(symlink(target, t->journal), 0);
	assert_int_equal(mmt_journal_replay(t->journal, fake_kinds, NULL), -ELOOP);
	assert_int_equal(mmt_journal_open(t->journal, fake_kinds, &jr), -ELOOP);
	assert_int_equal(nr_calls, 0);
}

/* The index of live journals: add, list (this boot only), drop. */
static void test_index(void **state)
{
	struct tmp *t = *state;
	char idx[PATH_MAX + 16], other[PATH_MAX + 32], j2[PATH_MAX + 16];
	char **paths = NULL;
	size_t nr = 0;

	snprintf(idx, sizeof(idx), "%s/runs", t->dir);
	assert_int_equal(setenv("MMT_JOURNAL_INDEX", idx, 1), 0);
	assert_string_equal(mmt_journal_index_dir(), idx);
	/* No index yet: nothing, no error. */
	assert_int_equal(mmt_journal_index_list(&paths, &nr), 0);
	assert_int_equal(nr, 0);
	snprintf(j2, sizeof(j2), "%s/two", t->dir);
	assert_int_equal(mmt_journal_index_add(t->journal), 0);
	assert_int_equal(mmt_journal_index_add(j2), 0);
	assert_int_equal(mmt_journal_index_add(j2), 0);      /* idempotent */
	/* An entry of another boot is dropped when read. */
	snprintf(other, sizeof(other), "%s/0123456789abcdef", idx);
	write_text(other, "boot 00000000-dead-beef-0000-000000000000\njournal /x/journal\n");
	assert_int_equal(mmt_journal_index_list(&paths, &nr), 0);
	assert_int_equal(nr, 2);
	assert_true((!strcmp(paths[0], t->journal) && !strcmp(paths[1], j2)) ||
		    (!strcmp(paths[1], t->journal) && !strcmp(paths[0], j2)));
	for (size_t i = 0; i < nr; i++)
		free(paths[i]);
	free(paths);
	assert_int_equal(access(other, F_OK), -1);
	assert_int_equal(mmt_journal_index_drop(t->journal), 0);
	assert_int_equal(mmt_journal_index_drop(t->journal), 0);
	assert_int_equal(mmt_journal_index_list(&paths, &nr), 0);
	assert_int_equal(nr, 1);
	assert_string_equal(paths[0], j2);
	free(paths[0]);
	free(paths);
	assert_int_equal(unsetenv("MMT_JOURNAL_INDEX"), 0);
	assert_string_equal(mmt_journal_index_dir(), MMT_JOURNAL_INDEX_DIR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_escape_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_replay_reverse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failures_counted_and_retried, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_interrupted_replay_resumes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_last_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_lines_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sequence_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_builtin_file_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_undo_now, setup, teardown),
		cmocka_unit_test_setup_teardown(test_builtin_refuses_foreign, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quiesce_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thaw_quiesce_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_contention, setup, teardown),
		cmocka_unit_test_setup_teardown(test_undo_under_a_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_undo_dir_with_our_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_left_alone_settles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop_and_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices_of_another_boot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_symlink_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

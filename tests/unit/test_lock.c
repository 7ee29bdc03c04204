// SPDX-License-Identifier: GPL-2.0-only
/* lib/lock.c: who holds the machine-wide lock, and the wait for it. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/lock.h"

static void test_describe(void **state)
{
	char h[256];

	(void)state;
	/* The file's text, confirmed by the kernel's pid. */
	assert_int_equal(mmt_lock_describe("1234 default 2026-11-29T20:58:24.1Z\n", 1234, h,
					   sizeof(h)), 0);
	assert_string_equal(h, "pid 1234 (default, since 2026-11-29T20:58:24.1Z)");
	/* Stale text (an earlier holder's): the kernel's pid wins. */
	assert_int_equal(mmt_lock_describe("99 old 2026-01-01T00:00:00Z\n", 1234, h, sizeof(h)), 0);
	assert_string_equal(h, "pid 1234");
	/* Not written yet: the kernel names it. */
	assert_int_equal(mmt_lock_describe("", 77, h, sizeof(h)), 0);
	assert_string_equal(h, "pid 77");
	/* No /proc/locks answer: the text alone. */
	assert_int_equal(mmt_lock_describe("55 cleanup\n", 0, h, sizeof(h)), 0);
	assert_string_equal(h, "pid 55 (cleanup)");
	assert_int_equal(mmt_lock_describe("", 0, h, sizeof(h)), -ENOENT);
	assert_non_null(strstr(h, "does not name"));
}

static void test_held_by_other(void **state)
{
	char path[] = "/tmp/mmtorture-test-lock.XXXXXX", h[256], want[64];
	int tmp = mkstemp(path), fd, status;
	pid_t child;

	(void)state;
	assert_true(tmp >= 0);
	close(tmp);
	fd = mmt_lock_take(path, "holder-job", h, sizeof(h));
	assert_true(fd >= 0);
	snprintf(want, sizeof(want), "pid %d (holder-job, since ", (int)getpid());
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		char ch[256];
		int r = mmt_lock_take(path, "other", ch, sizeof(ch));

		/* Refused, and told who holds it; no wait asked, none done. */
		if (r != -EBUSY || strncmp(ch, want, strlen(want)))
			_exit(1);
		r = mmt_lock_wait(path, "other", 0, ch, sizeof(ch));
		_exit(r == -EBUSY ? 0 : 2);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	mmt_lock_release(fd);
	/* Released: a new taker gets it at once. */
	fd = mmt_lock_wait(path, "next", 0, h, sizeof(h));
	assert_true(fd >= 0);
	mmt_lock_release(fd);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_held_by_other),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/kstack.c: which frames of a kernel stack are the writeback path, and
 * a look at a live process's threads (this test's own); the harness's
 * following of an OOM victim until it exits (a pidfd).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness/orch.h"
#include "lib/kstack.h"

/* A dm-crypt writer stuck for a bio, as 6.1 prints it. */
static const char mempool_stack[] =
	"[<0>] mempool_alloc+0x12d/0x1a0\n"
	"[<0>] bio_alloc_bioset+0x1cc/0x3f0\n"
	"[<0>] ext4_bio_write_page+0x1bf/0x4a0\n";
/* An fsync waiting for its pages (6.8): the first matching frame wins. */
static const char fsync_stack[] =
	"[<0>] folio_wait_bit_common+0x13d/0x350\n"
	"[<0>] folio_wait_writeback+0x2b/0x80\n"
	"[<0>] __filemap_fdatawait_range+0x8c/0xf0\n"
	"[<0>] file_write_and_wait_range+0xa7/0xc0\n"
	"[<0>] ext4_sync_file+0x7f/0x380 [ext4]\n"
	"[<0>] __x64_sys_fsync+0x3b/0x70\n";
/* A faulter in the memcg charge path: not writeback. */
static const char charge_stack[] =
	"[<0>] mem_cgroup_out_of_memory+0x100/0x140\n"
	"[<0>] try_charge_memcg+0x7a8/0x840\n"
	"[<0>] handle_mm_fault+0xe8/0x2f0\n";

static void test_frames(void **state)
{
	char frame[64] = "";

	(void)state;
	assert_true(mmt_kstack_writeback_frame(mempool_stack, frame, sizeof(frame)));
	assert_string_equal(frame, "mempool_alloc");
	assert_true(mmt_kstack_writeback_frame(fsync_stack, frame, sizeof(frame)));
	assert_string_equal(frame, "folio_wait_bit_common");
	assert_false(mmt_kstack_writeback_frame(charge_stack, frame, sizeof(frame)));
	/* A write() charging its page cache, in memcg reclaim: the write. */
	assert_true(mmt_kstack_writeback_frame("[<0>] shrink_node+0x203/0x870\n"
					       "[<0>] try_charge_memcg+0x1b0/0x6f0\n"
					       "[<0>] generic_perform_write+0x9e/0x2a0\n",
					       frame, sizeof(frame)));
	assert_string_equal(frame, "generic_perform_write");
	/* Bare wchan values, and the prefixes. */
	assert_true(mmt_kstack_writeback_frame("balance_dirty_pages", frame, sizeof(frame)));
	assert_true(mmt_kstack_writeback_frame("nfs_wait_bit_killable", frame, sizeof(frame)));
	assert_string_equal(frame, "nfs_wait_bit_killable");
	assert_true(mmt_kstack_writeback_frame("[<0>] dm_wait_for_bios_completion+0x1/0x2\n",
					       frame, sizeof(frame)));
	assert_string_equal(frame, "dm_wait_for_bios_completion");
	/* A prefix is no substring: "mempool_alloc_slab" is not listed,
	 * "do_nfs_x" does not start with nfs_. */
	assert_false(mmt_kstack_writeback_frame("mempool_alloc_slab", NULL, 0));
	assert_false(mmt_kstack_writeback_frame("do_nfs_x", NULL, 0));
	assert_false(mmt_kstack_writeback_frame("0", NULL, 0));
	assert_false(mmt_kstack_writeback_frame("", NULL, 0));
	/* No module suffix or offset in the name. */
	assert_true(mmt_kstack_writeback_frame("[<0>] jbd2_log_wait_commit+0xd0/0x140 [jbd2]",
					       frame, sizeof(frame)));
	assert_string_equal(frame, "jbd2_log_wait_commit");
	/* An O_DIRECT write waiting for its bios (seen on a suspended dm). */
	assert_true(mmt_kstack_writeback_frame("[<0>] __iomap_dio_rw+0x5bf/0x7e0\n"
					       "[<0>] iomap_dio_rw+0xe/0x40\n", frame, sizeof(frame)));
	assert_string_equal(frame, "__iomap_dio_rw");
}

/* This process: one thread at least, and a block naming it. */
static void test_process(void **state)
{
	struct mmt_kstack_proc p;
	char buf[8192], head[64];
	int n;

	(void)state;
	n = mmt_kstack_process(getpid(), buf, sizeof(buf), &p);

	assert_true(n >= 1);
	assert_int_equal(n, (int)p.nr_threads);
	/* Reading itself, the main thread runs. */
	assert_int_equal(p.state, 'R');
	snprintf(head, sizeof(head), "==> tid %d state R", (int)getpid());
	assert_non_null(strstr(buf, head));
	/* A pid that does not exist: gone, 0 threads. */
	assert_int_equal(mmt_kstack_process(0x3fffffff, buf, sizeof(buf), &p), 0);
	assert_false(p.in_writeback);
}

/*
 * harness victim tracking: a victim followed through its pidfd is not gone
 * while its process lives, is once it has exited (a zombie not yet reaped
 * counts as exited: its threads are gone), and its pidfd is closed then.
 */
static void test_victim_gone(void **state)
{
	struct victim v = { .cell = 0 };
	int go[2];
	char b = 'x';

	(void)state;
	assert_int_equal(pipe(go), 0);
	v.pid = fork();
	assert_true(v.pid >= 0);
	if (v.pid == 0) {
		close(go[1]);
		(void)!read(go[0], &b, 1);
		_exit(0);
	}
	close(go[0]);
	v.pidfd = (int)syscall(SYS_pidfd_open, v.pid, 0);
	assert_true(v.pidfd >= 0);
	v.has_pidfd = true;
	assert_false(mmt_orch_victim_gone(&v));
	assert_true(v.has_pidfd);
	/* Let it exit; wait for it without reaping (WNOWAIT). */
	assert_int_equal(write(go[1], &b, 1), 1);
	{
		siginfo_t si;

		assert_int_equal(waitid(P_PID, (id_t)v.pid, &si, WEXITED | WNOWAIT), 0);
	}
	assert_true(mmt_orch_victim_gone(&v));
	assert_false(v.has_pidfd);
	assert_int_equal(waitpid(v.pid, NULL, 0), v.pid);
	close(go[1]);
	/* Without a pidfd: kill(0) on a pid that is gone. */
	assert_true(mmt_orch_victim_gone(&v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_process),
		cmocka_unit_test(test_victim_gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_KSTACK_H
#define MMT_KSTACK_H

/*
 * Kernel stacks of tasks (/proc/PID/task/TID/stack, wchan, stat), and
 * whether a task waits in the writeback path: the OOM victims of the
 * writeback seed (issue 11).
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * The functions that mean "in the writeback path" when one is a frame of a
 * task's kernel stack (or its wchan), NULL-terminated.  An entry ending in
 * '*' is a prefix ("nfs_*", "dm_*").  What each one is (kernel 6.x):
 *   mempool_alloc             bios, dm clones, crypt pages (mm/mempool.c)
 *   folio_wait_writeback, folio_wait_bit_common, wait_on_page_writeback
 *                             waiting for a page under writeback (mm/filemap.c,
 *                             mm/page-writeback.c)
 *   __filemap_fdatawait_range, filemap_fdatawait*, file_write_and_wait_range,
 *   filemap_write_and_wait_range, __filemap_fdatawrite_range
 *                             fsync/sync_file_range (mm/filemap.c)
 *   balance_dirty_pages*      throttled writer (mm/page-writeback.c)
 *   generic_perform_write, iomap_file_buffered_write, iomap_write_iter
 *                             write() dirtying the page cache, the memcg
 *                             reclaim its charges run included (mm/filemap.c,
 *                             fs/iomap/buffered-io.c)
 *   iomap_dio_rw, __iomap_dio_rw, __blockdev_direct_IO
 *                             O_DIRECT waiting for its bios (fs/iomap/direct-io.c,
 *                             fs/direct-io.c)
 *   writeback_*, do_writepages, write_cache_pages, wb_wait_for_completion
 *                             writeback proper (fs/fs-writeback.c)
 *   blkdev_issue_flush, submit_bio_wait, blk_mq_get_tag, io_schedule*,
 *   wbt_wait, rq_qos_wait, __rq_qos_throttle
 *                             the block layer: flush, tags, throttling
 *   jbd2_*, ext4_sync_file, ext4_writepages, xfs_file_fsync, xfs_log_force*
 *                             the journals' commit waits
 *   shrink_folio_list, shrink_page_list
 *                             reclaim waiting on writeback (legacy memcg)
 *   nfs_*, rpc_wait_bit_killable, __rpc_execute
 *                             NFS client writes and commits, RPC waits
 *   dm_*, kcryptd_*, crypt_*, delay_*, loop_*, lo_*
 *                             device mapper (crypt, delay) and loop
 *   swap_writepage, __swap_writepage, swap_read_folio
 *                             swap I/O
 */
extern const char *const mmt_kstack_writeback_frames[];

/*
 * The first writeback-path function in text, a kernel stack as
 * /proc/PID/stack prints it ("[<0>] folio_wait_writeback+0x8c/0xa0\n") or
 * a bare wchan ("folio_wait_writeback").  True and its name in ret_frame
 * (may be NULL); false when there is none.  Pure.
 */
bool mmt_kstack_writeback_frame(const char *text, char *ret_frame, size_t len);

/* What one look at a process's threads found (mmt_kstack_process()). */
struct mmt_kstack_proc {
	unsigned nr_threads;          /* threads read */
	bool in_writeback;            /* one of them has a writeback frame */
	pid_t wb_tid;                 /* that thread */
	char wb_state;                /* and its state ('D') */
	char wb_frame[64];            /* and the frame */
	char wchan[64];               /* the main thread's wchan ("" when none) */
	char state;                   /* the main thread's state ('D'), or '?' */
};

/*
 * Read every thread of pid: per thread a block
 *   "==> tid T state S wchan W <==\n<stack>"
 * into buf (len bytes, NUL-terminated, cut short when full), and classify
 * (ret).  Reads only /proc; a thread that exits meanwhile is left out.
 * Returns the number of threads read (0: the process is gone) or -errno.
 * The stack files need root (CAP_SYS_ADMIN); without, they read empty.
 */
int mmt_kstack_process(pid_t pid, char *buf, size_t len, struct mmt_kstack_proc *ret);

#endif

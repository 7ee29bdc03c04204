// SPDX-License-Identifier: GPL-2.0-only
/* Kernel stacks of tasks, and the writeback path among them.  See kstack.h. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/kstack.h"
#include "lib/util.h"

const char *const mmt_kstack_writeback_frames[] = {
	"mempool_alloc", "mempool_alloc_noprof",
	"folio_wait_writeback", "folio_wait_bit_common", "wait_on_page_writeback",
	"__filemap_fdatawait_range", "filemap_fdatawait*", "file_write_and_wait_range",
	"filemap_write_and_wait_range", "__filemap_fdatawrite_range",
	"balance_dirty_pages*",
	"generic_perform_write", "iomap_file_buffered_write", "iomap_write_iter",
	"iomap_dio_rw", "__iomap_dio_rw", "__blockdev_direct_IO",
	"writeback_*", "do_writepages", "write_cache_pages", "wb_wait_for_completion",
	"blkdev_issue_flush", "submit_bio_wait", "blk_mq_get_tag", "io_schedule*",
	"wbt_wait", "rq_qos_wait", "__rq_qos_throttle",
	"jbd2_*", "ext4_sync_file", "ext4_writepages", "xfs_file_fsync", "xfs_log_force*",
	"shrink_folio_list", "shrink_page_list",
	"nfs_*", "rpc_wait_bit_killable", "__rpc_execute",
	"dm_*", "kcryptd_*", "crypt_*", "delay_*", "loop_*", "lo_*",
	"swap_writepage", "__swap_writepage", "swap_read_folio",
	NULL,
};

static bool frame_matches(const char *name, size_t n, const char *pat)
{
	size_t pl = strlen(pat);

	if (pl && pat[pl - 1] == '*')
		return n >= pl - 1 && !strncmp(name, pat, pl - 1);
	return n == pl && !strncmp(name, pat, n);
}

bool mmt_kstack_writeback_frame(const char *text, char *ret_frame, size_t len)
{
	const char *p = text;

	while (p && *p) {
		const char *eol = strchr(p, '\n'), *name = p, *end;

		if (!eol)
			eol = p + strlen(p);
		/* "[<0>] name+0x8c/0xa0" or "name" */
		if (*name == '[') {
			const char *rb = memchr(name, ']', (size_t)(eol - name));

			name = rb ? rb + 1 : eol;
		}
		while (name < eol && isspace((unsigned char)*name))
			name++;
		end = name;
		while (end < eol && *end != '+' && !isspace((unsigned char)*end))
			end++;
		for (unsigned i = 0; end > name && mmt_kstack_writeback_frames[i]; i++) {
			if (!frame_matches(name, (size_t)(end - name), mmt_kstack_writeback_frames[i]))
				continue;
			if (ret_frame && len)
				snprintf(ret_frame, len, "%.*s", (int)(end - name), name);
			return true;
		}
		p = *eol ? eol + 1 : eol;
	}
	return false;
}

/* The state letter of /proc/PID/task/TID/stat: after the ") ". */
static char task_state(pid_t pid, const char *tid)
{
	char path[96], buf[512], *rp;

	snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", (int)pid, tid);
	if (mmt_read_file(path, buf, sizeof(buf)) < 0)
		return '?';
	rp = strrchr(buf, ')');
	return rp && rp[1] == ' ' && rp[2] ? rp[2] : '?';
}

int mmt_kstack_process(pid_t pid, char *buf, size_t len, struct mmt_kstack_proc *ret)
{
	char path[96], stack[4096], wchan[64], frame[64];
	size_t off = 0;
	struct dirent *e;
	DIR *d;

	memset(ret, 0, sizeof(*ret));
	ret->state = '?';
	if (len)
		buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		char st;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/wchan", (int)pid, e->d_name);
		if (mmt_read_file(path, wchan, sizeof(wchan)) < 0)
			continue;                 /* gone meanwhile */
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stack", (int)pid, e->d_name);
		if (mmt_read_file(path, stack, sizeof(stack)) < 0)
			stack[0] = '\0';
		st = task_state(pid, e->d_name);
		ret->nr_threads++;
		if (atoi(e->d_name) == (int)pid) {
			snprintf(ret->wchan, sizeof(ret->wchan), "%s", wchan);
			ret->state = st;
		}
		if (!ret->in_writeback && (mmt_kstack_writeback_frame(stack, frame, sizeof(frame)) ||
					   mmt_kstack_writeback_frame(wchan, frame, sizeof(frame)))) {
			ret->in_writeback = true;
			ret->wb_tid = (pid_t)atoi(e->d_name);
			ret->wb_state = st;
			snprintf(ret->wb_frame, sizeof(ret->wb_frame), "%s", frame);
		}
		if (off < len) {
			int n = snprintf(buf + off, len - off, "==> tid %s state %c wchan %s <==\n%s",
					 e->d_name, st, wchan[0] ? wchan : "0", stack);

			off += n > 0 ? (size_t)n : 0;
			if (off >= len)
				off = len;
		}
	}
	closedir(d);
	return (int)ret->nr_threads;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * dirty: the writeback seed's victims.  One worker process mixes two kinds
 * of thread in one memcg:
 *   - writers (threads 0..writers-1) write page-cache data to a file of
 *     their own under `dir` (a directory on the device under test: loop,
 *     dm-delay, dm-crypt, NFS...; "@writeback" is the mount that writeback
 *     injector made, resolved before each spawn), chunk by chunk, wrapping
 *     at file_size,
 *     and sync it every sync_every bytes (fsync, fdatasync or
 *     sync_file_range) or write with O_DIRECT;
 *   - faulters (the other threads) hold anonymous memory, anon_share of the
 *     cell's memory_max between them, touched once and then re-touched.
 * With the anonymous memory near the limit, the writers' page cache can
 * only be reclaimed through writeback, so the memcg's reclaim waits on the
 * device and its OOM killer fires.  The OOM killer marks the whole process
 * (mm/oom_kill.c: every thread sharing the mm), so the writers die in the
 * middle of write(), fsync() or reclaim-driven writeback: the victims the
 * seed is about, routinely instead of by luck.
 *
 * stats: pages counts the faulters' first touches and the writers' pages
 * written; loops counts a writer's file wraps and a faulter's re-touch
 * passes; bytes_written and syncs say how far the writers got.  Being
 * killed is the expected outcome (expect_oom = memcg); what the kill means
 * is the orchestrator's business.
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/workload.h"
#include "lib/util.h"

#define DIRECT_ALIGN 4096     /* O_DIRECT: logical block size at most this */
#define TOUCH_BATCH 64        /* pages between heartbeats and stop checks */
/* The machine's consent to a run-wide OOM (kernel command line). */
#define GLOBAL_OOM_PARAM "mmtorture.global_oom=1"

enum dirty_sync { SYNC_NONE, SYNC_FSYNC, SYNC_FDATASYNC, SYNC_RANGE };
static const char *const sync_names[] = { "none", "fsync", "fdatasync", "range", NULL };

static const struct mmt_opt dirty_opts[] = {
	{ .name = "dir", .type = MMT_OPT_STR, .off = offsetof(struct mmt_dirty_opts, dir),
	  .def = "", .help = "directory on the device under test for the writers' files "
	  "(never the results disk), or @INJECTOR: the mount that injector instance "
	  "made (e.g. @writeback); required" },
	{ .name = "file_size", .type = MMT_OPT_SIZE,
	  .off = offsetof(struct mmt_dirty_opts, file_size), .min = DIRECT_ALIGN,
	  .max = 1LL << 40, .def = "64M", .help = "each writer's file; writes wrap at its end" },
	{ .name = "chunk", .type = MMT_OPT_SIZE, .off = offsetof(struct mmt_dirty_opts, chunk),
	  .min = DIRECT_ALIGN, .max = 64LL << 20, .def = "1M",
	  .help = "bytes per write() (a multiple of 4K)" },
	{ .name = "sync", .type = MMT_OPT_ENUM, .off = offsetof(struct mmt_dirty_opts, sync),
	  .def = "fsync", .choices = sync_names,
	  .help = "after sync_every bytes: fsync, fdatasync, sync_file_range of what was "
	  "written (range), or none (writeback by the kernel's flusher and reclaim only)" },
	{ .name = "sync_every", .type = MMT_OPT_SIZE,
	  .off = offsetof(struct mmt_dirty_opts, sync_every), .min = DIRECT_ALIGN,
	  .max = 1LL << 40, .def = "8M", .help = "bytes written between syncs" },
	{ .name = "direct", .type = MMT_OPT_BOOL, .off = offsetof(struct mmt_dirty_opts, direct),
	  .def = "false", .help = "O_DIRECT writes (no page cache; bios straight to the device)" },
	{ .name = "writers", .type = MMT_OPT_U64, .off = offsetof(struct mmt_dirty_opts, writers),
	  .min = 1, .max = MMT_MAX_THREADS, .def = "1",
	  .help = "writer threads; the cell's other threads are faulters" },
	{ .name = "anon_share", .type = MMT_OPT_U64,
	  .off = offsetof(struct mmt_dirty_opts, anon_share), .min = 0, .max = 400, .def = "90",
	  .help = "percent of the cell's memory_max the faulters hold as anonymous memory; "
	  "above 100 the excess must go to swap (the swap-on-dm job)" },
	{ .name = "refault", .type = MMT_OPT_BOOL, .off = offsetof(struct mmt_dirty_opts, refault),
	  .def = "false", .help = "faulters unmap and fault their share again every round, so "
	  "the cell keeps charging new pages (an OOM kill comes whenever its page cache "
	  "cannot be written back); else they touch it once and re-touch it" },
	{ .name = "global_oom", .type = MMT_OPT_BOOL,
	  .off = offsetof(struct mmt_dirty_opts, global_oom), .def = "false",
	  .help = "the job drives the whole run (the lab VM's whole guest) into OOM: CONF "
	  "unless the kernel command line has " GLOBAL_OOM_PARAM ", which only a throwaway "
	  "machine should (tests/vm/run sets it)" },
	MMT_OPT_END
};

static const struct mmt_dirty_opts *opts_of(const struct mmt_wctx *ctx)
{
	return ctx->opts;
}

/* Where the writers write: dir, or what its @INJECTOR reference resolved to. */
static const char *dirty_dir(const struct mmt_dirty_opts *o)
{
	return o->dir_resolved[0] ? o->dir_resolved : o->dir;
}

/* Anonymous bytes one faulter holds: anon_share of memory_max, split. */
static uint64_t faulter_bytes(const struct mmt_cell_cfg *cell)
{
	const struct mmt_dirty_opts *o = cell->wl_opts;
	uint64_t faulters = cell->o.threads > o->writers ? cell->o.threads - o->writers : 0;

	if (!faulters)
		return 0;
	return mmt_round_up(cell->o.memory_max / 100 * o->anon_share / faulters, 4096);
}

static int dirty_validate(struct mmt_cell_cfg *cell, const struct mmt_topo *topo, char *err,
			  size_t err_len)
{
	const struct mmt_dirty_opts *o = cell->wl_opts;
	const char *key = NULL, *why = NULL;

	(void)topo;
	if (!o->dir[0]) {
		key = "dir";
		why = "the dirty workload needs a directory on the device under test";
	} else if (o->dir[0] != '/' && !mmt_wl_ref(o->dir)) {
		key = "dir";
		why = "must be an absolute path or @INJECTOR";
	} else if (o->chunk % DIRECT_ALIGN || o->file_size % DIRECT_ALIGN) {
		key = o->chunk % DIRECT_ALIGN ? "chunk" : "file_size";
		why = "must be a multiple of 4K";
	} else if (o->chunk > o->file_size) {
		key = "chunk";
		why = "is larger than file_size";
	} else if (o->writers > cell->o.threads) {
		key = "writers";
		why = "is more than the cell's threads";
	} else if (o->anon_share && o->writers < cell->o.threads && !cell->o.memory_max) {
		key = "memory_max";
		why = "the dirty workload's faulters hold a share of it: set a limit";
	}
	if (!key)
		return 0;
	snprintf(err, err_len, "%s:%u: [cell:%s] %s: %s", cell->src.file,
		 mmt_src_line(&cell->src, key), cell->name, key, why);
	return -EINVAL;
}

/* Has the machine consented to a run-wide OOM?  A word of /proc/cmdline. */
static bool global_oom_allowed(void)
{
	char cmdline[4096], *save = NULL;

	if (mmt_read_file("/proc/cmdline", cmdline, sizeof(cmdline)) < 0)
		return false;
	for (char *w = strtok_r(cmdline, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
		if (!strcmp(w, GLOBAL_OOM_PARAM))
			return true;
	return false;
}

static int dirty_probe(const struct mmt_cell_cfg *cell, const struct mmt_topo *topo, char *why,
		       size_t why_len)
{
	const struct mmt_dirty_opts *o = cell->wl_opts;

	(void)topo;
	if (!o->global_oom || global_oom_allowed())
		return 0;
	snprintf(why, why_len, "global_oom: this machine has not consented to a run-wide OOM "
		 "(no %s on the kernel command line; the lab VM has it)", GLOBAL_OOM_PARAM);
	return 1;
}

static int dirty_resolve(struct mmt_cell_cfg *cell, mmt_wl_lookup_fn lookup,
			 void *lookup_ctx, char *why, size_t why_len)
{
	struct mmt_dirty_opts *o = cell->wl_opts;
	const char *inst = mmt_wl_ref(o->dir);
	int r;

	if (!inst)
		return 0;
	r = lookup(lookup_ctx, inst, "dir", o->dir_resolved, sizeof(o->dir_resolved));
	if (r == 0 && o->dir_resolved[0] != '/')
		r = -EINVAL;
	if (r < 0)
		o->dir_resolved[0] = '\0';
	if (r == -ENOENT)
		snprintf(why, why_len, "dir = %s: the job has no injector %s", o->dir, inst);
	else if (r == -ENODEV)
		snprintf(why, why_len, "dir = %s: injector %s has no directory (not set up)",
			 o->dir, inst);
	else if (r < 0 && r != -EAGAIN)
		snprintf(why, why_len, "dir = %s: %s", o->dir, strerror(-r));
	return r;
}

static uint64_t dirty_footprint(const struct mmt_cell_cfg *cell)
{
	const struct mmt_dirty_opts *o = cell->wl_opts;

	/* What a thread maps: a faulter's share, or a writer's buffer. */
	return faulter_bytes(cell) > o->chunk ? faulter_bytes(cell) : o->chunk;
}

/* ---- writers --------------------------------------------------------------------- */

static int do_sync(int fd, enum dirty_sync how, off_t from, off_t len)
{
	int r = 0;

	switch (how) {
	case SYNC_NONE:
		return 0;
	case SYNC_FSYNC:
		r = fsync(fd);
		break;
	case SYNC_FDATASYNC:
		r = fdatasync(fd);
		break;
	case SYNC_RANGE:
		/* Start writeback of the range and wait for it: the
		 * write-and-wait of mm/filemap.c without the metadata. */
		r = sync_file_range(fd, from, len, SYNC_FILE_RANGE_WAIT_BEFORE |
				    SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
		break;
	}
	return r < 0 ? -errno : 0;
}

static int writer_run(struct mmt_wctx *ctx)
{
	const struct mmt_dirty_opts *o = opts_of(ctx);
	struct mmt_err_track et = { 0 };
	char path[PATH_MAX];
	uint64_t off = 0, since_sync = 0, sync_from = 0, loop = 0;
	size_t psz = mmt_page_size();
	unsigned char *buf = NULL;
	int fd, r = 0;

	if (posix_memalign((void **)&buf, DIRECT_ALIGN, o->chunk))
		return -ENOMEM;
	/* Our own file, named for the worker and thread: nothing else's. */
	snprintf(path, sizeof(path), "%s/mmtorture-dirty-%d-%u", dirty_dir(o), (int)getpid(),
		 ctx->thread);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW |
		  (o->direct ? O_DIRECT : 0), 0600);
	if (fd < 0) {
		r = -errno;
		mmt_wctx_error(ctx, -r, "dirty: open %s", path);
		goto out_free;
	}
	while (!mmt_wctx_stopping(ctx)) {
		ssize_t n;

		/* New bytes every pass, so no write is a no-op for the fs. */
		for (size_t i = 0; i < o->chunk; i += psz)
			*(uint64_t *)(buf + i) = mmt_workload_pattern(ctx->seed, ctx->thread, loop,
								      (off + i) / psz);
		n = pwrite(fd, buf, o->chunk, (off_t)off);
		if (n < 0) {
			/* ENOSPC/EIO from a flaky or full device are the torture's
			 * doing; the same error for seconds on end is a setup fault. */
			r = mmt_err_track_fail(&et, ctx, "dirty", "pwrite", loop, errno,
					       errno == EIO || errno == ENOSPC);
			if (r < 0)
				break;
			mmt_wctx_backoff(ctx, MMT_BACKOFF_US);
			continue;
		}
		mmt_err_track_ok(&et);
		atomic_fetch_add(&ctx->stats->bytes_written, (uint64_t)n);
		mmt_wctx_progress(ctx, ((uint64_t)n + psz - 1) / psz);
		off += (uint64_t)n;
		since_sync += (uint64_t)n;
		if (since_sync >= o->sync_every || off >= o->file_size) {
			int s = do_sync(fd, (enum dirty_sync)o->sync, (off_t)sync_from,
					(off_t)(off - sync_from));

			if (s == 0 && o->sync != SYNC_NONE)
				atomic_fetch_add(&ctx->stats->syncs, 1);
			else if (s < 0)
				mmt_wctx_error(ctx, -s, "dirty: %s (loop %lu)", sync_names[o->sync],
					       (unsigned long)loop);
			since_sync = 0;
			sync_from = off;
		}
		if (off >= o->file_size) {
			off = sync_from = 0;
			loop++;
			atomic_fetch_add(&ctx->stats->loops, 1);
		}
	}
	close(fd);
	unlink(path);
out_free:
	free(buf);
	return r;
}

/* ---- faulters -------------------------------------------------------------------- */

static int faulter_run(struct mmt_wctx *ctx)
{
	const struct mmt_dirty_opts *o = opts_of(ctx);
	uint64_t bytes = faulter_bytes(ctx->cell), pages;
	size_t psz = mmt_page_size();
	unsigned char *p = NULL;
	uint64_t round = 0;

	if (!bytes) {
		/* anon_share = 0: the faulter only keeps its heartbeat. */
		while (!mmt_wctx_stopping(ctx))
			mmt_wctx_backoff(ctx, 100000), mmt_wctx_verified(ctx, 0);
		return 0;
	}
	pages = bytes / psz;
	while (!mmt_wctx_stopping(ctx)) {
		/* The first round, and every round with refault: new pages. */
		bool fresh = !p || o->refault;

		if (p && o->refault) {
			munmap(p, bytes);
			p = NULL;
		}
		if (!p) {
			p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED) {
				mmt_wctx_error(ctx, errno, "dirty: mmap %lu bytes", (unsigned long)bytes);
				return -errno;
			}
		}
		for (uint64_t i = 0; i < pages && !mmt_wctx_stopping(ctx); i++) {
			p[i * psz] = (unsigned char)(round + i + 1);
			if ((i + 1) % TOUCH_BATCH == 0 || i + 1 == pages) {
				if (fresh)
					mmt_wctx_progress(ctx, (i % TOUCH_BATCH) + 1);
				else
					mmt_wctx_verified(ctx, 0);
			}
		}
		round++;
		atomic_fetch_add(&ctx->stats->loops, 1);
	}
	munmap(p, bytes);
	return 0;
}

static int dirty_thread_run(struct mmt_wctx *ctx)
{
	return ctx->thread < opts_of(ctx)->writers ? writer_run(ctx) : faulter_run(ctx);
}

static void dirty_describe(const struct mmt_cell_cfg *cell, json_object *out)
{
	const struct mmt_dirty_opts *o = cell->wl_opts;

	json_object_object_add(out, "dir", json_object_new_string(o->dir));
	if (o->dir_resolved[0])
		json_object_object_add(out, "dir_resolved", json_object_new_string(o->dir_resolved));
	json_object_object_add(out, "writers", json_object_new_int64((int64_t)o->writers));
	json_object_object_add(out, "faulters", json_object_new_int64(
		(int64_t)(cell->o.threads > o->writers ? cell->o.threads - o->writers : 0)));
	json_object_object_add(out, "sync", json_object_new_string(sync_names[o->sync]));
	json_object_object_add(out, "direct", json_object_new_boolean(o->direct));
	json_object_object_add(out, "anon_bytes_per_faulter",
			       json_object_new_int64((int64_t)faulter_bytes(cell)));
}

const struct mmt_workload_ops mmt_workload_dirty = {
	.version = MMT_WORKLOAD_VERSION,
	.name = "dirty",
	.summary = "writers dirtying page cache on the device under test beside faulters "
		   "holding anonymous memory near the memcg limit: OOM victims in writeback",
	.opts = dirty_opts,
	.opts_size = sizeof(struct mmt_dirty_opts),
	.validate = dirty_validate,
	.probe = dirty_probe,
	.resolve = dirty_resolve,
	.no_placement = true,
	.thread_footprint = dirty_footprint,
	.thread_run = dirty_thread_run,
	.describe = dirty_describe,
};

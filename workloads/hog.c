// SPDX-License-Identifier: GPL-2.0-only
/*
 * hog: allocate and touch memory chunk by chunk up to size, then hold it
 * and keep re-touching it, so that the cell's memcg reaches its limit and
 * its OOM killer picks the worker.  Being killed is the expected outcome
 * (memcg-oom jobs); what the kill means is the orchestrator's business.
 *
 * shmem=true backs the memory with one memfd per thread (grown chunk by
 * chunk with ftruncate and mapped MAP_SHARED), so it is charged as shmem
 * and cannot be freed by reclaim without swap.  mlock=true locks every
 * chunk (a failing mlock is counted and the chunk kept unlocked).
 *
 * stats->pages counts pages touched for the first time; while holding, each
 * full re-touch pass bumps stats->loops and every batch beats the heart.
 * On stop everything is unmapped (and the memfd closed) before returning.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"
#include "api/workload.h"

#define BATCH_PAGES 64
#define BACKOFF_US 10000
#define GIVE_UP_US (5 * MMT_USEC_PER_SEC)

static const struct mmt_opt hog_opts[] = {
	{ .name = "size", .type = MMT_OPT_SIZE, .off = offsetof(struct mmt_hog_opts, size),
	  .min = 4096, .max = 1LL << 40, .def = "1G",
	  .help = "memory each thread allocates and holds" },
	{ .name = "chunk", .type = MMT_OPT_SIZE, .off = offsetof(struct mmt_hog_opts, chunk),
	  .min = 4096, .max = 1LL << 40, .def = "16M",
	  .help = "bytes per mmap (rounded up to pages)" },
	{ .name = "mlock", .type = MMT_OPT_BOOL, .off = offsetof(struct mmt_hog_opts, mlock),
	  .def = "false", .help = "mlock every chunk" },
	{ .name = "shmem", .type = MMT_OPT_BOOL, .off = offsetof(struct mmt_hog_opts, shmem),
	  .def = "false", .help = "shared memory (memfd, MAP_SHARED) instead of anonymous" },
	MMT_OPT_END
};

struct hog_run {
	struct mmt_wctx *ctx;
	const struct mmt_hog_opts *o;
	size_t page_size;
	size_t chunk;               /* bytes per chunk, page multiple */
	size_t nr_chunks;
	unsigned char **chunks;     /* mapped chunks (NULL: not yet) */
	size_t *chunk_len;          /* the last one may be short */
	size_t nr_mapped;
	int memfd;
};

static size_t page_size(void)
{
	long r = sysconf(_SC_PAGESIZE);

	return r > 0 ? (size_t)r : 4096;
}

static void backoff(const struct mmt_wctx *ctx)
{
	struct timespec ts = { 0, BACKOFF_US * 1000L };

	if (!mmt_wctx_stopping(ctx))
		nanosleep(&ts, NULL);
}

/* Map chunk i.  0, or -errno (already recorded in the stats). */
static int map_chunk(struct hog_run *run, size_t i)
{
	struct mmt_wctx *ctx = run->ctx;
	size_t len = run->chunk_len[i];
	off_t off = (off_t)(i * run->chunk);
	void *p;

	if (run->memfd >= 0) {
		if (ftruncate(run->memfd, off + (off_t)len) < 0) {
			int r = -errno;

			mmt_wctx_error(ctx, r, "hog: ftruncate memfd to %llu",
				       (unsigned long long)(off + len));
			return r;
		}
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, run->memfd, off);
	} else {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	if (p == MAP_FAILED) {
		int r = -errno;

		mmt_wctx_error(ctx, r, "hog: mmap chunk %zu", i);
		return r;
	}
	if (run->o->mlock && mlock(p, len) < 0)
		mmt_wctx_error(ctx, errno, "hog: mlock chunk %zu", i);
	run->chunks[i] = p;
	return 0;
}

/*
 * Write one word into every page of chunk i.  first: count the pages as
 * faulted.  Returns false when told to stop.
 */
static bool touch_chunk(struct hog_run *run, size_t i, uint64_t pass, bool first)
{
	struct mmt_wctx *ctx = run->ctx;
	unsigned char *base = run->chunks[i];
	size_t pages = run->chunk_len[i] / run->page_size;
	uint64_t done = 0;

	for (size_t j = 0; j < pages; j++) {
		*(volatile uint64_t *)(base + j * run->page_size) =
			mmt_workload_pattern(ctx->seed, ctx->thread, pass, j);
		if (++done == BATCH_PAGES) {
			mmt_wctx_progress(ctx, first ? done : 0);
			done = 0;
			if (mmt_wctx_stopping(ctx))
				return false;
		}
	}
	if (done)
		mmt_wctx_progress(ctx, first ? done : 0);
	return true;
}

static void hog_release(struct hog_run *run)
{
	for (size_t i = 0; run->chunks && i < run->nr_chunks; i++)
		if (run->chunks[i])
			munmap(run->chunks[i], run->chunk_len[i]);
	free(run->chunks);
	free(run->chunk_len);
	if (run->memfd >= 0)
		close(run->memfd);
}

static int hog_thread_run(struct mmt_wctx *ctx)
{
	struct hog_run run = { .ctx = ctx, .o = ctx->opts, .page_size = page_size(), .memfd = -1 };
	uint64_t size, pass = 0, failing_since_us = 0;
	int r = 0;

	size = (run.o->size + run.page_size - 1) / run.page_size * run.page_size;
	run.chunk = (run.o->chunk + run.page_size - 1) / run.page_size * run.page_size;
	if (run.chunk > size)
		run.chunk = size;
	run.nr_chunks = (size + run.chunk - 1) / run.chunk;
	run.chunks = calloc(run.nr_chunks, sizeof(*run.chunks));
	run.chunk_len = calloc(run.nr_chunks, sizeof(*run.chunk_len));
	if (!run.chunks || !run.chunk_len) {
		r = -ENOMEM;
		goto out_release;
	}
	for (size_t i = 0; i < run.nr_chunks; i++)
		run.chunk_len[i] = i + 1 < run.nr_chunks ? run.chunk : size - i * run.chunk;
	if (run.o->shmem) {
		run.memfd = memfd_create(MMT_PREFIX "-hog", MFD_CLOEXEC);
		if (run.memfd < 0) {
			r = log_err_errno(-errno, "hog: thread %u: memfd_create", ctx->thread);
			goto out_release;
		}
	}
	mmt_wctx_progress(ctx, 0);

	/* Fill: map and touch chunk by chunk.  A failed map is retried; one
	 * failing for GIVE_UP_US in a row is a setup problem (BROK). */
	while (run.nr_mapped < run.nr_chunks && !mmt_wctx_stopping(ctx)) {
		r = map_chunk(&run, run.nr_mapped);
		if (r < 0) {
			uint64_t now = mmt_now_us();

			if (!failing_since_us)
				failing_since_us = now;
			if (now - failing_since_us >= GIVE_UP_US) {
				struct mmt_wmsg m = {
					.type = MMT_WMSG_ERROR, .node = -1, .err = r
				};

				snprintf(m.text, sizeof(m.text),
					 "hog: mapping chunk %zu failed for %llus", run.nr_mapped,
					 (unsigned long long)(GIVE_UP_US / MMT_USEC_PER_SEC));
				mmt_wctx_send(ctx, &m);
				goto out_release;
			}
			backoff(ctx);
			continue;
		}
		failing_since_us = 0;
		if (!touch_chunk(&run, run.nr_mapped++, pass, true))
			goto out_release;
	}
	r = 0;
	/* Hold: keep re-touching, so the heartbeat shows we are alive. */
	while (!mmt_wctx_stopping(ctx)) {
		pass++;
		for (size_t i = 0; i < run.nr_chunks; i++)
			if (!touch_chunk(&run, i, pass, false))
				goto out_release;
		atomic_fetch_add_explicit(&ctx->stats->loops, 1, memory_order_relaxed);
	}
out_release:
	hog_release(&run);
	return r;
}

static uint64_t hog_thread_footprint(const struct mmt_cell_cfg *cell)
{
	const struct mmt_hog_opts *o = cell->wl_opts;
	uint64_t pg = page_size();

	return (o->size + pg - 1) / pg * pg;
}

static void hog_describe(const struct mmt_cell_cfg *cell, json_object *out)
{
	const struct mmt_hog_opts *o = cell->wl_opts;

	json_object_object_add(out, "size", json_object_new_int64((int64_t)o->size));
	json_object_object_add(out, "chunk", json_object_new_int64((int64_t)o->chunk));
	json_object_object_add(out, "mlock", json_object_new_boolean(o->mlock));
	json_object_object_add(out, "shmem", json_object_new_boolean(o->shmem));
}

const struct mmt_workload_ops mmt_workload_hog = {
	.version = MMT_WORKLOAD_VERSION,
	.name = "hog",
	.summary = "allocate and touch memory up to size, hold it, re-touch (expects OOM kills)",
	.opts = hog_opts,
	.opts_size = sizeof(struct mmt_hog_opts),
	.thread_footprint = hog_thread_footprint,
	.thread_run = hog_thread_run,
	.describe = hog_describe,
};

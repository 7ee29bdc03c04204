// SPDX-License-Identifier: GPL-2.0-only
/* Services every workload thread uses: progress, errors, messages. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <numaif.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/set.h"
#include "lib/util.h"
#include "api/workload.h"


_Static_assert(sizeof(struct mmt_wmsg) < PIPE_BUF, "mmt_wmsg must be written atomically");

void mmt_wctx_progress(struct mmt_wctx *ctx, uint64_t pages)
{
	struct mmt_thread_stats *st = ctx->stats;

	if (pages)
		atomic_fetch_add_explicit(&st->pages, pages, memory_order_relaxed);
	atomic_store_explicit(&st->heartbeat_us, mmt_now_us(), memory_order_release);
}

void mmt_wctx_verified(struct mmt_wctx *ctx, uint64_t pages)
{
	struct mmt_thread_stats *st = ctx->stats;

	atomic_fetch_add_explicit(&st->verified, pages, memory_order_relaxed);
	atomic_store_explicit(&st->heartbeat_us, mmt_now_us(), memory_order_release);
}

/*
 * last_errno holds a positive errno (err may be given either way).  The
 * text is written first and last_errno published after it with release
 * order, so a reader that sees the new errno (acquire) sees its text.  Two
 * errors racing within one thread cannot happen: stats are per thread.
 */
void mmt_wctx_error(struct mmt_wctx *ctx, int err, const char *fmt, ...)
{
	struct mmt_thread_stats *st = ctx->stats;
	char text[sizeof(st->last_error)];
	va_list ap;
	int n;

	if (err < 0)
		err = -err;
	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(text))
		snprintf(text + n, sizeof(text) - n, ": %s", strerror(err));
	atomic_fetch_add_explicit(&st->errors, 1, memory_order_relaxed);
	memcpy(st->last_error, text, sizeof(text));
	atomic_store_explicit(&st->last_errno, err, memory_order_release);
}

/*
 * Raw write(2) on purpose: this runs in the worker's hot loop and the
 * message must arrive whole, which one write below PIPE_BUF guarantees.
 * thread, tid and ts_us are filled in when the caller left them 0.  A
 * closed pipe (EPIPE: the orchestrator is gone) or a full non-blocking pipe
 * (EAGAIN) drops the message; the worker keeps running either way.
 */
void mmt_wctx_send(struct mmt_wctx *ctx, const struct mmt_wmsg *msg)
{
	struct mmt_wmsg m = *msg;
	ssize_t n;

	if (ctx->msg_fd < 0)
		return;
	if (!m.thread)
		m.thread = (int32_t)ctx->thread;
	if (!m.tid)
		m.tid = (int32_t)gettid();
	if (!m.ts_us)
		m.ts_us = mmt_now_us();
	m.text[sizeof(m.text) - 1] = '\0';
	do
		n = write(ctx->msg_fd, &m, sizeof(m));
	while (n < 0 && errno == EINTR);
}

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t mmt_workload_pattern(uint64_t seed, unsigned thread, uint64_t loop,
			      uint64_t page)
{
	uint64_t z = mix64(seed + 0x9e3779b97f4a7c15ULL * (thread + 1ULL));

	z = mix64(z ^ (loop + 0x632be59bd9b4e019ULL));
	z = mix64(z ^ (page + 0x8cb92ba72f3d8dd7ULL));
	return z | 1;
}

int mmt_err_track_fail(struct mmt_err_track *t, struct mmt_wctx *ctx, const char *who,
		       const char *what, uint64_t loop, int err, bool tolerated)
{
	uint64_t now = mmt_now_us();

	mmt_wctx_error(ctx, err, "%s (loop %llu)", what, (unsigned long long)loop);
	if (t->tries == 0 || t->err != err) {
		t->err = err;
		t->tries = 0;
		t->since_us = now;
	}
	t->tries++;
	if (!tolerated && t->tries >= MMT_GIVE_UP_TRIES && now - t->since_us >= MMT_GIVE_UP_US) {
		struct mmt_wmsg m = { .type = MMT_WMSG_ERROR, .node = -1, .err = -err };

		snprintf(m.text, sizeof(m.text), "%s: %s failed %u times in a row: %s", who, what,
			 t->tries, strerror(err));
		mmt_wctx_send(ctx, &m);
		return -err;
	}
	mmt_wctx_backoff(ctx, MMT_BACKOFF_US);
	return 0;
}

void mmt_wctx_backoff(const struct mmt_wctx *ctx, uint64_t us)
{
	struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000L };

	if (!mmt_wctx_stopping(ctx))
		nanosleep(&ts, NULL);
}

const char *const mmt_policy_api_names[] = { "mbind", "set_mempolicy", NULL };
const char *const mmt_mode_flags_names[] = { "none", "static", "relative", NULL };

int mmt_fault_bind_policy(const struct mmt_cell_cfg *cell, struct mmt_wl_bind *ret)
{
	const struct mmt_fault_opts *o = cell->wl_opts;

	if (!o)
		return -EINVAL;
	ret->policy_api = o->policy_api;
	ret->mode_flags = o->mode_flags;
	return 0;
}

int mmt_bind_policy_build_user(hwloc_const_bitmap_t user, int mode_flags,
			       struct mmt_bind_policy *ret)
{
	long maxnode;

	if (hwloc_bitmap_weight(user) <= 0)
		return -EINVAL;
	switch (mode_flags) {
	case MMT_FLAGS_STATIC:
		ret->mode = MPOL_BIND | MPOL_F_STATIC_NODES;
		break;
	case MMT_FLAGS_RELATIVE:
		ret->mode = MPOL_BIND | MPOL_F_RELATIVE_NODES;
		break;
	default:
		ret->mode = MPOL_BIND;
		break;
	}
	/* The shortest mask that holds the last node: the kernel reads (and
	 * checks) maxnode bits on every call. */
	maxnode = mmt_set_to_ulongs(user, ret->mask,
				    (size_t)hwloc_bitmap_last(user) / (sizeof(long) * CHAR_BIT) + 1);
	if (maxnode < 0)
		return (int)maxnode;
	ret->maxnode = (unsigned long)maxnode;
	return 0;
}

int mmt_bind_policy_build(hwloc_const_bitmap_t mems, int mode_flags,
			  struct mmt_bind_policy *ret)
{
	hwloc_bitmap_t rel;
	int w = hwloc_bitmap_weight(mems), r;

	if (w <= 0)
		return -EINVAL;
	if (mode_flags != MMT_FLAGS_RELATIVE)
		return mmt_bind_policy_build_user(mems, mode_flags, ret);
	rel = hwloc_bitmap_alloc();
	if (!rel)
		return -ENOMEM;
	hwloc_bitmap_set_range(rel, 0, w - 1);
	r = mmt_bind_policy_build_user(rel, mode_flags, ret);
	hwloc_bitmap_free(rel);
	return r;
}

int mmt_bind_policy_user(const struct mmt_bind_policy *pol, hwloc_bitmap_t *ret)
{
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	unsigned nr = (unsigned)((pol->maxnode - 1 + sizeof(long) * CHAR_BIT - 1) /
				 (sizeof(long) * CHAR_BIT));

	if (!set)
		return -ENOMEM;
	if (hwloc_bitmap_from_ulongs(set, nr ? nr : 1, pol->mask) < 0) {
		hwloc_bitmap_free(set);
		return -ENOMEM;
	}
	*ret = set;
	return 0;
}

size_t mmt_page_size(void)
{
	long r = sysconf(_SC_PAGESIZE);

	return r > 0 ? (size_t)r : 4096;
}

void mmt_pattern_write_page(const struct mmt_pattern_region *r, uint64_t i)
{
	unsigned char *p = r->base + i * r->page_size;
	uint64_t head = mmt_workload_pattern(r->ctx->seed, r->ctx->thread, r->loop, i);

	*(volatile uint64_t *)p = head;
	*(volatile uint64_t *)(p + r->page_size - sizeof(uint64_t)) = mmt_workload_tail(head);
}

bool mmt_pattern_write(const struct mmt_pattern_region *r)
{
	uint64_t i, done = 0;

	for (i = 0; i < r->nr_pages; i++) {
		mmt_pattern_write_page(r, i);
		if (++done == r->batch) {
			mmt_wctx_progress(r->ctx, done);
			done = 0;
			if (mmt_wctx_stopping(r->ctx))
				return false;
		}
	}
	if (done)
		mmt_wctx_progress(r->ctx, done);
	return true;
}

static void report_corruption(const struct mmt_pattern_region *r, unsigned char *addr,
			      uint64_t page, uint64_t expected, uint64_t got, const char *where)
{
	struct mmt_wmsg m = {
		.type = MMT_WMSG_CORRUPTION,
		.node = -1,
		.addr = (uint64_t)(uintptr_t)addr,
		.page_index = page,
		.expected = expected,
		.got = got,
	};
	int node = -1;

	if (get_mempolicy(&node, NULL, 0, addr, MPOL_F_NODE | MPOL_F_ADDR) == 0)
		m.node = node;
	snprintf(m.text, sizeof(m.text), "%s: %s %llu page %llu (%s word) expected %#llx got %#llx",
		 r->who, r->round_name, (unsigned long long)r->round, (unsigned long long)page,
		 where, (unsigned long long)expected, (unsigned long long)got);
	mmt_wctx_send(r->ctx, &m);
}

bool mmt_pattern_verify(const struct mmt_pattern_region *r)
{
	struct mmt_wctx *ctx = r->ctx;
	uint64_t i, done = 0, bad = 0;

	for (i = 0; i < r->nr_pages; i++) {
		unsigned char *p = r->base + i * r->page_size;
		unsigned char *q = p + r->page_size - sizeof(uint64_t);
		uint64_t head = mmt_workload_pattern(ctx->seed, ctx->thread, r->loop, i);
		uint64_t got_head = *(volatile uint64_t *)p;
		uint64_t got_tail = *(volatile uint64_t *)q;

		if (got_head != head || got_tail != mmt_workload_tail(head)) {
			if (bad++ < MMT_MAX_REPORTS_PER_LOOP) {
				if (got_head != head)
					report_corruption(r, p, i, head, got_head, "head");
				else
					report_corruption(r, q, i, mmt_workload_tail(head), got_tail,
							  "tail");
			}
			if (r->rewrite_bad)
				mmt_pattern_write_page(r, i);
		}
		if (++done == r->batch) {
			mmt_wctx_verified(ctx, done);
			done = 0;
			if (mmt_wctx_stopping(ctx))
				break;
		}
	}
	if (done)
		mmt_wctx_verified(ctx, done);
	if (bad > MMT_MAX_REPORTS_PER_LOOP) {
		struct mmt_wmsg m = { .type = MMT_WMSG_NOTE, .node = -1 };

		snprintf(m.text, sizeof(m.text),
			 "%s: %s %llu: %llu more corrupt pages not reported one by one", r->who,
			 r->round_name, (unsigned long long)r->round,
			 (unsigned long long)(bad - MMT_MAX_REPORTS_PER_LOOP));
		mmt_wctx_send(ctx, &m);
	}
	return i == r->nr_pages;
}

int mmt_wl_run_loops(struct mmt_wctx *ctx, int (*one_loop)(void *arg), void *arg,
		     bool task_policy)
{
	int r = 0;

	mmt_wctx_progress(ctx, 0);
	while (!mmt_wctx_stopping(ctx)) {
		r = one_loop(arg);
		if (r < 0)
			break;
	}
	if (task_policy)
		(void)set_mempolicy(MPOL_DEFAULT, NULL, 0);
	return r;
}

void mmt_wl_round_size(struct mmt_cell_cfg *cell, uint64_t *size)
{
	uint64_t rounded = mmt_round_up(*size, mmt_page_size());

	if (rounded == *size)
		return;
	log_warn("%s:%u: [cell:%s] size: %llu is not a multiple of the page size; using %llu",
		 cell->src.file, mmt_src_line(&cell->src, "size"), cell->name,
		 (unsigned long long)*size, (unsigned long long)rounded);
	*size = rounded;
}

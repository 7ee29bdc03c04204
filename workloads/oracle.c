// SPDX-License-Identifier: GPL-2.0-only
/* The rebind oracle, live: see workloads/oracle.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/set.h"
#include "lib/util.h"
#include "workloads/oracle.h"

#define MASK_BITS (MMT_MASK_LONGS * sizeof(long) * CHAR_BIT)
#define MAX_BATCH 64

static enum mmt_mpol_flags flags_of(int mode)
{
	if (mode & MPOL_F_STATIC_NODES)
		return MMT_MPOL_F_STATIC;
	if (mode & MPOL_F_RELATIVE_NODES)
		return MMT_MPOL_F_RELATIVE;
	return MMT_MPOL_F_NONE;
}

static void add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

int mmt_oracle_init(struct mmt_oracle *o, struct mmt_wctx *ctx, const struct mmt_fault_opts *opts,
		    hwloc_const_bitmap_t user, int mode, bool task_api)
{
	int last;

	memset(o, 0, sizeof(*o));
	if (!opts->oracle || !ctx->mems_pub)
		return 0;
	if (mmt_mpol_init(&o->st) < 0)
		return -ENOMEM;
	o->user = hwloc_bitmap_dup(user);
	o->memory = hwloc_bitmap_dup(ctx->topo->mem_nodes);
	o->tmp = hwloc_bitmap_alloc();
	o->got = hwloc_bitmap_alloc();
	o->rep = hwloc_bitmap_alloc();
	o->want = hwloc_bitmap_alloc();
	if (!o->user || !o->memory || !o->tmp || !o->got || !o->rep || !o->want) {
		mmt_oracle_fini(o);
		return -ENOMEM;
	}
	last = hwloc_bitmap_last(o->memory);
	o->nr_longs = last < 0 ? 1 : (size_t)last / (sizeof(long) * CHAR_BIT) + 1;
	if (o->nr_longs > MMT_MASK_LONGS)
		o->nr_longs = MMT_MASK_LONGS;
	o->pub = ctx->mems_pub;
	o->task_api = task_api;
	o->mode = mode;
	o->flags = flags_of(mode);
	o->settle_us = opts->oracle_settle;
	o->every_pages = opts->oracle_every;
	o->interval_us = opts->oracle_interval;
	o->tolerance = opts->placement_tolerance;
	o->ctx = ctx;
	atomic_store_explicit(&ctx->stats->oracle_on, 1, memory_order_relaxed);
	return 0;
}

void mmt_oracle_fini(struct mmt_oracle *o)
{
	mmt_mpol_fini(&o->st);
	hwloc_bitmap_free(o->user);
	hwloc_bitmap_free(o->memory);
	hwloc_bitmap_free(o->tmp);
	hwloc_bitmap_free(o->got);
	hwloc_bitmap_free(o->rep);
	hwloc_bitmap_free(o->want);
	free(o->maps);
	memset(o, 0, sizeof(*o));
}

/* ---- the publication (api/shared.h: a seqcount) ------------------------- */

uint64_t mmt_oracle_snap(const struct mmt_oracle *o)
{
	if (!o->pub)
		return 1;
	return atomic_load_explicit(&o->pub->seqcount, memory_order_acquire);
}

/* True when no rewrite began since SC was read (and none was in flight). */
static bool pub_unchanged(const struct mmt_oracle *o, uint64_t sc)
{
	atomic_thread_fence(memory_order_acquire);
	return !(sc & 1) && atomic_load_explicit(&o->pub->seqcount, memory_order_relaxed) == sc;
}

static void fmt(hwloc_const_bitmap_t set, char *buf, size_t len)
{
	if (mmt_set_format(set, buf, len) <= 0 && len)
		snprintf(buf, len, "(none)");
}

/*
 * Apply the rewrites published after o->seq to the model.  Returns 0 (up
 * to date, or resynchronised), -EAGAIN when a rewrite is in flight or the
 * copy was torn (try at the next batch).
 */
static int follow(struct mmt_oracle *o)
{
	unsigned long masks[MMT_MEMS_RING][MMT_MASK_LONGS];
	uint64_t sc, seq, first, n;
	char from[48], to[48];

	sc = atomic_load_explicit(&o->pub->seqcount, memory_order_acquire);
	if (sc & 1)
		return -EAGAIN;
	seq = atomic_load_explicit(&o->pub->seq, memory_order_relaxed);
	if (seq == o->seq)
		return 0;
	if (seq < o->seq) {
		/* The page was reset under us: start over at the next creation. */
		o->synced = false;
		o->seq = seq;
		return 0;
	}
	n = seq - o->seq;
	first = n > MMT_MEMS_RING ? seq - MMT_MEMS_RING + 1 : o->seq + 1;
	for (uint64_t s = first; s <= seq; s++) {
		const struct mmt_mems_rewrite *e = &o->pub->ring[s % MMT_MEMS_RING];

		if (atomic_load_explicit(&e->seq, memory_order_relaxed) != s)
			return -EAGAIN;
		for (size_t k = 0; k < o->nr_longs; k++)
			masks[s - first][k] = atomic_load_explicit(&e->mask[k], memory_order_relaxed);
	}
	if (!pub_unchanged(o, sc))
		return -EAGAIN;
	if (n > MMT_MEMS_RING && o->synced) {
		add(&o->ctx->stats->oracle_resyncs, 1);
		/* No flag: the result depends on every mems in between. */
		if (o->flags == MMT_MPOL_F_NONE)
			o->synced = false;
		else
			first = seq;    /* STATIC/RELATIVE: the last mems decides */
	}
	o->seq = seq;
	if (!o->synced)
		return 0;
	for (uint64_t s = first; s <= seq; s++) {
		int r = hwloc_bitmap_from_ulongs(o->tmp, (unsigned)o->nr_longs, masks[s - first]);

		if (r == 0)
			r = mmt_mpol_rebind_mask(o->task_api ? MMT_MPOL_TASK : MMT_MPOL_VMA, o->tmp,
						 o->tmp, o->memory, o->tmp);
		fmt(o->st.mems, from, sizeof(from));
		fmt(o->tmp, to, sizeof(to));
		if (r == 0)
			r = mmt_mpol_rebind(&o->st, o->tmp);
		if (r < 0) {
			o->synced = false;
			return 0;
		}
		snprintf(o->rewrite, sizeof(o->rewrite), "#%" PRIu64 " mems %s -> %s", s, from, to);
	}
	return 0;
}

bool mmt_oracle_created(struct mmt_oracle *o, uint64_t sc, const void *addr)
{
	unsigned long mask[MMT_MASK_LONGS];
	uint64_t seq;

	if (!o->ctx)
		return true;
	o->synced = false;
	if (sc & 1)
		return false;
	if (get_mempolicy(NULL, mask, MASK_BITS, NULL, MPOL_F_MEMS_ALLOWED) < 0)
		return true;    /* nothing to model; not worth a retry */
	seq = atomic_load_explicit(&o->pub->seq, memory_order_relaxed);
	if (!pub_unchanged(o, sc))
		return false;
	if (hwloc_bitmap_from_ulongs(o->tmp, (unsigned)MMT_MASK_LONGS, mask) < 0 ||
	    mmt_mpol_create(&o->st, o->flags, o->user, o->tmp, o->memory) < 0)
		return true;
	o->seq = seq;
	o->synced = true;
	o->addr = addr;
	o->rewrite[0] = '\0';
	return true;
}

/* ---- reading the kernel's side ------------------------------------------ */

int mmt_oracle_numa_maps_policy(const char *text, uintptr_t addr, char *buf, size_t len,
				hwloc_bitmap_t nodes)
{
	const char *best = NULL, *line = text;

	while (line && *line) {
		char *end;
		unsigned long long start = strtoull(line, &end, 16);

		if (end != line && *end == ' ' && start <= addr)
			best = end + 1;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	if (!best)
		return -ENOENT;
	{
		size_t n = strcspn(best, " \n");
		const char *colon = memchr(best, ':', n);
		char list[256];
		size_t ln;

		if (n >= len)
			return -ERANGE;
		memcpy(buf, best, n);
		buf[n] = '\0';
		hwloc_bitmap_zero(nodes);
		if (!colon)
			return 0;
		ln = n - (size_t)(colon + 1 - best);
		if (ln >= sizeof(list))
			return -ERANGE;
		memcpy(list, colon + 1, ln);
		list[ln] = '\0';
		return mmt_set_parse(list, nodes, NULL) < 0 ? -EINVAL : 0;
	}
}

/* The whole of /proc/thread-self/numa_maps into o->maps.  0 or -errno. */
static int read_numa_maps(struct mmt_oracle *o)
{
	size_t used = 0;
	int fd = open("/proc/thread-self/numa_maps", O_RDONLY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		if (o->maps_size - used < 4096) {
			size_t sz = o->maps_size ? o->maps_size * 2 : 16384;
			char *p = realloc(o->maps, sz);

			if (!p) {
				r = -ENOMEM;
				break;
			}
			o->maps = p;
			o->maps_size = sz;
		}
		n = read(fd, o->maps + used, o->maps_size - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	if (o->maps)
		o->maps[used] = '\0';
	return r;
}

/*
 * Read the policy: the mode and nodemask get_mempolicy() reports into
 * *mode and o->rep, the effective nodes into o->got (from get_mempolicy()
 * without a flag, numa_maps otherwise).  0 or -errno.
 */
static int read_policy(struct mmt_oracle *o, int *mode)
{
	unsigned long mask[MMT_MASK_LONGS];
	char field[128];
	int r;

	if (get_mempolicy(mode, mask, MASK_BITS, o->task_api ? NULL : (void *)o->addr,
			  o->task_api ? 0 : MPOL_F_ADDR) < 0)
		return -errno;
	if (hwloc_bitmap_from_ulongs(o->rep, (unsigned)MMT_MASK_LONGS, mask) < 0)
		return -ENOMEM;
	if (o->flags == MMT_MPOL_F_NONE)
		return hwloc_bitmap_copy(o->got, o->rep) < 0 ? -ENOMEM : 0;
	r = read_numa_maps(o);
	if (r < 0)
		return r;
	return mmt_oracle_numa_maps_policy(o->maps, (uintptr_t)o->addr, field, sizeof(field),
					   o->got);
}

static const char *api_name(const struct mmt_oracle *o)
{
	return o->task_api ? "set_mempolicy" : "mbind";
}

static void send_drift(struct mmt_oracle *o, int mode, uint64_t now)
{
	struct mmt_wmsg m = { .type = MMT_WMSG_POLICY_DRIFT, .node = -1 };
	char want[48], got[48], wrep[48], rep[48];

	add(&o->ctx->stats->oracle_drift, 1);
	if (o->drift_msgs >= MMT_ORACLE_MAX_DRIFT_MSGS)
		return;
	o->drift_msgs++;
	fmt(o->st.nodes, want, sizeof(want));
	fmt(o->got, got, sizeof(got));
	(void)mmt_mpol_reported(&o->st, o->want);
	fmt(o->want, wrep, sizeof(wrep));
	fmt(o->rep, rep, sizeof(rep));
	m.expected = (uint64_t)(MPOL_BIND | (o->mode & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES)));
	m.got = (uint64_t)(unsigned)mode;
	m.page_index = o->seq;
	snprintf(m.text, sizeof(m.text),
		 "%s/%s: nodes expected %s got %s; reported %s (expected %s); %" PRIu64
		 " ms after %s", mmt_mpol_flags_name(o->flags), api_name(o), want, got, rep, wrep,
		 (now - o->pending_since_us) / 1000, o->rewrite[0] ? o->rewrite : "creation");
	mmt_wctx_send(o->ctx, &m);
}

/* Compare the kernel with the model, when no rewrite overlaps the read. */
static void check_policy(struct mmt_oracle *o, uint64_t now)
{
	struct mmt_thread_stats *st = o->ctx->stats;
	uint64_t sc = mmt_oracle_snap(o);
	int mode = 0;
	bool same;

	if ((sc & 1) || atomic_load_explicit(&o->pub->seq, memory_order_relaxed) != o->seq) {
		add(&st->oracle_in_rewrite, 1);
		return;
	}
	if (read_policy(o, &mode) < 0)
		return;
	if (!pub_unchanged(o, sc)) {
		add(&st->oracle_in_rewrite, 1);
		return;
	}
	add(&st->oracle_checks, 1);
	if (mmt_mpol_reported(&o->st, o->want) < 0)
		return;
	same = hwloc_bitmap_isequal(o->rep, o->want) && hwloc_bitmap_isequal(o->got, o->st.nodes) &&
	       mode == (MPOL_BIND | (o->mode & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES)));
	if (same) {
		if (o->pending)
			add(&st->oracle_transient, 1);
		o->pending = false;
	} else if (!o->pending) {
		o->pending = true;
		o->pending_since_us = now;
	} else if (now - o->pending_since_us >= o->settle_us) {
		send_drift(o, mode, now);
		o->pending = false;
	}
}

static void send_placement(struct mmt_oracle *o)
{
	struct mmt_wmsg m = { .type = MMT_WMSG_PLACEMENT, .node = -1 };
	char want[48];
	int n;

	fmt(o->st.nodes, want, sizeof(want));
	n = snprintf(m.text, sizeof(m.text), "%s/%s: %" PRIu64 " fresh pages outside nodes %s "
		     "(tolerance %" PRIu64 "), by node:", mmt_mpol_flags_name(o->flags), api_name(o),
		     o->outside, want, o->tolerance);
	for (int i = 0; i < MMT_ORACLE_NODES && n > 0 && (size_t)n < sizeof(m.text); i++)
		if (o->outside_node[i])
			n += snprintf(m.text + n, sizeof(m.text) - (size_t)n, " %d:%" PRIu64, i,
				      o->outside_node[i]);
	m.expected = o->tolerance;
	m.got = o->outside;
	mmt_wctx_send(o->ctx, &m);
}

/* Where the NR pages at ADDR sit, against the model (the caller made sure
 * no rewrite overlapped their fault). */
static void sample_placement(struct mmt_oracle *o, uint64_t sc, unsigned char *addr, uint64_t nr,
			     size_t page_size)
{
	void *pages[MAX_BATCH];
	int status[MAX_BATCH];
	uint64_t sampled = 0, outside = 0;

	if (nr > MAX_BATCH)
		nr = MAX_BATCH;
	for (uint64_t i = 0; i < nr; i++)
		pages[i] = addr + i * page_size;
	if (move_pages(0, (unsigned long)nr, pages, NULL, status, 0) < 0)
		return;
	if (!pub_unchanged(o, sc))
		return;
	for (uint64_t i = 0; i < nr; i++) {
		if (status[i] < 0)
			continue;
		sampled++;
		if (hwloc_bitmap_isset(o->st.nodes, (unsigned)status[i]))
			continue;
		outside++;
		if (status[i] < MMT_ORACLE_NODES)
			o->outside_node[status[i]]++;
	}
	/* The batch was faulted under the model's state only if no rewrite
	 * began between the snapshot before it and now. */
	add(&o->ctx->stats->placement_pages, sampled);
	if (!outside)
		return;
	add(&o->ctx->stats->placement_outside, outside);
	o->outside += outside;
	if (o->outside > o->tolerance && !o->placement_reported) {
		o->placement_reported = true;
		send_placement(o);
	}
}

void mmt_oracle_faulted(struct mmt_oracle *o, uint64_t sc, unsigned char *addr, uint64_t nr,
			size_t page_size)
{
	uint64_t now;
	bool due;

	if (!o->ctx)
		return;
	o->pages_since += nr;
	if (follow(o) < 0 || !o->synced || !o->seq)
		return;
	/* The first batch after each rewrite that no rewrite overlapped (on
	 * v2 a write migrates the cell's pages and often spans a batch). */
	if (o->sampled_seq != o->seq && pub_unchanged(o, sc)) {
		sample_placement(o, sc, addr, nr, page_size);
		o->sampled_seq = o->seq;
	}
	now = mmt_now_us();
	due = (o->seq != o->checked_seq || o->pending) &&
	      (o->pages_since >= o->every_pages || now - o->last_check_us >= o->interval_us);
	if (!due)
		return;
	check_policy(o, now);
	o->pages_since = 0;
	o->last_check_us = now;
	o->checked_seq = o->seq;
}

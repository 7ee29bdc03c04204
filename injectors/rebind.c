// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rebinder (over 1000 lines: the sequences, the write loop shared with
 * bench/bench_rebind.c and the plugin are kept together so that the bench
 * measures the very code a run uses): rewrites cpuset.mems of the chosen
 * cells through a sequence
 * of node sets while their workers allocate under MPOL_BIND (the spurious
 * OOM race of docs/design.md section 1), or moves the workers between two sibling
 * cells.  On a machine (or a set of cells) with one memory node the mems
 * race cannot run; "auto" then alternates cpuset.cpus instead and run.json
 * says that the mems race was not exercised.
 *
 * Threads (streams): by default one thread per cell, each rewriting its own
 * cell's file (streams = cell), so that no cell waits for the others'
 * writes.  Measured in the lab VM (v1, TCG, 2 vCPUs, bench/rebind_scale/):
 * one cell 1120 writes/s; three cells 264-363/s each with a thread each,
 * 48/s each with one round-robin thread.  The kernel serialises cpuset
 * writes (cpuset_mutex), so a cell's rate still falls with the number of
 * cells; the threads only stop the cells from waiting in turn.  streams = one keeps
 * the single round-robin thread (one write per cell per round).  With rate >
 * 0 a round starts at absolute CLOCK_MONOTONIC deadlines 1/rate apart, so
 * "rate" is writes/s per cell either way.  A write can block in the kernel
 * (v2 migrates pages on every cpuset.mems write), which is why it is never
 * done in the event loop.
 *
 * Generated sequences, mems mode: for a cell whose workload binds its
 * memory (api/workload.h bind_policy(): fault, thp-fault, migrate) a
 * sequence built for the race against the cell's policy
 * (lib/mpol.h mmt_mpol_race_sequence(): rewrites that leave the policy's
 * nodes partly or wholly outside the new mems); for other cells, and in
 * cpus mode, every non-empty subset of the cell's nodes (CPUs), the whole
 * set first, then by size, capped at MMT_REBIND_MAX_SEQ (64) entries; e.g.
 * nodes {0,1}: 0-1, 0, 1, 0-1, ...  A cell with a single node (CPU) uses
 * the union of all target cells'.  Every write of a modelled cell is
 * counted by the transition it makes (mmt_mpol_walk()'s steady state of the
 * policy as created at the start; a set_mempolicy cell re-creates its
 * policy every loop, so its counts are the model's, not a measurement).
 *
 * Exposure (mmt_rebind_exposure(), docs/results.md): the allocator's slow
 * path counters of /proc/vmstat (allocstall_*, compact_stall,
 * pgscan_direct) and the PSI memory "some" total, read at start and stop.
 * The kernel keeps none of them per node (6.1 and 6.18:
 * /sys/devices/system/node/nodeN/vmstat has no allocstall, compact_stall or
 * pgscan_direct), so each cell is given the machine's figures whole: an
 * upper bound of what its own allocations saw.
 *
 * Mode move: the worker's pid (cell->pid, re-read every time since workers
 * respawn) is written into the peer's cgroup.procs and back into the home
 * cell's.  A pid that gives ESRCH is skipped until the orchestrator replaces
 * it, and ESRCH does not count towards the "more than half of the writes
 * failed within a second" harness finding.
 *
 * stop puts back the cells' configured cpuset values (and a moved worker);
 * The cells stay marked disturbed so that late OOM reports still see it.
 *
 * priv is the core's (api/injector.h): probe fills it, cleanup releases
 * what it holds.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/cgroup.h"
#include "lib/log.h"
#include "lib/monitor.h"
#include "api/run.h"
#include "lib/set.h"
#include "lib/util.h"
#include "api/injector.h"
#include "api/workload.h"
#include "injectors/rebind.h"

enum rebind_streams {
	STREAMS_CELL,
	STREAMS_ONE,
};

static const char *const streams_names[] = { "cell", "one", NULL };

enum rebind_mode {
	MODE_AUTO,
	MODE_MEMS,
	MODE_CPUS,
	MODE_MOVE,
};

static const char *const mode_names[] = { "auto", "mems", "cpus", "move", NULL };

struct rebind_opts {
	char cells[MMT_OPT_STRLEN];
	int mode;                         /* enum rebind_mode */
	char sequence[MMT_OPT_STRLEN];
	uint64_t rate;
	char move_peer[MMT_OPT_STRLEN];
	int streams;                      /* enum rebind_streams */
};

static const struct mmt_opt rebind_opts[] = {
	{ .name = "cells", .type = MMT_OPT_STR,
	  .off = offsetof(struct rebind_opts, cells), .def = "all",
	  .help = "cells to rebind: 'all' or names separated by ';'" },
	{ .name = "mode", .type = MMT_OPT_ENUM,
	  .off = offsetof(struct rebind_opts, mode), .def = "auto",
	  .choices = mode_names,
	  .help = "mems: rewrite cpuset.mems; cpus: rewrite cpuset.cpus; move: "
		  "move the worker to move_peer and back; auto: mems with >= 2 "
		  "memory nodes, else cpus" },
	{ .name = "sequence", .type = MMT_OPT_STRLIST,
	  .off = offsetof(struct rebind_opts, sequence), .def = "",
	  .help = "sets to cycle through, e.g. '0-1;0;1' (node lists; CPU lists "
		  "with mode=cpus); empty: every subset of the cell's nodes "
		  "(at most 64)" },
	{ .name = "rate", .type = MMT_OPT_U64,
	  .off = offsetof(struct rebind_opts, rate), .min = 0, .max = 10000000,
	  .def = "0", .help = "writes per second per cell; 0 = as fast as possible" },
	{ .name = "move_peer", .type = MMT_OPT_STR,
	  .off = offsetof(struct rebind_opts, move_peer), .def = "",
	  .help = "mode=move: the sibling cell the workers are moved to and back" },
	{ .name = "streams", .type = MMT_OPT_ENUM,
	  .off = offsetof(struct rebind_opts, streams), .def = "cell",
	  .choices = streams_names,
	  .help = "cell: one writer thread per cell; one: a single thread round-robin "
		  "over the cells" },
	MMT_OPT_END
};

static const char *const rebind_columns[] = { "rebinds", "rebinds_per_s", "errors", NULL };

/* ---- pure helpers (also used by the bench and the unit tests) ------------ */

const char *mmt_rebind_errno_name(int err, char *buf, size_t len)
{
	const char *name = err > 0 ? strerrorname_np(err) : NULL;

	if (name)
		return name;
	snprintf(buf, len, "E%d", err);
	return buf;
}

static int format_value(hwloc_const_bitmap_t set, struct mmt_rebind_value *v)
{
	int r = mmt_set_format(set, v->s, sizeof(v->s));

	if (r < 0)
		return r;
	if ((size_t)r >= sizeof(v->s))
		return -ERANGE;
	v->len = (size_t)r;
	return 0;
}

int mmt_rebind_gen_sequence(hwloc_const_bitmap_t ids, unsigned max,
			    struct mmt_rebind_value *ret_values)
{
	int k = hwloc_bitmap_weight(ids);
	unsigned nr = 0, *id = NULL, *idx = NULL;
	hwloc_bitmap_t set = NULL;
	int r = 0, i;

	if (k < 0)
		return -EINVAL;         /* infinite set */
	if (k == 0 || max == 0)
		return 0;
	if (format_value(ids, &ret_values[nr]) < 0)
		return -ERANGE;
	nr++;
	id = calloc((size_t)k, sizeof(*id));
	idx = calloc((size_t)k, sizeof(*idx));
	set = hwloc_bitmap_alloc();
	if (!id || !idx || !set) {
		r = -ENOMEM;
		goto out_free;
	}
	i = 0;
	for (int b = hwloc_bitmap_first(ids); b >= 0; b = hwloc_bitmap_next(ids, b))
		id[i++] = (unsigned)b;
	/* Proper subsets by size, lexicographic combinations within a size. */
	for (int s = 1; s < k && nr < max; s++) {
		for (i = 0; i < s; i++)
			idx[i] = (unsigned)i;
		while (nr < max) {
			int j;

			hwloc_bitmap_zero(set);
			for (i = 0; i < s; i++)
				hwloc_bitmap_set(set, id[idx[i]]);
			r = format_value(set, &ret_values[nr]);
			if (r < 0)
				goto out_free;
			nr++;
			for (j = s - 1; j >= 0 && idx[j] == (unsigned)(k - s + j); j--)
				;
			if (j < 0)
				break;
			idx[j]++;
			for (i = j + 1; i < s; i++)
				idx[i] = idx[i - 1] + 1;
		}
	}
	r = (int)nr;
out_free:
	hwloc_bitmap_free(set);
	free(idx);
	free(id);
	return r;
}

int mmt_rebind_parse_sequence(const char *text, bool cpus, unsigned max,
			      struct mmt_rebind_value *ret_values,
			      char *why, size_t why_len)
{
	const char *what = cpus ? "CPU list" : "node list";
	char copy[MMT_OPT_STRLEN];
	char *items[MMT_REBIND_MAX_SEQ + 1];
	hwloc_bitmap_t sets[MMT_REBIND_MAX_SEQ] = { NULL };
	unsigned nr, i;
	int r = 0;

	if (max > MMT_REBIND_MAX_SEQ)
		max = MMT_REBIND_MAX_SEQ;
	snprintf(copy, sizeof(copy), "%s", text);
	nr = mmt_opt_split_list(copy, items, max + 1);
	if (nr > max) {
		snprintf(why, why_len, "more than %u items", max);
		return -EINVAL;
	}
	if (nr < 2) {
		snprintf(why, why_len, "needs at least 2 items to alternate "
			 "(writing the same value again is a no-op in the kernel)");
		return -EINVAL;
	}
	for (i = 0; i < nr; i++) {
		const char *perr = NULL;
		char *item = mmt_strstrip(items[i]);

		sets[i] = hwloc_bitmap_alloc();
		if (!sets[i]) {
			r = -ENOMEM;
			goto out_free;
		}
		if (mmt_set_parse(item, sets[i], &perr) < 0) {
			snprintf(why, why_len, "item %u '%s' is not a %s (%s)", i + 1,
				 item, what, perr ? perr : "invalid");
			r = -EINVAL;
			goto out_free;
		}
		if (hwloc_bitmap_iszero(sets[i])) {
			snprintf(why, why_len, "item %u is empty; a cpuset needs at "
				 "least one %s", i + 1, cpus ? "CPU" : "node");
			r = -EINVAL;
			goto out_free;
		}
		if (i > 0 && hwloc_bitmap_isequal(sets[i], sets[i - 1])) {
			snprintf(why, why_len, "item %u '%s' equals item %u; consecutive "
				 "items must differ (rewriting a value is a no-op)",
				 i + 1, item, i);
			r = -EINVAL;
			goto out_free;
		}
		r = format_value(sets[i], &ret_values[i]);
		if (r < 0) {
			snprintf(why, why_len, "item %u '%s' is too long", i + 1, item);
			goto out_free;
		}
	}
	if (hwloc_bitmap_isequal(sets[nr - 1], sets[0])) {
		snprintf(why, why_len, "last item %u '%s' equals item 1; the sequence "
			 "wraps around, so they must differ", nr, ret_values[nr - 1].s);
		r = -EINVAL;
		goto out_free;
	}
	r = (int)nr;
out_free:
	for (i = 0; i < nr && i < MMT_REBIND_MAX_SEQ; i++)
		hwloc_bitmap_free(sets[i]);
	return r;
}

int mmt_rebind_exposure(const struct mmt_rebind_exposure_in *in, struct mmt_rebind_exposure *e)
{
	double d = in->duration_s;

	e->rewrites_per_s = e->slow_path_per_s = e->pgscan_direct_per_s = NAN;
	e->stall_fraction = e->windows_per_s = NAN;
	if (!(d > 0))
		return -EINVAL;
	e->rewrites_per_s = (double)in->rewrites / d;
	if (in->have_slow) {
		e->slow_path_per_s = (double)in->slow_entries / d;
		e->pgscan_direct_per_s = (double)in->pgscan_direct / d;
	}
	if (in->have_psi) {
		double f = (double)in->stall_us / (d * 1e6);

		e->stall_fraction = f > 1 ? 1 : f;
		e->windows_per_s = e->rewrites_per_s * e->stall_fraction;
	}
	return 0;
}

/* ---- the write loop ------------------------------------------------------ */

/* Single writer: a relaxed load and store, no locked instruction. */
static inline void count(_Atomic uint64_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

static inline uint64_t load(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/*
 * Hot path: pwrite() on a file opened once.  Reopening the cgroup file for
 * every write is 4x slower, and libcgroup slower still (docs/design.md sec. 3).
 * cgroup files ignore the offset and take a value in one write.
 */
static inline int write_value(int fd, const char *buf, size_t len)
{
	for (;;) {
		if (pwrite(fd, buf, len, 0) >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

/*
 * The publication of api/shared.h struct mmt_mems_pub around one write of
 * cpuset.mems: seqcount odd before, the rewrite (when it succeeded) and
 * seqcount even after.  The loop is the only writer, so it reads back its
 * own values; a page the orchestrator zeroed for a new worker starts over.
 */
static void publish_begin(struct mmt_mems_pub *p)
{
	uint64_t sc = atomic_load_explicit(&p->seqcount, memory_order_relaxed);

	atomic_store_explicit(&p->seqcount, sc | 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
}

static void publish_end(struct mmt_mems_pub *p, const unsigned long *mask, bool written)
{
	uint64_t sc = atomic_load_explicit(&p->seqcount, memory_order_relaxed);

	if (written) {
		uint64_t seq = atomic_load_explicit(&p->seq, memory_order_relaxed) + 1;
		struct mmt_mems_rewrite *e = &p->ring[seq % MMT_MEMS_RING];

		atomic_store_explicit(&e->seq, seq, memory_order_relaxed);
		for (size_t k = 0; k < MMT_MASK_LONGS; k++)
			atomic_store_explicit(&e->mask[k], mask[k], memory_order_relaxed);
		atomic_store_explicit(&p->seq, seq, memory_order_relaxed);
	}
	atomic_store_explicit(&p->seqcount, (sc | 1) + 1, memory_order_release);
}

/* One write to target t.  Returns 0, 1 when there was nothing to do, or
 * -errno. */
static int step(struct mmt_rebind_loop *l, struct mmt_rebind_target *t)
{
	if (t->fd >= 0) {
		struct mmt_mems_pub *pub = t->masks && t->cell && t->cell->sh ?
					   &t->cell->sh->mems : NULL;
		unsigned i = t->next;
		int r;

		/* After a failure the cgroup still holds values[last_ok]: never
		 * write that again (it would be a no-op).  Consecutive items
		 * differ, so the one after it does not. */
		if (t->failed && !strcmp(t->values[i].s, t->values[t->last_ok].s))
			i = (i + 1) % t->nr_values;
		if (pub)
			publish_begin(pub);
		r = write_value(t->fd, t->values[i].s, t->values[i].len);
		if (pub)
			publish_end(pub, t->masks[i], r == 0);
		t->next = (i + 1) % t->nr_values;
		t->failed = r < 0;
		if (r == 0) {
			t->last_ok = i;
			if (t->kinds)
				count(&t->by_kind[t->kinds[i]]);
		}
		return r;
	} else {
		char buf[24];
		pid_t pid = t->cell ? atomic_load(&t->cell->pid) : 0;
		int len, r;

		/* No worker, or one that we know is gone (ESRCH) and that the
		 * orchestrator has not replaced yet: nothing to move. */
		if (pid <= 0 || pid == t->dead_pid) {
			count(&l->stats.skipped);
			return 1;
		}
		/* A respawned worker starts in its home cell. */
		if (t->in_peer && pid != t->moved_pid)
			t->in_peer = false;
		len = snprintf(buf, sizeof(buf), "%d", (int)pid);
		r = write_value(t->in_peer ? t->home_fd : t->peer_fd, buf, (size_t)len);
		if (r == 0) {
			t->in_peer = !t->in_peer;
			t->moved_pid = pid;
			count(&l->stats.moves);
		} else if (r == -ESRCH) {
			t->dead_pid = pid;
		}
		return r;
	}
}

static void errors_text(struct mmt_rebind_stats *st, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int e = 0; e < MMT_REBIND_NR_ERRNO && n < len; e++) {
		uint64_t c = load(&st->by_errno[e]);
		char nb[16];

		if (!c)
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s %" PRIu64, n ? ", " : "",
				      mmt_rebind_errno_name(e, nb, sizeof(nb)), c);
	}
}

static void check_window(struct mmt_rebind_loop *l, uint64_t now_us)
{
	char text[192];

	if (now_us - l->win_start_us < MMT_USEC_PER_SEC || l->win_tries < 4)
		return;
	if (l->win_errors * 2 > l->win_tries && !l->harness_reported) {
		l->harness_reported = true;
		errors_text(&l->stats, text, sizeof(text));
		if (l->run)     /* logs it too */
			mmt_run_finding(l->run, MMT_F_HARNESS,
					"%s: %" PRIu64 " of %" PRIu64 " writes failed "
					"within one second (errors so far: %s)", l->name,
					l->win_errors, l->win_tries, text);
		else
			log_err("%s: %" PRIu64 " of %" PRIu64 " writes failed within "
				"one second (errors so far: %s)", l->name,
				l->win_errors, l->win_tries, text);
	}
	l->win_start_us = now_us;
	l->win_tries = 0;
	l->win_errors = 0;
}

static void account(struct mmt_rebind_loop *l, struct mmt_rebind_target *t,
		    int r, uint64_t now_us)
{
	l->win_tries++;
	if (r == 0) {
		count(&l->stats.writes);
		count(&t->writes);
		if (t->cell)   /* read by the OOM classifier */
			mmt_run_cell_disturbed(t->cell, t->fd >= 0 ? MMT_DISTURB_CPUSET :
					       MMT_DISTURB_MOVE, now_us);
	} else {
		int e = -r < MMT_REBIND_NR_ERRNO ? -r : MMT_REBIND_NR_ERRNO - 1;

		/* A worker that died (ESRCH, move mode) is the orchestrator's
		 * business, not a harness failure. */
		if (r != -ESRCH)
			l->win_errors++;
		count(&l->stats.errors);
		count(&l->stats.by_errno[e]);
		if (load(&l->stats.by_errno[e]) == 1 && r == -ESRCH)
			log_info("%s: worker %d is gone; waiting for its successor",
				 l->name, (int)t->dead_pid);
		else if (load(&l->stats.by_errno[e]) == 1)
			log_err_errno(r, "%s: first write error of this kind", l->name);
	}
	check_window(l, now_us);
}

static bool loop_stopping(struct mmt_rebind_loop *l)
{
	return atomic_load_explicit(l->stop, memory_order_relaxed) ||
	       (l->run && mmt_run_stopping(l->run));
}

static void ts_add_ns(struct timespec *ts, uint64_t ns)
{
	ns += (uint64_t)ts->tv_nsec;
	ts->tv_sec += (time_t)(ns / 1000000000ULL);
	ts->tv_nsec = (long)(ns % 1000000000ULL);
}

static int ts_cmp(const struct timespec *a, const struct timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	return a->tv_nsec < b->tv_nsec ? -1 : a->tv_nsec > b->tv_nsec;
}

/*
 * Sleep to an absolute deadline on this (the injector's own) thread, in
 * slices of at most 50 ms so that a stop is seen quickly at low rates.
 * A deadline more than a second behind is resynchronised to now, so a
 * stalled write is not followed by a burst.
 */
static void sleep_until(struct mmt_rebind_loop *l, struct timespec *deadline)
{
	struct timespec now, slice, behind = *deadline;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ts_add_ns(&behind, 1000000000ULL);
	if (ts_cmp(&behind, &now) < 0) {
		*deadline = now;
		return;
	}
	while (!loop_stopping(l)) {
		if (ts_cmp(&now, deadline) >= 0)
			return;
		slice = now;
		ts_add_ns(&slice, 50 * 1000 * 1000);
		if (ts_cmp(deadline, &slice) < 0)
			slice = *deadline;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &slice, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
	}
}

int mmt_rebind_loop_run(struct mmt_rebind_loop *l)
{
	uint64_t period_ns = l->rate ? 1000000000ULL / l->rate : 0;
	struct timespec deadline;
	bool did_any = false;
	unsigned i = 0;

	if (!l->nr_targets)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	l->win_start_us = mmt_boottime_us();
	while (!loop_stopping(l)) {
		struct mmt_rebind_target *t = &l->targets[i];
		int r = step(l, t);
		uint64_t now_us = mmt_boottime_us();

		if (r <= 0) {
			account(l, t, r, now_us);
			did_any = true;
		}
		if (l->until_us && now_us >= l->until_us)
			break;
		if (++i < l->nr_targets)
			continue;
		i = 0;
		if (period_ns) {
			ts_add_ns(&deadline, period_ns);
			sleep_until(l, &deadline);
		} else if (!did_any) {
			/* Move mode with no worker alive: don't spin. */
			struct timespec ms = { 0, 1000 * 1000 };

			clock_nanosleep(CLOCK_MONOTONIC, 0, &ms, NULL);
		}
		did_any = false;
	}
	return 0;
}

/* ---- the injector -------------------------------------------------------- */

struct rebind {
	struct mmt_inj *inj;
	const struct rebind_opts *o;
	enum rebind_mode mode;            /* effective: MEMS, CPUS or MOVE */
	bool mems_exercised;
	const char *not_exercised_why;
	unsigned nr_cells;
	unsigned cell_idx[MMT_MAX_CELLS]; /* into job->cells */
	int peer_idx;                     /* into job->cells, or -1 */
	hwloc_bitmap_t union_set;         /* of the cells' nodes (or CPUs) */
	unsigned nr_seq;                  /* explicit sequence, 0 = generated */
	struct mmt_rebind_value seq[MMT_REBIND_MAX_SEQ];
	struct mmt_rebind_target targets[MMT_MAX_CELLS];
	struct mmt_rebind_value orig[MMT_MAX_CELLS]; /* restored at stop */
	/* streams = cell: loop i writes targets[i]; one: loops[0] writes all */
	unsigned nr_loops;
	struct mmt_rebind_loop loops[MMT_MAX_CELLS];
	char loop_names[MMT_MAX_CELLS][MMT_NAME_LEN * 2 + 2];
	pthread_t threads[MMT_MAX_CELLS];
	unsigned nr_threads;              /* running: threads[0..nr_threads-1] */
	atomic_bool stop;
	uint64_t start_us, stop_us;       /* CLOCK_MONOTONIC */
	uint64_t poll_writes, poll_us;
	/* Exposure: the slow-path counters and PSI at start and stop. */
	bool have_slow[2], have_psi[2];
	uint64_t slow[2][8];              /* slow_keys[] */
	uint64_t stall_us[2];
};

/* The allocator's slow path in /proc/vmstat: entries, then pages scanned. */
static const char *const slow_keys[] = {
	"allocstall_dma", "allocstall_dma32", "allocstall_normal", "allocstall_movable",
	"allocstall_device", "compact_stall", "pgscan_direct",
};
#define NR_SLOW_KEYS 7
#define SLOW_PGSCAN 6                     /* index of pgscan_direct */

/* Sum of a counter over the loops (each loop's counters have one writer). */
static uint64_t total(struct rebind *rb, size_t off)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < rb->nr_loops; i++)
		sum += load((_Atomic uint64_t *)((char *)&rb->loops[i].stats + off));
	return sum;
}
#define TOTAL(rb, field) total(rb, offsetof(struct mmt_rebind_stats, field))

static int find_cell(const struct mmt_job *job, const char *name)
{
	for (unsigned i = 0; i < job->nr_cells; i++)
		if (!strcmp(job->cells[i].name, name))
			return (int)i;
	return -1;
}

static void list_cells(const struct mmt_job *job, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < job->nr_cells && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
				      job->cells[i].name);
}

/* Resolve cells= (and move_peer=) against the job.  -EINVAL with why. */
static int resolve_cells(const struct rebind_opts *o, const struct mmt_job *job,
			 unsigned *ret_idx, unsigned *ret_nr, int *ret_peer,
			 const char **ret_key, char *why, size_t why_len)
{
	char copy[MMT_OPT_STRLEN], names[256];
	char *items[MMT_MAX_CELLS + 1];
	bool chosen[MMT_MAX_CELLS] = { false };
	int peer = -1;
	unsigned nr, n = 0;

	if (o->mode == MODE_MOVE) {
		*ret_key = "move_peer";
		if (!o->move_peer[0]) {
			snprintf(why, why_len, "mode=move needs move_peer (the sibling "
				 "cell to move the workers to)");
			return -EINVAL;
		}
		peer = find_cell(job, o->move_peer);
		if (peer < 0) {
			list_cells(job, names, sizeof(names));
			snprintf(why, why_len, "no cell '%s' in this job (cells: %s)",
				 o->move_peer, names);
			return -EINVAL;
		}
	} else if (o->move_peer[0]) {
		*ret_key = "move_peer";
		snprintf(why, why_len, "move_peer is only used with mode=move");
		return -EINVAL;
	}
	*ret_key = "cells";
	snprintf(copy, sizeof(copy), "%s", o->cells);
	nr = mmt_opt_split_list(copy, items, MMT_ARRAY_SIZE(items));
	if (nr > MMT_ARRAY_SIZE(items)) {
		snprintf(why, why_len, "more than %u names", MMT_MAX_CELLS);
		return -EINVAL;
	}
	for (unsigned i = 0; i < nr; i++) {
		char *name = mmt_strstrip(items[i]);
		int c;

		if (!strcmp(name, "all")) {
			for (unsigned j = 0; j < job->nr_cells; j++)
				chosen[j] = (int)j != peer;
			continue;
		}
		c = find_cell(job, name);
		if (c < 0) {
			list_cells(job, names, sizeof(names));
			snprintf(why, why_len, "no cell '%s' in this job (cells: %s)",
				 name, names);
			return -EINVAL;
		}
		if (c == peer) {
			snprintf(why, why_len, "cell '%s' is also move_peer; the peer "
				 "must be a different cell", name);
			return -EINVAL;
		}
		chosen[c] = true;
	}
	for (unsigned j = 0; j < job->nr_cells; j++)
		if (chosen[j])
			ret_idx[n++] = j;
	if (!n) {
		snprintf(why, why_len, "no cell to rebind (the job has %u cell%s%s)",
			 job->nr_cells, job->nr_cells == 1 ? "" : "s",
			 peer >= 0 ? ", one of them the move_peer" : "");
		return -EINVAL;
	}
	*ret_nr = n;
	*ret_peer = peer;
	return 0;
}

static int rebind_validate(struct mmt_injector_cfg *cfg, const struct mmt_job *job,
			   char *err, size_t err_len)
{
	const struct rebind_opts *o = cfg->opts;
	struct mmt_rebind_value *vals;
	unsigned idx[MMT_MAX_CELLS], nr;
	const char *key = "cells";
	char why[256];
	int peer, r;

	r = resolve_cells(o, job, idx, &nr, &peer, &key, why, sizeof(why));
	if (r < 0)
		goto out_err;
	key = "sequence";
	if (!o->sequence[0])
		return 0;
	if (o->mode == MODE_MOVE) {
		snprintf(why, sizeof(why), "mode=move takes no sequence");
		r = -EINVAL;
		goto out_err;
	}
	vals = calloc(MMT_REBIND_MAX_SEQ, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	r = mmt_rebind_parse_sequence(o->sequence, o->mode == MODE_CPUS,
				      MMT_REBIND_MAX_SEQ, vals, why, sizeof(why));
	free(vals);
	if (r >= 0)
		return 0;
out_err:
	snprintf(err, err_len, "%s:%u: [%s] %s: %s", cfg->src.file,
		 mmt_src_line(&cfg->src, key), cfg->name, key, why);
	return r;
}

/* Stop and join the writer threads that run (none: nothing to do). */
static void join_threads(struct rebind *rb)
{
	if (!rb->nr_threads)
		return;
	atomic_store(&rb->stop, true);
	for (unsigned i = 0; i < rb->nr_threads; i++)
		pthread_join(rb->threads[i], NULL);
	rb->nr_threads = 0;
}

/* Release what rb holds; accepts a half-built (or untouched) rb. */
static void rebind_cleanup(struct mmt_inj *inj)
{
	struct rebind *rb = inj->priv;

	if (!rb)
		return;
	join_threads(rb);                     /* stop never came */
	hwloc_bitmap_free(rb->union_set);
	rb->union_set = NULL;
	for (unsigned i = 0; i < rb->nr_cells; i++) {
		free(rb->targets[i].values);
		free(rb->targets[i].masks);
		free(rb->targets[i].kinds);
		rb->targets[i].values = NULL;
		rb->targets[i].masks = NULL;
		rb->targets[i].kinds = NULL;
	}
}

/* Union of the target cells' configured nodes (cpus) within avail. */
static int cells_union(const struct mmt_job *job, const unsigned *idx, unsigned nr,
		       bool cpus, hwloc_const_bitmap_t avail, hwloc_bitmap_t ret)
{
	hwloc_bitmap_zero(ret);
	for (unsigned i = 0; i < nr; i++) {
		const struct mmt_setopt *s = cpus ? &job->cells[idx[i]].o.cpus :
						    &job->cells[idx[i]].o.mems;

		if (!s->set || s->all) {
			hwloc_bitmap_copy(ret, avail);
			break;
		}
		hwloc_bitmap_or(ret, ret, s->set);
	}
	hwloc_bitmap_and(ret, ret, avail);
	return hwloc_bitmap_weight(ret);
}

/* Explicit items must exist here.  Returns 0 or 1 (CONF, why set). */
static int check_seq(struct rebind *rb, hwloc_const_bitmap_t avail, bool cpus,
		     char *why, size_t why_len)
{
	hwloc_bitmap_t s = hwloc_bitmap_alloc();
	char have[128];
	int r = 0;

	if (!s)
		return -ENOMEM;
	for (unsigned i = 0; i < rb->nr_seq && !r; i++) {
		hwloc_bitmap_list_sscanf(s, rb->seq[i].s);
		if (hwloc_bitmap_isincluded(s, avail))
			continue;
		mmt_set_format(avail, have, sizeof(have));
		snprintf(why, why_len, "rebind: sequence item %u '%s' names %s this "
			 "machine lacks (it has %s %s)", i + 1, rb->seq[i].s,
			 cpus ? "CPUs" : "memory nodes", cpus ? "CPUs" : "memory nodes",
			 have);
		r = 1;
	}
	hwloc_bitmap_free(s);
	return r;
}

/*
 * run.json states when the mems race was not exercised, and why.  A rebind
 * instance in mems mode sets the fact to true at start, after every probe.
 */
static void record_not_exercised(struct rebind *rb)
{
	mmt_inj_fact(rb->inj, "mems_race_exercised", json_object_new_boolean(false));
	mmt_inj_fact(rb->inj, "mems_race_reason",
		     json_object_new_string(rb->not_exercised_why));
}

/*
 * Decide the effective mode and targets.  Returns 0, 1 for CONF (why set)
 * or -errno.  Records the facts mems_race_exercised: false and
 * mems_race_reason whenever the mode is not mems.
 */
static int plan(struct rebind *rb, char *why, size_t why_len)
{
	const struct mmt_job *job = mmt_inj_job(rb->inj);
	const struct mmt_topo *topo = mmt_inj_topo(rb->inj);
	const struct rebind_opts *o = rb->o;
	const char *key;
	char have[128];
	int r, n;

	r = resolve_cells(o, job, rb->cell_idx, &rb->nr_cells, &rb->peer_idx, &key,
			  why, why_len);
	if (r < 0) {
		log_err("rebind: %s: %s", key, why);
		return r;
	}
	rb->union_set = hwloc_bitmap_alloc();
	if (!rb->union_set)
		return -ENOMEM;
	rb->mode = (enum rebind_mode)o->mode;
	if (rb->mode == MODE_MOVE) {
		rb->not_exercised_why = "mode=move: tasks are moved between cells";
		record_not_exercised(rb);
		return 0;
	}
	if (o->sequence[0]) {
		r = mmt_rebind_parse_sequence(o->sequence, rb->mode == MODE_CPUS,
					      MMT_REBIND_MAX_SEQ, rb->seq, why, why_len);
		if (r < 0) {
			log_err("rebind: sequence: %s", why);
			return r;
		}
		rb->nr_seq = (unsigned)r;
	}
	n = cells_union(job, rb->cell_idx, rb->nr_cells, false, topo->mem_nodes,
			rb->union_set);
	if (rb->mode == MODE_AUTO) {
		bool two = rb->nr_seq ? hwloc_bitmap_weight(topo->mem_nodes) >= 2 : n >= 2;

		if (two) {
			rb->mode = MODE_MEMS;
		} else {
			rb->mode = MODE_CPUS;
			rb->not_exercised_why =
				hwloc_bitmap_weight(topo->mem_nodes) < 2 ?
				"one memory node: alternating cpuset.cpus instead" :
				"the cells' mems hold one memory node: alternating "
				"cpuset.cpus instead";
			if (rb->nr_seq)
				log_warn("rebind: the node sequence is not used in the "
					 "cpus fallback; cycling subsets of the cells' CPUs");
			rb->nr_seq = 0;
		}
	}
	if (rb->mode == MODE_MEMS) {
		rb->mems_exercised = true;
		if (rb->nr_seq)
			return check_seq(rb, topo->mem_nodes, false, why, why_len);
		if (n < 2) {
			mmt_set_format(rb->union_set, have, sizeof(have));
			snprintf(why, why_len, "rebind: mode=mems needs at least 2 memory "
				 "nodes among the cells' mems (they have '%s')", have);
			return 1;
		}
		return 0;
	}
	/* MODE_CPUS */
	if (!rb->not_exercised_why)
		rb->not_exercised_why = "mode=cpus: alternating cpuset.cpus";
	record_not_exercised(rb);
	if (rb->nr_seq)
		return check_seq(rb, topo->all_cpus, true, why, why_len);
	n = cells_union(job, rb->cell_idx, rb->nr_cells, true, topo->all_cpus,
			rb->union_set);
	if (n < 2) {
		mmt_set_format(rb->union_set, have, sizeof(have));
		snprintf(why, why_len, "rebind: %s and the cells' CPUs are '%s': "
			 "nothing to alternate", o->mode == MODE_AUTO ?
			 "one memory node" : "mode=cpus", have);
		return 1;
	}
	return 0;
}

static int rebind_probe(struct mmt_inj *inj, char *why, size_t why_len)
{
	struct rebind *rb = inj->priv;
	int r;

	rb->inj = inj;
	rb->o = inj->opts ? inj->opts : inj->cfg->opts;
	rb->peer_idx = -1;
	atomic_init(&rb->stop, false);
	r = plan(rb, why, why_len);
	if (r > 0)
		log_info("%s", why);
	return r;
}

/*
 * The policy a cell's workers bind to, as a model (lib/mpol.h): FLAGS and
 * USER (the user nodemask) for a cell whose cpuset holds MEMS.  Returns 1
 * when the cell binds (api/workload.h bind_policy()), 0 when it does not,
 * or -errno.
 */
static int cell_policy(const struct mmt_cell_rt *cell, hwloc_const_bitmap_t mems,
		       enum mmt_mpol_flags *flags, hwloc_bitmap_t user)
{
	const struct mmt_workload_ops *wl = cell->cfg->wl;
	struct mmt_wl_bind bind = { 0 };
	int w = hwloc_bitmap_weight(mems);

	if (!wl || !wl->bind_policy || wl->bind_policy(cell->cfg, &bind) < 0 || w <= 0)
		return 0;
	*flags = (enum mmt_mpol_flags)bind.mode_flags;
	if (bind.user)
		return hwloc_bitmap_copy(user, bind.user) < 0 ? -ENOMEM : 1;
	if (bind.default_subset) {
		int r = mmt_mpol_default_user(*flags, mems, user);

		return r < 0 ? r : 1;
	}
	if (*flags != MMT_MPOL_F_RELATIVE)
		return hwloc_bitmap_copy(user, mems) < 0 ? -ENOMEM : 1;
	hwloc_bitmap_zero(user);
	return hwloc_bitmap_set_range(user, 0, w - 1) < 0 ? -ENOMEM : 1;
}

/*
 * The kind of transition each of t's values makes against the cell's
 * policy, created under MEMS (mmt_mpol_walk(), two rounds: the steady
 * state), into t->kinds.  A policy the model refuses (e.g. a user nodemask
 * outside the mems) leaves t->kinds NULL: nothing is counted.  0 or -ENOMEM.
 */
static int target_kinds(struct mmt_rebind_target *t, enum mmt_mpol_flags flags,
			hwloc_const_bitmap_t user, hwloc_const_bitmap_t mems)
{
	hwloc_bitmap_t sets[MMT_REBIND_MAX_SEQ] = { NULL };
	enum mmt_mpol_transition kinds[MMT_REBIND_MAX_SEQ];
	int r = 0;

	for (unsigned i = 0; i < t->nr_values && r == 0; i++) {
		sets[i] = hwloc_bitmap_alloc();
		if (!sets[i])
			r = -ENOMEM;
		else if (hwloc_bitmap_list_sscanf(sets[i], t->values[i].s) < 0)
			r = -EINVAL;
	}
	if (r == 0)
		r = mmt_mpol_walk(flags, user, mems, sets, t->nr_values, 2, kinds, NULL);
	if (r == 0) {
		t->kinds = calloc(t->nr_values, sizeof(*t->kinds));
		if (!t->kinds)
			r = -ENOMEM;
		for (unsigned i = 0; t->kinds && i < t->nr_values; i++)
			t->kinds[i] = (unsigned char)kinds[i];
	}
	for (unsigned i = 0; i < t->nr_values; i++)
		hwloc_bitmap_free(sets[i]);
	return r == -ENOMEM ? r : 0;
}

/*
 * A cell that binds: the race sequence against its policy into t->values.
 * Returns the number of values, 0 when the cell does not bind (or its
 * policy cannot be modelled: the caller generates the plain sequence), or
 * -errno.
 */
static int race_values(const struct mmt_cell_rt *cell, hwloc_const_bitmap_t mems,
		       struct mmt_rebind_target *t)
{
	hwloc_bitmap_t sets[MMT_REBIND_MAX_SEQ] = { NULL }, user = hwloc_bitmap_alloc();
	enum mmt_mpol_flags flags = MMT_MPOL_F_NONE;
	int r, n = 0;

	r = user ? cell_policy(cell, mems, &flags, user) : -ENOMEM;
	if (r <= 0)
		goto out_free;
	for (unsigned i = 0; i < MMT_REBIND_MAX_SEQ; i++) {
		sets[i] = hwloc_bitmap_alloc();
		if (!sets[i]) {
			r = -ENOMEM;
			goto out_free;
		}
	}
	n = mmt_mpol_race_sequence(flags, user, mems, MMT_REBIND_MAX_SEQ, sets);
	if (n < 2) {                    /* refused by the model, or one node */
		r = n < 0 && n != -EINVAL ? n : 0;
		n = 0;
		goto out_free;
	}
	for (int i = 0; i < n && r >= 0; i++)
		r = format_value(sets[i], &t->values[i]);
	if (r < 0)
		goto out_free;
	t->nr_values = (unsigned)n;
	r = n;
out_free:
	for (unsigned i = 0; i < MMT_REBIND_MAX_SEQ; i++)
		hwloc_bitmap_free(sets[i]);
	hwloc_bitmap_free(user);
	return r;
}

/* Values for one target: the explicit sequence or generated from its set. */
static int target_values(struct rebind *rb, struct mmt_cell_rt *cell,
			 struct mmt_rebind_target *t)
{
	const struct mmt_topo *topo = mmt_inj_topo(rb->inj);
	bool cpus = rb->mode == MODE_CPUS;
	hwloc_bitmap_t set;
	int n;

	t->values = calloc(MMT_REBIND_MAX_SEQ, sizeof(*t->values));
	if (!t->values)
		return -ENOMEM;
	if (rb->nr_seq) {
		memcpy(t->values, rb->seq, rb->nr_seq * sizeof(*t->values));
		t->nr_values = rb->nr_seq;
		return 0;
	}
	set = hwloc_bitmap_alloc();
	if (!set)
		return -ENOMEM;
	if (cpus ? cell->cpus : cell->mems)
		hwloc_bitmap_and(set, cpus ? cell->cpus : cell->mems,
				 cpus ? topo->all_cpus : topo->mem_nodes);
	if (hwloc_bitmap_weight(set) < 2)
		hwloc_bitmap_copy(set, rb->union_set);
	n = cpus ? 0 : race_values(cell, set, t);
	if (n == 0)
		n = mmt_rebind_gen_sequence(set, MMT_REBIND_MAX_SEQ, t->values);
	hwloc_bitmap_free(set);
	if (n < 0)
		return n;
	if (n < 2)
		return -EINVAL;         /* plan() made sure this cannot happen */
	t->nr_values = (unsigned)n;
	return 0;
}

/* mems mode: the transitions t's writes make against the cell's policy. */
static int model_target(struct rebind *rb, const struct mmt_cell_rt *cell,
			struct mmt_rebind_target *t)
{
	const struct mmt_topo *topo = mmt_inj_topo(rb->inj);
	enum mmt_mpol_flags flags = MMT_MPOL_F_NONE;
	hwloc_bitmap_t set = hwloc_bitmap_alloc(), user = hwloc_bitmap_alloc();
	int r = -ENOMEM;

	if (!set || !user)
		goto out_free;
	if (cell->mems)
		hwloc_bitmap_and(set, cell->mems, topo->mem_nodes);
	if (hwloc_bitmap_weight(set) < 2)
		hwloc_bitmap_copy(set, rb->union_set);
	r = cell_policy(cell, set, &flags, user);
	if (r > 0)
		r = target_kinds(t, flags, user, set);
out_free:
	hwloc_bitmap_free(user);
	hwloc_bitmap_free(set);
	return r < 0 ? r : 0;
}

/* The values as nodemasks, for the publication (api/shared.h). */
static int target_masks(struct mmt_rebind_target *t)
{
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	int r = 0;

	t->masks = calloc(t->nr_values, sizeof(*t->masks));
	if (!set || !t->masks) {
		r = -ENOMEM;
		goto out_free;
	}
	for (unsigned i = 0; i < t->nr_values && r >= 0; i++) {
		long n;

		if (hwloc_bitmap_list_sscanf(set, t->values[i].s) < 0) {
			r = -EINVAL;
			break;
		}
		n = mmt_set_to_ulongs(set, t->masks[i], MMT_MASK_LONGS);
		r = n < 0 ? (int)n : 0;
	}
out_free:
	hwloc_bitmap_free(set);
	return r;
}

static json_object *seq_json(const struct mmt_rebind_target *t)
{
	json_object *a = json_object_new_array();

	for (unsigned i = 0; i < t->nr_values; i++)
		json_object_array_add(a, json_object_new_string(t->values[i].s));
	return a;
}

static void phase_event(struct rebind *rb, const char *phase)
{
	json_object *ev = json_object_new_object();
	json_object *cells = json_object_new_array();

	json_object_object_add(ev, "injector", json_object_new_string(rb->inj->cfg->name));
	json_object_object_add(ev, "phase", json_object_new_string(phase));
	json_object_object_add(ev, "mode", json_object_new_string(mode_names[rb->mode]));
	for (unsigned i = 0; i < rb->nr_cells; i++) {
		struct mmt_rebind_target *t = &rb->targets[i];

		json_object_array_add(cells, json_object_new_string(t->cell->cfg->name));
	}
	json_object_object_add(ev, "cells", cells);
	/* The first cell's sequence; report has every cell's. */
	json_object_object_add(ev, "sequence", rb->nr_cells ? seq_json(&rb->targets[0]) :
				json_object_new_array());
	if (!strcmp(phase, "stop")) {
		json_object_object_add(ev, "writes",
				       json_object_new_uint64(TOTAL(rb, writes)));
		json_object_object_add(ev, "errors",
				       json_object_new_uint64(TOTAL(rb, errors)));
	}
	mmt_inj_event(rb->inj, "injector", ev);
}

static void *rebind_thread(void *arg)
{
	mmt_rebind_loop_run(arg);
	return NULL;
}

/* The slow-path counters and PSI now, into sample I (0: start, 1: stop). */
static void exposure_sample(struct rebind *rb, unsigned i)
{
	struct mmt_psi psi = { 0 };

	memset(rb->slow[i], 0, sizeof(rb->slow[i]));
	rb->have_slow[i] = mmt_mon_vmstat_keys(slow_keys, rb->slow[i], NR_SLOW_KEYS) > 0;
	rb->have_psi[i] = mmt_mon_psi("/proc/pressure/memory", &psi) >= 0 && psi.present;
	rb->stall_us[i] = psi.some_total_us;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int open_target(struct rebind *rb, unsigned i)
{
	const struct mmt_job *job = mmt_inj_job(rb->inj);
	struct mmt_rebind_target *t = &rb->targets[i];
	const char *name = job->cells[rb->cell_idx[i]].name;
	/*
	 * The one reach past api/injector.h's view: the rebind loop (shared
	 * with bench/bench_rebind.c) keeps the cell's run-time record for the
	 * worker's pid and the cell's rebind bookkeeping (api/run.h).
	 */
	struct mmt_cell_rt *cell = mmt_run_cell(rb->inj->run, name);
	const char *file;
	int r;

	t->fd = t->home_fd = t->peer_fd = -1;
	if (!cell || !cell->cg) {
		log_err("rebind: cell %s has no cgroup", name);
		return -ENOENT;
	}
	t->cell = cell;
	if (rb->mode == MODE_MOVE) {
		const char *peer_name = job->cells[rb->peer_idx].name;
		struct mmt_cell_view peer;

		if (mmt_inj_cell(rb->inj, peer_name, &peer) < 0 || !peer.cg) {
			log_err("rebind: move_peer %s has no cgroup", peer_name);
			return -ENOENT;
		}
		t->home_fd = mmt_cg_open(cell->cg, "cgroup.procs", O_WRONLY | O_CLOEXEC);
		if (t->home_fd < 0)
			return log_err_errno(t->home_fd, "rebind: open %s cgroup.procs", name);
		t->peer_fd = mmt_cg_open(peer.cg, "cgroup.procs", O_WRONLY | O_CLOEXEC);
		if (t->peer_fd < 0)
			return log_err_errno(t->peer_fd, "rebind: open %s cgroup.procs",
					     peer.name);
		return 0;
	}
	file = rb->mode == MODE_MEMS ? "cpuset.mems" : "cpuset.cpus";
	r = target_values(rb, cell, t);
	if (r < 0)
		return log_err_errno(r, "rebind: cell %s: sequence", name);
	/* Remember the configured value, restored at stop, and don't start
	 * with a write of the value the cgroup already holds. */
	r = mmt_cg_get(cell->cg, file, rb->orig[i].s, sizeof(rb->orig[i].s));
	if (r < 0) {
		hwloc_const_bitmap_t set = rb->mode == MODE_MEMS ? cell->mems : cell->cpus;

		log_err_errno(r, "rebind: cell %s: read %s (restoring the configured "
			      "value at stop)", name, file);
		rb->orig[i].s[0] = '\0';
		if (set)
			mmt_set_format(set, rb->orig[i].s, sizeof(rb->orig[i].s));
	}
	rb->orig[i].len = strlen(rb->orig[i].s);
	if (!strcmp(t->values[0].s, rb->orig[i].s))
		t->next = 1;
	t->fd = mmt_cg_open(cell->cg, file, O_WRONLY | O_CLOEXEC);
	if (t->fd < 0)
		return log_err_errno(t->fd, "rebind: open %s of cell %s", file, name);
	if (rb->mode != MODE_MEMS)
		return 0;
	r = model_target(rb, cell, t);
	if (r < 0)
		return log_err_errno(r, "rebind: cell %s: transitions", name);
	return target_masks(t);
}

static void close_targets(struct rebind *rb)
{
	for (unsigned i = 0; i < rb->nr_cells; i++) {
		close_fd(&rb->targets[i].fd);
		close_fd(&rb->targets[i].home_fd);
		close_fd(&rb->targets[i].peer_fd);
	}
}

static int rebind_start(struct mmt_inj *inj)
{
	struct rebind *rb = inj->priv;
	int r;

	for (unsigned i = 0; i < rb->nr_cells; i++) {
		r = open_target(rb, i);
		if (r < 0)
			goto out_close;
	}
	for (unsigned i = 0; i < rb->nr_cells; i++)
		mmt_run_cell_disturbing(rb->targets[i].cell, true);
	if (rb->mems_exercised)
		mmt_inj_fact(inj, "mems_race_exercised", json_object_new_boolean(true));
	rb->nr_loops = rb->o->streams == STREAMS_ONE ? 1 : rb->nr_cells;
	for (unsigned i = 0; i < rb->nr_loops; i++) {
		bool one = rb->o->streams == STREAMS_ONE;

		if (one)
			snprintf(rb->loop_names[i], sizeof(rb->loop_names[i]), "%s",
				 inj->cfg->name);
		else
			snprintf(rb->loop_names[i], sizeof(rb->loop_names[i]), "%s/%s",
				 inj->cfg->name, rb->targets[i].cell->cfg->name);
		rb->loops[i] = (struct mmt_rebind_loop) {
			.targets = one ? rb->targets : &rb->targets[i],
			.nr_targets = one ? rb->nr_cells : 1,
			.rate = rb->o->rate,
			.stop = &rb->stop,
			.run = inj->run,        /* findings and the stop flag (rebind.h) */
			.name = rb->loop_names[i],
		};
	}
	exposure_sample(rb, 0);
	rb->start_us = rb->poll_us = mmt_now_us();
	phase_event(rb, "start");
	log_info("%s: %s on %u cell%s, %u thread%s, %s", inj->cfg->name, mode_names[rb->mode],
		 rb->nr_cells, rb->nr_cells == 1 ? "" : "s", rb->nr_loops,
		 rb->nr_loops == 1 ? "" : "s",
		 rb->o->rate ? "rate-limited" : "as fast as possible");
	for (unsigned i = 0; i < rb->nr_loops; i++) {
		r = -pthread_create(&rb->threads[i], NULL, rebind_thread, &rb->loops[i]);
		if (r < 0) {
			log_err_errno(r, "rebind: pthread_create");
			goto out_join;
		}
		rb->nr_threads++;
		{
			/* named in ps, perf and the kernel's hung-task reports */
			char name[16];

			snprintf(name, sizeof(name), "mmt-rebind-%u", i);
			pthread_setname_np(rb->threads[i], name);
		}
	}
	return 0;
out_join:
	join_threads(rb);
	for (unsigned i = 0; i < rb->nr_cells; i++)
		mmt_run_cell_disturbing(rb->targets[i].cell, false);
out_close:
	close_targets(rb);
	return r;
}

static void rebind_poll(struct mmt_inj *inj, double *vals)
{
	struct rebind *rb = inj->priv;
	uint64_t now_us, writes;

	if (!rb || !rb->start_us) {
		vals[0] = vals[1] = vals[2] = NAN;
		return;
	}
	now_us = mmt_now_us();
	writes = TOTAL(rb, writes);
	vals[0] = (double)writes;
	vals[1] = now_us > rb->poll_us ?
		  (double)(writes - rb->poll_writes) * 1e6 / (double)(now_us - rb->poll_us) :
		  NAN;
	vals[2] = (double)TOTAL(rb, errors);
	rb->poll_writes = writes;
	rb->poll_us = now_us;
}

/*
 * Write the configured value back, published like every other rewrite
 * while the workers still run.  A value that does not parse leaves the
 * seqcount odd: the workers' oracle then judges nothing more.
 */
static int restore_value(struct mmt_rebind_target *t, const struct mmt_rebind_value *v)
{
	struct mmt_mems_pub *pub = t->masks && t->cell->sh ? &t->cell->sh->mems : NULL;
	unsigned long mask[MMT_MASK_LONGS];
	hwloc_bitmap_t set;
	bool known = false;
	int r;

	if (!pub)
		return write_value(t->fd, v->s, v->len);
	set = hwloc_bitmap_alloc();
	if (set && hwloc_bitmap_list_sscanf(set, v->s) == 0)
		known = mmt_set_to_ulongs(set, mask, MMT_MASK_LONGS) >= 0;
	hwloc_bitmap_free(set);
	publish_begin(pub);
	r = write_value(t->fd, v->s, v->len);
	if (known)
		publish_end(pub, mask, r == 0);
	return r;
}

/* Put back what start changed: the configured sets, the worker's home. */
static void restore(struct rebind *rb)
{
	for (unsigned i = 0; i < rb->nr_cells; i++) {
		struct mmt_rebind_target *t = &rb->targets[i];
		const char *name = t->cell->cfg->name;
		int r = 0;

		if (t->fd >= 0 && rb->orig[i].len)
			r = restore_value(t, &rb->orig[i]);
		else if (t->home_fd >= 0 && t->in_peer && t->moved_pid > 0 &&
			 atomic_load(&t->cell->pid) == t->moved_pid) {
			char buf[24];
			int len = snprintf(buf, sizeof(buf), "%d", (int)t->moved_pid);

			r = write_value(t->home_fd, buf, (size_t)len);
			if (r == -ESRCH)
				r = 0;
		}
		if (r < 0)
			log_err_errno(r, "rebind: cell %s: restore", name);
		/* The cells stay disturbed: the OOM classifier may still
		 * look at kills reported after the stop. */
	}
}

static int rebind_stop(struct mmt_inj *inj)
{
	struct rebind *rb = inj->priv;

	if (!rb || !rb->nr_threads)
		return 0;
	join_threads(rb);
	rb->stop_us = mmt_now_us();
	exposure_sample(rb, 1);
	restore(rb);
	close_targets(rb);
	phase_event(rb, "stop");
	return 0;
}

/* A double, or null for NAN (JSON has no NaN). */
static json_object *jnum(double d)
{
	return isfinite(d) ? json_object_new_double(d) : NULL;
}

static void exposure_json(json_object *o, const struct mmt_rebind_exposure *e)
{
	json_object_object_add(o, "rewrites_per_s", jnum(e->rewrites_per_s));
	json_object_object_add(o, "slow_path_per_s", jnum(e->slow_path_per_s));
	json_object_object_add(o, "pgscan_direct_per_s", jnum(e->pgscan_direct_per_s));
	json_object_object_add(o, "stall_fraction", jnum(e->stall_fraction));
	json_object_object_add(o, "windows_per_s", jnum(e->windows_per_s));
}

/* The exposure inputs for REWRITES over DUR_S, from the two samples. */
static void exposure_in(const struct rebind *rb, double dur_s, uint64_t rewrites,
			struct mmt_rebind_exposure_in *in)
{
	*in = (struct mmt_rebind_exposure_in) {
		.duration_s = dur_s,
		.rewrites = rewrites,
		.have_slow = rb->have_slow[0] && rb->have_slow[1],
		.have_psi = rb->have_psi[0] && rb->have_psi[1] &&
			    rb->stall_us[1] >= rb->stall_us[0],
		.stall_us = rb->stall_us[1] - rb->stall_us[0],
	};
	for (unsigned k = 0; in->have_slow && k < NR_SLOW_KEYS; k++) {
		uint64_t d = rb->slow[1][k] - rb->slow[0][k];

		if (k == SLOW_PGSCAN)
			in->pgscan_direct = d;
		else
			in->slow_entries += d;
	}
}

/*
 * Per cell: its writes and rate, the transitions its writes made (modelled
 * cells), and its exposure; the injector's exposure sums the cells'.
 */
static void per_cell_json(struct rebind *rb, double dur_s, json_object *out)
{
	json_object *cells = json_object_new_object(), *ex = json_object_new_object();
	struct mmt_rebind_exposure_in in;
	struct mmt_rebind_exposure e;
	double windows = 0;
	bool any_windows = false;

	if (!rb->stop_us)                /* a report before the stop: up to now */
		exposure_sample(rb, 1);
	for (unsigned i = 0; i < rb->nr_cells; i++) {
		struct mmt_rebind_target *t = &rb->targets[i];
		json_object *c = json_object_new_object(), *ce = json_object_new_object();
		uint64_t w = load(&t->writes);

		json_object_object_add(c, "writes", json_object_new_uint64(w));
		json_object_object_add(c, "rate_per_s",
				       json_object_new_double(dur_s > 0 ? (double)w / dur_s : 0));
		if (t->kinds) {
			json_object *k = json_object_new_object();

			for (int j = 0; j < MMT_MPOL_NR_TRANSITIONS; j++)
				json_object_object_add(k, mmt_mpol_transition_name(j),
						       json_object_new_uint64(load(&t->by_kind[j])));
			json_object_object_add(c, "transitions", k);
		}
		exposure_in(rb, dur_s, w, &in);
		mmt_rebind_exposure(&in, &e);
		exposure_json(ce, &e);
		json_object_object_add(c, "exposure", ce);
		json_object_object_add(cells, t->cell->cfg->name, c);
		if (isfinite(e.windows_per_s)) {
			windows += e.windows_per_s;
			any_windows = true;
		}
	}
	json_object_object_add(out, "per_cell", cells);
	exposure_in(rb, dur_s, TOTAL(rb, writes), &in);
	mmt_rebind_exposure(&in, &e);
	/* the sum over cells equals rewrites/s x stall fraction of all writes */
	e.windows_per_s = any_windows ? windows : NAN;
	exposure_json(ex, &e);
	json_object_object_add(ex, "slow_path_attribution",
			       json_object_new_string("machine-wide, each cell whole "
						      "(no per-node slow-path counters)"));
	json_object_object_add(out, "exposure", ex);
}

static void rebind_report(struct mmt_inj *inj, json_object *out)
{
	struct rebind *rb = inj->priv;
	json_object *errs, *seqs;
	uint64_t writes;
	double dur_s;

	if (!rb->start_us)
		return;
	dur_s = (double)((rb->stop_us ? rb->stop_us : mmt_now_us()) - rb->start_us) / 1e6;
	writes = TOTAL(rb, writes);
	errs = json_object_new_object();
	for (int e = 0; e < MMT_REBIND_NR_ERRNO; e++) {
		uint64_t c = total(rb, offsetof(struct mmt_rebind_stats, by_errno) +
				       (size_t)e * sizeof(_Atomic uint64_t));
		char nb[16];

		if (c)
			json_object_object_add(errs, mmt_rebind_errno_name(e, nb, sizeof(nb)),
					       json_object_new_uint64(c));
	}
	seqs = json_object_new_object();
	for (unsigned i = 0; i < rb->nr_cells; i++)
		json_object_object_add(seqs, rb->targets[i].cell->cfg->name,
				       seq_json(&rb->targets[i]));
	json_object_object_add(out, "mode", json_object_new_string(mode_names[rb->mode]));
	/* Rates differ by an order of magnitude between v1 and v2. */
	json_object_object_add(out, "cgroup_mode", json_object_new_string(
		mmt_cg_mode_name(mmt_inj_cgsys(inj)->mode[MMT_CG_CPUSET])));
	json_object_object_add(out, "mems_race_exercised",
			       json_object_new_boolean(rb->mems_exercised));
	if (!rb->mems_exercised)
		json_object_object_add(out, "mems_race_reason",
				       json_object_new_string(rb->not_exercised_why));
	json_object_object_add(out, "writes", json_object_new_uint64(writes));
	if (rb->mode == MODE_MOVE) {
		json_object_object_add(out, "moves", json_object_new_uint64(TOTAL(rb, moves)));
		json_object_object_add(out, "skipped_no_worker",
				       json_object_new_uint64(TOTAL(rb, skipped)));
	}
	json_object_object_add(out, "errors", errs);
	json_object_object_add(out, "errors_total", json_object_new_uint64(TOTAL(rb, errors)));
	/* rate_per_s: all cells together; target_rate: per cell (0 = flat out). */
	json_object_object_add(out, "rate_per_s",
			       json_object_new_double(dur_s > 0 ? (double)writes / dur_s : 0));
	json_object_object_add(out, "streams",
			       json_object_new_string(streams_names[rb->o->streams]));
	json_object_object_add(out, "target_rate", json_object_new_uint64(rb->o->rate));
	json_object_object_add(out, "cells", json_object_new_uint64(rb->nr_cells));
	json_object_object_add(out, "sequence", seqs);
	json_object_object_add(out, "duration_s", json_object_new_double(dur_s));
	per_cell_json(rb, dur_s, out);
}

const struct mmt_injector_ops mmt_injector_rebind = {
	.version = MMT_INJECTOR_VERSION,
	.name = "rebind",
	.summary = "rewrite cpuset.mems (or cpuset.cpus, or move tasks) of cells "
		   "while their workers allocate",
	.opts = rebind_opts,
	.opts_size = sizeof(struct rebind_opts),
	.priv_size = sizeof(struct rebind),
	.columns = rebind_columns,
	.validate = rebind_validate,
	.probe = rebind_probe,
	.start = rebind_start,
	.poll = rebind_poll,
	.stop = rebind_stop,
	.report = rebind_report,
	.cleanup = rebind_cleanup,
};

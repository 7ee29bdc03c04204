/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_REBIND_H
#define MMT_REBIND_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <hwloc.h>

#include "api/shared.h"
#include "lib/mpol.h"

/*
 * The rebinder's write loop, shared by the injector thread (rebind.c) and
 * bench/bench_rebind.c, so that the bench measures the very code a run uses.
 */

#define MMT_REBIND_MAX_SEQ 64      /* cap of a generated or given sequence */
#define MMT_REBIND_VALUE_LEN 256
#define MMT_REBIND_NR_ERRNO 256    /* errno >= this is counted in the last slot */

struct mmt_cell_rt;
struct mmt_run;

struct mmt_rebind_value {
	size_t len;
	char s[MMT_REBIND_VALUE_LEN];
};

/* One cell the loop writes to. */
struct mmt_rebind_target {
	struct mmt_cell_rt *cell;         /* rebinds/last_rebind_boot_us/pid */
	/* mems/cpus mode: the held-open cpuset.mems or cpuset.cpus */
	int fd;                           /* -1 in move mode */
	struct mmt_rebind_value *values;  /* owned by the caller */
	unsigned nr_values;
	unsigned next;                    /* index of the next value to write */
	unsigned last_ok;                 /* index of the value last written */
	bool failed;                      /* the last write failed */
	/* cpuset.mems: values[] as nodemasks, each write published in
	 * cell->sh->mems (api/shared.h); NULL: no publication */
	unsigned long (*masks)[MMT_MASK_LONGS];
	/* move mode: the held-open cgroup.procs of home and peer */
	int home_fd, peer_fd;
	bool in_peer;                     /* moved_pid is in the peer now */
	pid_t moved_pid;
	pid_t dead_pid;                   /* gave ESRCH: skipped until replaced */
	/* mems mode: kinds[i] is the transition the write of values[i] makes
	 * against the cell's modelled policy (lib/mpol.h mmt_mpol_walk(), its
	 * steady state); NULL: the cell has no bound policy to model. */
	unsigned char *kinds;
	/* Per target, one writer (the loop that owns it). */
	_Atomic uint64_t writes;          /* successful writes (moves included) */
	_Atomic uint64_t by_kind[MMT_MPOL_NR_TRANSITIONS];
};

/* Counters: one writer (the loop), read by anyone with relaxed loads. */
struct mmt_rebind_stats {
	_Atomic uint64_t writes;          /* successful writes (moves included) */
	_Atomic uint64_t errors;
	_Atomic uint64_t moves;
	_Atomic uint64_t skipped;         /* move mode: no worker at that time */
	_Atomic uint64_t by_errno[MMT_REBIND_NR_ERRNO];
};

struct mmt_rebind_loop {
	struct mmt_rebind_target *targets;
	unsigned nr_targets;
	uint64_t rate;                    /* writes/s per target; 0 = flat out */
	uint64_t until_us;                /* CLOCK_BOOTTIME end; 0 = until stop */
	atomic_bool *stop;                /* set by whoever ends the loop */
	struct mmt_run *run;              /* NULL (bench): no run checks */
	const char *name;                 /* for messages */
	struct mmt_rebind_stats stats;
	/* Failure window (loop-private): >50% failed in a second. */
	uint64_t win_start_us, win_tries, win_errors;
	bool harness_reported;
};

/*
 * Run the loop round-robin over the targets until *stop, the run stopping,
 * or until_us.  Returns 0.  Counts into l->stats, each target's counters
 * (writes, by_kind) and each target's cell.  A target belongs to one loop.
 */
int mmt_rebind_loop_run(struct mmt_rebind_loop *l);

/*
 * Generated sequence: every non-empty subset of ids, the whole set first,
 * then subsets by size (singletons, pairs, ...), lexicographic within a
 * size, capped at max entries.  All entries differ, so consecutive values
 * (wrap-around included) differ whenever there are >= 2.  Returns the
 * number of values (1 when ids has one element, 0 when empty) or -errno.
 */
int mmt_rebind_gen_sequence(hwloc_const_bitmap_t ids, unsigned max,
			    struct mmt_rebind_value *ret_values);

/*
 * Parse an explicit ';'-separated sequence of sets (node or CPU lists).
 * Items must be non-empty, parse with mmt_set_parse, and differ from the
 * item before (and the last from the first).  Returns the number of items or
 * -EINVAL with why ("item 3 '0-x' is not a node list (expected a number)").
 */
int mmt_rebind_parse_sequence(const char *text, bool cpus, unsigned max,
			      struct mmt_rebind_value *ret_values,
			      char *why, size_t why_len);

/*
 * Exposure of one cell to the race over a run (docs/results.md,
 * "exposure"): how many rewrites landed while allocations were in the
 * allocator's slow path, estimated from counters the kernel keeps.
 */
struct mmt_rebind_exposure_in {
	double duration_s;                /* the rebinder's run time, > 0 */
	uint64_t rewrites;                /* the cell's successful writes */
	bool have_slow;                   /* /proc/vmstat had the counters */
	uint64_t slow_entries;            /* allocstall_* + compact_stall delta */
	uint64_t pgscan_direct;           /* pages scanned by direct reclaim */
	bool have_psi;                    /* /proc/pressure/memory was readable */
	uint64_t stall_us;                /* PSI memory "some" total delta, us */
};

struct mmt_rebind_exposure {
	double rewrites_per_s;
	double slow_path_per_s;           /* NAN without the counters */
	double pgscan_direct_per_s;       /* NAN without the counters */
	double stall_fraction;            /* 0..1; NAN without PSI */
	/* rewrites_per_s x stall_fraction: rewrites per second that found some
	 * task stalled on memory (reclaim, compaction); NAN without PSI */
	double windows_per_s;
};

/*
 * Compute E from IN.  stall_fraction is clamped to [0, 1] (PSI totals and
 * our clock are read at slightly different times).  Returns 0, or -EINVAL
 * when duration_s is not > 0 (E is then all NAN).
 */
int mmt_rebind_exposure(const struct mmt_rebind_exposure_in *in, struct mmt_rebind_exposure *e);

/* "EBUSY" for EBUSY; "E123" when the name is unknown. */
const char *mmt_rebind_errno_name(int err, char *buf, size_t len);

#endif

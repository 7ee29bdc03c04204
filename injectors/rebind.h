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
 * or until_us.  Returns 0.  Counts into l->stats and each target's cell.
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

/* "EBUSY" for EBUSY; "E123" when the name is unknown. */
const char *mmt_rebind_errno_name(int err, char *buf, size_t len);

#endif

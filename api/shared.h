/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_CELL_H
#define MMT_CELL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <hwloc.h>

#define MMT_MAX_THREADS 64

/* A nodemask as mbind()/set_mempolicy() take it: 4096 nodes. */
#define MMT_MASK_LONGS ((4095 + 1) / (sizeof(long) * 8))

/*
 * Progress of one worker thread, in the MAP_SHARED page that the worker
 * writes and the orchestrator's watchdog reads.  Only atomics cross the
 * process boundary.
 */
struct mmt_thread_stats {
	_Atomic uint64_t pages;         /* pages faulted (first touch) */
	_Atomic uint64_t verified;      /* pages read back and compared */
	_Atomic uint64_t loops;         /* mmap..munmap rounds */
	_Atomic uint64_t heartbeat_us;  /* CLOCK_MONOTONIC of last progress */
	_Atomic uint64_t errors;        /* syscalls that failed */
	_Atomic uint64_t bytes_written; /* dirty: bytes written by a writer */
	_Atomic uint64_t syncs;         /* dirty: fsync/fdatasync/range syncs done */
	_Atomic int32_t last_errno;
	_Atomic int32_t tid;
	_Atomic uint32_t state;         /* enum mmt_thread_state */
	/* The rebind oracle (workloads/oracle.c), when the workload runs it. */
	_Atomic uint32_t oracle_on;     /* 1: the counters below mean something */
	_Atomic uint64_t oracle_checks;     /* policy reads judged against it */
	_Atomic uint64_t oracle_in_rewrite; /* reads a rewrite overlapped: not judged */
	_Atomic uint64_t oracle_transient;  /* mismatches that cleared within the settle window */
	_Atomic uint64_t oracle_drift;      /* mismatches that outlived it (policy_drift) */
	_Atomic uint64_t oracle_resyncs;    /* rewrites missed (ring overrun): state rebuilt */
	_Atomic uint64_t placement_pages;   /* fresh pages whose node was sampled */
	_Atomic uint64_t placement_outside; /* ... outside the oracle's nodemask */
	char last_error[96];            /* written before last_errno */
};

enum mmt_thread_state {
	MMT_THREAD_NEW,
	MMT_THREAD_RUNNING,
	MMT_THREAD_DONE,
	MMT_THREAD_FAILED,
};

/*
 * The cell's cpuset.mems rewrites, published by the rebinder (one writer:
 * injectors/rebind.c) for the workers' oracle (workloads/oracle.c).
 *
 * A seqcount: the writer makes seqcount odd (release fence after the
 * store) before it writes cpuset.mems, and, when the write succeeded,
 * stores the new mems into ring[seq % MMT_MEMS_RING] with its sequence
 * number, then seq, then makes seqcount even again (release).  A reader
 * loads seqcount (acquire), copies what it needs, fences (acquire) and
 * loads seqcount again: the copy is consistent when both loads are equal
 * and even.  An odd seqcount means a write is in flight: the kernel may be
 * rebinding the cell's policies right now.  Rewrites 1..seq have been
 * published; seq 0: none yet.  The ring keeps the last MMT_MEMS_RING, so a
 * reader that fell further behind knows it missed some.
 * Every field is an atomic accessed relaxed inside the seqcount section.
 */
#define MMT_MEMS_RING 16

struct mmt_mems_rewrite {
	_Atomic uint64_t seq;           /* which rewrite this slot holds */
	_Atomic unsigned long mask[MMT_MASK_LONGS]; /* cpuset.mems as written */
};

struct mmt_mems_pub {
	_Atomic uint64_t seqcount;      /* odd: a cpuset.mems write is in flight */
	_Atomic uint64_t seq;           /* rewrites published so far */
	struct mmt_mems_rewrite ring[MMT_MEMS_RING];
};

struct mmt_shared {
	_Atomic uint32_t stop;          /* orchestrator -> worker */
	_Atomic uint32_t go;            /* set once the worker is attached */
	uint32_t nr_threads;
	struct mmt_thread_stats t[MMT_MAX_THREADS];
	struct mmt_mems_pub mems;       /* rebinder -> workers */
};

/* Worker -> orchestrator messages over a pipe: each < PIPE_BUF, so atomic. */
enum mmt_wmsg_type {
	MMT_WMSG_CORRUPTION = 1,
	MMT_WMSG_ERROR,                 /* a thread gave up: harness problem */
	MMT_WMSG_NOTE,
	MMT_WMSG_POLICY_DRIFT,          /* the oracle: policy_drift, text says all */
	MMT_WMSG_PLACEMENT,             /* the oracle: placement_violation */
};

struct mmt_wmsg {
	uint32_t type;
	int32_t thread;
	int32_t tid;
	int32_t node;                   /* corruption: node of the page, -1 */
	int32_t err;                    /* -errno */
	uint32_t pad;
	uint64_t addr;
	uint64_t page_index;
	uint64_t expected, got;
	uint64_t ts_us;
	char text[160];
};

#endif

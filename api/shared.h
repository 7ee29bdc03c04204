/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_CELL_H
#define MMT_CELL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <hwloc.h>

#define MMT_MAX_THREADS 64

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
	char last_error[96];            /* written before last_errno */
};

enum mmt_thread_state {
	MMT_THREAD_NEW,
	MMT_THREAD_RUNNING,
	MMT_THREAD_DONE,
	MMT_THREAD_FAILED,
};

struct mmt_shared {
	_Atomic uint32_t stop;          /* orchestrator -> worker */
	_Atomic uint32_t go;            /* set once the worker is attached */
	uint32_t nr_threads;
	struct mmt_thread_stats t[MMT_MAX_THREADS];
};

/* Worker -> orchestrator messages over a pipe: each < PIPE_BUF, so atomic. */
enum mmt_wmsg_type {
	MMT_WMSG_CORRUPTION = 1,
	MMT_WMSG_ERROR,                 /* a thread gave up: harness problem */
	MMT_WMSG_NOTE,
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

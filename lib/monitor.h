/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_MONITOR_H
#define MMT_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/topo.h"

/* The /proc/vmstat counters the samples and the verdict use. */
#define MMT_VMSTAT_KEYS(X) \
	X(oom_kill)        \
	X(pgfault)         \
	X(pgmajfault)      \
	X(pswpin)          \
	X(pswpout)         \
	X(nr_dirty)        \
	X(nr_writeback)    \
	X(numa_miss)       \
	X(numa_foreign)    \
	X(pgmigrate_success) \
	X(compact_stall)   \
	X(allocstall_normal)

struct mmt_vmstat {
#define X(k) uint64_t k;
	MMT_VMSTAT_KEYS(X)
#undef X
};

extern const char *const mmt_vmstat_names[];
extern const unsigned mmt_vmstat_count;

/* Parse /proc/vmstat text (pure) or read it.  Missing keys read 0. */
void mmt_mon_parse_vmstat(const char *text, struct mmt_vmstat *ret);
int mmt_mon_vmstat(struct mmt_vmstat *ret);
uint64_t mmt_mon_vmstat_get(const struct mmt_vmstat *v, unsigned idx);
/*
 * Read /proc/vmstat once and look up n keys of any name (an injector's own
 * counters): vals[i] gets keys[i]; a missing key leaves its value untouched.
 * Returns the number found or -errno.
 */
int mmt_mon_vmstat_keys(const char *const *keys, uint64_t *vals, unsigned n);

/* MemFree per node in kB, indexed like topo->nodes (-1 when unreadable). */
int mmt_mon_node_free(const struct mmt_topo *topo, int64_t *ret_free_kb);

struct mmt_psi {
	bool present;
	double some_avg10, full_avg10;
	uint64_t some_total_us, full_total_us;
};

/* Parse PSI text (pure) / read /proc/pressure/memory or a cgroup's file. */
int mmt_mon_parse_psi(const char *text, struct mmt_psi *ret);
int mmt_mon_psi(const char *path, struct mmt_psi *ret);

/*
 * PSI trigger spec "some|full STALL WINDOW" (durations, e.g. "full 1s 2s")
 * to the kernel's text ("full 1000000 2000000").  The kernel wants a window
 * of 500ms..10s and a stall shorter than the window.  Pure.
 * Returns 0, or -EINVAL with *ret_why set.
 */
int mmt_mon_psi_trigger_parse(const char *spec, char *ret_text, size_t len,
			      const char **ret_why);
/* Open a PSI file and arm a trigger; returns an fd to poll (EPOLLPRI). */
int mmt_mon_psi_trigger_open(const char *path, const char *kernel_text);

/*
 * Sum the per-node page counts ("N0=12 N1=40") of /proc/PID/numa_maps text:
 * mappings with a "bind" policy into bound[], other anonymous ones into
 * anon[] (per-task set_mempolicy() policies do not show in numa_maps, and
 * fork() shares the parent's pages, so those are only indicative).  Both
 * arrays are indexed by node id (max_nodes entries) and added to.  Pure.
 * Returns the number of mappings counted.
 */
unsigned mmt_mon_parse_numa_maps(const char *text, uint64_t *bound, uint64_t *anon,
				 unsigned max_nodes);

/* /proc/meminfo MemFree and MemAvailable in kB. */
int mmt_mon_meminfo(uint64_t *ret_free_kb, uint64_t *ret_avail_kb);

#endif

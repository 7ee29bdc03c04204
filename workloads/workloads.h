/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_WORKLOADS_H
#define MMT_WORKLOADS_H

#include "api/workload.h"

/*
 * The one explicit registry of workloads (an X-macro; no constructors):
 * X(symbol, name in job files), the name equal to the ops table's .name.
 */
#define MMT_WORKLOADS(X)          \
	X(fault, "fault")         \
	X(hog, "hog")             \
	X(thp_fault, "thp-fault") \
	X(migrate, "migrate")     \
	X(dirty, "dirty")

#define X(n, name) extern const struct mmt_workload_ops mmt_workload_##n;
MMT_WORKLOADS(X)
#undef X

extern const struct mmt_workload_ops *const mmt_workloads[];
extern const unsigned mmt_nr_workloads;
/* NULL-terminated names, for the "workload" enum option. */
extern const char *const mmt_workload_names[];

const struct mmt_workload_ops *mmt_workload_find(const char *name);

#endif

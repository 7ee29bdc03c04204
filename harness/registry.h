/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_HARNESS_REGISTRY_H
#define MMT_HARNESS_REGISTRY_H

#include "api/job.h"

/*
 * Every workload and injector of this build (workloads/workloads.h,
 * injectors/injectors.h), as the job parser takes them.
 */
extern const struct mmt_job_plugins mmt_registry;

/*
 * The start-up check of the plugin contract (like fio's check_engine_ops):
 * every workload has this build's MMT_WORKLOAD_VERSION, a name (the one
 * it is listed under), thread_run and thread_footprint; every injector has
 * MMT_INJECTOR_VERSION, a name, a summary, probe, start, stop and report,
 * and names in .requires an injector of the list; no name twice.
 * Returns 0, or -EINVAL with err saying the first mismatch.
 */
int mmt_plugins_check(const struct mmt_job_plugins *plugins, char *err, size_t err_len);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_HARNESS_REGISTRY_H
#define MMT_HARNESS_REGISTRY_H

#include "api/job.h"

/*
 * Every workload and injector of this build (workloads/workloads.h,
 * injectors/injectors.h), as the job parser takes them.
 */
extern const struct mmt_job_plugins mmt_registry;

#endif

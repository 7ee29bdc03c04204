// SPDX-License-Identifier: GPL-2.0-only
/* The registries: every workload and injector, named once. */
#include "config.h"

#include <string.h>

#include "harness/registry.h"
#include "injectors/injectors.h"
#include "workloads/workloads.h"

#define X(n, name) &mmt_workload_##n,
const struct mmt_workload_ops *const mmt_workloads[] = { MMT_WORKLOADS(X) };
#undef X
const unsigned mmt_nr_workloads = sizeof(mmt_workloads) / sizeof(mmt_workloads[0]);

#define X(n, name) name,
const char *const mmt_workload_names[] = { MMT_WORKLOADS(X) NULL };
#undef X

#define X(n, name) &mmt_injector_##n,
const struct mmt_injector_ops *const mmt_injectors[] = { MMT_INJECTORS(X) };
#undef X
const unsigned mmt_nr_injectors = sizeof(mmt_injectors) / sizeof(mmt_injectors[0]);

#define X(n, name) name,
const char *const mmt_injector_names[] = { MMT_INJECTORS(X) NULL };
#undef X

/* The registry's names must be the plugins' own (checked by test_thp_migrate). */
const struct mmt_workload_ops *mmt_workload_find(const char *name)
{
	for (unsigned i = 0; i < mmt_nr_workloads; i++)
		if (!strcmp(mmt_workloads[i]->name, name))
			return mmt_workloads[i];
	return NULL;
}

const struct mmt_injector_ops *mmt_injector_find(const char *name)
{
	for (unsigned i = 0; i < mmt_nr_injectors; i++)
		if (!strcmp(mmt_injectors[i]->name, name))
			return mmt_injectors[i];
	return NULL;
}

const struct mmt_job_plugins mmt_registry = {
	.workloads = mmt_workloads,
	.nr_workloads = sizeof(mmt_workloads) / sizeof(mmt_workloads[0]),
	.workload_names = mmt_workload_names,
	.injectors = mmt_injectors,
	.nr_injectors = sizeof(mmt_injectors) / sizeof(mmt_injectors[0]),
};

// SPDX-License-Identifier: GPL-2.0-only
/* The registries: every workload and injector, named once. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
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

static int mismatch(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int mismatch(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (err_len)
		vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int check_workload(const struct mmt_job_plugins *p, unsigned i, char *err,
			  size_t err_len)
{
	const struct mmt_workload_ops *w = p->workloads[i];

	if (!w || !w->name || !w->name[0])
		return mismatch(err, err_len, "workload #%u has no name", i);
	if (w->version != MMT_WORKLOAD_VERSION)
		return mismatch(err, err_len, "workload %s: version %u, this build wants %u",
				w->name, w->version, MMT_WORKLOAD_VERSION);
	if (!w->thread_run || !w->thread_footprint)
		return mismatch(err, err_len, "workload %s: no %s", w->name,
				!w->thread_run ? "thread_run" : "thread_footprint");
	if (p->workload_names && (!p->workload_names[i] || strcmp(p->workload_names[i], w->name)))
		return mismatch(err, err_len, "workload %s is listed as %s", w->name,
				p->workload_names[i] ? p->workload_names[i] : "(nothing)");
	for (unsigned k = 0; k < i; k++)
		if (!strcmp(p->workloads[k]->name, w->name))
			return mismatch(err, err_len, "workload %s listed twice", w->name);
	return 0;
}

static int check_injector(const struct mmt_job_plugins *p, unsigned i, char *err,
			  size_t err_len)
{
	const struct mmt_injector_ops *o = p->injectors[i];
	const char *missing = NULL;
	bool found;

	if (!o || !o->name || !o->name[0])
		return mismatch(err, err_len, "injector #%u has no name", i);
	if (o->version != MMT_INJECTOR_VERSION)
		return mismatch(err, err_len, "injector %s: version %u, this build wants %u",
				o->name, o->version, MMT_INJECTOR_VERSION);
	if (!o->summary)
		missing = "summary";
	else if (!o->probe)
		missing = "probe";
	else if (!o->start)
		missing = "start";
	else if (!o->stop)
		missing = "stop";
	else if (!o->report)
		missing = "report";
	if (missing)
		return mismatch(err, err_len, "injector %s: no %s", o->name, missing);
	for (unsigned k = 0; k < i; k++)
		if (!strcmp(p->injectors[k]->name, o->name))
			return mismatch(err, err_len, "injector %s listed twice", o->name);
	if (!o->requires)
		return 0;
	found = false;
	for (unsigned k = 0; k < p->nr_injectors; k++)
		found |= p->injectors[k] && p->injectors[k]->name &&
			 !strcmp(p->injectors[k]->name, o->requires);
	if (!found)
		return mismatch(err, err_len, "injector %s requires %s, which is not built in",
				o->name, o->requires);
	return 0;
}

int mmt_plugins_check(const struct mmt_job_plugins *plugins, char *err, size_t err_len)
{
	int r;

	for (unsigned i = 0; i < plugins->nr_workloads; i++) {
		r = check_workload(plugins, i, err, err_len);
		if (r < 0)
			return r;
	}
	for (unsigned i = 0; i < plugins->nr_injectors; i++) {
		r = check_injector(plugins, i, err, err_len);
		if (r < 0)
			return r;
	}
	return 0;
}

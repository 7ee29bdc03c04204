/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_INJECTOR_H
#define MMT_INJECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "api/job.h"
#include "lib/opt.h"

/*
 * An injector disturbs the kernel while the workloads run.  Each plugin is
 * one file in injectors/ exporting one const ops table, listed in
 * injectors/injectors.h.  Lifecycle, driven by the orchestrator:
 *   validate (at job parse time, no side effects)
 *   probe    (before anything is created: CONF with a reason)
 *   start    (after the cells run; long or blocking work goes on a thread
 *             of the injector's own, never in the event loop)
 *   poll     (every sample interval, from the event loop: must not block)
 *   stop     (end of run or signal; must undo what start did, and every
 *             system change must already be in the journal)
 *   report   (facts for run.json)
 */
#define MMT_INJECTOR_VERSION 1
#define MMT_INJ_MAX_COLUMNS 8

struct mmt_run;

struct mmt_inj {
	const struct mmt_injector_cfg *cfg;
	const struct mmt_injector_ops *ops;
	const void *opts;
	struct mmt_run *run;
	void *priv;               /* the plugin's state */
	bool started;
	bool skipped;             /* optional, and this machine lacks it */
};

struct mmt_injector_ops {
	unsigned version;
	const char *name;
	const char *summary;
	const struct mmt_opt *opts;
	size_t opts_size;
	/* samples.csv columns (NULL-terminated, at most MMT_INJ_MAX_COLUMNS);
	 * prefixed with the instance name in the header. */
	const char *const *columns;
	int (*validate)(struct mmt_injector_cfg *cfg, const struct mmt_job *job,
			char *err, size_t err_len);
	/* 0: can run; >0: CONF, why says what is missing; <0: -errno. */
	int (*probe)(struct mmt_inj *inj, char *why, size_t why_len);
	int (*start)(struct mmt_inj *inj);
	/* Fill one value per column (NaN when unknown). */
	void (*poll)(struct mmt_inj *inj, double *vals);
	int (*stop)(struct mmt_inj *inj);
	void (*report)(struct mmt_inj *inj, json_object *out);
};

#endif

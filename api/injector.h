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
 *   (the core allocates priv: priv_size zeroed bytes, or NULL when 0)
 *   probe    (before anything is created: CONF with a reason)
 *   start    (after the cells run; long or blocking work goes on a thread
 *             of the injector's own, never in the event loop)
 *   poll     (every sample interval, from the event loop: must not block)
 *   stop     (end of run or signal; must undo what start did, and every
 *             system change must already be in the journal)
 *   report   (facts for run.json; only when started; frees nothing)
 *   cleanup  (exactly once, whatever came before: after a CONF or failed
 *             probe, a failed start, or report; releases what priv holds,
 *             and must accept a half-built or untouched priv)
 *   (the core frees priv; cleanup sets inj->priv to NULL to leave it to a
 *    thread that did not stop, which then keeps it for the process's life)
 * start, stop, poll and report run only after a probe that returned 0;
 * stop only after a start that returned 0.
 */
#define MMT_INJECTOR_VERSION 2
#define MMT_INJ_MAX_COLUMNS 8

struct mmt_run;

struct mmt_inj {
	const struct mmt_injector_cfg *cfg;
	const struct mmt_injector_ops *ops;
	const void *opts;
	struct mmt_run *run;
	void *priv;               /* the plugin's state: ops->priv_size bytes */
	bool started;
	bool skipped;             /* optional, and this machine lacks it */
};

struct mmt_injector_ops {
	unsigned version;
	const char *name;
	const char *summary;
	const struct mmt_opt *opts;
	size_t opts_size;
	size_t priv_size;         /* zeroed state the core allocates before probe */
	/*
	 * The injector this one needs in the same job (its ops name, e.g.
	 * "nfs"; NULL: none), when requires_if(opts) says so (NULL: always).
	 * The job parser checks it (api/job.c), after validate.
	 */
	const char *requires;
	bool (*requires_if)(const void *opts);
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
	void (*cleanup)(struct mmt_inj *inj);
};

#endif

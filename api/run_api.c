// SPDX-License-Identifier: GPL-2.0-only
/*
 * The calls plugins make into a run (api/run.h): events, findings, facts,
 * cells and paths.  Thread-safe: injector threads call them.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api/run.h"
#include "lib/log.h"
#include "results/results.h"

int mmt_run_event(struct mmt_run *run, const char *type, json_object *ev)
{
	if (!run->res) {
		json_object_put(ev);
		return 0;
	}
	return mmt_results_event(run->res, type, ev);
}

void mmt_run_finding(struct mmt_run *run, enum mmt_finding f, const char *fmt, ...)
{
	char text[256];
	va_list ap;
	enum mmt_level lvl = mmt_finding_level(f);

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&run->lock);
	mmt_verdict_add(&run->verdict, f, "%s", text);
	pthread_mutex_unlock(&run->lock);
	if (lvl >= MMT_LVL_CONF)
		mmt_log(lvl == MMT_LVL_CONF ? MMT_LOG_WARN : MMT_LOG_ERR, "%s: %s",
			mmt_finding_name(f), text);
	else if (lvl == MMT_LVL_WARN)
		log_warn("%s: %s", mmt_finding_name(f), text);
}

void mmt_run_fact(struct mmt_run *run, const char *key, json_object *val)
{
	pthread_mutex_lock(&run->lock);
	json_object_object_add(run->facts, key, val);
	pthread_mutex_unlock(&run->lock);
}

struct mmt_cell_rt *mmt_run_cell(struct mmt_run *run, const char *name)
{
	for (unsigned i = 0; i < run->nr_cells; i++)
		if (!strcmp(run->cells[i].cfg->name, name))
			return &run->cells[i];
	return NULL;
}

void mmt_run_path(const struct mmt_run *run, const char *name, char *buf,
		  size_t len)
{
	snprintf(buf, len, "%s/%s", run->dir, name);
}


void mmt_run_cell_disturbing(struct mmt_cell_rt *c, bool active)
{
	atomic_store(&c->disturb.active, active);
}

void mmt_run_cell_disturbed(struct mmt_cell_rt *c, enum mmt_disturb what, uint64_t boot_us)
{
	if ((unsigned)what >= MMT_DISTURB_NR)
		return;
	/* the time first: a reader that sees the new count sees its time */
	atomic_store(&c->disturb.last_boot_us, boot_us);
	atomic_fetch_add(&c->disturb.count[what], 1);
}

uint64_t mmt_run_cell_disturbances(const struct mmt_cell_rt *c, uint64_t *ret_last_boot_us)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < MMT_DISTURB_NR; i++)
		n += atomic_load(&c->disturb.count[i]);
	if (ret_last_boot_us)
		*ret_last_boot_us = n ? atomic_load(&c->disturb.last_boot_us) : 0;
	return n;
}

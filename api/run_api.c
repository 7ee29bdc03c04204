// SPDX-License-Identifier: GPL-2.0-only
/*
 * The calls plugins make into a run (api/run.h): events, findings, facts,
 * cells and paths.  Thread-safe: injector threads call them.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api/run.h"
#include "lib/log.h"
#include "lib/util.h"
#include "results/results.h"

int mmt_run_event(struct mmt_run *run, const char *type, json_object *ev)
{
	return mmt_run_event_at(run, type, ev, 0);
}

int mmt_run_event_at(struct mmt_run *run, const char *type, json_object *ev,
		     uint64_t happened_mono_us)
{
	if (!run->res) {
		json_object_put(ev);
		return 0;
	}
	return mmt_results_event_at(run->res, type, ev, happened_mono_us);
}

int mmt_run_sync(struct mmt_run *run)
{
	return run->res ? mmt_results_sync(run->res) : 0;
}

/* Per thread: only the thread that holds defers its own findings' sync. */
static __thread bool sync_held, sync_owed;

void mmt_run_sync_hold(struct mmt_run *run)
{
	(void)run;
	sync_held = true;
	sync_owed = false;
}

int mmt_run_sync_release(struct mmt_run *run)
{
	bool owed = sync_owed;

	sync_held = sync_owed = false;
	return owed ? mmt_run_sync(run) : 0;
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
	/* The console of a machine that freezes next tells what we had found. */
	if (lvl >= MMT_LVL_WARN && run->kmark.fd >= 0) {
		pthread_mutex_lock(&run->lock);
		mmt_kmark(&run->kmark, "%s %s: %s", mmt_level_name(lvl), mmt_finding_name(f), text);
		pthread_mutex_unlock(&run->lock);
	}
	else if (lvl == MMT_LVL_WARN)
		log_warn("%s: %s", mmt_finding_name(f), text);
	/*
	 * A FAIL is what a freeze must not take away: the event line written
	 * for it (victim_stuck, a stall, a spurious kill) goes to stable
	 * storage now, as critical kernel events do (the lab VM's freeze test
	 * lost a victim_stuck line that was only in the page cache).
	 */
	if (lvl == MMT_LVL_FAIL) {
		if (sync_held)
			sync_owed = true;
		else
			mmt_run_sync(run);
	}
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

/* ---- the injectors' view of the run (api/injector.h) ---------------------- */

struct mmt_journal *mmt_inj_journal(const struct mmt_inj *inj)
{
	return inj->run->jr;
}

const char *mmt_inj_dir(const struct mmt_inj *inj)
{
	return inj->run->dir;
}

const char *mmt_inj_run_id(const struct mmt_inj *inj)
{
	return inj->run->id;
}

const struct mmt_job *mmt_inj_job(const struct mmt_inj *inj)
{
	return inj->run->job;
}

const struct mmt_topo *mmt_inj_topo(const struct mmt_inj *inj)
{
	return inj->run->topo;
}

const struct mmt_cg_sys *mmt_inj_cgsys(const struct mmt_inj *inj)
{
	return &inj->run->cgsys;
}

const char *mmt_inj_cgroup_top(const struct mmt_inj *inj)
{
	return inj->run->top_name;
}

static void cell_view(struct mmt_cell_rt *c, struct mmt_cell_view *ret)
{
	*ret = (struct mmt_cell_view){
		.name = c->cfg->name,
		.cg = c->cg,
		.cpus = c->cpus,
		.mems = c->mems,
		.pid = atomic_load(&c->pid),
	};
}

int mmt_inj_cell(const struct mmt_inj *inj, const char *name, struct mmt_cell_view *ret)
{
	struct mmt_cell_rt *c = mmt_run_cell(inj->run, name);

	if (!c)
		return -ENOENT;
	cell_view(c, ret);
	return 0;
}

unsigned mmt_inj_nr_cells(const struct mmt_inj *inj)
{
	return inj->run->nr_cells;
}

int mmt_inj_cell_at(const struct mmt_inj *inj, unsigned i, struct mmt_cell_view *ret)
{
	if (i >= inj->run->nr_cells)
		return -ENOENT;
	cell_view(&inj->run->cells[i], ret);
	return 0;
}

uint64_t mmt_inj_stall_threshold_us(const struct mmt_inj *inj, uint64_t own_us)
{
	const struct mmt_job *job = inj->run ? inj->run->job : NULL;

	if (own_us)
		return own_us;
	if (job && job->g.stall_threshold_us)
		return job->g.stall_threshold_us;
	return 60 * MMT_USEC_PER_SEC;
}

uint64_t mmt_inj_stop_timeout_us(const struct mmt_inj *inj)
{
	return inj->run && inj->run->job ? inj->run->job->g.stop_timeout_us : 0;
}

bool mmt_inj_stopping(const struct mmt_inj *inj)
{
	return mmt_run_stopping(inj->run);
}

/* ---- what injectors publish for the cells ------------------------------------ */

static struct mmt_provided *provided_find(struct mmt_run *run, const char *inst,
					  const char *key)
{
	for (unsigned i = 0; i < run->nr_provided; i++)
		if (!strcmp(run->provided[i].inst, inst) && !strcmp(run->provided[i].key, key))
			return &run->provided[i];
	return NULL;
}

int mmt_inj_provide(struct mmt_inj *inj, const char *key, const char *val)
{
	struct mmt_run *run = inj->run;
	struct mmt_provided *p;
	int r = 0;

	if (!run)
		return 0;
	if (strlen(key) >= sizeof(p->key) || (val && strlen(val) >= sizeof(p->val)))
		return -ENAMETOOLONG;
	pthread_mutex_lock(&run->lock);
	p = provided_find(run, inj->cfg->name, key);
	if (!p && run->nr_provided < MMT_RUN_MAX_PROVIDED) {
		p = &run->provided[run->nr_provided++];
		snprintf(p->inst, sizeof(p->inst), "%s", inj->cfg->name);
		snprintf(p->key, sizeof(p->key), "%s", key);
	}
	if (p) {
		snprintf(p->val, sizeof(p->val), "%s", val ? val : "");
		p->failed = !val;
	} else {
		r = -ENOSPC;
	}
	pthread_mutex_unlock(&run->lock);
	return r;
}

int mmt_run_provided(struct mmt_run *run, const char *inst, const char *key, char *buf,
		     size_t len)
{
	struct mmt_provided *p;
	int idx = -1, r;

	for (unsigned i = 0; i < run->job->nr_injectors; i++)
		if (!strcmp(run->job->injectors[i].name, inst))
			idx = (int)i;
	if (idx < 0)
		return -ENOENT;
	/* Allocated in job order (harness/run.c injectors_alloc). */
	if ((unsigned)idx < run->nr_inj && run->inj[idx].skipped)
		return -ENODEV;
	pthread_mutex_lock(&run->lock);
	p = provided_find(run, inst, key);
	if (!p)
		r = -EAGAIN;
	else if (p->failed)
		r = -ENODEV;
	else
		r = (size_t)snprintf(buf, len, "%s", p->val) >= len ? -ENAMETOOLONG : 0;
	pthread_mutex_unlock(&run->lock);
	return r;
}

int mmt_inj_event(struct mmt_inj *inj, const char *type, json_object *ev)
{
	if (!inj->run) {
		json_object_put(ev);
		return 0;
	}
	return mmt_run_event(inj->run, type, ev);
}

void mmt_inj_finding(struct mmt_inj *inj, enum mmt_finding f, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (inj->run)
		mmt_run_finding(inj->run, f, "%s", text);
}

void mmt_inj_fact(struct mmt_inj *inj, const char *key, json_object *val)
{
	if (inj->run)
		mmt_run_fact(inj->run, key, val);
	else
		json_object_put(val);
}

/* ---- the one stall schema ------------------------------------------------- */

static void add_str(json_object *ev, const char *key, const char *val)
{
	if (val)
		json_object_object_add(ev, key, json_object_new_string(val));
}

int mmt_run_stall(struct mmt_run *run, const struct mmt_stall *st)
{
	json_object *ev = json_object_new_object();

	if (!ev)
		return -ENOMEM;
	add_str(ev, "source", st->source);
	add_str(ev, "cell", st->cell);
	add_str(ev, "injector", st->injector);
	add_str(ev, "what", st->what);
	if (st->pid > 0)
		json_object_object_add(ev, "pid", json_object_new_int(st->pid));
	json_object_object_add(ev, "tid", json_object_new_int(st->tid));
	if (st->thread >= 0)
		json_object_object_add(ev, "thread", json_object_new_int(st->thread));
	json_object_object_add(ev, "stalled_us", json_object_new_uint64(st->stalled_us));
	json_object_object_add(ev, "threshold_us", json_object_new_uint64(st->threshold_us));
	add_str(ev, "wchan", st->wchan);
	add_str(ev, "stack", st->stack);
	add_str(ev, "evidence", st->evidence);
	if (st->sysrq_w)
		json_object_object_add(ev, "sysrq_w", json_object_new_boolean(true));
	return mmt_run_event(run, "stall", ev);
}

int mmt_inj_stall(struct mmt_inj *inj, const struct mmt_stall *st)
{
	return inj->run ? mmt_run_stall(inj->run, st) : 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The memcg-squeeze injector: lowers a cell's memory.max step by step
 * while its workers run, holds, restores, and again; the old limit is
 * journalled (kind "sysctl": path and old value).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "injectors/services.h"
#include "injectors/injectors.h"
#include "lib/journal.h"
#include "lib/log.h"
#include "api/injector.h"
#include "lib/cgroup.h"
#include "lib/util.h"

struct sq_opts {
	char cell[MMT_OPT_STRLEN];
	uint64_t step;
	uint64_t floor;
	uint64_t interval_us;
	uint64_t hold_us;
	uint64_t cycles;
};

#define OFF(f) offsetof(struct sq_opts, f)
static const struct mmt_opt sq_opts[] = {
	{ "cell", MMT_OPT_STR, OFF(cell), 0, 0, "", NULL,
	  "the cell whose memory.max is squeezed (required)" },
	{ "step", MMT_OPT_SIZE, OFF(step), 1 << 20, 0, "32M", NULL,
	  "lower the limit by this much per step" },
	{ "floor", MMT_OPT_SIZE, OFF(floor), 4 << 20, 0, "64M", NULL,
	  "never below this limit" },
	{ "interval", MMT_OPT_DURATION, OFF(interval_us), 10000, 0, "1s", NULL,
	  "time between steps" },
	{ "hold", MMT_OPT_DURATION, OFF(hold_us), 0, 0, "5s", NULL,
	  "stay at the floor this long, then restore the limit" },
	{ "cycles", MMT_OPT_U64, OFF(cycles), 0, 0, "0", NULL,
	  "squeeze-and-restore cycles; 0 repeats until the run ends" },
	MMT_OPT_END,
};
#undef OFF

static const char *const sq_columns[] = { "limit_mb", "usage_mb", "steps", NULL };

struct sq_state {
	struct mmt_inj *inj;
	const struct sq_opts *o;
	struct mmt_ith ith;
	struct mmt_cell_view cell;     /* cg NULL until start found it */
	char orig[64];
	uint64_t orig_bytes;
	int restore_seq;
	_Atomic uint64_t limit, steps, refused, cycles_done;
};

static int sq_validate(struct mmt_injector_cfg *cfg, const struct mmt_job *job,
		       char *err, size_t err_len)
{
	const struct sq_opts *o = cfg->opts;

	if (!o->cell[0])
		return mmt_svc_verr(cfg, "cell", err, err_len, "required");
	for (unsigned i = 0; i < job->nr_cells; i++)
		if (!strcmp(job->cells[i].name, o->cell))
			return 0;
	return mmt_svc_verr(cfg, "cell", err, err_len, "no [cell:%s] in the job", o->cell);
}

static int sq_probe(struct mmt_inj *inj, char *why, size_t why_len)
{
	if (mmt_inj_cgsys(inj)->mode[MMT_CG_MEMORY] == MMT_CG_NONE) {
		snprintf(why, why_len, "no memory cgroup controller to squeeze");
		return 1;
	}
	return 0;
}

static int sq_set(struct sq_state *s, uint64_t limit)
{
	char v[32];
	int r;

	snprintf(v, sizeof(v), "%" PRIu64, limit);
	mmt_ith_busy(&s->ith, "memory.max write");
	r = mmt_cg_set(s->cell.cg, "memory.max", v);
	mmt_ith_busy(&s->ith, NULL);
	if (r == 0)
		atomic_store(&s->limit, limit);
	return r;
}

static void *sq_thread(void *arg)
{
	struct sq_state *s = arg;
	const struct sq_opts *o = s->o;
	uint64_t top = s->orig_bytes;

	while (!mmt_ith_stopping(&s->ith)) {
		uint64_t lim = top;

		/* Down, step by step, to the floor (or until the kernel
		 * refuses: v1 answers EBUSY when it cannot reclaim enough). */
		while (lim > o->floor) {
			lim = lim - o->floor > o->step ? lim - o->step : o->floor;
			if (mmt_ith_sleep(&s->ith, o->interval_us))
				goto out;
			if (sq_set(s, lim) < 0) {
				atomic_fetch_add(&s->refused, 1);
				break;
			}
			atomic_fetch_add(&s->steps, 1);
		}
		if (mmt_ith_sleep(&s->ith, o->hold_us))
			break;
		mmt_ith_busy(&s->ith, "memory.max restore");
		mmt_cg_set(s->cell.cg, "memory.max", s->orig);
		mmt_ith_busy(&s->ith, NULL);
		atomic_store(&s->limit, s->orig_bytes);
		atomic_fetch_add(&s->cycles_done, 1);
		mmt_svc_event(s->inj, "squeeze_cycle", NULL);
		if (o->cycles && atomic_load(&s->cycles_done) >= o->cycles)
			break;
		if (mmt_ith_sleep(&s->ith, o->interval_us))
			break;
	}
out:
	return NULL;
}

static int sq_start_do(struct mmt_inj *inj)
{
	struct sq_state *s = inj->priv;
	char path[PATH_MAX], cur[64];
	uint64_t v;
	int r;

	s->inj = inj;
	s->o = inj->opts;
	if (mmt_inj_cell(inj, s->o->cell, &s->cell) < 0 || !s->cell.cg)
		return log_err_errno(-ENOENT, "%s: no running cell %s", inj->cfg->name, s->o->cell);
	r = mmt_cg_get(s->cell.cg, "memory.max", s->orig, sizeof(s->orig));
	if (r < 0)
		return log_err_errno(r, "%s: read memory.max of %s", inj->cfg->name, s->o->cell);
	mmt_strstrip(s->orig);
	if (mmt_parse_u64(s->orig, &v) < 0 || v > (1ULL << 50)) {
		/* No limit ("max", or v1's huge number): start from usage. */
		if (mmt_cg_get(s->cell.cg, "memory.current", cur, sizeof(cur)) < 0 ||
		    mmt_parse_u64(mmt_strstrip(cur), &v) < 0)
			return log_err_errno(-EINVAL, "%s: cell %s has no limit and no usage",
					     inj->cfg->name, s->o->cell);
	}
	s->orig_bytes = v;
	atomic_store(&s->limit, v);
	r = mmt_cg_path(s->cell.cg, "memory.max", path, sizeof(path));
	if (r < 0)
		return log_err_errno(r, "%s: path of memory.max", inj->cfg->name);
	s->restore_seq = mmt_journal_addv(mmt_inj_journal(inj), "sysctl", path, s->orig, NULL);
	if (s->restore_seq < 0)
		return log_err_errno(s->restore_seq, "%s: journal memory.max", inj->cfg->name);
	return mmt_ith_start(&s->ith, sq_thread, s);
}

/* A failed start means no stop: restore memory.max now. */
static int sq_start(struct mmt_inj *inj)
{
	int r = sq_start_do(inj);
	struct sq_state *s = inj->priv;

	if (r < 0 && s->restore_seq > 0 &&
	    mmt_journal_undo(mmt_inj_journal(inj), s->restore_seq) == 0)
		s->restore_seq = 0;
	return r;
}

static void sq_poll(struct mmt_inj *inj, double *vals)
{
	struct sq_state *s = inj->priv;
	char buf[64];
	uint64_t v;

	vals[0] = vals[1] = vals[2] = NAN;
	if (!s || !s->cell.cg)
		return;
	vals[0] = (double)atomic_load(&s->limit) / (1 << 20);
	if (mmt_cg_get(s->cell.cg, "memory.current", buf, sizeof(buf)) >= 0 &&
	    mmt_parse_u64(mmt_strstrip(buf), &v) == 0)
		vals[1] = (double)v / (1 << 20);
	vals[2] = (double)atomic_load(&s->steps);
}

static int sq_stop(struct mmt_inj *inj)
{
	struct sq_state *s = inj->priv;
	int r, u;

	if (!s)
		return 0;
	r = mmt_ith_stop_or_stall(&s->ith, inj, 60 * MMT_USEC_PER_SEC);
	if (s->restore_seq > 0) {
		u = mmt_journal_undo(mmt_inj_journal(inj), s->restore_seq);
		if (u < 0)
			log_err_errno(u, "%s: restore memory.max of %s", inj->cfg->name,
				      s->o->cell);
		else
			s->restore_seq = 0;
		if (r == 0)
			r = u;
	}
	return r;
}

static void sq_report(struct mmt_inj *inj, json_object *out)
{
	struct sq_state *s = inj->priv;

	json_object_object_add(out, "cell", json_object_new_string(s->o->cell));
	json_object_object_add(out, "original", json_object_new_string(s->orig));
	json_object_object_add(out, "steps", json_object_new_uint64(atomic_load(&s->steps)));
	json_object_object_add(out, "refused", json_object_new_uint64(atomic_load(&s->refused)));
	json_object_object_add(out, "cycles",
			       json_object_new_uint64(atomic_load(&s->cycles_done)));
	json_object_object_add(out, "restored", json_object_new_boolean(s->restore_seq == 0));
}

static void sq_cleanup(struct mmt_inj *inj)
{
	struct sq_state *s = inj->priv;

	if (s)
		mmt_ith_release(&s->ith, inj);
}

const struct mmt_injector_ops mmt_injector_memcg_squeeze = {
	.version = MMT_INJECTOR_VERSION,
	.name = "memcg-squeeze",
	.summary = "lower a cell's memory.max step by step while it runs, then restore",
	.opts = sq_opts,
	.opts_size = sizeof(struct sq_opts),
	.priv_size = sizeof(struct sq_state),
	.columns = sq_columns,
	.validate = sq_validate,
	.probe = sq_probe,
	.start = sq_start,
	.poll = sq_poll,
	.stop = sq_stop,
	.report = sq_report,
	.cleanup = sq_cleanup,
};


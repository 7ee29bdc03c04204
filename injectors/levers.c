// SPDX-License-Identifier: GPL-2.0-only
/*
 * The lighter levers: three injectors in one file, on purpose, because
 * they are one engine (a value written to one kernel file at a rate, on
 * the injector's own thread) with three option tables; this is the one
 * exception to "one file per injector".  The writes can take long:
 * dropping caches and compacting walk all of memory.
 *   drop-caches  writes /proc/sys/vm/drop_caches (an action, nothing to
 *                restore)
 *   compact      writes /proc/sys/vm/compact_memory (an action)
 *   thp          alternates /sys/kernel/mm/transparent_hugepage/<knob>
 *                between values; the old value is journalled (kind
 *                "sysctl") and restored at stop
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/sysfx/sysctl.h"
#include "lib/monitor.h"
#include "injectors/services.h"
#include "injectors/injectors.h"
#include "lib/journal.h"
#include "lib/log.h"
#include "api/injector.h"
#include "lib/util.h"

#define LEVER_MAX_VALUES 8

struct lever_opts {
	uint64_t interval_us;
	int what;                     /* drop-caches: 1/2/3; thp: the knob */
	char values[MMT_OPT_STRLEN];  /* thp: the sequence */
	uint64_t stall_us;
};

static const char *const drop_names[] = { "pagecache", "slab", "both", NULL };
static const char *const thp_knobs[] = { "enabled", "defrag", "shmem_enabled", NULL };

#define OFF(f) offsetof(struct lever_opts, f)
static const struct mmt_opt drop_opts[] = {
	{ "interval", MMT_OPT_DURATION, OFF(interval_us), 10000, 0, "5s", NULL,
	  "drop caches every this long" },
	{ "what", MMT_OPT_ENUM, OFF(what), 0, 0, "both", drop_names,
	  "pagecache (1), slab (2) or both (3) into /proc/sys/vm/drop_caches" },
	{ "stall", MMT_OPT_DURATION, OFF(stall_us), 0, 0, "0", NULL,
	  "a write that takes longer is a stall; 0: [global] stall_threshold" },
	MMT_OPT_END,
};

static const struct mmt_opt compact_opts[] = {
	{ "interval", MMT_OPT_DURATION, OFF(interval_us), 10000, 0, "5s", NULL,
	  "compact all zones every this long (/proc/sys/vm/compact_memory)" },
	{ "stall", MMT_OPT_DURATION, OFF(stall_us), 0, 0, "0", NULL,
	  "a compaction that takes longer is a stall; 0: [global] stall_threshold" },
	MMT_OPT_END,
};

static const struct mmt_opt thp_opts[] = {
	{ "interval", MMT_OPT_DURATION, OFF(interval_us), 10000, 0, "2s", NULL,
	  "switch to the next value every this long" },
	{ "knob", MMT_OPT_ENUM, OFF(what), 0, 0, "enabled", thp_knobs,
	  "which file of /sys/kernel/mm/transparent_hugepage to toggle" },
	{ "values", MMT_OPT_STRLIST, OFF(values), 0, 0, "always;never", NULL,
	  "the values to cycle through, ';'-separated (e.g. always;madvise;never)" },
	{ "stall", MMT_OPT_DURATION, OFF(stall_us), 0, 0, "0", NULL,
	  "a write that takes longer is a stall; 0: [global] stall_threshold" },
	MMT_OPT_END,
};
#undef OFF

static const char *const drop_columns[] = { "drops", NULL };
static const char *const compact_columns[] = { "compactions", "compact_stall", NULL };
static const char *const thp_columns[] = { "toggles", NULL };

enum lever_kind { LV_DROP, LV_COMPACT, LV_THP };

struct lever {
	struct mmt_inj *inj;
	const struct lever_opts *o;
	enum lever_kind kind;
	struct mmt_ith ith;
	char path[PATH_MAX];
	char text[MMT_OPT_STRLEN];
	char *values[LEVER_MAX_VALUES];
	unsigned nr_values;
	int restore_seq;
	_Atomic uint64_t count, errors, max_us;
	uint64_t compact_stall0;
	bool stall_reported;
};

static void thp_path(int knob, char *buf, size_t len)
{
	snprintf(buf, len, "/sys/kernel/mm/transparent_hugepage/%s", thp_knobs[knob]);
}

/* Fill the core-allocated state of a lever of this kind. */
static struct lever *lever_init(struct mmt_inj *inj, enum lever_kind kind)
{
	struct lever *lv = inj->priv;

	lv->inj = inj;
	lv->o = inj->opts;
	lv->kind = kind;
	switch (kind) {
	case LV_DROP:
		snprintf(lv->path, sizeof(lv->path), "/proc/sys/vm/drop_caches");
		snprintf(lv->text, sizeof(lv->text), "%d", lv->o->what + 1);
		lv->values[lv->nr_values++] = lv->text;
		break;
	case LV_COMPACT:
		snprintf(lv->path, sizeof(lv->path), "/proc/sys/vm/compact_memory");
		snprintf(lv->text, sizeof(lv->text), "1");
		lv->values[lv->nr_values++] = lv->text;
		break;
	case LV_THP:
		thp_path(lv->o->what, lv->path, sizeof(lv->path));
		snprintf(lv->text, sizeof(lv->text), "%s", lv->o->values);
		lv->nr_values = mmt_opt_split_list(lv->text, lv->values, LEVER_MAX_VALUES);
		break;
	}
	return lv;
}

static int thp_validate(struct mmt_injector_cfg *cfg, const struct mmt_job *job,
			char *err, size_t err_len)
{
	static const char *const known[] = { "always", "madvise", "never", "defer",
					     "defer+madvise", "within_size", "advise",
					     "deny", "force", "inherit", NULL };
	const struct lever_opts *o = cfg->opts;
	char text[MMT_OPT_STRLEN], *items[LEVER_MAX_VALUES + 1];
	unsigned n;

	snprintf(text, sizeof(text), "%s", o->values);
	n = mmt_opt_split_list(text, items, LEVER_MAX_VALUES + 1);
	if (n < 1 || n > LEVER_MAX_VALUES)
		return mmt_svc_verr(cfg, "values", err, err_len, "give 1..%d values",
				    LEVER_MAX_VALUES);
	for (unsigned i = 0; i < n; i++) {
		bool ok = false;

		for (unsigned k = 0; known[k]; k++)
			ok |= !strcmp(items[i], known[k]);
		if (!ok)
			return mmt_svc_verr(cfg, "values", err, err_len,
					    "'%s' is no THP mode", items[i]);
	}
	return 0;
}

static int lever_validate(struct mmt_injector_cfg *cfg, const struct mmt_job *job,
			  char *err, size_t err_len)
{
	return 0;
}

static int lever_probe(struct mmt_inj *inj, enum lever_kind kind, char *why, size_t why_len)
{
	struct lever *lv = lever_init(inj, kind);
	char text[512];

	if (access(lv->path, F_OK) < 0) {
		if (kind == LV_COMPACT)
			snprintf(why, why_len, "kernel has no memory compaction "
				 "(CONFIG_COMPACTION: no %s)", lv->path);
		else if (kind == LV_THP)
			snprintf(why, why_len, "kernel has no transparent hugepages (no %s)",
				 lv->path);
		else
			snprintf(why, why_len, "no %s", lv->path);
		return 1;
	}
	if (access(lv->path, W_OK) < 0) {
		snprintf(why, why_len, "%s is not writable (needs root)", lv->path);
		return 1;
	}
	if (kind != LV_THP)
		return 0;
	/* Every value must be one this kernel offers in that file. */
	if (mmt_read_file(lv->path, text, sizeof(text)) < 0)
		return -EIO;
	for (unsigned i = 0; i < lv->nr_values; i++) {
		char *save = NULL, copy[512];
		bool ok = false;

		snprintf(copy, sizeof(copy), "%s", text);
		for (char *w = strtok_r(copy, " \n[]", &save); w;
		     w = strtok_r(NULL, " \n[]", &save))
			ok |= !strcmp(w, lv->values[i]);
		if (!ok) {
			snprintf(why, why_len, "%s offers '%s'; '%s' is not one", lv->path,
				 mmt_strstrip(text), lv->values[i]);
			return 1;
		}
	}
	return 0;
}

static int drop_probe(struct mmt_inj *inj, char *why, size_t why_len)
{
	return lever_probe(inj, LV_DROP, why, why_len);
}

static int compact_probe(struct mmt_inj *inj, char *why, size_t why_len)
{
	return lever_probe(inj, LV_COMPACT, why, why_len);
}

static int thp_probe(struct mmt_inj *inj, char *why, size_t why_len)
{
	return lever_probe(inj, LV_THP, why, why_len);
}

static void *lever_thread(void *arg)
{
	struct lever *lv = arg;
	unsigned next = lv->kind == LV_THP && lv->nr_values > 1 ? 1 : 0;

	while (!mmt_ith_sleep(&lv->ith, lv->o->interval_us)) {
		uint64_t t0 = mmt_now_us(), dt;
		int r;

		mmt_ith_busy(&lv->ith, lv->kind == LV_COMPACT ? "compact_memory" :
			     lv->kind == LV_DROP ? "drop_caches" : "thp toggle");
		r = mmt_write_file(lv->path, lv->values[next]);
		mmt_ith_busy(&lv->ith, NULL);
		dt = mmt_now_us() - t0;
		if (dt > atomic_load(&lv->max_us))
			atomic_store(&lv->max_us, dt);
		if (r < 0) {
			if (!atomic_fetch_add(&lv->errors, 1))
				log_err_errno(r, "%s: write %s = %s", lv->inj->cfg->name,
					      lv->path, lv->values[next]);
		} else {
			atomic_fetch_add(&lv->count, 1);
		}
		next = (next + 1) % lv->nr_values;
	}
	return NULL;
}

static int lever_start(struct mmt_inj *inj)
{
	struct lever *lv = inj->priv;
	int r;

	if (lv->kind == LV_THP) {
		r = mmt_sysctl_set(mmt_inj_journal(inj), lv->path, lv->values[0], &lv->restore_seq);
		if (r < 0)
			goto out_restore;
		atomic_fetch_add(&lv->count, 1);
	}
	if (lv->kind == LV_COMPACT) {
		static const char *const key[] = { "compact_stall" };

		mmt_mon_vmstat_keys(key, &lv->compact_stall0, 1);
	}
	r = mmt_ith_start(&lv->ith, lever_thread, lv);
	if (r == 0)
		return 0;
out_restore:
	/* No stop follows a failed start. */
	if (lv->restore_seq > 0 && mmt_journal_undo(mmt_inj_journal(inj), lv->restore_seq) == 0)
		lv->restore_seq = 0;
	return r;
}

static void lever_poll(struct mmt_inj *inj, double *vals)
{
	struct lever *lv = inj->priv;

	vals[0] = NAN;
	if (lv && lv->kind == LV_COMPACT)
		vals[1] = NAN;
	if (!lv)
		return;
	vals[0] = (double)atomic_load(&lv->count);
	if (lv->kind == LV_COMPACT) {
		static const char *const key[] = { "compact_stall" };
		uint64_t v;

		if (mmt_mon_vmstat_keys(key, &v, 1) == 1)
			vals[1] = (double)(v - lv->compact_stall0);
	}
	mmt_ith_check_stall(&lv->ith, inj, inj->ops->name, lv->o->stall_us, &lv->stall_reported);
}

static int lever_stop(struct mmt_inj *inj)
{
	struct lever *lv = inj->priv;
	int r;

	if (!lv)
		return 0;
	r = mmt_ith_stop_or_stall(&lv->ith, inj, 60 * MMT_USEC_PER_SEC);
	if (lv->restore_seq > 0) {
		int u = mmt_journal_undo(mmt_inj_journal(inj), lv->restore_seq);

		if (u < 0)
			log_err_errno(u, "%s: restore %s", inj->cfg->name, lv->path);
		else
			lv->restore_seq = 0;
		if (r == 0)
			r = u;
	}
	return r;
}

static void lever_report(struct mmt_inj *inj, json_object *out)
{
	struct lever *lv = inj->priv;

	json_object_object_add(out, "path", json_object_new_string(lv->path));
	json_object_object_add(out, "writes", json_object_new_uint64(atomic_load(&lv->count)));
	json_object_object_add(out, "errors", json_object_new_uint64(atomic_load(&lv->errors)));
	json_object_object_add(out, "write_max_us",
			       json_object_new_uint64(atomic_load(&lv->max_us)));
	if (lv->kind == LV_THP) {
		json_object *arr = json_object_new_array();

		for (unsigned i = 0; i < lv->nr_values; i++)
			json_object_array_add(arr, json_object_new_string(lv->values[i]));
		json_object_object_add(out, "values", arr);
		json_object_object_add(out, "restored",
				       json_object_new_boolean(lv->restore_seq == 0));
	}
}

static void lever_cleanup(struct mmt_inj *inj)
{
	struct lever *lv = inj->priv;

	if (lv)
		mmt_ith_release(&lv->ith, inj);
}

const struct mmt_injector_ops mmt_injector_drop_caches = {
	.version = MMT_INJECTOR_VERSION,
	.name = "drop-caches",
	.summary = "drop the page cache and/or slab caches at a rate",
	.opts = drop_opts,
	.opts_size = sizeof(struct lever_opts),
	.priv_size = sizeof(struct lever),
	.columns = drop_columns,
	.validate = lever_validate,
	.probe = drop_probe,
	.start = lever_start,
	.poll = lever_poll,
	.stop = lever_stop,
	.report = lever_report,
	.cleanup = lever_cleanup,
};

const struct mmt_injector_ops mmt_injector_compact = {
	.version = MMT_INJECTOR_VERSION,
	.name = "compact",
	.summary = "compact all memory (/proc/sys/vm/compact_memory) at a rate",
	.opts = compact_opts,
	.opts_size = sizeof(struct lever_opts),
	.priv_size = sizeof(struct lever),
	.columns = compact_columns,
	.validate = lever_validate,
	.probe = compact_probe,
	.start = lever_start,
	.poll = lever_poll,
	.stop = lever_stop,
	.report = lever_report,
	.cleanup = lever_cleanup,
};

const struct mmt_injector_ops mmt_injector_thp = {
	.version = MMT_INJECTOR_VERSION,
	.name = "thp",
	.summary = "toggle the transparent hugepage mode at a rate (restored at stop)",
	.opts = thp_opts,
	.opts_size = sizeof(struct lever_opts),
	.priv_size = sizeof(struct lever),
	.columns = thp_columns,
	.validate = thp_validate,
	.probe = thp_probe,
	.start = lever_start,
	.poll = lever_poll,
	.stop = lever_stop,
	.report = lever_report,
	.cleanup = lever_cleanup,
};

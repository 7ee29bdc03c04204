// SPDX-License-Identifier: GPL-2.0-only
/*
 * The verdict rules: one table maps every finding to a level, and the run's
 * verdict is the worst level seen, with the precedence
 *
 *	FAIL > BROK > CONF > PASS
 *
 * A kernel failure that was observed is a fact even when the harness broke
 * afterwards or part of the job could not run, so FAIL wins.  A broken
 * harness (BROK) outranks a missing feature (CONF) because it means the
 * results are incomplete for a reason that needs a human.  WARN and INFO
 * findings are recorded as reasons but never change the verdict.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/util.h"
#include "lib/verdict.h"

static const struct {
	const char *name;
	enum mmt_level level;
} rules[] = {
	[MMT_F_OOM_UNEXPECTED]   = { "oom_unexpected",   MMT_LVL_FAIL },
	[MMT_F_OOM_SPURIOUS]     = { "oom_spurious",     MMT_LVL_FAIL },
	[MMT_F_OOM_FOREIGN]      = { "oom_foreign",      MMT_LVL_WARN },
	[MMT_F_OOM_FOREIGN_FAIL] = { "oom_foreign_fail", MMT_LVL_FAIL },
	[MMT_F_OOM_EXPECTED]     = { "oom_expected",     MMT_LVL_INFO },
	[MMT_F_STALL]            = { "stall",            MMT_LVL_FAIL },
	[MMT_F_HUNG_TASK]        = { "hung_task",        MMT_LVL_FAIL },
	[MMT_F_LOCKUP]           = { "lockup",           MMT_LVL_FAIL },
	[MMT_F_RCU_STALL]        = { "rcu_stall",        MMT_LVL_FAIL },
	[MMT_F_KERNEL_BUG]       = { "kernel_bug",       MMT_LVL_FAIL },
	[MMT_F_KERNEL_WARN]      = { "kernel_warn",      MMT_LVL_FAIL },
	[MMT_F_CORRUPTION]       = { "corruption",       MMT_LVL_FAIL },
	[MMT_F_UNKILLABLE]       = { "unkillable",       MMT_LVL_FAIL },
	[MMT_F_VICTIM_STUCK]     = { "victim_stuck",     MMT_LVL_FAIL },
	[MMT_F_WORKER_LOST]      = { "worker_lost",      MMT_LVL_BROK },
	[MMT_F_HARNESS]          = { "harness",          MMT_LVL_BROK },
	[MMT_F_MISSING]          = { "missing",          MMT_LVL_CONF },
	[MMT_F_KMSG_LOST]        = { "kmsg_lost",        MMT_LVL_WARN },
	[MMT_F_NOTE]             = { "note",             MMT_LVL_INFO },
	[MMT_F_POLICY_DRIFT]     = { "policy_drift",     MMT_LVL_FAIL },
	[MMT_F_PLACEMENT_VIOLATION] = { "placement_violation", MMT_LVL_FAIL },
};

_Static_assert(MMT_ARRAY_SIZE(rules) == MMT_F_NR, "one rule per finding");

static const char *const level_names[] = {
	[MMT_LVL_INFO] = "INFO",
	[MMT_LVL_WARN] = "WARN",
	[MMT_LVL_CONF] = "CONF",
	[MMT_LVL_BROK] = "BROK",
	[MMT_LVL_FAIL] = "FAIL",
};

static const char *const kind_names[] = {
	[MMT_PASS] = "PASS",
	[MMT_CONF] = "CONF",
	[MMT_BROK] = "BROK",
	[MMT_FAIL] = "FAIL",
};

static bool finding_valid(enum mmt_finding f)
{
	return (unsigned)f < MMT_F_NR;
}

void mmt_verdict_init(struct mmt_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->kind = MMT_PASS;
}

enum mmt_level mmt_finding_level(enum mmt_finding f)
{
	/* An unknown finding is a harness bug, not a kernel one. */
	return finding_valid(f) ? rules[f].level : MMT_LVL_BROK;
}

const char *mmt_finding_name(enum mmt_finding f)
{
	return finding_valid(f) ? rules[f].name : "unknown";
}

int mmt_finding_from_name(const char *name)
{
	for (int f = 0; f < MMT_F_NR; f++)
		if (strcmp(rules[f].name, name) == 0)
			return f;
	return -EINVAL;
}

const char *mmt_level_name(enum mmt_level l)
{
	return (unsigned)l < MMT_ARRAY_SIZE(level_names) ? level_names[l] : "unknown";
}

/* How many reasons of each finding the array holds. */
static void count_kinds(const struct mmt_verdict *v, unsigned per[MMT_F_NR])
{
	memset(per, 0, MMT_F_NR * sizeof(per[0]));
	for (unsigned i = 0; i < v->nr_reasons; i++)
		per[v->reasons[i].finding]++;
}

/*
 * Make room for a reason of level lvl in a full array: drop the latest
 * reason of the lowest level below lvl (never the only one of its kind),
 * so that a flood of expected kills never hides the one stall that matters.  Returns false if nothing ranks
 * below lvl (the new reason is the one dropped).
 */
static bool evict_lower(struct mmt_verdict *v, enum mmt_level lvl)
{
	unsigned per[MMT_F_NR];
	int victim = -1;

	count_kinds(v, per);
	for (int i = (int)v->nr_reasons - 1; i >= 0; i--) {
		/* the only reason of its kind stays (evict_for_new_kind()) */
		if (v->reasons[i].level >= lvl || per[v->reasons[i].finding] < 2)
			continue;
		if (victim < 0 || v->reasons[i].level < v->reasons[victim].level)
			victim = i;
	}
	if (victim < 0)
		return false;
	memmove(&v->reasons[victim], &v->reasons[victim + 1],
		(v->nr_reasons - (unsigned)victim - 1) * sizeof(v->reasons[0]));
	v->nr_reasons--;
	return true;
}

/*
 * Make room for the first reason of finding f in a full array: drop the
 * latest reason of the finding with the most reasons, so that every kind of
 * finding keeps its first reason (a BROK among 800 spurious kills was lost).
 * Returns false if f already has a reason there, or no finding has two.
 */
static bool evict_for_new_kind(struct mmt_verdict *v, enum mmt_finding f)
{
	unsigned per[MMT_F_NR];
	int most = -1, victim = -1;

	count_kinds(v, per);
	if (per[f])
		return false;
	for (int k = 0; k < MMT_F_NR; k++)
		if (per[k] >= 2 && (most < 0 || per[k] > per[most]))
			most = k;
	if (most < 0)
		return false;
	for (int i = (int)v->nr_reasons - 1; i >= 0 && victim < 0; i--)
		if ((int)v->reasons[i].finding == most)
			victim = i;
	memmove(&v->reasons[victim], &v->reasons[victim + 1],
		(v->nr_reasons - (unsigned)victim - 1) * sizeof(v->reasons[0]));
	v->nr_reasons--;
	return true;
}

void mmt_verdict_add(struct mmt_verdict *v, enum mmt_finding f, const char *fmt, ...)
{
	enum mmt_level lvl;
	va_list ap;

	if (!finding_valid(f))
		f = MMT_F_HARNESS;
	lvl = mmt_finding_level(f);
	v->counts[f]++;
	if (v->nr_reasons >= MMT_VERDICT_MAX_REASONS) {
		v->dropped++;
		if (!evict_for_new_kind(v, f) && !evict_lower(v, lvl))
			return;
	}
	v->reasons[v->nr_reasons].finding = f;
	v->reasons[v->nr_reasons].level = lvl;
	va_start(ap, fmt);
	vsnprintf(v->reasons[v->nr_reasons].text, sizeof(v->reasons[0].text), fmt, ap);
	va_end(ap);
	v->nr_reasons++;
}

static enum mmt_verdict_kind compute_kind(const struct mmt_verdict *v)
{
	enum mmt_level worst = MMT_LVL_INFO;

	for (int f = 0; f < MMT_F_NR; f++)
		if (v->counts[f] && rules[f].level > worst)
			worst = rules[f].level;
	switch (worst) {
	case MMT_LVL_FAIL:
		return MMT_FAIL;
	case MMT_LVL_BROK:
		return MMT_BROK;
	case MMT_LVL_CONF:
		return MMT_CONF;
	default:
		return MMT_PASS;
	}
}

enum mmt_verdict_kind mmt_verdict_decide(struct mmt_verdict *v)
{
	v->kind = compute_kind(v);
	return v->kind;
}

const char *mmt_verdict_name(enum mmt_verdict_kind k)
{
	return (unsigned)k < MMT_ARRAY_SIZE(kind_names) ? kind_names[k] : "BROK";
}

int mmt_verdict_exit_code(enum mmt_verdict_kind k)
{
	switch (k) {
	case MMT_PASS:
		return 0;
	case MMT_FAIL:
		return 1;
	default:
		return 125;
	}
}

json_object *mmt_verdict_to_json(const struct mmt_verdict *v)
{
	enum mmt_verdict_kind k = compute_kind(v);
	json_object *o, *reasons, *counts;

	o = json_object_new_object();
	reasons = json_object_new_array();
	counts = json_object_new_object();
	if (!o || !reasons || !counts)
		goto out_put;
	json_object_object_add(o, "verdict", json_object_new_string(mmt_verdict_name(k)));
	json_object_object_add(o, "exit_code", json_object_new_int(mmt_verdict_exit_code(k)));
	for (unsigned i = 0; i < v->nr_reasons && i < MMT_VERDICT_MAX_REASONS; i++) {
		const char *name = mmt_finding_name(v->reasons[i].finding);
		const char *level = mmt_level_name(v->reasons[i].level);
		json_object *r = json_object_new_object();

		if (!r)
			goto out_put;
		json_object_object_add(r, "finding", json_object_new_string(name));
		json_object_object_add(r, "level", json_object_new_string(level));
		json_object_object_add(r, "text", json_object_new_string(v->reasons[i].text));
		json_object_array_add(reasons, r);
	}
	json_object_object_add(o, "reasons", reasons);
	reasons = NULL;
	for (int f = 0; f < MMT_F_NR; f++)
		json_object_object_add(counts, rules[f].name, json_object_new_int64(v->counts[f]));
	json_object_object_add(o, "counts", counts);
	counts = NULL;
	json_object_object_add(o, "dropped_reasons", json_object_new_int64(v->dropped));
	return o;
out_put:
	json_object_put(counts);
	json_object_put(reasons);
	json_object_put(o);
	return NULL;
}

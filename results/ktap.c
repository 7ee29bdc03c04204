// SPDX-License-Identifier: GPL-2.0-only
/*
 * result.ktap: KTAP v1 (Documentation/dev-tools/ktap.rst) of a finished
 * run.json, for KernelCI.  Also the check table that junit.c shares.
 *
 *	KTAP version 1
 *	1..8
 *	# mmtorture run <id> job <name>
 *	# FAIL stall: worker 3 made no progress for 30 s
 *	not ok 2 no_stall
 *	not ok 6 no_worker_lost # ERROR cell0 died by SIGSEGV
 *	ok 8 requirements_met # SKIP no NUMA
 *	# verdict: FAIL (exit code 1)
 *	# Totals: pass:5 fail:1 xfail:0 xpass:0 skip:1 error:1
 *
 * Reasons become diagnostic lines directly before the result line of the
 * check they belong to, as the spec recommends.  Test names keep to
 * [A-Za-z0-9._-] (LAVA's lava-test-case refuses spaces and '/'): the check
 * "no kernel BUG/WARNING" is "no_kernel_BUG_WARNING".  Several runs make one
 * document with one subtest per run (mmt_ktap_render_runs()).  The output
 * parses cleanly with the kernel's tools/testing/kunit/kunit_parser.py.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jsonget.h"
#include "results/results.h"
#include "lib/util.h"

static const char *const check_names[MMT_NR_CHECKS] = {
	"no unexpected OOM kill",
	"no stall",
	"no unkillable task",
	"no kernel BUG/WARNING",
	"no corruption",
	"no worker lost",
	"harness ok",
	"requirements met",
};

static const signed char finding_check[MMT_F_NR] = {
	[MMT_F_OOM_UNEXPECTED] = 0,
	[MMT_F_OOM_SPURIOUS] = 0,
	[MMT_F_OOM_FOREIGN] = 0,
	[MMT_F_OOM_FOREIGN_FAIL] = 0,
	[MMT_F_OOM_EXPECTED] = 0,
	[MMT_F_STALL] = 1,
	[MMT_F_HUNG_TASK] = 1,
	[MMT_F_LOCKUP] = 1,
	[MMT_F_RCU_STALL] = 1,
	[MMT_F_UNKILLABLE] = 2,
	[MMT_F_VICTIM_STUCK] = 2,
	[MMT_F_KERNEL_BUG] = 3,
	[MMT_F_KERNEL_WARN] = 3,
	[MMT_F_CORRUPTION] = 4,
	[MMT_F_WORKER_LOST] = 5,
	[MMT_F_HARNESS] = 6,
	[MMT_F_KMSG_LOST] = 6,
	[MMT_F_MISSING] = 7,
	[MMT_F_NOTE] = -1,
	[MMT_F_POLICY_DRIFT] = 4,
	[MMT_F_PLACEMENT_VIOLATION] = 4,
};

int mmt_check_of_finding(int finding)
{
	if (finding < 0 || finding >= MMT_F_NR)
		return -1;
	return finding_check[finding];
}

/* The first reason text of finding f, or NULL. */
static const char *first_reason(json_object *reasons, int f)
{
	size_t n = reasons ? json_object_array_length(reasons) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *r = json_object_array_get_idx(reasons, i);
		const char *name = mmt_json_str(r, "finding");

		if (name && mmt_finding_from_name(name) == f)
			return mmt_json_str(r, "text");
	}
	return NULL;
}

static enum mmt_check_status status_of(enum mmt_level lvl)
{
	switch (lvl) {
	case MMT_LVL_FAIL:
		return MMT_CHECK_FAIL;
	case MMT_LVL_BROK:
		return MMT_CHECK_ERROR;
	case MMT_LVL_CONF:
		return MMT_CHECK_SKIP;
	default:
		return MMT_CHECK_OK;
	}
}

void mmt_checks_eval(json_object *run, struct mmt_check *checks)
{
	json_object *verdict = NULL, *counts = NULL, *reasons = NULL;
	enum mmt_level worst[MMT_NR_CHECKS];
	const char *kind = NULL, *skip_msg;

	if (run && json_object_object_get_ex(run, "verdict", &verdict) &&
	    json_object_is_type(verdict, json_type_object)) {
		kind = mmt_json_str(verdict, "verdict");
		if (json_object_object_get_ex(verdict, "counts", &counts) &&
		    !json_object_is_type(counts, json_type_object))
			counts = NULL;
		if (json_object_object_get_ex(verdict, "reasons", &reasons) &&
		    !json_object_is_type(reasons, json_type_array))
			reasons = NULL;
	} else {
		verdict = NULL;
	}
	for (int c = 0; c < MMT_NR_CHECKS; c++) {
		checks[c] = (struct mmt_check){ .name = check_names[c] };
		worst[c] = MMT_LVL_INFO;
	}
	/* Findings in rule-table order, so the message is deterministic. */
	for (int f = 0; f < MMT_F_NR; f++) {
		int c = finding_check[f];
		enum mmt_level lvl = mmt_finding_level(f);
		json_object *cnt;

		if (c < 0 || !counts ||
		    !json_object_object_get_ex(counts, mmt_finding_name(f), &cnt) ||
		    json_object_get_int64(cnt) <= 0)
			continue;
		if (lvl <= worst[c] || status_of(lvl) == MMT_CHECK_OK)
			continue;
		worst[c] = lvl;
		checks[c].status = status_of(lvl);
		checks[c].type = mmt_finding_name(f);
		checks[c].message = first_reason(reasons, f);
		if (!checks[c].message)
			checks[c].message = mmt_finding_name(f);
	}
	if (!verdict) {
		checks[6].status = MMT_CHECK_ERROR;
		checks[6].type = "harness";
		checks[6].message = "run.json has no verdict";
	}
	if (!kind || strcmp(kind, "CONF"))
		return;
	skip_msg = first_reason(reasons, MMT_F_MISSING);
	if (!skip_msg)
		skip_msg = "missing requirement";
	for (int c = 0; c < MMT_NR_CHECKS; c++) {
		if (checks[c].status != MMT_CHECK_OK)
			continue;
		checks[c].status = MMT_CHECK_SKIP;
		checks[c].type = "missing";
		checks[c].message = skip_msg;
	}
}

/* Text on one line: line breaks and other control characters become spaces. */
static void put_oneline(FILE *f, const char *s)
{
	for (; s && *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, f);
}

/*
 * A test name as LAVA takes it (lava-test-case refuses spaces and '/'):
 * every character outside [A-Za-z0-9._-] becomes '_'.
 */
static void put_name(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		fputc((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-' ? c : '_', f);
	}
}

static void put_reason_diags(FILE *f, const char *ind, json_object *reasons, int check)
{
	size_t n = reasons ? json_object_array_length(reasons) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *r = json_object_array_get_idx(reasons, i);
		const char *name = mmt_json_str(r, "finding"), *level = mmt_json_str(r, "level");
		int fi = name ? mmt_finding_from_name(name) : -1;

		if (mmt_check_of_finding(fi) != check)
			continue;
		fprintf(f, "%s# %s %s: ", ind, level ? level : "?", name ? name : "?");
		put_oneline(f, mmt_json_str(r, "text"));
		fputc('\n', f);
	}
}

static json_object *verdict_field(json_object *run, const char *key)
{
	json_object *verdict, *v;

	if (!run || !json_object_object_get_ex(run, "verdict", &verdict) ||
	    !json_object_is_type(verdict, json_type_object) ||
	    !json_object_object_get_ex(verdict, key, &v))
		return NULL;
	return v;
}

static const char *run_job_name(json_object *run)
{
	json_object *job;

	if (run && json_object_object_get_ex(run, "job", &job))
		return mmt_json_str(job, "name");
	return NULL;
}

/* The run's verdict name; BROK when run.json has none. */
static const char *run_verdict(json_object *run)
{
	json_object *v = verdict_field(run, "verdict");

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "BROK";
}

/* One run's KTAP document, every line prefixed with ind (a subtest: "    "). */
static void render_run(FILE *f, const char *ind, json_object *run, const char *subtest)
{
	struct mmt_check checks[MMT_NR_CHECKS];
	json_object *reasons, *v;
	unsigned pass = 0, fail = 0, skip = 0, error = 0;
	const char *id, *name;

	mmt_checks_eval(run, checks);
	reasons = verdict_field(run, "reasons");
	if (reasons && !json_object_is_type(reasons, json_type_array))
		reasons = NULL;
	id = run ? mmt_json_str(run, "id") : NULL;
	name = run_job_name(run);

	fprintf(f, "%sKTAP version 1\n", ind);
	if (subtest) {
		fprintf(f, "%s# Subtest: ", ind);
		put_name(f, subtest);
		fputc('\n', f);
	}
	fprintf(f, "%s1..%d\n%s# mmtorture run ", ind, MMT_NR_CHECKS, ind);
	put_oneline(f, id ? id : "?");
	fputs(" job ", f);
	put_oneline(f, name ? name : "?");
	fputc('\n', f);
	put_reason_diags(f, ind, reasons, -1);
	for (int c = 0; c < MMT_NR_CHECKS; c++) {
		put_reason_diags(f, ind, reasons, c);
		fprintf(f, "%s%s %d ", ind, checks[c].status == MMT_CHECK_OK ||
			checks[c].status == MMT_CHECK_SKIP ? "ok" : "not ok", c + 1);
		put_name(f, checks[c].name);
		switch (checks[c].status) {
		case MMT_CHECK_OK:
			pass++;
			break;
		case MMT_CHECK_FAIL:
			fail++;
			break;
		case MMT_CHECK_ERROR:
			fputs(" # ERROR ", f);
			put_oneline(f, checks[c].message);
			error++;
			break;
		case MMT_CHECK_SKIP:
			fputs(" # SKIP ", f);
			put_oneline(f, checks[c].message);
			skip++;
			break;
		}
		fputc('\n', f);
	}
	v = verdict_field(run, "dropped_reasons");
	if (v && json_object_get_int64(v) > 0)
		fprintf(f, "%s# %lld more reasons were dropped\n", ind,
			(long long)json_object_get_int64(v));
	v = verdict_field(run, "exit_code");
	fprintf(f, "%s# verdict: ", ind);
	put_oneline(f, run_verdict(run));
	fprintf(f, " (exit code %d)\n", v ? json_object_get_int(v) : 125);
	fprintf(f, "%s# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:%u\n", ind,
		pass, fail, skip, error);
}

/* Close the memstream of *buf (which fclose() fills in): the text, or NULL. */
static char *finish(FILE *f, char **buf)
{
	if (fclose(f) != 0) {
		free(*buf);
		return NULL;
	}
	return *buf;
}

char *mmt_ktap_render(json_object *run)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	render_run(f, "", run, NULL);
	return finish(f, &buf);
}

/* How many of runs[0..nr) are of job (NULL: of no name). */
static unsigned runs_of_job(json_object *const *runs, size_t nr, const char *job)
{
	unsigned n = 0;

	for (size_t i = 0; i < nr; i++) {
		const char *j = run_job_name(runs[i]);

		n += (!j && !job) || (j && job && !strcmp(j, job));
	}
	return n;
}

char *mmt_ktap_render_runs(json_object *const *runs, size_t nr)
{
	unsigned pass = 0, fail = 0, skip = 0, error = 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "KTAP version 1\n1..%zu\n# mmtorture: %zu run%s\n", nr, nr, nr == 1 ? "" : "s");
	for (size_t i = 0; i < nr; i++) {
		const char *job = run_job_name(runs[i]), *kind = run_verdict(runs[i]);
		char name[300];
		struct mmt_check checks[MMT_NR_CHECKS];
		const char *why = NULL;

		/* Runs of a repeated job are <job>.<k>, k from 1: the same
		 * name at the same place in every invocation. */
		if (runs_of_job(runs, nr, job) > 1)
			snprintf(name, sizeof(name), "%s.%u", job ? job : "unknown",
				 runs_of_job(runs, i, job) + 1);
		else
			snprintf(name, sizeof(name), "%s", job ? job : "unknown");
		render_run(f, "    ", runs[i], name);
		mmt_checks_eval(runs[i], checks);
		for (int c = 0; c < MMT_NR_CHECKS && !why; c++)
			if (checks[c].status != MMT_CHECK_OK)
				why = checks[c].message;
		fprintf(f, "%s %zu ", !strcmp(kind, "PASS") || !strcmp(kind, "CONF") ?
			"ok" : "not ok", i + 1);
		put_name(f, name);
		if (!strcmp(kind, "CONF")) {
			fputs(" # SKIP ", f);
			put_oneline(f, why ? why : "missing requirement");
			skip++;
		} else if (!strcmp(kind, "PASS")) {
			pass++;
		} else if (!strcmp(kind, "FAIL")) {
			fail++;
		} else {
			fputs(" # ERROR ", f);
			put_oneline(f, why ? why : "the harness could not do its job");
			error++;
		}
		fputc('\n', f);
	}
	fprintf(f, "# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:%u\n",
		pass, fail, skip, error);
	return finish(f, &buf);
}

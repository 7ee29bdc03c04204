// SPDX-License-Identifier: GPL-2.0-only
/*
 * junit.xml: the checks of ktap.c as JUnit testcases, one <testsuite> per
 * run inside one <testsuites>, for Jenkins, GitLab and the like.  Written
 * with libxml2's xmlTextWriter, which does the escaping.
 *
 * The output is valid against both schemas Jenkins publishes: junit-4.xsd
 * (dtkit) and the xunit plugin's junit-10.xsd.  Where they differ it keeps
 * to what both accept:
 *  - <testsuites> has no "skipped" (neither schema has it there); each
 *    <testsuite> has tests, failures, errors, skipped, time, timestamp,
 *    hostname and id;
 *  - <skipped> has no attributes (junit-4 types it as a plain string): the
 *    reasons are its text;
 *  - a <testcase> holds at most one of <skipped>, <error>, <failure>, then
 *    <system-out>; a <testsuite> holds <properties>, the testcases, then
 *    <system-out>, in junit-4's order.
 * FAIL checks carry <failure>, ERROR (BROK) checks <error>, SKIP (CONF)
 * checks <skipped>; the reasons of a check are the element's text, or its
 * <system-out> when the check passed.  Reasons that belong to no check go
 * to the suite's <system-out>.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jsonget.h"
#include "lib/utf8.h"
#include <libxml/encoding.h>
#include <libxml/xmlstring.h>
#include <libxml/xmlwriter.h>

#include "results/results.h"
#include "lib/util.h"



/*
 * s as text XML 1.0 can carry, malloc()ed: the results boundary's one
 * sanitising step (lib/utf8.h): U+FFFD for bytes that are not UTF-8, a
 * visible "\xNN" for the controls XML forbids.  NULL when out of memory.
 */
static char *xml_safe(const char *s)
{
	char *t = NULL;

	if (!s)
		s = "";
	if (mmt_utf8_ok(s, strlen(s), MMT_UTF8_NO_CONTROLS))
		return strdup(s);
	return mmt_utf8_sanitize(s, strlen(s), MMT_UTF8_NO_CONTROLS, &t) < 0 ? NULL : t;
}

/* The writer's calls return < 0 on error; these count the errors in *err. */
static void w_attr(xmlTextWriterPtr w, const char *name, const char *value, int *err)
{
	char *v = xml_safe(value);

	if (!v || xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST v) < 0)
		(*err)++;
	free(v);
}

static void w_attr_uint(xmlTextWriterPtr w, const char *name, unsigned long long n, int *err)
{
	if (xmlTextWriterWriteFormatAttribute(w, BAD_CAST name, "%llu", n) < 0)
		(*err)++;
}

static void w_text(xmlTextWriterPtr w, const char *s, int *err)
{
	char *v = xml_safe(s);

	if (!v || xmlTextWriterWriteString(w, BAD_CAST v) < 0)
		(*err)++;
	free(v);
}

static void w_start(xmlTextWriterPtr w, const char *name, int *err)
{
	if (xmlTextWriterStartElement(w, BAD_CAST name) < 0)
		(*err)++;
}

static void w_end(xmlTextWriterPtr w, int *err)
{
	if (xmlTextWriterEndElement(w) < 0)
		(*err)++;
}

/* Count the reasons of check (-1: of none). */
static unsigned nr_reasons_of(json_object *reasons, int check)
{
	size_t n = reasons ? json_object_array_length(reasons) : 0;
	unsigned nr = 0;

	for (size_t i = 0; i < n; i++) {
		const char *name = mmt_json_str(json_object_array_get_idx(reasons, i), "finding");

		if (mmt_check_of_finding(name ? mmt_finding_from_name(name) : -1) == check)
			nr++;
	}
	return nr;
}

/* One "LEVEL finding: text" line per reason of check, as the element's text. */
static void w_reasons(xmlTextWriterPtr w, json_object *reasons, int check, int *err)
{
	size_t n = reasons ? json_object_array_length(reasons) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *r = json_object_array_get_idx(reasons, i);
		const char *name = mmt_json_str(r, "finding"), *level = mmt_json_str(r, "level");
		char *line;

		if (mmt_check_of_finding(name ? mmt_finding_from_name(name) : -1) != check)
			continue;
		if (asprintf(&line, "%s %s: %s\n", level ? level : "?", name ? name : "?",
			     mmt_json_str(r, "text") ? mmt_json_str(r, "text") : "") < 0) {
			(*err)++;
			continue;
		}
		w_text(w, line, err);
		free(line);
	}
}

static void w_property(xmlTextWriterPtr w, const char *name, const char *value, int *err)
{
	w_start(w, "property", err);
	w_attr(w, "name", name, err);
	w_attr(w, "value", value, err);
	w_end(w, err);
}

static void w_testcase(xmlTextWriterPtr w, const char *classname, const struct mmt_check *c,
		       json_object *reasons, int check, int *err)
{
	static const char *const elem[] = {
		[MMT_CHECK_FAIL] = "failure",
		[MMT_CHECK_ERROR] = "error",
		[MMT_CHECK_SKIP] = "skipped",
	};
	unsigned nr = nr_reasons_of(reasons, check);

	w_start(w, "testcase", err);
	w_attr(w, "classname", classname, err);
	w_attr(w, "name", c->name, err);
	if (c->status == MMT_CHECK_OK) {
		if (nr) {
			w_start(w, "system-out", err);
			w_reasons(w, reasons, check, err);
			w_end(w, err);
		}
	} else {
		w_start(w, elem[c->status], err);
		if (c->status != MMT_CHECK_SKIP) {
			w_attr(w, "message", c->message, err);
			if (c->type)
				w_attr(w, "type", c->type, err);
		}
		if (nr)
			w_reasons(w, reasons, check, err);
		else if (c->status == MMT_CHECK_SKIP)
			w_text(w, c->message, err);
		w_end(w, err);
	}
	w_end(w, err);
}

/* The run's wall time in seconds (run.json "elapsed_s"), 0 when unknown. */
static double run_seconds(json_object *run)
{
	json_object *v = mmt_json_get(run, "elapsed_s");

	if (!v || !(json_object_is_type(v, json_type_double) ||
		    json_object_is_type(v, json_type_int)))
		return 0;
	return json_object_get_double(v) > 0 ? json_object_get_double(v) : 0;
}

static void w_testsuite(xmlTextWriterPtr w, json_object *run, bool distinct, int *err)
{
	struct mmt_check checks[MMT_NR_CHECKS];
	unsigned failures = 0, errors = 0, skipped = 0;
	json_object *reasons, *v;
	const char *id, *job, *kind, *start, *host;
	char num[32], *classname = NULL, ts[32];

	mmt_checks_eval(run, checks);
	reasons = mmt_json_path(run, "verdict.reasons");
	if (reasons && !json_object_is_type(reasons, json_type_array))
		reasons = NULL;
	id = mmt_json_str(run, "id");
	job = mmt_json_str(mmt_json_get(run, "job"), "name");
	if (!job)
		job = "unknown";
	v = mmt_json_path(run, "verdict.verdict");
	kind = v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "BROK";
	for (int c = 0; c < MMT_NR_CHECKS; c++) {
		failures += checks[c].status == MMT_CHECK_FAIL;
		errors += checks[c].status == MMT_CHECK_ERROR;
		skipped += checks[c].status == MMT_CHECK_SKIP;
	}
	w_start(w, "testsuite", err);
	w_attr(w, "name", job, err);
	w_attr(w, "id", id ? id : "", err);
	w_attr_uint(w, "tests", MMT_NR_CHECKS, err);
	w_attr_uint(w, "failures", failures, err);
	w_attr_uint(w, "errors", errors, err);
	w_attr_uint(w, "skipped", skipped, err);
	snprintf(num, sizeof(num), "%.3f", run_seconds(run));
	w_attr(w, "time", num, err);
	/* Ant's form: local date and time without a zone; ours is UTC. */
	start = mmt_json_str(run, "start");
	if (start) {
		snprintf(ts, sizeof(ts), "%s", start);
		if (ts[0] && ts[strlen(ts) - 1] == 'Z')
			ts[strlen(ts) - 1] = '\0';
		w_attr(w, "timestamp", ts, err);
	}
	host = mmt_json_str(mmt_json_get(run, "kernel"), "hostname");
	if (host)
		w_attr(w, "hostname", host, err);

	w_start(w, "properties", err);
	w_property(w, "run_id", id ? id : "", err);
	w_property(w, "verdict", kind, err);
	v = mmt_json_path(run, "verdict.exit_code");
	snprintf(num, sizeof(num), "%d", v ? json_object_get_int(v) : 125);
	w_property(w, "exit_code", num, err);
	v = mmt_json_path(run, "verdict.dropped_reasons");
	snprintf(num, sizeof(num), "%lld", v ? (long long)json_object_get_int64(v) : 0LL);
	w_property(w, "dropped_reasons", num, err);
	w_end(w, err);

	/* Repeated runs of one job in one file: each its own class. */
	if (asprintf(&classname, distinct ? "mmtorture.%s.%s" : "mmtorture.%s", job,
		     id ? id : "") < 0) {
		classname = NULL;
		(*err)++;
	}
	for (int c = 0; classname && c < MMT_NR_CHECKS; c++)
		w_testcase(w, classname, &checks[c], reasons, c, err);
	free(classname);
	if (nr_reasons_of(reasons, -1)) {
		w_start(w, "system-out", err);
		w_reasons(w, reasons, -1, err);
		w_end(w, err);
	}
	w_end(w, err);
}

/* Does a job name occur in more than one of runs? */
static bool job_repeats(json_object *const *runs, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		for (size_t k = i + 1; k < nr; k++) {
			const char *a = mmt_json_str(mmt_json_get(runs[i], "job"), "name");
			const char *b = mmt_json_str(mmt_json_get(runs[k], "job"), "name");

			if (a && b && !strcmp(a, b))
				return true;
		}
	return false;
}

char *mmt_junit_render_runs(json_object *const *runs, size_t nr, const char *name)
{
	xmlBufferPtr buf;
	xmlTextWriterPtr w;
	unsigned totals[3] = { 0, 0, 0 };
	double seconds = 0;
	bool distinct = job_repeats(runs, nr);
	char num[32], *out = NULL;
	int err = 0;

	buf = xmlBufferCreate();
	if (!buf)
		return NULL;
	w = xmlNewTextWriterMemory(buf, 0);
	if (!w)
		goto out_buf;
	xmlTextWriterSetIndent(w, 1);
	xmlTextWriterSetIndentString(w, BAD_CAST "  ");
	if (xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0)
		err++;
	w_start(w, "testsuites", &err);
	w_attr(w, "name", name ? name : "mmtorture", &err);
	/* The totals go first, as attributes: count them before the suites. */
	for (size_t i = 0; i < nr; i++) {
		struct mmt_check checks[MMT_NR_CHECKS];

		seconds += run_seconds(runs[i]);
		mmt_checks_eval(runs[i], checks);
		totals[0] += MMT_NR_CHECKS;
		for (int c = 0; c < MMT_NR_CHECKS; c++) {
			totals[1] += checks[c].status == MMT_CHECK_FAIL;
			totals[2] += checks[c].status == MMT_CHECK_ERROR;
		}
	}
	w_attr_uint(w, "tests", totals[0], &err);
	w_attr_uint(w, "failures", totals[1], &err);
	w_attr_uint(w, "errors", totals[2], &err);
	snprintf(num, sizeof(num), "%.3f", seconds);
	w_attr(w, "time", num, &err);
	for (size_t i = 0; i < nr; i++)
		w_testsuite(w, runs[i], distinct, &err);
	w_end(w, &err);
	if (xmlTextWriterEndDocument(w) < 0)
		err++;
	xmlFreeTextWriter(w);
	if (!err)
		out = strdup((const char *)xmlBufferContent(buf));
out_buf:
	xmlBufferFree(buf);
	return out;
}

char *mmt_junit_render(json_object *run)
{
	return mmt_junit_render_runs(&run, 1, "mmtorture");
}

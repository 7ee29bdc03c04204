// SPDX-License-Identifier: GPL-2.0-only
/*
 * junit.xml: the checks of ktap.c as JUnit testcases of one testsuite, for
 * Jenkins and the like.  FAIL checks carry <failure>, ERROR (BROK) checks
 * <error>, SKIP (CONF) checks <skipped>; the reasons of a check are the
 * element's text, or its <system-out> when the check passed.  Reasons that
 * belong to no check go to the suite's <system-out>.  Every string taken
 * from run.json is escaped.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jsonget.h"
#include "results/results.h"
#include "lib/util.h"

/*
 * XML-escape s.  Characters XML 1.0 cannot carry at all become '?';
 * attribute values also keep their tabs and line breaks as references.
 */
static void put_escaped(FILE *f, const char *s, bool attr)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		case '\t':
		case '\n':
		case '\r':
			if (attr)
				fprintf(f, "&#%u;", c);
			else
				fputc(c, f);
			break;
		default:
			fputc(c < 0x20 || c == 0x7f ? '?' : c, f);
			break;
		}
	}
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

/* One "LEVEL finding: text" line per reason of check, escaped. */
static void put_reasons(FILE *f, json_object *reasons, int check)
{
	size_t n = reasons ? json_object_array_length(reasons) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *r = json_object_array_get_idx(reasons, i);
		const char *name = mmt_json_str(r, "finding"), *level = mmt_json_str(r, "level");

		if (mmt_check_of_finding(name ? mmt_finding_from_name(name) : -1) != check)
			continue;
		put_escaped(f, level ? level : "?", false);
		fputc(' ', f);
		put_escaped(f, name ? name : "?", false);
		fputs(": ", f);
		put_escaped(f, mmt_json_str(r, "text"), false);
		fputc('\n', f);
	}
}

static void put_property(FILE *f, const char *name, const char *value)
{
	fprintf(f, "      <property name=\"%s\" value=\"", name);
	put_escaped(f, value, true);
	fputs("\"/>\n", f);
}

static void put_testcase(FILE *f, const char *job, const struct mmt_check *c,
			 json_object *reasons, int check)
{
	static const char *const elem[] = {
		[MMT_CHECK_FAIL] = "failure",
		[MMT_CHECK_ERROR] = "error",
		[MMT_CHECK_SKIP] = "skipped",
	};
	unsigned nr = nr_reasons_of(reasons, check);

	fputs("    <testcase classname=\"mmtorture.", f);
	put_escaped(f, job, true);
	fputs("\" name=\"", f);
	put_escaped(f, c->name, true);
	if (c->status == MMT_CHECK_OK && nr == 0) {
		fputs("\"/>\n", f);
		return;
	}
	fputs("\">\n", f);
	if (c->status == MMT_CHECK_OK) {
		fputs("      <system-out>", f);
		put_reasons(f, reasons, check);
		fputs("</system-out>\n", f);
	} else {
		fprintf(f, "      <%s message=\"", elem[c->status]);
		put_escaped(f, c->message, true);
		fputc('"', f);
		if (c->type && c->status != MMT_CHECK_SKIP) {
			fputs(" type=\"", f);
			put_escaped(f, c->type, true);
			fputc('"', f);
		}
		if (nr == 0) {
			fputs("/>\n", f);
		} else {
			fputs(">", f);
			put_reasons(f, reasons, check);
			fprintf(f, "</%s>\n", elem[c->status]);
		}
	}
	fputs("    </testcase>\n", f);
}

char *mmt_junit_render(json_object *run)
{
	struct mmt_check checks[MMT_NR_CHECKS];
	unsigned failures = 0, errors = 0, skipped = 0;
	json_object *reasons, *v;
	const char *id, *job, *kind;
	char *buf = NULL, num[32];
	size_t len = 0;
	FILE *f;

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

	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fprintf(f, "<testsuites name=\"mmtorture\" tests=\"%d\" failures=\"%u\" errors=\"%u\" "
		"skipped=\"%u\">\n", MMT_NR_CHECKS, failures, errors, skipped);
	fputs("  <testsuite name=\"", f);
	put_escaped(f, job, true);
	fputs("\" id=\"", f);
	put_escaped(f, id ? id : "", true);
	fprintf(f, "\" tests=\"%d\" failures=\"%u\" errors=\"%u\" skipped=\"%u\">\n",
		MMT_NR_CHECKS, failures, errors, skipped);
	fputs("    <properties>\n", f);
	put_property(f, "run_id", id ? id : "");
	put_property(f, "verdict", kind);
	v = mmt_json_path(run, "verdict.exit_code");
	snprintf(num, sizeof(num), "%d", v ? json_object_get_int(v) : 125);
	put_property(f, "exit_code", num);
	v = mmt_json_path(run, "verdict.dropped_reasons");
	snprintf(num, sizeof(num), "%lld", v ? (long long)json_object_get_int64(v) : 0LL);
	put_property(f, "dropped_reasons", num);
	fputs("    </properties>\n", f);
	for (int c = 0; c < MMT_NR_CHECKS; c++)
		put_testcase(f, job, &checks[c], reasons, c);
	if (nr_reasons_of(reasons, -1)) {
		fputs("    <system-out>", f);
		put_reasons(f, reasons, -1);
		fputs("</system-out>\n", f);
	}
	fputs("  </testsuite>\n</testsuites>\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

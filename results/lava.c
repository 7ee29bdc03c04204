// SPDX-License-Identifier: GPL-2.0-only
/*
 * lava-test-case calls of finished runs (results/lava.h), for a LAVA test
 * definition to run with sh on the device under test.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jsonget.h"
#include "results/lava.h"
#include "results/results.h"

/* A test case name part in dst[len]: [A-Za-z0-9._-], anything else '_';
 * "unknown" for none; cut to fit. */
static void case_part(char *dst, size_t len, const char *s)
{
	size_t i = 0;

	if (!s || !*s)
		s = "unknown";
	for (; *s && i + 1 < len; s++, i++) {
		unsigned char c = (unsigned char)*s;

		dst[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || strchr("._-", c) ? (char)c : '_';
	}
	dst[i] = '\0';
}

static void put_case(FILE *f, const char *prefix, const char *name)
{
	char part[128];

	case_part(part, sizeof(part), name);
	fprintf(f, "lava-test-case %s%s", prefix, part);
}

/* A measurement: finite, at most 3 decimals, no exponent (LAVA stores a
 * decimal). */
static void put_measurement(FILE *f, const char *prefix, const char *name, double v,
			    const char *units)
{
	if (!isfinite(v))
		return;
	put_case(f, prefix, name);
	if (v == floor(v) && fabs(v) < 1e15)
		fprintf(f, " --result pass --measurement %.0f --units %s\n", v, units);
	else
		fprintf(f, " --result pass --measurement %.3f --units %s\n", v, units);
}

static double sum_cells(json_object *run, const char *key)
{
	json_object *cells = mmt_json_get(run, "cells");
	size_t n = cells && json_object_is_type(cells, json_type_array) ?
			   json_object_array_length(cells) : 0;
	double sum = 0, d;

	for (size_t i = 0; i < n; i++)
		if (mmt_json_double(json_object_array_get_idx(cells, i), key, &d))
			sum += d;
	return sum;
}

static void render_run(FILE *f, json_object *run, const char *prefix)
{
	static const char *const result[] = {
		[MMT_CHECK_OK] = "pass",
		[MMT_CHECK_FAIL] = "fail",
		[MMT_CHECK_ERROR] = "fail",
		[MMT_CHECK_SKIP] = "skip",
	};
	static const char *const counts[] = { "oom_expected", "oom_spurious", "oom_unexpected",
					      "oom_foreign" };
	struct mmt_check checks[MMT_NR_CHECKS];
	json_object *vc = mmt_json_path(run, "verdict.counts");
	double elapsed, d;

	mmt_checks_eval(run, checks);
	for (int c = 0; c < MMT_NR_CHECKS; c++) {
		put_case(f, prefix, checks[c].name);
		fprintf(f, " --result %s\n", result[checks[c].status]);
	}
	put_measurement(f, prefix, "faults_per_s", sum_cells(run, "pages_per_s"), "pages/s");
	if (mmt_json_double(run, "elapsed_s", &elapsed) && elapsed > 0)
		put_measurement(f, prefix, "rebinds_per_s", sum_cells(run, "rebinds") / elapsed,
				"rebinds/s");
	put_measurement(f, prefix, "oom_kills", sum_cells(run, "oom_kills"), "kills");
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		if (mmt_json_double(vc, counts[i], &d))
			put_measurement(f, prefix, counts[i], d, "kills");
}

static const char *job_of(json_object *run)
{
	return mmt_json_text(mmt_json_get(run, "job"), "name");
}

/* How many of runs[0..nr) have job name, and which of them is runs[at] (from 1). */
static size_t job_index(json_object *const *runs, size_t nr, size_t at, size_t *ret_total)
{
	const char *name = job_of(runs[at]);
	size_t total = 0, index = 0;

	for (size_t i = 0; i < nr; i++) {
		const char *other = job_of(runs[i]);

		if ((!name && !other) || (name && other && !strcmp(name, other))) {
			total++;
			if (i <= at)
				index = total;
		}
	}
	*ret_total = total;
	return index;
}

char *mmt_lava_render(json_object *const *runs, size_t nr)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < nr; i++) {
		char job[128], prefix[160];
		size_t total, k = job_index(runs, nr, i, &total);

		case_part(job, sizeof(job), job_of(runs[i]));
		if (total > 1)
			snprintf(prefix, sizeof(prefix), "%s.%zu.", job, k);
		else
			snprintf(prefix, sizeof(prefix), "%s.", job);
		render_run(f, runs[i], prefix);
	}
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

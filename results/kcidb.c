// SPDX-License-Identifier: GPL-2.0-only
/*
 * KCIDB JSON (KernelCI's common results database) of finished runs; the
 * layout is in kcidb.h.  Built with json-c from run.json alone.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jsonget.h"
#include "results/kcidb.h"
#include "results/results.h"

#define KCIDB_ORIGIN "mmtorture"
#define KCIDB_MAJOR 5
#define KCIDB_MINOR 0
#define KCIDB_EXCERPT_MAX 16384  /* the schema's log_excerpt maxLength */


/* o[k1] or o[k1][k2] (k2 NULL: the first). */
static json_object *field(json_object *o, const char *k1, const char *k2)
{
	return k2 ? mmt_json_get(mmt_json_get(o, k1), k2) : mmt_json_get(o, k1);
}

static const char *str(json_object *o, const char *k1, const char *k2)
{
	json_object *v = field(o, k1, k2);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static double num(json_object *o, const char *k1, const char *k2)
{
	json_object *v = field(o, k1, k2);

	return v && (json_object_is_type(v, json_type_double) ||
		     json_object_is_type(v, json_type_int)) ? json_object_get_double(v) : 0;
}

static void add_str(json_object *o, const char *key, const char *value)
{
	if (value)
		json_object_object_add(o, key, json_object_new_string(value));
}

/* A path part: characters outside [A-Za-z0-9_-] become '_' (the schema's
 * path pattern; '.' separates parts). */
static void path_part(char *dst, size_t len, const char *s)
{
	size_t i = 0;

	for (; s && *s && i + 1 < len; s++, i++) {
		unsigned char c = (unsigned char)*s;

		dst[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '_' || c == '-' ? (char)c : '_';
	}
	dst[i] = '\0';
	if (!i)
		snprintf(dst, len, "unknown");
}

/* An architecture as the schema takes it: [a-z0-9_]*; NULL when uname's
 * machine does not fit. */
static const char *arch_of(json_object *run)
{
	const char *m = str(run, "kernel", "machine");

	if (!m)
		return NULL;
	for (const char *p = m; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return NULL;
	return m;
}

/* The run's figures, for every test's misc. */
static json_object *figures(json_object *run)
{
	json_object *f = json_object_new_object(), *cells = mmt_json_get(run, "cells"), *v;
	double faults_per_s = 0, elapsed = num(run, "elapsed_s", NULL);
	int64_t oom_kills = 0, rebinds = 0;
	size_t n = cells && json_object_is_type(cells, json_type_array) ?
		   json_object_array_length(cells) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(cells, i);

		faults_per_s += num(c, "pages_per_s", NULL);
		oom_kills += (int64_t)num(c, "oom_kills", NULL);
		rebinds += (int64_t)num(c, "rebinds", NULL);
	}
	json_object_object_add(f, "faults_per_s", json_object_new_double(faults_per_s));
	json_object_object_add(f, "rebinds", json_object_new_int64(rebinds));
	json_object_object_add(f, "rebinds_per_s",
			       json_object_new_double(elapsed > 0 ? rebinds / elapsed : 0));
	json_object_object_add(f, "oom_kills", json_object_new_int64(oom_kills));
	v = mmt_json_path(run, "vmstat.oom_kill");
	if (v)
		json_object_object_add(f, "vmstat_oom_kill", json_object_get(v));
	add_str(f, "verdict", str(run, "verdict", "verdict"));
	v = mmt_json_get(run, "seed");
	if (v)
		json_object_object_add(f, "seed", json_object_get(v));
	add_str(f, "run_id", str(run, "id", NULL));
	add_str(f, "job", str(run, "job", "name"));
	return f;
}

/* run.json's "2026-11-22T00:53:13Z" is RFC 3339 already; NULL if absent. */
static const char *start_of(json_object *run)
{
	return str(run, "start", NULL);
}

/* "LEVEL finding: text" lines of the reasons of check c, at most
 * KCIDB_EXCERPT_MAX bytes; NULL when there are none. */
static char *excerpt(json_object *run, int c)
{
	json_object *reasons = mmt_json_path(run, "verdict.reasons");
	size_t n = reasons && json_object_is_type(reasons, json_type_array) ?
		   json_object_array_length(reasons) : 0, len = 0;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		json_object *r = json_object_array_get_idx(reasons, i);
		const char *name = str(r, "finding", NULL);

		if (mmt_check_of_finding(name ? mmt_finding_from_name(name) : -1) != c)
			continue;
		fprintf(f, "%s %s: %s\n", str(r, "level", NULL) ? str(r, "level", NULL) : "?",
			name ? name : "?", str(r, "text", NULL) ? str(r, "text", NULL) : "");
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	if (!len) {
		free(buf);
		return NULL;
	}
	if (len > KCIDB_EXCERPT_MAX)
		buf[KCIDB_EXCERPT_MAX] = '\0';  /* ASCII cut; a split UTF-8 tail is rare */
	return buf;
}

static void add_run(json_object *checkouts, json_object *builds, json_object *tests,
		    json_object *run)
{
	static const char *const status[] = {
		[MMT_CHECK_OK] = "PASS",
		[MMT_CHECK_FAIL] = "FAIL",
		[MMT_CHECK_ERROR] = "ERROR",
		[MMT_CHECK_SKIP] = "SKIP",
	};
	struct mmt_check checks[MMT_NR_CHECKS];
	const char *run_id = str(run, "id", NULL), *release = str(run, "kernel", "release");
	char id[512], job[128], check[128], path[300], comment[512];
	json_object *o, *misc, *figs = figures(run);

	snprintf(id, sizeof(id), KCIDB_ORIGIN ":%s", run_id ? run_id : "unknown");
	snprintf(comment, sizeof(comment), "Linux %s (%s), as found running by mmtorture",
		 release ? release : "unknown", str(run, "kernel", "version") ?
		 str(run, "kernel", "version") : "version unknown");

	o = json_object_new_object();
	add_str(o, "id", id);
	add_str(o, "origin", KCIDB_ORIGIN);
	add_str(o, "comment", comment);
	add_str(o, "start_time", start_of(run));
	json_object_object_add(o, "valid", json_object_new_boolean(1));
	misc = json_object_new_object();
	add_str(misc, "kernel_release", release);
	add_str(misc, "kernel_version", str(run, "kernel", "version"));
	json_object_object_add(o, "misc", misc);
	json_object_array_add(checkouts, o);

	o = json_object_new_object();
	add_str(o, "id", id);
	add_str(o, "checkout_id", id);
	add_str(o, "origin", KCIDB_ORIGIN);
	add_str(o, "comment", comment);
	add_str(o, "architecture", arch_of(run));
	add_str(o, "config_name", str(run, "kernel", "config"));
	add_str(o, "status", "PASS");  /* it built and booted: mmtorture ran on it */
	misc = json_object_new_object();
	add_str(misc, "kernel_release", release);
	add_str(misc, "kernel_version", str(run, "kernel", "version"));
	add_str(misc, "kernel_cmdline", str(run, "kernel", "cmdline"));
	add_str(misc, "machine", str(run, "kernel", "machine"));
	json_object_object_add(o, "misc", misc);
	json_object_array_add(builds, o);

	mmt_checks_eval(run, checks);
	path_part(job, sizeof(job), str(run, "job", "name"));
	for (int c = 0; c < MMT_NR_CHECKS; c++) {
		char tid[600], *log;

		snprintf(tid, sizeof(tid), "%s:%d", id, c + 1);
		path_part(check, sizeof(check), checks[c].name);
		snprintf(path, sizeof(path), KCIDB_ORIGIN ".%s.%s", job, check);
		o = json_object_new_object();
		add_str(o, "id", tid);
		add_str(o, "build_id", id);
		add_str(o, "origin", KCIDB_ORIGIN);
		add_str(o, "path", path);
		add_str(o, "status", status[checks[c].status]);
		add_str(o, "start_time", start_of(run));
		json_object_object_add(o, "duration",
				       json_object_new_double(num(run, "elapsed_s", NULL)));
		if (checks[c].status != MMT_CHECK_OK)
			add_str(o, "comment", checks[c].message);
		log = excerpt(run, c);
		add_str(o, "log_excerpt", log);
		free(log);
		if (str(run, "kernel", "hostname")) {
			json_object *env = json_object_new_object();

			add_str(env, "comment", str(run, "kernel", "hostname"));
			json_object_object_add(o, "environment", env);
		}
		json_object_object_add(o, "misc", json_object_get(figs));
		json_object_array_add(tests, o);
	}
	json_object_put(figs);
}

json_object *mmt_kcidb_render(json_object *const *runs, size_t nr)
{
	json_object *root = json_object_new_object(), *version = json_object_new_object();
	json_object *checkouts = json_object_new_array(), *builds = json_object_new_array();
	json_object *tests = json_object_new_array();

	if (!root || !version || !checkouts || !builds || !tests) {
		json_object_put(root);
		json_object_put(version);
		json_object_put(checkouts);
		json_object_put(builds);
		json_object_put(tests);
		return NULL;
	}
	json_object_object_add(version, "major", json_object_new_int(KCIDB_MAJOR));
	json_object_object_add(version, "minor", json_object_new_int(KCIDB_MINOR));
	json_object_object_add(root, "version", version);
	for (size_t i = 0; i < nr; i++)
		add_run(checkouts, builds, tests, runs[i]);
	json_object_object_add(root, "checkouts", checkouts);
	json_object_object_add(root, "builds", builds);
	json_object_object_add(root, "tests", tests);
	return root;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmtorture export (--ktap | --junit | --kcidb | --lava) [-o FILE] RUNDIR...
 * Renders finished runs for a CI system from their run.json: KTAP (one
 * run as it is, several as one document with a subtest per run), JUnit
 * (one <testsuites>), KernelCI's KCIDB JSON (results/kcidb.h) or LAVA's
 * lava-test-case calls (results/lava.h).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "harness/commands.h"
#include "lib/log.h"
#include "results/kcidb.h"
#include "results/lava.h"
#include "results/results.h"

enum export_format { EXPORT_NONE, EXPORT_KTAP, EXPORT_JUNIT, EXPORT_KCIDB, EXPORT_LAVA };

static void export_usage(FILE *f)
{
	fprintf(f,
		"usage: mmtorture export (--ktap | --junit | --kcidb | --lava) [-o FILE] RUNDIR...\n"
		"Renders finished runs from their run.json, to stdout or FILE:\n"
		"  --ktap   KTAP v1; several runs as one document, one subtest per run\n"
		"  --junit  JUnit XML, one <testsuites> with one <testsuite> per run\n"
		"  --kcidb  KernelCI KCIDB JSON (schema v5): a checkout and a build per\n"
		"           run, a test per check with path mmtorture.<job>.<check>\n"
		"  --lava   lava-test-case calls for sh in a LAVA test definition: a case\n"
		"           <job>.<check> per check (pass/fail/skip) and measurements of\n"
		"           faults_per_s, rebinds_per_s and the OOM kill counts\n"
		"Exit: 0, 1 when FILE cannot be written, 128 on a usage error or a\n"
		"RUNDIR without a readable run.json.\n");
}

int mmt_cmd_write_text(const char *out, const char *text)
{
	FILE *f = out ? fopen(out, "we") : stdout;
	int r = 0;

	if (!f)
		return -errno;
	if (fputs(text, f) < 0)
		r = -EIO;
	if (out) {
		if (fclose(f) != 0 && r == 0)
			r = -errno;
	} else if (fflush(f) != 0 && r == 0) {
		r = -errno;
	}
	return r;
}

int mmt_cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ktap", no_argument, NULL, 'k' },
		{ "junit", no_argument, NULL, 'j' },
		{ "kcidb", no_argument, NULL, 'c' },
		{ "lava", no_argument, NULL, 'l' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum export_format fmt = EXPORT_NONE;
	const char *out = NULL;
	json_object **runs = NULL, *kcidb;
	char *text = NULL;
	size_t nr = 0;
	int c, r, ret = MMT_EXIT_USAGE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
		case 'j':
		case 'c':
		case 'l':
			if (fmt != EXPORT_NONE) {
				log_err("export: --ktap, --junit, --kcidb and --lava exclude each other");
				return MMT_EXIT_USAGE;
			}
			fmt = c == 'k' ? EXPORT_KTAP : c == 'j' ? EXPORT_JUNIT :
			      c == 'c' ? EXPORT_KCIDB : EXPORT_LAVA;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			export_usage(stdout);
			return 0;
		default:
			export_usage(stderr);
			return MMT_EXIT_USAGE;
		}
	}
	if (fmt == EXPORT_NONE || optind == argc) {
		export_usage(stderr);
		return MMT_EXIT_USAGE;
	}
	runs = calloc((size_t)(argc - optind), sizeof(*runs));
	if (!runs)
		return MMT_EXIT_UNTESTABLE;
	for (int i = optind; i < argc; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/run.json", argv[i]);
		runs[nr] = json_object_from_file(path);
		if (!runs[nr] || !json_object_is_type(runs[nr], json_type_object)) {
			json_object_put(runs[nr]);
			log_err("export: %s: missing or not a JSON object", path);
			goto out_free;
		}
		nr++;
	}
	switch (fmt) {
	case EXPORT_KTAP:
		text = nr == 1 ? mmt_ktap_render(runs[0]) : mmt_ktap_render_runs(runs, nr);
		break;
	case EXPORT_JUNIT:
		text = mmt_junit_render_runs(runs, nr, "mmtorture");
		break;
	case EXPORT_LAVA:
		text = mmt_lava_render(runs, nr);
		break;
	default:
		kcidb = mmt_kcidb_render(runs, nr);
		if (kcidb) {
			const char *s = json_object_to_json_string_ext(kcidb, JSON_C_TO_STRING_PRETTY |
								       JSON_C_TO_STRING_NOSLASHESCAPE);

			text = s ? malloc(strlen(s) + 2) : NULL;
			if (text)
				sprintf(text, "%s\n", s);
			json_object_put(kcidb);
		}
		break;
	}
	if (!text) {
		log_err("export: out of memory");
		ret = 1;
		goto out_free;
	}
	r = mmt_cmd_write_text(out, text);
	if (r < 0) {
		log_err_errno(r, "export: cannot write %s", out ? out : "stdout");
		ret = 1;
		goto out_free;
	}
	ret = 0;
out_free:
	free(text);
	for (size_t i = 0; i < nr; i++)
		json_object_put(runs[i]);
	free(runs);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * `mmtorture report RUNDIR [--compare RUNDIR2] [-o FILE]`: read a run
 * directory and write the page results/report.c renders.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "harness/commands.h"
#include "lib/log.h"
#include "lib/util.h"
#include "results/report.h"


static void report_usage(FILE *f)
{
	fprintf(f, "usage: mmtorture report RUNDIR [--compare RUNDIR2] [-o FILE]\n"
		   "Write RUNDIR/report.html (or FILE): timelines, events and verdict of a run.\n"
		   "  --compare RUNDIR2  compare with another run: both verdicts and figures side\n"
		   "                     by side, and both runs' timelines overlaid\n"
		   "  -o, --output FILE  write the page to FILE ('-' for stdout)\n");
}

/* Read dir/name; a missing file is NULL with 0, other errors -errno. */
static int read_run_file(const char *dir, const char *name, char **ret_text)
{
	char path[PATH_MAX];
	ssize_t r;

	*ret_text = NULL;
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	r = mmt_read_file_alloc(path, ret_text);
	if (r == -ENOENT)
		return 0;
	return r < 0 ? (int)r : 0;
}

/* run.json of dir: NULL when missing or not a JSON object. */
static json_object *load_run_json(const char *dir)
{
	char *text = NULL;
	json_object *o;

	if (read_run_file(dir, "run.json", &text) < 0 || !text)
		return NULL;
	o = json_tokener_parse(text);
	free(text);
	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

static int check_dir(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (access(dir, R_OK | X_OK) < 0)
		return -errno;
	return 0;
}

static int write_page(const char *path, const char *html)
{
	char tmp[PATH_MAX];
	int fd, r;

	if (!strcmp(path, "-"))
		return mmt_write_all(STDOUT_FILENO, html, strlen(html));
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	/* Never through a symlink planted in a run directory; rename()
	 * replaces a link at path itself, and does not follow it. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	r = mmt_write_all(fd, html, strlen(html));
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

int mmt_cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "compare", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir, *cmp_dir = NULL, *out = NULL;
	char out_path[PATH_MAX], *csv = NULL, *events = NULL, *cmp_csv = NULL, *cmp_events = NULL;
	struct mmt_report_run a, b;
	json_object *run = NULL, *cmp = NULL;
	char *html;
	int opt, r, ret = MMT_EXIT_USAGE;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:o:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			cmp_dir = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			report_usage(stdout);
			return 0;
		default:
			report_usage(stderr);
			return MMT_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		report_usage(stderr);
		return MMT_EXIT_USAGE;
	}
	dir = argv[optind];
	r = check_dir(dir);
	if (r < 0) {
		log_err_errno(r, "report: %s", dir);
		return MMT_EXIT_USAGE;
	}
	if (cmp_dir) {
		r = check_dir(cmp_dir);
		if (r < 0) {
			log_err_errno(r, "report: %s", cmp_dir);
			return MMT_EXIT_USAGE;
		}
		cmp = load_run_json(cmp_dir);
		if (!cmp) {
			log_err("report: %s/run.json: missing or not JSON, nothing to compare",
				cmp_dir);
			return MMT_EXIT_USAGE;
		}
		/* Its timelines and events are overlaid when present. */
		r = read_run_file(cmp_dir, "samples.csv", &cmp_csv);
		if (r >= 0)
			r = read_run_file(cmp_dir, "events.jsonl", &cmp_events);
		if (r < 0) {
			log_err_errno(r, "report: %s", cmp_dir);
			goto out_free_inputs;
		}
	}
	run = load_run_json(dir);
	r = read_run_file(dir, "samples.csv", &csv);
	if (r < 0) {
		log_err_errno(r, "report: %s/samples.csv", dir);
		goto out_free_inputs;
	}
	r = read_run_file(dir, "events.jsonl", &events);
	if (r < 0) {
		log_err_errno(r, "report: %s/events.jsonl", dir);
		goto out_free_inputs;
	}
	if (!run && !csv && !events) {
		log_err("report: %s: not a run directory "
			"(no run.json, samples.csv or events.jsonl)", dir);
		goto out_free_inputs;
	}
	if (!out) {
		if (snprintf(out_path, sizeof(out_path), "%s/report.html", dir) >=
		    (int)sizeof(out_path)) {
			log_err("report: %s: path too long", dir);
			goto out_free_inputs;
		}
		out = out_path;
	}
	a = (struct mmt_report_run){ run, csv, events };
	b = (struct mmt_report_run){ cmp, cmp_csv, cmp_events };
	html = mmt_report_render_runs(&a, cmp ? &b : NULL);
	if (!html) {
		log_err("report: out of memory rendering %s", dir);
		ret = 1;
		goto out_free_inputs;
	}
	r = write_page(out, html);
	free(html);
	if (r < 0) {
		log_err_errno(r, "report: cannot write %s", out);
		ret = 1;
		goto out_free_inputs;
	}
	if (strcmp(out, "-"))
		printf("%s\n", out);
	ret = 0;
out_free_inputs:
	free(csv);
	free(events);
	free(cmp_csv);
	free(cmp_events);
	json_object_put(run);
	json_object_put(cmp);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * `mmtorture parse-kmsg FILE|- [--text]`: classify a saved kernel log
 * with the same classifier and combiner a run uses (lib/kmsg.c), the lines
 * read as people save them (mmt_kmsg_text_push(): prefixes, wrapped lines).
 *
 * Exit codes: 0 the file held kernel log records (findings or none);
 * 128 usage error or unreadable file; 3 (PARSE_KMSG_NO_RECORD) the file held
 * no kernel log record at all -- said on stderr, since an empty output
 * would read as "nothing happened".
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "harness/commands.h"
#include "lib/jsonget.h"
#include "lib/kmsg.h"
#include "results/kevent_json.h"

#define PARSE_KMSG_NO_RECORD 3


static void print_text(FILE *out, const struct mmt_kevent *kev, json_object *ev)
{
	static const char *const keys[] = {
		"pid", "comm", "constraint", "nodemask", "cpuset", "mems_allowed",
		"oom_memcg", "task_memcg", "anon_rss_kb", "reaped", "seconds", "cpu",
		"lockup", "bug", "order", "gfp_mask", "stall_ms", "missing", "pool",
		"count", "suppressed", "where", "top_function", NULL
	};

	if (kev->has_ts)
		fprintf(out, "[%5" PRIu64 ".%06" PRIu64 "] ", kev->kernel_ts_us / 1000000,
			kev->kernel_ts_us % 1000000);
	else
		fprintf(out, "[      -      ] ");
	fprintf(out, "%s", mmt_kev_type_name(kev->type));
	if (kev->type == MMT_KEV_OOM_KILL && !kev->u.oom.complete)
		fprintf(out, " incomplete");
	for (int i = 0; keys[i]; i++) {
		const char *v = mmt_json_text(ev, keys[i]);

		if (v)
			fprintf(out, " %s=%s", keys[i], v);
	}
	if (kev->type != MMT_KEV_OOM_KILL && kev->type != MMT_KEV_KMSG_LOST)
		fprintf(out, ": %s", kev->line);
	fputc('\n', out);
}

static void emit_all(FILE *out, const struct mmt_kevent *kev, int n, bool text)
{
	for (int i = 0; i < n; i++) {
		json_object *ev = mmt_kevent_to_json(&kev[i]);

		if (!ev)
			continue;
		if (text)
			print_text(out, &kev[i], ev);
		else
			fprintf(out, "%s\n", json_object_to_json_string_ext(ev,
				JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(ev);
	}
}

int mmt_cmd_parse_kmsg(int argc, char **argv)
{
	struct mmt_kevent *ev = NULL;
	struct mmt_kmsg_state *st = NULL;
	struct mmt_kmsg_text *tx = NULL;
	struct mmt_kmsg_rec *rec;
	const char *file = NULL;
	bool text = false;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *in;
	int r;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--text")) {
			text = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: mmtorture parse-kmsg FILE|- [--text]\n");
			return 0;
		} else if (!file && (strcmp(argv[i], "-") == 0 || argv[i][0] != '-')) {
			file = argv[i];
		} else {
			fprintf(stderr, "parse-kmsg: unexpected argument '%s'\n"
				"usage: mmtorture parse-kmsg FILE|- [--text]\n", argv[i]);
			return MMT_EXIT_USAGE;
		}
	}
	if (!file) {
		fprintf(stderr, "usage: mmtorture parse-kmsg FILE|- [--text]\n");
		return MMT_EXIT_USAGE;
	}
	in = strcmp(file, "-") ? fopen(file, "re") : stdin;
	if (!in) {
		fprintf(stderr, "parse-kmsg: %s: %s\n", file, strerror(errno));
		return MMT_EXIT_USAGE;
	}
	st = mmt_kmsg_state_new();
	tx = mmt_kmsg_text_new();
	rec = malloc(sizeof(*rec));
	ev = calloc(MMT_KMSG_MAX_EVENTS, sizeof(*ev));
	if (!st || !tx || !rec || !ev) {
		fprintf(stderr, "parse-kmsg: out of memory\n");
		r = MMT_EXIT_USAGE;
		goto out_free;
	}
	while ((n = getline(&line, &cap, in)) >= 0) {
		if (mmt_kmsg_text_push(tx, line, rec) <= 0)
			continue;
		r = mmt_kmsg_feed(st, rec, ev, MMT_KMSG_MAX_EVENTS);
		if (r > 0)
			emit_all(stdout, ev, r, text);
	}
	if (ferror(in)) {
		fprintf(stderr, "parse-kmsg: %s: read error\n", file);
		r = MMT_EXIT_USAGE;
		goto out_free;
	}
	if (mmt_kmsg_text_finish(tx, rec) > 0) {
		r = mmt_kmsg_feed(st, rec, ev, MMT_KMSG_MAX_EVENTS);
		if (r > 0)
			emit_all(stdout, ev, r, text);
	}
	r = mmt_kmsg_flush(st, ev, MMT_KMSG_MAX_EVENTS);
	if (r > 0)
		emit_all(stdout, ev, r, text);
	r = 0;
	if (!mmt_kmsg_text_records(tx)) {
		fprintf(stderr, "parse-kmsg: %s: no kernel log record found (no printk "
			"timestamp, no syslog \"kernel:\" tag, no kernel message)\n",
			strcmp(file, "-") ? file : "standard input");
		r = PARSE_KMSG_NO_RECORD;
	}
out_free:
	fflush(stdout);
	free(line);
	free(rec);
	free(ev);
	mmt_kmsg_text_free(tx);
	mmt_kmsg_state_free(st);
	if (in != stdin)
		fclose(in);
	return r;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * OOM classification on recorded inputs (the JSON files in tests/data/oomclass/, format
 * in its README): the oom_kill event comes from the kernel-log corpus through
 * the real combiner, or is given inline.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jsonget.h"
#include "lib/kmsg.h"
#include "lib/oomclass.h"
#include "results/kevent_json.h"

#include "tests/unit/kmsg_spec.h"

static struct mmt_kevent kbuf[MMT_KMSG_MAX_EVENTS];

/* The n-th oom_kill event of a kernel-log corpus file, as JSON. */
static json_object *kmsg_event(const char *file, int n)
{
	struct mmt_kmsg_state *st = mmt_kmsg_state_new();
	json_object *found = NULL;
	struct mmt_kmsg_rec rec;
	char *path = NULL, *line = NULL;
	size_t cap = 0;
	int seen = 0, r;
	FILE *f;

	assert_true(asprintf(&path, "%s/kmsg/%s", datadir(), file) > 0);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	for (bool eof = false; !eof;) {
		if (getline(&line, &cap, f) < 0) {
			eof = true;
			r = mmt_kmsg_flush(st, kbuf, MMT_KMSG_MAX_EVENTS);
		} else if (line[0] == '#' || mmt_kmsg_parse_text_line(line, &rec) < 0) {
			continue;
		} else {
			r = mmt_kmsg_feed(st, &rec, kbuf, MMT_KMSG_MAX_EVENTS);
		}
		assert_true(r >= 0);
		for (int i = 0; i < r; i++)
			if (!found && kbuf[i].type == MMT_KEV_OOM_KILL && seen++ == n)
				found = mmt_kevent_to_json(&kbuf[i]);
	}
	fclose(f);
	free(line);
	free(path);
	mmt_kmsg_state_free(st);
	if (!found)
		fail_msg("%s: no oom_kill event #%d", file, n);
	return found;
}

static uint64_t jint(json_object *o, const char *k)
{
	int64_t v = 0;

	mmt_json_i64(o, k, &v);
	return (uint64_t)v;
}


static void load_cell(json_object *j, struct mmt_oom_cell *c)
{
	json_object *a;

	memset(c, 0, sizeof(*c));
	c->name = mmt_json_text(j, "name");
	c->cg_name = mmt_json_text(j, "cg_name");
	if (json_object_object_get_ex(j, "pids", &a))
		for (size_t i = 0; i < json_object_array_length(a) && i < MMT_OOM_MAX_PIDS; i++)
			c->pids[c->nr_pids++] =
				json_object_get_int(json_object_array_get_idx(a, i));
	if (json_object_object_get_ex(j, "nodes", &a))
		for (size_t i = 0; i < json_object_array_length(a) && i < 64; i++)
			c->nodes[c->nr_nodes++] =
				json_object_get_int(json_object_array_get_idx(a, i));
	c->memory_max = jint(j, "memory_max");
	c->memory_usage = jint(j, "memory_usage");
	c->memcg_oom_kills = jint(j, "memcg_oom_kills");
	c->budget_bytes = jint(j, "budget_bytes");
	c->region_bytes = jint(j, "region_bytes");
	c->oom_expected = json_object_get_boolean(json_object_object_get(j, "oom_expected"));
	c->rebinding = json_object_get_boolean(json_object_object_get(j, "rebinding"));
	c->rebind_count = jint(j, "rebind_count");
	c->last_rebind_us = jint(j, "last_rebind_us");
	c->policy_api = mmt_json_text(j, "policy_api");
	c->mode_flags = mmt_json_text(j, "mode_flags");
}

/*
 * Judge a JSON oom_kill event (read back as a report) and add the verdict
 * to it as a run writes it.  The judge starts from the classifier's answer
 * and only J2 changes it.  Returns the class.
 */
static enum mmt_oom_class classify_json(json_object *ev, const struct mmt_oom_ctx *ctx,
					enum mmt_finding *ret_finding)
{
	struct mmt_oom_report rep;
	struct mmt_oom_verdict v, judged;
	enum mmt_oom_class cls;
	enum mmt_finding f;

	assert_int_equal(mmt_oom_report_from_json(ev, &rep), 0);
	cls = mmt_oom_classify(&rep, ctx, &v);
	assert_int_equal(cls, v.cls);
	f = mmt_oom_judge(&rep, -1, ctx, &judged);
	if (strcmp(judged.rule, "injector_memcg")) {
		assert_int_equal(judged.cls, v.cls);
		assert_string_equal(judged.rule, v.rule);
	} else {
		assert_int_equal(v.cls, MMT_OOM_FOREIGN);
	}
	if (ret_finding)
		*ret_finding = f;
	mmt_oom_verdict_to_json(&judged, ev);
	return judged.cls;
}

static int run_case(const char *file)
{
	char *path = NULL;
	json_object *tc, *ctxj, *cellsj, *nf, *ev, *expect;
	struct mmt_oom_cell cells[8];
	struct mmt_oom_ctx ctx;
	enum mmt_oom_class cls;
	enum mmt_finding finding;
	int bad = 0;

	assert_true(asprintf(&path, "%s/oomclass/%s", datadir(), file) > 0);
	tc = json_object_from_file(path);
	if (!tc)
		fail_msg("%s: not JSON", path);
	if (mmt_json_text(tc, "kmsg"))
		ev = kmsg_event(mmt_json_text(tc, "kmsg"), (int)jint(tc, "kmsg_event"));
	else
		ev = json_object_get(json_object_object_get(tc, "event"));
	assert_non_null(ev);

	memset(&ctx, 0, sizeof(ctx));
	for (int i = 0; i < MMT_MAX_NODES; i++)
		ctx.node_free_kb[i] = -1;
	assert_true(json_object_object_get_ex(tc, "ctx", &ctxj));
	if (json_object_object_get_ex(ctxj, "node_free_kb", &nf)) {
		json_object_object_foreach(nf, key, val)
			ctx.node_free_kb[atoi(key)] = json_object_get_int64(val);
	}
	ctx.sample_ts_us = jint(ctxj, "sample_ts_us");
	ctx.spurious_threshold_kb = jint(ctxj, "spurious_threshold_kb");
	ctx.mem_free_kb = jint(ctxj, "mem_free_kb");
	assert_true(json_object_object_get_ex(ctxj, "cells", &cellsj));
	for (size_t i = 0; i < json_object_array_length(cellsj) && i < 8; i++)
		load_cell(json_object_array_get_idx(cellsj, i), &cells[ctx.nr_cells++]);
	ctx.cells = cells;

	ctx.run_cgroup = mmt_json_text(ctxj, "run_cgroup");
	ctx.foreign_fails = mmt_json_bool(ctxj, "foreign_fails", false);
	cls = classify_json(ev, &ctx, &finding);
	if (mmt_json_text(tc, "finding") && strcmp(mmt_json_text(tc, "finding"), mmt_finding_name(finding))) {
		print_error("%s: judged %s, expected %s\n", file, mmt_finding_name(finding),
			    mmt_json_text(tc, "finding"));
		bad++;
	}
	assert_true(json_object_object_get_ex(tc, "expect", &expect));
	if (strcmp(mmt_oom_class_name(cls), mmt_json_text(expect, "class"))) {
		print_error("%s: returned %s\n", file, mmt_oom_class_name(cls));
		bad++;
	}
	json_object_object_foreach(expect, key, want) {
		json_object *got = mmt_json_path(ev, key);
		const char *w = json_object_get_string(want);
		const char *g = got ? json_object_get_string(got) : "null";

		if (strcmp(w, g)) {
			print_error("%s: %s: expected '%s', got '%s'\n", file, key, w, g);
			bad++;
		}
	}
	/* every classified event carries these */
	for (const char *const *k = (const char *const[]){ "class", "cell", "evidence", "race",
			"rebind_in_flight", "policy_api", "mode_flags", NULL }; *k; k++) {
		if (!json_object_object_get_ex(ev, *k, NULL)) {
			print_error("%s: no \"%s\"\n", file, *k);
			bad++;
		}
	}
	if (!mmt_json_text(mmt_json_path(ev, "evidence"), "rule")) {
		print_error("%s: no evidence.rule\n", file);
		bad++;
	}
	if (bad)
		print_error("%s: event %s\n", file,
			    json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PRETTY));
	json_object_put(ev);
	json_object_put(tc);
	free(path);
	return bad;
}

static void test_recorded_cases(void **state)
{
	char *dir = NULL;
	struct dirent *de;
	int bad = 0;
	unsigned n = 0, seen[4] = { 0 };
	DIR *d;

	(void)state;
	assert_true(asprintf(&dir, "%s/oomclass", datadir()) > 0);
	d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l < 6 || strcmp(de->d_name + l - 5, ".json"))
			continue;
		bad += run_case(de->d_name);
		n++;
		/* file names start with the class they expect */
		for (int c = 0; c < 4; c++)
			if (!strncmp(de->d_name, mmt_oom_class_name(c),
				     strlen(mmt_oom_class_name(c))))
				seen[c]++;
	}
	closedir(d);
	free(dir);
	assert_true(n >= 4);
	for (int c = 0; c < 4; c++)
		if (!seen[c])
			fail_msg("no recorded case for class %s", mmt_oom_class_name(c));
	assert_int_equal(bad, 0);
}

static void test_find_cell(void **state)
{
	struct mmt_oom_cell cells[2] = {
		{ .name = "a", .cg_name = "mmtorture-r/a", .pids = { 100, 101 }, .nr_pids = 2 },
		{ .name = "b", .cg_name = "/mmtorture-r/b/", .pids = { 200 }, .nr_pids = 1 },
	};
	struct mmt_oom_ctx ctx = { .cells = cells, .nr_cells = 2 };

	(void)state;
	assert_int_equal(mmt_oom_find_cell(&ctx, 101, NULL), 0);
	assert_int_equal(mmt_oom_find_cell(&ctx, 200, "/elsewhere"), 1);
	assert_int_equal(mmt_oom_find_cell(&ctx, 5, "/mmtorture-r/a"), 0);
	assert_int_equal(mmt_oom_find_cell(&ctx, 5, "/mmtorture-r/b/worker"), 1);
	assert_int_equal(mmt_oom_find_cell(&ctx, 5, "/machine.slice/mmtorture-r/a"), 0);
	assert_int_equal(mmt_oom_find_cell(&ctx, 5, "/mmtorture-r/ab"), -1);
	assert_int_equal(mmt_oom_find_cell(&ctx, 5, "/mmtorture-r"), -1);
	assert_int_equal(mmt_oom_find_cell(&ctx, 5, ""), -1);
	assert_int_equal(mmt_oom_find_cell(&ctx, 0, NULL), -1);
	assert_int_equal(mmt_oom_find_cell(NULL, 101, NULL), -1);
}

/* The same kill flips between classes on the evidence alone. */
static void test_rules_order(void **state)
{
	struct mmt_oom_cell cell = {
		.name = "c", .cg_name = "mmtorture-r/c", .pids = { 42 }, .nr_pids = 1,
		.nodes = { 1 }, .nr_nodes = 1, .region_bytes = 64 << 20, .rebinding = true,
		.rebind_count = 1, .last_rebind_us = 1000,
	};
	struct mmt_oom_ctx ctx = { .cells = &cell, .nr_cells = 1 };
	json_object *ev;

	(void)state;
	for (int i = 0; i < MMT_MAX_NODES; i++)
		ctx.node_free_kb[i] = -1;
	ctx.node_free_kb[0] = 10 << 20;   /* plenty, but not an allowed node */
	ctx.node_free_kb[1] = 1024;

	ev = json_tokener_parse("{\"type\":\"oom_kill\",\"pid\":42,\"kernel_ts_us\":900,"
				"\"constraint\":\"CONSTRAINT_CPUSET\",\"node_free_kb\":{}}");
	assert_int_equal(classify_json(ev, &ctx, NULL), MMT_OOM_UNEXPECTED);
	assert_true(json_object_get_boolean(json_object_object_get(ev, "race")));
	/* rebind written after the kill: not in flight */
	assert_false(json_object_get_boolean(mmt_json_path(ev, "rebind_in_flight.in_flight")));
	json_object_put(ev);

	/* the kernel's dump of the same report shows the allowed node free */
	ev = json_tokener_parse("{\"type\":\"oom_kill\",\"pid\":42,\"kernel_ts_us\":2000,"
				"\"constraint\":\"CONSTRAINT_CPUSET\","
				"\"node_free_kb\":{\"0\":5,\"1\":70000}}");
	assert_int_equal(classify_json(ev, &ctx, NULL), MMT_OOM_SPURIOUS);
	assert_true(json_object_get_boolean(mmt_json_path(ev, "rebind_in_flight.in_flight")));
	json_object_put(ev);

	/* a memcg OOM is expected even with free memory around */
	ev = json_tokener_parse("{\"type\":\"oom_kill\",\"pid\":42,\"constraint\":"
				"\"CONSTRAINT_MEMCG\",\"node_free_kb\":{\"1\":900000}}");
	assert_int_equal(classify_json(ev, &ctx, NULL), MMT_OOM_EXPECTED);
	assert_false(json_object_get_boolean(json_object_object_get(ev, "race")));
	assert_string_equal(json_object_get_string(mmt_json_path(ev, "evidence.rule")), "memcg_limit");
	json_object_put(ev);

	/* a job threshold above what was free: no longer provably spurious */
	ctx.spurious_threshold_kb = 1 << 20;
	ev = json_tokener_parse("{\"type\":\"oom_kill\",\"pid\":42,"
				"\"node_free_kb\":{\"1\":70000}}");
	assert_int_equal(classify_json(ev, &ctx, NULL), MMT_OOM_UNEXPECTED);
	assert_false(json_object_get_boolean(json_object_object_get(ev, "race")));
	json_object_put(ev);

	/* not ours */
	ev = json_tokener_parse("{\"type\":\"oom_kill\",\"pid\":43,\"task_memcg\":\"/x\"}");
	assert_int_equal(classify_json(ev, &ctx, NULL), MMT_OOM_FOREIGN);
	json_object_put(ev);

	assert_int_equal(mmt_oom_classify(NULL, &ctx, &(struct mmt_oom_verdict){ 0 }),
			 MMT_OOM_UNEXPECTED);
	assert_string_equal(mmt_oom_class_name(MMT_OOM_SPURIOUS), "spurious");
	assert_string_equal(mmt_oom_class_name(99), "unknown");
}

/* A report as the combiner gives it: unknown numbers -1, strings "". */
static struct mmt_oom_report report(int64_t pid, const char *constraint, const char *memcg)
{
	struct mmt_oom_report r;

	memset(&r, 0, sizeof(r));
	r.complete = true;
	r.pid = pid;
	snprintf(r.comm, sizeof(r.comm), "w");
	snprintf(r.constraint, sizeof(r.constraint), "%s", constraint);
	snprintf(r.task_memcg, sizeof(r.task_memcg), "%s", memcg);
	r.ts_us = r.uid = r.order = r.oom_score_adj = r.invoker_pid = -1;
	r.total_vm_kb = r.anon_rss_kb = r.file_rss_kb = r.shmem_rss_kb = r.pgtables_kb = -1;
	r.victim_oom_score_adj = r.score = r.selected_pid = -1;
	r.memcg_usage_kb = r.memcg_limit_kb = r.memcg_failcnt = r.reaped_ts_us = -1;
	r.reaped_anon_rss_kb = r.reaped_file_rss_kb = r.reaped_shmem_rss_kb = -1;
	for (int i = 0; i < MMT_KMSG_NODES; i++)
		r.node_free_kb[i] = -1;
	return r;
}

/* Every rule of the judge, on the kmsg path and the counter path. */
static void test_judge(void **state)
{
	struct mmt_oom_cell cells[2] = {
		{ .name = "quiet", .cg_name = "mmtorture-r/quiet", .pids = { 42 }, .nr_pids = 1,
		  .nodes = { 0 }, .nr_nodes = 1, .region_bytes = 64 << 20, .memcg_oom_kills = 1 },
		{ .name = "hog", .cg_name = "mmtorture-r/hog", .pids = { 50 }, .nr_pids = 1,
		  .nodes = { 0 }, .nr_nodes = 1, .oom_expected = true, .memory_max = 64 << 20,
		  .memory_usage = 64 << 20, .memcg_oom_kills = 1 },
	};
	struct mmt_oom_ctx ctx = { .cells = cells, .nr_cells = 2, .run_cgroup = "mmtorture-r" };
	struct mmt_oom_report r;
	struct mmt_oom_verdict v;

	(void)state;
	for (int i = 0; i < MMT_MAX_NODES; i++)
		ctx.node_free_kb[i] = -1;
	ctx.node_free_kb[0] = 1 << 20;

	/* J3: the kernel says memcg limit, the cell expects no kill: BROK */
	r = report(42, "CONSTRAINT_MEMCG", "/mmtorture-r/quiet");
	assert_int_equal(mmt_oom_judge(&r, -1, &ctx, &v), MMT_F_HARNESS);
	assert_int_equal(v.cls, MMT_OOM_EXPECTED);
	assert_string_equal(v.rule, "memcg_limit");
	assert_int_equal(v.cell, 0);
	/* ... and where the cell expects kills it is just expected */
	r = report(50, "CONSTRAINT_MEMCG", "/mmtorture-r/hog");
	assert_int_equal(mmt_oom_judge(&r, -1, &ctx, &v), MMT_F_OOM_EXPECTED);
	assert_int_equal(v.cell, 1);

	/* J1: the same quiet cell, the kill seen only through its counter:
	 * the counter cannot tell a memcg kill from a global or cpuset one,
	 * so it stays a FAIL, not the BROK above */
	assert_int_equal(mmt_oom_judge(NULL, 0, &ctx, &v), MMT_F_OOM_UNEXPECTED);
	assert_int_equal(v.cls, MMT_OOM_UNEXPECTED);
	assert_string_equal(v.rule, "memcg_counter");
	assert_string_equal(v.cell_name, "quiet");
	assert_int_equal(mmt_oom_judge(NULL, 1, &ctx, &v), MMT_F_OOM_EXPECTED);
	assert_int_equal(v.cls, MMT_OOM_EXPECTED);
	assert_int_equal(mmt_oom_judge(NULL, 2, &ctx, &v), MMT_F_OOM_UNEXPECTED);
	assert_int_equal(mmt_oom_judge(NULL, -1, &ctx, &v), MMT_F_OOM_UNEXPECTED);
	assert_int_equal(v.cell, -1);

	/* J2: not a cell's, but in the run's tree: an injector's hog */
	r = report(77, "CONSTRAINT_MEMCG", "/mmtorture-r/inj-hog/x");
	assert_int_equal(mmt_oom_judge(&r, -1, &ctx, &v), MMT_F_OOM_EXPECTED);
	assert_int_equal(v.cls, MMT_OOM_EXPECTED);
	assert_string_equal(v.rule, "injector_memcg");
	assert_int_equal(v.cell, -1);
	/* the tree is matched whole, not as a prefix of another name */
	r = report(77, "CONSTRAINT_MEMCG", "/mmtorture-rx/inj-hog");
	assert_int_equal(mmt_oom_judge(&r, -1, &ctx, &v), MMT_F_OOM_FOREIGN);
	assert_string_equal(v.rule, "victim_not_ours");
	/* J4: foreign is a FAIL only when the job says so */
	ctx.foreign_fails = true;
	assert_int_equal(mmt_oom_judge(&r, -1, &ctx, &v), MMT_F_OOM_FOREIGN_FAIL);
	ctx.foreign_fails = false;
	ctx.run_cgroup = NULL;
	r = report(77, "", "/mmtorture-r/inj-hog/x");
	assert_int_equal(mmt_oom_judge(&r, -1, &ctx, &v), MMT_F_OOM_FOREIGN);
	ctx.run_cgroup = "mmtorture-r";

	/* J4: free memory on the cell's node: spurious; none: unexpected */
	r = report(42, "CONSTRAINT_CPUSET", "/mmtorture-r/quiet");
	assert_int_equal(mmt_oom_judge(&r, -1, &ctx, &v), MMT_F_OOM_SPURIOUS);
	assert_string_equal(v.rule, "free_above_threshold_sample");
	ctx.node_free_kb[0] = 1024;
	assert_int_equal(mmt_oom_judge(&r, -1, &ctx, &v), MMT_F_OOM_UNEXPECTED);
	assert_string_equal(v.rule, "no_rule");

	/* no report, no context: never hidden as foreign */
	assert_int_equal(mmt_oom_judge(&r, -1, NULL, &v), MMT_F_OOM_UNEXPECTED);
	assert_int_equal(mmt_oom_judge(NULL, 0, NULL, &v), MMT_F_OOM_UNEXPECTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recorded_cases),
		cmocka_unit_test(test_find_cell),
		cmocka_unit_test(test_rules_order),
		cmocka_unit_test(test_judge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

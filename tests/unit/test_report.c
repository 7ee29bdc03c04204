// SPDX-License-Identifier: GPL-2.0-only
/*
 * The HTML report of a run (results/report.c), rendered from the fixed run
 * in tests/data/report/run1 (a FAIL with a hostile job description, a
 * truncated last line in events.jsonl and in samples.csv) and compared with
 * run2 (a PASS on another kernel, with one expected OOM kill), whose
 * timelines are overlaid on run1's.
 *
 * The whole page is also compared with tests/data/report/run1.report.html.
 * After an intended change of the page, run with MMT_REGEN_EXPECTED=1 to
 * rewrite it, then look at the diff (and at the page in a browser).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "results/report.h"
#include "lib/jsonget.h"
#include "lib/util.h"

#ifndef MMT_SRCDIR
#define MMT_SRCDIR "."
#endif
#define DATA MMT_SRCDIR "/tests/data/report"

struct fixture {
	json_object *run1, *run2;
	char *csv, *events;
	char *csv2, *events2;   /* run2's */
};

static char *slurp(const char *path)
{
	char *buf = NULL;

	if (mmt_read_file_alloc(path, &buf) < 0)
		return NULL;
	return buf;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->run1 = json_object_from_file(DATA "/run1/run.json");
	fx->run2 = json_object_from_file(DATA "/run2/run.json");
	fx->csv = slurp(DATA "/run1/samples.csv");
	fx->events = slurp(DATA "/run1/events.jsonl");
	fx->csv2 = slurp(DATA "/run2/samples.csv");
	fx->events2 = slurp(DATA "/run2/events.jsonl");
	if (!fx->run1 || !fx->run2 || !fx->csv || !fx->events || !fx->csv2 || !fx->events2) {
		fprintf(stderr, "cannot read the fixture in %s\n", DATA);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	json_object_put(fx->run1);
	json_object_put(fx->run2);
	free(fx->csv);
	free(fx->events);
	free(fx->csv2);
	free(fx->events2);
	free(fx);
	return 0;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void test_verdict_cells_timelines(void **state)
{
	struct fixture *fx = *state;
	char *html = mmt_report_render(fx->run1, fx->csv, fx->events, NULL);

	assert_non_null(html);
	assert_true(mmt_startswith(html, "<!DOCTYPE html>"));
	assert_non_null(strstr(html, "<div class=\"verdict fail\">FAIL</div>"));
	assert_non_null(strstr(html, "exit code <b>1</b>"));
	assert_non_null(strstr(html, "6.18.0-test"));
	assert_non_null(strstr(html, "console=ttyS0 numa=fake=2"));
	assert_non_null(strstr(html, "cpuset v2, memory v2"));
	/* Each cell in the table and in the fault-rate legend. */
	assert_non_null(strstr(html, "<td><b>vma-none</b></td>"));
	assert_non_null(strstr(html, "<td><b>task-static</b></td>"));
	assert_non_null(strstr(html, ">vma-none</text>"));
	assert_non_null(strstr(html, ">task-static</text>"));
	assert_non_null(strstr(html, "node 0: 3\xe2\x80\xaf" "000, node 1: 5\xe2\x80\xaf" "000"));
	assert_non_null(strstr(html, "12 outside mems"));
	/* One <svg> per timeline: free memory, fault rate, rebinds, PSI, memory
	 * per cell, swap, dirty/writeback; every one closed. */
	assert_int_equal(count(html, "<svg"), 7);
	assert_int_equal(count(html, "</svg>"), 7);
	assert_non_null(strstr(html, ">Free memory per node</text>"));
	assert_non_null(strstr(html, ">Swap in/out (pages/s)</text>"));
	assert_non_null(strstr(html, ">cpuset rebinds per second</text>"));
	assert_non_null(strstr(html, ">node1</text>"));
	/* No script, no remote resource (the SVG namespace is a name, not a fetch). */
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "<img"));
	assert_null(strstr(html, "<link"));
	assert_null(strstr(html, "<iframe"));
	assert_null(strstr(html, "url("));
	assert_null(strstr(html, "href=\"http"));
	assert_int_equal(count(html, "http://"),
			 count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
	/* The injector report, flattened. */
	assert_non_null(strstr(html, "<th>errors.EBUSY</th><td>2</td>"));
	assert_non_null(strstr(html, "<th>sequence.vma-none</th><td>0-1, 0, 1</td>"));
	free(html);
}

static void test_markers_and_truncated_lines(void **state)
{
	struct fixture *fx = *state;
	char *html = mmt_report_render(fx->run1, fx->csv, fx->events, NULL);

	assert_non_null(html);
	/* 5 marker events (2 oom_kill, 2 stall, 1 corruption) on 7 timelines;
	 * the truncated oom_kill at 7 s is not one of them. */
	assert_int_equal(count(html, "<line class=\"mk "), 5 * 7);
	assert_int_equal(count(html, "<line class=\"mk mk-oom_kill\""), 2 * 7);
	assert_int_equal(count(html, "<line class=\"mk mk-stall\""), 2 * 7);
	assert_int_equal(count(html, "<line class=\"mk mk-corruption\""), 7);
	assert_null(strstr(html, "7.000 s"));
	assert_non_null(strstr(html, "1 incomplete or malformed line of events.jsonl ignored"));
	assert_non_null(strstr(html, "8 samples, 1 incomplete line ignored"));
	assert_non_null(strstr(html, "with 35 event markers"));
	free(html);
}

static void test_events_table(void **state)
{
	struct fixture *fx = *state;
	char *html = mmt_report_render(fx->run1, fx->csv, fx->events, NULL);
	const char *spurious, *expected, *corruption, *start;

	assert_non_null(html);
	assert_non_null(strstr(html, "9 events;"));
	/* Failures first (corruption, then the spurious kill and stalls), then
	 * the expected kill, then the rest. */
	corruption = strstr(html, ">corruption</span>");
	spurious = strstr(html, "rule allowed_nodes_free");
	expected = strstr(html, "rule memcg_limit");
	start = strstr(html, ">worker_start</span>");
	assert_non_null(corruption);
	assert_non_null(spurious);
	assert_non_null(expected);
	assert_non_null(start);
	assert_true(corruption < spurious);
	assert_true(spurious < expected);
	assert_true(expected < start);
	assert_non_null(strstr(html, "<b>race</b>; <b>rebind in flight</b>"));
	assert_non_null(strstr(html, "class=\"cls-bad\">spurious</td>"));
	/* The stall's evidence is a relative link; a suspicious one is not linked. */
	assert_non_null(strstr(html, "<a href=\"stall-task-static-1234-1.txt\">"));
	assert_non_null(strstr(html, "no progress for 2.0 s"));
	assert_null(strstr(html, "href=\"javascript"));
	assert_non_null(strstr(html, "evidence javascript:alert(1)"));
	free(html);
}

static void test_escaping(void **state)
{
	struct fixture *fx = *state;
	char *html = mmt_report_render(fx->run1, fx->csv, fx->events, NULL);

	assert_non_null(html);
	assert_null(strstr(html, "<script>"));
	assert_non_null(strstr(html, "Hostile &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; "
				     "&amp; &quot;quotes&quot;"));
	assert_null(strstr(html, "<img"));
	assert_non_null(strstr(html, "evil &lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;img src=x "
				     "onerror=alert(1)&gt;"));
	assert_non_null(strstr(html, "wchan &lt;folio_wait_bit&gt;"));
	free(html);
}

static void test_missing_files(void **state)
{
	struct fixture *fx = *state;
	char *html;

	html = mmt_report_render(fx->run1, NULL, fx->events, NULL);
	assert_non_null(html);
	assert_non_null(strstr(html, "samples.csv is missing"));
	assert_null(strstr(html, "<svg"));
	assert_non_null(strstr(html, ">FAIL</div>"));
	free(html);

	html = mmt_report_render(NULL, fx->csv, fx->events, NULL);
	assert_non_null(html);
	assert_non_null(strstr(html, "run.json is missing"));
	assert_non_null(strstr(html, ">no verdict</div>"));
	assert_int_equal(count(html, "<svg"), 7);
	free(html);

	html = mmt_report_render(NULL, NULL, NULL, NULL);
	assert_non_null(html);
	assert_non_null(strstr(html, "run.json is missing"));
	assert_non_null(strstr(html, "events.jsonl is missing"));
	assert_non_null(strstr(html, "</html>\n"));
	free(html);

	/* A header only, or garbage instead of CSV. */
	html = mmt_report_render(fx->run1, "t_s,node0_free_kb\n", "", NULL);
	assert_non_null(html);
	assert_non_null(strstr(html, "no complete sample yet"));
	assert_non_null(strstr(html, "No events."));
	free(html);
	html = mmt_report_render(fx->run1, "\x01\x02 garbage", "not json\n{\n", NULL);
	assert_non_null(html);
	assert_non_null(strstr(html, "no usable header"));
	assert_non_null(strstr(html, "2 incomplete or malformed lines"));
	free(html);
}

static void test_unfinished_run(void **state)
{
	struct fixture *fx = *state;
	json_object *run = json_tokener_parse("{\"id\":\"x\",\"job\":{\"name\":\"j\"},"
					      "\"verdict\":{\"verdict\":\"PASS\"}}");
	char *html;

	assert_non_null(run);
	html = mmt_report_render(run, fx->csv, fx->events, NULL);
	assert_non_null(html);
	assert_non_null(strstr(html, "the run did not finish"));
	assert_non_null(strstr(html, "No cells in run.json."));
	assert_non_null(strstr(html, ">PASS<"));
	free(html);
	json_object_put(run);

	/* the run.json of a run whose machine died: its PASS is only "so far" */
	run = json_tokener_parse("{\"id\":\"x\",\"job\":{\"name\":\"j\"},\"decided\":false,"
				 "\"verdict\":{\"verdict\":\"PASS\"}}");
	assert_non_null(run);
	html = mmt_report_render(run, fx->csv, fx->events, NULL);
	assert_non_null(html);
	assert_non_null(strstr(html, "UNDECIDED"));
	assert_null(strstr(html, ">PASS<"));
	free(html);
	json_object_put(run);
}

/* Every prefix of the files, as a run killed at any byte leaves them. */
static void test_every_prefix(void **state)
{
	struct fixture *fx = *state;
	size_t ncsv = strlen(fx->csv), nev = strlen(fx->events);

	for (size_t n = 0; n <= ncsv || n <= nev; n += 7) {
		char *csv = strndup(fx->csv, n), *ev = strndup(fx->events, n);
		char *html = mmt_report_render(fx->run1, csv, ev, NULL);

		assert_non_null(html);
		assert_non_null(strstr(html, "</html>\n"));
		assert_int_equal(count(html, "<svg"), count(html, "</svg>"));
		free(html);
		free(csv);
		free(ev);
	}
}

/* A run.json whose members have unexpected types renders without them. */
static void test_odd_types(void **state)
{
	struct fixture *fx = *state;
	json_object *run = json_tokener_parse(
		"{\"verdict\":\"FAIL\",\"job\":[1],\"kernel\":7,\"cells\":{\"a\":1},"
		"\"injectors\":[{}],\"cgroup\":\"v1\",\"elapsed_s\":\"x\","
		"\"end\":null}");
	json_object *cmp = json_tokener_parse("{\"cells\":[null,1,{\"name\":2}],"
					      "\"verdict\":{\"reasons\":[null,{\"level\":3}]}}");
	char *html;

	assert_non_null(run);
	assert_non_null(cmp);
	html = mmt_report_render(run, fx->csv, fx->events, cmp);
	assert_non_null(html);
	assert_non_null(strstr(html, ">no verdict</div>"));
	assert_non_null(strstr(html, "No cells in run.json."));
	assert_non_null(strstr(html, "No injectors in this job."));
	free(html);
	json_object_put(run);
	json_object_put(cmp);
}

static void test_compare(void **state)
{
	struct fixture *fx = *state;
	char *html = mmt_report_render(fx->run1, fx->csv, fx->events, fx->run2);

	assert_non_null(html);
	assert_non_null(strstr(html, "<h2 id=compare>"));
	assert_non_null(strstr(html, "<span class=\"vsmall fail\">FAIL</span>"));
	assert_non_null(strstr(html, "<span class=\"vsmall pass\">PASS</span>"));
	assert_non_null(strstr(html, "6.19.0-fixed"));
	/* vma-none: 50000 vs 100000 pages/s; rebinds 200 vs 250 /s; elapsed 8 vs 10. */
	assert_non_null(strstr(html, "cell vma-none: pages/s</th><td class=num>50\xe2\x80\xaf" "000"
				     "</td><td class=num>100\xe2\x80\xaf" "000</td>"
				     "<td class=\"num ratio\">0.500</td>"));
	assert_non_null(strstr(html, "rebinds/s</th><td class=num>200.0</td><td class=num>250.0"
				     "</td><td class=\"num ratio\">0.800</td>"));
	assert_non_null(strstr(html, "elapsed (s)</th><td class=num>8.0</td><td class=num>10.0"
				     "</td><td class=\"num ratio\">0.800</td>"));
	/* One spurious kill against none: no finite ratio. */
	assert_non_null(strstr(html, "OOM kills: spurious</th><td class=num>1</td>"
				     "<td class=num>0</td>"
				     "<td class=\"num ratio\">\xe2\x88\x9e</td>"));
	free(html);
}

/* run1 (A) and run2 (B) with all their files, as `report --compare` reads them. */
static char *render_pair(const struct fixture *fx)
{
	const struct mmt_report_run a = { fx->run1, fx->csv, fx->events };
	const struct mmt_report_run b = { fx->run2, fx->csv2, fx->events2 };

	return mmt_report_render_runs(&a, &b);
}

/* The text between the first from at or after start and the next to. */
static char *between(const char *hay, const char *from, const char *to)
{
	const char *p = strstr(hay, from), *e;

	if (!p)
		return NULL;
	e = strstr(p, to);
	return e ? strndup(p, (size_t)(e - p)) : NULL;
}

static void test_overlay(void **state)
{
	struct fixture *fx = *state;
	char *html = render_pair(fx), *overlay, *single, *svg;

	assert_non_null(html);
	overlay = between(html, "<h3 id=overlay>", "<h2 id=timelines>");
	single = between(html, "<h2 id=timelines>", "<h2 id=events>");
	assert_non_null(overlay);
	assert_non_null(single);
	/* Four overlaid timelines, each closed, before A's own seven. */
	assert_int_equal(count(overlay, "<svg"), 4);
	assert_int_equal(count(overlay, "</svg>"), 4);
	assert_int_equal(count(single, "<svg"), 7);
	assert_non_null(strstr(overlay, ">Free memory per node \xe2\x80\x94 A and B</text>"));
	assert_non_null(strstr(overlay, ">Fault rate per cell (pages/s) \xe2\x80\x94 A and B</text>"));
	assert_non_null(strstr(overlay, ">cpuset rebinds per second \xe2\x80\x94 A and B</text>"));
	assert_non_null(strstr(overlay, ">Memory pressure (PSI avg10, %) \xe2\x80\x94 A and B</text>"));
	/* Both runs' series in the legends: nodes, cells, the rebinder, PSI. */
	for (int i = 0; i < 2; i++) {
		static const char *const series[] = { "node0", "node1", "vma-none", "task-static",
						      "rebind", "some", "full" };

		for (size_t j = 0; j < sizeof(series) / sizeof(series[0]); j++) {
			char want[64];

			snprintf(want, sizeof(want), ">%s %s</text>", i ? "B" : "A", series[j]);
			assert_non_null(strstr(overlay, want));
		}
	}
	/* A in solid blue, B in dashed orange: 2 nodes + 2 cells + 1 rebinder + 2 PSI. */
	assert_int_equal(count(overlay, "stroke=\"#1f5fbf\" stroke-width=\"1.6\" points="), 4);
	assert_int_equal(count(overlay, "stroke-dasharray=\"7 4\" points="), 7);
	assert_int_equal(count(overlay, "<polyline"), 14);
	/* Both runs' events on every overlaid timeline: A's 5 markers in the
	 * upper half, B's expected kill in the lower. */
	assert_int_equal(count(overlay, " mk-run-A\""), 5 * 4);
	assert_int_equal(count(overlay, " mk-run-B\""), 1 * 4);
	assert_int_equal(count(overlay, "class=\"mk mk-oom_kill mk-run-B\""), 4);
	assert_non_null(strstr(overlay, "<title>B: 5.750 s oom_kill cell task-static pid 2201 "
					"expected</title>"));
	assert_int_equal(count(overlay, ">A events</text>"), 4);
	assert_int_equal(count(overlay, ">B events</text>"), 4);
	/* Shared axes: B ran 10 s, A 8 s; both on a 0..10 s axis, the 10 s tick
	 * at the right edge of the plot (72 + 1012). */
	svg = between(overlay, "<svg", "</svg>");
	assert_non_null(svg);
	assert_non_null(strstr(svg, "<text x=\"1084.0\" y=\""));
	assert_non_null(strstr(svg, "text-anchor=\"middle\">10</text>"));
	/* A's markers: the spurious kill at 4.2 s is at 72 + 4.2 / 10 * 1012. */
	assert_non_null(strstr(svg, "class=\"mk mk-oom_kill mk-run-A\" x1=\"497.0\""));
	free(svg);
	/* The run key names both runs with their verdicts. */
	assert_non_null(strstr(overlay, "<b>A</b> 20261122T010000Z-fixture <span class=\"vsmall fail\">"));
	assert_non_null(strstr(overlay, "<b>B</b> 20261122T020000Z-fixture <span class=\"vsmall pass\">"));
	/* A's own timelines keep one run's markers over the whole plot. */
	assert_null(strstr(single, "mk-run-"));
	assert_int_equal(count(single, "<line class=\"mk "), 5 * 7);
	free(overlay);
	free(single);
	free(html);
}

/* --compare with a run that has no samples.csv: A's series alone, and why. */
static void test_overlay_missing_samples(void **state)
{
	struct fixture *fx = *state;
	const struct mmt_report_run a = { fx->run1, fx->csv, fx->events };
	const struct mmt_report_run b = { fx->run2, NULL, NULL };
	char *html = mmt_report_render_runs(&a, &b), *overlay;

	assert_non_null(html);
	overlay = between(html, "<h3 id=overlay>", "<h2 id=timelines>");
	assert_non_null(overlay);
	assert_non_null(strstr(overlay, "run B's samples.csv is missing"));
	assert_int_equal(count(overlay, "<svg"), 4);
	assert_non_null(strstr(overlay, ">A vma-none</text>"));
	assert_null(strstr(overlay, ">B vma-none</text>"));
	assert_null(strstr(overlay, "mk-run-B"));
	free(overlay);
	free(html);
}

/* The CSS background colour of class cls (".cls{background:#xxxxxx"). */
static char *background_of(const char *html, const char *cls)
{
	char sel[32];

	snprintf(sel, sizeof(sel), ".%s{background:", cls);
	return between(html, sel, ";");
}

/* FAIL, BROK and CONF are three colours, in the header, the compare table
 * and the reasons table. */
static void test_verdict_colours(void **state)
{
	static const char *const verdicts[] = { "FAIL", "BROK", "CONF" };
	static const char *const classes[] = { "fail", "brok", "conf" };
	char *bg[3];

	(void)state;
	for (int i = 0; i < 3; i++) {
		char json[256], want[64], *html;
		json_object *run;

		snprintf(json, sizeof(json),
			 "{\"verdict\":{\"verdict\":\"%s\",\"reasons\":[{\"level\":\"%s\","
			 "\"finding\":\"f\",\"text\":\"t\"}]}}", verdicts[i], verdicts[i]);
		run = json_tokener_parse(json);
		assert_non_null(run);
		html = mmt_report_render(run, NULL, NULL, run);
		assert_non_null(html);
		snprintf(want, sizeof(want), "<div class=\"verdict %s\">%s</div>", classes[i],
			 verdicts[i]);
		assert_non_null(strstr(html, want));
		snprintf(want, sizeof(want), "<span class=\"vsmall %s\">%s</span>", classes[i],
			 verdicts[i]);
		assert_int_equal(count(html, want), 4);  /* compare table, run key */
		snprintf(want, sizeof(want), "<tr class=\"lvl-%s\"><td class=lvl>%s</td>",
			 classes[i], verdicts[i]);
		assert_non_null(strstr(html, want));
		bg[i] = background_of(html, classes[i]);
		assert_non_null(bg[i]);
		free(html);
		json_object_put(run);
	}
	assert_string_not_equal(bg[0], bg[1]);
	assert_string_not_equal(bg[0], bg[2]);
	assert_string_not_equal(bg[1], bg[2]);
	for (int i = 0; i < 3; i++)
		free(bg[i]);
}

static void test_expected_page(void **state)
{
	struct fixture *fx = *state;
	char *html = render_pair(fx);
	char *want;

	assert_non_null(html);
	if (getenv("MMT_REGEN_EXPECTED")) {
		FILE *f = fopen(DATA "/run1.report.html", "w");

		assert_non_null(f);
		assert_int_equal(fputs(html, f) >= 0, 1);
		assert_int_equal(fclose(f), 0);
		fprintf(stderr, "rewrote %s\n", DATA "/run1.report.html");
	}
	want = slurp(DATA "/run1.report.html");
	assert_non_null(want);
	assert_string_equal(html, want);
	free(want);
	free(html);
}

/*
 * Exposure: run1 has it only in its rebind injector (computed for the page),
 * run2 at the top of run.json (as the harness writes it); both go side by
 * side in the comparison, and run1's cells in its exposure table.
 */
static void test_exposure(void **state)
{
	struct fixture *fx = *state;
	json_object *ex = mmt_report_exposure(fx->run1), *c;
	char *html = render_pair(fx), *sec;
	double x;

	assert_non_null(ex);
	assert_true(mmt_json_double(ex, "windows_per_s", &x) && x == 10.0);
	assert_true(mmt_json_double(ex, "rewrites_per_s", &x) && x == 200.0);
	assert_true(mmt_json_double(ex, "stall_fraction", &x) && x == 0.05);
	c = mmt_json_path(ex, "cells.vma-none");
	assert_true(mmt_json_double(c, "windows_per_s", &x) && x == 5.0);
	assert_true(mmt_json_double(mmt_json_get(c, "transitions"), "disjoint", &x) && x == 600);
	json_object_put(ex);
	/* a rebind report from before issue 10 (no exposure key) gives none */
	assert_null(mmt_report_exposure(fx->run2));
	assert_non_null(html);
	assert_non_null(strstr(html, "<tr><th>exposure: race windows/s</th><td class=num>10.00</td>"
				     "<td class=num>2.50</td><td class=\"num ratio\">4.000</td></tr>"));
	assert_non_null(strstr(html, "<tr><th>exposure: memory stall fraction</th>"
				     "<td class=num>0.0500</td><td class=num>0.0100</td>"));
	sec = between(html, "<h2 id=exposure>", "<h2 id=injectors>");
	assert_non_null(sec);
	assert_non_null(strstr(sec, "<tr><td>vma-none</td><td class=num>100.0</td>"
				    "<td class=num>5.00</td><td class=num>0</td><td class=num>0</td>"
				    "<td class=num>0</td><td class=num>200</td><td class=num>600</td></tr>"));
	assert_non_null(strstr(sec, "<tr><td>task-static</td>"));
	free(sec);
	free(html);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_cells_timelines),
		cmocka_unit_test(test_markers_and_truncated_lines),
		cmocka_unit_test(test_events_table),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_missing_files),
		cmocka_unit_test(test_unfinished_run),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_odd_types),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_overlay),
		cmocka_unit_test(test_overlay_missing_samples),
		cmocka_unit_test(test_verdict_colours),
		cmocka_unit_test(test_expected_page),
		cmocka_unit_test(test_exposure),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

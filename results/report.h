/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_REPORT_H
#define MMT_REPORT_H

#include <json-c/json.h>

/*
 * `mmtorture report`: one self-contained HTML page per run (docs/design.md
 * section 5): inline CSS, inline SVG timelines, no script, no network.
 *
 * Pure: everything comes in as arguments, the page goes out as a malloc()ed
 * string (NULL only when out of memory).  Any argument may be NULL or
 * truncated (a run killed mid-way): run == NULL or samples_csv_text == NULL
 * is said in the page; a last line without its newline in samples.csv or
 * events.jsonl is ignored, as is any events line that is not a JSON object.
 * All text taken from the run files is HTML-escaped.  compare_run, when not
 * NULL, is a second run.json shown side by side with run, with ratios.
 */
char *mmt_report_render(json_object *run, const char *samples_csv_text,
			const char *events_jsonl_text, json_object *compare_run);

/* The files of one run directory, as read (any may be NULL). */
struct mmt_report_run {
	json_object *run;               /* run.json */
	const char *samples_csv_text;   /* samples.csv */
	const char *events_jsonl_text;  /* events.jsonl */
};

/*
 * As mmt_report_render(), with all of the compared run: when cmp is not
 * NULL the comparison also overlays the two runs' timelines (free memory
 * per node, fault rate, rebind rate, PSI) on shared axes, seconds since each
 * run's start, run A (a) in blues with solid lines and run B (cmp) in
 * oranges with dashed ones, and marks the events of A in the upper half of
 * each plot and those of B in the lower half.
 */
char *mmt_report_render_runs(const struct mmt_report_run *a, const struct mmt_report_run *cmp);

/*
 * The job-level exposure to the cpuset x mempolicy race (docs/results.md,
 * "exposure"), from the rebind injectors' reports in RUN (run.json as
 * written so far: injectors.<name>.exposure and .per_cell):
 *   rewrites_per_s   sum over the rebind instances (writes/s, all cells);
 *   windows_per_s    sum of the instances' (rewrites/s x PSI memory "some"
 *                    fraction: rewrites per second that found a task stalled
 *                    on memory); null when no instance had PSI;
 *   slow_path_per_s, pgscan_direct_per_s, stall_fraction: machine-wide,
 *                    from the first instance that has them;
 *   cells            {name: {rewrites_per_s, windows_per_s, transitions}},
 *                    summed over instances that rewrite the same cell.
 * Returns a new object, or NULL when no rebind instance reported exposure
 * (a run without a rebinder, or a run.json from before issue 10).
 */
json_object *mmt_report_exposure(json_object *run);

#endif

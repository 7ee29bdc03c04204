/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_RESULTS_H
#define MMT_RESULTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "lib/verdict.h"

/*
 * One directory per run, never overwritten (docs/design.md section 5):
 *   run.json  events.jsonl  samples.csv  kmsg.log  journal
 *   result.ktap  junit.xml
 * Every line is written whole with one write(2) on an O_APPEND fd, so the
 * files stay readable after the harness is killed.  All writers are
 * thread-safe.
 */
struct mmt_results;

/*
 * Create base_dir/<UTC compact time>-<job>[-N]/ (mkdir, never reusing an
 * existing one) and open its files.  ret_dir receives the path, ret_id the
 * run id ("20261122T005313Z-default").  base_dir is created if missing; an
 * unwritable base_dir is an error naming it.  Returns 0 or -errno.
 */
int mmt_results_create(const char *base_dir, const char *job_name,
		       uint64_t realtime_us, char *ret_dir, size_t dir_len,
		       char *ret_id, size_t id_len, struct mmt_results **ret_res);
/* Open an existing run directory for appending (tests, post-processing). */
int mmt_results_open_dir(const char *dir, struct mmt_results **ret_res);
void mmt_results_close(struct mmt_results *res);    /* accepts NULL */
const char *mmt_results_dir(const struct mmt_results *res);

/*
 * Append one event to events.jsonl.  Adds "type", "time" (UTC ISO-8601 with
 * microseconds) and "t_us" (microseconds since the run started), then writes
 * it as one line.  ev is consumed (json_object_put).  Returns 0 or -errno.
 */
int mmt_results_event(struct mmt_results *res, const char *type,
		      json_object *ev);
/*
 * The same for an event that happened at happened_mono_us (CLOCK_MONOTONIC,
 * microseconds; 0: now): "time" and "t_us" then say when it happened (a
 * kernel record's printk time, a worker's exit), and "recorded_t_us" when
 * the harness wrote it.  Timelines, markers and tables read "t_us".
 * The clocks (docs/results.md): printk stamps /dev/kmsg records with
 * local_clock(), which runs with CLOCK_MONOTONIC (no suspend here); wall
 * time is the run's start in CLOCK_REALTIME plus t_us.
 */
int mmt_results_event_at(struct mmt_results *res, const char *type, json_object *ev,
			 uint64_t happened_mono_us);
/*
 * Put events.jsonl and kmsg.log on stable storage (fdatasync), for a
 * critical event (an OOM kill, a hung task, a lockup, a panic-bound line):
 * a freeze right after it must not lose it.  Nothing is synced again when
 * no line was written since the last sync that succeeded.  Returns 0 or
 * the first -errno.
 */
int mmt_results_sync(struct mmt_results *res);
/* Lines written to events.jsonl and kmsg.log so far, and how many of them
 * the last successful sync put on stable storage (either may be NULL). */
void mmt_results_sync_counts(struct mmt_results *res, uint64_t *ret_written,
			     uint64_t *ret_synced);
/*
 * Start the syncer thread: from now on every line written to events.jsonl
 * or kmsg.log is followed by an fdatasync() of both on that thread (lines
 * written meanwhile share the next one), so nothing written more than one
 * sync ago is lost when the machine dies.  mmt_results_close() stops it
 * after a last sync.  0 or -errno (the results work without it).
 */
int mmt_results_start_syncer(struct mmt_results *res);
/* Set the run's start for "t_us" (CLOCK_MONOTONIC us). */
void mmt_results_set_start(struct mmt_results *res, uint64_t start_mono_us,
			   uint64_t start_real_us);

/* samples.csv: the header once, then one row per sample.  Values print as
 * integers when integral, else with 3 decimals; NaN prints empty. */
int mmt_results_samples_header(struct mmt_results *res,
			       const char *const *cols, size_t nr_cols);
int mmt_results_sample(struct mmt_results *res, const double *vals,
		       size_t nr_vals);

/* kmsg.log: one line (a newline is added). */
int mmt_results_kmsg(struct mmt_results *res, const char *line);

/* Write run.json atomically (tmp + fsync + rename).  Not consumed. */
int mmt_results_write_run_json(struct mmt_results *res, json_object *run);

/* Write a file of the run directory atomically from a string. */
int mmt_results_write_file(struct mmt_results *res, const char *name,
			   const char *text);

/*
 * KTAP v1 and JUnit renderings of a finished run.json (pure: string in,
 * string out, malloc()ed).  The tests compare them with expected files.
 */
char *mmt_ktap_render(json_object *run);
char *mmt_junit_render(json_object *run);
/*
 * KTAP of several runs (a --repeat or multi-job invocation): one document
 * whose plan is the runs, each run the KTAP of mmt_ktap_render() as an
 * indented subtest named after its job ("<job>.<k>" for the k-th run, from
 * 1, of a job that ran more than once), with names sanitised to
 * [A-Za-z0-9._-].  The subtest's result: PASS ok, FAIL not ok, CONF
 * ok # SKIP, BROK not ok # ERROR.  malloc()ed; NULL when out of memory.
 */
char *mmt_ktap_render_runs(json_object *const *runs, size_t nr);
/*
 * JUnit of several runs (a --repeat or multi-job invocation) as one
 * <testsuites name="name"> with one <testsuite> per run, in the order
 * given; when a job occurs more than once, each run's testcases get the
 * classname "mmtorture.<job>.<run id>" so that they stay apart.  Valid
 * against Jenkins' junit-4.xsd and the xunit plugin's junit-10.xsd
 * (junit.c says where they differ).  malloc()ed; NULL when out of memory.
 */
char *mmt_junit_render_runs(json_object *const *runs, size_t nr, const char *name);

/*
 * The checks both renderings report, in this order, derived from
 * run["verdict"] (the object of mmt_verdict_to_json()), run["id"] and
 * run["job"]["name"].  Each finding belongs to one check (NOTE to none);
 * a check's status is the worst rule level among its findings with a
 * non-zero count: FAIL -> FAIL, BROK -> ERROR, CONF -> SKIP.  When the run's
 * verdict is CONF, checks with nothing to report are SKIP with the first
 * "missing" reason, since the job did not really run.  A run.json without a
 * verdict makes "harness ok" an ERROR.
 */
enum mmt_check_status { MMT_CHECK_OK, MMT_CHECK_FAIL, MMT_CHECK_ERROR, MMT_CHECK_SKIP };
#define MMT_NR_CHECKS 8
struct mmt_check {
	const char *name;               /* "no stall" */
	enum mmt_check_status status;
	const char *message;            /* why, for FAIL/ERROR/SKIP; into run or static */
	const char *type;               /* the deciding finding's name, or NULL */
};
/* Fill checks[MMT_NR_CHECKS] from run; strings point into run. */
void mmt_checks_eval(json_object *run, struct mmt_check *checks);
/* Index of the check a finding belongs to, or -1 (NOTE, unknown). */
int mmt_check_of_finding(int finding);

#endif

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The subcommands: run, check, list, cleanup.  (Just over 1000 lines: each
 * command is its options, its usage and its exit codes; the man page of
 * the job files is generated here from the same option tables as `list`.)
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "lib/cgroup.h"
#include "harness/commands.h"
#include "lib/sysfx/exec.h"
#include "lib/sysfx/dm.h"
#include "results/results.h"
#include "injectors/injectors.h"
#include "lib/kfeat.h"
#include "api/job.h"
#include "lib/journal.h"
#include "lib/undo.h"
#include "lib/lock.h"
#include "lib/log.h"
#include "harness/run.h"
#include "lib/set.h"
#include "lib/topo.h"
#include "lib/util.h"
#include "lib/verdict.h"
#include "workloads/workloads.h"
#include "harness/registry.h"

#define EXIT_USAGE MMT_EXIT_USAGE
#define EXIT_UNTESTABLE MMT_EXIT_UNTESTABLE
#define MAX_JOBS 64

/*
 * Which built-in jobs this binary reads (mmt_job_dir()): MMT_JOBDIR when
 * set; the source tree's jobs/ when this is the binary of the build tree;
 * else, installed, $(pkgdatadir)/jobs, even while the build tree it came
 * from still exists.
 */
static void choose_job_dir(void)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (getenv("MMT_JOBDIR"))
		return;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return;
	exe[n] = '\0';
	if (strcmp(exe, MMT_BUILDDIR "/mmtorture"))
		setenv("MMT_JOBDIR", MMT_JOBDIR, 0);
}

/* ---- run ------------------------------------------------------------------- */

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: mmtorture run [JOB...] [-t DURATION] [--seed N] [--results DIR]\n"
		"                     [--repeat N | --until-fail [--max-runs N]] [--wait-lock DURATION]\n"
		"                     [--ktap | --no-ktap] [--cleanup-stale | --allow-stale]\n"
		"JOB is a job file or the name of a built-in job (see `mmtorture list`);\n"
		"without one, the built-in job \"default\" runs.\n"
		"At the end, the KTAP of all runs (one subtest per run when there are\n"
		"several) goes to stdout with --ktap, or when stdout is not a terminal\n"
		"(a console LAVA or KernelCI parses), unless --no-ktap.\n"
		"A run refuses to start (exit 129) while a journal of an earlier run of\n"
		"this boot is not fully replayed (a crashed run: see `mmtorture cleanup`);\n"
		"--cleanup-stale replays those journals first, --allow-stale starts anyway\n"
		"(changed settings are still restored right: the ledger keeps the pristine\n"
		"values).\n"
		"Exit: 0 PASS, 1 FAIL, 125 CONF/BROK (git bisect run: skip); errors that\n"
		"abort a git bisect run: 128 usage or job file, 129 run lock held or\n"
		"not takeable, results directory not writable, unreplayed journals.\n");
}

/*
 * Replay one journal (a file that is gone is done); drop it from the index
 * of live journals once nothing in it is left to undo.  Says what it did
 * in one line.  Returns the number of records that could not be undone,
 * or -errno when the journal cannot be read.
 */
static int replay_journal(const char *path)
{
	struct mmt_journal_summary sum;
	char alone[64] = "";
	int r;

	if (access(path, F_OK) < 0) {
		mmt_journal_index_drop(path);
		return 0;
	}
	r = mmt_journal_replay(path, mmt_undo_kinds, &sum);
	if (sum.left_alone)
		snprintf(alone, sizeof(alone), "; %d record%s not ours (any more): left alone",
			 sum.left_alone, sum.left_alone == 1 ? "" : "s");
	if (r < 0)
		log_err("%s: %s", path, strerror(-r));
	else if (r > 0)
		log_err("%s: %d undo step%s failed%s", path, r, r == 1 ? "" : "s", alone);
	else
		log_info("%s: clean%s", path, alone);
	if (r == 0 && mmt_journal_pending(path) == 0)
		mmt_journal_index_drop(path);
	return r;
}

/*
 * The journals of this boot's earlier runs that still hold something to
 * undo (a crashed run).  With replay, replay them now.  Returns how many
 * are (still) not fully replayed, each named on stderr.
 */
static int check_stale(bool replay)
{
	char **paths = NULL;
	size_t nr = 0;
	int stale = 0, r;

	r = mmt_journal_index_list(&paths, &nr);
	if (r < 0)
		log_warn("index of journals %s: %s", mmt_journal_index_dir(), strerror(-r));
	for (size_t i = 0; i < nr; i++) {
		r = mmt_journal_pending(paths[i]);
		if (r == -ENOENT)
			mmt_journal_index_drop(paths[i]);
		if (r > 0 && replay)
			r = replay_journal(paths[i]) == 0 ? mmt_journal_pending(paths[i]) : 1;
		if (r > 0) {
			log_err("the journal %s of an earlier run of this boot is not replayed",
				paths[i]);
			stale++;
		}
		free(paths[i]);
	}
	free(paths);
	if (stale)
		log_err("not starting over %d unreplayed journal%s: run `mmtorture cleanup` "
			"(or `run --cleanup-stale`; `--allow-stale` starts anyway)",
			stale, stale == 1 ? "" : "s");
	return stale;
}

/* Wilson score interval for k failures in n runs. */
static void wilson(unsigned k, unsigned n, double z, double *lo, double *hi)
{
	double p, d, c, m;

	if (n == 0) {
		*lo = 0;
		*hi = 1;
		return;
	}
	p = (double)k / n;
	d = 1 + z * z / n;
	c = (p + z * z / (2.0 * n)) / d;
	m = z * sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / d;
	*lo = c - m < 0 ? 0 : c - m;
	*hi = c + m > 1 ? 1 : c + m;
}

static int worst_exit(int a, int b)
{
	/* FAIL (1) beats untestable (125), which beats PASS (0). */
	if (a == 1 || b == 1)
		return 1;
	if (a == EXIT_UNTESTABLE || b == EXIT_UNTESTABLE)
		return EXIT_UNTESTABLE;
	return 0;
}

static void report_repeat(const char *job, unsigned runs, unsigned fails,
			  unsigned untestable, const char *results_base)
{
	double lo, hi;
	char path[PATH_MAX], ts[32];
	json_object *j;

	wilson(fails, runs - untestable, 1.959964, &lo, &hi);
	printf("%s: %u run%s, %u FAIL, %u untestable: failure rate %.1f%% "
	       "(95%% CI %.1f%%..%.1f%%)\n",
	       job, runs, runs == 1 ? "" : "s", fails, untestable,
	       runs > untestable ? 100.0 * fails / (runs - untestable) : 0.0,
	       100 * lo, 100 * hi);
	mmt_format_utc(mmt_realtime_us(), true, ts, sizeof(ts));
	snprintf(path, sizeof(path), "%s/repeat-%s-%s.json", results_base, ts, job);
	j = json_object_new_object();
	json_object_object_add(j, "job", json_object_new_string(job));
	json_object_object_add(j, "runs", json_object_new_int((int)runs));
	json_object_object_add(j, "fail", json_object_new_int((int)fails));
	json_object_object_add(j, "untestable", json_object_new_int((int)untestable));
	json_object_object_add(j, "failure_rate",
			       json_object_new_double(runs > untestable ?
						      (double)fails / (runs - untestable) : 0));
	json_object_object_add(j, "ci95_low", json_object_new_double(lo));
	json_object_object_add(j, "ci95_high", json_object_new_double(hi));
	if (json_object_to_file_ext(path, j, JSON_C_TO_STRING_PRETTY) < 0)
		log_warn("cannot write %s", path);
	json_object_put(j);
}

/* The run directories of one invocation, in the order they ran. */
struct run_list {
	char **dirs;
	size_t nr, cap;
};

static void run_list_add(struct run_list *l, const char *dir)
{
	if (l->nr == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		char **d = realloc(l->dirs, cap * sizeof(*d));

		if (!d) {
			log_warn("out of memory: %s left out of the combined results", dir);
			return;
		}
		l->dirs = d;
		l->cap = cap;
	}
	l->dirs[l->nr] = strdup(dir);
	if (l->dirs[l->nr])
		l->nr++;
	else
		log_warn("out of memory: %s left out of the combined results", dir);
}

static void run_list_free(struct run_list *l)
{
	for (size_t i = 0; i < l->nr; i++)
		free(l->dirs[i]);
	free(l->dirs);
}

/* The run.json of each run of l (those that load), in order; *nr their count. */
static json_object **load_runs(const struct run_list *l, size_t *nr)
{
	json_object **runs = calloc(l->nr ? l->nr : 1, sizeof(*runs));
	char path[PATH_MAX];

	*nr = 0;
	if (!runs)
		return NULL;
	for (size_t i = 0; i < l->nr; i++) {
		snprintf(path, sizeof(path), "%s/run.json", l->dirs[i]);
		runs[*nr] = json_object_from_file(path);
		if (runs[*nr])
			(*nr)++;
		else
			log_warn("%s: missing or not JSON, left out of the combined results", path);
	}
	return runs;
}

/*
 * A --repeat or multi-job invocation: one JUnit and one KTAP file for all
 * its runs, written beside them as <base>/combined-<UTC time>-<first
 * job>.junit.xml and .ktap (base: the first job's results directory).
 * Each run keeps its own files.
 */
static void write_combined(json_object *const *runs, size_t nr, const char *base,
			   const char *job)
{
	char path[PATH_MAX], ts[32], name[PATH_MAX];
	char *text[2];
	static const char *const ext[2] = { "junit.xml", "ktap" };

	mmt_format_utc(mmt_realtime_us(), true, ts, sizeof(ts));
	snprintf(name, sizeof(name), "combined-%s-%s", ts, job);
	text[0] = mmt_junit_render_runs(runs, nr, name);
	text[1] = mmt_ktap_render_runs(runs, nr);
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s.%s", base, name, ext[i]);
		if (!text[i] || mmt_cmd_write_text(path, text[i]) < 0)
			log_warn("cannot write %s", path);
		else
			log_info("%s of %zu runs: %s", i ? "KTAP" : "JUnit", nr, path);
		free(text[i]);
	}
}

/*
 * The KTAP of the invocation on stdout, after everything else, for the
 * consoles that LAVA and KernelCI parse: one run's result.ktap as it is,
 * several runs as one document with a subtest per run.
 */
static void print_ktap(json_object *const *runs, size_t nr)
{
	char *ktap = nr == 1 ? mmt_ktap_render(runs[0]) : mmt_ktap_render_runs(runs, nr);

	if (!ktap) {
		log_warn("cannot render the KTAP summary");
		return;
	}
	fputs(ktap, stdout);
	fflush(stdout);
	free(ktap);
}

/*
 * The progress display, on stderr: on a terminal one line redrawn at every
 * sample tick; otherwise a plain line every tenth of the run (at least 10 s
 * apart), so that a log stays short.  Rates are over the last tick.
 */
struct progress {
	bool tty;
	const char *job;
	uint64_t prev_us, prev_pages, prev_rebinds, next_plain_us;
};

static void show_progress(const struct mmt_run_progress *p, void *data)
{
	struct progress *st = data;
	double dt = (double)(p->elapsed_us - st->prev_us) / 1e6;
	char line[256];

	if (p->elapsed_us <= st->prev_us) {
		st->prev_pages = p->pages;
		st->prev_rebinds = p->rebinds;
		return;
	}
	snprintf(line, sizeof(line),
		 "%s %.0f/%.0f s  %s so far  %.0f faults/s  %.0f rebinds/s  %" PRIu64 " OOM kill%s",
		 st->job, (double)p->elapsed_us / 1e6, (double)p->duration_us / 1e6,
		 mmt_verdict_name(p->verdict),
		 p->pages >= st->prev_pages ? (double)(p->pages - st->prev_pages) / dt : 0.0,
		 p->rebinds >= st->prev_rebinds ? (double)(p->rebinds - st->prev_rebinds) / dt : 0.0,
		 p->oom_kills, p->oom_kills == 1 ? "" : "s");
	st->prev_us = p->elapsed_us;
	st->prev_pages = p->pages;
	st->prev_rebinds = p->rebinds;
	if (st->tty) {
		/* erase the line, draw, back to column 0: a log line that
		 * comes next starts there */
		fprintf(stderr, "\033[K%s\r", line);
	} else if (p->elapsed_us >= st->next_plain_us) {
		uint64_t step = p->duration_us / 10;

		fprintf(stderr, "mmtorture: %s\n", line);
		st->next_plain_us = p->elapsed_us + (step > 10 * MMT_USEC_PER_SEC ? step :
						     10 * MMT_USEC_PER_SEC);
	}
	fflush(stderr);
}

int mmt_cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "duration", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 's' },
		{ "results", required_argument, NULL, 'r' },
		{ "repeat", required_argument, NULL, 'n' },
		{ "until-fail", no_argument, NULL, 'u' },
		{ "max-runs", required_argument, NULL, 'm' },
		{ "wait-lock", required_argument, NULL, 'w' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "ktap", no_argument, NULL, 'K' },
		{ "no-ktap", no_argument, NULL, 'N' },
		{ "cleanup-stale", no_argument, NULL, 'C' },
		{ "allow-stale", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum { KTAP_AUTO, KTAP_YES, KTAP_NO } ktap = KTAP_AUTO;
	enum { STALE_REFUSE, STALE_CLEANUP, STALE_ALLOW } stale = STALE_REFUSE;
	struct mmt_run_args args = { 0 };
	struct run_list done = { 0 };
	struct progress prog;
	unsigned nr_runs = 0;
	struct mmt_job *jobs = NULL;
	struct mmt_topo topo;
	const char *job_args[MAX_JOBS];
	unsigned nr_jobs = 0;
	uint64_t max_runs = 1000, repeat = 1, wait_lock_us = 0;
	bool until_fail = false;
	char err[1024], holder[256];
	int c, lockfd, exit_code = 0;

	optind = 1;
	choose_job_dir();
	/* A queue of lab jobs may wait for the machine instead of failing. */
	if (getenv("MMT_WAIT_LOCK") && *getenv("MMT_WAIT_LOCK") &&
	    mmt_parse_duration_us(getenv("MMT_WAIT_LOCK"), &wait_lock_us) < 0) {
		log_err("MMT_WAIT_LOCK=%s: not a duration", getenv("MMT_WAIT_LOCK"));
		return EXIT_USAGE;
	}
	while ((c = getopt_long(argc, argv, "t:s:r:n:um:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (mmt_parse_duration_us(optarg, &args.duration_us) < 0 ||
			    args.duration_us < MMT_USEC_PER_SEC ||
			    args.duration_us > MMT_JOB_DURATION_MAX_US) {
				log_err("-t %s: not a duration from 1s to 168h (e.g. 30s, 2m)",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 's':
			if (mmt_parse_u64(optarg, &args.seed) < 0) {
				log_err("--seed %s: not an unsigned number", optarg);
				return EXIT_USAGE;
			}
			args.have_seed = true;
			break;
		case 'r':
			args.results_dir = optarg;
			break;
		case 'n':
			if (mmt_parse_u64(optarg, &repeat) < 0 || repeat < 1 || repeat > 1000000) {
				log_err("--repeat %s: not a count from 1 to 1000000", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'u':
			until_fail = true;
			break;
		case 'm':
			if (mmt_parse_u64(optarg, &max_runs) < 0 || max_runs < 1) {
				log_err("--max-runs %s: not a positive count", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'w':
			if (mmt_parse_duration_us(optarg, &wait_lock_us) < 0) {
				log_err("--wait-lock %s: not a duration (e.g. 10m)", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'v':
			mmt_log_set_level(MMT_LOG_DEBUG);
			break;
		case 'K':
			ktap = KTAP_YES;
			break;
		case 'N':
			ktap = KTAP_NO;
			break;
		case 'C':
		case 'A':
			if (stale != STALE_REFUSE && stale != (c == 'C' ? STALE_CLEANUP : STALE_ALLOW)) {
				log_err("--cleanup-stale and --allow-stale exclude each other");
				return EXIT_USAGE;
			}
			stale = c == 'C' ? STALE_CLEANUP : STALE_ALLOW;
			break;
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			run_usage(stderr);
			return EXIT_USAGE;
		}
	}
	for (int i = optind; i < argc; i++) {
		if (nr_jobs == MAX_JOBS) {
			log_err("at most %d jobs in one run", MAX_JOBS);
			return EXIT_USAGE;
		}
		job_args[nr_jobs++] = argv[i];
	}
	if (nr_jobs == 0)
		job_args[nr_jobs++] = "default";
	if (until_fail && repeat > 1) {
		log_err("--repeat and --until-fail exclude each other (use --max-runs to cap --until-fail)");
		return EXIT_USAGE;
	}

	/* Everything that can be wrong with the input is found before
	 * anything is created. */
	jobs = calloc(nr_jobs, sizeof(*jobs));
	if (!jobs)
		return EXIT_UNTESTABLE;
	for (unsigned i = 0; i < nr_jobs; i++) {
		char path[PATH_MAX];

		int r = mmt_job_find(job_args[i], path, sizeof(path));

		if (r == -EISDIR) {
			log_err("job %s: is a directory, not a job file", job_args[i]);
			exit_code = EXIT_USAGE;
			goto out_jobs;
		}
		if (r < 0) {
			log_err("job %s: no such file, and no built-in job of that name in %s",
				job_args[i], mmt_job_dir());
			exit_code = EXIT_USAGE;
			goto out_jobs;
		}
		if (mmt_job_parse_file(path, &mmt_registry, &jobs[i], err, sizeof(err)) < 0) {
			mmt_log_raw("%s", err);
			exit_code = EXIT_USAGE;
			goto out_jobs;
		}
	}
	if (mmt_topo_load(&topo) < 0) {
		exit_code = EXIT_UNTESTABLE;
		goto out_jobs;
	}
	for (unsigned i = 0; i < nr_jobs; i++) {
		if (mmt_job_validate(&jobs[i], &topo, err, sizeof(err)) < 0) {
			mmt_log_raw("%s", err);
			exit_code = EXIT_USAGE;
			goto out_topo;
		}
	}
	lockfd = mmt_lock_wait(NULL, jobs[0].name, wait_lock_us, holder, sizeof(holder));
	if (lockfd == -EBUSY) {
		log_err("another mmtorture run holds %s: %s", mmt_lock_path(), holder);
		exit_code = MMT_EXIT_MACHINE;
		goto out_topo;
	}
	if (lockfd < 0) {
		log_err("lock %s: %s", mmt_lock_path(), strerror(-lockfd));
		exit_code = MMT_EXIT_MACHINE;
		if (geteuid() != 0)
			log_err("mmtorture run needs root");
		goto out_topo;
	}
	/* Under the lock, so that no cleanup or run changes the index now. */
	if (stale != STALE_ALLOW && check_stale(stale == STALE_CLEANUP) > 0) {
		exit_code = MMT_EXIT_MACHINE;
		goto out_unlock;
	}

	for (unsigned i = 0; i < nr_jobs; i++) {
		unsigned runs = 0, fails = 0, untestable = 0;
		uint64_t limit = until_fail ? max_runs : repeat;
		const char *base = args.results_dir ? args.results_dir : jobs[i].g.results;

		for (uint64_t k = 0; k < limit; k++) {
			char dir[PATH_MAX] = "";
			enum mmt_verdict_kind r;
			enum mmt_run_outcome outcome;

			if (limit > 1)
				log_info("job %s: run %" PRIu64 " of %s%" PRIu64, jobs[i].name, k + 1,
					 until_fail ? "at most " : "", limit);
			if (k > 0 && args.have_seed)
				args.seed++;  /* each repetition its own, recorded, seed */
			prog = (struct progress){ .tty = isatty(STDERR_FILENO), .job = jobs[i].name };
			args.progress = show_progress;
			args.progress_data = &prog;
			outcome = mmt_run_job(&jobs[i], &topo, &args, &r, dir, sizeof(dir));
			if (prog.tty)
				fputs("\033[K", stderr);  /* the progress line goes */
			if (outcome == MMT_RUN_NO_RESULTS) {
				exit_code = MMT_EXIT_MACHINE;
				goto out_unlock;
			}
			runs++;
			nr_runs++;
			if (dir[0])
				run_list_add(&done, dir);
			if (outcome != MMT_RUN_DONE) {
				untestable++;
				exit_code = worst_exit(exit_code, EXIT_UNTESTABLE);
			} else {
				int e = mmt_verdict_exit_code(r);

				printf("%s %s %s\n", mmt_verdict_name(r), jobs[i].name, dir);
				fflush(stdout);
				if (r == MMT_FAIL)
					fails++;
				else if (e == EXIT_UNTESTABLE)
					untestable++;
				exit_code = worst_exit(exit_code, e);
				/* CONF will not change by repeating it. */
				if (r == MMT_CONF)
					break;
			}
			if (until_fail && fails)
				break;
		}
		if (runs > 1 || until_fail)
			report_repeat(jobs[i].name, runs, fails, untestable, base);
	}
	if (nr_runs > 1 || ktap == KTAP_YES || (ktap == KTAP_AUTO && !isatty(STDOUT_FILENO))) {
		size_t nr;
		json_object **runs = load_runs(&done, &nr);

		if (runs && nr > 1)
			write_combined(runs, nr, args.results_dir ? args.results_dir :
				       jobs[0].g.results, jobs[0].name);
		if (runs && nr && (ktap == KTAP_YES ||
				   (ktap == KTAP_AUTO && !isatty(STDOUT_FILENO))))
			print_ktap(runs, nr);
		for (size_t k = 0; runs && k < nr; k++)
			json_object_put(runs[k]);
		free(runs);
	}
out_unlock:
	mmt_lock_release(lockfd);
out_topo:
	mmt_topo_free(&topo);
out_jobs:
	for (unsigned i = 0; i < nr_jobs; i++)
		mmt_job_free(&jobs[i]);
	free(jobs);
	run_list_free(&done);
	return exit_code;
}

/* ---- check ------------------------------------------------------------------ */

static void check_line(const char *what, bool ok, const char *detail)
{
	printf("  %-14s %-4s %s\n", what, ok ? "yes" : "no", detail);
}

static bool kmsg_readable(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/*
 * device-mapper and the targets the jobs use, as the driver answers; `check`
 * loads no module, so a target that is not loaded says whether modprobe
 * could load it (modprobe -n, a dry run).
 */
static void check_dm(void)
{
	static const char *const targets[] = { "delay", "flakey", "crypt" };
	struct mmt_dm_status dm;
	char detail[1200];

	mmt_dm_get_status(&dm);
	if (dm.driver)
		snprintf(detail, sizeof(detail), "driver %s (/proc/misc, DM_VERSION); "
			 "targets: %s", dm.version, dm.targets[0] ? dm.targets : "none");
	else
		snprintf(detail, sizeof(detail), "/proc/misc has no device-mapper%s",
			 dm.stale_node ? "; stale /dev/mapper/control, no driver" : "");
	check_line("device-mapper", dm.driver, detail);
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		char what[32], ver[48], mod[32];
		const char *dry[] = { "modprobe", "-n", "-q", mod, NULL };
		bool loaded;

		snprintf(what, sizeof(what), "dm-%s", targets[i]);
		snprintf(mod, sizeof(mod), "dm-%s", targets[i]);
		loaded = dm.driver && mmt_dm_has_target(targets[i], ver, sizeof(ver));
		if (loaded)
			snprintf(detail, sizeof(detail), "target %s v%s loaded", targets[i], ver);
		else if (mmt_exec_run(dry, NULL, 0) == 0)
			snprintf(detail, sizeof(detail), "not loaded; modprobe %s can load it%s",
				 mod, dm.driver ? "" : " (needs device-mapper too)");
		else
			snprintf(detail, sizeof(detail), "not loaded, and modprobe finds no %s",
				 mod);
		check_line(what, loaded, detail);
	}
}

/*
 * The arguments of a command that takes none but --help: 1 when --help was
 * asked (usage printed to stdout), 0 when there are none, -EINVAL after
 * saying which one is wrong.
 */
static int no_args(int argc, char **argv, const char *usage)
{
	if (argc < 2)
		return 0;
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(usage, stdout);
		return 1;
	}
	fprintf(stderr, "mmtorture %s: unexpected argument '%s'\n%s", argv[0], argv[1], usage);
	return -EINVAL;
}

int mmt_cmd_check(int argc, char **argv)
{
	struct mmt_topo topo;
	struct mmt_cg_sys sys;
	struct utsname un;
	char buf[4096], detail[512];
	int nswaps = -1, r;

	r = no_args(argc, argv,
		    "usage: mmtorture check\n"
		    "Shows what this machine offers the jobs: kernel, NUMA topology, cgroup\n"
		    "mode per controller, PSI, swap, zram, loop, device-mapper targets, NFS,\n"
		    "THP.  Changes nothing, loads no module.\n");
	if (r)
		return r > 0 ? 0 : MMT_EXIT_USAGE;
	uname(&un);
	printf("kernel: %s %s\n", un.release, un.machine);
	if (mmt_topo_load(&topo) == 0) {
		mmt_topo_summary(&topo, buf, sizeof(buf));
		printf("topology: %s\n", buf);
		printf("numa nodes: %u\n", topo.nr_nodes);
		for (unsigned i = 0; i < topo.nr_nodes; i++) {
			char cpus[128];

			mmt_set_format(topo.nodes[i].cpuset, cpus, sizeof(cpus));
			printf("  node %u: %" PRIu64 " MiB, cpus %s\n", topo.nodes[i].id,
			       topo.nodes[i].mem_bytes >> 20, cpus[0] ? cpus : "(none)");
		}
		printf("mems race: %s\n", hwloc_bitmap_weight(topo.mem_nodes) >= 2 ?
		       "possible (>= 2 memory nodes)" :
		       "not possible (one memory node: the rebinder alternates cpuset.cpus)");
		mmt_topo_free(&topo);
	} else {
		printf("topology: unavailable\n");
	}
	mmt_cg_probe(&sys);
	printf("cgroups:\n");
	for (int k = 0; k < MMT_CG_NR_CTRLS; k++)
		printf("  %-8s %s %s\n", mmt_cg_ctrl_name(k), mmt_cg_mode_name(sys.mode[k]),
		       sys.mode[k] ? sys.mount[k] : "");
	printf("features:\n");
	check_line("root", geteuid() == 0, geteuid() == 0 ? "" : "(run needs root)");
	check_line("/dev/kmsg", kmsg_readable(), "");
	check_line("psi", mmt_kfeat_psi(), mmt_kfeat_psi() ? "/proc/pressure/memory parses" :
		   "no /proc/pressure/memory (CONFIG_PSI off, or booted psi=0)");
	if (mmt_read_file("/proc/swaps", buf, sizeof(buf)) >= 0) {
		nswaps = -1;
		for (char *p = buf; *p; p++)
			if (*p == '\n')
				nswaps++;
		snprintf(detail, sizeof(detail), "%d active area%s", nswaps,
			 nswaps == 1 ? "" : "s");
		check_line("swap", true, detail);
	} else {
		check_line("swap", false, "no /proc/swaps (CONFIG_SWAP off)");
	}
	check_line("zram", mmt_kfeat_zram(), mmt_kfeat_zram() ?
		   "class zram-control registered" : "zram module not loaded or not built");
	check_line("loop", mmt_kfeat_loop(), mmt_kfeat_loop() ? "/proc/misc loop-control" :
		   "/proc/misc has no loop-control (module not loaded or not built)");
	check_dm();
	check_line("nfs client", mmt_kfeat_fs("nfs"), mmt_kfeat_fs("nfs") ?
		   "/proc/filesystems nfs" : "/proc/filesystems has no nfs (module not loaded or not built)");
	check_line("nfsd", mmt_kfeat_fs("nfsd"), mmt_kfeat_fs("nfsd") ?
		   "/proc/filesystems nfsd" : "/proc/filesystems has no nfsd (module not loaded or not built)");
	if (mmt_read_file("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof(buf)) >= 0)
		check_line("thp", true, mmt_strstrip(buf));
	else
		check_line("thp", false, "");
	return 0;
}

/* ---- list ------------------------------------------------------------------- */

/* s as roff text: backslashes escaped, a leading '.' or '\'' made literal. */
static void roff(FILE *f, const char *s)
{
	if (s && (*s == '.' || *s == '\''))
		fputs("\\&", f);
	for (; s && *s; s++) {
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
	}
}

static void man_table(FILE *f, const struct mmt_opt *table)
{
	char desc[MMT_OPT_STRLEN];

	if (!table || !table->name) {
		fputs("(no options)\n", f);
		return;
	}
	for (const struct mmt_opt *o = table; o->name; o++) {
		mmt_opt_describe(o, desc, sizeof(desc));
		fputs(".TP\n.B ", f);
		roff(f, o->name);
		fputs("\n", f);
		roff(f, o->help ? o->help : "");
		fputs("\n.br\n", f);
		roff(f, desc);
		fputs("; default: ", f);
		roff(f, o->def && o->def[0] ? o->def : "(none)");
		fputs("\n", f);
	}
}

/* One workload or injector: a subsection with its summary and keys. */
static void man_plugin(FILE *f, const char *name, const char *summary,
		       const struct mmt_opt *opts)
{
	fputs(".SS ", f);
	roff(f, name);
	fputs("\n", f);
	roff(f, summary ? summary : "");
	fputs("\n", f);
	man_table(f, opts);
}

/*
 * mmtorture-jobs(5), generated from the option tables the parser uses, so
 * that the manual never drifts from the code (make builds the page with
 * this).
 */
static void print_jobs_man(FILE *f)
{
	static struct mmt_opt cell_opts[MMT_JOB_CELL_OPTS_MAX];

	fputs(".\\\" Generated by `mmtorture list --man` from the option tables: do not edit.\n"
	      ".TH MMTORTURE\\-JOBS 5 \"2026\" \"" PACKAGE_NAME " " PACKAGE_VERSION "\" \"File Formats\"\n"
	      ".SH NAME\nmmtorture\\-jobs \\- mmtorture job files\n"
	      ".SH DESCRIPTION\n"
	      "A job is an INI file: a \\fB[global]\\fR section, one \\fB[cell:\\fINAME\\fB]\\fR "
	      "section per cell (a cpuset and memory cgroup with one worker process), and one "
	      "\\fB[\\fITYPE\\fB]\\fR or \\fB[\\fITYPE\\fB:\\fIINSTANCE\\fB]\\fR section per "
	      "injector.  ';' starts a comment.  Sizes take K, M, G; durations ms, s, m, h.  "
	      "A bad section, key or value is one line on stderr naming the file, line and key "
	      "with the allowed range, and exit status 128.\n", f);
	fputs(".SH [global]\n", f);
	man_table(f, mmt_global_opt_table);
	fputs(".SH [cell:NAME]\nKeys of every cell, whatever its workload:\n", f);
	if (mmt_job_cell_opts(&mmt_registry, cell_opts, MMT_JOB_CELL_OPTS_MAX) == 0)
		man_table(f, cell_opts);
	fputs(".SH WORKLOADS\nA cell's \\fBworkload=\\fR key names one; its keys go in the cell's section.\n", f);
	for (unsigned i = 0; i < mmt_nr_workloads; i++)
		man_plugin(f, mmt_workloads[i]->name, mmt_workloads[i]->summary,
			   mmt_workloads[i]->opts);
	fputs(".SH INJECTORS\nKeys of every injector:\n", f);
	man_table(f, mmt_injector_common_opt_table);
	for (unsigned i = 0; i < mmt_nr_injectors; i++)
		man_plugin(f, mmt_injectors[i]->name, mmt_injectors[i]->summary,
			   mmt_injectors[i]->opts);
	fputs(".SH SEE ALSO\n.BR mmtorture (1)\n", f);
}

int mmt_cmd_list(int argc, char **argv)
{
	static const char usage[] =
		"usage: mmtorture list [--man]\n"
		"Lists the built-in jobs, then every job-file key of [global], the cells,\n"
		"each workload and each injector, with type, range, default and help.\n"
		"  --man  print the job-file reference as the manual page mmtorture-jobs(5)\n";
	static struct mmt_opt cell_opts[MMT_JOB_CELL_OPTS_MAX];
	const char *dir;
	struct dirent **names = NULL;
	int n;

	if (argc == 2 && !strcmp(argv[1], "--man")) {
		print_jobs_man(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	n = no_args(argc, argv, usage);
	if (n)
		return n > 0 ? 0 : MMT_EXIT_USAGE;
	choose_job_dir();
	dir = mmt_job_dir();
	printf("Jobs (%s):\n", dir);
	n = scandir(dir, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		size_t len = strlen(names[i]->d_name);

		if (len > 4 && !strcmp(names[i]->d_name + len - 4, ".ini")) {
			char path[PATH_MAX], err[512];
			struct mmt_job *job = calloc(1, sizeof(*job));

			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			if (job && mmt_job_parse_file(path, &mmt_registry, job, err, sizeof(err)) == 0)
				printf("  %-20s %s\n", job->name, job->g.description);
			else
				printf("  %-20s (does not parse: %s)\n", names[i]->d_name, err);
			if (job)
				mmt_job_free(job);
			free(job);
		}
		free(names[i]);
	}
	free(names);

	printf("\n[global] options:\n");
	mmt_opt_print_table(stdout, mmt_global_opt_table, "  ");
	printf("\n[cell:NAME] options (every workload):\n");
	if (mmt_job_cell_opts(&mmt_registry, cell_opts, MMT_JOB_CELL_OPTS_MAX) == 0)
		mmt_opt_print_table(stdout, cell_opts, "  ");
	printf("\nWorkloads (the cell's workload= key):\n");
	for (unsigned i = 0; i < mmt_nr_workloads; i++) {
		printf("\n  %s: %s\n", mmt_workloads[i]->name,
		       mmt_workloads[i]->summary ? mmt_workloads[i]->summary : "");
		mmt_opt_print_table(stdout, mmt_workloads[i]->opts, "    ");
	}
	printf("\nInjectors ([NAME] or [NAME:INSTANCE] sections); keys of every injector:\n");
	mmt_opt_print_table(stdout, mmt_injector_common_opt_table, "  ");
	for (unsigned i = 0; i < mmt_nr_injectors; i++) {
		printf("\n  %s: %s\n", mmt_injectors[i]->name,
		       mmt_injectors[i]->summary ? mmt_injectors[i]->summary : "");
		mmt_opt_print_table(stdout, mmt_injectors[i]->opts, "    ");
	}
	return 0;
}

/* ---- cleanup ---------------------------------------------------------------- */

static int replay_dir(const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/journal", dir);
	if (access(path, F_OK) < 0)
		return 0;
	return replay_journal(path);
}

/* Leftover "mmtorture-*" cgroups: ours by name, so safe to remove. */
static int sweep_cgroups(void)
{
	struct mmt_cg_sys sys;
	int bad = 0;

	mmt_cg_probe(&sys);
	for (int k = 0; k < MMT_CG_NR_CTRLS; k++) {
		struct dirent **names = NULL;
		int n;

		if (sys.mode[k] == MMT_CG_NONE)
			continue;
		n = scandir(sys.mount[k], &names, NULL, alphasort);
		for (int i = 0; i < n; i++) {
			if (mmt_startswith(names[i]->d_name, MMT_PREFIX "-") &&
			    names[i]->d_type == DT_DIR) {
				char path[PATH_MAX];

				snprintf(path, sizeof(path), "%s/%s", sys.mount[k], names[i]->d_name);
				if (mmt_cg_destroy_path(path) < 0) {
					log_err("cannot remove %s", path);
					bad++;
				} else {
					log_info("removed leftover cgroup %s", path);
				}
			}
			free(names[i]);
		}
		free(names);
	}
	return bad;
}

int mmt_cmd_cleanup(int argc, char **argv)
{
	char holder[256];
	const char *dirs[256];
	uint64_t wait_us = 0;
	int lockfd, bad = 0, nr_dirs = 0;

	static const char usage[] =
		"usage: mmtorture cleanup [--wait-lock DURATION] [RUNDIR...]\n"
		"Replays the journal of each RUNDIR (default: every journal of this boot\n"
		"in the index " MMT_JOURNAL_INDEX_DIR ", newest first, then every run\n"
		"under ./runs),\n"
		"then removes leftover mmtorture-* cgroups.  Refuses while a run is active\n"
		"(exit 129, naming its holder), or waits for it up to --wait-lock or\n"
		"MMT_WAIT_LOCK (e.g. 10m).\n";

	/* Like run, cleanup may wait for the machine: a queue of lab jobs, or
	 * a crash test's cleanup racing other runs, must not fail on it. */
	if (getenv("MMT_WAIT_LOCK") && *getenv("MMT_WAIT_LOCK") &&
	    mmt_parse_duration_us(getenv("MMT_WAIT_LOCK"), &wait_us) < 0) {
		log_err("MMT_WAIT_LOCK=%s: not a duration", getenv("MMT_WAIT_LOCK"));
		return MMT_EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--wait-lock")) {
			if (i + 1 >= argc || mmt_parse_duration_us(argv[i + 1], &wait_us) < 0) {
				fprintf(stderr, "mmtorture cleanup: --wait-lock needs a duration "
					"(e.g. 10m)\n%s", usage);
				return MMT_EXIT_USAGE;
			}
			i++;
			continue;
		}
		if (argv[i][0] == '-') {
			fprintf(stderr, "mmtorture cleanup: unknown option '%s'\n%s", argv[i], usage);
			return MMT_EXIT_USAGE;
		}
		if (nr_dirs == (int)(sizeof(dirs) / sizeof(dirs[0]))) {
			fprintf(stderr, "mmtorture cleanup: at most %zu run directories at once\n",
				sizeof(dirs) / sizeof(dirs[0]));
			return MMT_EXIT_USAGE;
		}
		dirs[nr_dirs++] = argv[i];
	}
	lockfd = mmt_lock_wait(NULL, "cleanup", wait_us, holder, sizeof(holder));
	if (lockfd == -EBUSY) {
		log_err("a run is active (%s holds %s): not cleaning up under it", holder,
			mmt_lock_path());
		return MMT_EXIT_MACHINE;
	}
	if (lockfd < 0) {
		log_err("lock %s: %s", mmt_lock_path(), strerror(-lockfd));
		return MMT_EXIT_MACHINE;
	}
	if (nr_dirs) {
		for (int i = 0; i < nr_dirs; i++) {
			struct stat st;

			if (stat(dirs[i], &st) < 0 || !S_ISDIR(st.st_mode)) {
				log_err("%s: not a run directory", dirs[i]);
				bad++;
				continue;
			}
			if (replay_dir(dirs[i]) != 0)
				bad++;
		}
	} else {
		struct dirent **names = NULL;
		char **paths = NULL;
		size_t nr = 0;
		int n, r;

		r = mmt_journal_index_list(&paths, &nr);
		if (r < 0) {
			log_err("index of journals %s: %s", mmt_journal_index_dir(), strerror(-r));
			bad++;
		}
		for (size_t i = nr; i-- > 0;) {
			if (replay_journal(paths[i]) != 0)
				bad++;
			free(paths[i]);
		}
		free(paths);
		n = scandir("runs", &names, NULL, alphasort);

		for (int i = n - 1; i >= 0; i--) {
			char dir[PATH_MAX];

			snprintf(dir, sizeof(dir), "runs/%s", names[i]->d_name);
			if (names[i]->d_name[0] != '.' && replay_dir(dir) != 0)
				bad++;
			free(names[i]);
		}
		free(names);
	}
	bad += sweep_cgroups();
	mmt_lock_release(lockfd);
	return bad ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for api/job.c and lib/opt.c.  The real plugins' option
 * tables are being written elsewhere, so the plugin behaviour is checked
 * with the fake plugins below, through mmt_job_parse_string().
 * (Over 1000 lines: one test per key rule and per bad-input error of the
 * one job parser, each with its file:line:key message; they share the fake
 * plugins and helpers at the top.)
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <glob.h>

#include "injectors/injectors.h"
#include "api/job.h"
#include "lib/opt.h"
#include "lib/set.h"
#include "lib/topo.h"
#include "lib/util.h"
#include "workloads/workloads.h"
#include "harness/registry.h"

/* --- fake plugins -------------------------------------------------------- */

struct fake_wl_opts {
	uint64_t size;
	int api;
	char seq[MMT_OPT_STRLEN];
	struct mmt_setopt extra;
};

static const char *const api_choices[] = { "mbind", "set_mempolicy", NULL };

static const struct mmt_opt fake_fault_opts[] = {
	{ .name = "size", .type = MMT_OPT_SIZE, .off = offsetof(struct fake_wl_opts, size),
	  .min = 4096, .max = 64LL << 30, .def = "64M", .help = "mapping size" },
	{ .name = "api", .type = MMT_OPT_ENUM, .off = offsetof(struct fake_wl_opts, api),
	  .def = "mbind", .choices = api_choices, .help = "policy call" },
	{ .name = "seq", .type = MMT_OPT_STRLIST, .off = offsetof(struct fake_wl_opts, seq),
	  .def = "0;0-1", .help = "a sequence" },
	{ .name = "extra", .type = MMT_OPT_NODES, .off = offsetof(struct fake_wl_opts, extra),
	  .def = "all", .help = "more nodes" },
	MMT_OPT_END
};

static unsigned fake_validate_calls;

static int fake_fault_validate(struct mmt_cell_cfg *cell, const struct mmt_topo *topo,
			       char *err, size_t err_len)
{
	const struct fake_wl_opts *o = cell->wl_opts;

	fake_validate_calls++;
	if (o->size == 12288) {
		snprintf(err, err_len, "%s:%u: [cell:%s] size: refused by fake", cell->src.file,
			 mmt_src_line(&cell->src, "size"), cell->name);
		return -EINVAL;
	}
	return 0;
}

static const struct mmt_workload_ops fake_fault = {
	.version = MMT_WORKLOAD_VERSION,
	.name = "fault",
	.opts = fake_fault_opts,
	.opts_size = sizeof(struct fake_wl_opts),
	.validate = fake_fault_validate,
};

struct fake_hog_opts {
	bool dirty;
};

static const struct mmt_opt fake_hog_opts[] = {
	{ .name = "dirty", .type = MMT_OPT_BOOL, .off = offsetof(struct fake_hog_opts, dirty),
	  .def = "false", .help = "dirty the pages" },
	MMT_OPT_END
};

static const struct mmt_workload_ops fake_hog = {
	.version = MMT_WORKLOAD_VERSION,
	.name = "hog",
	.opts = fake_hog_opts,
	.opts_size = sizeof(struct fake_hog_opts),
};

struct fake_inj_opts {
	uint64_t rate;
	uint64_t period_us;
	char cell[MMT_OPT_STRLEN];
};

static const struct mmt_opt fake_inj_opts[] = {
	{ .name = "rate", .type = MMT_OPT_U64, .off = offsetof(struct fake_inj_opts, rate),
	  .min = 1, .max = 1000, .def = "10", .help = "per second" },
	{ .name = "period", .type = MMT_OPT_DURATION,
	  .off = offsetof(struct fake_inj_opts, period_us), .min = 1000, .max = 60000000,
	  .def = "1s" },
	{ .name = "cell", .type = MMT_OPT_STR, .off = offsetof(struct fake_inj_opts, cell),
	  .def = "" },
	MMT_OPT_END
};

/* Sees the whole job: refuses a cell= that names no cell. */
static int fake_inj_validate(struct mmt_injector_cfg *cfg, const struct mmt_job *job,
			     char *err, size_t err_len)
{
	const struct fake_inj_opts *o = cfg->opts;

	if (!o->cell[0])
		return 0;
	for (unsigned i = 0; i < job->nr_cells; i++)
		if (!strcmp(job->cells[i].name, o->cell))
			return 0;
	snprintf(err, err_len, "%s:%u: [%s] cell: no cell named %s", cfg->src.file,
		 mmt_src_line(&cfg->src, "cell"), cfg->name, o->cell);
	return -EINVAL;
}

static const struct mmt_injector_ops fake_inj = {
	.version = MMT_INJECTOR_VERSION,
	.name = "fakeinj",
	.opts = fake_inj_opts,
	.opts_size = sizeof(struct fake_inj_opts),
	.validate = fake_inj_validate,
};

static const struct mmt_injector_ops fake_swap = {
	.version = MMT_INJECTOR_VERSION,
	.name = "swap",
	.opts = NULL,
	.opts_size = 0,
};

static const struct mmt_workload_ops *const fake_wls[] = { &fake_fault, &fake_hog };
static const char *const fake_wl_names[] = { "fault", "hog", NULL };
static const struct mmt_injector_ops *const fake_injs[] = { &fake_inj, &fake_swap };

static const struct mmt_job_plugins fake_plugins = {
	.workloads = fake_wls,
	.nr_workloads = 2,
	.workload_names = fake_wl_names,
	.injectors = fake_injs,
	.nr_injectors = 2,
};

/* --- helpers -------------------------------------------------------------- */

static char err[1024];

static int parse(struct mmt_job *job, const char *text)
{
	memset(err, 0, sizeof(err));
	return mmt_job_parse_string("t.ini", text, &fake_plugins, job, err, sizeof(err));
}

static int setup_job(void **state)
{
	*state = calloc(1, sizeof(struct mmt_job));
	return *state ? 0 : -1;
}

static int teardown_job(void **state)
{
	mmt_job_free(*state);
	free(*state);
	return 0;
}

/* The text must be refused with -EINVAL and an error containing want. */
static void expect_error(struct mmt_job *job, const char *text, const char *want)
{
	int r = parse(job, text);

	if (r != -EINVAL)
		fail_msg("accepted (r=%d) a job that should fail with '%s':\n%s", r, want, text);
	if (!strstr(err, want))
		fail_msg("error '%s' lacks '%s'", err, want);
	/* One line, no newline. */
	assert_null(strchr(err, '\n'));
	/* Freed already; a second free is harmless. */
	assert_int_equal(job->nr_cells, 0);
	assert_null(job->text);
	mmt_job_free(job);
}

static void expect_ok(struct mmt_job *job, const char *text)
{
	int r = parse(job, text);

	if (r != 0)
		fail_msg("refused (r=%d): %s\n%s", r, err, text);
}

/* --- defaults, units, inheritance ----------------------------------------- */

static void test_defaults(void **state)
{
	struct mmt_job *job = *state;
	const struct mmt_cell_cfg *c;
	const struct fake_wl_opts *w;
	char buf[64];

	expect_ok(job, "[cell:a]\n");
	assert_string_equal(job->name, "t");
	assert_string_equal(job->path, "t.ini");
	assert_string_equal(job->text, "[cell:a]\n");
	assert_int_equal(job->g.duration_us, 60000000);
	assert_int_equal(job->g.seed, 0);
	assert_int_equal(job->g.sample_interval_us, 1000000);
	assert_int_equal(job->g.stall_threshold_us, 30000000);
	assert_int_equal(job->g.stop_timeout_us, 10000000);
	assert_int_equal(job->g.victim_exit_us, 30000000);
	assert_string_equal(job->g.results, "runs");
	assert_int_equal(job->g.expect_oom, MMT_EXPECT_OOM_NONE);
	assert_int_equal(job->g.foreign_oom, MMT_FOREIGN_OOM_WARN);
	assert_int_equal(job->g.oom_score_adj, 1000);
	assert_string_equal(job->g.description, "");
	assert_int_equal(job->g.mem_budget, 0);

	assert_int_equal(job->nr_cells, 1);
	assert_int_equal(job->nr_injectors, 0);
	c = &job->cells[0];
	assert_string_equal(c->name, "a");
	assert_int_equal(c->src.line, 1);
	assert_string_equal(c->src.file, "t.ini");
	assert_ptr_equal(c->wl, &fake_fault);
	assert_int_equal(c->o.workload, 0);
	assert_int_equal(c->o.threads, 2);
	assert_true(c->o.cpus.all);
	assert_true(c->o.mems.all);
	assert_non_null(c->o.cpus.set);
	assert_int_equal(c->o.memory_max, 0);
	assert_int_equal(c->o.swap_max, 0);
	assert_int_equal(c->o.oom_score_adj, MMT_CELL_OOM_SCORE_ADJ_INHERIT);
	assert_int_equal(c->o.expect_oom, MMT_CELL_EXPECT_OOM_INHERIT);
	assert_true(c->o.respawn);
	/* The workload's defaults too. */
	w = c->wl_opts;
	assert_non_null(w);
	assert_int_equal(w->size, 64 << 20);
	assert_int_equal(w->api, 0);
	assert_string_equal(w->seq, "0;0-1");
	assert_true(w->extra.all);
	mmt_opt_format(mmt_opt_find(mmt_cell_opt_table, "expect_oom"), &c->o, buf,
		       sizeof(buf));
	assert_string_equal(buf, "inherit");
}

static void test_values_and_units(void **state)
{
	struct mmt_job *job = *state;
	const struct mmt_cell_cfg *c;
	const struct fake_wl_opts *w;

	expect_ok(job,
		  "; a comment\n"
		  "# another\n"
		  "[global]\n"
		  "duration = 2m\n"
		  "seed = 42\n"
		  "sample_interval = 250ms\n"
		  "stall_threshold = 1h\n"
		  "stop_timeout = 1500ms\n"
		  "victim_exit = 45\n"
		  "results = /tmp/r\n"
		  "expect_oom = memcg\n"
		  "foreign_oom = fail\n"
		  "oom_score_adj = -1000\n"
		  "description = two cells ; inline comment\n"
		  "mem_budget = 1.5G\n"
		  "\n"
		  "[cell:a-1_B]\n"
		  "threads = 64\n"
		  "cpus = 0-1,3\n"
		  "mems = 0\n"
		  "memory_max = 64M\n"
		  "swap_max = 512K\n"
		  "respawn = no\n"
		  "size = 1G\n"
		  "api = set_mempolicy\n"
		  "seq = 0-1;0;1\n"
		  "  extra = 1\n");
	assert_int_equal(job->g.duration_us, 120000000);
	assert_int_equal(job->g.seed, 42);
	assert_int_equal(job->g.sample_interval_us, 250000);
	assert_int_equal(job->g.stall_threshold_us, 3600000000ULL);
	assert_int_equal(job->g.stop_timeout_us, 1500000);
	assert_int_equal(job->g.victim_exit_us, 45000000);
	assert_string_equal(job->g.results, "/tmp/r");
	assert_int_equal(job->g.expect_oom, MMT_EXPECT_OOM_MEMCG);
	assert_int_equal(job->g.foreign_oom, MMT_FOREIGN_OOM_FAIL);
	assert_int_equal(job->g.oom_score_adj, -1000);
	assert_string_equal(job->g.description, "two cells");
	assert_int_equal(job->g.mem_budget, 3ULL << 29);
	assert_int_equal(job->gsrc.line, 3);
	assert_int_equal(mmt_src_line(&job->gsrc, "seed"), 5);

	c = &job->cells[0];
	assert_string_equal(c->name, "a-1_B");
	assert_int_equal(c->src.line, 17);
	assert_int_equal(c->o.threads, 64);
	assert_false(c->o.cpus.all);
	assert_string_equal(c->o.cpus.text, "0-1,3");
	assert_int_equal(hwloc_bitmap_weight(c->o.cpus.set), 3);
	assert_true(hwloc_bitmap_isset(c->o.cpus.set, 3));
	assert_false(c->o.mems.all);
	assert_true(hwloc_bitmap_isset(c->o.mems.set, 0));
	assert_int_equal(c->o.memory_max, 64 << 20);
	assert_int_equal(c->o.swap_max, 512 << 10);
	assert_false(c->o.respawn);
	w = c->wl_opts;
	assert_int_equal(w->size, 1ULL << 30);
	assert_int_equal(w->api, 1);
	assert_string_equal(w->seq, "0-1;0;1");
	assert_false(w->extra.all);
	assert_true(hwloc_bitmap_isset(w->extra.set, 1));
	/* Lines of keys, including an indented one and a workload key. */
	assert_int_equal(mmt_src_line(&c->src, "threads"), 18);
	assert_int_equal(mmt_src_line(&c->src, "size"), 24);
	assert_int_equal(mmt_src_line(&c->src, "extra"), 27);
	/* A defaulted key points at the section. */
	assert_int_equal(mmt_src_line(&c->src, "workload"), 17);
}

static void test_inheritance(void **state)
{
	struct mmt_job *job = *state;

	expect_ok(job,
		  "[global]\n"
		  "oom_score_adj = 500\n"
		  "expect_oom = any\n"
		  "[cell:inherits]\n"
		  "[cell:own]\n"
		  "oom_score_adj = -1000\n"
		  "expect_oom = none\n"
		  "[cell:explicit]\n"
		  "oom_score_adj = -1001\n"
		  "expect_oom = inherit\n");
	assert_int_equal(job->nr_cells, 3);
	assert_int_equal(job->cells[0].o.oom_score_adj, MMT_CELL_OOM_SCORE_ADJ_INHERIT);
	assert_int_equal(job->cells[0].o.expect_oom, MMT_CELL_EXPECT_OOM_INHERIT);
	assert_int_equal(mmt_job_cell_oom_score_adj(job, &job->cells[0]), 500);
	assert_int_equal(mmt_job_cell_expect_oom(job, &job->cells[0]), MMT_EXPECT_OOM_ANY);
	assert_int_equal(job->cells[1].o.oom_score_adj, -1000);
	assert_int_equal(job->cells[1].o.expect_oom, MMT_EXPECT_OOM_NONE);
	assert_int_equal(mmt_job_cell_oom_score_adj(job, &job->cells[1]), -1000);
	assert_int_equal(mmt_job_cell_expect_oom(job, &job->cells[1]), MMT_EXPECT_OOM_NONE);
	assert_int_equal(mmt_job_cell_oom_score_adj(job, &job->cells[2]), 500);
	assert_int_equal(mmt_job_cell_expect_oom(job, &job->cells[2]), MMT_EXPECT_OOM_ANY);
}

/* --- plugins ------------------------------------------------------------- */

static void test_workload_after_its_keys(void **state)
{
	struct mmt_job *job = *state;
	const struct fake_hog_opts *h;

	/* workload= comes last; its key is still known. */
	expect_ok(job, "[cell:h]\ndirty = yes\nthreads = 1\nworkload = hog\n");
	assert_ptr_equal(job->cells[0].wl, &fake_hog);
	assert_int_equal(job->cells[0].o.workload, 1);
	assert_int_equal(mmt_src_line(&job->cells[0].src, "workload"), 4);
	h = job->cells[0].wl_opts;
	assert_true(h->dirty);
	mmt_job_free(job);

	/* A key of another workload is unknown, and the message lists both
	 * tables. */
	expect_error(job, "[cell:h]\nsize = 1G\nworkload = hog\n",
		     "t.ini:2: [cell:h] size: unknown key; cell keys: workload, threads");
	assert_true(strstr(err, "workload hog keys: dirty") != NULL);
}

static void test_injectors(void **state)
{
	struct mmt_job *job = *state;
	const struct fake_inj_opts *o;

	expect_ok(job,
		  "[cell:a]\n"
		  "[fakeinj]\n"
		  "rate = 100\n"
		  "cell = a\n"
		  "[fakeinj:second]\n"
		  "[swap:zram]\n"
		  "[swap:file]\n");
	assert_int_equal(job->nr_injectors, 4);
	assert_string_equal(job->injectors[0].name, "fakeinj");
	assert_ptr_equal(job->injectors[0].ops, &fake_inj);
	o = job->injectors[0].opts;
	assert_int_equal(o->rate, 100);
	assert_int_equal(o->period_us, 1000000);
	assert_string_equal(o->cell, "a");
	assert_int_equal(job->injectors[0].src.line, 2);
	assert_int_equal(mmt_src_line(&job->injectors[0].src, "cell"), 4);
	assert_string_equal(job->injectors[1].name, "fakeinj:second");
	o = job->injectors[1].opts;
	assert_int_equal(o->rate, 10);
	assert_string_equal(job->injectors[2].name, "swap:zram");
	assert_string_equal(job->injectors[3].name, "swap:file");
	assert_non_null(job->injectors[3].opts);
	mmt_job_free(job);

	/* validate runs after the whole file: a cell defined later is seen. */
	expect_ok(job, "[fakeinj]\ncell = late\n[cell:late]\n");
	mmt_job_free(job);
	expect_error(job, "[cell:a]\n[fakeinj:x]\n\ncell = nope\n",
		     "t.ini:4: [fakeinj:x] cell: no cell named nope");
	expect_error(job, "[cell:a]\n[fakeinj]\nrate = 0\n",
		     "t.ini:3: [fakeinj] rate: '0' is out of range; allowed 1..1000");
	expect_error(job, "[cell:a]\n[fakeinj]\nperiod = 2m\n",
		     "t.ini:3: [fakeinj] period: '2m' is out of range; allowed 1ms..1m");
	expect_error(job, "[cell:a]\n[swap]\nx = 1\n",
		     "t.ini:3: [swap] x: unknown key; swap keys: (none)");
}

static void test_real_registry(void **state)
{
	struct mmt_job *job = *state;
	int r;

	/* The registries are wired in: a registered workload is accepted (its
	 * keys are not used here: they belong to its author), and an unknown
	 * section lists the registered injectors. */
	r = mmt_job_parse_string("jobs/real.ini", "[cell:a]\nworkload = hog\n", &mmt_registry, job, err,
				 sizeof(err));
	if (r)
		fail_msg("%s", err);
	assert_string_equal(job->name, "real");
	assert_ptr_equal(job->cells[0].wl, mmt_workload_find("hog"));
	mmt_job_free(job);
	r = mmt_job_parse_string("jobs/real.ini", "[cell:a]\n[nope]\n", &mmt_registry, job, err, sizeof(err));
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(err, "jobs/real.ini:2: [nope]: unknown section"));
	assert_non_null(strstr(err, "[rebind]"));
}

/* --- errors ---------------------------------------------------------------- */

static void test_section_errors(void **state)
{
	struct mmt_job *job = *state;

	expect_error(job, "[cell:a]\n[bogus]\n",
		     "t.ini:2: [bogus]: unknown section; expected [global], [cell:NAME], "
		     "[fakeinj], [swap] or [INJECTOR:NAME]");
	expect_error(job, "[cell:a]\n[bogus:x]\n", "t.ini:2: [bogus:x]: unknown section");
	expect_error(job, "[cell:a]\n[global:x]\n", "t.ini:2: [global:x]: unknown section");
	expect_error(job, "[cell:a]\n[Global]\n", "t.ini:2: [Global]: unknown section");
	expect_error(job, "[global]\n[cell:a]\n[global]\n",
		     "t.ini:3: [global]: duplicate section (first on line 1)");
	expect_error(job, "[cell:a]\nthreads=1\n[cell:b]\n[cell:a]\n",
		     "t.ini:4: [cell:a]: duplicate section (first on line 1)");
	expect_error(job, "[cell:a]\n[swap:z]\n[swap:z]\n",
		     "t.ini:3: [swap:z]: duplicate section (first on line 2)");
	expect_error(job, "[cell]\n", "t.ini:1: [cell]: a cell needs a name: [cell:NAME]");
	expect_error(job, "[cell:]\n", "t.ini:1: [cell:]: a cell name is 1 to 40 of");
	expect_error(job, "[cell:a b]\n", "t.ini:1: [cell:a b]: a cell name is 1 to 40");
	expect_error(job, "[cell:a.b]\n", "t.ini:1: [cell:a.b]: a cell name");
	expect_error(job, "[cell:a]\n[swap:]\n", "t.ini:2: [swap:]: an instance name is");
	expect_error(job, "[cell:a]\n[swap:a/b]\n", "t.ini:2: [swap:a/b]: an instance name");
	expect_error(job, "[cell:a\n", "t.ini:1: syntax error: '[' without ']'");
	expect_error(job, "[cell:a] junk\n", "t.ini:1: [cell:a]: unexpected text after ']'");
	/* A comment after the header is fine. */
	expect_ok(job, "[cell:a] ; the first\n[cell:b] # the second\n");
	assert_int_equal(job->nr_cells, 2);
}

static void test_cell_names(void **state)
{
	struct mmt_job *job = *state;
	char text[128];
	const char *forty = "abcdefghijABCDEFGHIJ0123456789_-_-_-_-_-";

	assert_int_equal(strlen(forty), 40);
	snprintf(text, sizeof(text), "[cell:%s]\n", forty);
	expect_ok(job, text);
	assert_string_equal(job->cells[0].name, forty);
	mmt_job_free(job);
	snprintf(text, sizeof(text), "[cell:%sx]\n", forty);
	expect_error(job, text, "t.ini:1: [cell:");
	assert_true(strstr(err, "a cell name is 1 to 40") != NULL);
}

static void test_key_errors(void **state)
{
	struct mmt_job *job = *state;

	expect_error(job, "threads = 2\n[cell:a]\n",
		     "t.ini:1: threads: key outside any section");
	expect_error(job, "[global]\nbogus = 1\n[cell:a]\n",
		     "t.ini:2: [global] bogus: unknown key; allowed: duration, seed");
	expect_error(job, "[cell:a]\nbogus = 1\n",
		     "t.ini:2: [cell:a] bogus: unknown key; cell keys: workload");
	expect_error(job, "[cell:a]\nduration = 1s\n",
		     "t.ini:2: [cell:a] duration: unknown key");
	expect_error(job, "[cell:a]\nthreads = 2\n\nthreads = 3\n",
		     "t.ini:4: [cell:a] threads: duplicate key (first on line 2)");
	expect_error(job, "[global]\nseed = 1\nseed: 2\n[cell:a]\n",
		     "t.ini:3: [global] seed: duplicate key (first on line 2)");
	/* An indented line is a key of its own, never a continuation. */
	expect_error(job, "[cell:a]\nthreads = 2\n  threads = 3\n",
		     "t.ini:3: [cell:a] threads: duplicate key (first on line 2)");
	expect_error(job, "[cell:a]\nthreads\n",
		     "t.ini:2: syntax error: 'threads' is not 'key = value'");
	expect_error(job, "[cell:a]\n = 3\n", "t.ini:2: [cell:a]: a key has no name");
}

static void test_value_errors(void **state)
{
	struct mmt_job *job = *state;

	expect_error(job, "[global]\nduration = 12Q\n[cell:a]\n",
		     "t.ini:2: [global] duration: '12Q' is not a duration; allowed 1s..168h");
	expect_error(job, "[global]\nduration = 0\n[cell:a]\n",
		     "t.ini:2: [global] duration: '0' is out of range; allowed 1s..168h");
	expect_error(job, "[global]\nduration = 8d\n[cell:a]\n",
		     "'8d' is not a duration; allowed 1s..168h");
	expect_error(job, "[global]\nsample_interval = 5ms\n[cell:a]\n",
		     "[global] sample_interval: '5ms' is out of range; allowed 10ms..1m");
	expect_error(job, "[global]\nseed = -1\n[cell:a]\n",
		     "[global] seed: '-1' is not a number; allowed any whole number >= 0");
	expect_error(job, "[global]\nexpect_oom = maybe\n[cell:a]\n",
		     "t.ini:2: [global] expect_oom: 'maybe' is not one of none, memcg, any");
	expect_error(job, "[global]\nforeign_oom = ignore\n[cell:a]\n",
		     "'ignore' is not one of warn, fail");
	expect_error(job, "[global]\noom_score_adj = 1001\n[cell:a]\n",
		     "'1001' is out of range; allowed -1000..1000");
	expect_error(job, "[global]\noom_score_adj = -1001\n[cell:a]\n",
		     "'-1001' is out of range; allowed -1000..1000");
	expect_error(job, "[global]\nmem_budget = lots\n[cell:a]\n",
		     "[global] mem_budget: 'lots' is not a size; "
		     "allowed any size, e.g. 4096, 64K, 1.5G");
	expect_error(job, "[cell:a]\nthreads = 65\n",
		     "t.ini:2: [cell:a] threads: '65' is out of range; allowed 1..64");
	expect_error(job, "[cell:a]\nthreads = 0\n", "'0' is out of range; allowed 1..64");
	expect_error(job, "[cell:a]\nthreads = two\n", "'two' is not a number; allowed 1..64");
	expect_error(job, "[cell:a]\nworkload = sleep\n",
		     "t.ini:2: [cell:a] workload: 'sleep' is not one of fault, hog");
	expect_error(job, "[cell:a]\nexpect_oom = never\n",
		     "'never' is not one of inherit, none, memcg, any");
	expect_error(job, "[cell:a]\nrespawn = maybe\n",
		     "[cell:a] respawn: 'maybe' is not a boolean; allowed true, false");
	expect_error(job, "[cell:a]\noom_score_adj = -1002\n",
		     "'-1002' is out of range; allowed -1001..1000");
	expect_error(job, "[cell:a]\ncpus = 3-1\n",
		     "t.ini:2: [cell:a] cpus: '3-1' is not a CPU list (range is reversed)");
	expect_error(job, "[cell:a]\nmems = 0,\n",
		     "[cell:a] mems: '0,' is not a node list (list ends early); allowed all");
	expect_error(job, "[cell:a]\nmems = 5000\n", "larger than 4095");
	expect_error(job, "[cell:a]\ncpus =\n", "t.ini:2: [cell:a] cpus: empty CPU list");
	expect_error(job, "[cell:a]\nmemory_max = 12Q\n", "'12Q' is not a size");
	/* Plugin keys report their own ranges and choices. */
	expect_error(job, "[cell:a]\nsize = 12Q\n",
		     "t.ini:2: [cell:a] size: '12Q' is not a size; allowed 4K..64G");
	expect_error(job, "[cell:a]\nsize = 128G\n", "'128G' is out of range; allowed 4K..64G");
	expect_error(job, "[cell:a]\napi = maybe\n",
		     "[cell:a] api: 'maybe' is not one of mbind, set_mempolicy");
}

static void test_job_errors(void **state)
{
	struct mmt_job *job = *state;
	char *text;
	size_t n = 0;

	expect_error(job, "", "t.ini: no [cell:NAME] section");
	expect_error(job, "[global]\nseed = 1\n", "t.ini: no [cell:NAME] section");
	expect_error(job, "[cell:a]\n[cell:b]\n\n\n\nthreads = 0\nbogus = 1\n",
		     "t.ini:6: [cell:b] threads:");
	/* The first error wins. */
	expect_error(job, "[global]\nseed = x\nbogus = 1\n[bogus]\n", "t.ini:2: [global] seed:");
	expect_error(job, "[bogus]\n[global]\nseed = x\n", "t.ini:1: [bogus]:");

	/* Too many cells and injectors. */
	text = malloc(64 * 40);
	assert_non_null(text);
	text[0] = '\0';
	for (int i = 0; i < MMT_MAX_CELLS; i++)
		n += (size_t)sprintf(text + n, "[cell:c%d]\n", i);
	expect_ok(job, text);
	assert_int_equal(job->nr_cells, MMT_MAX_CELLS);
	mmt_job_free(job);
	sprintf(text + n, "[cell:last]\n");
	expect_error(job, text, "t.ini:33: [cell:last]: too many cells (at most 32)");

	n = (size_t)sprintf(text, "[cell:a]\n");
	for (int i = 0; i < MMT_MAX_INJECTORS; i++)
		n += (size_t)sprintf(text + n, "[swap:s%d]\n", i);
	expect_ok(job, text);
	assert_int_equal(job->nr_injectors, MMT_MAX_INJECTORS);
	mmt_job_free(job);
	sprintf(text + n, "[swap:last]\n");
	expect_error(job, text, "t.ini:34: [swap:last]: too many injectors (at most 32)");

	/* A line longer than inih takes is refused, not cut. */
	memset(text, 'x', 300);
	memcpy(text, "[cell:a]\ndescription = ", 23);
	strcpy(text + 300, "\n");
	expect_error(job, text, "t.ini:2: line is too long");
	free(text);
}

static void test_parse_file(void **state)
{
	struct mmt_job *job = *state;
	char dir[] = "/tmp/mmt-test-job-XXXXXX";
	char path[PATH_MAX];
	FILE *f;
	int r;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/my-job.ini", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[cell:a]\nthreads = 3\n", f);
	fclose(f);
	r = mmt_job_parse_file(path, &mmt_registry, job, err, sizeof(err));
	if (r)
		fail_msg("%s", err);
	assert_string_equal(job->name, "my-job");
	assert_string_equal(job->path, path);
	assert_string_equal(job->text, "[cell:a]\nthreads = 3\n");
	assert_string_equal(job->cells[0].src.file, path);
	assert_int_equal(job->cells[0].o.threads, 3);
	mmt_job_free(job);

	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[cell:a]\nthreads = 300\n", f);
	fclose(f);
	assert_int_equal(mmt_job_parse_file(path, &mmt_registry, job, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "/my-job.ini:2: [cell:a] threads: '300' is out of range"));
	unlink(path);

	assert_int_equal(mmt_job_parse_file(path, &mmt_registry, job, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "my-job.ini: cannot read"));
	rmdir(dir);
}

static void test_job_find(void **state)
{
	char dir[] = "/tmp/mmt-test-jobdir-XXXXXX";
	char path[PATH_MAX], found[PATH_MAX];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/builtin.ini", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	setenv("MMT_JOBDIR", dir, 1);
	assert_string_equal(mmt_job_dir(), dir);
	assert_int_equal(mmt_job_find("builtin", found, sizeof(found)), 0);
	assert_string_equal(found, path);
	assert_int_equal(mmt_job_find("builtin.ini", found, sizeof(found)), 0);
	assert_string_equal(found, path);
	/* A path is taken as it is. */
	assert_int_equal(mmt_job_find(path, found, sizeof(found)), 0);
	assert_string_equal(found, path);
	assert_int_equal(mmt_job_find("nope", found, sizeof(found)), -ENOENT);
	assert_int_equal(mmt_job_find("/nonexistent/x.ini", found, sizeof(found)), -ENOENT);
	assert_int_equal(mmt_job_find("", found, sizeof(found)), -ENOENT);
	/* A directory is not a job, and says so. */
	assert_int_equal(mmt_job_find(dir, found, sizeof(found)), -EISDIR);
	assert_int_equal(mmt_job_find("builtin", found, 8), -ENAMETOOLONG);
	unsetenv("MMT_JOBDIR");
	assert_string_not_equal(mmt_job_dir(), dir);
	unlink(path);
	rmdir(dir);
}

/* --- validate against a fake topology ---------------------------------------- */

struct topo_state {
	struct mmt_job job;
	struct mmt_topo topo;
};

/* CPUs 0-3; nodes 0 and 2 with memory, node 1 memory-less. */
static int setup_topo(void **state)
{
	struct topo_state *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	s->topo.all_cpus = hwloc_bitmap_alloc();
	s->topo.all_nodes = hwloc_bitmap_alloc();
	s->topo.mem_nodes = hwloc_bitmap_alloc();
	hwloc_bitmap_set_range(s->topo.all_cpus, 0, 3);
	hwloc_bitmap_set_range(s->topo.all_nodes, 0, 2);
	hwloc_bitmap_set(s->topo.mem_nodes, 0);
	hwloc_bitmap_set(s->topo.mem_nodes, 2);
	s->topo.nr_nodes = 3;
	s->topo.nr_cpus = 4;
	*state = s;
	return 0;
}

static int teardown_topo(void **state)
{
	struct topo_state *s = *state;

	mmt_job_free(&s->job);
	hwloc_bitmap_free(s->topo.all_cpus);
	hwloc_bitmap_free(s->topo.all_nodes);
	hwloc_bitmap_free(s->topo.mem_nodes);
	free(s);
	return 0;
}

static int validate(struct topo_state *s, const char *text)
{
	if (parse(&s->job, text))
		fail_msg("parse: %s", err);
	memset(err, 0, sizeof(err));
	return mmt_job_validate(&s->job, &s->topo, err, sizeof(err));
}

static void expect_invalid(struct topo_state *s, const char *text, const char *want)
{
	int r = validate(s, text);

	if (r != -EINVAL)
		fail_msg("validate accepted (r=%d) what should fail with '%s'", r, want);
	if (!strstr(err, want))
		fail_msg("error '%s' lacks '%s'", err, want);
	mmt_job_free(&s->job);
}

static void test_validate_resolves_all(void **state)
{
	struct topo_state *s = *state;
	const struct mmt_cell_cfg *c;
	char buf[64];

	fake_validate_calls = 0;
	assert_int_equal(validate(s, "[cell:a]\n[cell:b]\ncpus = 1,3\nmems = 2\n"), 0);
	assert_int_equal(fake_validate_calls, 2);
	c = &s->job.cells[0];
	assert_true(c->o.cpus.all);
	mmt_set_format(c->o.cpus.set, buf, sizeof(buf));
	assert_string_equal(buf, "0-3");
	mmt_set_format(c->o.mems.set, buf, sizeof(buf));
	assert_string_equal(buf, "0,2");
	c = &s->job.cells[1];
	mmt_set_format(c->o.cpus.set, buf, sizeof(buf));
	assert_string_equal(buf, "1,3");
	mmt_set_format(c->o.mems.set, buf, sizeof(buf));
	assert_string_equal(buf, "2");
}

static void test_validate_errors(void **state)
{
	struct topo_state *s = *state;

	expect_invalid(s, "[cell:a]\n\nmems = 3\n",
		       "t.ini:3: [cell:a] mems: node 3 does not exist (nodes with memory: 0,2)");
	expect_invalid(s, "[cell:a]\nmems = 0-1\n",
		       "t.ini:2: [cell:a] mems: node 1 has no memory (nodes with memory: 0,2)");
	expect_invalid(s, "[cell:a]\n[cell:b]\ncpus = 2-4\n",
		       "t.ini:3: [cell:b] cpus: CPU 4 does not exist or is offline (CPUs: 0-3)");
	/* The workload's own check runs after the topology checks. */
	expect_invalid(s, "[cell:a]\n\nsize = 12K\n", "t.ini:3: [cell:a] size: refused by fake");

	/* No node with memory at all: "all" resolves to nothing. */
	hwloc_bitmap_zero(s->topo.mem_nodes);
	expect_invalid(s, "[cell:a]\n", "t.ini:1: [cell:a] mems: no node with memory");
	hwloc_bitmap_zero(s->topo.all_cpus);
	expect_invalid(s, "[cell:a]\ncpus = all\n", "t.ini:2: [cell:a] cpus: no CPU to run on");
}

/* --- the job files in tests/data/jobs ------------------------------------------ */

/* One node (0, with memory), CPUs 0-1: what the files are checked against. */
static void small_topo(struct mmt_topo *topo)
{
	memset(topo, 0, sizeof(*topo));
	topo->all_cpus = hwloc_bitmap_alloc();
	topo->all_nodes = hwloc_bitmap_alloc();
	topo->mem_nodes = hwloc_bitmap_alloc();
	hwloc_bitmap_set_range(topo->all_cpus, 0, 1);
	hwloc_bitmap_set(topo->all_nodes, 0);
	hwloc_bitmap_set(topo->mem_nodes, 0);
	topo->nr_nodes = 1;
	topo->nodes[0].id = 0;
	topo->nodes[0].mem_bytes = 1ULL << 30;
	topo->nodes[0].cpuset = topo->all_cpus;
	topo->mem_total = 1ULL << 30;
	topo->nr_cpus = 2;
}

static void free_small_topo(struct mmt_topo *topo)
{
	hwloc_bitmap_free(topo->all_cpus);
	hwloc_bitmap_free(topo->all_nodes);
	hwloc_bitmap_free(topo->mem_nodes);
}

static unsigned glob_jobs(const char *pattern, glob_t *g)
{
	const char *data = getenv("MMT_TESTDATA");
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/jobs/%s", data && *data ? data :
		 MMT_SRCDIR "/tests/data", pattern);
	if (glob(path, 0, NULL, g) != 0)
		fail_msg("no job files match %s", path);
	return (unsigned)g->gl_pathc;
}

/* With the fake plugins: the real ones' keys and checks are not ours to
 * test (tests/integration/badjobs.sh runs these files through the binary). */
static int parse_data_file(const char *path, struct mmt_job *job)
{
	char *text = NULL;
	int r;

	if (mmt_read_file_alloc(path, &text) < 0)
		fail_msg("cannot read %s", path);
	memset(err, 0, sizeof(err));
	r = mmt_job_parse_string(path, text, &fake_plugins, job, err, sizeof(err));
	free(text);
	return r;
}

/* Each bad-*.ini says "# expect: <substring of the error>" on a line. */
static void test_data_bad_jobs(void **state)
{
	struct mmt_job *job = *state;
	struct mmt_topo topo;
	glob_t g;

	small_topo(&topo);
	assert_true(glob_jobs("bad-*.ini", &g) >= 10);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *path = g.gl_pathv[i];
		char line[512], *want = NULL;
		FILE *f = fopen(path, "r");
		int r;

		assert_non_null(f);
		while (!want && fgets(line, sizeof(line), f))
			if (!strncmp(line, "# expect: ", 10))
				want = mmt_strstrip(line + 10);
		fclose(f);
		if (!want)
			fail_msg("%s has no '# expect:' line", path);
		r = parse_data_file(path, job);
		if (r == 0) {
			r = mmt_job_validate(job, &topo, err, sizeof(err));
			mmt_job_free(job);
		}
		if (r != -EINVAL)
			fail_msg("%s: r=%d, not -EINVAL (%s)", path, r, err);
		if (!strstr(err, want))
			fail_msg("%s: error '%s' lacks '%s'", path, err, want);
		/* The message starts with the path as given. */
		assert_int_equal(strncmp(err, path, strlen(path)), 0);
	}
	globfree(&g);
	free_small_topo(&topo);
}

static void test_data_good_jobs(void **state)
{
	struct mmt_job *job = *state;
	struct mmt_topo topo;
	glob_t g;

	small_topo(&topo);
	assert_true(glob_jobs("good-*.ini", &g) >= 2);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		if (parse_data_file(g.gl_pathv[i], job) != 0 ||
		    mmt_job_validate(job, &topo, err, sizeof(err)) != 0)
			fail_msg("%s: %s", g.gl_pathv[i], err);
		assert_true(job->nr_cells >= 1);
		assert_non_null(job->cells[0].o.mems.set);
		assert_true(hwloc_bitmap_isset(job->cells[0].o.mems.set, 0));
		mmt_job_free(job);
	}
	globfree(&g);
	free_small_topo(&topo);
}

/* --- the option layer itself -------------------------------------------------- */

static void test_opt_format_describe(void **state)
{
	const struct mmt_opt *o;
	struct fake_wl_opts w, copy;
	struct mmt_global_opts g;
	char buf[128];

	(void)state;
	memset(&g, 0, sizeof(g));
	assert_int_equal(mmt_opt_defaults(mmt_global_opt_table, &g), 0);
	o = mmt_opt_find(mmt_global_opt_table, "duration");
	assert_non_null(o);
	mmt_opt_format(o, &g, buf, sizeof(buf));
	assert_string_equal(buf, "1m");
	mmt_opt_describe(o, buf, sizeof(buf));
	assert_string_equal(buf, "duration 1s..168h");
	o = mmt_opt_find(mmt_global_opt_table, "expect_oom");
	mmt_opt_describe(o, buf, sizeof(buf));
	assert_string_equal(buf, "one of none, memcg, any");
	o = mmt_opt_find(mmt_global_opt_table, "oom_score_adj");
	mmt_opt_describe(o, buf, sizeof(buf));
	assert_string_equal(buf, "integer -1000..1000");
	assert_null(mmt_opt_find(mmt_global_opt_table, "nope"));
	assert_null(mmt_opt_find(NULL, "nope"));

	memset(&w, 0, sizeof(w));
	assert_int_equal(mmt_opt_defaults(fake_fault_opts, &w), 0);
	o = mmt_opt_find(fake_fault_opts, "size");
	mmt_opt_format(o, &w, buf, sizeof(buf));
	assert_string_equal(buf, "64M");
	mmt_opt_describe(o, buf, sizeof(buf));
	assert_string_equal(buf, "size 4K..64G");
	o = mmt_opt_find(fake_fault_opts, "api");
	assert_int_equal(mmt_opt_set(o, &w, "set_mempolicy", buf, sizeof(buf)), 0);
	mmt_opt_format(o, &w, buf, sizeof(buf));
	assert_string_equal(buf, "set_mempolicy");
	o = mmt_opt_find(fake_fault_opts, "extra");
	assert_int_equal(mmt_opt_set(o, &w, "0-2,5", buf, sizeof(buf)), 0);
	/* A refused value leaves the field as it was. */
	assert_int_equal(mmt_opt_set(o, &w, "9-8", buf, sizeof(buf)), -EINVAL);
	assert_non_null(strstr(buf, "range is reversed"));

	/* Deep copy: the copy owns its own set. */
	assert_int_equal(mmt_opt_copy(fake_fault_opts, &copy, &w), 0);
	assert_ptr_not_equal(copy.extra.set, w.extra.set);
	mmt_opt_free(fake_fault_opts, &w);
	assert_null(w.extra.set);
	mmt_opt_format(o, &copy, buf, sizeof(buf));
	assert_string_equal(buf, "0-2,5");
	mmt_opt_free(fake_fault_opts, &copy);
	mmt_opt_free(fake_fault_opts, NULL);
}

static void test_opt_print_table(void **state)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	(void)state;
	assert_non_null(f);
	mmt_opt_print_table(f, mmt_cell_opt_table, "  ");
	mmt_opt_print_table(f, NULL, "  ");
	fclose(f);
	assert_non_null(strstr(out, "  name "));
	assert_non_null(strstr(out, "threads "));
	assert_non_null(strstr(out, "integer 1..64"));
	assert_non_null(strstr(out, "one of inherit, none, memcg, any"));
	assert_non_null(strstr(out, "(no options)"));
	/* Aligned: "type" starts in the same column on every row. */
	{
		const char *l1 = strstr(out, "  name"), *l2 = strstr(out, "  threads");
		const char *t1 = strstr(l1, "type"), *t2 = strstr(l2, "integer");

		assert_int_equal(t1 - l1, t2 - l2);
	}
	free(out);
}

static void test_opt_split_list(void **state)
{
	char text[64];
	char *items[4];

	(void)state;
	strcpy(text, "0-1;0; 1 ");
	assert_int_equal(mmt_opt_split_list(text, items, 4), 3);
	assert_string_equal(items[0], "0-1");
	assert_string_equal(items[1], "0");
	assert_string_equal(items[2], "1");
	strcpy(text, "a;;b;c;d;e");
	assert_int_equal(mmt_opt_split_list(text, items, 4), 6);
	assert_string_equal(items[1], "");
	assert_string_equal(items[3], "c");
	strcpy(text, "  ");
	assert_int_equal(mmt_opt_split_list(text, items, 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults, setup_job, teardown_job),
		cmocka_unit_test_setup_teardown(test_values_and_units, setup_job, teardown_job),
		cmocka_unit_test_setup_teardown(test_inheritance, setup_job, teardown_job),
		cmocka_unit_test_setup_teardown(test_workload_after_its_keys, setup_job,
						teardown_job),
		cmocka_unit_test_setup_teardown(test_injectors, setup_job, teardown_job),
		cmocka_unit_test_setup_teardown(test_real_registry, setup_job, teardown_job),
		cmocka_unit_test_setup_teardown(test_section_errors, setup_job, teardown_job),
		cmocka_unit_test_setup_teardown(test_cell_names, setup_job, teardown_job),
		cmocka_unit_test_setup_teardown(test_key_errors, setup_job, teardown_job),
		cmocka_unit_test_setup_teardown(test_value_errors, setup_job, teardown_job),
		cmocka_unit_test_setup_teardown(test_job_errors, setup_job, teardown_job),
		cmocka_unit_test_setup_teardown(test_parse_file, setup_job, teardown_job),
		cmocka_unit_test(test_job_find),
		cmocka_unit_test_setup_teardown(test_validate_resolves_all, setup_topo,
						teardown_topo),
		cmocka_unit_test_setup_teardown(test_validate_errors, setup_topo, teardown_topo),
		cmocka_unit_test_setup_teardown(test_data_bad_jobs, setup_job, teardown_job),
		cmocka_unit_test_setup_teardown(test_data_good_jobs, setup_job, teardown_job),
		cmocka_unit_test(test_opt_format_describe),
		cmocka_unit_test(test_opt_print_table),
		cmocka_unit_test(test_opt_split_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

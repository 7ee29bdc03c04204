// SPDX-License-Identifier: GPL-2.0-only
/*
 * The run directory writers and the KTAP/JUnit renderings.
 *
 * The renderings are compared byte for byte with tests/data/results/
 * <case>.ktap and <case>.junit.xml.  After an intended format change, run
 * with MMT_REGEN_EXPECTED=1 to rewrite them, then review the diff.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include <cmocka.h>

#include "results/results.h"
#include "lib/util.h"

/* 2026-11-22T00:53:13.123456Z */
#define T0_US (1795308793ULL * MMT_USEC_PER_SEC + 123456)

struct fixture {
	char base[PATH_MAX];
};

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	snprintf(fx->base, sizeof(fx->base), "/tmp/mmt-test-results-XXXXXX");
	if (!mkdtemp(fx->base)) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	chmod(fx->base, 0700);
	nftw(fx->base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* a "/" b into out[PATH_MAX]; a truncated path fails the test. */
static void join(char *out, const char *a, const char *b)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", a, b);

	assert_true(n > 0 && n < PATH_MAX);
}

static char *slurp(const char *path)
{
	char *buf = NULL;
	ssize_t n = mmt_read_file_alloc(path, &buf);

	return n < 0 ? NULL : buf;
}

static char *slurp_in(struct mmt_results *res, const char *name)
{
	char path[PATH_MAX];

	join(path, mmt_results_dir(res), name);
	return slurp(path);
}

static void test_create_unique(void **state)
{
	struct fixture *fx = *state;
	struct mmt_results *a = NULL, *b = NULL, *c = NULL;
	char base[PATH_MAX], dir[PATH_MAX], id[256], dir2[PATH_MAX], id2[256], path[PATH_MAX];
	struct stat st;

	/* A missing base (two levels) is created. */
	join(base, fx->base, "x/runs");
	assert_int_equal(mmt_results_create(base, "default", T0_US, dir, sizeof(dir),
					    id, sizeof(id), &a), 0);
	assert_string_equal(id, "20261122T005313Z-default");
	join(path, base, id);
	assert_string_equal(dir, path);
	assert_string_equal(mmt_results_dir(a), dir);
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	for (int i = 0; i < 3; i++) {
		static const char *const files[] = { "events.jsonl", "samples.csv", "kmsg.log" };

		join(path, dir, files[i]);
		assert_int_equal(stat(path, &st), 0);
		assert_true(S_ISREG(st.st_mode));
		assert_int_equal(st.st_mode & 07777, 0644);
	}

	/* Same second, same job: never reused. */
	assert_int_equal(mmt_results_create(base, "default", T0_US, dir2, sizeof(dir2),
					    id2, sizeof(id2), &b), 0);
	assert_string_equal(id2, "20261122T005313Z-default-2");
	assert_string_not_equal(dir, dir2);
	assert_int_equal(mmt_results_create(base, "default", T0_US, NULL, 0, id2, sizeof(id2),
					    &c), 0);
	assert_string_equal(id2, "20261122T005313Z-default-3");
	mmt_results_close(c);
	c = NULL;

	/* A job name is made safe for a path. */
	assert_int_equal(mmt_results_create(base, "../a b/c", T0_US, NULL, 0, id2, sizeof(id2),
					    &c), 0);
	assert_string_equal(id2, "20261122T005313Z-.._a_b_c");
	mmt_results_close(c);

	/* Too small an output buffer is an error, not a truncated path. */
	assert_int_equal(mmt_results_create(base, "default", T0_US, dir2, 8, NULL, 0, &c),
			 -ENAMETOOLONG);

	mmt_results_close(a);
	mmt_results_close(b);
	mmt_results_close(NULL);
}

static void test_unwritable_base(void **state)
{
	struct fixture *fx = *state;
	struct mmt_results *res = NULL;
	char base[PATH_MAX], file[PATH_MAX];
	int fd, r;

	/* Under a regular file: fails even for root. */
	join(file, fx->base, "afile");
	fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	join(base, file, "runs");
	r = mmt_results_create(base, "default", T0_US, NULL, 0, NULL, 0, &res);
	assert_int_equal(r, -ENOTDIR);
	assert_null(res);

	if (geteuid() == 0) {
		fprintf(stderr, "note: running as root, chmod 0500 case skipped\n");
		return;
	}
	join(base, fx->base, "ro");
	assert_int_equal(mkdir(base, 0500), 0);
	r = mmt_results_create(base, "default", T0_US, NULL, 0, NULL, 0, &res);
	assert_int_equal(r, -EACCES);
	assert_string_equal(strerror(-r), "Permission denied");
	assert_null(res);
}

static struct mmt_results *new_run(struct fixture *fx, const char *job)
{
	struct mmt_results *res = NULL;

	assert_int_equal(mmt_results_create(fx->base, job, T0_US, NULL, 0, NULL, 0, &res), 0);
	return res;
}

/* "2026-11-22T00:53:13.123456Z" */
static bool is_iso_us(const char *s)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";

	if (strlen(s) != sizeof(pat) - 1)
		return false;
	for (size_t i = 0; pat[i]; i++) {
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return false;
	}
	return true;
}

static void test_events(void **state)
{
	struct mmt_results *res = new_run(*state, "ev");
	json_object *ev, *o, *x;
	char *text, *line, *save = NULL;
	int n = 0;

	mmt_results_set_start(res, mmt_now_us() - 5 * MMT_USEC_PER_SEC, T0_US);
	ev = json_object_new_object();
	json_object_object_add(ev, "pid", json_object_new_int(42));
	json_object_object_add(ev, "cgroup", json_object_new_string("/sys/fs/cgroup/mmtorture-x"));
	json_object_object_add(ev, "type", json_object_new_string("bogus"));
	assert_int_equal(mmt_results_event(res, "oom_kill", ev), 0);
	assert_int_equal(mmt_results_event(res, "phase", NULL), 0);
	ev = json_object_new_object();
	json_object_object_add(ev, "text", json_object_new_string("line\nbreak \"q\""));
	assert_int_equal(mmt_results_event(res, "warn", ev), 0);
	/* Not an object: refused (and consumed). */
	assert_int_equal(mmt_results_event(res, "x", json_object_new_int(1)), -EINVAL);

	text = slurp_in(res, "events.jsonl");
	assert_non_null(text);
	assert_non_null(strstr(text, "\"cgroup\":\"/sys/fs/cgroup/mmtorture-x\""));
	assert_true(mmt_startswith(text, "{\"type\":\"oom_kill\",\"time\":\""));
	assert_int_equal(text[strlen(text) - 1], '\n');
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		static const char *const types[] = { "oom_kill", "phase", "warn" };

		o = json_tokener_parse(line);
		assert_non_null(o);
		assert_true(n < 3);
		assert_true(json_object_object_get_ex(o, "type", &x));
		assert_string_equal(json_object_get_string(x), types[n]);
		assert_true(json_object_object_get_ex(o, "time", &x));
		assert_true(is_iso_us(json_object_get_string(x)));
		assert_true(json_object_object_get_ex(o, "t_us", &x));
		assert_true(json_object_get_int64(x) >= (int64_t)(5 * MMT_USEC_PER_SEC));
		assert_true(json_object_get_int64(x) < (int64_t)(60 * MMT_USEC_PER_SEC));
		if (n == 0) {
			assert_true(json_object_object_get_ex(o, "pid", &x));
			assert_int_equal(json_object_get_int(x), 42);
		}
		if (n == 2) {
			assert_true(json_object_object_get_ex(o, "text", &x));
			assert_string_equal(json_object_get_string(x), "line\nbreak \"q\"");
		}
		json_object_put(o);
		n++;
	}
	assert_int_equal(n, 3);
	free(text);
	mmt_results_close(res);
}

/*
 * An event stamped with when it happened: "t_us" and "time" say that
 * moment, "recorded_t_us" when it was written; a moment before the run is
 * the run's start, one after now is now (never a time in the future).
 */
static void test_event_at(void **state)
{
	struct mmt_results *res = new_run(*state, "at");
	uint64_t start = mmt_now_us() - 5 * MMT_USEC_PER_SEC;
	int64_t t[3], rec[3];
	char *text, *line, *save = NULL, when[3][40];
	json_object *o, *x;
	int n = 0;

	mmt_results_set_start(res, start, T0_US);
	assert_int_equal(mmt_results_event_at(res, "oom_kill", NULL, start + 3 * MMT_USEC_PER_SEC), 0);
	assert_int_equal(mmt_results_event_at(res, "early", NULL, start - MMT_USEC_PER_SEC), 0);
	assert_int_equal(mmt_results_event_at(res, "late", NULL, start + 3600 * MMT_USEC_PER_SEC), 0);
	text = slurp_in(res, "events.jsonl");
	assert_non_null(text);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		assert_true(n < 3);
		o = json_tokener_parse(line);
		assert_non_null(o);
		assert_true(json_object_object_get_ex(o, "t_us", &x));
		t[n] = json_object_get_int64(x);
		assert_true(json_object_object_get_ex(o, "recorded_t_us", &x));
		rec[n] = json_object_get_int64(x);
		assert_true(json_object_object_get_ex(o, "time", &x));
		snprintf(when[n], sizeof(when[n]), "%s", json_object_get_string(x));
		json_object_put(o);
		n++;
	}
	assert_int_equal(n, 3);
	/* Happened 3 s into the run, written 5 s or more into it. */
	assert_int_equal(t[0], 3000000);
	assert_string_equal(when[0], "2026-11-22T00:53:16.123456Z");
	assert_true(rec[0] >= 5000000);
	/* Before the run: the run's start. */
	assert_int_equal(t[1], 0);
	assert_string_equal(when[1], "2026-11-22T00:53:13.123456Z");
	/* In the future: when it was written. */
	assert_int_equal(t[2], rec[2]);
	assert_true(t[2] >= 5000000 && t[2] < 3600000000LL);
	free(text);
	mmt_results_close(res);
}

/* The saturating difference the loops use for "how long since". */
/* A thread's own /proc entry names its process (the OOM invoker's tgid). */
static void *tid_thread(void *arg)
{
	int64_t *ret = arg;

	ret[0] = gettid();
	ret[1] = mmt_tgid_of(ret[0]);   /* a live thread, not the main one */
	return NULL;
}

static void test_tgid_of(void **state)
{
	pthread_t th;
	int64_t got[2] = { 0, 0 }, tid;

	(void)state;
	assert_int_equal(mmt_tgid_of(getpid()), getpid());
	assert_int_equal(mmt_tgid_of(gettid()), getpid());
	/* a thread that ended is gone, and its tid is not ours any more */
	assert_int_equal(pthread_create(&th, NULL, tid_thread, got), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	tid = got[0];
	assert_true(tid > 0 && tid != getpid());
	assert_int_equal(got[1], getpid());
	assert_true(mmt_tgid_of(tid) != getpid());
	assert_int_equal(mmt_tgid_of(0), -EINVAL);
	assert_int_equal(mmt_tgid_of(-5), -EINVAL);
	assert_int_equal(mmt_tgid_of((int64_t)INT32_MAX + 1), -EINVAL);
}

static void test_us_since(void **state)
{
	(void)state;
	assert_int_equal(mmt_us_since(10, 4), 6);
	assert_int_equal(mmt_us_since(4, 4), 0);
	/* then after now (stamped later in the same pass): 0, not 2^64 - 6 */
	assert_int_equal(mmt_us_since(4, 10), 0);
}

static void test_samples(void **state)
{
	struct fixture *fx = *state;
	static const char *const cols[] = { "t_us", "free,node0", "rate", "psi", "neg", "big" };
	const double row[] = { 1000000, 2.5, NAN, 0.1234, -3, 1e12, 99 };
	const double frac[] = { 1.0005e3, -0.25, 7, 0, -0.0, 12.3456 };
	struct mmt_results *res = new_run(fx, "samples");
	char dir[PATH_MAX], *text;

	assert_int_equal(mmt_results_sample(res, row, 6), -EINVAL);     /* no header yet */
	assert_int_equal(mmt_results_samples_header(res, cols, 6), 0);
	assert_int_equal(mmt_results_samples_header(res, cols, 6), -EEXIST);
	assert_int_equal(mmt_results_sample(res, row, 6), 0);
	assert_int_equal(mmt_results_sample(res, row, 5), -EINVAL);
	assert_int_equal(mmt_results_sample(res, frac, 6), 0);
	snprintf(dir, sizeof(dir), "%s", mmt_results_dir(res));
	mmt_results_close(res);

	/* Reopened: the column count comes from the header on disk. */
	assert_int_equal(mmt_results_open_dir(dir, &res), 0);
	assert_int_equal(mmt_results_sample(res, row, 7), -EINVAL);
	assert_int_equal(mmt_results_sample(res, row, 6), 0);
	text = slurp_in(res, "samples.csv");
	assert_non_null(text);
	assert_string_equal(text,
			    "t_us,\"free,node0\",rate,psi,neg,big\n"
			    "1000000,2.500,,0.123,-3,1000000000000\n"
			    "1000.500,-0.250,7,0,0,12.346\n"
			    "1000000,2.500,,0.123,-3,1000000000000\n");
	free(text);
	mmt_results_close(res);
}

static void test_kmsg(void **state)
{
	struct mmt_results *res = new_run(*state, "kmsg");
	char *text;

	assert_int_equal(mmt_results_kmsg(res, "6,1234,5678,-;oom-kill:constraint=CONSTRAINT_NONE"),
			 0);
	assert_int_equal(mmt_results_kmsg(res, "4,1235,5679,-;WARNING: at mm/x.c\n"), 0);
	text = slurp_in(res, "kmsg.log");
	assert_non_null(text);
	assert_string_equal(text, "6,1234,5678,-;oom-kill:constraint=CONSTRAINT_NONE\n"
				  "4,1235,5679,-;WARNING: at mm/x.c\n");
	free(text);
	mmt_results_close(res);
}

#define NR_THREADS 4
#define NR_PER_THREAD 1500

struct writer {
	struct mmt_results *res;
	int id;
	int errors;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	char pad[9000];

	for (int i = 0; i < NR_PER_THREAD; i++) {
		/* Some lines well over PIPE_BUF, to catch interleaving. */
		size_t len = (size_t)(i * 37 + w->id * 101) % (sizeof(pad) - 1);
		json_object *ev = json_object_new_object();
		char line[64];

		memset(pad, 'a' + w->id, len);
		pad[len] = '\0';
		json_object_object_add(ev, "thread", json_object_new_int(w->id));
		json_object_object_add(ev, "seq", json_object_new_int(i));
		json_object_object_add(ev, "pad", json_object_new_string(pad));
		if (mmt_results_event(w->res, "stress", ev) < 0)
			w->errors++;
		snprintf(line, sizeof(line), "thread %d seq %d", w->id, i);
		if (mmt_results_kmsg(w->res, line) < 0)
			w->errors++;
	}
	return NULL;
}

static void test_concurrent_writers(void **state)
{
	struct mmt_results *res = new_run(*state, "threads");
	struct writer w[NR_THREADS];
	pthread_t tid[NR_THREADS];
	static bool seen[NR_THREADS][NR_PER_THREAD];
	char *text, *line, *save = NULL;
	int nr_lines = 0;

	memset(seen, 0, sizeof(seen));
	for (int t = 0; t < NR_THREADS; t++) {
		w[t] = (struct writer){ .res = res, .id = t };
		assert_int_equal(pthread_create(&tid[t], NULL, writer_main, &w[t]), 0);
	}
	for (int t = 0; t < NR_THREADS; t++) {
		pthread_join(tid[t], NULL);
		assert_int_equal(w[t].errors, 0);
	}

	text = slurp_in(res, "events.jsonl");
	assert_non_null(text);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_object *o = json_tokener_parse(line), *x;
		int t, s;
		size_t padlen;

		assert_non_null(o);
		assert_true(json_object_object_get_ex(o, "thread", &x));
		t = json_object_get_int(x);
		assert_true(json_object_object_get_ex(o, "seq", &x));
		s = json_object_get_int(x);
		assert_in_range(t, 0, NR_THREADS - 1);
		assert_in_range(s, 0, NR_PER_THREAD - 1);
		assert_false(seen[t][s]);
		seen[t][s] = true;
		assert_true(json_object_object_get_ex(o, "pad", &x));
		padlen = (size_t)(s * 37 + t * 101) % (9000 - 1);
		assert_int_equal(json_object_get_string_len(x), padlen);
		for (size_t i = 0; i < padlen; i++)
			assert_int_equal(json_object_get_string(x)[i], 'a' + t);
		json_object_put(o);
		nr_lines++;
	}
	assert_int_equal(nr_lines, NR_THREADS * NR_PER_THREAD);
	free(text);

	text = slurp_in(res, "kmsg.log");
	assert_non_null(text);
	nr_lines = 0;
	save = NULL;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int t, s, end = 0;

		assert_int_equal(sscanf(line, "thread %d seq %d%n", &t, &s, &end), 2);
		assert_int_equal((size_t)end, strlen(line));
		nr_lines++;
	}
	assert_int_equal(nr_lines, NR_THREADS * NR_PER_THREAD);
	free(text);
	mmt_results_close(res);
}

static bool has_tmp_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool found = false;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".tmp."))
			found = true;
	closedir(d);
	return found;
}

static void test_run_json(void **state)
{
	struct mmt_results *res = new_run(*state, "runjson");
	json_object *run, *back, *nested;
	char path[PATH_MAX], *text;

	run = json_object_new_object();
	json_object_object_add(run, "id", json_object_new_string("20261122T005313Z-runjson"));
	nested = json_object_new_object();
	json_object_object_add(nested, "release", json_object_new_string("6.18.0"));
	json_object_object_add(nested, "cmdline", json_object_new_string("root=/dev/sda1 quiet"));
	json_object_object_add(run, "kernel", nested);
	assert_int_equal(mmt_results_write_run_json(res, run), 0);
	join(path, mmt_results_dir(res), "run.json");
	back = json_object_from_file(path);
	assert_non_null(back);
	assert_true(json_object_equal(run, back));
	json_object_put(back);
	text = slurp(path);
	assert_non_null(text);
	assert_non_null(strstr(text, "\n  \"kernel\": {\n"));  /* pretty, spaced */
	assert_non_null(strstr(text, "root=/dev/sda1"));     /* no \/ escapes */
	assert_int_equal(text[strlen(text) - 1], '\n');
	free(text);

	/* Replaced whole, leaving no temporary file behind. */
	json_object_object_add(run, "verdict", json_object_new_string("PASS"));
	assert_int_equal(mmt_results_write_run_json(res, run), 0);
	back = json_object_from_file(path);
	assert_non_null(back);
	assert_true(json_object_equal(run, back));
	json_object_put(back);
	assert_false(has_tmp_files(mmt_results_dir(res)));
	json_object_put(run);

	assert_int_equal(mmt_results_write_file(res, "result.ktap", "KTAP version 1\n"), 0);
	text = slurp_in(res, "result.ktap");
	assert_non_null(text);
	assert_string_equal(text, "KTAP version 1\n");
	free(text);
	assert_int_equal(mmt_results_write_file(res, "../escape", "x"), -EINVAL);
	assert_int_equal(mmt_results_write_file(res, "", "x"), -EINVAL);
	mmt_results_close(res);
}

static const char *testdata(void)
{
	const char *d = getenv("MMT_TESTDATA");

	return d && *d ? d : MMT_SRCDIR "/tests/data";
}

static void check_rendering(const char *name, const char *got)
{
	char path[PATH_MAX], *want, sub[128];

	assert_true(snprintf(sub, sizeof(sub), "results/%s", name) < (int)sizeof(sub));
	join(path, testdata(), sub);
	if (getenv("MMT_REGEN_EXPECTED")) {
		FILE *f = fopen(path, "we");

		assert_non_null(f);
		fputs(got, f);
		assert_int_equal(fclose(f), 0);
		fprintf(stderr, "note: rewrote %s\n", path);
		return;
	}
	want = slurp(path);
	if (!want)
		fail_msg("cannot read %s", path);
	if (strcmp(got, want)) {
		fprintf(stderr, "--- expected %s\n%s--- got\n%s", path, want, got);
		free(want);
		fail_msg("%s differs", name);
	}
	free(want);
}

static void render_case(const char *c)
{
	char path[PATH_MAX], name[64];
	json_object *run;
	char *ktap, *junit;

	snprintf(name, sizeof(name), "results/%s.run.json", c);
	join(path, testdata(), name);
	run = json_object_from_file(path);
	if (!run)
		fail_msg("cannot parse %s", path);
	ktap = mmt_ktap_render(run);
	junit = mmt_junit_render(run);
	assert_non_null(ktap);
	assert_non_null(junit);
	snprintf(name, sizeof(name), "%s.ktap", c);
	check_rendering(name, ktap);
	snprintf(name, sizeof(name), "%s.junit.xml", c);
	check_rendering(name, junit);
	free(ktap);
	free(junit);
	json_object_put(run);
}

static void test_render_pass(void **state)
{
	render_case("pass");
}

static void test_render_fail(void **state)
{
	render_case("fail");
}

static void test_render_brok(void **state)
{
	render_case("brok");
}

static void test_render_conf(void **state)
{
	render_case("conf");
}

/* Without a verdict the harness check is an error, never a silent pass. */
static void test_render_no_verdict(void **state)
{
	json_object *run = json_tokener_parse("{\"id\":\"x\",\"job\":{\"name\":\"j<&>\"}}");
	char *ktap, *junit;

	assert_non_null(run);
	ktap = mmt_ktap_render(run);
	junit = mmt_junit_render(run);
	assert_non_null(ktap);
	assert_non_null(junit);
	assert_non_null(strstr(ktap, "\nnot ok 7 harness_ok # ERROR run.json has no verdict\n"));
	assert_non_null(strstr(ktap, "\nok 1 no_unexpected_OOM_kill\n"));
	assert_non_null(strstr(junit, "<testsuite name=\"j&lt;&amp;&gt;\""));
	assert_non_null(strstr(junit, "errors=\"1\""));
	assert_null(strstr(junit, "j<&>"));
	free(ktap);
	free(junit);
	json_object_put(run);
}

static json_object *load_case(const char *c)
{
	char path[PATH_MAX], name[64];
	json_object *run;

	snprintf(name, sizeof(name), "results/%s.run.json", c);
	join(path, testdata(), name);
	run = json_object_from_file(path);
	if (!run)
		fail_msg("cannot parse %s", path);
	return run;
}

static unsigned count_of(const char *s, const char *what)
{
	unsigned n = 0;

	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

/* Several runs: one <testsuites> with the totals, one suite per run. */
static void test_junit_combined(void **state)
{
	json_object *runs[3] = { load_case("pass"), load_case("fail"), load_case("conf") };
	char *xml = mmt_junit_render_runs(runs, 3, "combined-x");

	assert_non_null(xml);
	assert_int_equal(count_of(xml, "<testsuites "), 1);
	assert_int_equal(count_of(xml, "<testsuite "), 3);
	assert_non_null(strstr(xml, "<testsuites name=\"combined-x\" tests=\"24\" "
			       "failures=\"3\" errors=\"0\" time=\"90.036\">"));
	/* fail and conf are both runs of job cpuset-rebind: each run's
	 * testcases get the run id in their class, so they stay apart. */
	assert_int_equal(count_of(xml, "classname=\"mmtorture.cpuset-rebind.20261122T005313Z-cpuset-rebind\""), 16);
	assert_int_equal(count_of(xml, "classname=\"mmtorture.default.20261122T005313Z-default\""), 8);
	assert_null(strstr(xml, "skipped=\"8\">\n  <testsuite"));
	free(xml);
	for (int i = 0; i < 3; i++)
		json_object_put(runs[i]);
}

/*
 * What XML 1.0 cannot carry goes through the results boundary's sanitiser
 * (lib/utf8.h): a control character becomes a visible "\x01", a byte that
 * is not UTF-8 becomes U+FFFD.
 */
static void test_junit_unsafe_text(void **state)
{
	json_object *run = json_tokener_parse("{\"id\":\"x\",\"job\":{}}");
	char *xml;

	assert_non_null(run);
	json_object_object_add(json_object_object_get(run, "job"), "name",
			       json_object_new_string("a\001b\xff"));
	xml = mmt_junit_render(run);
	assert_non_null(xml);
	assert_non_null(strstr(xml, "<testsuite name=\"a\\x01b\xef\xbf\xbd\""));
	assert_null(strchr(xml, '\001'));
	free(xml);
	json_object_put(run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_unique, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwritable_base, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_at, setup, teardown),
		cmocka_unit_test(test_us_since),
		cmocka_unit_test(test_tgid_of),
		cmocka_unit_test_setup_teardown(test_samples, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kmsg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_json, setup, teardown),
		cmocka_unit_test(test_render_pass),
		cmocka_unit_test(test_render_fail),
		cmocka_unit_test(test_render_brok),
		cmocka_unit_test(test_render_conf),
		cmocka_unit_test(test_render_no_verdict),
		cmocka_unit_test(test_junit_combined),
		cmocka_unit_test(test_junit_unsafe_text),
	};

	umask(022);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel-log parser, classifier and combiner, on the corpus in
 * tests/data/kmsg/ (format described in tests/data/kmsg/README) and on
 * synthetic records.
 * (Over 1000 lines: the parser, the combiner and the classifier of one
 * format share the corpus feeder and the record builders at the top; the
 * wild logs have their own file, test_kmsg_wild.c.)
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/commands.h"
#include "lib/jsonget.h"
#include "lib/kmark.h"
#include "lib/kmsg.h"
#include "results/kevent_json.h"
#include "tests/unit/kmsg_spec.h"

static char *data_path(const char *file)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/kmsg/%s", datadir(), file) > 0);
	return p;
}

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*ret_len = (size_t)n;
	return buf;
}

/* ------------------------------------------------------------------ */
/* corpus reader                                                       */

struct entry {
	int lineno;
	char *buf;          /* the record: one line, or a raw record + dict lines */
	bool raw;
	char *expect;       /* "#=" annotation or NULL */
};

struct corpus {
	const char *name;
	struct entry *e;
	size_t n;
	char **events;      /* "#event" annotations, in order */
	size_t nev;
};

static bool is_raw(const char *l)
{
	struct mmt_kmsg_rec r;

	return l[0] >= '0' && l[0] <= '9' && strchr(l, ';') &&
	       mmt_kmsg_parse_record(l, strlen(l), &r) == 0;
}

static void corpus_load(const char *name, struct corpus *c)
{
	char *path = data_path(name), *text, *save = NULL, *line;
	size_t len;
	int lineno = 0;

	memset(c, 0, sizeof(*c));
	c->name = name;
	text = slurp(path, &len);
	c->e = calloc(len + 1, sizeof(*c->e));
	c->events = calloc(len + 1, sizeof(char *));
	assert_non_null(c->e);
	assert_non_null(c->events);
	for (char *p = text; (line = strtok_r(p, "\n", &save)); p = NULL) {
		lineno++;
		if (!strncmp(line, "#= ", 3)) {
			if (!c->n || c->e[c->n - 1].expect)
				fail_msg("%s:%d: '#=' without a record", name, lineno);
			c->e[c->n - 1].expect = strdup(line + 3);
			continue;
		}
		if (!strncmp(line, "#event ", 7)) {
			c->events[c->nev++] = strdup(line + 7);
			continue;
		}
		if (line[0] == '#')
			continue;
		if (line[0] == ' ' && c->n && c->e[c->n - 1].raw && strchr(line, '=')) {
			struct entry *e = &c->e[c->n - 1];
			char *nb = NULL;

			assert_true(asprintf(&nb, "%s\n%s", e->buf, line) > 0);
			free(e->buf);
			e->buf = nb;
			continue;
		}
		c->e[c->n].lineno = lineno;
		c->e[c->n].buf = strdup(line);
		c->e[c->n].raw = is_raw(line);
		c->n++;
	}
	free(text);
	free(path);
}

static void corpus_free(struct corpus *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->e[i].buf);
		free(c->e[i].expect);
	}
	for (size_t i = 0; i < c->nev; i++)
		free(c->events[i]);
	free(c->e);
	free(c->events);
}

static int parse_entry(const struct entry *e, struct mmt_kmsg_rec *rec)
{
	if (e->raw)
		return mmt_kmsg_parse_record(e->buf, strlen(e->buf), rec);
	return mmt_kmsg_parse_text_line(e->buf, rec);
}

static char **corpus_files(size_t *ret_n)
{
	char *dir = data_path(""), **names = NULL;
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir(dir);

	if (!d)
		fail_msg("cannot open %s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l < 5 || strcmp(de->d_name + l - 4, ".txt"))
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		assert_non_null(names);
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	free(dir);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(names[i], names[j]) > 0) {
				char *t = names[i];

				names[i] = names[j];
				names[j] = t;
			}
	*ret_n = n;
	return names;
}

/* ------------------------------------------------------------------ */
/* classifier expectations                                             */

enum ftype { F_I64, F_STR, F_BOOL };

static const struct field {
	const char *name;
	enum ftype type;
	size_t off;
} fields[] = {
#define I(f) { #f, F_I64, offsetof(struct mmt_kmsg_match, f) }
#define S(f) { #f, F_STR, offsetof(struct mmt_kmsg_match, f) }
#define B(f) { #f, F_BOOL, offsetof(struct mmt_kmsg_match, f) }
	I(pid), S(comm), S(constraint), S(nodemask), S(cpuset), S(mems_allowed),
	S(oom_memcg), S(task_memcg), B(global_oom), S(gfp_mask), I(order),
	I(oom_score_adj), I(total_vm_kb), I(anon_rss_kb), I(file_rss_kb),
	I(shmem_rss_kb), I(pgtables_kb), I(uid), I(node), I(free_kb), I(usage_kb),
	I(limit_kb), I(seconds), I(cpu), I(score), B(kill_select), I(failcnt),
	I(stall_ms),
#undef I
#undef S
#undef B
};

static int check_field(const char *where, const struct mmt_kmsg_rec *rec,
		       const struct mmt_kmsg_match *m, const char *key, const char *val)
{
	char got[512];

	if (!strcmp(key, "ts_us"))
		snprintf(got, sizeof(got), "%llu", rec->has_ts ?
			 (unsigned long long)rec->ts_us : 0ULL);
	else if (!strcmp(key, "seq"))
		snprintf(got, sizeof(got), "%llu", rec->has_seq ?
			 (unsigned long long)rec->seq : 0ULL);
	else if (!strcmp(key, "level"))
		snprintf(got, sizeof(got), "%d", rec->level);
	else {
		const struct field *f = NULL;
		const char *base = (const char *)m;

		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (!strcmp(fields[i].name, key))
				f = &fields[i];
		if (!f)
			fail_msg("%s: unknown field '%s'", where, key);
		switch (f->type) {
		case F_I64:
			snprintf(got, sizeof(got), "%lld",
				 (long long)*(const int64_t *)(base + f->off));
			break;
		case F_STR:
			snprintf(got, sizeof(got), "%s", base + f->off);
			break;
		case F_BOOL:
			snprintf(got, sizeof(got), "%s",
				 *(const bool *)(base + f->off) ? "true" : "false");
			break;
		}
	}
	if (strcmp(got, val)) {
		print_error("%s: %s: expected '%s', got '%s'\n", where, key, val, got);
		return 1;
	}
	return 0;
}

static int check_entry(const struct corpus *c, const struct entry *e, unsigned *ret_checked)
{
	struct mmt_kmsg_rec rec;
	struct mmt_kmsg_match m;
	enum mmt_kmsg_kind kind;
	char where[256], *exp, *p, *kname, *key, *val;
	int bad = 0;

	snprintf(where, sizeof(where), "%s:%d", c->name, e->lineno);
	if (parse_entry(e, &rec) < 0) {
		if (e->expect) {
			print_error("%s: line does not parse but has '#='\n", where);
			return 1;
		}
		return 0;
	}
	kind = mmt_kmsg_classify(rec.msg, &m);
	if (kind != m.kind) {
		print_error("%s: returned kind differs from ret->kind\n", where);
		bad++;
	}
	if (!e->expect) {
		if (kind != MMT_KMSG_NONE) {
			print_error("%s: unannotated line classified as %s: %s\n", where,
				    mmt_kmsg_kind_name(kind), rec.msg);
			bad++;
		}
		return bad;
	}
	exp = strdup(e->expect);
	p = exp;
	kname = strsep(&p, " ");
	if (strcmp(kname, mmt_kmsg_kind_name(kind))) {
		print_error("%s: expected kind %s, got %s: %s\n", where, kname,
			    mmt_kmsg_kind_name(kind), rec.msg);
		bad++;
	}
	while (p && next_kv(&p, &key, &val))
		bad += check_field(where, &rec, &m, key, val);
	(*ret_checked)++;
	free(exp);
	return bad;
}

static void test_corpus_classify(void **state)
{
	size_t nfiles;
	char **files = corpus_files(&nfiles);
	unsigned checked = 0, total_bad = 0;

	(void)state;
	assert_true(nfiles >= 10);
	for (size_t i = 0; i < nfiles; i++) {
		struct corpus c;
		unsigned before = checked;

		corpus_load(files[i], &c);
		for (size_t j = 0; j < c.n; j++)
			total_bad += check_entry(&c, &c.e[j], &checked);
		if (checked == before) {
			print_error("%s: no '#=' annotations\n", files[i]);
			total_bad++;
		}
		corpus_free(&c);
		free(files[i]);
	}
	free(files);
	print_message("classified %u annotated records in %zu files\n", checked, nfiles);
	assert_true(checked >= 40);
	assert_int_equal(total_bad, 0);
}

/* ------------------------------------------------------------------ */
/* the combiner's typed events as the JSON a run and parse-kmsg write  */

static struct mmt_kevent kbuf[MMT_KMSG_MAX_EVENTS];

static int as_json(int r, json_object **ev)
{
	for (int i = 0; i < r; i++) {
		ev[i] = mmt_kevent_to_json(&kbuf[i]);
		assert_non_null(ev[i]);
	}
	return r;
}

static int feed_json(struct mmt_kmsg_state *st, const struct mmt_kmsg_rec *rec,
		     json_object **ev)
{
	return as_json(mmt_kmsg_feed(st, rec, kbuf, MMT_KMSG_MAX_EVENTS), ev);
}

static int flush_json(struct mmt_kmsg_state *st, json_object **ev)
{
	return as_json(mmt_kmsg_flush(st, kbuf, MMT_KMSG_MAX_EVENTS), ev);
}

static int expire_json(struct mmt_kmsg_state *st, uint64_t now_us, json_object **ev)
{
	return as_json(mmt_kmsg_expire(st, now_us, kbuf, MMT_KMSG_MAX_EVENTS), ev);
}

/* ------------------------------------------------------------------ */
/* combiner expectations                                               */

static json_object *json_path(json_object *ev, const char *path, bool *ret_found)
{
	char *dup = strdup(path), *save = NULL, *tok;
	json_object *cur = ev;

	*ret_found = true;
	for (char *p = dup; (tok = strtok_r(p, ".", &save)); p = NULL) {
		if (!cur || !json_object_object_get_ex(cur, tok, &cur)) {
			*ret_found = false;
			cur = NULL;
			break;
		}
	}
	free(dup);
	return cur;
}

static int check_event(const char *where, json_object *ev, const char *spec)
{
	char *s = strdup(spec), *p = s, *type, *key, *val;
	int bad = 0;
	json_object *v;
	bool found;

	/* every event carries these */
	static const char *const always[] = { "type", "kmsg_seq", "kernel_ts_us", "line" };

	for (int i = 0; i < 4; i++) {
		if (!json_object_object_get_ex(ev, always[i], NULL)) {
			print_error("%s: event lacks \"%s\"\n", where, always[i]);
			bad++;
		}
	}
	type = strsep(&p, " ");
	v = json_object_object_get(ev, "type");
	if (!v || strcmp(json_object_get_string(v), type)) {
		print_error("%s: expected event %s, got %s\n", where, type,
			    json_object_to_json_string(ev));
		free(s);
		return bad + 1;
	}
	while (p && next_kv(&p, &key, &val)) {
		const char *got;

		v = json_path(ev, key, &found);
		if (!strcmp(val, "null")) {
			if (v) {
				print_error("%s: %s: expected null, got %s\n", where, key,
					    json_object_get_string(v));
				bad++;
			}
			continue;
		}
		got = found && v ? json_object_get_string(v) : "(absent)";
		if (strcmp(got, val)) {
			print_error("%s: %s: expected '%s', got '%s' in %s\n", where, key, val,
				    got, json_object_to_json_string(ev));
			bad++;
		}
	}
	free(s);
	return bad;
}

/* Feed a whole corpus file; returns the events (caller frees). */
static json_object **combine(const struct corpus *c, size_t *ret_n)
{
	struct mmt_kmsg_state *st = mmt_kmsg_state_new();
	json_object **all = calloc(c->n * MMT_KMSG_MAX_EVENTS + MMT_KMSG_MAX_EVENTS,
				   sizeof(*all));
	json_object *ev[MMT_KMSG_MAX_EVENTS];
	struct mmt_kmsg_rec rec;
	size_t n = 0;
	int r;

	assert_non_null(st);
	assert_non_null(all);
	for (size_t i = 0; i < c->n; i++) {
		if (parse_entry(&c->e[i], &rec) < 0)
			continue;
		r = feed_json(st, &rec, ev);
		assert_true(r >= 0);
		for (int k = 0; k < r; k++)
			all[n++] = ev[k];
	}
	r = flush_json(st, ev);
	assert_true(r >= 0);
	for (int k = 0; k < r; k++)
		all[n++] = ev[k];
	/* a second flush has nothing left */
	assert_int_equal(flush_json(st, ev), 0);
	mmt_kmsg_state_free(st);
	*ret_n = n;
	return all;
}

static void free_events(json_object **all, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_object_put(all[i]);
	free(all);
}

static void test_corpus_combine(void **state)
{
	size_t nfiles, nev, total = 0;
	char **files = corpus_files(&nfiles);
	unsigned bad = 0;

	(void)state;
	for (size_t i = 0; i < nfiles; i++) {
		struct corpus c;
		json_object **all;

		corpus_load(files[i], &c);
		all = combine(&c, &nev);
		if (nev != c.nev) {
			print_error("%s: expected %zu events, got %zu:\n", files[i], c.nev, nev);
			for (size_t k = 0; k < nev; k++)
				print_error("  %s\n", json_object_to_json_string(all[k]));
			bad++;
		}
		for (size_t k = 0; k < nev && k < c.nev; k++) {
			char where[128];

			snprintf(where, sizeof(where), "%s: event %zu", files[i], k + 1);
			bad += check_event(where, all[k], c.events[k]);
		}
		total += nev;
		free_events(all, nev);
		corpus_free(&c);
		free(files[i]);
	}
	free(files);
	assert_true(total >= 40);
	assert_int_equal(bad, 0);
}

/* A full 6.18 report (header, dump, constraint, kill) is exactly one event. */
static void test_full_report(void **state)
{
	struct corpus c;
	json_object **all, *nf;
	size_t n, ooms = 0;

	(void)state;
	corpus_load("v6.18-memcg-oom-real.txt", &c);
	assert_true(c.n > 70);
	all = combine(&c, &n);
	for (size_t i = 0; i < n; i++) {
		json_object *ev = all[i];

		if (strcmp(json_object_get_string(json_object_object_get(ev, "type")),
			   "oom_kill"))
			continue;
		ooms++;
		assert_int_equal(json_object_get_int64(json_object_object_get(ev, "pid")), 7492);
		assert_string_equal(json_object_get_string(json_object_object_get(ev, "comm")),
				    "python3");
		assert_string_equal(json_object_get_string(
				    json_object_object_get(ev, "constraint")), "CONSTRAINT_MEMCG");
		assert_string_equal(json_object_get_string(
				    json_object_object_get(ev, "oom_memcg")),
				    "/mmtorture-kmsgsample");
		assert_false(json_object_get_boolean(json_object_object_get(ev, "global_oom")));
		assert_int_equal(json_object_get_int64(
				 json_object_object_get(ev, "anon_rss_kb")), 65152);
		assert_int_equal(json_object_get_int64(
				 json_object_object_get(ev, "memcg_limit_kb")), 65536);
		assert_int_equal(json_object_get_int64(
				 json_object_object_get(ev, "kernel_ts_us")), 407507491);
		assert_true(json_object_object_get_ex(ev, "node_free_kb", &nf));
		assert_true(json_object_is_type(nf, json_type_object));
		assert_true(json_object_get_boolean(json_object_object_get(ev, "complete")));
	}
	assert_int_equal(n, 1);
	assert_int_equal(ooms, 1);
	free_events(all, n);
	corpus_free(&c);
}

/* ------------------------------------------------------------------ */
/* sequence gaps                                                       */

static int feed_seq(struct mmt_kmsg_state *st, uint64_t seq, bool has_seq,
		    const char *msg, json_object **ev)
{
	struct mmt_kmsg_rec rec;

	memset(&rec, 0, sizeof(rec));
	rec.seq = seq;
	rec.has_seq = has_seq;
	rec.ts_us = seq * 1000;
	rec.has_ts = true;
	rec.level = 6;
	snprintf(rec.msg, sizeof(rec.msg), "%s", msg);
	return feed_json(st, &rec, ev);
}

static void test_seq_gap(void **state)
{
	struct mmt_kmsg_state *st = mmt_kmsg_state_new();
	json_object *ev[MMT_KMSG_MAX_EVENTS];

	(void)state;
	assert_int_equal(feed_seq(st, 10, true, "hello", ev), 0);
	assert_int_equal(feed_seq(st, 11, true, "hello", ev), 0);
	/* 12, 13, 14 missing */
	assert_int_equal(feed_seq(st, 15, true, "hello", ev), 1);
	assert_string_equal(json_object_get_string(json_object_object_get(ev[0], "type")),
			    "kmsg_lost");
	assert_int_equal(json_object_get_int64(json_object_object_get(ev[0], "missing")), 3);
	assert_int_equal(json_object_get_int64(json_object_object_get(ev[0], "kmsg_seq")), 15);
	assert_false(json_object_get_boolean(json_object_object_get(ev[0], "epipe")));
	json_object_put(ev[0]);

	/* EPIPE: the count comes with the next record */
	assert_int_equal(mmt_kmsg_lost(st), 0);
	assert_int_equal(feed_seq(st, 20, true, "INFO: task a:1 blocked for more than 5 seconds.",
				  ev), 1);
	assert_string_equal(json_object_get_string(json_object_object_get(ev[0], "type")),
			    "kmsg_lost");
	assert_int_equal(json_object_get_int64(json_object_object_get(ev[0], "missing")), 4);
	assert_true(json_object_get_boolean(json_object_object_get(ev[0], "epipe")));
	json_object_put(ev[0]);
	/* the hung task waits for its call trace (issue 12): it comes at the flush */
	assert_int_equal(flush_json(st, ev), 1);
	assert_string_equal(json_object_get_string(json_object_object_get(ev[0], "type")),
			    "hung_task");
	json_object_put(ev[0]);

	/* no gap, no event; records without a sequence number are never gaps */
	assert_int_equal(feed_seq(st, 21, true, "x", ev), 0);
	assert_int_equal(feed_seq(st, 0, false, "x", ev), 0);
	assert_int_equal(feed_seq(st, 22, true, "x", ev), 0);
	/* the sequence restarting (another boot in a saved log) is not a loss */
	assert_int_equal(feed_seq(st, 3, true, "x", ev), 0);
	assert_int_equal(feed_seq(st, 4, true, "x", ev), 0);
	assert_int_equal(feed_seq(st, 1004, true, "x", ev), 1);
	assert_int_equal(json_object_get_int64(json_object_object_get(ev[0], "missing")), 999);
	json_object_put(ev[0]);
	mmt_kmsg_state_free(st);
	mmt_kmsg_state_free(NULL);
}

/*
 * A run's early kills: the oom_kill event goes out at its kill line, with
 * its kmsg seq; the reaper line that follows is an oom_reaped event that
 * names that seq (kill_seq), the update linked to the event it updates.
 * Without early kills (parse-kmsg) the report waits for the reaper line.
 */
static void test_early_kill_linking(void **state)
{
	static const char kill[] = "3,501,100000000,-;Memory cgroup out of memory: Killed process "
		"42 (w) total-vm:10kB, anon-rss:5kB, file-rss:0kB, shmem-rss:0kB, UID:0 "
		"pgtables:4kB oom_score_adj:1000";
	static const char reap[] = "6,502,100030000,-;oom_reaper: reaped process 42 (w), now "
		"anon-rss:0kB, file-rss:0kB, shmem-rss:0kB";
	struct mmt_kmsg_state *st = mmt_kmsg_state_new();
	json_object *ev[MMT_KMSG_MAX_EVENTS];
	struct mmt_kmsg_rec rec;

	(void)state;
	mmt_kmsg_state_set_early_kill(st, true);
	assert_int_equal(mmt_kmsg_parse_record(kill, sizeof(kill) - 1, &rec), 0);
	assert_int_equal(feed_json(st, &rec, ev), 1);
	assert_string_equal(json_object_get_string(json_object_object_get(ev[0], "type")),
			    "oom_kill");
	assert_int_equal(json_object_get_int64(json_object_object_get(ev[0], "kmsg_seq")), 501);
	assert_false(json_object_get_boolean(json_object_object_get(ev[0], "reaped")));
	json_object_put(ev[0]);
	assert_int_equal(mmt_kmsg_parse_record(reap, sizeof(reap) - 1, &rec), 0);
	assert_int_equal(feed_json(st, &rec, ev), 1);
	assert_string_equal(json_object_get_string(json_object_object_get(ev[0], "type")),
			    "oom_reaped");
	assert_int_equal(json_object_get_int64(json_object_object_get(ev[0], "pid")), 42);
	assert_int_equal(json_object_get_int64(json_object_object_get(ev[0], "kill_seq")), 501);
	json_object_put(ev[0]);
	assert_int_equal(flush_json(st, ev), 0);
	mmt_kmsg_state_free(st);

	/* Not early: one event, reaped, and no update to link. */
	st = mmt_kmsg_state_new();
	assert_int_equal(mmt_kmsg_parse_record(kill, sizeof(kill) - 1, &rec), 0);
	assert_int_equal(feed_json(st, &rec, ev), 0);
	assert_int_equal(mmt_kmsg_parse_record(reap, sizeof(reap) - 1, &rec), 0);
	assert_int_equal(feed_json(st, &rec, ev), 1);
	assert_string_equal(json_object_get_string(json_object_object_get(ev[0], "type")),
			    "oom_kill");
	assert_true(json_object_get_boolean(json_object_object_get(ev[0], "reaped")));
	json_object_put(ev[0]);
	mmt_kmsg_state_free(st);
}

/* A finished report waits for its reaper line, then expires. */
static void test_expire(void **state)
{
	struct mmt_kmsg_state *st = mmt_kmsg_state_new();
	json_object *ev[MMT_KMSG_MAX_EVENTS];
	struct mmt_kmsg_rec rec;

	(void)state;
	assert_int_equal(mmt_kmsg_parse_text_line("[  100.000000] Out of memory: Killed process "
		"42 (w) total-vm:10kB, anon-rss:5kB, file-rss:0kB, shmem-rss:0kB, UID:0 "
		"pgtables:4kB oom_score_adj:1000", &rec), 0);
	assert_int_equal(feed_json(st, &rec, ev), 0);
	assert_int_equal(expire_json(st, 100500000, ev), 0);
	assert_int_equal(expire_json(st, 100000000 + MMT_KMSG_REAP_WINDOW_US + 1, ev), 1);
	assert_int_equal(json_object_get_int64(json_object_object_get(ev[0], "pid")), 42);
	assert_false(json_object_get_boolean(json_object_object_get(ev[0], "reaped")));
	assert_int_equal(json_object_get_int64(
			 json_object_object_get(ev[0], "victim_oom_score_adj")), 1000);
	json_object_put(ev[0]);
	/* the late reaper line is its own event */
	assert_int_equal(mmt_kmsg_parse_text_line("[  107.000000] oom_reaper: reaped process 42 "
		"(w), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB", &rec), 0);
	assert_int_equal(feed_json(st, &rec, ev), 1);
	assert_string_equal(json_object_get_string(json_object_object_get(ev[0], "type")),
			    "oom_reaped");
	json_object_put(ev[0]);
	assert_int_equal(flush_json(st, ev), 0);

	/* a header whose kill line never comes expires as incomplete */
	assert_int_equal(mmt_kmsg_parse_text_line("[  200.000000] w invoked oom-killer: "
		"gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0", &rec), 0);
	assert_int_equal(feed_json(st, &rec, ev), 0);
	assert_int_equal(expire_json(st, 201000000, ev), 0);
	assert_int_equal(expire_json(st, 200000000 + MMT_KMSG_REAP_WINDOW_US + 1, ev), 1);
	assert_false(json_object_get_boolean(json_object_object_get(ev[0], "complete")));
	json_object_put(ev[0]);
	mmt_kmsg_state_free(st);
}

/* ------------------------------------------------------------------ */
/* record and text-line parsing                                        */

static void test_parse_record(void **state)
{
	/* real, from this machine's /dev/kmsg */
	static const char dictrec[] =
		"6,191,276646,-;acpi PNP0A08:00: _OSC: OS supports [ExtendedConfig ASPM]\n"
		" SUBSYSTEM=acpi\n"
		" DEVICE=+acpi:PNP0A08:00\n";
	static const char tabrec[] = "6,89,226715,-;rcu: \\x09RCU restricting CPUs\n";
	static const char *const bad[] = {
		"", "garbage", "6,1;x", "6,x,2,-;x", "-1,2,3,-;x", "6,1,-5,-;x", ";;;", "6,1,2;x",
	};
	struct mmt_kmsg_rec r;

	(void)state;
	assert_int_equal(mmt_kmsg_parse_record(dictrec, strlen(dictrec), &r), 0);
	assert_true(r.has_seq);
	assert_int_equal(r.seq, 191);
	assert_true(r.has_ts);
	assert_int_equal(r.ts_us, 276646);
	assert_int_equal(r.level, 6);
	assert_int_equal(r.facility, 0);
	assert_false(r.cont);
	assert_string_equal(r.msg, "acpi PNP0A08:00: _OSC: OS supports [ExtendedConfig ASPM]");
	assert_string_equal(r.dict, "SUBSYSTEM=acpi\nDEVICE=+acpi:PNP0A08:00");

	assert_int_equal(mmt_kmsg_parse_record(tabrec, strlen(tabrec), &r), 0);
	assert_string_equal(r.msg, "rcu: \tRCU restricting CPUs");
	assert_string_equal(r.dict, "");

	/* facility 3 (daemon), level 6; continuation flag; extra header fields */
	assert_int_equal(mmt_kmsg_parse_record("30,7,8,c,more;x", 15, &r), 0);
	assert_int_equal(r.facility, 3);
	assert_int_equal(r.level, 6);
	assert_true(r.cont);
	assert_string_equal(r.msg, "x");
	/* not NUL-terminated: only len bytes count */
	assert_int_equal(mmt_kmsg_parse_record("4,1,2,-;abcdef", 10, &r), 0);
	assert_string_equal(r.msg, "ab");

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(mmt_kmsg_parse_record(bad[i], strlen(bad[i]), &r), -EINVAL);
}

static void test_parse_text(void **state)
{
	static const struct {
		const char *line;
		const char *msg;
		long long ts_us;    /* -1: none */
		long long seq;      /* -1: none */
		int level;
	} cases[] = {
		{ "[  407.500388] python3 invoked oom-killer", "python3 invoked oom-killer",
		  407500388, -1, -1 },
		{ "<4>[  12.3] x", "x", 12300000, -1, 4 },
		{ "<4>[   12.345678][  T123] with caller", "with caller", 12345678, -1, 4 },
		{ "[   12.345678] [    C1] cpu caller", "cpu caller", 12345678, -1, -1 },
		{ "Nov 22 00:53:13 host kernel: plain journal", "plain journal", -1, -1, -1 },
		{ "Nov  2 00:53:13 host kernel: [  5.000001] syslog+ts", "syslog+ts",
		  5000001, -1, -1 },
		{ "2026-05-28T12:21:57.303295+00:00 vm-1 kernel:  ret_from_fork+0x44/0x70",
		  " ret_from_fork+0x44/0x70", -1, -1, -1 },
		{ "[Mon Dec  8 17:51:31 2025] dmesg -T line", "dmesg -T line", -1, -1, -1 },
		{ "Aug 31 05:43:08 UBU20MP-1 dbus-daemon[3544]: Killed process 1 (x)", "",
		  -1, -1, -1 },
		{ "2026-05-28T12:22:43.057795+00:00 vm-1 systemd[1]: Killed process 2 (y)", "",
		  -1, -1, -1 },
		{ "Nov is a month", "Nov is a month", -1, -1, -1 },
		{ "[  907.567979] host kernel: short-monotonic", "short-monotonic",
		  907567979, -1, -1 },
		{ "[17] [  407.500388] <4> our kmsg.log", "our kmsg.log", 407500388, 17, 4 },
		{ "4,341,407500388,-;raw record", "raw record", 407500388, 341, 4 },
		{ "bare text\r\n", "bare text", -1, -1, -1 },
		{ "[  240.] no fraction", "no fraction", 240000000, -1, -1 },
		{ "kernel:[55716.328117] wall", "wall", 55716328117LL, -1, -1 },
		{ "[1310061.327439]  dump_stack+0x19/0x1b", " dump_stack+0x19/0x1b",
		  1310061327439LL, -1, -1 },
	};
	static const char killrec[] =
		"3,418,407507491,-;Memory cgroup out of memory: Killed process 7492 (python3)\n";
	struct mmt_kmsg_rec r;
	char buf[MMT_KMSG_MAX + 64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(mmt_kmsg_parse_text_line(cases[i].line, &r), 0);
		if (strcmp(r.msg, cases[i].msg))
			fail_msg("'%s': msg '%s', expected '%s'", cases[i].line, r.msg,
				 cases[i].msg);
		assert_int_equal(r.has_ts, cases[i].ts_us >= 0);
		if (cases[i].ts_us >= 0)
			assert_int_equal(r.ts_us, cases[i].ts_us);
		assert_int_equal(r.has_seq, cases[i].seq >= 0);
		if (cases[i].seq >= 0)
			assert_int_equal(r.seq, cases[i].seq);
		assert_int_equal(r.level, cases[i].level);
	}
	assert_int_equal(mmt_kmsg_parse_text_line("", &r), -EINVAL);
	assert_int_equal(mmt_kmsg_parse_text_line("  \t \n", &r), -EINVAL);
	assert_int_equal(mmt_kmsg_parse_text_line(NULL, &r), -EINVAL);

	/* kmsg.log round trip: format_log then parse gives the record back */
	assert_int_equal(mmt_kmsg_parse_record(killrec, strlen(killrec), &r), 0);
	mmt_kmsg_format_log(&r, buf, sizeof(buf));
	assert_string_equal(buf, "[418] [  407.507491] <3> Memory cgroup out of memory: "
			    "Killed process 7492 (python3)");
	{
		struct mmt_kmsg_rec back;

		assert_int_equal(mmt_kmsg_parse_text_line(buf, &back), 0);
		assert_int_equal(back.seq, 418);
		assert_int_equal(back.ts_us, 407507491);
		assert_int_equal(back.level, 3);
		assert_string_equal(back.msg, r.msg);
	}
	/* a very long line is cut, not overflowed */
	{
		char *big = malloc(3 * MMT_KMSG_MAX);

		assert_non_null(big);
		memset(big, 'a', 3 * MMT_KMSG_MAX - 1);
		big[3 * MMT_KMSG_MAX - 1] = '\0';
		assert_int_equal(mmt_kmsg_parse_text_line(big, &r), 0);
		assert_int_equal(strlen(r.msg), MMT_KMSG_MAX - 1);
		assert_int_equal(mmt_kmsg_parse_record(big, strlen(big), &r), -EINVAL);
		free(big);
	}
}

/* An oom_kill event read back (mmt_oom_report_from_json) writes the same JSON. */
static void test_oom_json_roundtrip(void **state)
{
	size_t nfiles;
	char **files = corpus_files(&nfiles);
	unsigned compared = 0;
	struct mmt_kevent *back = calloc(1, sizeof(*back));

	(void)state;
	assert_non_null(back);
	assert_int_equal(mmt_oom_report_from_json(NULL, &back->u.oom), -EINVAL);
	for (size_t i = 0; i < nfiles; i++) {
		struct corpus c;
		json_object **all;
		size_t n;

		corpus_load(files[i], &c);
		all = combine(&c, &n);
		for (size_t k = 0; k < n; k++) {
			json_object *again;
			int64_t v;

			if (strcmp(json_object_get_string(json_object_object_get(all[k], "type")),
				   "oom_kill")) {
				assert_int_equal(mmt_oom_report_from_json(all[k], &back->u.oom),
						 -EINVAL);
				continue;
			}
			assert_int_equal(mmt_oom_report_from_json(all[k], &back->u.oom), 0);
			back->type = MMT_KEV_OOM_KILL;
			back->has_seq = mmt_json_i64(all[k], "kmsg_seq", &v);
			back->seq = back->has_seq ? (uint64_t)v : 0;
			back->has_ts = mmt_json_i64(all[k], "kernel_ts_us", &v);
			back->kernel_ts_us = back->has_ts ? (uint64_t)v : 0;
			snprintf(back->line, sizeof(back->line), "%s",
				 mmt_json_str(all[k], "line"));
			again = mmt_kevent_to_json(back);
			if (strcmp(json_object_to_json_string(all[k]),
				   json_object_to_json_string(again)))
				fail_msg("%s: event %zu differs read back:\n  %s\n  %s", files[i], k,
					 json_object_to_json_string(all[k]),
					 json_object_to_json_string(again));
			json_object_put(again);
			compared++;
		}
		free_events(all, n);
		corpus_free(&c);
		free(files[i]);
	}
	free(files);
	free(back);
	assert_true(compared >= 20);
}

/* kmsg.log (mmt_kmsg_format_log) read back gives the same events */
static void test_kmsglog_roundtrip(void **state)
{
	size_t nfiles;
	char **files = corpus_files(&nfiles);
	char line[MMT_KMSG_MAX + 128];
	unsigned compared = 0;

	(void)state;
	for (size_t i = 0; i < nfiles; i++) {
		struct corpus c, back;
		json_object **a, **b;
		size_t na, nb;

		corpus_load(files[i], &c);
		memset(&back, 0, sizeof(back));
		back.name = files[i];
		back.e = calloc(c.n + 1, sizeof(*back.e));
		assert_non_null(back.e);
		for (size_t j = 0; j < c.n; j++) {
			struct mmt_kmsg_rec rec;

			if (parse_entry(&c.e[j], &rec) < 0)
				continue;
			mmt_kmsg_format_log(&rec, line, sizeof(line));
			back.e[back.n].lineno = c.e[j].lineno;
			back.e[back.n++].buf = strdup(line);
		}
		a = combine(&c, &na);
		b = combine(&back, &nb);
		assert_int_equal(na, nb);
		for (size_t k = 0; k < na; k++) {
			const char *sa = json_object_to_json_string(a[k]);
			const char *sb = json_object_to_json_string(b[k]);

			if (strcmp(sa, sb))
				fail_msg("%s: event %zu differs:\n  %s\n  %s", files[i], k, sa, sb);
			compared++;
		}
		free_events(a, na);
		free_events(b, nb);
		corpus_free(&back);
		corpus_free(&c);
		free(files[i]);
	}
	free(files);
	assert_true(compared >= 40);
}

/* ------------------------------------------------------------------ */
/* garbage never crashes                                               */

static unsigned feed_bytes(struct mmt_kmsg_state *st, const char *buf, size_t len)
{
	json_object *ev[MMT_KMSG_MAX_EVENTS];
	struct mmt_kmsg_rec rec;
	struct mmt_kmsg_match m;
	unsigned lines = 0;
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = strndup(p, l);
		int r;

		assert_non_null(line);
		if (mmt_kmsg_parse_record(p, l, &rec) == 0 ||
		    mmt_kmsg_parse_text_line(line, &rec) == 0) {
			mmt_kmsg_classify(rec.msg, &m);
			assert_true((unsigned)m.kind < MMT_KMSG_NR_KINDS);
			r = feed_json(st, &rec, ev);
			assert_true(r >= 0 && r <= MMT_KMSG_MAX_EVENTS);
			for (int i = 0; i < r; i++) {
				assert_non_null(json_object_object_get(ev[i], "type"));
				json_object_put(ev[i]);
			}
			lines++;
		}
		free(line);
		p += l + 1;
	}
	return lines;
}

static void test_garbage(void **state)
{
	struct mmt_kmsg_state *st = mmt_kmsg_state_new();
	json_object *ev[MMT_KMSG_MAX_EVENTS];
	char *path = data_path("garbage.bin"), *buf;
	unsigned seed = 12345, lines;
	size_t len;
	int r;

	(void)state;
	buf = slurp(path, &len);
	assert_true(len > 1000);
	assert_non_null(memchr(buf, '\0', len));
	lines = feed_bytes(st, buf, len);
	assert_true(lines > 100);
	free(buf);
	free(path);

	/* random bytes, random lengths, with kernel-log words mixed in */
	buf = malloc(3 * MMT_KMSG_MAX);
	assert_non_null(buf);
	for (int round = 0; round < 3000; round++) {
		static const char *const words[] = {
			"Killed process ", "oom-kill:", " invoked oom-killer: ", "Node ",
			" free:", "(", ")", ",", "=", "[", "]", "<4>", "6,1,2,-;", "\n ",
			"cpuset=", " mems_allowed=", "INFO: task ", ":", "CPU#",
		};
		size_t n = (size_t)rand_r(&seed) % (3 * MMT_KMSG_MAX - 64);

		len = 0;
		while (len < n) {
			if (rand_r(&seed) % 4 == 0) {
				size_t nw = sizeof(words) / sizeof(*words);
				size_t wi = (size_t)rand_r(&seed) % nw;
				const char *w = words[wi];
				size_t wl = strlen(w);

				if (len + wl >= n)
					break;
				memcpy(buf + len, w, wl);
				len += wl;
			} else {
				buf[len++] = (char)(rand_r(&seed) & 0xff);
			}
		}
		mmt_kmsg_parse_record(buf, len, &(struct mmt_kmsg_rec){ 0 });
		feed_bytes(st, buf, len);
	}
	free(buf);
	r = flush_json(st, ev);
	assert_true(r >= 0);
	for (int i = 0; i < r; i++)
		json_object_put(ev[i]);
	mmt_kmsg_state_free(st);
}

static void test_kind_names(void **state)
{
	(void)state;
	for (int i = 0; i < MMT_KMSG_NR_KINDS; i++) {
		assert_string_not_equal(mmt_kmsg_kind_name(i), "unknown");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(mmt_kmsg_kind_name(i), mmt_kmsg_kind_name(j));
	}
	assert_string_equal(mmt_kmsg_kind_name(MMT_KMSG_NR_KINDS), "unknown");
	assert_int_equal(mmt_kmsg_classify(NULL, &(struct mmt_kmsg_match){ 0 }), MMT_KMSG_NONE);
}

/* Our own marks (lib/kmark.h) read back as "mark" events, in the log's
 * order with what the kernel said around them. */
static void test_marks(void **state)
{
	struct mmt_kmsg_state *st = mmt_kmsg_state_new();
	struct mmt_kevent *ev = calloc(MMT_KMSG_MAX_EVENTS, sizeof(*ev));
	struct mmt_kmsg_match m;
	struct mmt_kmsg_rec rec;
	char buf[300];
	int n;

	(void)state;
	assert_non_null(st);
	assert_non_null(ev);
	/* The writer's format is what the reader takes. */
	mmt_kmark_format("20261129T2200Z-cpuset-rebind", 0, "FAIL oom_spurious: pid 7 cell a",
			 buf, sizeof(buf));
	assert_int_equal(mmt_kmsg_parse_text_line(buf + 3, &rec), 0);
	assert_int_equal(mmt_kmsg_classify(rec.msg, &m), MMT_KMSG_MARK);
	assert_string_equal(m.run_id, "20261129T2200Z-cpuset-rebind");
	n = mmt_kmsg_feed(st, &rec, ev, MMT_KMSG_MAX_EVENTS);
	n += mmt_kmsg_flush(st, ev + n, MMT_KMSG_MAX_EVENTS - (size_t)n);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].type, MMT_KEV_MARK);
	assert_string_equal(ev[0].u.mark.run_id, "20261129T2200Z-cpuset-rebind");
	assert_string_equal(ev[0].u.mark.text, "FAIL oom_spurious: pid 7 cell a");
	/* Not a mark: the comm of a task named mmtorture, and a bare prefix. */
	assert_int_not_equal(mmt_kmsg_classify("mmtorture invoked oom-killer: gfp_mask=0x0, order=0",
					       &m), MMT_KMSG_MARK);
	assert_int_not_equal(mmt_kmsg_classify("mmtorture: ", &m), MMT_KMSG_MARK);
	free(ev);
	mmt_kmsg_state_free(st);
}

/* ------------------------------------------------------------------ */
/* mmtorture parse-kmsg                                                */

static int run_cmd(char **argv, int argc, char **ret_out)
{
	char tmpl[] = "/tmp/test_kmsg.XXXXXX";
	int fd = mkstemp(tmpl), saved, r;
	size_t len;

	assert_true(fd >= 0);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fd, STDOUT_FILENO) >= 0);
	r = mmt_cmd_parse_kmsg(argc, argv);
	fflush(stdout);
	assert_true(dup2(saved, STDOUT_FILENO) >= 0);
	close(saved);
	close(fd);
	*ret_out = slurp(tmpl, &len);
	unlink(tmpl);
	return r;
}

static void test_cmd(void **state)
{
	char *file = data_path("v6.18-memcg-oom-real.txt"), *out, *line, *save = NULL;
	char *garbage = data_path("garbage.bin");
	char *a1[] = { "parse-kmsg", file };
	char *a2[] = { "parse-kmsg", file, "--text" };
	char *a3[] = { "parse-kmsg", "/nonexistent/kmsg.log" };
	char *a4[] = { "parse-kmsg" };
	char *a5[] = { "parse-kmsg", file, "--bogus" };
	char *a6[] = { "parse-kmsg", garbage };
	unsigned n = 0;

	(void)state;
	assert_int_equal(run_cmd(a1, 2, &out), 0);
	for (char *p = out; (line = strtok_r(p, "\n", &save)); p = NULL) {
		json_object *ev = json_tokener_parse(line);

		assert_non_null(ev);
		assert_string_equal(json_object_get_string(json_object_object_get(ev, "type")),
				    "oom_kill");
		json_object_put(ev);
		n++;
	}
	assert_int_equal(n, 1);
	free(out);

	assert_int_equal(run_cmd(a2, 3, &out), 0);
	assert_non_null(strstr(out, "oom_kill pid=7492 comm=python3 constraint=CONSTRAINT_MEMCG"));
	assert_int_equal(strchr(out, '\n') - out + 1, (long)strlen(out));  /* one line */
	free(out);

	assert_int_equal(run_cmd(a3, 2, &out), 128);  /* usage error: aborts git bisect run */
	free(out);
	assert_int_equal(run_cmd(a4, 1, &out), 128);  /* usage error: aborts git bisect run */
	free(out);
	assert_int_equal(run_cmd(a5, 3, &out), 128);  /* usage error: aborts git bisect run */
	free(out);
	assert_int_equal(run_cmd(a6, 2, &out), 0);
	free(out);
	free(file);
	free(garbage);
}

/* The real device: skipped where /dev/kmsg cannot be read (no root). */
static void test_dev_kmsg(void **state)
{
	struct mmt_kmsg_rec rec;
	uint64_t last = 0;
	int fd, r = 0, n = 0;

	(void)state;
	/* from the start of the buffer: real records parse */
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		print_message("skip: /dev/kmsg: %s\n", strerror(errno));
		skip();
	}
	while (n < 50 && (r = mmt_kmsg_read(fd, &rec)) != 0) {
		if (r == -EPIPE)
			continue;
		assert_int_equal(r, 1);
		assert_true(rec.has_seq);
		assert_true(rec.has_ts);
		assert_true(rec.level >= 0 && rec.level <= 7);
		if (n)
			assert_true(rec.seq > last);
		last = rec.seq;
		n++;
	}
	close(fd);
	assert_true(n > 0);

	/* mmt_kmsg_open() starts at the end: nothing old is pending */
	fd = mmt_kmsg_open();
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	for (n = 0; n < 1000 && (r = mmt_kmsg_read(fd, &rec)) != 0; n++)
		assert_true(r == 1 || r == -EPIPE);
	assert_int_equal(r, 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_classify),
		cmocka_unit_test(test_corpus_combine),
		cmocka_unit_test(test_full_report),
		cmocka_unit_test(test_kmsglog_roundtrip),
		cmocka_unit_test(test_oom_json_roundtrip),
		cmocka_unit_test(test_seq_gap),
		cmocka_unit_test(test_expire),
		cmocka_unit_test(test_early_kill_linking),
		cmocka_unit_test(test_parse_record),
		cmocka_unit_test(test_parse_text),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_marks),
		cmocka_unit_test(test_cmd),
		cmocka_unit_test(test_dev_kmsg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Job files: INI, parsed with inih.  (About 1000 lines: the reader, the
 * section and key checks with their file:line:key errors, and the option
 * tables of [global] and [cell:] are one parser; the plugins' tables live
 * in their own files.)
 *
 * Debian's inih calls the handler without line numbers, so we feed it lines
 * through our own reader, which counts them.  The reader also takes the
 * section headers itself (inih sees a blank line instead): that way empty
 * and repeated sections are noticed, and section names are not cut at
 * inih's 50 characters.  Leading blanks are dropped before inih sees a
 * line, so that an indented line is never glued to the previous value as a
 * multi-line continuation.
 *
 * Keys of a section are collected and applied when the section ends,
 * because `workload=` (which decides which extra keys a cell has) may come
 * after the workload's own keys.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ini.h>

#include "api/shared.h"
#include "api/injector.h"
#include "api/job.h"
#include "api/workload.h"
#include "lib/monitor.h"
#include "lib/log.h"
#include "lib/set.h"
#include "lib/topo.h"
#include "lib/util.h"

#define CELL_NAME_MAX 40
#define KEY_MAX 64

#define US(s) ((int64_t)(s) * 1000000LL)

static const char *const expect_oom_choices[] = { "none", "memcg", "any", NULL };
static const char *const cell_expect_oom_choices[] = {
	"inherit", "none", "memcg", "any", NULL
};
static const char *const foreign_oom_choices[] = { "warn", "fail", NULL };

#define G(field) offsetof(struct mmt_global_opts, field)
const struct mmt_opt mmt_global_opt_table[] = {
	{ "duration", MMT_OPT_DURATION, G(duration_us), US(1), MMT_JOB_DURATION_MAX_US, "60s",
	  NULL, "how long the workloads run" },
	{ "seed", MMT_OPT_U64, G(seed), 0, 0, "0", NULL,
	  "random seed; 0: derived from the clock, and recorded" },
	{ "sample_interval", MMT_OPT_DURATION, G(sample_interval_us), 10000, US(60), "1s",
	  NULL, "telemetry sample period (samples.csv)" },
	{ "stall_threshold", MMT_OPT_DURATION, G(stall_threshold_us), US(1), US(3600),
	  "30s", NULL, "a worker without progress this long is stalled" },
	{ "stop_timeout", MMT_OPT_DURATION, G(stop_timeout_us), 100000, US(3600), "10s",
	  NULL, "SIGTERM to SIGKILL to 'unkillable' after this long" },
	{ "victim_exit", MMT_OPT_DURATION, G(victim_exit_us), US(1), US(3600), "30s",
	  NULL, "an OOM victim must exit within this" },
	{ "results", MMT_OPT_STR, G(results), 0, 0, "runs", NULL,
	  "directory for run results" },
	{ "expect_oom", MMT_OPT_ENUM, G(expect_oom), 0, 0, "none", expect_oom_choices,
	  "which OOM kills of workers are expected (default for cells)" },
	{ "foreign_oom", MMT_OPT_ENUM, G(foreign_oom), 0, 0, "warn", foreign_oom_choices,
	  "what a kill outside our cells is" },
	{ "oom_score_adj", MMT_OPT_INT, G(oom_score_adj), -1000, 1000, "1000", NULL,
	  "workers' oom_score_adj (default for cells)" },
	{ "description", MMT_OPT_STR, G(description), 0, 0, "", NULL,
	  "what the job is for" },
	{ "mem_budget", MMT_OPT_SIZE, G(mem_budget), 0, 0, "0", NULL,
	  "memory cap for the whole run; 0: auto" },
	{ "psi_trigger", MMT_OPT_STR, G(psi_trigger), 0, 0, "full 1s 2s", NULL,
	  "PSI trigger on /proc/pressure/memory: 'some|full STALL WINDOW' (e.g. full 1s 2s); empty: none" },
	{ "psi_fail", MMT_OPT_BOOL, G(psi_fail), 0, 0, "0", NULL,
	  "a PSI trigger event makes the run FAIL (default: recorded only)" },
	{ "sysrq_w", MMT_OPT_BOOL, G(sysrq_w), 0, 0, "0", NULL,
	  "on a stall, write 'w' to /proc/sysrq-trigger (blocked tasks into the kernel log)" },
	{ "spurious_threshold", MMT_OPT_SIZE, G(spurious_threshold), 0, 0, "0", NULL,
	  "free memory on a victim's allowed nodes that makes its kill spurious; 0: its region size" },
	MMT_OPT_END
};
#undef G

#define C(field) offsetof(struct mmt_cell_opts, field)
const struct mmt_opt mmt_cell_opt_table[] = {
	/* Choices: the plugins' names, filled in by mmt_job_cell_opts(). */
	{ "workload", MMT_OPT_ENUM, C(workload), 0, 0, "fault", NULL,
	  "what the worker threads do" },
	{ "threads", MMT_OPT_U64, C(threads), 1, MMT_MAX_THREADS, "2", NULL,
	  "worker threads in the cell" },
	{ "cpus", MMT_OPT_CPUS, C(cpus), 0, 0, "all", NULL, "the cell's cpuset.cpus" },
	{ "mems", MMT_OPT_NODES, C(mems), 0, 0, "all", NULL,
	  "the cell's cpuset.mems (all: every node with memory)" },
	{ "memory_max", MMT_OPT_SIZE, C(memory_max), 0, 0, "0", NULL,
	  "memcg limit; 0: auto" },
	{ "swap_max", MMT_OPT_SIZE, C(swap_max), 0, 0, "0", NULL, "memcg swap limit" },
	{ "oom_score_adj", MMT_OPT_INT, C(oom_score_adj), MMT_CELL_OOM_SCORE_ADJ_INHERIT,
	  1000, "-1001", NULL, "-1001: inherit [global]" },
	/* min: "inherit" is stored as -1, then none, memcg, any as in
	 * enum mmt_expect_oom. */
	{ "expect_oom", MMT_OPT_ENUM, C(expect_oom), MMT_CELL_EXPECT_OOM_INHERIT, 0, "inherit",
	  cell_expect_oom_choices, "which OOM kills are expected" },
	{ "respawn", MMT_OPT_BOOL, C(respawn), 0, 0, "true", NULL,
	  "restart the worker after an expected kill" },
	MMT_OPT_END
};
#undef C

#define CELL_TABLE_MAX MMT_JOB_CELL_OPTS_MAX

enum sec_kind { SEC_NONE, SEC_GLOBAL, SEC_CELL, SEC_INJECTOR };

struct pending_kv {
	char key[KEY_MAX];
	char value[MMT_OPT_STRLEN];
	unsigned line;
};

struct parser {
	struct mmt_job *job;
	const struct mmt_job_plugins *plug;
	/* mmt_cell_opt_table with the workload choices of plug. */
	struct mmt_opt cell_table[CELL_TABLE_MAX];
	const char *file;
	const char *text;
	size_t pos;
	unsigned lineno;
	bool at_eof;

	enum sec_kind kind;
	char sec[MMT_OPT_STRLEN];     /* the section name as written */
	struct mmt_src *src;
	unsigned idx;                 /* cell or injector index */
	struct pending_kv kv[MMT_MAX_KEYS];
	unsigned nr_kv;

	char *err;
	size_t err_len;
	int error;
};

static void fail(struct parser *p, int r, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Record the first error only: "FILE:LINE: " + message. */
static void fail(struct parser *p, int r, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->error)
		return;
	p->error = r;
	if (!p->err_len)
		return;
	if (line)
		n = snprintf(p->err, p->err_len, "%s:%u: ", p->file, line);
	else
		n = snprintf(p->err, p->err_len, "%s: ", p->file);
	if (n < 0 || (size_t)n >= p->err_len)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->err_len - (size_t)n, fmt, ap);
	va_end(ap);
}

/* "a, b, c" from an option table, for "unknown key" messages. */
static void list_keys(const struct mmt_opt *table, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (const struct mmt_opt *o = table; o && o->name && n < len; o++) {
		int r = snprintf(buf + n, len - n, "%s%s", n ? ", " : "", o->name);

		if (r < 0)
			break;
		n += (size_t)r;
	}
	if (!n)
		snprintf(buf, len, "(none)");
}

static void src_add(struct mmt_src *src, const struct mmt_opt *o, unsigned line)
{
	if (src->nr_keys >= MMT_MAX_KEYS)
		return;
	src->keys[src->nr_keys] = o->name;
	src->key_lines[src->nr_keys] = line;
	src->nr_keys++;
}

unsigned mmt_src_line(const struct mmt_src *src, const char *key)
{
	for (unsigned i = 0; i < src->nr_keys; i++)
		if (!strcmp(src->keys[i], key))
			return src->key_lines[i];
	return src->line;
}

static int apply_kv(struct parser *p, const struct pending_kv *kv,
		    const struct mmt_opt *o, void *base)
{
	char why[512];
	int r;

	r = mmt_opt_set(o, base, kv->value, why, sizeof(why));
	if (r < 0) {
		if (r == -ENOMEM)
			fail(p, r, kv->line, "[%s] %s: out of memory", p->sec, kv->key);
		else
			fail(p, -EINVAL, kv->line, "[%s] %s: %s", p->sec, kv->key, why);
		return p->error;
	}
	src_add(p->src, o, kv->line);
	return 0;
}

static int apply_defaults(struct parser *p, const struct mmt_opt *table, void *base,
			  const char *what)
{
	int r = mmt_opt_defaults(table, base);

	if (r < 0)
		fail(p, r, p->src->line, "[%s]: %s has a bad default (a bug; see above)",
		     p->sec, what);
	return r;
}

static int end_global(struct parser *p)
{
	char keys[512];

	for (unsigned i = 0; i < p->nr_kv; i++) {
		const struct mmt_opt *o = mmt_opt_find(mmt_global_opt_table, p->kv[i].key);

		if (!o) {
			list_keys(mmt_global_opt_table, keys, sizeof(keys));
			fail(p, -EINVAL, p->kv[i].line, "[%s] %s: unknown key; allowed: %s",
			     p->sec, p->kv[i].key, keys);
			return p->error;
		}
		if (apply_kv(p, &p->kv[i], o, &p->job->g) < 0)
			return p->error;
	}
	return 0;
}

static void *alloc_opts(size_t size)
{
	return calloc(1, size ? size : 1);
}

static int end_cell(struct parser *p)
{
	struct mmt_cell_cfg *cell = &p->job->cells[p->idx];
	const struct mmt_opt *wl_table;
	char keys[512], wkeys[512];
	unsigned i;

	if (apply_defaults(p, p->cell_table, &cell->o, "the cell table") < 0)
		return p->error;
	/* workload= first: it decides which other keys exist. */
	for (i = 0; i < p->nr_kv; i++) {
		if (strcmp(p->kv[i].key, "workload"))
			continue;
		if (apply_kv(p, &p->kv[i], mmt_opt_find(p->cell_table, "workload"),
			     &cell->o) < 0)
			return p->error;
	}
	if (cell->o.workload < 0 || (unsigned)cell->o.workload >= p->plug->nr_workloads) {
		fail(p, -EINVAL, mmt_src_line(p->src, "workload"),
		     "[%s] workload: index %d is not registered (a bug)", p->sec,
		     cell->o.workload);
		return p->error;
	}
	cell->wl = p->plug->workloads[cell->o.workload];
	wl_table = cell->wl->opts;
	cell->wl_opts = alloc_opts(cell->wl->opts_size);
	if (!cell->wl_opts) {
		fail(p, -ENOMEM, p->src->line, "[%s]: out of memory", p->sec);
		return p->error;
	}
	if (apply_defaults(p, wl_table, cell->wl_opts, "the workload's table") < 0)
		return p->error;

	for (i = 0; i < p->nr_kv; i++) {
		const struct pending_kv *kv = &p->kv[i];
		const struct mmt_opt *o;

		if (!strcmp(kv->key, "workload"))
			continue;
		o = mmt_opt_find(p->cell_table, kv->key);
		if (o) {
			if (apply_kv(p, kv, o, &cell->o) < 0)
				return p->error;
			continue;
		}
		o = mmt_opt_find(wl_table, kv->key);
		if (o) {
			if (apply_kv(p, kv, o, cell->wl_opts) < 0)
				return p->error;
			continue;
		}
		list_keys(p->cell_table, keys, sizeof(keys));
		list_keys(wl_table, wkeys, sizeof(wkeys));
		fail(p, -EINVAL, kv->line,
		     "[%s] %s: unknown key; cell keys: %s; workload %s keys: %s",
		     p->sec, kv->key, keys, cell->wl->name, wkeys);
		return p->error;
	}
	return 0;
}

const struct mmt_opt mmt_injector_common_opt_table[] = {
	{ "optional", MMT_OPT_BOOL, offsetof(struct mmt_injector_cfg, optional), 0, 0, "0", NULL,
	  "when this machine lacks what the injector needs, skip it with a note instead of CONF" },
	MMT_OPT_END
};

static int end_injector(struct parser *p)
{
	struct mmt_injector_cfg *cfg = &p->job->injectors[p->idx];
	char keys[512];

	cfg->opts = alloc_opts(cfg->ops->opts_size);
	if (!cfg->opts) {
		fail(p, -ENOMEM, p->src->line, "[%s]: out of memory", p->sec);
		return p->error;
	}
	if (apply_defaults(p, cfg->ops->opts, cfg->opts, "the injector's table") < 0 ||
	    apply_defaults(p, mmt_injector_common_opt_table, cfg, "the injector common table") < 0)
		return p->error;
	for (unsigned i = 0; i < p->nr_kv; i++) {
		const struct mmt_opt *o = mmt_opt_find(mmt_injector_common_opt_table, p->kv[i].key);

		if (o) {
			if (apply_kv(p, &p->kv[i], o, cfg) < 0)
				return p->error;
			continue;
		}
		o = mmt_opt_find(cfg->ops->opts, p->kv[i].key);
		if (!o) {
			list_keys(cfg->ops->opts, keys, sizeof(keys));
			fail(p, -EINVAL, p->kv[i].line,
			     "[%s] %s: unknown key; %s keys: %s", p->sec, p->kv[i].key,
			     cfg->ops->name, keys);
			return p->error;
		}
		if (apply_kv(p, &p->kv[i], o, cfg->opts) < 0)
			return p->error;
	}
	return 0;
}

static int end_section(struct parser *p)
{
	int r = 0;

	if (p->error)
		return p->error;
	switch (p->kind) {
	case SEC_GLOBAL:
		r = end_global(p);
		break;
	case SEC_CELL:
		r = end_cell(p);
		break;
	case SEC_INJECTOR:
		r = end_injector(p);
		break;
	case SEC_NONE:
		break;
	}
	p->kind = SEC_NONE;
	p->nr_kv = 0;
	return r;
}

/* NAME: [A-Za-z0-9_-]{1,CELL_NAME_MAX} */
static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CELL_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

static void init_src(struct parser *p, struct mmt_src *src, unsigned line)
{
	memset(src, 0, sizeof(*src));
	snprintf(src->file, sizeof(src->file), "%s", p->file);
	src->line = line;
	p->src = src;
}

static int begin_cell(struct parser *p, const char *cname, unsigned line)
{
	struct mmt_job *job = p->job;
	struct mmt_cell_cfg *cell;

	if (!valid_name(cname)) {
		fail(p, -EINVAL, line,
		     "[%s]: a cell name is 1 to %d of A-Z a-z 0-9 _ -", p->sec, CELL_NAME_MAX);
		return p->error;
	}
	for (unsigned i = 0; i < job->nr_cells; i++) {
		if (!strcmp(job->cells[i].name, cname)) {
			fail(p, -EINVAL, line, "[%s]: duplicate section (first on line %u)",
			     p->sec, job->cells[i].src.line);
			return p->error;
		}
	}
	if (job->nr_cells >= MMT_MAX_CELLS) {
		fail(p, -EINVAL, line, "[%s]: too many cells (at most %d)", p->sec,
		     MMT_MAX_CELLS);
		return p->error;
	}
	p->idx = job->nr_cells++;
	cell = &job->cells[p->idx];
	snprintf(cell->name, sizeof(cell->name), "%s", cname);
	init_src(p, &cell->src, line);
	p->kind = SEC_CELL;
	return 0;
}

static const struct mmt_injector_ops *find_injector(const struct mmt_job_plugins *plug,
						     const char *name)
{
	for (unsigned i = 0; i < plug->nr_injectors; i++)
		if (!strcmp(plug->injectors[i]->name, name))
			return plug->injectors[i];
	return NULL;
}

static int begin_injector(struct parser *p, const char *name, unsigned line)
{
	struct mmt_job *job = p->job;
	const struct mmt_injector_ops *ops;
	struct mmt_injector_cfg *cfg;
	char kind[MMT_OPT_STRLEN], names[512];
	const char *colon = strchr(name, ':');
	size_t n = 0;

	snprintf(kind, sizeof(kind), "%.*s", (int)(colon ? colon - name : (long)strlen(name)),
		 name);
	ops = find_injector(p->plug, kind);
	if (!ops) {
		names[0] = '\0';
		for (unsigned i = 0; i < p->plug->nr_injectors && n < sizeof(names); i++) {
			int r = snprintf(names + n, sizeof(names) - n, ", [%s]",
					 p->plug->injectors[i]->name);

			if (r < 0)
				break;
			n += (size_t)r;
		}
		fail(p, -EINVAL, line,
		     "[%s]: unknown section; expected [global], [cell:NAME]%s or [INJECTOR:NAME]",
		     p->sec, names);
		return p->error;
	}
	if (colon && !valid_name(colon + 1)) {
		fail(p, -EINVAL, line,
		     "[%s]: an instance name is 1 to %d of A-Z a-z 0-9 _ -", p->sec,
		     CELL_NAME_MAX);
		return p->error;
	}
	for (unsigned i = 0; i < job->nr_injectors; i++) {
		if (!strcmp(job->injectors[i].name, name)) {
			fail(p, -EINVAL, line, "[%s]: duplicate section (first on line %u)",
			     p->sec, job->injectors[i].src.line);
			return p->error;
		}
	}
	if (job->nr_injectors >= MMT_MAX_INJECTORS) {
		fail(p, -EINVAL, line, "[%s]: too many injectors (at most %d)", p->sec,
		     MMT_MAX_INJECTORS);
		return p->error;
	}
	p->idx = job->nr_injectors++;
	cfg = &job->injectors[p->idx];
	snprintf(cfg->name, sizeof(cfg->name), "%s", name);
	cfg->ops = ops;
	init_src(p, &cfg->src, line);
	p->kind = SEC_INJECTOR;
	return 0;
}

static int begin_section(struct parser *p, const char *name, unsigned line)
{
	if (end_section(p) < 0)
		return p->error;
	snprintf(p->sec, sizeof(p->sec), "%s", name);
	if (!strcmp(name, "global")) {
		if (p->job->gsrc.line) {
			fail(p, -EINVAL, line, "[global]: duplicate section (first on line %u)",
			     p->job->gsrc.line);
			return p->error;
		}
		init_src(p, &p->job->gsrc, line);
		p->kind = SEC_GLOBAL;
		return 0;
	}
	if (mmt_startswith(name, "cell:"))
		return begin_cell(p, name + 5, line);
	if (!strcmp(name, "cell")) {
		fail(p, -EINVAL, line, "[cell]: a cell needs a name: [cell:NAME]");
		return p->error;
	}
	return begin_injector(p, name, line);
}

/* A "[name]" line; the text after ']' may only be a comment. */
static int section_line(struct parser *p, char *s)
{
	char *end = strchr(s, ']');
	char *rest;

	if (!end) {
		fail(p, -EINVAL, p->lineno, "syntax error: '[' without ']'");
		return p->error;
	}
	*end = '\0';
	rest = mmt_strstrip(end + 1);
	if (*rest && *rest != ';' && *rest != '#') {
		fail(p, -EINVAL, p->lineno, "[%s]: unexpected text after ']'",
		     mmt_strstrip(s + 1));
		return p->error;
	}
	return begin_section(p, mmt_strstrip(s + 1), p->lineno);
}

/* The ini_reader: one line per call, counted. */

/*
 * Up to max bytes of text for an error message on one line: a control
 * character (a form feed, a vertical tab, a carriage return...) shows as
 * \xNN, never raw.
 */
static void visible(const char *text, size_t max, char *buf, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; text[i] && i < max && n + 5 < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c < 0x20 || c == 0x7f)
			n += (size_t)snprintf(buf + n, len - n, "\\x%02x", c);
		else
			buf[n++] = (char)c;
	}
	buf[n] = '\0';
}

static char *read_line(char *str, int num, void *stream)
{
	struct parser *p = stream;
	const char *line = p->text + p->pos;
	const char *nl;
	size_t len, skip = 0;

	if (p->error || p->at_eof)
		return NULL;
	if (!*line) {
		p->at_eof = true;
		end_section(p);
		return NULL;
	}
	nl = strchr(line, '\n');
	len = nl ? (size_t)(nl - line) + 1 : strlen(line);
	p->pos += len;
	p->lineno++;
	if (p->lineno == 1 && !strncmp(line, "\xEF\xBB\xBF", 3))
		skip = 3;
	while (skip < len && (line[skip] == ' ' || line[skip] == '\t'))
		skip++;
	/* inih's buffer: the line, its newline and a NUL. */
	if (len - skip + 1 > (size_t)num) {
		fail(p, -EINVAL, p->lineno, "line is too long (at most %d characters)",
		     num - 2);
		return NULL;
	}
	memcpy(str, line + skip, len - skip);
	str[len - skip] = '\0';
	if (str[0] == '[') {
		if (section_line(p, str) < 0)
			return NULL;
		str[0] = '\0'; /* inih sees a blank line */
		return str;
	}
	/* inih would report a line that is neither a comment nor "key = value"
	 * only at the end: say it now, and say what is wrong. */
	if (str[0] && !strchr(";#\r\n", str[0]) && !strpbrk(str, "=:")) {
		char shown[64 * 4 + 1];

		mmt_strstrip(str);
		str[strcspn(str, "\n")] = '\0';
		visible(str, 60, shown, sizeof(shown));
		fail(p, -EINVAL, p->lineno, "syntax error: '%s' is not 'key = value'", shown);
		return NULL;
	}
	return str;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parser *p = user;
	struct pending_kv *kv;

	(void)section; /* ours is p->sec: inih never sees a header */
	if (p->error)
		return 0;
	if (p->kind == SEC_NONE) {
		fail(p, -EINVAL, p->lineno,
		     "%s: key outside any section; put it under [global] or [cell:NAME]",
		     name);
		return 0;
	}
	for (unsigned i = 0; i < p->nr_kv; i++) {
		if (!strcmp(p->kv[i].key, name)) {
			fail(p, -EINVAL, p->lineno, "[%s] %s: duplicate key (first on line %u)",
			     p->sec, name, p->kv[i].line);
			return 0;
		}
	}
	if (!name[0]) {
		fail(p, -EINVAL, p->lineno, "[%s]: a key has no name", p->sec);
		return 0;
	}
	if (strlen(name) >= KEY_MAX) {
		fail(p, -EINVAL, p->lineno, "[%s] %.*s: unknown key", p->sec, KEY_MAX, name);
		return 0;
	}
	if (strlen(value) >= MMT_OPT_STRLEN) {
		fail(p, -EINVAL, p->lineno, "[%s] %s: value is too long (at most %d)",
		     p->sec, name, MMT_OPT_STRLEN - 1);
		return 0;
	}
	if (p->nr_kv >= MMT_MAX_KEYS) {
		fail(p, -EINVAL, p->lineno, "[%s] %s: too many keys in one section (at most %d)",
		     p->sec, name, MMT_MAX_KEYS);
		return 0;
	}
	kv = &p->kv[p->nr_kv++];
	snprintf(kv->key, sizeof(kv->key), "%s", name);
	snprintf(kv->value, sizeof(kv->value), "%s", value);
	kv->line = p->lineno;
	return 1;
}

static bool has_ini_suffix(const char *s)
{
	size_t n = strlen(s);

	return n >= 4 && !strcmp(s + n - 4, ".ini");
}

/* "jobs/rebind.ini" -> "rebind" */
static void job_name(const char *path, char *buf, size_t len)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 4 && has_ini_suffix(base))
		n -= 4;
	snprintf(buf, len, "%.*s", (int)n, base);
}

int mmt_job_cell_opts(const struct mmt_job_plugins *plugins, struct mmt_opt *ret_table,
		      size_t nr)
{
	size_t n = 0;

	for (const struct mmt_opt *o = mmt_cell_opt_table; o->name; o++) {
		if (n + 1 >= nr)
			return -E2BIG;
		ret_table[n] = *o;
		if (!strcmp(o->name, "workload"))
			ret_table[n].choices = plugins->workload_names;
		n++;
	}
	ret_table[n] = (struct mmt_opt)MMT_OPT_END;
	return 0;
}

/*
 * An injector's declared need of another in the same job (ops->requires,
 * when ops->requires_if says so).  0, or -EINVAL with err set.
 */
static int check_requires(const struct mmt_job *job, const struct mmt_injector_cfg *cfg,
			  char *err, size_t err_len)
{
	const struct mmt_injector_ops *ops = cfg->ops;

	if (!ops->requires || (ops->requires_if && !ops->requires_if(cfg->opts)))
		return 0;
	for (unsigned i = 0; i < job->nr_injectors; i++)
		if (!strcmp(job->injectors[i].ops->name, ops->requires))
			return 0;
	if (err_len)
		snprintf(err, err_len, "%s:%u: [%s]: needs an [%s] section in the job",
			 cfg->src.file, cfg->src.line, cfg->name, ops->requires);
	return -EINVAL;
}

/*
 * A cell's "key = @INSTANCE" (a value an injector publishes at run time,
 * workload.h resolve) must name an injector section of the job.  0, or
 * -EINVAL with err "file:line: [cell:x] key: '@y' names no injector of the job".
 */
static int check_refs(const struct mmt_job *job, const struct mmt_cell_cfg *cell,
		      char *err, size_t err_len)
{
	const struct mmt_opt *o = cell->wl ? cell->wl->opts : NULL;

	for (; o && o->name; o++) {
		const char *val = (const char *)cell->wl_opts + o->off;
		bool found = false;

		if (o->type != MMT_OPT_STR || val[0] != '@')
			continue;
		for (unsigned i = 0; i < job->nr_injectors && !found; i++)
			found = !strcmp(job->injectors[i].name, val + 1);
		if (found)
			continue;
		if (err_len)
			snprintf(err, err_len, "%s:%u: [cell:%s] %s: '%s' names no injector of the job",
				 cell->src.file, mmt_src_line(&cell->src, o->name), cell->name,
				 o->name, val);
		return -EINVAL;
	}
	return 0;
}

static int run_parser(struct parser *p)
{
	struct mmt_job *job = p->job;
	int r;

	r = mmt_job_cell_opts(p->plug, p->cell_table, CELL_TABLE_MAX);
	if (r < 0)
		return r;

	r = mmt_opt_defaults(mmt_global_opt_table, &job->g);
	if (r < 0) {
		fail(p, r, 0, "[global]: a default is bad (a bug; see above)");
		return r;
	}
	snprintf(job->gsrc.file, sizeof(job->gsrc.file), "%s", p->file);

	r = ini_parse_stream(read_line, p, on_key, p);
	if (!p->error && !p->at_eof) {
		p->at_eof = true;
		end_section(p);
	}
	if (p->error)
		return p->error;
	if (r == -2) {
		fail(p, -ENOMEM, 0, "out of memory");
		return p->error;
	}
	if (r != 0) {
		fail(p, -EINVAL, r > 0 ? (unsigned)r : 0, "syntax error");
		return p->error;
	}
	if (job->nr_cells == 0) {
		fail(p, -EINVAL, 0, "no [cell:NAME] section");
		return p->error;
	}
	for (unsigned i = 0; i < job->nr_injectors; i++) {
		struct mmt_injector_cfg *cfg = &job->injectors[i];

		if (!cfg->ops->validate)
			continue;
		if (p->err_len)
			p->err[0] = '\0';
		r = cfg->ops->validate(cfg, job, p->err, p->err_len);
		if (r < 0) {
			if (p->err_len && !p->err[0])
				snprintf(p->err, p->err_len, "%s:%u: [%s]: refused by %s (%s)",
					 p->file, cfg->src.line, cfg->name, cfg->ops->name,
					 strerror(-r));
			p->error = r;
			return r;
		}
		r = check_requires(job, cfg, p->err, p->err_len);
		if (r < 0) {
			p->error = r;
			return r;
		}
	}
	for (unsigned i = 0; i < job->nr_cells; i++) {
		r = check_refs(job, &job->cells[i], p->err, p->err_len);
		if (r < 0) {
			p->error = r;
			return r;
		}
	}
	return 0;
}

int mmt_job_parse_string(const char *name, const char *text,
			 const struct mmt_job_plugins *plugins,
			 struct mmt_job *ret_job, char *err, size_t err_len)
{
	struct parser *p;
	int r;

	memset(ret_job, 0, sizeof(*ret_job));
	if (err_len)
		err[0] = '\0';
	snprintf(ret_job->path, sizeof(ret_job->path), "%s", name);
	job_name(name, ret_job->name, sizeof(ret_job->name));
	ret_job->text = strdup(text);
	p = calloc(1, sizeof(*p));
	if (!p || !ret_job->text) {
		free(p);
		mmt_job_free(ret_job);
		if (err_len)
			snprintf(err, err_len, "%s: out of memory", name);
		return -ENOMEM;
	}
	p->job = ret_job;
	p->plug = plugins;
	p->file = ret_job->path;
	p->text = ret_job->text;
	p->err = err;
	p->err_len = err_len;
	r = run_parser(p);
	free(p);
	if (r < 0)
		mmt_job_free(ret_job);
	return r < 0 ? r : 0;
}

int mmt_job_parse_file(const char *path, const struct mmt_job_plugins *plugins,
		       struct mmt_job *ret_job, char *err, size_t err_len)
{
	char *text = NULL;
	ssize_t n;
	int r;

	n = mmt_read_file_alloc(path, &text);
	if (n < 0) {
		memset(ret_job, 0, sizeof(*ret_job));
		if (err_len)
			snprintf(err, err_len, "%s: cannot read: %s", path, strerror((int)-n));
		return (int)n;
	}
	r = mmt_job_parse_string(path, text, plugins, ret_job, err, err_len);
	free(text);
	return r;
}

void mmt_job_free(struct mmt_job *job)
{
	if (!job)
		return;
	for (unsigned i = 0; i < job->nr_cells && i < MMT_MAX_CELLS; i++) {
		struct mmt_cell_cfg *cell = &job->cells[i];

		mmt_opt_free(mmt_cell_opt_table, &cell->o);
		if (cell->wl && cell->wl_opts)
			mmt_opt_free(cell->wl->opts, cell->wl_opts);
		free(cell->wl_opts);
		cell->wl_opts = NULL;
	}
	for (unsigned i = 0; i < job->nr_injectors && i < MMT_MAX_INJECTORS; i++) {
		struct mmt_injector_cfg *cfg = &job->injectors[i];

		if (cfg->ops && cfg->opts)
			mmt_opt_free(cfg->ops->opts, cfg->opts);
		free(cfg->opts);
		cfg->opts = NULL;
	}
	mmt_opt_free(mmt_global_opt_table, &job->g);
	job->nr_cells = 0;
	job->nr_injectors = 0;
	free(job->text);
	job->text = NULL;
}

int64_t mmt_job_cell_oom_score_adj(const struct mmt_job *job,
				   const struct mmt_cell_cfg *cell)
{
	if (cell->o.oom_score_adj == MMT_CELL_OOM_SCORE_ADJ_INHERIT)
		return job->g.oom_score_adj;
	return cell->o.oom_score_adj;
}

int mmt_job_cell_expect_oom(const struct mmt_job *job, const struct mmt_cell_cfg *cell)
{
	if (cell->o.expect_oom == MMT_CELL_EXPECT_OOM_INHERIT)
		return job->g.expect_oom;
	return cell->o.expect_oom;
}

static int resolve_all(struct mmt_setopt *so, hwloc_const_bitmap_t all)
{
	if (!so->set) {
		so->set = hwloc_bitmap_alloc();
		if (!so->set)
			return -ENOMEM;
	}
	return hwloc_bitmap_copy(so->set, all) < 0 ? -ENOMEM : 0;
}

static int check_cpus(const struct mmt_job *job, struct mmt_cell_cfg *cell,
		      const struct mmt_topo *topo, char *err, size_t err_len)
{
	struct mmt_setopt *so = &cell->o.cpus;
	unsigned line = mmt_src_line(&cell->src, "cpus");
	char have[256];
	int id, r;

	mmt_set_format(topo->all_cpus, have, sizeof(have));
	if (so->all || !so->set) {
		r = resolve_all(so, topo->all_cpus);
		if (r < 0)
			return r;
	}
	hwloc_bitmap_foreach_begin(id, so->set) {
		if (!hwloc_bitmap_isset(topo->all_cpus, (unsigned)id)) {
			snprintf(err, err_len, "%s:%u: [cell:%s] cpus: CPU %d %s (CPUs: %s)",
				 job->path, line, cell->name, id,
				 "does not exist or is offline", have[0] ? have : "none");
			return -EINVAL;
		}
	}
	hwloc_bitmap_foreach_end();
	if (hwloc_bitmap_iszero(so->set)) {
		snprintf(err, err_len, "%s:%u: [cell:%s] cpus: no CPU to run on", job->path,
			 line, cell->name);
		return -EINVAL;
	}
	return 0;
}

static int check_mems(const struct mmt_job *job, struct mmt_cell_cfg *cell,
		      const struct mmt_topo *topo, char *err, size_t err_len)
{
	struct mmt_setopt *so = &cell->o.mems;
	unsigned line = mmt_src_line(&cell->src, "mems");
	char have[256];
	int id, r;

	mmt_set_format(topo->mem_nodes, have, sizeof(have));
	if (!have[0])
		snprintf(have, sizeof(have), "none");
	if (so->all || !so->set) {
		r = resolve_all(so, topo->mem_nodes);
		if (r < 0)
			return r;
	}
	hwloc_bitmap_foreach_begin(id, so->set) {
		const char *what = NULL;

		if (!hwloc_bitmap_isset(topo->all_nodes, (unsigned)id))
			what = "does not exist";
		else if (!hwloc_bitmap_isset(topo->mem_nodes, (unsigned)id))
			what = "has no memory";
		if (what) {
			snprintf(err, err_len,
				 "%s:%u: [cell:%s] mems: node %d %s (nodes with memory: %s)",
				 job->path, line, cell->name, id, what, have);
			return -EINVAL;
		}
	}
	hwloc_bitmap_foreach_end();
	if (hwloc_bitmap_iszero(so->set)) {
		snprintf(err, err_len, "%s:%u: [cell:%s] mems: no node with memory",
			 job->path, line, cell->name);
		return -EINVAL;
	}
	return 0;
}

int mmt_job_validate(struct mmt_job *job, const struct mmt_topo *topo,
		     char *err, size_t err_len)
{
	int r;

	if (err_len)
		err[0] = '\0';
	if (job->g.psi_trigger[0]) {
		char text[128];
		const char *why = "";

		if (mmt_mon_psi_trigger_parse(job->g.psi_trigger, text, sizeof(text), &why) < 0) {
			snprintf(err, err_len, "%s:%u: [global] psi_trigger: '%s': %s", job->path,
				 mmt_src_line(&job->gsrc, "psi_trigger"), job->g.psi_trigger, why);
			return -EINVAL;
		}
	}
	for (unsigned i = 0; i < job->nr_cells; i++) {
		r = check_cpus(job, &job->cells[i], topo, err, err_len);
		if (r < 0)
			goto out_err;
		r = check_mems(job, &job->cells[i], topo, err, err_len);
		if (r < 0)
			goto out_err;
	}
	for (unsigned i = 0; i < job->nr_cells; i++) {
		struct mmt_cell_cfg *cell = &job->cells[i];

		if (!cell->wl || !cell->wl->validate)
			continue;
		r = cell->wl->validate(cell, topo, err, err_len);
		if (r < 0) {
			if (err_len && !err[0])
				snprintf(err, err_len,
					 "%s:%u: [cell:%s]: refused by workload %s (%s)",
					 job->path, cell->src.line, cell->name, cell->wl->name,
					 strerror(-r));
			return r;
		}
	}
	return 0;
out_err:
	if (r == -ENOMEM && err_len)
		snprintf(err, err_len, "%s: out of memory", job->path);
	return r;
}

const char *mmt_job_dir(void)
{
	const char *env = getenv("MMT_JOBDIR");
	struct stat st;

	if (env && *env)
		return env;
	if (stat(MMT_SRCDIR "/jobs", &st) == 0 && S_ISDIR(st.st_mode))
		return MMT_SRCDIR "/jobs";
	return MMT_JOBDIR;
}

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int mmt_job_find(const char *arg, char *ret_path, size_t len)
{
	char path[PATH_MAX];
	int n;

	struct stat st;

	if (!arg || !*arg)
		return -ENOENT;
	if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
		return -EISDIR;
	if (is_file(arg)) {
		n = snprintf(ret_path, len, "%s", arg);
		return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
	}
	/* A built-in name: "default" or "default.ini", never a path. */
	if (strchr(arg, '/'))
		return -ENOENT;
	n = snprintf(path, sizeof(path), "%s/%s%s", mmt_job_dir(), arg,
		     has_ini_suffix(arg) ? "" : ".ini");
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	if (!is_file(path))
		return -ENOENT;
	n = snprintf(ret_path, len, "%s", path);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

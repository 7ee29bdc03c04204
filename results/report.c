// SPDX-License-Identifier: GPL-2.0-only
/*
 * `mmtorture report`: a run directory rendered as one HTML page for the
 * engineer who qualifies a kernel.  The page needs nothing but a browser:
 * inline CSS, inline SVG, no script, no network.
 *
 * mmt_report_render() is pure (strings and json in, a string out) so that the
 * unit tests can check it; harness/report_cmd.c only reads and writes files.
 *
 * Why one file of ~2000 lines: it is one renderer of one page, every part
 * (header, SVG timelines, events, cells, compare) writing into the same
 * growing string with the same escaping; none is used elsewhere.  Split the
 * charts out when a second renderer needs them.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/jsonget.h"
#include "lib/log.h"
#include "lib/util.h"
#include "results/report.h"

/* ---- a growing string ------------------------------------------------------------------ */

struct sb {
	char *s;
	size_t len, cap;
	bool failed;    /* out of memory: everything after is dropped */
};

static void sb_add(struct sb *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 16384;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->s, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_puts(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sb *b, const char *fmt, ...)
{
	char buf[1024], *big;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(buf)) {
		sb_add(b, buf, (size_t)n);
		return;
	}
	big = malloc((size_t)n + 1);
	if (!big) {
		b->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb_add(b, big, (size_t)n);
	free(big);
}

/* HTML-escape at most max bytes of s (an ellipsis marks the cut); NULL is "". */
static void sb_escn(struct sb *b, const char *s, size_t max)
{
	size_t i, start = 0, n;

	if (!s)
		return;
	n = strlen(s);
	if (n > max) {
		/* Do not cut a UTF-8 sequence in two. */
		while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
			max--;
		n = max;
	}
	for (i = 0; i < n; i++) {
		const char *rep = NULL;
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			/* Control characters (but tab and newline) are not valid XML. */
			if (c < 0x20 && c != '\t' && c != '\n')
				rep = "\xef\xbf\xbd";   /* U+FFFD */
			break;
		}
		if (!rep)
			continue;
		sb_add(b, s + start, i - start);
		sb_puts(b, rep);
		start = i + 1;
	}
	sb_add(b, s + start, n - start);
	if (n < strlen(s))
		sb_puts(b, "\xe2\x80\xa6");     /* U+2026 */
}

static void sb_esc(struct sb *b, const char *s)
{
	sb_escn(b, s, SIZE_MAX - 1);
}

/* ---- number formatting ------------------------------------------------------------------ */

/* 3 significant digits with a k/M/G/T suffix (binary: Ki/Mi/Gi/Ti). */
static void fmt_scaled(double v, bool binary, char *buf, size_t len)
{
	static const char *const dec[] = { "", "k", "M", "G", "T", "P" };
	static const char *const bin[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi" };
	double base = binary ? 1024 : 1000, a = fabs(v);
	unsigned i = 0;
	char num[48];

	if (!isfinite(v)) {
		snprintf(buf, len, "\xe2\x80\x94");
		return;
	}
	while (a >= base && i < 5) {
		a /= base;
		v /= base;
		i++;
	}
	/* 3 significant digits, without trailing zeros ("8", "1.2", "0.25"). */
	snprintf(num, sizeof(num), "%.*f", a == 0 || a >= 100 ? 0 : a >= 10 ? 1 : 2, v);
	if (strchr(num, '.')) {
		char *e = num + strlen(num) - 1;

		while (*e == '0')
			*e-- = '\0';
		if (*e == '.')
			*e = '\0';
	}
	snprintf(buf, len, "%s%s", num, binary ? bin[i] : dec[i]);
}

static void fmt_bytes(double bytes, char *buf, size_t len)
{
	char tmp[32];

	fmt_scaled(bytes, true, tmp, sizeof(tmp));
	snprintf(buf, len, "%sB", tmp);
}

/* An integer with thousands separators (narrow no-break spaces). */
static void fmt_count(double v, char *buf, size_t len)
{
	char digits[32];
	size_t n, o = 0, i;

	if (!isfinite(v) || fabs(v) >= 1e18) {
		fmt_scaled(v, false, buf, len);
		return;
	}
	snprintf(digits, sizeof(digits), "%.0f", fabs(v));
	n = strlen(digits);
	if (v <= -0.5 && o + 1 < len)
		buf[o++] = '-';
	for (i = 0; i < n && o + 4 < len; i++) {
		if (i && (n - i) % 3 == 0) {
			memcpy(buf + o, "\xe2\x80\xaf", 3);     /* U+202F narrow no-break space */
			o += 3;
		}
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
}

/* A JSON value in a table cell: numbers grouped or with 3 decimals. */
static void sb_jvalue(struct sb *b, json_object *v)
{
	char buf[64];

	if (!v) {
		sb_puts(b, "<span class=dim>\xe2\x80\x94</span>");
		return;
	}
	if (json_object_is_type(v, json_type_int)) {
		fmt_count((double)json_object_get_int64(v), buf, sizeof(buf));
		sb_puts(b, buf);
	} else if (json_object_is_type(v, json_type_double)) {
		snprintf(buf, sizeof(buf), "%.3f", json_object_get_double(v));
		sb_puts(b, buf);
	} else if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);

		for (size_t i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(v, i);

			if (i)
				sb_puts(b, ", ");
			if (e && json_object_is_type(e, json_type_object))
				sb_escn(b, json_object_to_json_string_ext(
						   e, JSON_C_TO_STRING_PLAIN), 400);
			else
				sb_jvalue(b, e);
		}
	} else {
		sb_escn(b, json_object_get_string(v), 2000);
	}
}

/* ---- samples.csv ------------------------------------------------------------------------ */

struct csv {
	char **cols;
	size_t nr_cols;
	double *vals;           /* nr_rows x nr_cols, row-major; NaN where empty */
	size_t nr_rows;
	size_t bad_rows;        /* truncated or malformed lines ignored */
};

static void csv_free(struct csv *c)
{
	for (size_t i = 0; i < c->nr_cols; i++)
		free(c->cols[i]);
	free(c->cols);
	free(c->vals);
	memset(c, 0, sizeof(*c));
}

static ssize_t csv_col(const struct csv *c, const char *name)
{
	for (size_t i = 0; i < c->nr_cols; i++)
		if (!strcmp(c->cols[i], name))
			return (ssize_t)i;
	return -1;
}

static bool endswith(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Parse one data line (no newline) into row[nr_cols]; false if malformed. */
static bool csv_row(const char *line, size_t len, size_t nr_cols, double *row)
{
	size_t col = 0, i = 0;

	for (;;) {
		size_t start = i;
		char field[64], *end;

		while (i < len && line[i] != ',')
			i++;
		if (col >= nr_cols || i - start >= sizeof(field))
			return false;
		memcpy(field, line + start, i - start);
		field[i - start] = '\0';
		if (!field[0]) {
			row[col] = NAN;
		} else {
			errno = 0;
			row[col] = strtod(field, &end);
			if (*end || errno)
				return false;
		}
		col++;
		if (i >= len)
			break;
		i++;
	}
	return col == nr_cols;
}

/* 0, or -EINVAL when there is no usable header, -ENOMEM. */
static int csv_parse(const char *text, struct csv *c)
{
	const char *p = text, *nl = strchr(text, '\n');
	size_t cap = 0;
	int r;

	memset(c, 0, sizeof(*c));
	if (!nl)
		return -EINVAL;
	/* The header. */
	for (const char *f = p; f <= nl;) {
		const char *e = f;
		char **cols;

		while (e < nl && *e != ',')
			e++;
		cols = realloc(c->cols, (c->nr_cols + 1) * sizeof(*cols));
		if (!cols)
			goto out_nomem;
		c->cols = cols;
		c->cols[c->nr_cols] = strndup(f, (size_t)(e - f));
		if (!c->cols[c->nr_cols])
			goto out_nomem;
		c->nr_cols++;
		f = e + 1;
	}
	if (c->nr_cols < 2 || strcmp(c->cols[0], "t_s")) {
		r = -EINVAL;
		goto out_free_csv;
	}
	/* The rows: only whole lines (a last line without newline was cut). */
	for (p = nl + 1; (nl = strchr(p, '\n')); p = nl + 1) {
		size_t len = (size_t)(nl - p);

		if (len && p[len - 1] == '\r')
			len--;
		if (!len)
			continue;
		if (c->nr_rows == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			double *v = realloc(c->vals, ncap * c->nr_cols * sizeof(*v));

			if (!v)
				goto out_nomem;
			c->vals = v;
			cap = ncap;
		}
		if (csv_row(p, len, c->nr_cols, c->vals + c->nr_rows * c->nr_cols) &&
		    isfinite(c->vals[c->nr_rows * c->nr_cols]))
			c->nr_rows++;
		else
			c->bad_rows++;
	}
	if (*p)
		c->bad_rows++;
	return 0;

out_nomem:
	r = -ENOMEM;
out_free_csv:
	csv_free(c);
	return r;
}

/* ---- events.jsonl ------------------------------------------------------------------------ */

struct event {
	json_object *o;
	const char *type;
	double t_s;             /* NaN when absent */
	size_t index;           /* order in the file */
	int rank;               /* importance: lower first */
};

struct events {
	struct event *v;
	size_t nr;
	size_t bad_lines;
};

static void events_free(struct events *e)
{
	for (size_t i = 0; i < e->nr; i++)
		json_object_put(e->v[i].o);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

static bool is_bug_type(const char *t)
{
	return !strcmp(t, "bug") || !strcmp(t, "oops") || !strcmp(t, "gpf") ||
	       !strcmp(t, "panic");
}

static bool oom_expected(json_object *ev)
{
	const char *cls = mmt_json_text(ev, "class");

	return cls && !strcmp(cls, "expected");
}

static int event_rank(const struct event *e)
{
	static const char *const grave[] = { "corruption", "lockup", "rcu_stall", "hung_task",
					     "stall", "unkillable", "victim_stuck" };
	static const char *const notable[] = { "warn", "worker_lost", "worker_error",
					       "kmsg_lost" };

	if (!strcmp(e->type, "corruption") || is_bug_type(e->type))
		return 0;
	for (size_t i = 0; i < MMT_ARRAY_SIZE(grave); i++)
		if (!strcmp(e->type, grave[i]))
			return 1;
	if (!strcmp(e->type, "oom_kill"))
		return oom_expected(e->o) ? 3 : 1;
	for (size_t i = 0; i < MMT_ARRAY_SIZE(notable); i++)
		if (!strcmp(e->type, notable[i]))
			return 2;
	return 4;
}

static int events_parse(const char *text, struct events *evs)
{
	const char *p = text, *nl;
	size_t cap = 0;

	memset(evs, 0, sizeof(*evs));
	if (!text)
		return 0;
	for (; (nl = strchr(p, '\n')); p = nl + 1) {
		size_t len = (size_t)(nl - p);
		struct json_tokener *tok;
		json_object *o;
		struct event *e;
		double t_us;

		if (!len)
			continue;
		tok = json_tokener_new();
		if (!tok)
			return -ENOMEM;
		o = json_tokener_parse_ex(tok, p, (int)len);
		/* A line must be one whole object and nothing after it. */
		if (o && (!json_object_is_type(o, json_type_object) ||
			  json_tokener_get_error(tok) != json_tokener_success ||
			  json_tokener_get_parse_end(tok) != len)) {
			json_object_put(o);
			o = NULL;
		}
		json_tokener_free(tok);
		if (!o || !mmt_json_text(o, "type")) {
			json_object_put(o);
			evs->bad_lines++;
			continue;
		}
		if (evs->nr == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct event *v = realloc(evs->v, ncap * sizeof(*v));

			if (!v) {
				json_object_put(o);
				return -ENOMEM;
			}
			evs->v = v;
			cap = ncap;
		}
		e = &evs->v[evs->nr];
		e->o = o;
		e->type = mmt_json_text(o, "type");
		e->t_s = mmt_json_double(o, "t_us", &t_us) ? t_us / 1e6 : NAN;
		e->index = evs->nr;
		e->rank = event_rank(e);
		evs->nr++;
	}
	if (*p)
		evs->bad_lines++;       /* the last line was cut */
	return 0;
}

/* ---- event markers ------------------------------------------------------------------------ */

static const struct marker_kind {
	const char *type;
	const char *colour;
	const char *label;
} marker_kinds[] = {
	{ "oom_kill", "#d62728", "OOM kill" },
	{ "stall", "#ff7f0e", "stall" },
	{ "hung_task", "#8c564b", "hung task" },
	{ "lockup", "#9467bd", "lockup" },
	{ "rcu_stall", "#e377c2", "RCU stall" },
	{ "warn", "#bcbd22", "WARNING" },
	{ "bug", "#111111", "BUG/Oops" },
	{ "corruption", "#c2185b", "corruption" },
	{ "worker_lost", "#7f7f7f", "worker lost" },
	{ "victim_stuck", "#17becf", "victim stuck" },
	{ "unkillable", "#1f3a93", "unkillable" },
};
#define OOM_EXPECTED_COLOUR "#f19c9c"

/* The marker kind of an event, or -1. */
static int marker_of(const struct event *e)
{
	const char *t = is_bug_type(e->type) ? "bug" : e->type;

	if (!isfinite(e->t_s))
		return -1;
	for (size_t i = 0; i < MMT_ARRAY_SIZE(marker_kinds); i++)
		if (!strcmp(t, marker_kinds[i].type))
			return (int)i;
	return -1;
}

static const char *marker_colour(const struct event *e, int kind)
{
	if (kind == 0 && oom_expected(e->o))
		return OOM_EXPECTED_COLOUR;
	return marker_kinds[kind].colour;
}

/* ---- charts ----------------------------------------------------------------------------- */

static const char *const palette[] = {
	"#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
	"#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#d62728",
};

/*
 * --compare: each run in its own colour family (A blues, solid; B oranges,
 * dashed), its series told apart by shade.  The first shade is the run's
 * colour in the legends.
 */
#define NR_RUNS 2
static const char *const run_names[NR_RUNS] = { "A", "B" };
static const char *const run_shades[NR_RUNS][4] = {
	{ "#1f5fbf", "#5b9be6", "#0d3a7a", "#2aa1c9" },
	{ "#e0620d", "#f5a04a", "#9c3b06", "#d4351c" },
};
static const char *const run_dash[NR_RUNS] = { NULL, "7 4" };

#define MAX_SERIES 32

struct series {
	char label[96];
	const struct csv *c;    /* its samples: x is column 0 (t_s) */
	double *v;              /* c->nr_rows values, NaN for none; owned */
	const char *colour;
	const char *dash;       /* stroke-dasharray, or NULL for solid */
};

struct chart {
	const char *title;
	const char *unit;       /* after the tick numbers: "B", "/s", "%", "" */
	bool binary;            /* ticks in KiB/MiB/GiB */
	struct series s[MAX_SERIES];
	unsigned nr;
	unsigned dropped;       /* series beyond MAX_SERIES */
};

static void chart_free(struct chart *ch)
{
	for (unsigned i = 0; i < ch->nr; i++)
		free(ch->s[i].v);
	ch->nr = 0;
}

/* Add column col of csv, times scale; rate: per-second deltas of a counter. */
static void chart_add(struct chart *ch, const struct csv *c, size_t col, const char *label,
		      double scale, bool rate)
{
	struct series *s;

	if (ch->nr == MAX_SERIES) {
		ch->dropped++;
		return;
	}
	s = &ch->s[ch->nr];
	s->v = malloc((c->nr_rows ? c->nr_rows : 1) * sizeof(double));
	if (!s->v)
		return;
	s->c = c;
	s->colour = palette[ch->nr % MMT_ARRAY_SIZE(palette)];
	s->dash = NULL;
	snprintf(s->label, sizeof(s->label), "%s", label);
	for (size_t r = 0; r < c->nr_rows; r++) {
		double x = c->vals[r * c->nr_cols + col];

		if (rate) {
			double t0, x0;

			if (r == 0) {
				s->v[r] = NAN;
				continue;
			}
			t0 = c->vals[(r - 1) * c->nr_cols];
			x0 = c->vals[(r - 1) * c->nr_cols + col];
			x = c->vals[r * c->nr_cols] > t0 && x >= x0 ?
				    (x - x0) / (c->vals[r * c->nr_cols] - t0) : NAN;
		}
		s->v[r] = x * scale;
	}
	ch->nr++;
}

static bool chart_any_nonzero(const struct chart *ch)
{
	for (unsigned i = 0; i < ch->nr; i++)
		for (size_t r = 0; r < ch->s[i].c->nr_rows; r++)
			if (isfinite(ch->s[i].v[r]) && ch->s[i].v[r] != 0)
				return true;
	return false;
}

/* A "nice" tick step (1, 2 or 5 times a power of ten; for binary units in
 * the unit's scale) covering range in about target steps. */
static double nice_step(double range, int target, bool binary)
{
	double base = 1, raw, mag, n;

	if (binary)
		while (range / base >= 1024)
			base *= 1024;
	raw = range / base / target;
	if (!(raw > 0))
		return base;
	mag = pow(10, floor(log10(raw)));
	n = raw / mag;
	return (n < 1.5 ? 1 : n < 3 ? 2 : n < 7 ? 5 : 10) * mag * base;
}

#define CH_W    1100
#define CH_L    72
#define CH_R    16
#define CH_PLOT 190
#define CH_B    36

/* The legend's width of a series label: about 7 px per character. */
static int legend_width(const struct series *s)
{
	return 24 + 7 * (int)strlen(s->label);
}

/*
 * The event markers of one run between y1 and y2 (the whole plot for one
 * run, the run's band when overlaid); run is NULL for a single run.  One
 * line per kind and pixel column: thousands of kills must not make a huge
 * page.  Returns the number of lines drawn.
 */
static unsigned render_markers(struct sb *b, const struct events *evs, const char *run,
			       double tmax, int y1, int y2)
{
	const int pw = CH_W - CH_L - CH_R;
	unsigned markers = 0;
	unsigned char *seen;

	seen = calloc((size_t)(pw + 1) * MMT_ARRAY_SIZE(marker_kinds) * 2, 1);
	for (size_t i = 0; seen && i < evs->nr; i++) {
		const struct event *e = &evs->v[i];
		int k = marker_of(e);
		size_t slot;
		double px;

		if (k < 0 || e->t_s < 0 || e->t_s > tmax)
			continue;
		px = CH_L + e->t_s / tmax * pw;
		slot = ((size_t)lround(px - CH_L) * MMT_ARRAY_SIZE(marker_kinds) + (size_t)k) * 2 +
		       (k == 0 && oom_expected(e->o));
		if (seen[slot])
			continue;
		seen[slot] = 1;
		sb_printf(b, "<line class=\"mk mk-%s%s%s\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" "
			  "y2=\"%d\" stroke=\"%s\" stroke-width=\"1.5\"%s><title>",
			  marker_kinds[k].type, run ? " mk-run-" : "", run ? run : "", px, px, y1,
			  y2, marker_colour(e, k),
			  k == 0 && oom_expected(e->o) ? " stroke-dasharray=\"4 3\"" : "");
		if (run)
			sb_printf(b, "%s: ", run);
		sb_printf(b, "%.3f s ", e->t_s);
		sb_esc(b, e->type);
		if (mmt_json_text(e->o, "cell")) {
			sb_puts(b, " cell ");
			sb_esc(b, mmt_json_text(e->o, "cell"));
		}
		if (mmt_json_text(e->o, "pid")) {
			sb_puts(b, " pid ");
			sb_esc(b, mmt_json_text(e->o, "pid"));
		}
		if (mmt_json_text(e->o, "class")) {
			sb_puts(b, " ");
			sb_esc(b, mmt_json_text(e->o, "class"));
		}
		sb_puts(b, "</title></line>\n");
		markers++;
	}
	free(seen);
	return markers;
}

/*
 * One timeline.  evs[nr_runs]: the events of each run; with one run its
 * markers span the plot, with two (--compare) run i's markers fill band i
 * of the plot (A the upper half, B the lower), labelled with the run's name.
 */
static void render_chart(struct sb *b, const struct chart *ch, const struct events *const *evs,
			 unsigned nr_runs, double tmax, unsigned *ret_markers)
{
	const int pw = CH_W - CH_L - CH_R;
	double ymax = 0, ystep, xstep;
	int legend_rows = 1, lx = CH_L, top, h;
	char buf[64];
	unsigned markers = 0;

	for (unsigned i = 0; i < ch->nr; i++)
		for (size_t r = 0; r < ch->s[i].c->nr_rows; r++)
			if (isfinite(ch->s[i].v[r]) && ch->s[i].v[r] > ymax)
				ymax = ch->s[i].v[r];
	if (!(ymax > 0))
		ymax = 1;
	ystep = nice_step(ymax, 4, ch->binary);
	ymax = ceil(ymax / ystep * (1 - 1e-9)) * ystep;
	xstep = nice_step(tmax, 10, false);
	for (unsigned i = 0; i < ch->nr; i++) {
		int w = legend_width(&ch->s[i]);

		if (lx + w > CH_W - CH_R && lx > CH_L) {
			legend_rows++;
			lx = CH_L;
		}
		lx += w;
	}
	top = 26 + 16 * legend_rows;
	h = top + CH_PLOT + CH_B;

	sb_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" "
		  "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
		  "font-family=\"sans-serif\" font-size=\"12\">\n",
		  CH_W, h, CH_W, h);
	sb_puts(b, "<text x=\"4\" y=\"16\" font-size=\"14\" font-weight=\"bold\">");
	sb_esc(b, ch->title);
	sb_puts(b, "</text>\n");
	/* Legend: a solid series as a bar, a dashed one as a dashed line. */
	lx = CH_L;
	for (unsigned i = 0, row = 0; i < ch->nr; i++) {
		const struct series *s = &ch->s[i];
		int w = legend_width(s);
		int y = 26 + 16 * (int)row;

		if (lx + w > CH_W - CH_R && lx > CH_L) {
			row++;
			y += 16;
			lx = CH_L;
		}
		if (s->dash)
			sb_printf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" "
				  "stroke-width=\"2.5\" stroke-dasharray=\"%s\"/>",
				  lx, lx + 14, y + 6, y + 6, s->colour, "4 2");
		else
			sb_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"4\" fill=\"%s\"/>",
				  lx, y + 4, s->colour);
		sb_printf(b, "<text x=\"%d\" y=\"%d\">", lx + 18, y + 9);
		sb_esc(b, s->label);
		sb_puts(b, "</text>\n");
		lx += w;
	}
	/* Grid and y ticks. */
	/* (bounded: absurd values in a damaged file must not loop for ever) */
	for (double y = 0; y <= ymax * (1 + 1e-9) && y / ystep < 20; y += ystep) {
		double py = top + CH_PLOT - y / ymax * CH_PLOT;

		fmt_scaled(y, ch->binary, buf, sizeof(buf));
		sb_printf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
			  "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s%s</text>\n",
			  CH_L, CH_L + pw, py, py, CH_L - 6, py + 4, buf, ch->unit);
	}
	/* x ticks. */
	for (double x = 0; x <= tmax * (1 + 1e-9) && x / xstep < 40; x += xstep) {
		double px = CH_L + x / tmax * pw;

		sb_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#888\"/>"
			  "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n",
			  px, px, top + CH_PLOT, top + CH_PLOT + 5, px, top + CH_PLOT + 18, x);
	}
	sb_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">"
		  "seconds since start</text>\n", CH_L + pw / 2, h - 4);
	sb_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
		  "stroke=\"#888\"/>\n", CH_L, top, pw, CH_PLOT);
	/* Event markers under the data, so the lines stay visible. */
	if (nr_runs == 1) {
		markers = render_markers(b, evs[0], NULL, tmax, top, top + CH_PLOT);
	} else {
		for (unsigned r = 0; r < nr_runs && r < NR_RUNS; r++) {
			int y1 = top + CH_PLOT * (int)r / (int)nr_runs;
			int y2 = top + CH_PLOT * (int)(r + 1) / (int)nr_runs;

			if (r)
				sb_printf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" "
					  "stroke=\"#bbb\" stroke-dasharray=\"2 3\"/>\n",
					  CH_L, CH_L + pw, y1, y1);
			sb_printf(b, "<text class=\"band band-%s\" x=\"%d\" y=\"%d\" "
				  "text-anchor=\"end\" font-weight=\"bold\" fill=\"%s\">%s events</text>\n",
				  run_names[r], CH_L + pw - 4, y1 + 13, run_shades[r][0],
				  run_names[r]);
			markers += render_markers(b, evs[r], run_names[r], tmax, y1, y2);
		}
	}
	/* Data: every point, or per pixel column its first, min, max and last. */
	for (unsigned i = 0; i < ch->nr; i++) {
		const struct csv *c = ch->s[i].c;
		const double *v = ch->s[i].v;
		bool open = false;
		size_t step = c->nr_rows > (size_t)pw * 2 ?
				      (c->nr_rows + (size_t)pw - 1) / (size_t)pw : 1;

		for (size_t r = 0; r < c->nr_rows; r += step) {
			size_t end = r + step < c->nr_rows ? r + step : c->nr_rows;
			size_t order[4] = { r, r, r, end - 1 };

			for (size_t k = r; k < end; k++) {
				if (!isfinite(v[k]))
					continue;
				if (!isfinite(v[order[1]]) || v[k] < v[order[1]])
					order[1] = k;
				if (!isfinite(v[order[2]]) || v[k] > v[order[2]])
					order[2] = k;
			}
			if (order[1] > order[2]) {
				size_t t = order[1];

				order[1] = order[2];
				order[2] = t;
			}
			for (unsigned j = 0; j < (step > 1 ? 4u : 1u); j++) {
				size_t k = order[j];
				double px, py;

				if (j && k == order[j - 1])
					continue;
				if (!isfinite(v[k])) {
					if (open)
						sb_puts(b, "\"/>\n");
					open = false;
					continue;
				}
				px = CH_L + c->vals[k * c->nr_cols] / tmax * pw;
				py = top + CH_PLOT - v[k] / ymax * CH_PLOT;
				if (!open) {
					sb_printf(b, "<polyline fill=\"none\" stroke=\"%s\" "
						  "stroke-width=\"1.6\" ", ch->s[i].colour);
					if (ch->s[i].dash)
						sb_printf(b, "stroke-dasharray=\"%s\" ",
							  ch->s[i].dash);
					sb_puts(b, "points=\"");
				}
				sb_printf(b, "%s%.1f,%.1f", open ? " " : "", px, py);
				open = true;
			}
		}
		if (open)
			sb_puts(b, "\"/>\n");
	}
	sb_puts(b, "</svg>\n");
	if (ch->dropped)
		sb_printf(b, "<p class=dim>%u more series not drawn.</p>\n", ch->dropped);
	*ret_markers = markers;
}

/* The label of column name with the suffix removed. */
static void strip_suffix(const char *name, const char *suffix, char *buf, size_t len)
{
	size_t n = strlen(name) - strlen(suffix);

	snprintf(buf, len, "%.*s", (int)n, name);
}

/* The timelines, in the order of the page; the first four are overlaid by --compare. */
enum chart_kind {
	CHART_FREE,
	CHART_FAULT_RATE,
	CHART_REBIND_RATE,
	CHART_PSI,
	CHART_MEM_CELL,
	CHART_SWAP,
	CHART_DIRTY,
	NR_CHART_KINDS,
};
#define NR_COMPARED_CHARTS (CHART_PSI + 1)

static const struct chart_spec {
	const char *title;
	const char *unit;
	bool binary;
	bool always;            /* drawn even when all zero */
} chart_specs[NR_CHART_KINDS] = {
	[CHART_FREE] = { "Free memory per node", "B", true, true },
	[CHART_FAULT_RATE] = { "Fault rate per cell (pages/s)", "/s", false, true },
	[CHART_REBIND_RATE] = { "cpuset rebinds per second", "/s", false, true },
	[CHART_PSI] = { "Memory pressure (PSI avg10, %)", "%", false, true },
	[CHART_MEM_CELL] = { "Memory charged per cell", "B", true, false },
	[CHART_SWAP] = { "Swap in/out (pages/s)", "/s", false, false },
	[CHART_DIRTY] = { "Dirty and writeback (pages)", "", false, false },
};

/* Add to ch the series of kind from the columns of c, each label after prefix. */
static void chart_fill(struct chart *ch, enum chart_kind kind, const struct csv *c,
		       const char *prefix)
{
	static const struct {
		enum chart_kind kind;
		const char *col, *label;
		bool rate;      /* the column counts pages: plot its rate */
	} fixed[] = {
		{ CHART_PSI, "psi_some_avg10", "some", false },
		{ CHART_PSI, "psi_full_avg10", "full", false },
		{ CHART_SWAP, "pswpin", "swap in", true },
		{ CHART_SWAP, "pswpout", "swap out", true },
		{ CHART_DIRTY, "nr_dirty", "dirty", false },
		{ CHART_DIRTY, "nr_writeback", "writeback", false },
	};
	char name[96], label[96];
	ssize_t col;

	for (size_t i = 1; i < c->nr_cols; i++) {
		const char *cn = c->cols[i];
		double scale = 1;

		if (kind == CHART_FREE && mmt_startswith(cn, "node") &&
		    endswith(cn, "_free_kb")) {
			strip_suffix(cn, "_free_kb", name, sizeof(name));
			scale = 1024;
		} else if (kind == CHART_FAULT_RATE && endswith(cn, "_pages_per_s")) {
			strip_suffix(cn, "_pages_per_s", name, sizeof(name));
		} else if (kind == CHART_REBIND_RATE && endswith(cn, "rebinds_per_s")) {
			/* "<injector>_rebinds_per_s": the injector's name. */
			if (endswith(cn, "_rebinds_per_s") && strcmp(cn, "_rebinds_per_s"))
				strip_suffix(cn, "_rebinds_per_s", name, sizeof(name));
			else
				snprintf(name, sizeof(name), "%s", cn);
		} else if (kind == CHART_MEM_CELL && endswith(cn, "_mem_kb")) {
			strip_suffix(cn, "_mem_kb", name, sizeof(name));
			scale = 1024;
		} else {
			continue;
		}
		snprintf(label, sizeof(label), "%s%s", prefix, name);
		chart_add(ch, c, i, label, scale, false);
	}
	for (size_t i = 0; i < MMT_ARRAY_SIZE(fixed); i++) {
		if (fixed[i].kind != kind || (col = csv_col(c, fixed[i].col)) <= 0)
			continue;
		snprintf(label, sizeof(label), "%s%s", prefix, fixed[i].label);
		chart_add(ch, c, (size_t)col, label, 1, fixed[i].rate);
	}
}

static void chart_init(struct chart *ch, enum chart_kind kind)
{
	memset(ch, 0, sizeof(*ch));
	ch->title = chart_specs[kind].title;
	ch->unit = chart_specs[kind].unit;
	ch->binary = chart_specs[kind].binary;
}

/* The time axis of a run, in seconds: a finished run spans its elapsed time,
 * an unfinished one its samples; events after either widen it. */
static double run_tmax(json_object *run, const struct csv *c, const struct events *evs)
{
	double tmax = 0, d;

	if (c->nr_rows)
		tmax = c->vals[(c->nr_rows - 1) * c->nr_cols];
	if (mmt_json_get(run, "end") && mmt_json_double(run, "elapsed_s", &d) && d > tmax)
		tmax = d;
	for (size_t i = 0; i < evs->nr; i++)
		if (marker_of(&evs->v[i]) >= 0 && evs->v[i].t_s > tmax)
			tmax = evs->v[i].t_s;
	return tmax;
}

/* "OOM kill 2, stall 1" for the markers of evs within [0, tmax]; the number of them. */
static unsigned render_marker_kinds(struct sb *b, const struct events *evs, double tmax)
{
	unsigned per_kind[MMT_ARRAY_SIZE(marker_kinds)] = { 0 }, markers = 0;

	for (size_t i = 0; i < evs->nr; i++) {
		int k = marker_of(&evs->v[i]);

		if (k >= 0 && evs->v[i].t_s >= 0 && evs->v[i].t_s <= tmax)
			per_kind[k]++;
	}
	for (size_t k = 0, any = 0; k < MMT_ARRAY_SIZE(marker_kinds); k++) {
		if (!per_kind[k])
			continue;
		sb_printf(b, "%s<span class=mkkey style=\"border-color:%s\"></span>%s %u",
			  any++ ? ", " : "", marker_kinds[k].colour, marker_kinds[k].label,
			  per_kind[k]);
		if (k == 0)
			sb_printf(b, " (<span class=mkkey style=\"border-color:%s;"
				  "border-left-style:dashed\"></span>expected)",
				  OOM_EXPECTED_COLOUR);
		markers += per_kind[k];
	}
	if (!markers)
		sb_puts(b, "none");
	return markers;
}

/* Parse csv_text into c; false (and a word on the page why) when there is
 * no usable samples.csv; who is "" for a single run, else "run A's ". */
static bool parse_samples(struct sb *b, const char *csv_text, struct csv *c, const char *who)
{
	int r;

	memset(c, 0, sizeof(*c));
	if (!csv_text) {
		sb_printf(b, "<p class=warn>%ssamples.csv is missing: no timelines. "
			  "The run may have ended before its first sample.</p>\n", who);
		return false;
	}
	r = csv_parse(csv_text, c);
	if (r < 0) {
		if (r == -ENOMEM)
			sb_printf(b, "<p class=warn>Out of memory reading %ssamples.csv.</p>\n",
				  who);
		else
			sb_printf(b, "<p class=warn>%ssamples.csv has no usable header (first "
				  "column t_s): no timelines.</p>\n", who);
		return false;
	}
	return true;
}

static void render_charts(struct sb *b, json_object *run, const char *csv_text,
			  const struct events *evs)
{
	struct csv c;
	struct chart ch;
	double tmax;
	unsigned drawn = 0, drawn_markers = 0;

	sb_puts(b, "<h2 id=timelines>Timelines</h2>\n");
	if (!parse_samples(b, csv_text, &c, ""))
		return;
	tmax = run_tmax(run, &c, evs);
	if (!(tmax > 0))
		tmax = 1;

	/* The marker legend, once for all charts. */
	sb_puts(b, "<p class=legend>Event markers: ");
	render_marker_kinds(b, evs, tmax);
	sb_printf(b, ". <span class=dim>%zu samples", c.nr_rows);
	if (c.bad_rows)
		sb_printf(b, ", %zu incomplete line%s ignored", c.bad_rows,
			  c.bad_rows == 1 ? "" : "s");
	sb_puts(b, ". Hover a marker for its event.</span></p>\n");
	if (!c.nr_rows) {
		sb_puts(b, "<p class=warn>samples.csv has no complete sample yet.</p>\n");
		goto out_free_csv;
	}
	for (int k = 0; k < NR_CHART_KINDS; k++) {
		unsigned m = 0;

		chart_init(&ch, (enum chart_kind)k);
		chart_fill(&ch, (enum chart_kind)k, &c, "");
		if (ch.nr && (chart_specs[k].always || chart_any_nonzero(&ch))) {
			render_chart(b, &ch, &evs, 1, tmax, &m);
			drawn++;
			drawn_markers += m;
		}
		chart_free(&ch);
	}
	sb_printf(b, "<p class=dim>%u timeline%s drawn with %u event markers; memory per cell, "
		  "swap and dirty/writeback are left out when all zero.</p>\n", drawn,
		  drawn == 1 ? "" : "s", drawn_markers);
out_free_csv:
	csv_free(&c);
}

/* ---- the header -------------------------------------------------------------------------- */

static const char *verdict_class(const char *v)
{
	if (!v)
		return "unknown";
	if (!strcmp(v, "PASS"))
		return "pass";
	if (!strcmp(v, "FAIL"))
		return "fail";
	if (!strcmp(v, "BROK"))
		return "brok";
	if (!strcmp(v, "CONF"))
		return "conf";
	return "unknown";
}

static const char *run_verdict(json_object *run)
{
	/* A run.json from a run that never ended (the machine died): no verdict. */
	if (!mmt_json_bool(run, "decided", true))
		return "UNDECIDED";
	return mmt_json_text(mmt_json_get(run, "verdict"), "verdict");
}

static void kv_row(struct sb *b, const char *key, const char *val)
{
	sb_puts(b, "<tr><th>");
	sb_esc(b, key);
	sb_puts(b, "</th><td>");
	if (val)
		sb_esc(b, val);
	else
		sb_puts(b, "<span class=dim>\xe2\x80\x94</span>");
	sb_puts(b, "</td></tr>\n");
}

static int level_order(const char *lvl)
{
	static const char *const order[] = { "FAIL", "BROK", "CONF", "WARN", "INFO" };

	for (int i = 0; i < (int)MMT_ARRAY_SIZE(order); i++)
		if (lvl && !strcmp(lvl, order[i]))
			return i;
	return (int)MMT_ARRAY_SIZE(order);
}

static void render_reasons(struct sb *b, const char *heading, json_object *verdict)
{
	json_object *reasons = mmt_json_get(verdict, "reasons"), *counts = mmt_json_get(verdict, "counts");
	size_t n = reasons && json_object_is_type(reasons, json_type_array) ?
			   json_object_array_length(reasons) : 0;
	double dropped;

	sb_puts(b, "<h3>");
	sb_esc(b, heading);
	sb_puts(b, "</h3>\n");
	if (!n) {
		sb_puts(b, "<p class=dim>No findings.</p>\n");
	} else {
		sb_puts(b, "<table class=reasons>\n");
		/* Most severe level first, in their order within a level. */
		for (int lvl = 0; lvl <= 5; lvl++) {
			for (size_t i = 0; i < n; i++) {
				json_object *r = json_object_array_get_idx(reasons, i);
				const char *l = mmt_json_text(r, "level");

				if (level_order(l) != lvl)
					continue;
				sb_printf(b, "<tr class=\"lvl-%s\"><td class=lvl>",
					  lvl < 5 ? (l[0] == 'F' ? "fail" : l[0] == 'I' ? "info" :
						     l[0] == 'W' ? "warn" : l[0] == 'C' ? "conf" : "brok") : "info");
				sb_esc(b, l ? l : "?");
				sb_puts(b, "</td><td class=mono>");
				sb_esc(b, mmt_json_text(r, "finding"));
				sb_puts(b, "</td><td class=pre>");
				sb_escn(b, mmt_json_text(r, "text"), 2000);
				sb_puts(b, "</td></tr>\n");
			}
		}
		sb_puts(b, "</table>\n");
	}
	if (mmt_json_double(verdict, "dropped_reasons", &dropped) && dropped > 0)
		sb_printf(b, "<p class=dim>%.0f further reason%s not kept by the harness.</p>\n",
			  dropped, dropped == 1 ? "" : "s");
	if (counts && json_object_is_type(counts, json_type_object)) {
		bool any = false;

		json_object_object_foreach(counts, k, v) {
			if (json_object_get_int64(v) <= 0)
				continue;
			sb_puts(b, any ? ", " : "<p>Finding counts: ");
			sb_esc(b, k);
			sb_printf(b, " <b>%" PRId64 "</b>", json_object_get_int64(v));
			any = true;
		}
		if (any)
			sb_puts(b, "</p>\n");
	}
}

static void render_header(struct sb *b, json_object *run)
{
	json_object *job = mmt_json_get(run, "job"), *kernel = mmt_json_get(run, "kernel"),
		    *verdict = mmt_json_get(run, "verdict"), *cg = mmt_json_get(run, "cgroup"), *v;
	const char *vname = run_verdict(run), *name = mmt_json_text(job, "name"), *ver;
	char buf[256], cgbuf[256];
	double d;

	sb_puts(b, "<header>\n<div class=\"verdict ");
	sb_puts(b, verdict_class(vname));
	sb_puts(b, "\">");
	sb_esc(b, vname ? vname : "no verdict");
	sb_puts(b, "</div>\n<div><h1>");
	sb_esc(b, name ? name : "(unknown job)");
	sb_puts(b, "</h1>\n<p class=desc>");
	sb_esc(b, mmt_json_text(job, "description"));
	sb_puts(b, "</p>\n<p class=dim>Run ");
	sb_esc(b, mmt_json_text(run, "id"));
	if (mmt_json_double(verdict, "exit_code", &d))
		sb_printf(b, " &middot; exit code <b>%.0f</b>", d);
	sb_puts(b, "</p></div>\n</header>\n");

	if (!run) {
		sb_puts(b, "<p class=warn>run.json is missing or unreadable: no verdict, cells or "
			"injectors.  The harness may have been killed before writing it.</p>\n");
		return;
	}
	if (!mmt_json_get(run, "end"))
		sb_puts(b, "<p class=warn>run.json has no end time: the run did not finish "
			"(harness killed, machine crashed, or still running).  The verdict is "
			"what was known when it was last written.</p>\n");
	if (mmt_json_text(run, "interrupted_by")) {
		sb_puts(b, "<p class=warn>Interrupted by ");
		sb_esc(b, mmt_json_text(run, "interrupted_by"));
		sb_puts(b, ".</p>\n");
	}
	if (!verdict)
		sb_puts(b, "<p class=warn>run.json has no verdict.</p>\n");
	else
		render_reasons(b, "Reasons", verdict);

	sb_puts(b, "<h3>Run</h3>\n<table class=kv>\n");
	snprintf(buf, sizeof(buf), "%s %s",
		 mmt_json_text(kernel, "release") ? mmt_json_text(kernel, "release") : "?",
		 mmt_json_text(kernel, "version") ? mmt_json_text(kernel, "version") : "");
	kv_row(b, "kernel", kernel ? buf : NULL);
	kv_row(b, "kernel cmdline", mmt_json_text(kernel, "cmdline"));
	kv_row(b, "host", mmt_json_text(kernel, "hostname"));
	kv_row(b, "topology", mmt_json_text(mmt_json_get(run, "topology"), "summary"));
	cgbuf[0] = '\0';
	if (cg && json_object_is_type(cg, json_type_object)) {
		size_t o = 0;

		json_object_object_foreach(cg, k, cv) {
			if (!strcmp(k, "top") || o >= sizeof(cgbuf))
				continue;
			o += (size_t)snprintf(cgbuf + o, sizeof(cgbuf) - o, "%s%s %s",
					      o ? ", " : "", k, json_object_get_string(cv));
		}
	}
	kv_row(b, "cgroup modes", cgbuf[0] ? cgbuf : NULL);
	kv_row(b, "seed", mmt_json_text(run, "seed"));
	kv_row(b, "start", mmt_json_text(run, "start"));
	kv_row(b, "end", mmt_json_text(run, "end"));
	if (mmt_json_double(run, "elapsed_s", &d)) {
		snprintf(buf, sizeof(buf), "%.1f s", d);
		kv_row(b, "elapsed", buf);
	} else {
		kv_row(b, "elapsed", NULL);
	}
	if (mmt_json_double(run, "duration_us", &d)) {
		snprintf(buf, sizeof(buf), "%.1f s", d / 1e6);
		kv_row(b, "planned duration", buf);
	}
	ver = mmt_json_text(mmt_json_get(run, "harness"), "version");
	if (!ver)
		ver = mmt_json_text(run, "harness_version");
	kv_row(b, "harness version", ver);
	kv_row(b, "job file", mmt_json_text(job, "path"));
	v = mmt_json_get(run, "kmsg");
	if (v) {
		snprintf(buf, sizeof(buf), "%s records, %s lost%s",
			 mmt_json_text(v, "records") ? mmt_json_text(v, "records") : "?",
			 mmt_json_text(v, "lost") ? mmt_json_text(v, "lost") : "?",
			 mmt_json_text(v, "available") && !strcmp(mmt_json_text(v, "available"), "false") ?
				 " (not available)" : "");
		kv_row(b, "kernel log", buf);
	}
	sb_puts(b, "</table>\n");
	if (mmt_json_text(job, "text")) {
		sb_puts(b, "<details><summary>Job file</summary><pre>");
		sb_escn(b, mmt_json_text(job, "text"), 65536);
		sb_puts(b, "</pre></details>\n");
	}
}

/* ---- events table ---------------------------------------------------------------------- */

static int event_cmp(const void *a, const void *b)
{
	const struct event *x = *(const struct event *const *)a;
	const struct event *y = *(const struct event *const *)b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (isfinite(x->t_s) && isfinite(y->t_s) && x->t_s != y->t_s)
		return x->t_s < y->t_s ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Evidence files are plain names in the run directory; anything else is not linked. */
static bool safe_relative_name(const char *s)
{
	if (!s || !*s || s[0] == '.' || strlen(s) > 200)
		return false;
	for (const char *p = s; *p; p++)
		if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') ||
		      ('0' <= *p && *p <= '9') || strchr("._-+", *p)))
			return false;
	return true;
}

static void text_kv(struct sb *b, json_object *o, const char *key, const char *label,
		    bool *first)
{
	const char *v = mmt_json_text(o, key);

	if (!v)
		return;
	if (!*first)
		sb_puts(b, "; ");
	*first = false;
	if (label) {
		sb_esc(b, label);
		sb_puts(b, " ");
	}
	sb_escn(b, v, 400);
}

static void event_text(struct sb *b, const struct event *e)
{
	json_object *o = e->o;
	bool first = true;
	double d;

	if (!strcmp(e->type, "oom_kill")) {
		json_object *rif = mmt_json_get(o, "rebind_in_flight");

		text_kv(b, o, "comm", NULL, &first);
		text_kv(b, o, "constraint", NULL, &first);
		text_kv(b, mmt_json_get(o, "evidence"), "rule", "rule", &first);
		text_kv(b, o, "mems_allowed", "mems_allowed", &first);
		if (mmt_json_get(o, "race") && json_object_get_boolean(mmt_json_get(o, "race"))) {
			sb_puts(b, "; <b>race</b>");
		}
		if (mmt_json_get(rif, "in_flight") && json_object_get_boolean(mmt_json_get(rif, "in_flight")))
			sb_puts(b, "; <b>rebind in flight</b>");
		return;
	}
	if (!strcmp(e->type, "stall")) {
		const char *ev = mmt_json_text(o, "evidence");

		if (mmt_json_double(o, "stalled_us", &d)) {
			sb_printf(b, "no progress for %.1f s", d / 1e6);
			first = false;
		}
		text_kv(b, o, "what", NULL, &first);
		text_kv(b, o, "injector", "injector", &first);
		text_kv(b, o, "wchan", "wchan", &first);
		if (ev) {
			sb_puts(b, first ? "" : "; ");
			if (safe_relative_name(ev)) {
				sb_puts(b, "evidence <a href=\"");
				sb_esc(b, ev);
				sb_puts(b, "\">");
				sb_esc(b, ev);
				sb_puts(b, "</a>");
			} else {
				sb_puts(b, "evidence ");
				sb_escn(b, ev, 200);
			}
		}
		return;
	}
	if (!strcmp(e->type, "corruption")) {
		text_kv(b, o, "text", NULL, &first);
		text_kv(b, o, "addr", "at", &first);
		text_kv(b, o, "node", "node", &first);
		text_kv(b, o, "expected", "expected", &first);
		text_kv(b, o, "got", "got", &first);
		return;
	}
	if (!strcmp(e->type, "victim_exit")) {
		if (mmt_json_double(o, "time_to_exit_us", &d))
			sb_printf(b, "exited %.1f ms after the kill", d / 1e3);
		return;
	}
	if (!strcmp(e->type, "victim_stuck") && mmt_json_double(o, "waited_us", &d)) {
		sb_printf(b, "not exited %.1f s after the kill", d / 1e6);
		return;
	}
	if (!strcmp(e->type, "worker_start")) {
		text_kv(b, o, "spawn", "spawn", &first);
		return;
	}
	if (!strcmp(e->type, "injector")) {
		text_kv(b, o, "injector", NULL, &first);
		text_kv(b, o, "phase", NULL, &first);
		text_kv(b, o, "mode", "mode", &first);
		text_kv(b, o, "writes", "writes", &first);
		return;
	}
	if (!strcmp(e->type, "psi")) {
		text_kv(b, o, "trigger", "trigger", &first);
		text_kv(b, o, "file", NULL, &first);
		return;
	}
	text_kv(b, o, "line", NULL, &first);
	text_kv(b, o, "text", NULL, &first);
	text_kv(b, o, "error", NULL, &first);
	text_kv(b, o, "how", NULL, &first);
	text_kv(b, o, "what", NULL, &first);
	text_kv(b, o, "missing", "missing", &first);
}

#define MAX_EVENT_ROWS 200

static void render_events(struct sb *b, const char *text, const struct events *evs)
{
	const struct event **order;
	size_t shown;

	sb_puts(b, "<h2 id=events>Events</h2>\n");
	if (!text) {
		sb_puts(b, "<p class=warn>events.jsonl is missing.</p>\n");
		return;
	}
	if (evs->bad_lines)
		sb_printf(b, "<p class=dim>%zu incomplete or malformed line%s of events.jsonl "
			  "ignored.</p>\n", evs->bad_lines, evs->bad_lines == 1 ? "" : "s");
	if (!evs->nr) {
		sb_puts(b, "<p class=dim>No events.</p>\n");
		return;
	}
	order = malloc(evs->nr * sizeof(*order));
	if (!order) {
		b->failed = true;
		return;
	}
	for (size_t i = 0; i < evs->nr; i++)
		order[i] = &evs->v[i];
	qsort(order, evs->nr, sizeof(*order), event_cmp);
	shown = evs->nr < MAX_EVENT_ROWS ? evs->nr : MAX_EVENT_ROWS;
	sb_printf(b, "<p class=dim>%zu event%s; failures first, then expected OOM kills, then the "
		  "rest, each in time order.</p>\n", evs->nr, evs->nr == 1 ? "" : "s");
	sb_puts(b, "<table class=events>\n<tr><th>time</th><th>type</th><th>cell</th>"
		"<th>pid</th><th>class</th><th>details</th></tr>\n");
	for (size_t i = 0; i < shown; i++) {
		const struct event *e = order[i];
		int k = marker_of(e);

		sb_printf(b, "<tr class=\"r%d\"><td class=num title=\"", e->rank);
		sb_esc(b, mmt_json_text(e->o, "time"));
		if (isfinite(e->t_s))
			sb_printf(b, "\">%.3f s</td>", e->t_s);
		else
			sb_puts(b, "\">?</td>");
		sb_printf(b, "<td><span class=ty style=\"border-color:%s\">",
			  k >= 0 ? marker_colour(e, k) : "#ccc");
		sb_esc(b, e->type);
		sb_puts(b, "</span></td><td>");
		sb_escn(b, mmt_json_text(e->o, "cell"), 100);
		sb_puts(b, "</td><td class=num>");
		sb_escn(b, mmt_json_text(e->o, "pid"), 20);
		sb_printf(b, "</td><td class=\"cls-%s\">",
			  !mmt_json_text(e->o, "class") ? "none" : oom_expected(e->o) ? "expected" : "bad");
		sb_escn(b, mmt_json_text(e->o, "class"), 40);
		sb_puts(b, "</td><td class=pre>");
		event_text(b, e);
		sb_puts(b, "</td></tr>\n");
	}
	sb_puts(b, "</table>\n");
	if (shown < evs->nr) {
		/* What was left out, by type (the first few types; the rest as "other"). */
		struct {
			const char *type;
			size_t n;
		} left[16];
		size_t nr_left = 0, other = 0;

		for (size_t i = shown; i < evs->nr; i++) {
			size_t j;

			for (j = 0; j < nr_left; j++)
				if (!strcmp(left[j].type, order[i]->type))
					break;
			if (j == nr_left && nr_left < MMT_ARRAY_SIZE(left)) {
				left[nr_left].type = order[i]->type;
				left[nr_left++].n = 0;
			}
			if (j < nr_left)
				left[j].n++;
			else
				other++;
		}
		sb_printf(b, "<p class=warn>%zu more event%s not shown:", evs->nr - shown,
			  evs->nr - shown == 1 ? "" : "s");
		for (size_t j = 0; j < nr_left; j++) {
			sb_puts(b, j ? ", " : " ");
			sb_esc(b, left[j].type);
			sb_printf(b, " %zu", left[j].n);
		}
		if (other)
			sb_printf(b, ", other %zu", other);
		sb_puts(b, " (all in events.jsonl).</p>\n");
	}
	free(order);
}

/* ---- cells and injectors --------------------------------------------------------------- */

static void td_num(struct sb *b, json_object *o, const char *key, bool bytes)
{
	double d;
	char buf[64];

	sb_puts(b, "<td class=num>");
	if (!mmt_json_double(o, key, &d))
		sb_puts(b, "<span class=dim>\xe2\x80\x94</span>");
	else {
		if (bytes)
			fmt_bytes(d, buf, sizeof(buf));
		else
			fmt_count(d, buf, sizeof(buf));
		sb_puts(b, buf);
	}
	sb_puts(b, "</td>");
}

static void td_text(struct sb *b, json_object *o, const char *key)
{
	sb_puts(b, "<td>");
	sb_escn(b, mmt_json_text(o, key), 200);
	sb_puts(b, "</td>");
}

static void render_cells(struct sb *b, json_object *run)
{
	json_object *cells = mmt_json_get(run, "cells");
	size_t n = cells && json_object_is_type(cells, json_type_array) ?
			   json_object_array_length(cells) : 0;

	sb_puts(b, "<h2 id=cells>Cells</h2>\n");
	if (!n) {
		sb_puts(b, "<p class=dim>No cells in run.json.</p>\n");
		return;
	}
	sb_puts(b, "<table class=cells>\n<tr><th>cell</th><th>workload</th><th>threads</th>"
		"<th>cpus</th><th>mems</th><th>memory_max</th><th>expect OOM</th><th>pages</th>"
		"<th>pages/s</th><th>spawns</th><th>OOM kills</th><th>rebinds</th>"
		"<th>pages per node (sampled)</th></tr>\n");
	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(cells, i);
		json_object *pl = mmt_json_get(c, "placement"), *ppn = mmt_json_get(pl, "pages_per_node");
		double outside;
		bool any = false;

		sb_puts(b, "<tr><td><b>");
		sb_escn(b, mmt_json_text(c, "name"), 100);
		sb_puts(b, "</b></td>");
		td_text(b, c, "workload");
		td_num(b, c, "threads", false);
		td_text(b, c, "cpus");
		td_text(b, c, "mems");
		td_num(b, c, "memory_max", true);
		td_text(b, c, "expect_oom");
		td_num(b, c, "pages", false);
		td_num(b, c, "pages_per_s", false);
		td_num(b, c, "spawns", false);
		td_num(b, c, "oom_kills", false);
		td_num(b, c, "rebinds", false);
		sb_puts(b, "<td>");
		if (ppn && json_object_is_type(ppn, json_type_object)) {
			json_object_object_foreach(ppn, node, pages) {
				char buf[64];

				fmt_count((double)json_object_get_int64(pages), buf, sizeof(buf));
				sb_puts(b, any ? ", " : "");
				sb_puts(b, "node ");
				sb_esc(b, node);
				sb_printf(b, ": %s", buf);
				any = true;
			}
		}
		if (!any)
			sb_puts(b, "<span class=dim>\xe2\x80\x94</span>");
		if (mmt_json_double(pl, "outside_mems", &outside) && outside > 0)
			sb_printf(b, " <b class=bad>%.0f outside mems</b>", outside);
		sb_puts(b, "</td></tr>\n");
	}
	sb_puts(b, "</table>\n");
}

/* Flatten nested objects into dotted keys. */
static void kv_flat(struct sb *b, const char *prefix, json_object *o, int depth)
{
	json_object_object_foreach(o, k, v) {
		char key[256];

		snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "", k);
		if (v && json_object_is_type(v, json_type_object) && depth < 4 &&
		    json_object_object_length(v) > 0) {
			kv_flat(b, key, v, depth + 1);
			continue;
		}
		sb_puts(b, "<tr><th>");
		sb_esc(b, key);
		sb_puts(b, "</th><td>");
		if (v && json_object_is_type(v, json_type_object))
			sb_puts(b, "<span class=dim>(none)</span>");
		else
			sb_jvalue(b, v);
		sb_puts(b, "</td></tr>\n");
	}
}

static void render_injectors(struct sb *b, json_object *run)
{
	json_object *inj = mmt_json_get(run, "injectors");

	sb_puts(b, "<h2 id=injectors>Injectors</h2>\n");
	if (!inj || !json_object_is_type(inj, json_type_object) ||
	    !json_object_object_length(inj)) {
		sb_puts(b, "<p class=dim>No injectors in this job.</p>\n");
		return;
	}
	json_object_object_foreach(inj, name, rep) {
		sb_puts(b, "<h3>");
		sb_esc(b, name);
		sb_puts(b, "</h3>\n<table class=kv>\n");
		if (rep && json_object_is_type(rep, json_type_object))
			kv_flat(b, "", rep, 0);
		else
			kv_row(b, "report", rep ? json_object_get_string(rep) : NULL);
		sb_puts(b, "</table>\n");
	}
}

/* ---- exposure (issue 10) ---------------------------------------------------------------- */

/* dst[key] += x; a key that is absent (or null) becomes x. */
static void jadd(json_object *dst, const char *key, double x)
{
	double have;

	if (!isfinite(x))
		return;
	if (mmt_json_double(dst, key, &have))
		x += have;
	json_object_object_add(dst, key, json_object_new_double(x));
}

/* dst[key] = src[key] when dst has no number there yet and src has one. */
static void jfirst(json_object *dst, json_object *src, const char *key)
{
	double x;

	if (!mmt_json_double(dst, key, &x) && mmt_json_double(src, key, &x))
		json_object_object_add(dst, key, json_object_new_double(x));
}

static void add_transitions(json_object *dst, json_object *src)
{
	json_object *t;

	if (!src || !json_object_is_type(src, json_type_object))
		return;
	t = mmt_json_get(dst, "transitions");
	if (!t) {
		t = json_object_new_object();
		json_object_object_add(dst, "transitions", t);
	}
	json_object_object_foreach(src, kind, v) {
		double x;

		(void)v;
		if (mmt_json_double(src, kind, &x))
			jadd(t, kind, x);
	}
}

json_object *mmt_report_exposure(json_object *run)
{
	json_object *inj = mmt_json_get(run, "injectors"), *out = NULL, *cells = NULL;

	if (!inj || !json_object_is_type(inj, json_type_object))
		return NULL;
	json_object_object_foreach(inj, name, rep) {
		const char *type = mmt_json_str(rep, "type");
		json_object *ex = mmt_json_get(rep, "exposure");
		json_object *pc = mmt_json_get(rep, "per_cell");
		double x;

		(void)name;
		if (!type || strcmp(type, "rebind") || !ex)
			continue;
		if (!out) {
			out = json_object_new_object();
			cells = json_object_new_object();
			json_object_object_add(out, "cells", cells);
		}
		if (mmt_json_double(ex, "rewrites_per_s", &x))
			jadd(out, "rewrites_per_s", x);
		if (mmt_json_double(ex, "windows_per_s", &x))
			jadd(out, "windows_per_s", x);
		jfirst(out, ex, "slow_path_per_s");
		jfirst(out, ex, "pgscan_direct_per_s");
		jfirst(out, ex, "stall_fraction");
		if (!pc || !json_object_is_type(pc, json_type_object))
			continue;
		json_object_object_foreach(pc, cname, c) {
			json_object *dst = mmt_json_get(cells, cname), *ce = mmt_json_get(c, "exposure");

			if (!dst) {
				dst = json_object_new_object();
				json_object_object_add(cells, cname, dst);
			}
			if (mmt_json_double(ce, "rewrites_per_s", &x))
				jadd(dst, "rewrites_per_s", x);
			if (mmt_json_double(ce, "windows_per_s", &x))
				jadd(dst, "windows_per_s", x);
			add_transitions(dst, mmt_json_get(c, "transitions"));
		}
	}
	if (out && !mmt_json_get(out, "windows_per_s"))
		json_object_object_add(out, "windows_per_s", NULL);
	return out;
}

/* run.json's exposure, or computed from its injectors (a run written before it had one). */
static json_object *run_exposure(json_object *run, json_object **to_put)
{
	json_object *ex = mmt_json_get(run, "exposure");

	*to_put = NULL;
	if (ex)
		return ex;
	return *to_put = mmt_report_exposure(run);
}

static void num_td(struct sb *b, json_object *o, const char *key, int decimals)
{
	double x;

	if (mmt_json_double(o, key, &x))
		sb_printf(b, "<td class=num>%.*f</td>", decimals, x);
	else
		sb_puts(b, "<td class=num><span class=dim>\xe2\x80\x94</span></td>");
}

static const char *const transition_names[] = { "equal", "subset", "superset", "overlap",
						 "disjoint" };

static void render_exposure(struct sb *b, json_object *run)
{
	json_object *put, *ex = run_exposure(run, &put), *cells;

	if (!ex)
		return;
	sb_puts(b, "<h2 id=exposure>Exposure</h2>\n<p class=dim>How hard the run pushed on the "
		"cpuset &times; mempolicy race: rewrites of cpuset.mems per second, and the race "
		"windows per second (rewrites/s &times; the fraction of time some task was stalled "
		"on memory, PSI). Slow-path counters are machine-wide (docs/results.md).</p>\n"
		"<table class=kv>\n<tr><th>race windows/s</th>");
	num_td(b, ex, "windows_per_s", 2);
	sb_puts(b, "</tr>\n<tr><th>rewrites/s</th>");
	num_td(b, ex, "rewrites_per_s", 1);
	sb_puts(b, "</tr>\n<tr><th>slow-path entries/s</th>");
	num_td(b, ex, "slow_path_per_s", 2);
	sb_puts(b, "</tr>\n<tr><th>direct-reclaim scans/s</th>");
	num_td(b, ex, "pgscan_direct_per_s", 1);
	sb_puts(b, "</tr>\n<tr><th>memory stall fraction</th>");
	num_td(b, ex, "stall_fraction", 4);
	sb_puts(b, "</tr>\n</table>\n");
	cells = mmt_json_get(ex, "cells");
	if (cells && json_object_is_type(cells, json_type_object) &&
	    json_object_object_length(cells)) {
		sb_puts(b, "<table class=cells>\n<tr><th>cell</th><th>rewrites/s</th>"
			"<th>windows/s</th>");
		for (size_t k = 0; k < MMT_ARRAY_SIZE(transition_names); k++)
			sb_printf(b, "<th>%s</th>", transition_names[k]);
		sb_puts(b, "</tr>\n");
		json_object_object_foreach(cells, name, c) {
			json_object *t = mmt_json_get(c, "transitions");

			sb_puts(b, "<tr><td>");
			sb_esc(b, name);
			sb_puts(b, "</td>");
			num_td(b, c, "rewrites_per_s", 1);
			num_td(b, c, "windows_per_s", 2);
			for (size_t k = 0; k < MMT_ARRAY_SIZE(transition_names); k++)
				num_td(b, t, transition_names[k], 0);
			sb_puts(b, "</tr>\n");
		}
		sb_puts(b, "</table>\n");
	}
	json_object_put(put);
}

/* ---- compare --------------------------------------------------------------------------- */

static void ratio_cell(struct sb *b, double a, double c)
{
	sb_puts(b, "<td class=\"num ratio\">");
	if (!isfinite(a) || !isfinite(c))
		sb_puts(b, "<span class=dim>\xe2\x80\x94</span>");
	else if (c == 0 && a == 0)
		sb_puts(b, "=");
	else if (c == 0)
		sb_puts(b, "\xe2\x88\x9e");     /* infinity */
	else
		sb_printf(b, "%.3f", a / c);
	sb_puts(b, "</td>");
}

static void cmp_num_row(struct sb *b, const char *what, double a, double c, int decimals)
{
	char buf[64];

	sb_puts(b, "<tr><th>");
	sb_esc(b, what);
	sb_puts(b, "</th>");
	for (int i = 0; i < 2; i++) {
		double x = i ? c : a;

		if (!isfinite(x))
			snprintf(buf, sizeof(buf), "\xe2\x80\x94");
		else if (decimals)
			snprintf(buf, sizeof(buf), "%.*f", decimals, x);
		else
			fmt_count(x, buf, sizeof(buf));
		sb_printf(b, "<td class=num>%s</td>", buf);
	}
	ratio_cell(b, a, c);
	sb_puts(b, "</tr>\n");
}

static void cmp_text_row(struct sb *b, const char *what, const char *a, const char *c,
			 bool verdict)
{
	sb_puts(b, "<tr><th>");
	sb_esc(b, what);
	sb_puts(b, "</th>");
	for (int i = 0; i < 2; i++) {
		const char *x = i ? c : a;

		if (verdict)
			sb_printf(b, "<td><span class=\"vsmall %s\">", verdict_class(x));
		else
			sb_puts(b, "<td>");
		sb_escn(b, x ? x : "\xe2\x80\x94", 300);
		sb_puts(b, verdict ? "</span></td>" : "</td>");
	}
	sb_printf(b, "<td class=num>%s</td></tr>\n",
		  a && c && !strcmp(a, c) ? "=" : "\xe2\x89\xa0");
}

static double jnum_or_nan(json_object *o, const char *key)
{
	double d;

	return mmt_json_double(o, key, &d) ? d : NAN;
}

static json_object *cell_by_name(json_object *run, const char *name)
{
	json_object *cells = mmt_json_get(run, "cells");
	size_t n = cells && json_object_is_type(cells, json_type_array) ?
			   json_object_array_length(cells) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(cells, i);
		const char *cn = mmt_json_text(c, "name");

		if (cn && !strcmp(cn, name))
			return c;
	}
	return NULL;
}

/* A run's rebind rate: the injectors' rate_per_s summed, or cell rebinds per second. */
static double rebind_rate(json_object *run)
{
	json_object *inj = mmt_json_get(run, "injectors"), *cells = mmt_json_get(run, "cells");
	double sum = 0, el;
	bool any = false;

	if (inj && json_object_is_type(inj, json_type_object)) {
		json_object_object_foreach(inj, k, rep) {
			const char *type = mmt_json_text(rep, "type");
			double r;

			(void)k;
			if (type && !strcmp(type, "rebind") && mmt_json_double(rep, "rate_per_s", &r)) {
				sum += r;
				any = true;
			}
		}
	}
	if (any)
		return sum;
	if (!mmt_json_double(run, "elapsed_s", &el) || el <= 0 || !cells ||
	    !json_object_is_type(cells, json_type_array))
		return NAN;
	for (size_t i = 0; i < json_object_array_length(cells); i++) {
		double r;

		if (mmt_json_double(json_object_array_get_idx(cells, i), "rebinds", &r))
			sum += r;
	}
	return sum / el;
}

/*
 * --compare: the timelines both runs have in common (free memory per node,
 * fault rate, rebind rate, PSI) with A's and B's series on one chart, on
 * shared axes (seconds since each run's start), and both runs' events.
 */
static void render_overlay(struct sb *b, json_object *const runs[NR_RUNS],
			   const char *const csv_text[NR_RUNS],
			   const struct events *const evs[NR_RUNS])
{
	struct csv c[NR_RUNS];
	bool have[NR_RUNS];
	struct chart ch;
	double tmax = 0;
	unsigned drawn = 0;

	sb_puts(b, "<h3 id=overlay>Timelines of A and B overlaid</h3>\n");
	for (int r = 0; r < NR_RUNS; r++) {
		char who[32];

		snprintf(who, sizeof(who), "run %s's ", run_names[r]);
		have[r] = parse_samples(b, csv_text[r], &c[r], who);
		if (have[r] && run_tmax(runs[r], &c[r], evs[r]) > tmax)
			tmax = run_tmax(runs[r], &c[r], evs[r]);
	}
	if (!(tmax > 0))
		tmax = 1;
	sb_puts(b, "<p class=legend>");
	for (int r = 0; r < NR_RUNS; r++) {
		const char *id = mmt_json_text(runs[r], "id"), *v = run_verdict(runs[r]);

		sb_printf(b, "%s<span class=\"runkey run-%s\" style=\"border-top:3px %s %s\">"
			  "</span><b>%s</b> ", r ? "<br>" : "", run_names[r],
			  run_dash[r] ? "dashed" : "solid", run_shades[r][0], run_names[r]);
		sb_esc(b, id ? id : "(no run.json)");
		sb_printf(b, " <span class=\"vsmall %s\">", verdict_class(v));
		sb_esc(b, v ? v : "no verdict");
		sb_printf(b, "</span>; %s events (markers in the %s half): ", run_names[r],
			  r ? "lower" : "upper");
		render_marker_kinds(b, evs[r], tmax);
	}
	sb_puts(b, "</p>\n");
	for (int k = 0; k < NR_COMPARED_CHARTS; k++) {
		char title[128];
		unsigned m, from;

		chart_init(&ch, (enum chart_kind)k);
		snprintf(title, sizeof(title), "%s \xe2\x80\x94 A and B", chart_specs[k].title);
		ch.title = title;
		for (int r = 0; r < NR_RUNS; r++) {
			char prefix[8];

			if (!have[r])
				continue;
			snprintf(prefix, sizeof(prefix), "%s ", run_names[r]);
			from = ch.nr;
			chart_fill(&ch, (enum chart_kind)k, &c[r], prefix);
			for (unsigned i = from; i < ch.nr; i++) {
				ch.s[i].colour = run_shades[r][(i - from) % 4];
				ch.s[i].dash = run_dash[r];
			}
		}
		if (ch.nr) {
			render_chart(b, &ch, evs, NR_RUNS, tmax, &m);
			drawn++;
		} else if (have[0] || have[1]) {
			sb_printf(b, "<p class=dim>%s: neither run has such samples.</p>\n",
				  chart_specs[k].title);
		}
		chart_free(&ch);
	}
	if (!drawn)
		sb_puts(b, "<p class=dim>Neither run has samples to overlay.</p>\n");
	for (int r = 0; r < NR_RUNS; r++)
		csv_free(&c[r]);
}

static void render_compare(struct sb *b, json_object *a, json_object *c,
			   const char *const csv_text[NR_RUNS], const struct events *const evs[NR_RUNS])
{
	json_object *const runs[NR_RUNS] = { a, c };
	static const struct {
		const char *count, *label;
	} ooms[] = {
		{ "oom_expected", "OOM kills: expected" },
		{ "oom_spurious", "OOM kills: spurious" },
		{ "oom_unexpected", "OOM kills: unexpected" },
		{ "oom_foreign", "OOM kills: foreign" },
		{ "stall", "stalls" },
	};
	json_object *va = mmt_json_get(a, "verdict"), *vc = mmt_json_get(c, "verdict");
	json_object *cells_a = mmt_json_get(a, "cells"), *cells_c = mmt_json_get(c, "cells");
	size_t na = cells_a && json_object_is_type(cells_a, json_type_array) ?
			    json_object_array_length(cells_a) : 0;
	size_t nc = cells_c && json_object_is_type(cells_c, json_type_array) ?
			    json_object_array_length(cells_c) : 0;

	sb_puts(b, "<h2 id=compare>Comparison</h2>\n<p class=dim>A is this run, B the run given "
		"with --compare; the ratio is A&divide;B.</p>\n");
	sb_puts(b, "<table class=cmp>\n<tr><th></th><th>A: ");
	sb_esc(b, mmt_json_text(a, "id") ? mmt_json_text(a, "id") : "(this run)");
	sb_puts(b, "</th><th>B: ");
	sb_esc(b, mmt_json_text(c, "id") ? mmt_json_text(c, "id") : "(other run)");
	sb_puts(b, "</th><th>A&divide;B</th></tr>\n");
	cmp_text_row(b, "verdict", run_verdict(a), run_verdict(c), true);
	cmp_text_row(b, "job", mmt_json_text(mmt_json_get(a, "job"), "name"), mmt_json_text(mmt_json_get(c, "job"), "name"), false);
	cmp_text_row(b, "kernel", mmt_json_text(mmt_json_get(a, "kernel"), "release"),
		     mmt_json_text(mmt_json_get(c, "kernel"), "release"), false);
	cmp_text_row(b, "topology", mmt_json_text(mmt_json_get(a, "topology"), "summary"),
		     mmt_json_text(mmt_json_get(c, "topology"), "summary"), false);
	cmp_num_row(b, "elapsed (s)", jnum_or_nan(a, "elapsed_s"), jnum_or_nan(c, "elapsed_s"), 1);
	cmp_num_row(b, "rebinds/s", rebind_rate(a), rebind_rate(c), 1);
	{
		json_object *pa, *pc, *ea = run_exposure(a, &pa), *ec = run_exposure(c, &pc);

		cmp_num_row(b, "exposure: race windows/s", jnum_or_nan(ea, "windows_per_s"),
			    jnum_or_nan(ec, "windows_per_s"), 2);
		cmp_num_row(b, "exposure: rewrites/s", jnum_or_nan(ea, "rewrites_per_s"),
			    jnum_or_nan(ec, "rewrites_per_s"), 1);
		cmp_num_row(b, "exposure: slow-path entries/s", jnum_or_nan(ea, "slow_path_per_s"),
			    jnum_or_nan(ec, "slow_path_per_s"), 2);
		cmp_num_row(b, "exposure: memory stall fraction", jnum_or_nan(ea, "stall_fraction"),
			    jnum_or_nan(ec, "stall_fraction"), 4);
		json_object_put(pa);
		json_object_put(pc);
	}
	for (size_t i = 0; i < MMT_ARRAY_SIZE(ooms); i++)
		cmp_num_row(b, ooms[i].label, jnum_or_nan(mmt_json_get(va, "counts"), ooms[i].count),
			    jnum_or_nan(mmt_json_get(vc, "counts"), ooms[i].count), 0);
	cmp_num_row(b, "OOM kills (vmstat)", jnum_or_nan(mmt_json_get(a, "vmstat"), "oom_kill"),
		    jnum_or_nan(mmt_json_get(c, "vmstat"), "oom_kill"), 0);
	/* Cells of A in their order, then those only B has. */
	for (int pass = 0; pass < 2; pass++) {
		json_object *cells = pass ? cells_c : cells_a;
		size_t n = pass ? nc : na;

		for (size_t i = 0; i < n; i++) {
			json_object *cell = json_object_array_get_idx(cells, i);
			const char *name = mmt_json_text(cell, "name");
			json_object *ca, *cc;
			char label[160];

			if (!name || (pass && cell_by_name(a, name)))
				continue;
			ca = cell_by_name(a, name);
			cc = cell_by_name(c, name);
			snprintf(label, sizeof(label), "cell %s: pages/s", name);
			cmp_num_row(b, label, jnum_or_nan(ca, "pages_per_s"),
				    jnum_or_nan(cc, "pages_per_s"), 0);
			snprintf(label, sizeof(label), "cell %s: OOM kills", name);
			cmp_num_row(b, label, jnum_or_nan(ca, "oom_kills"),
				    jnum_or_nan(cc, "oom_kills"), 0);
		}
	}
	sb_puts(b, "</table>\n");
	render_reasons(b, "Reasons of B", vc);
	render_overlay(b, runs, csv_text, evs);
}

/* ---- the page --------------------------------------------------------------------------- */

static const char css[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;"
	"max-width:1140px;padding:12px 20px;color:#222;font-size:14px}\n"
	"header{display:flex;gap:24px;align-items:center;border-bottom:2px solid #ddd;"
	"padding-bottom:10px}\n"
	"h1{margin:0;font-size:26px}h2{margin-top:28px;border-bottom:1px solid #ddd}"
	"h3{margin:16px 0 6px}\n"
	".desc{margin:4px 0;font-size:15px}.dim{color:#777}\n"
	".verdict{font-size:44px;font-weight:bold;color:#fff;padding:10px 26px;"
	"border-radius:8px;min-width:120px;text-align:center}\n"
	".pass{background:#2e7d32;color:#fff}.fail{background:#c62828;color:#fff}"
	".brok{background:#f9a825;color:#222}.conf{background:#3949ab;color:#fff}"
	".unknown{background:#777;color:#fff}\n"
	".vsmall{padding:2px 10px;border-radius:4px;font-weight:bold}\n"
	".warn{background:#fff4ce;border-left:4px solid #f9a825;padding:6px 10px}\n"
	"table{border-collapse:collapse;margin:6px 0}"
	"td,th{border:1px solid #ddd;padding:3px 7px;vertical-align:top;text-align:left}\n"
	"th{background:#f4f4f4;font-weight:600}.kv th{width:170px;white-space:nowrap}\n"
	".num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}\n"
	".pre{white-space:pre-wrap;word-break:break-word}.mono{font-family:monospace}\n"
	"table.events td.pre{font-size:12.5px}\n"
	".lvl-fail .lvl{background:#c62828;color:#fff}.lvl-brok .lvl{background:#f9a825}"
	".lvl-conf .lvl{background:#3949ab;color:#fff}"
	".lvl-warn .lvl{background:#fff4ce}.lvl-info .lvl{color:#555}\n"
	".ty{border-left:4px solid;padding-left:5px;white-space:nowrap}\n"
	".cls-bad{color:#c62828;font-weight:bold}.cls-expected{color:#555}\n"
	"b.bad{color:#c62828}.r0 td,.r1 td{background:#fdecea}\n"
	"table.cells td:first-child,table.events td:nth-child(3){white-space:nowrap}\n"
	".mkkey{display:inline-block;width:0;height:12px;border-left:3px solid;"
	"margin:0 4px -1px 2px}\n"
	".runkey{display:inline-block;width:28px;height:0;margin:0 6px 0 0;"
	"vertical-align:middle}\n"
	"svg.chart{display:block;max-width:100%;height:auto;margin:10px 0 4px}\n"
	".ratio{font-weight:bold}\n"
	"details pre{background:#f7f7f7;padding:8px;overflow:auto}\n"
	"nav a{margin-right:12px}\n";

char *mmt_report_render_runs(const struct mmt_report_run *a, const struct mmt_report_run *cmp)
{
	json_object *run = a->run;
	const char *name = mmt_json_text(mmt_json_get(run, "job"), "name");
	struct events evs[NR_RUNS];
	struct sb b = { 0 };

	if (events_parse(a->events_jsonl_text, &evs[0]) < 0)
		b.failed = true;
	if (events_parse(cmp ? cmp->events_jsonl_text : NULL, &evs[1]) < 0)
		b.failed = true;
	sb_puts(&b, "<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width\">\n<title>");
	sb_esc(&b, run_verdict(run) ? run_verdict(run) : "?");
	sb_puts(&b, " \xe2\x80\x94 mmtorture ");
	sb_esc(&b, name ? name : "run");
	sb_puts(&b, " ");
	sb_esc(&b, mmt_json_text(run, "id"));
	sb_puts(&b, "</title>\n<style>\n");
	sb_puts(&b, css);
	sb_puts(&b, "</style>\n</head>\n<body>\n");
	render_header(&b, run);
	sb_puts(&b, "<nav>");
	if (cmp)
		sb_puts(&b, "<a href=\"#compare\">comparison</a><a href=\"#overlay\">overlaid "
			"timelines</a>");
	sb_puts(&b, "<a href=\"#timelines\">timelines</a><a href=\"#events\">events</a>"
		"<a href=\"#cells\">cells</a><a href=\"#exposure\">exposure</a>"
		"<a href=\"#injectors\">injectors</a></nav>\n");
	if (cmp) {
		const char *const csv[NR_RUNS] = { a->samples_csv_text, cmp->samples_csv_text };
		const struct events *const ev[NR_RUNS] = { &evs[0], &evs[1] };

		render_compare(&b, run, cmp->run, csv, ev);
	}
	render_charts(&b, run, a->samples_csv_text, &evs[0]);
	render_events(&b, a->events_jsonl_text, &evs[0]);
	if (run) {
		render_cells(&b, run);
		render_exposure(&b, run);
		render_injectors(&b, run);
	}
	sb_puts(&b, "<p class=dim>Generated by <code>mmtorture report</code>.</p>\n"
		"</body>\n</html>\n");
	events_free(&evs[0]);
	events_free(&evs[1]);
	if (b.failed) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

char *mmt_report_render(json_object *run, const char *samples_csv_text,
			const char *events_jsonl_text, json_object *compare_run)
{
	const struct mmt_report_run a = { run, samples_csv_text, events_jsonl_text };
	const struct mmt_report_run cmp = { compare_run, NULL, NULL };

	return mmt_report_render_runs(&a, compare_run ? &cmp : NULL);
}

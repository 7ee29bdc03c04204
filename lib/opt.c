// SPDX-License-Identifier: GPL-2.0-only
/*
 * Options as data (the idea of fio's options.c): a table row says where a
 * value lives, what type it has, its range, its default and its help.  The
 * parser, the defaults, the error messages and `mmtorture list` all read
 * the same rows.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/opt.h"
#include "lib/set.h"
#include "lib/util.h"

#define FIELD(base, o, type) ((type *)((char *)(base) + (o)->off))
#define CFIELD(base, o, type) ((const type *)((const char *)(base) + (o)->off))

#define US_PER_MS UINT64_C(1000)
#define US_PER_S UINT64_C(1000000)
#define US_PER_MIN (60 * US_PER_S)
#define US_PER_H (60 * US_PER_MIN)

const struct mmt_opt *mmt_opt_find(const struct mmt_opt *table,
				   const char *name)
{
	for (const struct mmt_opt *o = table; o && o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

/* The largest unit that divides exactly, in units mmt_parse_duration_us
 * reads back ("m" is minutes). */
static void format_dur(uint64_t us, char *buf, size_t len)
{
	if (us == 0)
		snprintf(buf, len, "0s");
	else if (us % US_PER_H == 0)
		snprintf(buf, len, "%" PRIu64 "h", us / US_PER_H);
	else if (us % US_PER_MIN == 0)
		snprintf(buf, len, "%" PRIu64 "m", us / US_PER_MIN);
	else if (us % US_PER_S == 0)
		snprintf(buf, len, "%" PRIu64 "s", us / US_PER_S);
	else if (us % US_PER_MS == 0)
		snprintf(buf, len, "%" PRIu64 "ms", us / US_PER_MS);
	else
		snprintf(buf, len, "%" PRIu64 "us", us);
}

static void format_bound(const struct mmt_opt *o, int64_t v, char *buf,
			 size_t len)
{
	switch (o->type) {
	case MMT_OPT_SIZE:
		mmt_format_size((uint64_t)v, buf, len);
		break;
	case MMT_OPT_DURATION:
		format_dur((uint64_t)v, buf, len);
		break;
	case MMT_OPT_INT:
		snprintf(buf, len, "%" PRId64, v);
		break;
	default:
		snprintf(buf, len, "%" PRIu64, (uint64_t)v);
		break;
	}
}

/* "4K..64G", "1..", or "" when the option takes any value. */
static void format_range(const struct mmt_opt *o, char *buf, size_t len)
{
	char lo[32], hi[32];

	buf[0] = '\0';
	if (o->min == 0 && o->max == 0)
		return;
	format_bound(o, o->min, lo, sizeof(lo));
	if (o->max == 0) {
		snprintf(buf, len, "%s..", lo);
		return;
	}
	format_bound(o, o->max, hi, sizeof(hi));
	snprintf(buf, len, "%s..%s", lo, hi);
}

static void format_choices(const struct mmt_opt *o, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (const char *const *c = o->choices; c && *c && n < len; c++) {
		int r = snprintf(buf + n, len - n, "%s%s", n ? ", " : "", *c);

		if (r < 0)
			break;
		n += (size_t)r;
	}
}

static const char *type_noun(enum mmt_opt_type type)
{
	switch (type) {
	case MMT_OPT_BOOL:
		return "boolean";
	case MMT_OPT_U64:
		return "whole number";
	case MMT_OPT_INT:
		return "number";
	case MMT_OPT_SIZE:
		return "size";
	case MMT_OPT_DURATION:
		return "duration";
	case MMT_OPT_STR:
		return "string";
	case MMT_OPT_ENUM:
		return "choice";
	case MMT_OPT_CPUS:
		return "CPU list";
	case MMT_OPT_NODES:
		return "node list";
	case MMT_OPT_STRLIST:
		return "list";
	}
	return "value";
}

/* What the user may write, for "...; allowed <this>". */
static void format_allowed(const struct mmt_opt *o, char *buf, size_t len)
{
	char range[80];

	switch (o->type) {
	case MMT_OPT_BOOL:
		snprintf(buf, len, "true, false, yes, no, on, off, 1, 0");
		return;
	case MMT_OPT_ENUM:
		format_choices(o, buf, len);
		return;
	case MMT_OPT_CPUS:
		snprintf(buf, len, "all or a CPU list such as 0-3,8");
		return;
	case MMT_OPT_NODES:
		snprintf(buf, len, "all or a node list such as 0-1,3");
		return;
	case MMT_OPT_STR:
	case MMT_OPT_STRLIST:
		snprintf(buf, len, "at most %d characters", MMT_OPT_STRLEN - 1);
		return;
	default:
		break;
	}
	format_range(o, range, sizeof(range));
	if (range[0]) {
		snprintf(buf, len, "%s", range);
		return;
	}
	switch (o->type) {
	case MMT_OPT_SIZE:
		snprintf(buf, len, "any size, e.g. 4096, 64K, 1.5G");
		break;
	case MMT_OPT_DURATION:
		snprintf(buf, len, "any duration, e.g. 500ms, 30s, 2m, 1h");
		break;
	case MMT_OPT_INT:
		snprintf(buf, len, "any whole number");
		break;
	default:
		snprintf(buf, len, "any whole number >= 0");
		break;
	}
}

static int bad_value(const struct mmt_opt *o, const char *value, int err,
		     char *why, size_t why_len)
{
	char allowed[MMT_OPT_STRLEN];

	format_allowed(o, allowed, sizeof(allowed));
	if (err == -ERANGE)
		snprintf(why, why_len, "'%s' is out of range; allowed %s", value,
			 allowed);
	else if (o->type == MMT_OPT_ENUM)
		snprintf(why, why_len, "'%s' is not one of %s", value, allowed);
	else if (o->type == MMT_OPT_U64 || o->type == MMT_OPT_INT)
		snprintf(why, why_len, "'%s' is not a number; allowed %s", value,
			 allowed);
	else
		snprintf(why, why_len, "'%s' is not a %s; allowed %s", value,
			 type_noun(o->type), allowed);
	return err;
}

static int check_unsigned(const struct mmt_opt *o, uint64_t v)
{
	if (v < (uint64_t)o->min)
		return -ERANGE;
	if (o->max != 0 && v > (uint64_t)o->max)
		return -ERANGE;
	return 0;
}

static int set_setopt(const struct mmt_opt *o, void *base, const char *value,
		      char *why, size_t why_len)
{
	struct mmt_setopt *so = FIELD(base, o, struct mmt_setopt);
	const char *noun = type_noun(o->type);
	const char *set_why = NULL;
	hwloc_bitmap_t set;
	int r;

	if (strlen(value) >= sizeof(so->text)) {
		snprintf(why, why_len, "%s is too long; at most %zu characters",
			 noun, sizeof(so->text) - 1);
		return -EINVAL;
	}
	set = hwloc_bitmap_alloc();
	if (!set)
		return -ENOMEM;
	if (!strcmp(value, "all")) {
		so->all = true;
		goto out_store;
	}
	r = mmt_set_parse(value, set, &set_why);
	if (r < 0) {
		hwloc_bitmap_free(set);
		if (r != -EINVAL)
			return r;
		snprintf(why, why_len, "'%s' is not a %s (%s); allowed all or a list such as 0-3,8",
			 value, noun, set_why ? set_why : "bad syntax");
		return -EINVAL;
	}
	if (hwloc_bitmap_iszero(set)) {
		hwloc_bitmap_free(set);
		snprintf(why, why_len, "empty %s; allowed all or a list such as 0-3,8", noun);
		return -EINVAL;
	}
	so->all = false;
out_store:
	hwloc_bitmap_free(so->set);
	so->set = set;
	snprintf(so->text, sizeof(so->text), "%s", value);
	return 0;
}

int mmt_opt_set(const struct mmt_opt *o, void *base, const char *value,
		char *why, size_t why_len)
{
	uint64_t u;
	int64_t i;
	bool b;
	int r;

	if (why_len)
		why[0] = '\0';
	switch (o->type) {
	case MMT_OPT_BOOL:
		if (mmt_parse_bool(value, &b) < 0)
			return bad_value(o, value, -EINVAL, why, why_len);
		*FIELD(base, o, bool) = b;
		return 0;
	case MMT_OPT_U64:
	case MMT_OPT_SIZE:
	case MMT_OPT_DURATION:
		if (o->type == MMT_OPT_SIZE)
			r = mmt_parse_size(value, &u);
		else if (o->type == MMT_OPT_DURATION)
			r = mmt_parse_duration_us(value, &u);
		else
			r = mmt_parse_u64(value, &u);
		if (r == 0)
			r = check_unsigned(o, u);
		if (r < 0)
			return bad_value(o, value, r == -ERANGE ? -ERANGE : -EINVAL,
					 why, why_len);
		*FIELD(base, o, uint64_t) = u;
		return 0;
	case MMT_OPT_INT:
		r = mmt_parse_i64(value, &i);
		if (r == 0 && (i < o->min || (o->max != 0 && i > o->max)))
			r = -ERANGE;
		if (r < 0)
			return bad_value(o, value, r == -ERANGE ? -ERANGE : -EINVAL,
					 why, why_len);
		*FIELD(base, o, int64_t) = i;
		return 0;
	case MMT_OPT_STR:
	case MMT_OPT_STRLIST:
		if (strlen(value) >= MMT_OPT_STRLEN) {
			snprintf(why, why_len, "%s is too long (%zu characters); at most %d",
				 type_noun(o->type), strlen(value), MMT_OPT_STRLEN - 1);
			return -EINVAL;
		}
		snprintf(FIELD(base, o, char), MMT_OPT_STRLEN, "%s", value);
		return 0;
	case MMT_OPT_ENUM:
		for (int k = 0; o->choices && o->choices[k]; k++) {
			if (!strcmp(o->choices[k], value)) {
				*FIELD(base, o, int) = (int)o->min + k;
				return 0;
			}
		}
		return bad_value(o, value, -EINVAL, why, why_len);
	case MMT_OPT_CPUS:
	case MMT_OPT_NODES:
		return set_setopt(o, base, value, why, why_len);
	}
	snprintf(why, why_len, "option %s has an unknown type %d", o->name, (int)o->type);
	return -EINVAL;
}

int mmt_opt_defaults(const struct mmt_opt *table, void *base)
{
	char why[512];

	for (const struct mmt_opt *o = table; o && o->name; o++) {
		int r;

		if (!o->def)
			continue;
		r = mmt_opt_set(o, base, o->def, why, sizeof(why));
		if (r < 0) {
			log_err("option %s: bad default '%s': %s", o->name, o->def, why);
			return r;
		}
	}
	return 0;
}

void mmt_opt_free(const struct mmt_opt *table, void *base)
{
	if (!base)
		return;
	for (const struct mmt_opt *o = table; o && o->name; o++) {
		struct mmt_setopt *so;

		if (o->type != MMT_OPT_CPUS && o->type != MMT_OPT_NODES)
			continue;
		so = FIELD(base, o, struct mmt_setopt);
		hwloc_bitmap_free(so->set);
		so->set = NULL;
	}
}

static size_t field_size(enum mmt_opt_type type)
{
	switch (type) {
	case MMT_OPT_BOOL:
		return sizeof(bool);
	case MMT_OPT_U64:
	case MMT_OPT_SIZE:
	case MMT_OPT_DURATION:
		return sizeof(uint64_t);
	case MMT_OPT_INT:
		return sizeof(int64_t);
	case MMT_OPT_STR:
	case MMT_OPT_STRLIST:
		return MMT_OPT_STRLEN;
	case MMT_OPT_ENUM:
		return sizeof(int);
	case MMT_OPT_CPUS:
	case MMT_OPT_NODES:
		return sizeof(struct mmt_setopt);
	}
	return 0;
}

int mmt_opt_copy(const struct mmt_opt *table, void *dst, const void *src)
{
	const struct mmt_opt *o;

	/* Plain copies first, so that a failure below leaves dst freeable. */
	for (o = table; o && o->name; o++) {
		memcpy(FIELD(dst, o, char), CFIELD(src, o, char), field_size(o->type));
		if (o->type == MMT_OPT_CPUS || o->type == MMT_OPT_NODES)
			FIELD(dst, o, struct mmt_setopt)->set = NULL;
	}
	for (o = table; o && o->name; o++) {
		const struct mmt_setopt *s;

		if (o->type != MMT_OPT_CPUS && o->type != MMT_OPT_NODES)
			continue;
		s = CFIELD(src, o, struct mmt_setopt);
		if (!s->set)
			continue;
		FIELD(dst, o, struct mmt_setopt)->set = hwloc_bitmap_dup(s->set);
		if (!FIELD(dst, o, struct mmt_setopt)->set) {
			mmt_opt_free(table, dst);
			return -ENOMEM;
		}
	}
	return 0;
}

void mmt_opt_format(const struct mmt_opt *o, const void *base, char *buf,
		    size_t len)
{
	const struct mmt_setopt *so;
	int v;

	if (!len)
		return;
	switch (o->type) {
	case MMT_OPT_BOOL:
		snprintf(buf, len, "%s", *CFIELD(base, o, bool) ? "true" : "false");
		return;
	case MMT_OPT_U64:
		snprintf(buf, len, "%" PRIu64, *CFIELD(base, o, uint64_t));
		return;
	case MMT_OPT_INT:
		snprintf(buf, len, "%" PRId64, *CFIELD(base, o, int64_t));
		return;
	case MMT_OPT_SIZE:
		mmt_format_size(*CFIELD(base, o, uint64_t), buf, len);
		return;
	case MMT_OPT_DURATION:
		format_dur(*CFIELD(base, o, uint64_t), buf, len);
		return;
	case MMT_OPT_STR:
	case MMT_OPT_STRLIST:
		snprintf(buf, len, "%s", CFIELD(base, o, char));
		return;
	case MMT_OPT_ENUM:
		v = *CFIELD(base, o, int) - (int)o->min;
		for (int k = 0; o->choices && o->choices[k]; k++) {
			if (k == v) {
				snprintf(buf, len, "%s", o->choices[k]);
				return;
			}
		}
		snprintf(buf, len, "%d", v + (int)o->min);
		return;
	case MMT_OPT_CPUS:
	case MMT_OPT_NODES:
		so = CFIELD(base, o, struct mmt_setopt);
		if (so->all)
			snprintf(buf, len, "all");
		else if (so->set)
			mmt_set_format(so->set, buf, len);
		else
			snprintf(buf, len, "%s", so->text);
		return;
	}
	buf[0] = '\0';
}

void mmt_opt_describe(const struct mmt_opt *o, char *buf, size_t len)
{
	char range[MMT_OPT_STRLEN];

	switch (o->type) {
	case MMT_OPT_BOOL:
		snprintf(buf, len, "bool");
		return;
	case MMT_OPT_ENUM:
		format_choices(o, range, sizeof(range));
		snprintf(buf, len, "one of %s", range);
		return;
	case MMT_OPT_CPUS:
		snprintf(buf, len, "all | CPU list");
		return;
	case MMT_OPT_NODES:
		snprintf(buf, len, "all | node list");
		return;
	case MMT_OPT_STR:
		snprintf(buf, len, "string");
		return;
	case MMT_OPT_STRLIST:
		snprintf(buf, len, "list a;b;...");
		return;
	case MMT_OPT_U64:
	case MMT_OPT_INT:
		format_range(o, range, sizeof(range));
		snprintf(buf, len, "integer%s%s", range[0] ? " " : "", range);
		return;
	case MMT_OPT_SIZE:
	case MMT_OPT_DURATION:
		format_range(o, range, sizeof(range));
		snprintf(buf, len, "%s%s%s", type_noun(o->type), range[0] ? " " : "", range);
		return;
	}
	snprintf(buf, len, "?");
}

void mmt_opt_print_table(FILE *out, const struct mmt_opt *table,
			 const char *indent)
{
	int wname = 4, wdesc = 4, wdef = 7;
	char desc[MMT_OPT_STRLEN];
	const struct mmt_opt *o;

	if (!indent)
		indent = "";
	for (o = table; o && o->name; o++) {
		int n;

		mmt_opt_describe(o, desc, sizeof(desc));
		n = (int)strlen(o->name);
		wname = n > wname ? n : wname;
		n = (int)strlen(desc);
		wdesc = n > wdesc ? n : wdesc;
		n = o->def && o->def[0] ? (int)strlen(o->def) : 1;
		wdef = n > wdef ? n : wdef;
	}
	if (!table || !table->name) {
		fprintf(out, "%s(no options)\n", indent);
		return;
	}
	fprintf(out, "%s%-*s  %-*s  %-*s  %s\n", indent, wname, "name", wdesc, "type",
		wdef, "default", "help");
	for (o = table; o->name; o++) {
		mmt_opt_describe(o, desc, sizeof(desc));
		fprintf(out, "%s%-*s  %-*s  %-*s  %s\n", indent, wname, o->name, wdesc, desc,
			wdef, o->def && o->def[0] ? o->def : "-", o->help ? o->help : "");
	}
}

unsigned mmt_opt_split_list(char *text, char **items, unsigned max_items)
{
	unsigned n = 0;
	char *p = text;

	if (!*mmt_strstrip(text))
		return 0;
	for (;;) {
		char *semi = strchr(p, ';');

		if (semi)
			*semi = '\0';
		if (n < max_items)
			items[n] = mmt_strstrip(p);
		n++;
		if (!semi)
			break;
		p = semi + 1;
	}
	return n;
}

/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_OPT_H
#define MMT_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <hwloc.h>

/*
 * Options are data (after fio's options.c): one table per section kind and
 * per plugin.  The same table drives the job-file parser, the defaults,
 * `mmtorture list` and the error messages (which print the allowed range).
 */
enum mmt_opt_type {
	MMT_OPT_BOOL,     /* bool */
	MMT_OPT_U64,      /* uint64_t, min..max */
	MMT_OPT_INT,      /* int64_t, min..max (as signed) */
	MMT_OPT_SIZE,     /* uint64_t bytes, "64M", min..max */
	MMT_OPT_DURATION, /* uint64_t microseconds, "30s", min..max */
	MMT_OPT_STR,      /* char[MMT_OPT_STRLEN] */
	MMT_OPT_ENUM,     /* int: index into choices[] (plus min) */
	MMT_OPT_CPUS,     /* struct mmt_setopt: "all" or a CPU list */
	MMT_OPT_NODES,    /* struct mmt_setopt: "all" or a node list */
	MMT_OPT_STRLIST,  /* char[MMT_OPT_STRLEN]: ';'-separated items, e.g.
			     a rebind sequence "0-1;0;1".  No blank before
			     a ';': in a job file " ;" starts a comment */
};

#define MMT_OPT_STRLEN 256

struct mmt_setopt {
	bool all;            /* "all": resolved against the topology later */
	hwloc_bitmap_t set;  /* owned; NULL until parsed or defaulted */
	char text[128];      /* as written */
};

struct mmt_opt {
	const char *name;
	enum mmt_opt_type type;
	size_t off;                 /* offsetof(struct ..., field) */
	int64_t min, max;           /* numeric range; max 0 = unbounded.
				       MMT_OPT_ENUM: choices[i] is stored as
				       min + i (min -1: "inherit" is -1) */
	const char *def;            /* default, parsed like job-file text */
	const char *const *choices; /* MMT_OPT_ENUM: NULL-terminated */
	const char *help;
};

#define MMT_OPT_END { .name = NULL }

/* Find an option by name; NULL when the table has none. */
const struct mmt_opt *mmt_opt_find(const struct mmt_opt *table,
				   const char *name);

/*
 * Parse value into the field o describes inside base.  On error returns
 * -EINVAL/-ERANGE and writes a reason that includes the allowed range or
 * choices into why ("'12Q' is not a size; allowed 4K..1G").
 */
int mmt_opt_set(const struct mmt_opt *o, void *base, const char *value,
		char *why, size_t why_len);

/*
 * Apply every default of table to base (which must be zeroed, or hold
 * values set through this table).  Returns 0 or a negative errno
 * (a bad default is a bug, and the reason is logged).
 */
int mmt_opt_defaults(const struct mmt_opt *table, void *base);

/* Free what the option fields own (the sets of MMT_OPT_CPUS/NODES). */
void mmt_opt_free(const struct mmt_opt *table, void *base);

/* Deep copy of the option fields from src to dst (dst uninitialised). */
int mmt_opt_copy(const struct mmt_opt *table, void *dst, const void *src);

/* Render the current value of o in base as job-file text. */
void mmt_opt_format(const struct mmt_opt *o, const void *base, char *buf,
		    size_t len);

/* Describe the type and range for help output: "size 4K..1G". */
void mmt_opt_describe(const struct mmt_opt *o, char *buf, size_t len);

/* Print a table for `mmtorture list`: name, type/range, default, help. */
void mmt_opt_print_table(FILE *out, const struct mmt_opt *table,
			 const char *indent);

/*
 * Split a MMT_OPT_STRLIST value into items in place (each item stripped of
 * blanks; empty items are kept so that callers can refuse them).  Returns
 * the number of items, which may exceed max_items: only the first
 * max_items are stored.  An empty or blank text has no items.
 */
unsigned mmt_opt_split_list(char *text, char **items, unsigned max_items);

#endif

// SPDX-License-Identifier: GPL-2.0-only
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/set.h"

static int parse_id(const char **p, unsigned long *ret, const char **ret_why)
{
	char *end;

	if (!isdigit((unsigned char)**p)) {
		*ret_why = **p ? "expected a number" : "list ends early";
		return -EINVAL;
	}
	errno = 0;
	*ret = strtoul(*p, &end, 10);
	if (errno || *ret > MMT_SET_MAX_ID) {
		*ret_why = "id is larger than 4095";
		return -EINVAL;
	}
	*p = end;
	return 0;
}

int mmt_set_parse(const char *text, hwloc_bitmap_t set, const char **ret_why)
{
	const char *p = text;
	const char *why = NULL;

	hwloc_bitmap_zero(set);
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0')
		return 0;
	/* Syntax first, so that the message can say what is wrong. */
	for (;;) {
		unsigned long lo, hi;

		if (parse_id(&p, &lo, &why) < 0)
			goto out_bad;
		hi = lo;
		if (*p == '-') {
			p++;
			if (parse_id(&p, &hi, &why) < 0)
				goto out_bad;
			if (hi < lo) {
				why = "range is reversed";
				goto out_bad;
			}
		}
		hwloc_bitmap_set_range(set, (unsigned)lo, (int)hi);
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		if (*p != ',') {
			why = "expected ',' or '-'";
			goto out_bad;
		}
		p++;
	}
	/* And hwloc must agree with what we accepted. */
	{
		hwloc_bitmap_t check = hwloc_bitmap_alloc();
		int same;

		if (!check)
			return -ENOMEM;
		same = hwloc_bitmap_list_sscanf(check, text) == 0 &&
		       hwloc_bitmap_isequal(check, set);
		hwloc_bitmap_free(check);
		if (!same) {
			why = "not a list hwloc understands";
			goto out_bad;
		}
	}
	return 0;
out_bad:
	hwloc_bitmap_zero(set);
	if (ret_why)
		*ret_why = why;
	return -EINVAL;
}

int mmt_set_format(hwloc_const_bitmap_t set, char *buf, size_t len)
{
	int r;

	if (hwloc_bitmap_iszero(set)) {
		if (len)
			buf[0] = '\0';
		return 0;
	}
	r = hwloc_bitmap_list_snprintf(buf, len, set);
	return r < 0 ? -EINVAL : r;
}

long mmt_set_to_ulongs(hwloc_const_bitmap_t set, unsigned long *buf,
		       size_t nr_longs)
{
	int last = hwloc_bitmap_last(set);

	memset(buf, 0, nr_longs * sizeof(*buf));
	if (last >= (int)(nr_longs * sizeof(long) * CHAR_BIT))
		return -ERANGE;
	if (hwloc_bitmap_to_ulongs(set, (unsigned)nr_longs, buf) < 0)
		return -ERANGE;
	return (long)(nr_longs * sizeof(long) * CHAR_BIT) + 1;
}

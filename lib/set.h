/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_SET_H
#define MMT_SET_H

#include <stddef.h>
#include <hwloc.h>

/*
 * CPU lists and node lists in the kernel's list format ("0-3,8,10-11").
 * The sets themselves are hwloc bitmaps; hwloc_bitmap_list_sscanf() does the
 * conversion.  What we add is a strict syntax check with a reason a person
 * can act on, because hwloc's parser accepts things such as "3-" (an
 * infinite set) and reports no position.
 */

#define MMT_SET_MAX_ID 4095 /* larger ids are rejected as typos */

/*
 * Parse text into set (which must be allocated).  An empty string is the
 * empty set.  Returns 0, or -EINVAL with *ret_why set to a static reason
 * such as "range 5-3 is reversed".
 */
int mmt_set_parse(const char *text, hwloc_bitmap_t set, const char **ret_why);

/* Format as a kernel list ("0-1,3"); "" for the empty set.  Returns length. */
int mmt_set_format(hwloc_const_bitmap_t set, char *buf, size_t len);

/*
 * Fill buf with an unsigned-long nodemask as mbind()/set_mempolicy() want
 * it.  Returns the maxnode argument to pass (bits + 1), or -ERANGE.
 */
long mmt_set_to_ulongs(hwloc_const_bitmap_t set, unsigned long *buf,
		       size_t nr_longs);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_ZONEINFO_H
#define MMT_ZONEINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Per-zone watermarks and free pages from /proc/zoneinfo, the allocator's
 * own view: a node whose free pages fall below a zone's `low` wakes kswapd,
 * below `min` the allocation enters direct reclaim (the slow path of
 * mm/page_alloc.c).  Format per mm/vmstat.c zoneinfo_show_print():
 *   "Node N, zone NAME", then "  pages free F" and the indented
 *   "min M", "low L", "high H", "managed P" lines (pages); the pagesets'
 *   "high:" lines (with a colon) are per-CPU lists, not watermarks.
 * Unknown lines are skipped, so older and newer kernels parse alike.
 */

#define MMT_ZONE_NAME_LEN 16

struct mmt_zone {
	unsigned node;
	char name[MMT_ZONE_NAME_LEN];   /* "DMA32", "Normal", "Movable" ... */
	uint64_t free, min, low, high, managed;   /* pages */
};

/* The sum over one node's zones that have managed pages. */
struct mmt_node_wmark {
	uint64_t free, min, low, high, managed;   /* pages */
	unsigned nr_zones;
};

/*
 * Pure: parse zoneinfo TEXT into zones[0..max).  Returns the number of
 * zones found (>= 0; more than max are counted but not stored), or -EINVAL
 * when TEXT holds no zone at all.
 */
int mmt_zoneinfo_parse(const char *text, struct mmt_zone *zones, size_t max);

/* Read /proc/zoneinfo into zones (as above), or -errno. */
int mmt_zoneinfo_read(struct mmt_zone *zones, size_t max);

/*
 * Pure: node NODE's watermarks, summed over its zones with managed pages
 * (an empty Movable or Device zone would only add its fixed minimum).
 * False when the node has no such zone.
 */
bool mmt_zoneinfo_node(const struct mmt_zone *zones, size_t nr, unsigned node,
		       struct mmt_node_wmark *ret);

#endif

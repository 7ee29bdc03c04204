// SPDX-License-Identifier: GPL-2.0-only
/* /proc/zoneinfo: per-zone watermarks and free pages (see zoneinfo.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "lib/zoneinfo.h"

/* "        min      5481" -> key "min", value 5481; false for "high:  0". */
static bool key_value(const char *line, char *key, size_t klen, uint64_t *ret)
{
	char k[32];

	if (sscanf(line, " %31[a-z_] %" SCNu64, k, ret) != 2)
		return false;
	snprintf(key, klen, "%s", k);
	return true;
}

int mmt_zoneinfo_parse(const char *text, struct mmt_zone *zones, size_t max)
{
	struct mmt_zone *z = NULL, scratch;
	int nr = 0;

	for (const char *l = text; l && *l;) {
		const char *nl = strchr(l, '\n');
		char line[256], key[32], name[MMT_ZONE_NAME_LEN];
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		unsigned node;
		uint64_t v;

		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1),
			 l);
		l = nl ? nl + 1 : NULL;
		if (sscanf(line, "Node %u, zone %15s", &node, name) == 2) {
			z = (size_t)nr < max ? &zones[nr] : &scratch;
			memset(z, 0, sizeof(*z));
			z->node = node;
			snprintf(z->name, sizeof(z->name), "%s", name);
			nr++;
			continue;
		}
		if (!z)
			continue;
		if (sscanf(line, "  pages free %" SCNu64, &v) == 1) {
			z->free = v;
			continue;
		}
		if (!key_value(line, key, sizeof(key), &v))
			continue;
		if (!strcmp(key, "min"))
			z->min = v;
		else if (!strcmp(key, "low"))
			z->low = v;
		else if (!strcmp(key, "high"))
			z->high = v;
		else if (!strcmp(key, "managed"))
			z->managed = v;
	}
	return nr ? nr : -EINVAL;
}

int mmt_zoneinfo_read(struct mmt_zone *zones, size_t max)
{
	char *text = NULL;
	ssize_t n = mmt_read_file_alloc("/proc/zoneinfo", &text);
	int r;

	if (n < 0)
		return (int)n;
	r = mmt_zoneinfo_parse(text, zones, max);
	free(text);
	return r;
}

bool mmt_zoneinfo_node(const struct mmt_zone *zones, size_t nr, unsigned node,
		       struct mmt_node_wmark *ret)
{
	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; i < nr; i++) {
		const struct mmt_zone *z = &zones[i];

		if (z->node != node || !z->managed)
			continue;
		ret->free += z->free;
		ret->min += z->min;
		ret->low += z->low;
		ret->high += z->high;
		ret->managed += z->managed;
		ret->nr_zones++;
	}
	return ret->nr_zones > 0;
}

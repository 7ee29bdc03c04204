// SPDX-License-Identifier: GPL-2.0-only
#include "config.h"

#include <numa.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/monitor.h"
#include "lib/util.h"

#define X(k) #k,
const char *const mmt_vmstat_names[] = { MMT_VMSTAT_KEYS(X) };
#undef X
const unsigned mmt_vmstat_count = MMT_ARRAY_SIZE(mmt_vmstat_names);

uint64_t mmt_mon_vmstat_get(const struct mmt_vmstat *v, unsigned idx)
{
	return ((const uint64_t *)v)[idx];
}

void mmt_mon_parse_vmstat(const char *text, struct mmt_vmstat *ret)
{
	uint64_t *vals = (uint64_t *)ret;

	memset(ret, 0, sizeof(*ret));
	for (unsigned i = 0; i < mmt_vmstat_count; i++)
		if (mmt_kv_lookup(text, mmt_vmstat_names[i], &vals[i]) < 0)
			vals[i] = 0;
}

int mmt_mon_vmstat(struct mmt_vmstat *ret)
{
	char buf[16384];
	ssize_t n = mmt_read_file("/proc/vmstat", buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	mmt_mon_parse_vmstat(buf, ret);
	return 0;
}

int mmt_mon_vmstat_keys(const char *const *keys, uint64_t *vals, unsigned n)
{
	char buf[16384];
	ssize_t len = mmt_read_file("/proc/vmstat", buf, sizeof(buf));
	int found = 0;

	if (len < 0)
		return (int)len;
	for (unsigned i = 0; i < n; i++)
		if (mmt_kv_lookup(buf, keys[i], &vals[i]) == 0)
			found++;
	return found;
}

int mmt_mon_node_free(const struct mmt_topo *topo, int64_t *ret_free_kb)
{
	int bad = 0;

	/* libnuma's numa_node_size64() reads the node's meminfo for us; a
	 * node it cannot read is -1. */
	for (unsigned i = 0; i < topo->nr_nodes; i++) {
		long long free_bytes = 0;

		ret_free_kb[i] = -1;
		if (numa_node_size64((int)topo->nodes[i].id, &free_bytes) < 0 || free_bytes < 0) {
			bad++;
			continue;
		}
		ret_free_kb[i] = (int64_t)(free_bytes / 1024);
	}
	return bad ? -ENODATA : 0;
}

int mmt_mon_parse_psi(const char *text, struct mmt_psi *ret)
{
	const char *p;

	memset(ret, 0, sizeof(*ret));
	p = strstr(text, "some ");
	if (!p || sscanf(p, "some avg10=%lf avg60=%*f avg300=%*f total=%lu",
			 &ret->some_avg10, &ret->some_total_us) != 2)
		return -EINVAL;
	p = strstr(text, "full ");
	if (p)
		sscanf(p, "full avg10=%lf avg60=%*f avg300=%*f total=%lu",
		       &ret->full_avg10, &ret->full_total_us);
	ret->present = true;
	return 0;
}

int mmt_mon_psi(const char *path, struct mmt_psi *ret)
{
	char buf[512];
	ssize_t n = mmt_read_file(path, buf, sizeof(buf));

	memset(ret, 0, sizeof(*ret));
	if (n < 0)
		return (int)n;
	return mmt_mon_parse_psi(buf, ret);
}

int mmt_mon_meminfo(uint64_t *ret_free_kb, uint64_t *ret_avail_kb)
{
	char buf[8192];
	ssize_t n = mmt_read_file("/proc/meminfo", buf, sizeof(buf));
	int r;

	if (n < 0)
		return (int)n;
	r = mmt_kv_lookup(buf, "MemFree", ret_free_kb);
	if (r < 0)
		return r;
	return mmt_kv_lookup(buf, "MemAvailable", ret_avail_kb);
}

int mmt_mon_psi_trigger_parse(const char *spec, char *ret_text, size_t len,
			      const char **ret_why)
{
	char kind[8], stall[32], window[32], extra[2];
	uint64_t stall_us, window_us;

	if (sscanf(spec, "%7s %31s %31s %1s", kind, stall, window, extra) != 3) {
		*ret_why = "expected 'some|full STALL WINDOW', e.g. 'full 1s 2s'";
		return -EINVAL;
	}
	if (strcmp(kind, "some") && strcmp(kind, "full")) {
		*ret_why = "the first word must be 'some' or 'full'";
		return -EINVAL;
	}
	if (mmt_parse_duration_us(stall, &stall_us) < 0 ||
	    mmt_parse_duration_us(window, &window_us) < 0) {
		*ret_why = "STALL and WINDOW must be durations (e.g. 150ms, 1s)";
		return -EINVAL;
	}
	if (window_us < 500000 || window_us > 10000000) {
		*ret_why = "the kernel takes a WINDOW from 500ms to 10s";
		return -EINVAL;
	}
	if (stall_us == 0 || stall_us > window_us) {
		*ret_why = "STALL must be above 0 and at most WINDOW";
		return -EINVAL;
	}
	snprintf(ret_text, len, "%s %lu %lu", kind, (unsigned long)stall_us,
		 (unsigned long)window_us);
	return 0;
}

int mmt_mon_psi_trigger_open(const char *path, const char *kernel_text)
{
	int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	/* The trigger text must go in one write, NUL included. */
	if (write(fd, kernel_text, strlen(kernel_text) + 1) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

unsigned mmt_mon_parse_numa_maps(const char *text, uint64_t *bound, uint64_t *anon,
				 unsigned max_nodes)
{
	unsigned mappings = 0;
	const char *line = text;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char buf[1024];
		uint64_t *to = NULL;

		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, line, len);
		buf[len] = '\0';
		/* "7f12... bind=static:0-1 anon=512 dirty=512 N0=256 N1=256 kernelpagesize_kB=4" */
		if (strstr(buf, " bind:") || strstr(buf, " bind="))
			to = bound;
		else if (strstr(buf, " anon="))
			to = anon;
		if (to) {
			char *save = NULL;

			mappings++;
			for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
				unsigned node;
				unsigned long pages;

				if (sscanf(tok, "N%u=%lu", &node, &pages) == 2 && node < max_nodes)
					to[node] += pages;
			}
		}
		line = end ? end + 1 : NULL;
	}
	return mappings;
}

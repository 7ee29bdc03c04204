// SPDX-License-Identifier: GPL-2.0-only
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "lib/set.h"
#include "lib/topo.h"

int mmt_topo_load(struct mmt_topo *topo)
{
	hwloc_obj_t obj = NULL;
	int r;

	memset(topo, 0, sizeof(*topo));
	if (hwloc_topology_init(&topo->hw) < 0)
		return log_err_errno(-errno, "hwloc: init");
	/* Keep memory-less and CPU-less NUMA nodes: both are useful cases. */
	hwloc_topology_set_flags(topo->hw, HWLOC_TOPOLOGY_FLAG_IS_THISSYSTEM);
	if (hwloc_topology_load(topo->hw) < 0) {
		r = log_err_errno(-errno, "hwloc: load topology");
		goto out_destroy;
	}
	topo->all_cpus = hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(topo->hw));
	topo->all_nodes = hwloc_bitmap_alloc();
	topo->mem_nodes = hwloc_bitmap_alloc();
	if (!topo->all_cpus || !topo->all_nodes || !topo->mem_nodes) {
		r = -ENOMEM;
		goto out_destroy;
	}
	topo->nr_cpus = (unsigned)hwloc_bitmap_weight(topo->all_cpus);

	while ((obj = hwloc_get_next_obj_by_type(topo->hw, HWLOC_OBJ_NUMANODE, obj))) {
		struct mmt_node *n;

		if (topo->nr_nodes == MMT_MAX_NODES) {
			log_warn("more than %d NUMA nodes: the rest are ignored",
				 MMT_MAX_NODES);
			break;
		}
		n = &topo->nodes[topo->nr_nodes++];
		n->id = obj->os_index;
		n->mem_bytes = obj->attr ? obj->attr->numanode.local_memory : 0;
		n->cpuset = hwloc_bitmap_alloc();
		if (!n->cpuset) {
			r = -ENOMEM;
			goto out_destroy;
		}
		if (obj->cpuset)
			hwloc_bitmap_and(n->cpuset, obj->cpuset, topo->all_cpus);
		hwloc_bitmap_set(topo->all_nodes, n->id);
		if (n->mem_bytes > 0)
			hwloc_bitmap_set(topo->mem_nodes, n->id);
		topo->mem_total += n->mem_bytes;
	}
	if (topo->nr_nodes == 0) {
		/* hwloc always reports at least one node; be explicit anyway */
		r = -ENODEV;
		log_err("hwloc reports no NUMA node");
		goto out_destroy;
	}
	return 0;
out_destroy:
	mmt_topo_free(topo);
	return r;
}

void mmt_topo_free(struct mmt_topo *topo)
{
	if (!topo)
		return;
	for (unsigned i = 0; i < topo->nr_nodes; i++)
		hwloc_bitmap_free(topo->nodes[i].cpuset);
	hwloc_bitmap_free(topo->all_cpus);
	hwloc_bitmap_free(topo->all_nodes);
	hwloc_bitmap_free(topo->mem_nodes);
	if (topo->hw)
		hwloc_topology_destroy(topo->hw);
	memset(topo, 0, sizeof(*topo));
}

const struct mmt_node *mmt_topo_node(const struct mmt_topo *topo, unsigned id)
{
	for (unsigned i = 0; i < topo->nr_nodes; i++)
		if (topo->nodes[i].id == id)
			return &topo->nodes[i];
	return NULL;
}

void mmt_topo_summary(const struct mmt_topo *topo, char *buf, size_t len)
{
	size_t n = 0;
	char cpus[128];

	n += (size_t)snprintf(buf + n, len - n, "%u node%s (", topo->nr_nodes,
			      topo->nr_nodes == 1 ? "" : "s");
	for (unsigned i = 0; i < topo->nr_nodes && n < len; i++) {
		const struct mmt_node *nd = &topo->nodes[i];

		mmt_set_format(nd->cpuset, cpus, sizeof(cpus));
		n += (size_t)snprintf(buf + n, len - n, "%s%u: %" PRIu64 "M %s%s",
				      i ? "; " : "", nd->id, nd->mem_bytes >> 20,
				      cpus[0] ? "cpus " : "no cpus", cpus);
	}
	if (n < len)
		snprintf(buf + n, len - n, "), %u cpus", topo->nr_cpus);
}

int mmt_topo_bind_thread(const struct mmt_topo *topo, hwloc_const_bitmap_t cpus)
{
	if (hwloc_set_cpubind(topo->hw, cpus, HWLOC_CPUBIND_THREAD) < 0)
		return -errno;
	return 0;
}

void mmt_topo_cpus_of_nodes(const struct mmt_topo *topo,
			    hwloc_const_bitmap_t nodes, hwloc_bitmap_t ret_cpus)
{
	hwloc_bitmap_zero(ret_cpus);
	for (unsigned i = 0; i < topo->nr_nodes; i++)
		if (hwloc_bitmap_isset(nodes, topo->nodes[i].id))
			hwloc_bitmap_or(ret_cpus, ret_cpus, topo->nodes[i].cpuset);
}

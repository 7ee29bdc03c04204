/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_TOPO_H
#define MMT_TOPO_H

#include <stdint.h>
#include <hwloc.h>

#define MMT_MAX_NODES 64

struct mmt_node {
	unsigned id;               /* OS node id: may be sparse */
	uint64_t mem_bytes;        /* 0 for a memory-less node */
	hwloc_bitmap_t cpuset;     /* may be empty (CPU-less node) */
};

struct mmt_topo {
	hwloc_topology_t hw;
	unsigned nr_nodes;
	struct mmt_node nodes[MMT_MAX_NODES];
	hwloc_bitmap_t all_cpus;   /* online CPUs we may run on */
	hwloc_bitmap_t all_nodes;  /* every node id */
	hwloc_bitmap_t mem_nodes;  /* nodes that have memory */
	uint64_t mem_total;
	unsigned nr_cpus;
};

/* Load the topology from hwloc.  Returns 0 or -errno (logged). */
int mmt_topo_load(struct mmt_topo *topo);
void mmt_topo_free(struct mmt_topo *topo);
const struct mmt_node *mmt_topo_node(const struct mmt_topo *topo, unsigned id);
/* "2 nodes (0: 4096M cpus 0-1; 1: 4096M no cpus), 2 cpus" */
void mmt_topo_summary(const struct mmt_topo *topo, char *buf, size_t len);
/* Pin the calling thread to cpus (hwloc_set_cpubind, HWLOC_CPUBIND_THREAD). */
int mmt_topo_bind_thread(const struct mmt_topo *topo, hwloc_const_bitmap_t cpus);
/* CPUs of the given nodes (empty when all of them are CPU-less). */
void mmt_topo_cpus_of_nodes(const struct mmt_topo *topo,
			    hwloc_const_bitmap_t nodes, hwloc_bitmap_t ret_cpus);

#endif

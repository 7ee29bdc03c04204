/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_WL_ORACLE_H
#define MMT_WL_ORACLE_H

/*
 * The rebind oracle, live (issue 16 items 2-3): a fault thread follows the
 * cpuset.mems rewrites the rebinder publishes in the cell's shared page
 * (api/shared.h struct mmt_mems_pub), applies each to a model of its
 * MPOL_BIND policy (lib/mpol.h, docs/rebind-semantics.md) and compares the
 * model with what the kernel shows:
 *
 *   - get_mempolicy() (per thread, or MPOL_F_ADDR for the VMA): the mode
 *     and the nodemask, which is the effective one without a flag and the
 *     user's for STATIC/RELATIVE (mmt_mpol_reported());
 *   - /proc/thread-self/numa_maps, the line of the mapping: the effective
 *     nodes for STATIC/RELATIVE, which get_mempolicy() does not show
 *     (mmt_mpol_numa_maps()); VMAs without a policy show the thread's;
 *   - placement: the node of each page of the first batch faulted after
 *     each rewrite that no rewrite overlapped (move_pages() with a NULL
 *     node list), which must lie in the model's nodes.
 *
 * A read that a rewrite overlapped (the seqcount moved or was odd) is not
 * judged: it is counted in oracle_in_rewrite.  A mismatch on a clean read
 * opens a window; a matching read within oracle_settle closes it (counted
 * in oracle_transient); a mismatch still seen after oracle_settle is a
 * policy_drift message (MMT_WMSG_POLICY_DRIFT).  Placement outside the
 * model beyond placement_tolerance pages is one MMT_WMSG_PLACEMENT message.
 * A thread that missed rewrites (more than MMT_MEMS_RING behind) rebuilds
 * its model: STATIC/RELATIVE from the last mems (their rule is memoryless),
 * a policy without flags at its next creation (oracle_resyncs).
 *
 * The model assumes cpuset.mems.effective equals cpuset.mems as written,
 * which holds for the harness's cells (their parent has every node); the
 * creation reads the thread's own mems_allowed (MPOL_F_MEMS_ALLOWED).
 */

#include <stdbool.h>
#include <stdint.h>

#include <hwloc.h>

#include "lib/mpol.h"
#include "api/workload.h"

#define MMT_ORACLE_NODES 64           /* per-node placement counts kept */
#define MMT_ORACLE_MAX_DRIFT_MSGS 4   /* per thread; the rest are counted */

struct mmt_oracle {
	struct mmt_wctx *ctx;
	const struct mmt_mems_pub *pub;
	bool task_api;                  /* set_mempolicy; else mbind */
	int mode;                       /* MPOL_BIND | flag, as passed */
	enum mmt_mpol_flags flags;
	hwloc_bitmap_t user;            /* the nodemask passed */
	hwloc_bitmap_t memory;          /* N_MEMORY */
	size_t nr_longs;                /* of a published mask worth reading */
	uint64_t settle_us, every_pages, interval_us, tolerance;
	/* the model */
	struct mmt_mpol_state st;
	bool synced;                    /* st is the policy as of rewrite seq */
	uint64_t seq;
	const void *addr;               /* the mapping the policy governs */
	char rewrite[96];               /* the last rewrite applied, for reports */
	/* when to check */
	uint64_t pages_since, last_check_us, checked_seq;
	uint64_t sampled_seq;           /* placement sampled after this rewrite */
	/* a mismatch seen and not yet judged */
	bool pending;
	uint64_t pending_since_us;
	unsigned drift_msgs;
	/* placement since the start */
	uint64_t outside, outside_node[MMT_ORACLE_NODES];
	bool placement_reported;
	hwloc_bitmap_t tmp, got, rep, want;
	char *maps;                     /* numa_maps read buffer */
	size_t maps_size;
};

/*
 * Set up O for thread CTX whose policy is MODE (MPOL_BIND | flag) over
 * USER, set with set_mempolicy() (TASK_API) or mbind().  O->ctx is NULL
 * afterwards when the oracle is off (opts->oracle false, or the cell has
 * no publication): every other call is then a no-op.  0 or -ENOMEM.
 */
int mmt_oracle_init(struct mmt_oracle *o, struct mmt_wctx *ctx, const struct mmt_fault_opts *opts,
		    hwloc_const_bitmap_t user, int mode, bool task_api);
/* Free what init allocated; O may be zeroed or half-made. */
void mmt_oracle_fini(struct mmt_oracle *o);

static inline bool mmt_oracle_on(const struct mmt_oracle *o)
{
	return o->ctx != NULL;
}

/* On, and modelling the policy (false after a creation that a rewrite
 * overlapped every time, or a history it could not follow). */
static inline bool mmt_oracle_synced(const struct mmt_oracle *o)
{
	return o->ctx != NULL && o->synced;
}

/* The publication's seqcount now (acquire): odd while a rewrite is in flight. */
uint64_t mmt_oracle_snap(const struct mmt_oracle *o);

/*
 * The policy was just set (on ADDR for mbind; any address of the mapping
 * for set_mempolicy), SC being mmt_oracle_snap() from before the call.
 * Builds the model from the thread's mems_allowed.  Returns false when a
 * rewrite overlapped (call again after setting the policy again).
 */
bool mmt_oracle_created(struct mmt_oracle *o, uint64_t sc, const void *addr);

/*
 * NR pages (at most 64) starting at ADDR were just faulted, SC being
 * mmt_oracle_snap() from before the first.  Follows the rewrites, and,
 * when a check is due, samples the pages' nodes and reads the policy.
 */
void mmt_oracle_faulted(struct mmt_oracle *o, uint64_t sc, unsigned char *addr, uint64_t nr,
			size_t page_size);

/*
 * The policy field of the numa_maps line for ADDR in TEXT (the whole file):
 * the last line whose start is <= ADDR.  Copies the field ("bind=static:1")
 * into BUF and its node list into NODES (empty when it has none).  Returns
 * 0, -ENOENT (no such line), -ERANGE (BUF too small), -EINVAL.
 */
int mmt_oracle_numa_maps_policy(const char *text, uintptr_t addr, char *buf, size_t len,
				hwloc_bitmap_t nodes);

#endif

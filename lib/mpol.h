/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_MPOL_H
#define MMT_MPOL_H

/*
 * The rebind-semantics oracle (issue 16): what nodes an MPOL_BIND policy
 * must hold after its cpuset's mems change, as pure functions over node
 * sets.  Nothing here makes a system call; the workloads and the verdict
 * ask these functions what the kernel should have done and compare.
 *
 * Written from a reading of Linux 6.1 (mm/mempolicy.c, lib/bitmap.c,
 * kernel/cgroup/cpuset.c, Documentation/admin-guide/mm/numa_memory_policy.rst);
 * no kernel code is copied.  The rules, per flag mode, with the kernel
 * functions they follow:
 *
 * Creation (mbind() and set_mempolicy() alike: do_mbind()/do_set_mempolicy()
 * → mpol_new() → mpol_set_nodemask() → mpol_new_nodemask()):
 *   - an empty user nodemask is refused with EINVAL (mpol_new());
 *   - STATIC and RELATIVE together are refused with EINVAL
 *     (sanitize_mpol_flags());
 *   - allowed = task's mems_allowed ∩ N_MEMORY;
 *     RELATIVE: nodes = onto(fold(user, weight(allowed)), allowed);
 *     otherwise: nodes = user ∩ allowed;
 *     an empty result is refused with EINVAL (mpol_new_nodemask());
 *   - STATIC/RELATIVE keep the user nodemask (w.user_nodemask); no flag
 *     keeps the task's mems_allowed instead (w.cpuset_mems_allowed; the
 *     two share a union, so a policy has one or the other).
 *   RELATIVE creation cannot fail for a non-empty user mask: folding onto
 *   a non-empty set always leaves at least one node.
 *
 * Rebind (mpol_rebind_policy() → mpol_rebind_nodemask()), with NEW the
 * mask the cpuset passes:
 *   - no flag: if NEW equals w.cpuset_mems_allowed nothing happens;
 *     else nodes = remap(nodes, w.cpuset_mems_allowed, NEW) and
 *     w.cpuset_mems_allowed = NEW;
 *   - STATIC: nodes = user ∩ NEW (always recomputed from the user mask);
 *   - RELATIVE: nodes = onto(fold(user, weight(NEW)), NEW);
 *   - then, in every mode, an empty result becomes NEW itself: the policy
 *     stays MPOL_BIND over all of NEW.  (The documentation says "the
 *     Default policy is used"; the code binds to NEW.)
 *   - RELATIVE with an empty NEW divides by zero in bitmap_fold(): a
 *     kernel oops, not a policy.  The oracle reports -EDOM.
 *
 * Who is rebound, and to which mask, in 6.1 (kernel/cgroup/cpuset.c):
 *   - writing cpuset.mems → update_nodemask() → update_nodemasks_hier()
 *     → update_tasks_nodemask() for the cpuset and each descendant whose
 *     effective mems change;
 *   - the task policy (set_mempolicy) is rebound by
 *     cpuset_change_task_nodemask() → mpol_rebind_task() with
 *     newmems = guarantee_online_mems(): effective_mems ∩ N_MEMORY (of the
 *     nearest ancestor where that is non-empty);
 *   - VMA policies (mbind) are rebound by mpol_rebind_mm() with
 *     cs->mems_allowed, the cpuset.mems as written, not the effective
 *     mask.  On cgroup v1 the two are equal; on v2 they differ when
 *     cpuset.mems is empty (inherit) or names nodes the parent lacks.  An
 *     empty cpuset.mems on v2 makes STATIC VMA policies empty and RELATIVE
 *     ones divide by zero (fixed upstream in 2026, "cgroup/cpuset: rebind
 *     mm mempolicy to effective_mems, not mems_allowed", Cc stable).
 *     See mmt_mpol_rebind_mask().
 *   - moving a task to another cpuset (cpuset_attach()) rebinds both,
 *     the VMA policies to effective_mems;
 *   - shared policies (shmem/tmpfs, vm_ops->set_policy) are not in
 *     vma->vm_policy and are never rebound;
 *   - a policy fork() copies while the cpuset is being rebound is rebound
 *     in __mpol_dup() to the forking task's mems_allowed.
 *   (6.1 calls it update_tasks_nodemask(); later kernels
 *   cpuset_update_tasks_nodemask().)
 *
 * What userspace can see: get_mempolicy() returns the user nodemask for
 * STATIC and RELATIVE (do_get_mempolicy(), mpol_store_user_nodemask()), and
 * the effective nodes for no flag.  /proc/PID/numa_maps prints the
 * effective nodes in every mode (mpol_to_str()).
 *
 * Node sets are hwloc bitmaps, finite, ids 0..MMT_SET_MAX_ID.  Functions
 * return 0 or a negative errno: -EINVAL for an infinite set, -ENOMEM when
 * hwloc cannot grow a bitmap.  Outputs may alias inputs (the kernel's
 * bitmap_remap/fold/onto silently do nothing when they do; ours compute
 * the result).
 */

#include <stddef.h>
#include <hwloc.h>

#include "lib/set.h"

enum mmt_mpol_flags {
	MMT_MPOL_F_NONE,     /* neither flag */
	MMT_MPOL_F_STATIC,   /* MPOL_F_STATIC_NODES */
	MMT_MPOL_F_RELATIVE, /* MPOL_F_RELATIVE_NODES */
};

/* An MPOL_BIND policy as the kernel keeps it (struct mempolicy). */
struct mmt_mpol_state {
	enum mmt_mpol_flags flags;
	/* The nodemask given to mbind()/set_mempolicy(); w.user_nodemask
	 * for STATIC/RELATIVE.  Kept for NONE too, for reports only. */
	hwloc_bitmap_t user;
	/* pol->nodes: where pages may be allocated now. */
	hwloc_bitmap_t nodes;
	/* NONE: w.cpuset_mems_allowed, the old set the next remap maps from.
	 * STATIC/RELATIVE: the last mask given, for reports only (the
	 * kernel keeps no such set for them). */
	hwloc_bitmap_t mems;
};

/* Allocate the bitmaps of ST (all empty, flags NONE).  0 or -ENOMEM. */
int mmt_mpol_init(struct mmt_mpol_state *st);

/* Free what mmt_mpol_init() allocated; ST may be zeroed or half-made. */
void mmt_mpol_fini(struct mmt_mpol_state *st);

/*
 * Create a policy as mbind()/set_mempolicy(MPOL_BIND | flags, USER) would
 * in a task whose mems_allowed is MEMS.  MEMORY is the set of nodes with
 * memory (N_MEMORY, /sys/devices/system/node/has_memory); NULL means
 * every node has memory.
 * Follows mpol_new(), mpol_set_nodemask(), mpol_new_nodemask() (6.1).
 * Returns 0, or -EINVAL where the kernel refuses: bad FLAGS, USER empty,
 * the effective nodemask empty (e.g. USER ∩ MEMS = ∅ without RELATIVE),
 * or an infinite set; -EDOM for RELATIVE when MEMS ∩ MEMORY is empty (the
 * kernel would divide by zero; a task always has a node with memory, so
 * this is a caller's error); -ENOMEM.  ST is unchanged on -EINVAL/-EDOM.
 */
int mmt_mpol_create(struct mmt_mpol_state *st, enum mmt_mpol_flags flags, hwloc_const_bitmap_t user,
		    hwloc_const_bitmap_t mems, hwloc_const_bitmap_t memory);

/* What one rebind did (mmt_mpol_rebind()'s non-negative results). */
enum mmt_mpol_rebind_result {
	MMT_MPOL_REBIND_SKIPPED,  /* NONE and NEW == old mems: untouched */
	MMT_MPOL_REBIND_MAPPED,	  /* the rule gave a non-empty set */
	MMT_MPOL_REBIND_FALLBACK, /* the rule gave ∅; nodes = NEW */
};

/*
 * Apply one rebind to NEW_MEMS, as mpol_rebind_policy() and
 * mpol_rebind_nodemask() do (6.1).  NEW_MEMS is the mask the kernel
 * passes, which is not always cpuset.mems: see mmt_mpol_rebind_mask().
 * Returns an mmt_mpol_rebind_result, or -EDOM when the kernel would divide
 * by zero (RELATIVE, NEW_MEMS empty; ST unchanged), -EINVAL, -ENOMEM.
 */
int mmt_mpol_rebind(struct mmt_mpol_state *st, hwloc_const_bitmap_t new_mems);

/* Which policy a cpuset change rebinds (they are told different masks). */
enum mmt_mpol_scope {
	MMT_MPOL_TASK, /* set_mempolicy(): mpol_rebind_task() */
	MMT_MPOL_VMA,  /* mbind(): mpol_rebind_mm() */
};

/*
 * The mask a write of cpuset.mems makes 6.1's update_tasks_nodemask() pass
 * to a policy of SCOPE, into RET.  MEMS_ALLOWED is cpuset.mems as written
 * (may be empty on v2), EFFECTIVE is cpuset.mems.effective, MEMORY is
 * N_MEMORY (NULL: every node).
 *   TASK: EFFECTIVE ∩ MEMORY (guarantee_online_mems()); -ENOENT when that
 *         is empty, for the kernel then looks at the parent's mask, which
 *         the caller must pass instead;
 *   VMA:  MEMS_ALLOWED (mpol_rebind_mm(mm, &cs->mems_allowed)).
 * Returns 0, -ENOENT, -EINVAL (bad SCOPE, infinite set), -ENOMEM.
 */
int mmt_mpol_rebind_mask(enum mmt_mpol_scope scope, hwloc_const_bitmap_t mems_allowed,
			 hwloc_const_bitmap_t effective, hwloc_const_bitmap_t memory,
			 hwloc_bitmap_t ret);

/*
 * What get_mempolicy(&mode, nmask, ..., 0 or MPOL_F_ADDR) reports in nmask
 * for ST, into RET: the user nodemask for STATIC/RELATIVE, the effective
 * nodes for NONE (do_get_mempolicy(), 6.1).  0 or -ENOMEM.
 */
int mmt_mpol_reported(const struct mmt_mpol_state *st, hwloc_bitmap_t ret);

/*
 * The policy field of a /proc/PID/numa_maps line for ST, as mpol_to_str()
 * prints it (6.1): "bind:0-1", "bind=static:2", "bind=relative:1,3".
 * Returns what snprintf() would (the full length; the text is cut when
 * that is >= LEN), or -ENOSPC when LEN is 0, -EINVAL for an infinite set.
 */
int mmt_mpol_numa_maps(const struct mmt_mpol_state *st, char *buf, size_t len);

/* How a policy's nodes stand against the new mems (issue 10 counts these). */
enum mmt_mpol_transition {
	MMT_MPOL_T_EQUAL,    /* policy == new mems (both empty counts) */
	MMT_MPOL_T_SUBSET,   /* policy ⊊ new mems: all still allowed */
	MMT_MPOL_T_SUPERSET, /* new mems ⊊ policy: the policy loses nodes */
	MMT_MPOL_T_OVERLAP,  /* they share some nodes, neither holds the other */
	MMT_MPOL_T_DISJOINT, /* nothing in common (either may be empty) */
};
#define MMT_MPOL_NR_TRANSITIONS 5

/*
 * Classify POLICY_NODES against NEW_MEMS.  Pass st->user for STATIC (it
 * predicts the intersection and the fallback), st->nodes otherwise.
 * Infinite sets are classified as hwloc compares them.
 */
enum mmt_mpol_transition mmt_mpol_transition(hwloc_const_bitmap_t policy_nodes,
					     hwloc_const_bitmap_t new_mems);

/* "equal", "subset", "superset", "overlap", "disjoint"; "?" otherwise. */
const char *mmt_mpol_transition_name(enum mmt_mpol_transition t);

/*
 * Sequences built for the race (issue 10).  The race of docs/design.md
 * section 1 is an allocation that still uses the policy's nodes as they
 * were (pol->nodes) while the cpuset's new mems are already in force; its
 * damage is done where the two do not meet.  So a rewrite is classified
 * by the nodes the policy holds just *before* it (st->nodes, in every flag
 * mode: that is what a racing allocation can see) against the new mems:
 * DISJOINT opens the window wide (nothing in common), OVERLAP partly;
 * SUBSET, SUPERSET and EQUAL leave the racing allocation a node it may use.
 */

/*
 * The default policy nodemask (the user nodemask given to mbind() or
 * set_mempolicy()) of a bound cell whose cpuset holds MEMS, into RET: a
 * strict subset of MEMS whenever MEMS has n >= 2 nodes, so that rewrites
 * can move mems partly or wholly away from the policy.  The lowest
 * floor(n/2) nodes of MEMS; RELATIVE: positions 0..floor(n/2)-1 (a
 * RELATIVE user nodemask names positions in the cpuset).  With one node,
 * that node (RELATIVE: position 0).  E.g. mems 0-1: {0}; 0-3: {0,1};
 * 0,2,4,6: {0,2} (RELATIVE {0,1}).
 * Returns 0, -EINVAL (MEMS empty or infinite), -ENOMEM.
 */
int mmt_mpol_default_user(enum mmt_mpol_flags flags, hwloc_const_bitmap_t mems,
			  hwloc_bitmap_t ret);

/*
 * Walk the cyclic sequence SEQ[0..N-1] of cpuset.mems values ROUNDS times
 * (>= 1), with a policy created by FLAGS and USER under START (the mems
 * before SEQ[0]), rebinding it as mmt_mpol_rebind() does.  RET_KINDS[i]
 * (may be NULL) gets the kind of the write of SEQ[i] in the last round
 * (the steady state once ROUNDS >= 2), COUNTS[] (may be NULL;
 * MMT_MPOL_NR_TRANSITIONS entries, zeroed first) the last round's totals.
 * A value equal to the one before it is a kernel no-op and counts as
 * EQUAL without a rebind.  Returns 0, -EINVAL (no round, empty SEQ, a
 * policy the kernel would refuse), -EDOM, -ENOMEM.
 */
int mmt_mpol_walk(enum mmt_mpol_flags flags, hwloc_const_bitmap_t user,
		  hwloc_const_bitmap_t start, const hwloc_bitmap_t *seq, unsigned n,
		  unsigned rounds, enum mmt_mpol_transition *ret_kinds,
		  unsigned long *counts);

/* Subsets of at most this many nodes of mems are tried as values. */
#define MMT_MPOL_RACE_MAX_NODES 10

/*
 * A cpuset.mems sequence built for the race against one policy (FLAGS,
 * USER, created under MEMS, the cell's configured mems), into
 * RET[0..len-1] (MAX bitmaps the caller allocated; contents replaced).
 * Length: min(MAX, 2 * weight(MEMS)), at least 2 when MEMS has >= 2
 * nodes.  Values are non-empty subsets of MEMS (of its lowest
 * MMT_MPOL_RACE_MAX_NODES nodes), each differs from the one before and
 * the last from the first (the sequence cycles), and the first from MEMS
 * (what the cgroup holds at the start).
 * Greedy over the simulated policy (mmt_mpol_rebind()): each next value is
 * the one whose rewrite gives the best kind, DISJOINT > OVERLAP >
 * SUPERSET > SUBSET > EQUAL, ties broken by the value used least recently
 * (never used first), then by the lowest node numbers.  E.g. NONE {0,1}
 * in 0-3: 2, 0, 1, 0,2, 1-2, 3, 0-1, 1,3 (every rewrite disjoint from the
 * policy's nodes before it: {0,1} -> {2} -> {0} -> {1} -> ...); STATIC {0}
 * in 0-1: 1, 0, 1, 0 (the fallback to all of {1} is disjoint from 0, and
 * back).  The previous generator (every subset, whole set first) left a
 * NONE policy outside the new mems in 7 of 15 rewrites.  The proportions
 * per layout and
 * mode are asserted in tests/unit/test_mpol.c.
 * Returns the length, 1 when MEMS has one node (RET[0] = MEMS), or
 * -EINVAL (MEMS empty or infinite, MAX 0, a policy the kernel refuses),
 * -ENOMEM.
 */
int mmt_mpol_race_sequence(enum mmt_mpol_flags flags, hwloc_const_bitmap_t user,
			   hwloc_const_bitmap_t mems, unsigned max, hwloc_bitmap_t *ret);

/* "none", "static", "relative"; "?" otherwise. */
const char *mmt_mpol_flags_name(enum mmt_mpol_flags flags);

/*
 * The primitives, each per lib/bitmap.c (6.1).  DST may alias an input.
 *
 * mmt_nodes_remap (bitmap_remap): the n-th node of OLD goes to the
 * (n mod weight(NEW))-th node of NEW; nodes of SRC not in OLD, and every
 * node when NEW is empty, stay where they are.  0, -EINVAL, -ENOMEM.
 */
int mmt_nodes_remap(hwloc_bitmap_t dst, hwloc_const_bitmap_t src, hwloc_const_bitmap_t old,
		    hwloc_const_bitmap_t new_set);

/*
 * mmt_nodes_fold (bitmap_fold): node i of SRC sets node i mod SZ.
 * -EDOM when SZ is 0 (the kernel divides by zero), -EINVAL, -ENOMEM.
 */
int mmt_nodes_fold(hwloc_bitmap_t dst, hwloc_const_bitmap_t src, unsigned int sz);

/*
 * mmt_nodes_onto (bitmap_onto): node m of ORIG sets the m-th node (from
 * 0) of RELMAP; nodes m >= weight(RELMAP) are dropped.  0, -EINVAL,
 * -ENOMEM.
 */
int mmt_nodes_onto(hwloc_bitmap_t dst, hwloc_const_bitmap_t orig, hwloc_const_bitmap_t relmap);

/*
 * mmt_nodes_relative (mpol_relative_nodemask, mm/mempolicy.c):
 * onto(fold(USER, weight(REL)), REL).  -EDOM when REL is empty, -EINVAL,
 * -ENOMEM.
 */
int mmt_nodes_relative(hwloc_bitmap_t dst, hwloc_const_bitmap_t user, hwloc_const_bitmap_t rel);

#endif

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rebind-semantics oracle: see lib/mpol.h for the rules and the kernel
 * functions they follow, and docs/rebind-semantics.md for worked tables.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mpol.h"

/* hwloc's int-returning setters give -1 when they cannot grow a bitmap. */
#define HW(call) ((call) < 0 ? -ENOMEM : 0)

static bool is_finite(hwloc_const_bitmap_t set)
{
	return hwloc_bitmap_weight(set) >= 0;
}

/* The node that is the n-th (from 0) of SET, or -1. */
static int nth_node(hwloc_const_bitmap_t set, unsigned int n)
{
	int id;

	for (id = hwloc_bitmap_first(set); id >= 0; id = hwloc_bitmap_next(set, id)) {
		if (n-- == 0)
			return id;
	}
	return -1;
}

/* The position of node ID within SET (from 0), or -1 when not in it. */
static int node_ord(hwloc_const_bitmap_t set, int id)
{
	int i, n = 0;

	if (!hwloc_bitmap_isset(set, (unsigned int)id))
		return -1;
	for (i = hwloc_bitmap_first(set); i >= 0 && i < id; i = hwloc_bitmap_next(set, i))
		n++;
	return n;
}

/* Compute into a fresh bitmap, then copy, so that DST may alias an input. */
static int commit(hwloc_bitmap_t dst, hwloc_bitmap_t tmp, int err)
{
	if (!err)
		err = HW(hwloc_bitmap_copy(dst, tmp));
	hwloc_bitmap_free(tmp);
	return err;
}

int mmt_nodes_remap(hwloc_bitmap_t dst, hwloc_const_bitmap_t src, hwloc_const_bitmap_t old,
		    hwloc_const_bitmap_t new_set)
{
	hwloc_bitmap_t tmp;
	int id, w, err = 0;

	if (!is_finite(src) || !is_finite(old) || !is_finite(new_set))
		return -EINVAL;
	tmp = hwloc_bitmap_alloc();
	if (!tmp)
		return -ENOMEM;
	w = hwloc_bitmap_weight(new_set);
	for (id = hwloc_bitmap_first(src); id >= 0 && !err; id = hwloc_bitmap_next(src, id)) {
		int n = node_ord(old, id);
		int to = (n < 0 || w == 0) ? id : nth_node(new_set, (unsigned int)(n % w));

		err = HW(hwloc_bitmap_set(tmp, (unsigned int)to));
	}
	return commit(dst, tmp, err);
}

int mmt_nodes_fold(hwloc_bitmap_t dst, hwloc_const_bitmap_t src, unsigned int sz)
{
	hwloc_bitmap_t tmp;
	int id, err = 0;

	if (!is_finite(src))
		return -EINVAL;
	if (sz == 0)
		return -EDOM;
	tmp = hwloc_bitmap_alloc();
	if (!tmp)
		return -ENOMEM;
	for (id = hwloc_bitmap_first(src); id >= 0 && !err; id = hwloc_bitmap_next(src, id))
		err = HW(hwloc_bitmap_set(tmp, (unsigned int)id % sz));
	return commit(dst, tmp, err);
}

int mmt_nodes_onto(hwloc_bitmap_t dst, hwloc_const_bitmap_t orig, hwloc_const_bitmap_t relmap)
{
	hwloc_bitmap_t tmp;
	int id, err = 0;
	unsigned int m = 0;

	if (!is_finite(orig) || !is_finite(relmap))
		return -EINVAL;
	tmp = hwloc_bitmap_alloc();
	if (!tmp)
		return -ENOMEM;
	for (id = hwloc_bitmap_first(relmap); id >= 0 && !err;
	     id = hwloc_bitmap_next(relmap, id), m++) {
		if (hwloc_bitmap_isset(orig, m))
			err = HW(hwloc_bitmap_set(tmp, (unsigned int)id));
	}
	return commit(dst, tmp, err);
}

int mmt_nodes_relative(hwloc_bitmap_t dst, hwloc_const_bitmap_t user, hwloc_const_bitmap_t rel)
{
	hwloc_bitmap_t folded;
	int w, err;

	if (!is_finite(user) || !is_finite(rel))
		return -EINVAL;
	w = hwloc_bitmap_weight(rel);
	folded = hwloc_bitmap_alloc();
	if (!folded)
		return -ENOMEM;
	err = mmt_nodes_fold(folded, user, (unsigned int)w);
	if (!err)
		err = mmt_nodes_onto(dst, folded, rel);
	hwloc_bitmap_free(folded);
	return err;
}

int mmt_mpol_init(struct mmt_mpol_state *st)
{
	memset(st, 0, sizeof(*st));
	st->flags = MMT_MPOL_F_NONE;
	st->user = hwloc_bitmap_alloc();
	st->nodes = hwloc_bitmap_alloc();
	st->mems = hwloc_bitmap_alloc();
	if (!st->user || !st->nodes || !st->mems) {
		mmt_mpol_fini(st);
		return -ENOMEM;
	}
	return 0;
}

void mmt_mpol_fini(struct mmt_mpol_state *st)
{
	hwloc_bitmap_free(st->user);
	hwloc_bitmap_free(st->nodes);
	hwloc_bitmap_free(st->mems);
	st->user = st->nodes = st->mems = NULL;
}

int mmt_mpol_create(struct mmt_mpol_state *st, enum mmt_mpol_flags flags, hwloc_const_bitmap_t user,
		    hwloc_const_bitmap_t mems, hwloc_const_bitmap_t memory)
{
	hwloc_bitmap_t allowed, nodes;
	int err;

	if (flags != MMT_MPOL_F_NONE && flags != MMT_MPOL_F_STATIC && flags != MMT_MPOL_F_RELATIVE)
		return -EINVAL;
	if (!is_finite(user) || !is_finite(mems) || (memory && !is_finite(memory)))
		return -EINVAL;
	if (hwloc_bitmap_iszero(user)) /* mpol_new(): BIND needs nodes */
		return -EINVAL;

	allowed = hwloc_bitmap_alloc();
	nodes = hwloc_bitmap_alloc();
	err = (allowed && nodes) ? 0 : -ENOMEM;
	/* mpol_set_nodemask(): the task's mems that have memory */
	if (!err)
		err = HW(memory ? hwloc_bitmap_and(allowed, mems, memory)
				: hwloc_bitmap_copy(allowed, mems));
	if (!err) {
		if (flags == MMT_MPOL_F_RELATIVE)
			err = mmt_nodes_relative(nodes, user, allowed); /* -EDOM: ∅ */
		else
			err = HW(hwloc_bitmap_and(nodes, user, allowed));
	}
	/* mpol_new_nodemask(): an empty effective mask is refused */
	if (!err && hwloc_bitmap_iszero(nodes))
		err = -EINVAL;
	if (!err)
		err = HW(hwloc_bitmap_copy(st->user, user));
	if (!err)
		err = HW(hwloc_bitmap_copy(st->nodes, nodes));
	/* w.cpuset_mems_allowed is the task's mems, not ∩ N_MEMORY */
	if (!err)
		err = HW(hwloc_bitmap_copy(st->mems, mems));
	if (!err)
		st->flags = flags;
	hwloc_bitmap_free(allowed);
	hwloc_bitmap_free(nodes);
	return err;
}

int mmt_mpol_rebind(struct mmt_mpol_state *st, hwloc_const_bitmap_t new_mems)
{
	hwloc_bitmap_t tmp;
	int err, ret = MMT_MPOL_REBIND_MAPPED;

	if (!is_finite(new_mems))
		return -EINVAL;
	/* mpol_rebind_policy(): no flag and the same mems: nothing to do */
	if (st->flags == MMT_MPOL_F_NONE && hwloc_bitmap_isequal(st->mems, new_mems))
		return MMT_MPOL_REBIND_SKIPPED;

	tmp = hwloc_bitmap_alloc();
	if (!tmp)
		return -ENOMEM;
	switch (st->flags) {
	case MMT_MPOL_F_STATIC:
		err = HW(hwloc_bitmap_and(tmp, st->user, new_mems));
		break;
	case MMT_MPOL_F_RELATIVE:
		err = mmt_nodes_relative(tmp, st->user, new_mems);
		break;
	case MMT_MPOL_F_NONE:
		err = mmt_nodes_remap(tmp, st->nodes, st->mems, new_mems);
		break;
	default:
		err = -EINVAL;
		break;
	}
	/* mpol_rebind_nodemask(): an empty result binds to all of new */
	if (!err && hwloc_bitmap_iszero(tmp)) {
		ret = MMT_MPOL_REBIND_FALLBACK;
		err = HW(hwloc_bitmap_copy(tmp, new_mems));
	}
	if (!err)
		err = HW(hwloc_bitmap_copy(st->mems, new_mems));
	if (!err)
		err = HW(hwloc_bitmap_copy(st->nodes, tmp));
	hwloc_bitmap_free(tmp);
	return err ? err : ret;
}

int mmt_mpol_rebind_mask(enum mmt_mpol_scope scope, hwloc_const_bitmap_t mems_allowed,
			 hwloc_const_bitmap_t effective, hwloc_const_bitmap_t memory,
			 hwloc_bitmap_t ret)
{
	int err;

	switch (scope) {
	case MMT_MPOL_TASK:
		if (!is_finite(effective) || (memory && !is_finite(memory)))
			return -EINVAL;
		err = HW(memory ? hwloc_bitmap_and(ret, effective, memory)
				: hwloc_bitmap_copy(ret, effective));
		if (!err && hwloc_bitmap_iszero(ret))
			err = -ENOENT;
		return err;
	case MMT_MPOL_VMA:
		if (!is_finite(mems_allowed))
			return -EINVAL;
		return HW(hwloc_bitmap_copy(ret, mems_allowed));
	}
	return -EINVAL;
}

int mmt_mpol_reported(const struct mmt_mpol_state *st, hwloc_bitmap_t ret)
{
	if (st->flags == MMT_MPOL_F_STATIC || st->flags == MMT_MPOL_F_RELATIVE)
		return HW(hwloc_bitmap_copy(ret, st->user));
	return HW(hwloc_bitmap_copy(ret, st->nodes));
}

int mmt_mpol_numa_maps(const struct mmt_mpol_state *st, char *buf, size_t len)
{
	const char *suffix;
	int n, l;

	if (len == 0)
		return -ENOSPC;
	if (!is_finite(st->nodes))
		return -EINVAL;
	switch (st->flags) {
	case MMT_MPOL_F_STATIC:
		suffix = "=static";
		break;
	case MMT_MPOL_F_RELATIVE:
		suffix = "=relative";
		break;
	default:
		suffix = "";
		break;
	}
	/* mpol_to_str(): mode, "=" flag, then ":" list unless empty */
	n = snprintf(buf, len, "bind%s%s", suffix, hwloc_bitmap_iszero(st->nodes) ? "" : ":");
	if (n < 0)
		return -EINVAL;
	if (hwloc_bitmap_iszero(st->nodes))
		return n;
	l = hwloc_bitmap_list_snprintf((size_t)n < len ? buf + n : NULL,
				       (size_t)n < len ? len - (size_t)n : 0, st->nodes);
	if (l < 0)
		return -EINVAL;
	return n + l;
}

enum mmt_mpol_transition mmt_mpol_transition(hwloc_const_bitmap_t policy_nodes,
					     hwloc_const_bitmap_t new_mems)
{
	if (hwloc_bitmap_isequal(policy_nodes, new_mems))
		return MMT_MPOL_T_EQUAL;
	if (!hwloc_bitmap_intersects(policy_nodes, new_mems))
		return MMT_MPOL_T_DISJOINT;
	if (hwloc_bitmap_isincluded(policy_nodes, new_mems))
		return MMT_MPOL_T_SUBSET;
	if (hwloc_bitmap_isincluded(new_mems, policy_nodes))
		return MMT_MPOL_T_SUPERSET;
	return MMT_MPOL_T_OVERLAP;
}

const char *mmt_mpol_transition_name(enum mmt_mpol_transition t)
{
	switch (t) {
	case MMT_MPOL_T_EQUAL:
		return "equal";
	case MMT_MPOL_T_SUBSET:
		return "subset";
	case MMT_MPOL_T_SUPERSET:
		return "superset";
	case MMT_MPOL_T_OVERLAP:
		return "overlap";
	case MMT_MPOL_T_DISJOINT:
		return "disjoint";
	}
	return "?";
}

const char *mmt_mpol_flags_name(enum mmt_mpol_flags flags)
{
	switch (flags) {
	case MMT_MPOL_F_NONE:
		return "none";
	case MMT_MPOL_F_STATIC:
		return "static";
	case MMT_MPOL_F_RELATIVE:
		return "relative";
	}
	return "?";
}

/* ---- sequences built for the race (lib/mpol.h) --------------------------- */

int mmt_mpol_default_user(enum mmt_mpol_flags flags, hwloc_const_bitmap_t mems,
			  hwloc_bitmap_t ret)
{
	int n = hwloc_bitmap_weight(mems);
	int k, id, i = 0;

	if (n <= 0)
		return -EINVAL;
	k = n >= 2 ? n / 2 : 1;
	hwloc_bitmap_zero(ret);
	if (flags == MMT_MPOL_F_RELATIVE)
		return HW(hwloc_bitmap_set_range(ret, 0, k - 1));
	for (id = hwloc_bitmap_first(mems); id >= 0 && i < k; id = hwloc_bitmap_next(mems, id), i++)
		if (hwloc_bitmap_set(ret, (unsigned int)id) < 0)
			return -ENOMEM;
	return 0;
}

/* Rank of a transition for the race: higher opens the window wider. */
static int race_rank(enum mmt_mpol_transition t)
{
	switch (t) {
	case MMT_MPOL_T_DISJOINT:
		return 4;
	case MMT_MPOL_T_OVERLAP:
		return 3;
	case MMT_MPOL_T_SUPERSET:
		return 2;
	case MMT_MPOL_T_SUBSET:
		return 1;
	default:
		return 0;
	}
}

/* A policy created by FLAGS and USER under MEMS, into ST (fini it). */
static int policy_start(struct mmt_mpol_state *st, enum mmt_mpol_flags flags,
			hwloc_const_bitmap_t user, hwloc_const_bitmap_t mems)
{
	int r = mmt_mpol_init(st);

	return r < 0 ? r : mmt_mpol_create(st, flags, user, mems, NULL);
}

int mmt_mpol_walk(enum mmt_mpol_flags flags, hwloc_const_bitmap_t user,
		  hwloc_const_bitmap_t start, const hwloc_bitmap_t *seq, unsigned n,
		  unsigned rounds, enum mmt_mpol_transition *ret_kinds,
		  unsigned long *counts)
{
	struct mmt_mpol_state st = { 0 };
	hwloc_const_bitmap_t cur = start;
	int r;

	if (!rounds || !n)
		return -EINVAL;
	if (counts)
		memset(counts, 0, MMT_MPOL_NR_TRANSITIONS * sizeof(*counts));
	r = policy_start(&st, flags, user, start);
	if (r < 0)
		goto out_fini;
	for (unsigned k = 0; k < rounds; k++) {
		for (unsigned i = 0; i < n; i++) {
			enum mmt_mpol_transition t = MMT_MPOL_T_EQUAL;

			if (!hwloc_bitmap_isequal(cur, seq[i])) {
				t = mmt_mpol_transition(st.nodes, seq[i]);
				r = mmt_mpol_rebind(&st, seq[i]);
				if (r < 0)
					goto out_fini;
			}
			cur = seq[i];
			if (k + 1 < rounds)
				continue;
			if (ret_kinds)
				ret_kinds[i] = t;
			if (counts)
				counts[t]++;
		}
	}
	r = 0;
out_fini:
	mmt_mpol_fini(&st);
	return r;
}

int mmt_mpol_race_sequence(enum mmt_mpol_flags flags, hwloc_const_bitmap_t user,
			   hwloc_const_bitmap_t mems, unsigned max, hwloc_bitmap_t *ret)
{
	struct mmt_mpol_state st = { 0 };
	unsigned id[MMT_MPOL_RACE_MAX_NODES], k = 0, len, nr_cand;
	unsigned *last_used = NULL;     /* step + 1 when a value was last used */
	hwloc_bitmap_t cand = NULL, cur = NULL;
	int w = hwloc_bitmap_weight(mems), r, b;

	if (w <= 0 || max == 0)
		return -EINVAL;
	if (w == 1)
		return hwloc_bitmap_copy(ret[0], mems) < 0 ? -ENOMEM : 1;
	for (b = hwloc_bitmap_first(mems); b >= 0 && k < MMT_MPOL_RACE_MAX_NODES;
	     b = hwloc_bitmap_next(mems, b))
		id[k++] = (unsigned)b;
	len = 2 * (unsigned)w < max ? 2 * (unsigned)w : max;
	nr_cand = (1U << k) - 1;        /* candidate c + 1: a bit per id[] */
	last_used = calloc(nr_cand, sizeof(*last_used));
	cand = hwloc_bitmap_alloc();
	cur = hwloc_bitmap_dup(mems);
	r = last_used && cand && cur ? policy_start(&st, flags, user, mems) : -ENOMEM;
	if (r < 0)
		goto out_free;
	for (unsigned step = 0; step < len; step++) {
		unsigned best = 0;
		int best_rank = -1;

		for (unsigned c = 0; c < nr_cand; c++) {
			int rank;

			hwloc_bitmap_zero(cand);
			for (unsigned j = 0; j < k; j++)
				if ((c + 1) & (1U << j))
					hwloc_bitmap_set(cand, id[j]);
			if (hwloc_bitmap_isequal(cand, cur))
				continue;
			/* The sequence cycles: its last value differs from its first. */
			if (step == len - 1 && step > 0 && hwloc_bitmap_isequal(cand, ret[0]))
				continue;
			rank = race_rank(mmt_mpol_transition(st.nodes, cand));
			if (rank > best_rank ||
			    (rank == best_rank && last_used[c] < last_used[best])) {
				best = c;
				best_rank = rank;
			}
		}
		if (best_rank < 0) {            /* cannot happen with >= 2 nodes */
			r = -EINVAL;
			goto out_free;
		}
		hwloc_bitmap_zero(ret[step]);
		for (unsigned j = 0; j < k; j++)
			if ((best + 1) & (1U << j))
				hwloc_bitmap_set(ret[step], id[j]);
		last_used[best] = step + 1;
		r = mmt_mpol_rebind(&st, ret[step]);
		if (r < 0)
			goto out_free;
		hwloc_bitmap_copy(cur, ret[step]);
	}
	r = (int)len;
out_free:
	mmt_mpol_fini(&st);
	hwloc_bitmap_free(cur);
	hwloc_bitmap_free(cand);
	free(last_used);
	return r;
}

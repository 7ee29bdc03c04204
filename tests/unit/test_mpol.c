// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rebind-semantics oracle of lib/mpol.c: the worked examples of
 * Documentation/admin-guide/mm/numa_memory_policy.rst, sequences over 2-,
 * 4- and sparse 8-node layouts in every flag mode, the fallbacks and
 * refusals, and properties checked over pseudo-random sets.  Expected
 * values were worked by hand from the rules in lib/mpol.h.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/mpol.h"

#define SPARSE8 "0,2,4,6,8,10,12,14"

/* Every set a test makes is freed by the teardown. */
#define POOL_MAX 256
static hwloc_bitmap_t pool[POOL_MAX];
static int npool;

static hwloc_bitmap_t set_of(const char *list)
{
	hwloc_bitmap_t b = hwloc_bitmap_alloc();
	const char *why = NULL;

	assert_non_null(b);
	assert_true(npool < POOL_MAX);
	pool[npool++] = b;
	assert_int_equal(mmt_set_parse(list, b, &why), 0);
	return b;
}
#define S(list) set_of(list)

static int teardown(void **state)
{
	(void)state;
	while (npool > 0)
		hwloc_bitmap_free(pool[--npool]);
	return 0;
}

static void check_set(hwloc_const_bitmap_t b, const char *want, const char *file, int line)
{
	char buf[512];

	mmt_set_format(b, buf, sizeof(buf));
	_assert_string_equal(buf, want, file, line);
}
#define assert_set(b, want) check_set((b), (want), __FILE__, __LINE__)

/* A fresh, empty result set. */
static hwloc_bitmap_t out(void)
{
	return S("");
}

/* --- primitives ------------------------------------------------------- */

static void test_remap(void **state)
{
	hwloc_bitmap_t dst = out(), a;

	(void)state;
	/* n-th of old to n-th of new; 1 and 7 are not in old and stay. */
	assert_int_equal(mmt_nodes_remap(dst, S("1-4,7"), S("2-4"), S("3-5")), 0);
	assert_set(dst, "1,3-5,7");
	/* Modulo the weight of new: 0,1,2,3 -> 6,7,6,7. */
	assert_int_equal(mmt_nodes_remap(dst, S("0-3"), S("0-3"), S("6-7")), 0);
	assert_set(dst, "6-7");
	/* An empty new, or an empty old, is the identity. */
	assert_int_equal(mmt_nodes_remap(dst, S("0,2"), S("0-3"), S("")), 0);
	assert_set(dst, "0,2");
	assert_int_equal(mmt_nodes_remap(dst, S("1,3"), S(""), S("4-5")), 0);
	assert_set(dst, "1,3");
	/* Sparse: 2 is 2nd (ord 1), 6 is 4th (ord 3) of old; both -> 3. */
	assert_int_equal(mmt_nodes_remap(dst, S("2,6"), S(SPARSE8), S("1,3")), 0);
	assert_set(dst, "3");
	/* A remap never grows a set: {1} of {0,1} onto 0-3 is {1}. */
	assert_int_equal(mmt_nodes_remap(dst, S("1"), S("0-1"), S("0-3")), 0);
	assert_set(dst, "1");
	/* The result is cleared first. */
	assert_int_equal(mmt_nodes_remap(dst, S(""), S("0-3"), S("4-7")), 0);
	assert_set(dst, "");
	/* In place (the kernel's bitmap_remap would leave dst untouched). */
	a = S("0-1");
	assert_int_equal(mmt_nodes_remap(a, a, S("0-3"), S("8-11")), 0);
	assert_set(a, "8-9");
	/* Infinite sets are refused. */
	a = S("0");
	hwloc_bitmap_fill(a);
	assert_int_equal(mmt_nodes_remap(dst, a, S("0"), S("1")), -EINVAL);
	assert_int_equal(mmt_nodes_remap(dst, S("0"), S("0"), a), -EINVAL);
}

static void test_fold(void **state)
{
	hwloc_bitmap_t dst = out(), a;

	(void)state;
	assert_int_equal(mmt_nodes_fold(dst, S("0,5,9"), 4), 0);
	assert_set(dst, "0-1");
	assert_int_equal(mmt_nodes_fold(dst, S("14"), 16), 0);
	assert_set(dst, "14");
	assert_int_equal(mmt_nodes_fold(dst, S("3,7,11"), 1), 0);
	assert_set(dst, "0");
	assert_int_equal(mmt_nodes_fold(dst, S(""), 3), 0);
	assert_set(dst, "");
	/* bitmap_fold() computes i % sz: size 0 is a division by zero. */
	hwloc_bitmap_set(dst, 5);
	assert_int_equal(mmt_nodes_fold(dst, S("1"), 0), -EDOM);
	assert_set(dst, "5");
	a = S("2-3,6");
	assert_int_equal(mmt_nodes_fold(a, a, 3), 0);
	assert_set(a, "0,2");
}

static void test_onto(void **state)
{
	hwloc_bitmap_t dst = out(), a;

	(void)state;
	assert_int_equal(mmt_nodes_onto(dst, S("0,2"), S("4-6")), 0);
	assert_set(dst, "4,6");
	/* Positions past the weight of relmap are dropped. */
	assert_int_equal(mmt_nodes_onto(dst, S("0,3"), S("1,9")), 0);
	assert_set(dst, "1");
	assert_int_equal(mmt_nodes_onto(dst, S("5"), S("0-1")), 0);
	assert_set(dst, "");
	assert_int_equal(mmt_nodes_onto(dst, S("0-1"), S("")), 0);
	assert_set(dst, "");
	assert_int_equal(mmt_nodes_onto(dst, S("1-3"), S(SPARSE8)), 0);
	assert_set(dst, "2,4,6");
	a = S("0,1");
	assert_int_equal(mmt_nodes_onto(a, a, S("12-15")), 0);
	assert_set(a, "12-13");
}

static void test_relative(void **state)
{
	hwloc_bitmap_t dst = out();

	(void)state;
	/* numa_memory_policy.rst: user 2-5, mems 3-7 -> 3,5-7. */
	assert_int_equal(mmt_nodes_relative(dst, S("2-5"), S("3-7")), 0);
	assert_set(dst, "3,5-7");
	/* ... then mems 0,2-3,5 -> 0,2-3,5. */
	assert_int_equal(mmt_nodes_relative(dst, S("2-5"), S("0,2-3,5")), 0);
	assert_set(dst, "0,2-3,5");
	/* Without the fold, {9} onto 8 nodes would be empty; folded it is the
	 * 2nd node. */
	assert_int_equal(mmt_nodes_relative(dst, S("9"), S(SPARSE8)), 0);
	assert_set(dst, "2");
	hwloc_bitmap_set(dst, 7);
	assert_int_equal(mmt_nodes_relative(dst, S("0"), S("")), -EDOM);
	assert_set(dst, "2,7");
}

/* --- creation --------------------------------------------------------- */

static void test_create(void **state)
{
	struct mmt_mpol_state st;
	hwloc_bitmap_t inf;

	(void)state;
	assert_int_equal(mmt_mpol_init(&st), 0);

	assert_int_equal(mmt_mpol_create(&st, MMT_MPOL_F_NONE, S("0-1"), S("0-3"), NULL), 0);
	assert_int_equal(st.flags, MMT_MPOL_F_NONE);
	assert_set(st.nodes, "0-1");
	assert_set(st.mems, "0-3");
	assert_set(st.user, "0-1");

	/* User nodes outside the mems are dropped (not RELATIVE). */
	assert_int_equal(mmt_mpol_create(&st, MMT_MPOL_F_STATIC, S("1-5"), S("0-3"), NULL), 0);
	assert_set(st.nodes, "1-3");
	assert_set(st.user, "1-5");

	/* Refusals leave the state as it was. */
	assert_int_equal(mmt_mpol_create(&st, MMT_MPOL_F_NONE, S("2-3"), S("0-1"), NULL), -EINVAL);
	assert_int_equal(mmt_mpol_create(&st, MMT_MPOL_F_STATIC, S("2"), S("0-1"), NULL), -EINVAL);
	assert_int_equal(mmt_mpol_create(&st, MMT_MPOL_F_NONE, S(""), S("0-1"), NULL), -EINVAL);
	assert_int_equal(mmt_mpol_create(&st, MMT_MPOL_F_STATIC, S(""), S("0-1"), NULL), -EINVAL);
	assert_int_equal(mmt_mpol_create(&st, MMT_MPOL_F_RELATIVE, S(""), S("0-1"), NULL), -EINVAL);
	assert_int_equal(mmt_mpol_create(&st, (enum mmt_mpol_flags)7, S("0"), S("0-1"), NULL),
			 -EINVAL);
	assert_int_equal(st.flags, MMT_MPOL_F_STATIC);
	assert_set(st.nodes, "1-3");
	assert_set(st.user, "1-5");
	assert_set(st.mems, "0-3");

	/* RELATIVE folds what lies outside: {2} under 0-1 is node 0 ... */
	assert_int_equal(mmt_mpol_create(&st, MMT_MPOL_F_RELATIVE, S("2"), S("0-1"), NULL), 0);
	assert_set(st.nodes, "0");
	assert_set(st.user, "2");
	/* ... and {5} is node 1. */
	assert_int_equal(mmt_mpol_create(&st, MMT_MPOL_F_RELATIVE, S("5"), S("0-1"), NULL), 0);
	assert_set(st.nodes, "1");

	/* Memoryless node 0: allowed is mems ∩ N_MEMORY, but the kept
	 * cpuset_mems_allowed is the task's whole mems. */
	assert_int_equal(mmt_mpol_create(&st, MMT_MPOL_F_NONE, S("0-1"), S("0-3"), S("1-3")), 0);
	assert_set(st.nodes, "1");
	assert_set(st.mems, "0-3");
	assert_int_equal(mmt_mpol_create(&st, MMT_MPOL_F_NONE, S("0"), S("0-3"), S("1-3")), -EINVAL);
	assert_int_equal(mmt_mpol_create(&st, MMT_MPOL_F_RELATIVE, S("0"), S("0-3"), S("1-3")), 0);
	assert_set(st.nodes, "1");
	/* RELATIVE over no node with memory would divide by zero. */
	assert_int_equal(mmt_mpol_create(&st, MMT_MPOL_F_RELATIVE, S("0"), S("0-1"), S("2-3")),
			 -EDOM);
	assert_set(st.user, "0");

	inf = S("");
	hwloc_bitmap_fill(inf);
	assert_int_equal(mmt_mpol_create(&st, MMT_MPOL_F_NONE, inf, S("0-1"), NULL), -EINVAL);
	assert_int_equal(mmt_mpol_create(&st, MMT_MPOL_F_NONE, S("0"), inf, NULL), -EINVAL);
	mmt_mpol_fini(&st);
}

/* --- rebind ----------------------------------------------------------- */

struct step {
	const char *mems;
	int result;
	const char *nodes;
};

static void run_steps(enum mmt_mpol_flags flags, const char *user, const char *mems,
		      const char *nodes0, const struct step *steps, size_t n)
{
	struct mmt_mpol_state st;
	size_t i;

	assert_int_equal(mmt_mpol_init(&st), 0);
	assert_int_equal(mmt_mpol_create(&st, flags, S(user), S(mems), NULL), 0);
	assert_set(st.nodes, nodes0);
	for (i = 0; i < n; i++) {
		int r = mmt_mpol_rebind(&st, S(steps[i].mems));

		if (r != steps[i].result)
			fail_msg("%s %s step %zu (-> %s): result %d, want %d",
				 mmt_mpol_flags_name(flags), user, i, steps[i].mems, r,
				 steps[i].result);
		assert_set(st.nodes, steps[i].nodes);
		assert_set(st.user, user); /* never touched by a rebind */
	}
	mmt_mpol_fini(&st);
}
#define RUN(flags, user, mems, nodes0, steps) \
	run_steps(flags, user, mems, nodes0, steps, sizeof(steps) / sizeof(steps[0]))

enum { SKIP = MMT_MPOL_REBIND_SKIPPED, MAP = MMT_MPOL_REBIND_MAPPED,
       FALL = MMT_MPOL_REBIND_FALLBACK };

/* numa_memory_policy.rst, MPOL_F_STATIC_NODES: mems 1-3 become 3-5. */
static void test_doc_static(void **state)
{
	static const struct step none[] = { { "3-5", MAP, "3-5" } };
	static const struct step stat[] = {
		{ "3-5", MAP, "3" },
		/* "If no nodes from the user's nodemask are now allowed": the
		 * code binds to the new mems (the text says Default). */
		{ "6-7", FALL, "6-7" },
	};

	(void)state;
	RUN(MMT_MPOL_F_NONE, "1-3", "1-3", "1-3", none);
	RUN(MMT_MPOL_F_STATIC, "1-3", "1-3", "1-3", stat);
}

/* numa_memory_policy.rst, MPOL_F_RELATIVE_NODES. */
static void test_doc_relative(void **state)
{
	/* mems 2-5 -> 3-7 -> 0,2-3,5 */
	static const struct step rel[] = {
		{ "3-7", MAP, "3,5-7" },
		{ "0,2-3,5", MAP, "0,2-3,5" },
	};
	/* Without the flag a mask 1,3,5 goes to 7-9, then to 1-3 when the
	 * mems come back. */
	static const struct step none[] = {
		{ "7-9", MAP, "7-9" },
		{ "1-5", MAP, "1-3" },
	};
	/* The same with the flag comes back whole. */
	static const struct step rel2[] = {
		{ "7-9", MAP, "7-9" },
		{ "1-5", MAP, "1,3,5" },
	};

	(void)state;
	RUN(MMT_MPOL_F_RELATIVE, "2-5", "2-5", "2-5", rel);
	RUN(MMT_MPOL_F_NONE, "1,3,5", "1-5", "1,3,5", none);
	/* user 0,2,4 relative to 1-5 is 1,3,5 */
	RUN(MMT_MPOL_F_RELATIVE, "0,2,4", "1-5", "1,3,5", rel2);
}

/* Policy {0,1} under mems 0-3; mems 0-3 -> 1 -> 0 -> 0-1 -> 2-3. */
static void test_four_node_sequence(void **state)
{
	static const struct step none[] = {
		{ "1", MAP, "1" },
		{ "0", MAP, "0" },
		{ "0-1", MAP, "0" }, /* a remap does not grow back */
		{ "2-3", MAP, "2" },
		{ "2-3", SKIP, "2" },
	};
	static const struct step stat[] = {
		{ "1", MAP, "1" },
		{ "0", MAP, "0" },
		{ "0-1", MAP, "0-1" },
		{ "2-3", FALL, "2-3" },
		{ "2-3", FALL, "2-3" }, /* recomputed every time */
	};
	static const struct step rel[] = {
		{ "1", MAP, "1" },
		{ "0", MAP, "0" },
		{ "0-1", MAP, "0-1" },
		{ "2-3", MAP, "2-3" },
		{ "0-3", MAP, "0-1" },
	};

	(void)state;
	RUN(MMT_MPOL_F_NONE, "0-1", "0-3", "0-1", none);
	RUN(MMT_MPOL_F_STATIC, "0-1", "0-3", "0-1", stat);
	RUN(MMT_MPOL_F_RELATIVE, "0-1", "0-3", "0-1", rel);
}

/* Two nodes: policy {0} under 0-1; mems 0-1 -> 1 -> 0-1. */
static void test_two_node_sequence(void **state)
{
	static const struct step none[] = {
		{ "1", MAP, "1" },
		{ "0-1", MAP, "0" }, /* node 1 is 1st of {1}: back to 0 */
		{ "0-1", SKIP, "0" },
	};
	static const struct step stat[] = {
		{ "1", FALL, "1" },
		{ "0-1", MAP, "0" },
	};
	static const struct step rel[] = {
		{ "1", MAP, "1" },
		{ "0-1", MAP, "0" },
	};
	static const struct step none1[] = {
		{ "0", MAP, "0" },
		{ "0-1", MAP, "0" }, /* {1} fell to 0 and stays there */
	};

	(void)state;
	RUN(MMT_MPOL_F_NONE, "0", "0-1", "0", none);
	RUN(MMT_MPOL_F_STATIC, "0", "0-1", "0", stat);
	RUN(MMT_MPOL_F_RELATIVE, "0", "0-1", "0", rel);
	RUN(MMT_MPOL_F_NONE, "1", "0-1", "1", none1);
}

/* Sparse 8-node layout {0,2,...,14}. */
static void test_sparse_sequence(void **state)
{
	static const struct step none[] = {
		{ "8,10,12,14", MAP, "12,14" }, /* 4 and 6 are 3rd and 4th */
		{ SPARSE8, MAP, "4,6" },
		{ "0-2", MAP, "0,2" }, /* ords 2,3 mod 3: 2 and 0 */
	};
	static const struct step stat[] = {
		{ "6,8", MAP, "6" },
		{ "1,3,5", MAP, "3" }, /* 3 was never allowed before */
		{ "1,5", FALL, "1,5" },
	};
	static const struct step rel[] = {
		{ "8,10,12,14", MAP, "8,10" },
		{ "6", MAP, "6" },
		{ "1,3", MAP, "1,3" },
	};
	static const struct step wrap[] = {
		{ "0-2", MAP, "0-2" },
		{ "14", MAP, "14" },
	};

	(void)state;
	RUN(MMT_MPOL_F_NONE, "4,6", SPARSE8, "4,6", none);
	RUN(MMT_MPOL_F_STATIC, "3-4,6", SPARSE8, "4,6", stat);
	RUN(MMT_MPOL_F_RELATIVE, "0-1", SPARSE8, "0,2", rel);
	RUN(MMT_MPOL_F_NONE, SPARSE8, SPARSE8, SPARSE8, wrap);
}

/* Rebinds to an empty mask: the 6.1 VMA rebind of a v2 cpuset whose
 * cpuset.mems was never written. */
static void test_empty_mask(void **state)
{
	struct mmt_mpol_state st;
	char buf[64];

	(void)state;
	assert_int_equal(mmt_mpol_init(&st), 0);

	/* No flag: remap onto nothing is the identity; mems become empty,
	 * and the next remap, from nothing, is the identity too. */
	assert_int_equal(mmt_mpol_create(&st, MMT_MPOL_F_NONE, S("0-1"), S("0-3"), NULL), 0);
	assert_int_equal(mmt_mpol_rebind(&st, S("")), MAP);
	assert_set(st.nodes, "0-1");
	assert_set(st.mems, "");
	assert_int_equal(mmt_mpol_rebind(&st, S("2-3")), MAP);
	assert_set(st.nodes, "0-1");

	/* STATIC: the fallback is the empty mask itself. */
	assert_int_equal(mmt_mpol_create(&st, MMT_MPOL_F_STATIC, S("0-1"), S("0-3"), NULL), 0);
	assert_int_equal(mmt_mpol_rebind(&st, S("")), FALL);
	assert_set(st.nodes, "");
	assert_int_equal(mmt_mpol_numa_maps(&st, buf, sizeof(buf)), 11);
	assert_string_equal(buf, "bind=static");

	/* RELATIVE: bitmap_fold(.., 0): the kernel divides by zero. */
	assert_int_equal(mmt_mpol_create(&st, MMT_MPOL_F_RELATIVE, S("0-1"), S("0-3"), NULL), 0);
	assert_int_equal(mmt_mpol_rebind(&st, S("")), -EDOM);
	assert_set(st.nodes, "0-1");
	assert_set(st.mems, "0-3");
	mmt_mpol_fini(&st);
}

static void test_rebind_mask(void **state)
{
	hwloc_bitmap_t ret = out();
	struct mmt_mpol_state task, vma_s, vma_r;

	(void)state;
	assert_int_equal(mmt_mpol_rebind_mask(MMT_MPOL_TASK, S("0-5"), S("0-3"), S("1-3"), ret), 0);
	assert_set(ret, "1-3");
	assert_int_equal(mmt_mpol_rebind_mask(MMT_MPOL_TASK, S("0-5"), S("0-3"), NULL, ret), 0);
	assert_set(ret, "0-3");
	assert_int_equal(mmt_mpol_rebind_mask(MMT_MPOL_TASK, S(""), S("0"), S("1-3"), ret),
			 -ENOENT);
	assert_int_equal(mmt_mpol_rebind_mask(MMT_MPOL_VMA, S(""), S("0-3"), NULL, ret), 0);
	assert_set(ret, "");
	assert_int_equal(mmt_mpol_rebind_mask(MMT_MPOL_VMA, S("0-5"), S("0-3"), S("1-3"), ret), 0);
	assert_set(ret, "0-5");
	assert_int_equal(mmt_mpol_rebind_mask((enum mmt_mpol_scope)9, S("0"), S("0"), NULL, ret),
			 -EINVAL);

	/* A v2 child with cpuset.mems empty; the parent's mems go 0-3 ->
	 * 2-3.  The task policy follows the effective mems, the VMA ones are
	 * handed the empty cpuset.mems. */
	assert_int_equal(mmt_mpol_init(&task), 0);
	assert_int_equal(mmt_mpol_init(&vma_s), 0);
	assert_int_equal(mmt_mpol_init(&vma_r), 0);
	assert_int_equal(mmt_mpol_create(&task, MMT_MPOL_F_NONE, S("0-1"), S("0-3"), NULL), 0);
	assert_int_equal(mmt_mpol_create(&vma_s, MMT_MPOL_F_STATIC, S("0-1"), S("0-3"), NULL), 0);
	assert_int_equal(mmt_mpol_create(&vma_r, MMT_MPOL_F_RELATIVE, S("0-1"), S("0-3"), NULL), 0);
	assert_int_equal(mmt_mpol_rebind_mask(MMT_MPOL_TASK, S(""), S("2-3"), NULL, ret), 0);
	assert_int_equal(mmt_mpol_rebind(&task, ret), MAP);
	assert_set(task.nodes, "2-3");
	assert_int_equal(mmt_mpol_rebind_mask(MMT_MPOL_VMA, S(""), S("2-3"), NULL, ret), 0);
	assert_int_equal(mmt_mpol_rebind(&vma_s, ret), FALL);
	assert_set(vma_s.nodes, "");
	assert_int_equal(mmt_mpol_rebind(&vma_r, ret), -EDOM);
	mmt_mpol_fini(&task);
	mmt_mpol_fini(&vma_s);
	mmt_mpol_fini(&vma_r);
}

/* --- what userspace sees ---------------------------------------------- */

static void test_reported(void **state)
{
	struct mmt_mpol_state st;
	hwloc_bitmap_t ret = out();
	char buf[64];

	(void)state;
	assert_int_equal(mmt_mpol_init(&st), 0);

	assert_int_equal(mmt_mpol_create(&st, MMT_MPOL_F_NONE, S("0-1"), S("0-3"), NULL), 0);
	assert_int_equal(mmt_mpol_rebind(&st, S("2-3")), MAP);
	assert_int_equal(mmt_mpol_reported(&st, ret), 0);
	assert_set(ret, "2-3");
	assert_int_equal(mmt_mpol_numa_maps(&st, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "bind:2-3");

	assert_int_equal(mmt_mpol_create(&st, MMT_MPOL_F_STATIC, S("0"), S("0-1"), NULL), 0);
	assert_int_equal(mmt_mpol_rebind(&st, S("1")), FALL);
	assert_int_equal(mmt_mpol_reported(&st, ret), 0);
	assert_set(ret, "0"); /* the user mask, not the nodes in use */
	assert_int_equal(mmt_mpol_numa_maps(&st, buf, sizeof(buf)), 13);
	assert_string_equal(buf, "bind=static:1");

	assert_int_equal(mmt_mpol_create(&st, MMT_MPOL_F_RELATIVE, S("0-1"), S(SPARSE8), NULL), 0);
	assert_int_equal(mmt_mpol_rebind(&st, S("6")), MAP);
	assert_int_equal(mmt_mpol_reported(&st, ret), 0);
	assert_set(ret, "0-1");
	assert_int_equal(mmt_mpol_numa_maps(&st, buf, sizeof(buf)), 15);
	assert_string_equal(buf, "bind=relative:6");

	/* Cut like snprintf: the full length, the text cut at len - 1. */
	assert_int_equal(mmt_mpol_numa_maps(&st, buf, 5), 15);
	assert_string_equal(buf, "bind");
	assert_int_equal(mmt_mpol_numa_maps(&st, buf, 17), 15);
	assert_string_equal(buf, "bind=relative:6");
	assert_int_equal(mmt_mpol_numa_maps(&st, buf, 0), -ENOSPC);
	mmt_mpol_fini(&st);
}

static void test_transition(void **state)
{
	(void)state;
	assert_int_equal(mmt_mpol_transition(S("0-1"), S("0-1")), MMT_MPOL_T_EQUAL);
	assert_int_equal(mmt_mpol_transition(S(""), S("")), MMT_MPOL_T_EQUAL);
	assert_int_equal(mmt_mpol_transition(S("1"), S("0-3")), MMT_MPOL_T_SUBSET);
	assert_int_equal(mmt_mpol_transition(S("4,6"), S(SPARSE8)), MMT_MPOL_T_SUBSET);
	assert_int_equal(mmt_mpol_transition(S("0-3"), S("1")), MMT_MPOL_T_SUPERSET);
	assert_int_equal(mmt_mpol_transition(S("0-1"), S("1-2")), MMT_MPOL_T_OVERLAP);
	assert_int_equal(mmt_mpol_transition(S("3-4,6"), S("6,8")), MMT_MPOL_T_OVERLAP);
	assert_int_equal(mmt_mpol_transition(S("0-1"), S("2-3")), MMT_MPOL_T_DISJOINT);
	assert_int_equal(mmt_mpol_transition(S(""), S("0")), MMT_MPOL_T_DISJOINT);
	assert_int_equal(mmt_mpol_transition(S("0"), S("")), MMT_MPOL_T_DISJOINT);

	assert_string_equal(mmt_mpol_transition_name(MMT_MPOL_T_EQUAL), "equal");
	assert_string_equal(mmt_mpol_transition_name(MMT_MPOL_T_SUBSET), "subset");
	assert_string_equal(mmt_mpol_transition_name(MMT_MPOL_T_SUPERSET), "superset");
	assert_string_equal(mmt_mpol_transition_name(MMT_MPOL_T_OVERLAP), "overlap");
	assert_string_equal(mmt_mpol_transition_name(MMT_MPOL_T_DISJOINT), "disjoint");
	assert_string_equal(mmt_mpol_transition_name((enum mmt_mpol_transition)42), "?");
	assert_string_equal(mmt_mpol_flags_name(MMT_MPOL_F_NONE), "none");
	assert_string_equal(mmt_mpol_flags_name(MMT_MPOL_F_STATIC), "static");
	assert_string_equal(mmt_mpol_flags_name(MMT_MPOL_F_RELATIVE), "relative");
	assert_string_equal(mmt_mpol_flags_name((enum mmt_mpol_flags)42), "?");
}

/* --- properties over pseudo-random sets of nodes 0-15 ----------------- */

static uint32_t lcg = 12345;

static void random_set(hwloc_bitmap_t b)
{
	lcg = lcg * 1103515245u + 12345u;
	hwloc_bitmap_from_ulong(b, (lcg >> 8) & 0xffff);
}

static void test_properties(void **state)
{
	hwloc_bitmap_t src = out(), old = out(), new_set = out(), dst = out(), tmp = out();
	struct mmt_mpol_state st;
	int i;

	(void)state;
	assert_int_equal(mmt_mpol_init(&st), 0);
	for (i = 0; i < 2000; i++) {
		random_set(src);
		random_set(old);
		random_set(new_set);

		/* remap: nodes outside old stay; nodes of old land in new
		 * (when new has any); the result is never larger. */
		assert_int_equal(mmt_nodes_remap(dst, src, old, new_set), 0);
		hwloc_bitmap_andnot(tmp, src, old);
		assert_true(hwloc_bitmap_isincluded(tmp, dst));
		if (!hwloc_bitmap_iszero(new_set)) {
			hwloc_bitmap_andnot(tmp, dst, new_set);
			hwloc_bitmap_andnot(tmp, tmp, src);
			assert_true(hwloc_bitmap_iszero(tmp));
		}
		assert_true(hwloc_bitmap_weight(dst) <= hwloc_bitmap_weight(src));

		/* fold: inside [0, sz), no larger. */
		assert_int_equal(mmt_nodes_fold(dst, src, 5), 0);
		assert_true(hwloc_bitmap_last(dst) < 5);
		assert_true(hwloc_bitmap_weight(dst) <= hwloc_bitmap_weight(src));

		/* relative: inside rel, non-empty for a non-empty user. */
		if (hwloc_bitmap_iszero(src) || hwloc_bitmap_iszero(new_set))
			continue;
		assert_int_equal(mmt_nodes_relative(dst, src, new_set), 0);
		assert_true(hwloc_bitmap_isincluded(dst, new_set));
		assert_false(hwloc_bitmap_iszero(dst));

		/* STATIC rebind: user ∩ new, or new when that is empty. */
		if (mmt_mpol_create(&st, MMT_MPOL_F_STATIC, src, old, NULL) == 0) {
			int r = mmt_mpol_rebind(&st, new_set);

			hwloc_bitmap_and(tmp, src, new_set);
			assert_int_equal(r, hwloc_bitmap_iszero(tmp) ? FALL : MAP);
			assert_true(hwloc_bitmap_isequal(st.nodes,
							 hwloc_bitmap_iszero(tmp) ? new_set : tmp));
		} else {
			hwloc_bitmap_and(tmp, src, old);
			assert_true(hwloc_bitmap_iszero(tmp));
		}
		/* No flag: a non-empty policy rebinds inside new, never empty. */
		if (mmt_mpol_create(&st, MMT_MPOL_F_NONE, src, old, NULL) == 0 &&
		    !hwloc_bitmap_isequal(old, new_set)) {
			assert_int_equal(mmt_mpol_rebind(&st, new_set), MAP);
			assert_true(hwloc_bitmap_isincluded(st.nodes, new_set));
		}
	}
	mmt_mpol_fini(&st);
}

/* ---- sequences built for the race ---------------------------------------- */

static void test_default_user(void **state)
{
	hwloc_bitmap_t r = S("");

	(void)state;
	assert_int_equal(mmt_mpol_default_user(MMT_MPOL_F_NONE, S("0-1"), r), 0);
	assert_true(hwloc_bitmap_isequal(r, S("0")));
	assert_int_equal(mmt_mpol_default_user(MMT_MPOL_F_STATIC, S("0-3"), r), 0);
	assert_true(hwloc_bitmap_isequal(r, S("0-1")));
	assert_int_equal(mmt_mpol_default_user(MMT_MPOL_F_NONE, S(SPARSE8), r), 0);
	assert_true(hwloc_bitmap_isequal(r, S("0,2,4,6")));
	assert_int_equal(mmt_mpol_default_user(MMT_MPOL_F_NONE, S("1,3,5"), r), 0);
	assert_true(hwloc_bitmap_isequal(r, S("1")));
	/* RELATIVE names positions in the cpuset */
	assert_int_equal(mmt_mpol_default_user(MMT_MPOL_F_RELATIVE, S("4-7"), r), 0);
	assert_true(hwloc_bitmap_isequal(r, S("0-1")));
	/* one node: that node, the only choice */
	assert_int_equal(mmt_mpol_default_user(MMT_MPOL_F_STATIC, S("3"), r), 0);
	assert_true(hwloc_bitmap_isequal(r, S("3")));
	assert_int_equal(mmt_mpol_default_user(MMT_MPOL_F_RELATIVE, S("3"), r), 0);
	assert_true(hwloc_bitmap_isequal(r, S("0")));
	assert_int_equal(mmt_mpol_default_user(MMT_MPOL_F_NONE, S(""), r), -EINVAL);
}

/*
 * Generate the race sequence for FLAGS and the default policy in MEMS,
 * check its shape and return the steady-state counts by kind in COUNTS.
 */
static unsigned race_counts(enum mmt_mpol_flags flags, const char *mems_list,
			    unsigned long *counts)
{
	hwloc_bitmap_t seq[MMT_MPOL_RACE_MAX_NODES * 2], mems = S(mems_list), user = S("");
	unsigned n;
	int r;

	for (unsigned i = 0; i < MMT_MPOL_RACE_MAX_NODES * 2; i++)
		seq[i] = S("");
	assert_int_equal(mmt_mpol_default_user(flags, mems, user), 0);
	assert_false(hwloc_bitmap_isequal(user, mems));
	r = mmt_mpol_race_sequence(flags, user, mems, MMT_MPOL_RACE_MAX_NODES * 2, seq);
	assert_int_equal(r, 2 * hwloc_bitmap_weight(mems));
	n = (unsigned)r;
	assert_false(hwloc_bitmap_isequal(seq[0], mems));
	for (unsigned i = 0; i < n; i++) {
		assert_false(hwloc_bitmap_iszero(seq[i]));
		assert_true(hwloc_bitmap_isincluded(seq[i], mems));
		assert_false(hwloc_bitmap_isequal(seq[i], seq[(i + 1) % n]));
	}
	/* the third round: the policy's state has settled */
	assert_int_equal(mmt_mpol_walk(flags, user, mems, seq, n, 3, NULL, counts), 0);
	return n;
}

/* Proportions of partial-overlap and disjoint rewrites, per layout and mode. */
static void test_race_sequence(void **state)
{
	static const char *const layouts[] = { "0-1", "0-3", SPARSE8 };
	unsigned long c[MMT_MPOL_NR_TRANSITIONS];

	(void)state;
	for (unsigned l = 0; l < 3; l++) {
		for (int f = MMT_MPOL_F_NONE; f <= MMT_MPOL_F_RELATIVE; f++) {
			unsigned n = race_counts((enum mmt_mpol_flags)f, layouts[l], c);
			unsigned long open = c[MMT_MPOL_T_DISJOINT] + c[MMT_MPOL_T_OVERLAP];

			/* every rewrite changes mems: none is a no-op */
			assert_int_equal(c[MMT_MPOL_T_EQUAL], 0);
			/* at least 3 in 4 leave the stale policy outside the new mems */
			assert_true(open * 4 >= n * 3);
			/* and most of those wholly */
			assert_true(c[MMT_MPOL_T_DISJOINT] * 2 >= n);
		}
	}
}

/*
 * The sequence the rebinder generated before (every subset of mems, whole set
 * first, by size) leaves a no-flag policy outside the new mems in fewer than
 * half of its rewrites, from the whole mems or from the default subset; the
 * race sequence in every one (test_race_sequence).
 */
static void test_old_sequence(void **state)
{
	const char *const lists[] = { "0-3", "0", "1", "2", "3", "0-1", "0,2", "0,3", "1-2", "1,3",
				      "2-3", "0-2", "0-1,3", "0,2-3", "1-3" };
	hwloc_bitmap_t seq[15], mems = S("0-3");
	enum mmt_mpol_transition kinds[15];
	unsigned long c[MMT_MPOL_NR_TRANSITIONS];

	(void)state;
	for (unsigned i = 0; i < 15; i++)
		seq[i] = S(lists[i]);
	assert_int_equal(mmt_mpol_walk(MMT_MPOL_F_NONE, mems, mems, seq, 15, 2, kinds, c), 0);
	assert_true((c[MMT_MPOL_T_DISJOINT] + c[MMT_MPOL_T_OVERLAP]) * 2 < 15);
	assert_int_equal(mmt_mpol_walk(MMT_MPOL_F_NONE, S("0-1"), mems, seq, 15, 2, kinds, c), 0);
	assert_true((c[MMT_MPOL_T_DISJOINT] + c[MMT_MPOL_T_OVERLAP]) * 2 < 15);
	/* a walk says what each write did: after 0 the policy is {0}; 1 is disjoint */
	assert_int_equal(kinds[2], MMT_MPOL_T_DISJOINT);
	/* after 3 the policy is {3}: 0-1 is disjoint; after 0-1 it is {0}: 0,2 holds it */
	assert_int_equal(kinds[5], MMT_MPOL_T_DISJOINT);
	assert_int_equal(kinds[6], MMT_MPOL_T_SUBSET);
}

/* A hand-worked walk: STATIC {0} over 1, 0 from 0-1. */
static void test_walk_static(void **state)
{
	hwloc_bitmap_t seq[2] = { S("1"), S("0") };
	enum mmt_mpol_transition kinds[2];
	unsigned long c[MMT_MPOL_NR_TRANSITIONS];

	(void)state;
	/* round 1: nodes {0} vs 1: disjoint, fallback {1}; then {1} vs 0: disjoint */
	assert_int_equal(mmt_mpol_walk(MMT_MPOL_F_STATIC, S("0"), S("0-1"), seq, 2, 1, kinds, c), 0);
	assert_int_equal(kinds[0], MMT_MPOL_T_DISJOINT);
	assert_int_equal(kinds[1], MMT_MPOL_T_DISJOINT);
	assert_int_equal(c[MMT_MPOL_T_DISJOINT], 2);
	/* the same value twice is a no-op in the kernel: equal, no rebind */
	seq[1] = seq[0];
	assert_int_equal(mmt_mpol_walk(MMT_MPOL_F_STATIC, S("0"), S("0-1"), seq, 2, 1, kinds, c), 0);
	assert_int_equal(kinds[1], MMT_MPOL_T_EQUAL);
	assert_int_equal(mmt_mpol_walk(MMT_MPOL_F_STATIC, S("0"), S("0-1"), seq, 2, 0, kinds, c),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_remap, teardown),
		cmocka_unit_test_teardown(test_fold, teardown),
		cmocka_unit_test_teardown(test_onto, teardown),
		cmocka_unit_test_teardown(test_relative, teardown),
		cmocka_unit_test_teardown(test_create, teardown),
		cmocka_unit_test_teardown(test_doc_static, teardown),
		cmocka_unit_test_teardown(test_doc_relative, teardown),
		cmocka_unit_test_teardown(test_four_node_sequence, teardown),
		cmocka_unit_test_teardown(test_two_node_sequence, teardown),
		cmocka_unit_test_teardown(test_sparse_sequence, teardown),
		cmocka_unit_test_teardown(test_empty_mask, teardown),
		cmocka_unit_test_teardown(test_rebind_mask, teardown),
		cmocka_unit_test_teardown(test_reported, teardown),
		cmocka_unit_test_teardown(test_transition, teardown),
		cmocka_unit_test_teardown(test_properties, teardown),
		cmocka_unit_test_teardown(test_default_user, teardown),
		cmocka_unit_test_teardown(test_race_sequence, teardown),
		cmocka_unit_test_teardown(test_old_sequence, teardown),
		cmocka_unit_test_teardown(test_walk_static, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-only
/* The verdict rules: levels, precedence, exit codes, reasons, JSON shape. */
#include "config.h"

#include <setjmp.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/util.h"
#include "lib/verdict.h"

static const struct {
	enum mmt_finding f;
	const char *name;
	enum mmt_level level;
} expected_rules[] = {
	{ MMT_F_OOM_UNEXPECTED, "oom_unexpected", MMT_LVL_FAIL },
	{ MMT_F_OOM_SPURIOUS, "oom_spurious", MMT_LVL_FAIL },
	{ MMT_F_OOM_FOREIGN, "oom_foreign", MMT_LVL_WARN },
	{ MMT_F_OOM_FOREIGN_FAIL, "oom_foreign_fail", MMT_LVL_FAIL },
	{ MMT_F_OOM_EXPECTED, "oom_expected", MMT_LVL_INFO },
	{ MMT_F_STALL, "stall", MMT_LVL_FAIL },
	{ MMT_F_HUNG_TASK, "hung_task", MMT_LVL_FAIL },
	{ MMT_F_LOCKUP, "lockup", MMT_LVL_FAIL },
	{ MMT_F_RCU_STALL, "rcu_stall", MMT_LVL_FAIL },
	{ MMT_F_KERNEL_BUG, "kernel_bug", MMT_LVL_FAIL },
	{ MMT_F_KERNEL_WARN, "kernel_warn", MMT_LVL_FAIL },
	{ MMT_F_CORRUPTION, "corruption", MMT_LVL_FAIL },
	{ MMT_F_UNKILLABLE, "unkillable", MMT_LVL_FAIL },
	{ MMT_F_VICTIM_STUCK, "victim_stuck", MMT_LVL_FAIL },
	{ MMT_F_WORKER_LOST, "worker_lost", MMT_LVL_BROK },
	{ MMT_F_HARNESS, "harness", MMT_LVL_BROK },
	{ MMT_F_MISSING, "missing", MMT_LVL_CONF },
	{ MMT_F_KMSG_LOST, "kmsg_lost", MMT_LVL_WARN },
	{ MMT_F_NOTE, "note", MMT_LVL_INFO },
	{ MMT_F_POLICY_DRIFT, "policy_drift", MMT_LVL_FAIL },
	{ MMT_F_PLACEMENT_VIOLATION, "placement_violation", MMT_LVL_FAIL },
};

static enum mmt_verdict_kind kind_of_level(enum mmt_level l)
{
	switch (l) {
	case MMT_LVL_FAIL:
		return MMT_FAIL;
	case MMT_LVL_BROK:
		return MMT_BROK;
	case MMT_LVL_CONF:
		return MMT_CONF;
	default:
		return MMT_PASS;
	}
}

static void test_rule_table(void **state)
{
	assert_int_equal(MMT_ARRAY_SIZE(expected_rules), MMT_F_NR);
	for (size_t i = 0; i < MMT_ARRAY_SIZE(expected_rules); i++) {
		enum mmt_finding f = expected_rules[i].f;

		assert_string_equal(mmt_finding_name(f), expected_rules[i].name);
		assert_int_equal(mmt_finding_level(f), expected_rules[i].level);
		assert_int_equal(mmt_finding_from_name(expected_rules[i].name), f);
	}
	assert_int_equal(mmt_finding_from_name("no_such_finding"), -EINVAL);
	assert_string_equal(mmt_finding_name(MMT_F_NR), "unknown");
}

/* Each finding alone gives the verdict of its level. */
static void test_single_finding_verdict(void **state)
{
	struct mmt_verdict v;

	for (size_t i = 0; i < MMT_ARRAY_SIZE(expected_rules); i++) {
		mmt_verdict_init(&v);
		mmt_verdict_add(&v, expected_rules[i].f, "finding %zu", i);
		assert_int_equal(mmt_verdict_decide(&v), kind_of_level(expected_rules[i].level));
		assert_int_equal(v.kind, kind_of_level(expected_rules[i].level));
		assert_int_equal(v.counts[expected_rules[i].f], 1);
		assert_int_equal(v.nr_reasons, 1);
		assert_int_equal(v.reasons[0].level, expected_rules[i].level);
	}
}

static void test_empty_is_pass(void **state)
{
	struct mmt_verdict v;

	mmt_verdict_init(&v);
	assert_int_equal(mmt_verdict_decide(&v), MMT_PASS);
	assert_int_equal(v.nr_reasons, 0);
	assert_int_equal(v.dropped, 0);
}

/* Every pair (and the full set) of FAIL/BROK/CONF/WARN/INFO findings. */
static void test_precedence(void **state)
{
	static const enum mmt_finding reps[] = {
		MMT_F_STALL, MMT_F_WORKER_LOST, MMT_F_MISSING, MMT_F_KMSG_LOST, MMT_F_NOTE,
	};
	static const enum mmt_verdict_kind rank[] = {
		MMT_FAIL, MMT_BROK, MMT_CONF, MMT_PASS, MMT_PASS,
	};
	struct mmt_verdict v;

	for (size_t a = 0; a < MMT_ARRAY_SIZE(reps); a++) {
		for (size_t b = 0; b < MMT_ARRAY_SIZE(reps); b++) {
			enum mmt_verdict_kind want = rank[a < b ? a : b];

			mmt_verdict_init(&v);
			/* The order of arrival must not matter. */
			mmt_verdict_add(&v, reps[b], "b");
			mmt_verdict_add(&v, reps[a], "a");
			assert_int_equal(mmt_verdict_decide(&v), want);
		}
	}
	mmt_verdict_init(&v);
	mmt_verdict_add(&v, MMT_F_MISSING, "no dm");
	mmt_verdict_add(&v, MMT_F_HARNESS, "broke");
	assert_int_equal(mmt_verdict_decide(&v), MMT_BROK);
	mmt_verdict_add(&v, MMT_F_CORRUPTION, "bad page");
	assert_int_equal(mmt_verdict_decide(&v), MMT_FAIL);
}

static void test_exit_codes(void **state)
{
	assert_int_equal(mmt_verdict_exit_code(MMT_PASS), 0);
	assert_int_equal(mmt_verdict_exit_code(MMT_FAIL), 1);
	assert_int_equal(mmt_verdict_exit_code(MMT_CONF), 125);
	assert_int_equal(mmt_verdict_exit_code(MMT_BROK), 125);
	assert_string_equal(mmt_verdict_name(MMT_PASS), "PASS");
	assert_string_equal(mmt_verdict_name(MMT_FAIL), "FAIL");
	assert_string_equal(mmt_verdict_name(MMT_CONF), "CONF");
	assert_string_equal(mmt_verdict_name(MMT_BROK), "BROK");
	assert_string_equal(mmt_level_name(MMT_LVL_WARN), "WARN");
}

static void test_reason_text(void **state)
{
	struct mmt_verdict v;
	char longtext[600];

	mmt_verdict_init(&v);
	mmt_verdict_add(&v, MMT_F_STALL, "worker %d stalled %u s", 3, 30u);
	assert_string_equal(v.reasons[0].text, "worker 3 stalled 30 s");
	assert_int_equal(v.reasons[0].finding, MMT_F_STALL);
	assert_int_equal(v.reasons[0].level, MMT_LVL_FAIL);
	memset(longtext, 'x', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	mmt_verdict_add(&v, MMT_F_NOTE, "%s", longtext);
	assert_int_equal(strlen(v.reasons[1].text), sizeof(v.reasons[1].text) - 1);
}

/* Overflow: counts stay exact, extra reasons are counted as dropped. */
static void test_reasons_overflow(void **state)
{
	struct mmt_verdict v;

	mmt_verdict_init(&v);
	for (int i = 0; i < MMT_VERDICT_MAX_REASONS + 10; i++)
		mmt_verdict_add(&v, MMT_F_STALL, "stall %d", i);
	assert_int_equal(v.nr_reasons, MMT_VERDICT_MAX_REASONS);
	assert_int_equal(v.dropped, 10);
	assert_int_equal(v.counts[MMT_F_STALL], MMT_VERDICT_MAX_REASONS + 10);
	assert_string_equal(v.reasons[MMT_VERDICT_MAX_REASONS - 1].text, "stall 63");
}

/* A flood of FAILs must not hide the one BROK (or any first of its kind). */
static void test_overflow_keeps_each_kind(void **state)
{
	struct mmt_verdict v;

	(void)state;
	mmt_verdict_init(&v);
	for (int i = 0; i < MMT_VERDICT_MAX_REASONS + 5; i++)
		mmt_verdict_add(&v, MMT_F_OOM_SPURIOUS, "spurious %d", i);
	mmt_verdict_add(&v, MMT_F_HARNESS, "the harness fault");
	mmt_verdict_add(&v, MMT_F_NOTE, "a note");
	assert_int_equal(v.nr_reasons, MMT_VERDICT_MAX_REASONS);
	assert_int_equal(v.reasons[MMT_VERDICT_MAX_REASONS - 2].finding, MMT_F_HARNESS);
	assert_int_equal(v.reasons[MMT_VERDICT_MAX_REASONS - 1].finding, MMT_F_NOTE);
	assert_string_equal(v.reasons[0].text, "spurious 0");
	/* a second reason of a kind already there is dropped as before */
	mmt_verdict_add(&v, MMT_F_HARNESS, "the second harness fault");
	assert_int_equal(v.reasons[MMT_VERDICT_MAX_REASONS - 2].finding, MMT_F_HARNESS);
	assert_string_equal(v.reasons[MMT_VERDICT_MAX_REASONS - 2].text, "the harness fault");
	assert_int_equal(v.reasons[MMT_VERDICT_MAX_REASONS - 1].finding, MMT_F_NOTE);
	assert_int_equal(v.counts[MMT_F_HARNESS], 2);
	assert_int_equal(mmt_verdict_decide(&v), MMT_FAIL);
}

/* A flood of expected kills must not hide a later stall. */
static void test_overflow_keeps_severe(void **state)
{
	struct mmt_verdict v;

	mmt_verdict_init(&v);
	for (int i = 0; i < MMT_VERDICT_MAX_REASONS; i++)
		mmt_verdict_add(&v, MMT_F_OOM_EXPECTED, "kill %d", i);
	mmt_verdict_add(&v, MMT_F_STALL, "the stall");
	assert_int_equal(v.nr_reasons, MMT_VERDICT_MAX_REASONS);
	assert_int_equal(v.dropped, 1);
	assert_int_equal(v.reasons[MMT_VERDICT_MAX_REASONS - 1].finding, MMT_F_STALL);
	assert_string_equal(v.reasons[MMT_VERDICT_MAX_REASONS - 1].text, "the stall");
	/* The evicted one is the latest info reason, the first is kept. */
	assert_string_equal(v.reasons[0].text, "kill 0");
	assert_string_equal(v.reasons[MMT_VERDICT_MAX_REASONS - 2].text, "kill 62");
	assert_int_equal(mmt_verdict_decide(&v), MMT_FAIL);
}

static void test_to_json(void **state)
{
	struct mmt_verdict v;
	json_object *o, *x, *r;

	mmt_verdict_init(&v);
	mmt_verdict_add(&v, MMT_F_STALL, "worker 1 stalled");
	mmt_verdict_add(&v, MMT_F_NOTE, "just so you know");
	for (int i = 0; i < MMT_VERDICT_MAX_REASONS; i++)
		mmt_verdict_add(&v, MMT_F_STALL, "more");
	/* Not decided on purpose: to_json computes the verdict itself. */
	o = mmt_verdict_to_json(&v);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "verdict", &x));
	assert_string_equal(json_object_get_string(x), "FAIL");
	assert_true(json_object_object_get_ex(o, "exit_code", &x));
	assert_int_equal(json_object_get_int(x), 1);
	assert_true(json_object_object_get_ex(o, "dropped_reasons", &x));
	assert_int_equal(json_object_get_int(x), 2);
	assert_true(json_object_object_get_ex(o, "reasons", &x));
	assert_true(json_object_is_type(x, json_type_array));
	assert_int_equal(json_object_array_length(x), MMT_VERDICT_MAX_REASONS);
	r = json_object_array_get_idx(x, 0);
	assert_true(json_object_object_get_ex(r, "finding", &x));
	assert_string_equal(json_object_get_string(x), "stall");
	assert_true(json_object_object_get_ex(r, "level", &x));
	assert_string_equal(json_object_get_string(x), "FAIL");
	assert_true(json_object_object_get_ex(r, "text", &x));
	assert_string_equal(json_object_get_string(x), "worker 1 stalled");
	assert_true(json_object_object_get_ex(o, "counts", &x));
	assert_int_equal(json_object_object_length(x), MMT_F_NR);
	assert_true(json_object_object_get_ex(x, "stall", &r));
	assert_int_equal(json_object_get_int(r), MMT_VERDICT_MAX_REASONS + 1);
	assert_true(json_object_object_get_ex(x, "note", &r));
	assert_int_equal(json_object_get_int(r), 1);
	assert_true(json_object_object_get_ex(x, "worker_lost", &r));
	assert_int_equal(json_object_get_int(r), 0);
	json_object_put(o);

	mmt_verdict_init(&v);
	mmt_verdict_add(&v, MMT_F_MISSING, "no NUMA");
	o = mmt_verdict_to_json(&v);
	assert_true(json_object_object_get_ex(o, "verdict", &x));
	assert_string_equal(json_object_get_string(x), "CONF");
	assert_true(json_object_object_get_ex(o, "exit_code", &x));
	assert_int_equal(json_object_get_int(x), 125);
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_table),
		cmocka_unit_test(test_single_finding_verdict),
		cmocka_unit_test(test_empty_is_pass),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_reason_text),
		cmocka_unit_test(test_reasons_overflow),
		cmocka_unit_test(test_overflow_keeps_severe),
		cmocka_unit_test(test_overflow_keeps_each_kind),
		cmocka_unit_test(test_to_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

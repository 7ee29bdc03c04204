// SPDX-License-Identifier: GPL-2.0-only
/*
 * lava-test-case calls of finished runs (results/lava.c), from the fixed
 * runs of tests/data/report: run1 a FAIL (a spurious OOM kill, stalls, a
 * corruption), run2 a PASS of the same job; and made-up CONF and BROK runs.
 */
#include "config.h"

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "results/lava.h"

#ifndef MMT_SRCDIR
#define MMT_SRCDIR "."
#endif
#define DATA MMT_SRCDIR "/tests/data/report"

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/*
 * Every line as lava-dispatcher's lava-test-case takes it: the command, a
 * name of [A-Za-z0-9._-], --result pass|fail|skip, and with a measurement
 * a decimal number and units.  Returns the number of lines.
 */
static size_t assert_valid_calls(const char *text)
{
	size_t lines = 0;

	for (const char *p = text; *p; lines++) {
		const char *nl = strchr(p, '\n');
		char line[512], *tok, *save = NULL;

		assert_non_null(nl);
		assert_true((size_t)(nl - p) < sizeof(line));
		memcpy(line, p, (size_t)(nl - p));
		line[nl - p] = '\0';
		p = nl + 1;

		tok = strtok_r(line, " ", &save);
		assert_string_equal(tok, "lava-test-case");
		tok = strtok_r(NULL, " ", &save);
		assert_non_null(tok);
		assert_int_equal(strspn(tok, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					     "0123456789._-"), strlen(tok));
		tok = strtok_r(NULL, " ", &save);
		assert_string_equal(tok, "--result");
		tok = strtok_r(NULL, " ", &save);
		assert_true(!strcmp(tok, "pass") || !strcmp(tok, "fail") || !strcmp(tok, "skip"));
		tok = strtok_r(NULL, " ", &save);
		if (!tok)
			continue;
		assert_string_equal(tok, "--measurement");
		tok = strtok_r(NULL, " ", &save);
		assert_non_null(tok);
		assert_int_equal(strspn(tok, "-0123456789."), strlen(tok));
		tok = strtok_r(NULL, " ", &save);
		assert_string_equal(tok, "--units");
		tok = strtok_r(NULL, " ", &save);
		assert_non_null(tok);
		assert_null(strtok_r(NULL, " ", &save));
	}
	return lines;
}

/* The calls of two runs, both of which must have parsed. */
static char *render_two(json_object *runs[2])
{
	char *text;

	assert_non_null(runs[0]);
	assert_non_null(runs[1]);
	text = mmt_lava_render(runs, 2);
	assert_non_null(text);
	return text;
}

static void test_one_run(void **state)
{
	json_object *run = json_object_from_file(DATA "/run1/run.json");
	char *text;

	(void)state;
	assert_non_null(run);
	text = mmt_lava_render(&run, 1);
	assert_non_null(text);
	/* 8 checks, faults/s, rebinds/s, OOM kills and the 4 verdict counts. */
	assert_int_equal(assert_valid_calls(text), 8 + 3 + 4);
	assert_non_null(strstr(text, "lava-test-case fixture.no_unexpected_OOM_kill --result fail\n"));
	assert_non_null(strstr(text, "lava-test-case fixture.no_stall --result fail\n"));
	assert_non_null(strstr(text, "lava-test-case fixture.no_kernel_BUG_WARNING --result pass\n"));
	assert_non_null(strstr(text, "lava-test-case fixture.no_corruption --result fail\n"));
	assert_non_null(strstr(text, "lava-test-case fixture.harness_ok --result pass\n"));
	/* 50000 + 100000 pages/s; 800 + 800 rebinds in 8 s; 2 kills, 1 spurious. */
	assert_non_null(strstr(text, "lava-test-case fixture.faults_per_s --result pass "
				     "--measurement 150000 --units pages/s\n"));
	assert_non_null(strstr(text, "lava-test-case fixture.rebinds_per_s --result pass "
				     "--measurement 200 --units rebinds/s\n"));
	assert_non_null(strstr(text, "lava-test-case fixture.oom_kills --result pass "
				     "--measurement 2 --units kills\n"));
	assert_non_null(strstr(text, "lava-test-case fixture.oom_spurious --result pass "
				     "--measurement 1 --units kills\n"));
	free(text);
	json_object_put(run);
}

/* The same job twice: <job>.1. and <job>.2., each with its own results. */
static void test_repeated_job(void **state)
{
	json_object *runs[2] = { json_object_from_file(DATA "/run1/run.json"),
				 json_object_from_file(DATA "/run2/run.json") };
	char *text = render_two(runs);

	(void)state;
	assert_int_equal(assert_valid_calls(text), 2 * (8 + 3 + 4));
	assert_non_null(strstr(text, "lava-test-case fixture.1.no_unexpected_OOM_kill --result fail\n"));
	assert_non_null(strstr(text, "lava-test-case fixture.2.no_unexpected_OOM_kill --result pass\n"));
	assert_non_null(strstr(text, "lava-test-case fixture.2.oom_expected --result pass "
				     "--measurement 1 --units kills\n"));
	assert_int_equal(count(text, "lava-test-case fixture.1."), 15);
	assert_int_equal(count(text, "lava-test-case fixture.2."), 15);
	assert_null(strstr(text, "lava-test-case fixture.no_"));
	free(text);
	json_object_put(runs[0]);
	json_object_put(runs[1]);
}

/* CONF skips, BROK fails; odd job names are made valid (each byte of a
 * UTF-8 character becomes one _). */
static void test_conf_brok_names(void **state)
{
	json_object *runs[2] = {
		json_tokener_parse("{\"job\":{\"name\":\"my job/v2 (\\u00e9t\\u00e9)\"},"
				   "\"verdict\":{\"verdict\":\"CONF\",\"exit_code\":125,"
				   "\"reasons\":[{\"level\":\"CONF\",\"finding\":\"missing\","
				   "\"text\":\"no NUMA\"}],\"counts\":{\"missing\":1}}}"),
		json_tokener_parse("{\"job\":{\"name\":\"b\"},\"elapsed_s\":0,"
				   "\"verdict\":{\"verdict\":\"BROK\",\"exit_code\":125,"
				   "\"reasons\":[{\"level\":\"BROK\",\"finding\":\"harness\","
				   "\"text\":\"no cgroup\"}],\"counts\":{\"harness\":1}}}"),
	};
	char *text = render_two(runs);

	(void)state;
	/* No cells, no counts: faults/s and OOM kills only (0); no rebind
	 * rate without an elapsed time. */
	assert_int_equal(assert_valid_calls(text), 2 * (8 + 2));
	assert_non_null(strstr(text, "lava-test-case my_job_v2____t___.requirements_met "
				     "--result skip\n"));
	assert_non_null(strstr(text, "lava-test-case my_job_v2____t___.no_stall --result skip\n"));
	assert_non_null(strstr(text, "lava-test-case b.harness_ok --result fail\n"));
	assert_non_null(strstr(text, "lava-test-case b.no_stall --result pass\n"));
	assert_null(strstr(text, "rebinds_per_s"));
	free(text);
	json_object_put(runs[0]);
	json_object_put(runs[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_run),
		cmocka_unit_test(test_repeated_job),
		cmocka_unit_test(test_conf_brok_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

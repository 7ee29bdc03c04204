/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MMT_RESULTS_LAVA_H
#define MMT_RESULTS_LAVA_H

#include <stddef.h>

#include <json-c/json.h>

/*
 * LAVA results of finished runs: the lava-test-case calls that a LAVA test
 * definition runs (contrib/lava/mmtorture.yaml), one per line, for sh.
 * The helper is lava-dispatcher's lava_test_shell/lava-test-case; it makes
 * a directory of the name, so names keep to [A-Za-z0-9._-] (no spaces, no
 * '/'), and LAVA takes --result pass|fail|skip|unknown.  Per run:
 *
 *	lava-test-case <job>.<check> --result pass|fail|skip
 *		one per check (results.h), in KTAP order; OK pass, FAIL fail,
 *		ERROR (BROK) fail, SKIP (CONF) skip
 *	lava-test-case <job>.faults_per_s --result pass --measurement X --units pages/s
 *		the cells' pages_per_s summed
 *	lava-test-case <job>.rebinds_per_s --result pass --measurement X --units rebinds/s
 *		the cells' rebinds over elapsed_s
 *	lava-test-case <job>.oom_kills --result pass --measurement N --units kills
 *		the cells' oom_kills summed; then oom_expected, oom_spurious,
 *		oom_unexpected and oom_foreign from verdict.counts, when there
 *
 * <job> is the job name sanitised ('_' for any other character); a job
 * that occurs more than once among runs is "<job>.<k>" for its k-th run
 * (from 1), as in mmt_ktap_render_runs().  A run without a verdict has
 * every check fail (harness_ok says why in KTAP).  Returns a malloc()ed
 * string, NULL when out of memory.
 */
char *mmt_lava_render(json_object *const *runs, size_t nr);

#endif

#!/bin/sh
# `mmtorture export --kcidb` of the unit tests' fixture runs: KCIDB v5 with
# one checkout and one build per run, one test per check with path
# mmtorture.<job>.<check>, the check's status, the run's duration and
# figures.  kcidb-schema.sh validates the same output against the schema.
. "$MMT_SRCDIR/tests/integration/lib.sh"
need_tools jq
mk_results
set --
for c in pass fail brok conf; do
	mkdir -p "$RESULTS/$c"
	# fail and conf share a run id in the fixtures; real runs never do
	jq --arg c "$c" 'if $c == "conf" then .id += "-1" else . end' \
		"$MMT_TESTDATA/results/$c.run.json" >"$RESULTS/$c/run.json"
	set -- "$@" "$RESULTS/$c"
done
"$MMT" export --kcidb -o "$RESULTS/kcidb.json" "$@" || fail "export --kcidb failed"
k="$RESULTS/kcidb.json"
q() { jq -e "$1" "$k" >/dev/null || fail "kcidb: $2"; }
q '.version.major == 5' "version.major is not 5"
q '(.checkouts | length) == 4 and (.builds | length) == 4' "not one checkout and one build per run"
q '(.tests | length) == 32' "not 8 tests per run"
q '[.checkouts[], .builds[], .tests[]] | all(.origin == "mmtorture" and (.id | startswith("mmtorture:")))' "origin or id prefix wrong"
q '[.tests[].id] | unique | length == 32' "test ids are not unique"
q '[.builds[] | .checkout_id] == [.checkouts[].id]' "a build is not linked to its run's checkout"
q '[.tests[].path] | all(test("^mmtorture\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$"))' "a path is not mmtorture.<job>.<check>"
q '[.tests[].status] | all(. == "PASS" or . == "FAIL" or . == "ERROR" or . == "SKIP")' "a status outside PASS/FAIL/ERROR/SKIP"
q '.tests[] | select(.id == "mmtorture:20261122T005313Z-cpuset-rebind:2") | .status' "no test 2 of the FAIL run"
q '[.tests[] | select(.path == "mmtorture.cpuset-rebind.no_stall")] | map(.status) | sort == ["FAIL", "SKIP"]' \
	"no_stall is not FAIL in the FAIL run and SKIP in the CONF run"
q '[.tests[] | select(.path == "mmtorture.cpuset-rebind.no_kernel_BUG_WARNING" and .status == "FAIL")] | .[0].log_excerpt | test("kernel_warn")' \
	"the WARNING's reason is not the log excerpt"
q '[.tests[] | select(.path == "mmtorture.memcg-oom.harness_ok")] | .[0].status == "ERROR"' "BROK run's harness check is not ERROR"
q '[.tests[] | select(.path | startswith("mmtorture.default."))] | all(.status == "PASS")' "PASS run has a non-PASS test"
q '.tests | all(.duration == 30.012 and .start_time == "2026-11-22T00:53:13Z")' "duration or start_time is not the run's"
q '.tests | all(.misc | has("faults_per_s") and has("rebinds") and has("oom_kills") and has("verdict"))' "figures missing from misc"
q '.builds | all(.architecture == "x86_64" and .misc.kernel_release == "6.1.0-lab" and .misc.kernel_cmdline == "console=ttyS0 numa=fake=4")' \
	"a build does not describe the kernel from run.json"
# A run directory without run.json is a usage error (128), nothing written.
mkdir "$RESULTS/empty"
rc=0
"$MMT" export --kcidb -o "$RESULTS/k2.json" "$RESULTS/empty" 2>/dev/null || rc=$?
[ $rc -eq 128 ] || fail "export of a directory without run.json exited $rc, expected 128"
[ ! -e "$RESULTS/k2.json" ] || fail "export wrote a file despite the error"
exit 0

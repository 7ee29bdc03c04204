#!/bin/sh
# KTAP as LAVA and KernelCI take it: test names keep to [A-Za-z0-9._-], a
# run's result line per check, and several runs (`export --ktap` of the unit
# tests' fixtures; as root also a real `run --repeat 2 --ktap`) make one
# document with one subtest per run.  ktap-kunit.sh has the kernel's own
# parser read the same documents.
. "$MMT_SRCDIR/tests/integration/lib.sh"
mk_results
fix="$MMT_TESTDATA/results"
for c in pass fail brok conf; do
	mkdir -p "$RESULTS/$c"
	cp "$fix/$c.run.json" "$RESULTS/$c/run.json"
done

# Names: no spaces, no '/' (lava-test-case refuses them).
for f in "$fix"/*.ktap; do
	bad=$(grep -E '^ *(not )?ok [0-9]+ ' "$f" | sed -E 's/^ *(not )?ok [0-9]+ //; s/ # .*//' |
		grep -vE '^[A-Za-z0-9._-]+$' || true)
	[ -z "$bad" ] || fail "$(basename "$f"): test names outside [A-Za-z0-9._-]: $bad"
done
grep -qx 'not ok 4 no_kernel_BUG_WARNING' "$fix/fail.ktap" || fail "fail.ktap: the BUG/WARNING check is not no_kernel_BUG_WARNING"

# One run exported is the run's own result.ktap.
"$MMT" export --ktap "$RESULTS/fail" >"$RESULTS/one.ktap" || fail "export --ktap of one run failed"
cmp -s "$RESULTS/one.ktap" "$fix/fail.ktap" || fail "export --ktap of one run differs from its result.ktap"

# Several: one document, a subtest per run, results in order.
"$MMT" export --ktap "$RESULTS/pass" "$RESULTS/fail" "$RESULTS/brok" "$RESULTS/conf" >"$RESULTS/all.ktap" ||
	fail "export --ktap of four runs failed"
k="$RESULTS/all.ktap"
[ "$(head -n 2 "$k")" = "KTAP version 1
1..4" ] || fail "combined KTAP does not start with its header and a plan of 4"
[ "$(grep -c '^    KTAP version 1$' "$k")" = 4 ] || fail "combined KTAP has not 4 subtests"
[ "$(grep -c '^    1\.\.8$' "$k")" = 4 ] || fail "a subtest's plan is not 1..8"
grep -qx '    # Subtest: default' "$k" || fail "no subtest named after job default"
grep -qx 'ok 1 default' "$k" || fail "PASS run is not 'ok 1 default'"
# fail and conf are both runs of job cpuset-rebind: numbered apart
grep -qx 'not ok 2 cpuset-rebind.1' "$k" || fail "FAIL run is not 'not ok 2 cpuset-rebind.1'"
grep -q '^not ok 3 memcg-oom # ERROR ' "$k" || fail "BROK run is not 'not ok 3 memcg-oom # ERROR ...'"
grep -q '^ok 4 cpuset-rebind.2 # SKIP needs 2 NUMA nodes' "$k" || fail "CONF run is not 'ok 4 ... # SKIP reason'"
grep -qx '# Totals: pass:1 fail:1 xfail:0 xpass:0 skip:1 error:1' "$k" || fail "combined totals wrong"
cp "$k" "$RESULTS/combined-fixtures.ktap"

if [ "$(id -u)" = 0 ] && command -v jq >/dev/null && command -v flock >/dev/null; then
	serialize
	"$MMT" run -t 1s --repeat 2 --ktap --results "$RESULTS/runs" >"$RESULTS/console" 2>"$RESULTS/err" ||
		{ cat "$RESULTS/err" >&2; fail "run --repeat 2 --ktap failed"; }
	sed -n '/^KTAP version 1$/,$p' "$RESULTS/console" >"$RESULTS/console.ktap"
	[ "$(sed -n 2p "$RESULTS/console.ktap")" = 1..2 ] || fail "console KTAP of --repeat 2 has no plan of 2"
	grep -qx 'ok 1 default.1' "$RESULTS/console.ktap" || fail "console KTAP lacks 'ok 1 default.1'"
	grep -qx 'ok 2 default.2' "$RESULTS/console.ktap" || fail "console KTAP lacks 'ok 2 default.2'"
	f=$(find "$RESULTS/runs" -maxdepth 1 -name 'combined-*.ktap')
	[ -n "$f" ] || fail "no combined-*.ktap beside the runs"
	cmp -s "$f" "$RESULTS/console.ktap" || fail "the console KTAP differs from $f"
	# Piped, the KTAP comes without asking; --no-ktap keeps stdout to the verdict lines.
	"$MMT" run -t 1s --no-ktap --results "$RESULTS/runs2" >"$RESULTS/console2" 2>/dev/null ||
		fail "run --no-ktap failed"
	grep -q '^KTAP' "$RESULTS/console2" && fail "--no-ktap printed KTAP"
	"$MMT" run -t 1s --results "$RESULTS/runs3" >"$RESULTS/console3" 2>/dev/null ||
		fail "piped run failed"
	grep -qx 'KTAP version 1' "$RESULTS/console3" || fail "a piped run printed no KTAP"
	assert_no_leftovers
fi
exit 0

#!/bin/sh
# The default job passes on this machine: workers fault pages, the rebinder
# rewrites cpusets, and afterwards no mmtorture cgroup remains.
. "$MMT_SRCDIR/tests/integration/lib.sh"
need_root
need_tools jq flock
serialize
mk_results

"$MMT" run -t 20 --seed 42 --results "$RESULTS"
rc=$?
d=$(run_dir)
[ $rc -eq 0 ] || { cat "$d/run.json" >&2; fail "default job exited $rc, expected 0 (PASS)"; }
[ "$(jq_run .verdict.verdict "$d")" = PASS ] || fail "verdict is not PASS"
[ "$(jq_run .seed "$d")" = 42 ] || fail "seed 42 not recorded"
pages=$(jq_run '[.cells[].pages] | add' "$d")
[ "$pages" -gt 0 ] || fail "no pages faulted ($pages)"
rebinds=$(jq_run '[.cells[].rebinds] | add' "$d")
[ "$rebinds" -gt 0 ] || fail "no rebinds ($rebinds)"
writes=$(jq_run '.injectors.rebind.writes' "$d")
[ "$writes" -gt 0 ] || fail "rebinder reports $writes writes"
if [ "$(jq_run '.topology.mem_nodes' "$d" | tr -cd ',-' | wc -c)" -eq 0 ]; then
	[ "$(jq_run '.facts.mems_race_exercised' "$d")" = false ] ||
		fail "one memory node, but run.json does not say the mems race was not exercised"
fi
rows=$(wc -l <"$d/samples.csv")
[ "$rows" -ge 10 ] || fail "samples.csv has $rows lines for a 20 s run"
assert_events_valid "$d"
for f in run.json events.jsonl samples.csv kmsg.log journal result.ktap junit.xml; do
	[ -e "$d/$f" ] || fail "$f missing from the run directory"
done
grep -q '^KTAP version 1' "$d/result.ktap" || fail "result.ktap is not KTAP"
note "pages=$pages rebinds=$rebinds pages/s=$(jq_run '[.cells[].pages_per_s] | add' "$d") rebinds/s=$(jq_run '.injectors.rebind.rate_per_s' "$d")"
assert_no_leftovers
exit 0

#!/bin/sh
# The rebinder (issue 10): one writer stream per cell (streams = cell), each
# cell's writes and rate in run.json (injectors.<name>.per_cell), its
# exposure (rewrites/s; slow-path entries/s and the stall fraction when the
# kernel has the counters and PSI), the job-level exposure (run.json
# "exposure"), and the report's exposure table.  On a one-node machine the
# rebinder alternates cpuset.cpus: the figures are there all the same.
. "$MMT_SRCDIR/tests/integration/lib.sh"
need_root
need_tools jq flock
serialize
mk_results

cat >"$RESULTS/rebind-exposure.ini" <<'INI'
[global]
description = two bound cells, one rebind stream each
duration = 4s
expect_oom = none

[cell:a]
workload = fault
threads = 1
size = 4M

[cell:b]
workload = fault
threads = 1
size = 4M
policy_api = set_mempolicy

[rebind]
rate = 200
INI

mmt_run "$RESULTS/rebind-exposure.ini" -t 4 --seed 7 --results "$RESULTS"
d=$(run_dir)
[ "$RC" -eq 0 ] || { cat "$d/run.json" >&2; fail "job exited $RC, expected 0 (PASS)"; }
[ "$(jq_run '.injectors.rebind.streams' "$d")" = cell ] || fail "streams is not 'cell'"
total=$(jq_run '.injectors.rebind.writes' "$d")
sum=0
for c in a b; do
	w=$(jq_run ".injectors.rebind.per_cell.$c.writes" "$d")
	[ -n "$w" ] && [ "$w" -gt 0 ] || fail "cell $c: no writes in per_cell ($w)"
	r=$(jq_run ".injectors.rebind.per_cell.$c.exposure.rewrites_per_s" "$d")
	[ "$(jq -n "$r > 0")" = true ] || fail "cell $c: rewrites_per_s is $r"
	sum=$((sum + w))
	note "$c: writes=$w rewrites/s=$r"
done
[ "$sum" -eq "$total" ] || fail "per-cell writes sum to $sum, the injector counted $total"
# rate = 200 per cell: never above it, whatever the machine gives
for c in a b; do
	r=$(jq_run ".injectors.rebind.per_cell.$c.rate_per_s" "$d")
	[ "$(jq -n "$r <= 210")" = true ] || fail "cell $c: $r writes/s over a rate of 200"
done
if [ -r /proc/pressure/memory ]; then
	f=$(jq_run '.exposure.stall_fraction' "$d")
	[ "$f" != null ] || fail "PSI is readable but the job's stall_fraction is null"
	[ "$(jq -n "$f >= 0 and $f <= 1")" = true ] || fail "stall_fraction $f outside 0..1"
	[ "$(jq_run '.exposure.windows_per_s' "$d")" != null ] || fail "no windows_per_s"
fi
[ "$(jq_run '.exposure.cells | length' "$d")" -eq 2 ] || fail "run.json exposure lacks the cells"
"$MMT" report "$d" >/dev/null || fail "report failed"
grep -q 'id=exposure' "$d/report.html" || fail "the report has no exposure section"
assert_no_leftovers
exit 0

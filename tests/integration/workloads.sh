#!/bin/sh
# The thp-fault and migrate workloads run under the rebinder: the job
# passes, both cells make progress, and no mmtorture cgroup remains.
. "$MMT_SRCDIR/tests/integration/lib.sh"
need_root
need_tools jq flock
serialize
mk_results

cat >"$RESULTS/workloads.ini" <<'INI'
[global]
description = thp_fault and migrate cells under the rebinder
duration = 8s

[cell:thp]
workload = thp-fault
threads = 1
size = 32M

[cell:mig]
workload = migrate
threads = 1
size = 32M

[rebind]
INI

mmt_run "$RESULTS/workloads.ini" -t 8 --seed 7 --results "$RESULTS"
d=$(run_dir)
[ "$RC" -eq 0 ] || { cat "$d/run.json" >&2; fail "job exited $RC, expected 0 (PASS)"; }
[ "$(jq_run .verdict.verdict "$d")" = PASS ] || fail "verdict is not PASS"
for c in thp mig; do
	pages=$(jq_run ".cells[] | select(.name == \"$c\") | .pages" "$d")
	[ -n "$pages" ] && [ "$pages" -gt 0 ] || fail "cell $c made no progress (pages=$pages)"
	note "$c: pages=$pages pages/s=$(jq_run ".cells[] | select(.name == \"$c\") | .pages_per_s" "$d")"
done
[ "$(jq_run '.cells[] | select(.name == "mig") | .workload_options.nodes' "$d")" -ge 1 ] ||
	fail "migrate does not describe its node count"
[ -n "$(jq_run '.cells[] | select(.name == "thp") | .workload_options.thp_enabled' "$d")" ] ||
	fail "thp_fault does not describe the THP mode"
assert_no_leftovers
exit 0

#!/bin/sh
# The rebind oracle (issue 16).  policy-semantics walks cpuset.mems through
# 0-3;1;0;0-1;2-3: with fewer than 4 memory nodes the mems cannot change,
# the oracle has nothing to check, and the job is CONF with that reason;
# with 4 it must PASS having checked every cell (the lab VM's case,
# tests/vm/run).  cpuset-rebind runs the oracle on its fault cells and
# reports its figures per cell in run.json either way.
. "$MMT_SRCDIR/tests/integration/lib.sh"
need_root
need_tools jq flock
serialize
mk_results

nodes=$(ls -d /sys/devices/system/node/node[0-9]* 2>/dev/null | wc -l)
mmt_run "$MMT_JOBS/policy-semantics.ini" -t 5 --results "$RESULTS/ps" --no-ktap
d=$(find "$RESULTS/ps" -mindepth 1 -maxdepth 1 -type d | head -n 1)
[ -f "$d/run.json" ] || fail "policy-semantics: no run.json"
v=$(jq_run .verdict.verdict "$d")
if [ "$nodes" -lt 4 ]; then
	[ "$RC" -eq 125 ] || fail "policy-semantics on $nodes node(s) exited $RC, expected 125 (CONF)"
	[ "$v" = CONF ] || fail "policy-semantics on $nodes node(s): verdict $v, expected CONF"
	jq -e '[.verdict.reasons[] | select(.finding == "missing" and
		(.text | test("injector rebind: .*sequence item 1 .0-3. names memory nodes this machine lacks")))]
		| length == 1' "$d/run.json" >/dev/null ||
		fail "the CONF reason does not say that the mems sequence needs nodes this machine lacks"
	[ "$(jq_run '[.verdict.reasons[] | select(.level == "FAIL" or .level == "BROK")] | length' "$d")" = 0 ] ||
		fail "policy-semantics: a FAIL or BROK reason on a one-node host"
else
	[ "$RC" -eq 0 ] || fail "policy-semantics on $nodes nodes exited $RC, expected 0 (PASS)"
	[ "$(jq_run '[.cells[] | select(.oracle.checks > 0 and .oracle.placement_pages > 0)] | length' "$d")" = 6 ] ||
		fail "policy-semantics: not every cell was checked by the oracle"
fi

mmt_run "$MMT_JOBS/cpuset-rebind.ini" -t 3 --results "$RESULTS/cr" --no-ktap
d=$(find "$RESULTS/cr" -mindepth 1 -maxdepth 1 -type d | head -n 1)
[ "$RC" -eq 0 ] || fail "cpuset-rebind exited $RC, expected 0 (PASS)"
[ "$(jq_run '[.cells[] | select(.workload == "fault" and .workload_options.oracle and .oracle)] | length' "$d")" = 6 ] ||
	fail "cpuset-rebind: the six fault cells do not all report oracle figures"
[ "$(jq_run '[.cells[] | select(.workload != "fault" and .oracle)] | length' "$d")" = 0 ] ||
	fail "cpuset-rebind: a cell without the oracle reports oracle figures"
[ "$(jq_run '[.cells[].oracle.policy_drift // 0] | add' "$d")" = 0 ] ||
	fail "cpuset-rebind: policy_drift counted"
if [ "$nodes" -lt 2 ]; then
	# The cpus fallback publishes no mems rewrite: nothing was judged.
	[ "$(jq_run '[.cells[].oracle.rewrites_published // 0] | add' "$d")" = 0 ] ||
		fail "cpuset-rebind on one node: mems rewrites were published"
	[ "$(jq_run '[.cells[].oracle.checks // 0] | add' "$d")" = 0 ] ||
		fail "cpuset-rebind on one node: the oracle judged something"
fi
assert_no_leftovers
exit 0

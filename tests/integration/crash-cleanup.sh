#!/bin/sh
# kill -9 of the orchestrator mid-run, then `mmtorture cleanup RUNDIR`,
# leaves nothing behind: no cgroup, no worker.
. "$MMT_SRCDIR/tests/integration/lib.sh"
need_root
need_tools jq flock
serialize
mk_results

"$MMT" run -t 60 --results "$RESULTS" &
orch=$!
wait_event worker_start 20 || { kill $orch; fail "workers did not start"; }
sleep 2
d=$(run_dir)
[ -n "$(leftover_cgroups)" ] || fail "no mmtorture cgroup exists mid-run (nothing to test)"
workers=$(jq -r 'select(.type == "worker_start") | .pid' "$d/events.jsonl")
kill -KILL $orch
wait $orch 2>/dev/null
note "orchestrator $orch killed; cgroups: $(leftover_cgroups | tr '\n' ' ')"
"$MMT" cleanup "$d" || fail "cleanup exited $?"
assert_no_leftovers
for w in $workers; do
	wait_gone "$w" 10 || fail "worker $w survived"
done
# A second cleanup is a no-op and still succeeds (idempotent).
"$MMT" cleanup "$d" || fail "second cleanup exited $?"
exit 0

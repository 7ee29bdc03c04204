#!/bin/sh
# A worker killed from outside with SIGKILL is a lost worker, not an OOM
# kill: the verdict is BROK and the exit code 125.
. "$MMT_SRCDIR/tests/integration/lib.sh"
need_root
need_tools jq flock
serialize
mk_results

"$MMT" run -t 25 --results "$RESULTS" &
orch=$!
wait_event worker_start 20 || { kill $orch; fail "workers did not start"; }
sleep 2
ev=$(find "$RESULTS" -name events.jsonl | head -n 1)
victim=$(jq -r 'select(.type == "worker_start") | .pid' "$ev" | head -n 1)
kill -KILL "$victim" || fail "cannot kill worker $victim"
note "killed worker $victim"
wait $orch
rc=$?
d=$(run_dir)
[ $rc -eq 125 ] || fail "exit code $rc, expected 125"
[ "$(jq_run .verdict.verdict "$d")" = BROK ] || fail "verdict $(jq_run .verdict.verdict "$d"), expected BROK"
has_event "$d/events.jsonl" ".type == \"worker_lost\" and .pid == $victim" ||
	fail "no worker_lost event for $victim"
has_event "$d/events.jsonl" ".type == \"oom_kill\" and .pid == $victim" && fail "the kill was taken for an OOM kill"
assert_no_leftovers
exit 0

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
killed_ns=$(date +%s%N)
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
# The event says when the worker died, not when the harness decided it was
# no OOM kill (that waits for a report that never comes): within 100 ms.
when=$(jq -r "select(.type == \"worker_lost\" and .pid == $victim) | .time" "$d/events.jsonl" | head -n 1)
lost_ns=$(date -d "$when" +%s%N) || fail "worker_lost has no readable time: $when"
delta_ms=$(( (lost_ns - killed_ns) / 1000000 ))
note "worker_lost stamped ${delta_ms} ms after the kill"
[ "$delta_ms" -ge -5 ] && [ "$delta_ms" -le 100 ] ||
	fail "worker_lost stamped ${delta_ms} ms after the kill (want 0..100)"
has_event "$d/events.jsonl" ".type == \"worker_lost\" and .recorded_t_us >= .t_us" ||
	fail "worker_lost recorded before it happened"
assert_no_leftovers
exit 0

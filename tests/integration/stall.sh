#!/bin/sh
# A worker stopped with SIGSTOP beyond the stall threshold is a stall: the
# event carries the evidence file (stack, wchan, status), the worker is then
# killed (SIGTERM, SIGKILL), and the verdict is FAIL (exit 1).
. "$MMT_SRCDIR/tests/integration/lib.sh"
need_root
need_tools jq flock
serialize
mk_results
job="$RESULTS/stall.ini"
cat >"$job" <<'JOB'
[global]
description = stall test
duration = 20s
stall_threshold = 3s
stop_timeout = 2s
psi_trigger =

[cell:victim]
workload = fault
threads = 1
size = 16M
JOB
"$MMT" run "$job" --results "$RESULTS" &
orch=$!
wait_event worker_start 20 || { kill $orch; fail "worker did not start"; }
sleep 1
ev=$(find "$RESULTS" -name events.jsonl | head -n 1)
w=$(jq -r 'select(.type == "worker_start") | .pid' "$ev" | head -n 1)
kill -STOP "$w" || fail "cannot stop worker $w"
note "stopped worker $w"
wait $orch
rc=$?
d=$(run_dir)
[ $rc -eq 1 ] || fail "exit code $rc, expected 1 (FAIL)"
[ "$(jq_run .verdict.verdict "$d")" = FAIL ] || fail "verdict is not FAIL"
has_event "$d/events.jsonl" '.type == "stall" and .source == "watchdog" and .cell == "victim"' || fail "no watchdog stall event"
evid=$(jq -r 'select(.type == "stall") | .evidence' "$d/events.jsonl" | head -n 1)
[ -s "$d/$evid" ] || fail "evidence file $evid missing"
grep -q "^==> /proc/$w/task/.*/stack <==" "$d/$evid" || fail "no stack in the evidence"
grep -q "^State:" "$d/$evid" || fail "no status in the evidence"
stalled=$(jq -r 'select(.type == "stall") | .stalled_us' "$d/events.jsonl" | head -n 1)
[ "$stalled" -ge 3000000 ] || fail "stall reported after $stalled us, below the 3 s threshold"
wait_gone "$w" 5 || fail "stalled worker $w is still alive"
has_event "$d/events.jsonl" '.type == "unkillable"' && fail "a stopped task is killable"
has_event "$d/events.jsonl" '.type == "worker_lost"' && fail "watchdog kill taken for a lost worker"
# The kernel log tells which run was live and what it found (issue 9): the
# run's marks are in its own kmsg.log, and parse-kmsg reads them back.
id=$(jq_run .id "$d")
grep -q "mmtorture: $id start job stall" "$d/kmsg.log" || fail "no start mark of $id in the kernel log"
grep -q "mmtorture: $id FAIL stall: cell victim" "$d/kmsg.log" || fail "no FAIL mark of $id in the kernel log"
"$MMT" parse-kmsg "$d/kmsg.log" >"$RESULTS/parsed.jsonl" || fail "parse-kmsg of the run's kmsg.log failed"
has_event "$RESULTS/parsed.jsonl" ".type == \"mark\" and .run_id == \"$id\" and (.text | startswith(\"FAIL stall\"))" ||
	fail "parse-kmsg does not give the run's FAIL mark"
assert_no_leftovers
exit 0

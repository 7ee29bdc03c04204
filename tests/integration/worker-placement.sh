#!/bin/sh
# A worker is in its cgroup and at its job's oom_score_adj before it
# touches memory (issue 14 item 3): the orchestrator places it before it
# lets it run, and the worker checks both (/proc/self/oom_score_adj,
# /proc/self/cgroup) before it allocates anything, saying so in a "note"
# event; a worker found elsewhere would give up with a worker_error.
. "$MMT_SRCDIR/tests/integration/lib.sh"
need_root
need_tools jq flock
serialize
mk_results

cat >"$RESULTS/place.ini" <<EOF
[global]
description = integration: worker placement
duration = 2s
oom_score_adj = 777

[cell:a]
workload = fault
threads = 1
size = 8M

[cell:b]
workload = fault
threads = 1
size = 8M
oom_score_adj = 345
EOF
mmt_run "$RESULTS/place.ini" --results "$RESULTS"
[ "$RC" -eq 0 ] || fail "run exited $RC"
d=$(run_dir)
id=$(basename "$d")
ev=$d/events.jsonl
has_event "$ev" '.type == "note" and .cell == "a" and .text == "placed: oom_score_adj 777, cgroup mmtorture-'"$id"'/a"' ||
	fail "cell a's worker did not report itself at oom_score_adj 777 in its cgroup"
has_event "$ev" '.type == "note" and .cell == "b" and .text == "placed: oom_score_adj 345, cgroup mmtorture-'"$id"'/b"' ||
	fail "cell b's worker did not report itself at oom_score_adj 345 in its cgroup"
has_event "$ev" '.type == "worker_error"' && fail "a worker gave up: $(grep worker_error "$ev")"
exit 0

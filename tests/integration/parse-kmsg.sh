#!/bin/sh
# `mmtorture parse-kmsg` on the saved kmsg.log of a run reproduces the run's
# kernel events: the same OOM kills, with the same victims.
. "$MMT_SRCDIR/tests/integration/lib.sh"
need_root
need_tools jq flock
serialize
mk_results

"$MMT" run "$MMT_JOBS/memcg-oom.ini" -t 8 --results "$RESULTS" >/dev/null
d=$(run_dir)
live=$(jq -c 'select(.type == "oom_kill" and .kmsg_seq != null) | .pid' "$d/events.jsonl" | sort -n | tr '\n' ' ')
[ -n "$live" ] || fail "the run recorded no OOM kill from the kernel log"
"$MMT" parse-kmsg "$d/kmsg.log" >"$RESULTS/parsed.jsonl" || fail "parse-kmsg exited $?"
post=$(jq -c 'select(.type == "oom_kill") | .pid' "$RESULTS/parsed.jsonl" | sort -n | tr '\n' ' ')
[ "$live" = "$post" ] || fail "live oom_kill pids [$live] != parsed [$post]"
has_event "$RESULTS/parsed.jsonl" '.type == "oom_kill" and .constraint != "CONSTRAINT_MEMCG"' && fail "a parsed kill is not CONSTRAINT_MEMCG"
# The same log from standard input, as text.
"$MMT" parse-kmsg --text - <"$d/kmsg.log" | grep -q "oom_kill" || fail "--text from stdin shows no oom_kill"
note "kills: $live"
exit 0

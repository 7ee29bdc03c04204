#!/bin/sh
# bench_run: what the orchestrator costs and how fast it notices, measured
# on real runs (docs/design.md section 9).  Prints `ratio NAME VALUE FLOOR`:
#   monitor_idle_share     1 - the event loop's CPU share during a default run
#                          (the rebinder thread not counted)
#   stall_detect_timeliness  threshold / stall detection latency (SIGSTOP)
#   oom_event_timeliness   (reaper window + one sample) / worst latency from
#                          the kernel's kill timestamp to the oom_kill event
#   oom_event_p99_extra    5 ms / the p99, over >= 100 real memcg OOM kills, of
#                          (kernel record -> line in events.jsonl) minus
#                          (kernel record -> read by a bare poll loop on
#                          /dev/kmsg), kill by kill, side by side in one run
#   durable_loop_idle      1 - the event loop's CPU share during that run,
#                          with every critical event fdatasync'ed
# Needs root; exits 77 otherwise.  MMT: the binary (default BUILDDIR/mmtorture).
set -u
builddir=${1:-.}
MMT=${MMT:-$builddir/mmtorture}
srcdir=$(cd "$(dirname "$0")/.." && pwd)
export MMT_JOBDIR="$srcdir/jobs"
[ "$(id -u)" = 0 ] || { echo "bench_run: needs root" >&2; exit 77; }
command -v jq >/dev/null || { echo "bench_run: needs jq" >&2; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmtorture-bench-run.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

# 1. Event-loop CPU during a 10 s default run.
"$MMT" run -t 10 --results "$tmp/a" >/dev/null 2>&1 &
orch=$!
sleep 1
# schedstat: nanoseconds on CPU, far finer than the tick counts of stat.
t0=$(awk '{print $1}' "/proc/$orch/task/$orch/schedstat")
sleep 8
t1=$(awk '{print $1}' "/proc/$orch/task/$orch/schedstat")
wait $orch
share=$(echo "$t0 $t1" | awk '{printf "%.5f", ($2 - $1) / 1e9 / 8}')
echo "event loop: $share of one CPU over 8 s of a default run"
echo "ratio monitor_idle_share $(echo "$share" | awk '{printf "%.4f", 1 - $1}') 0.95"

# 2. Stall detection latency against a 3 s threshold.
cat >"$tmp/stall.ini" <<'JOB'
[global]
duration = 15s
stall_threshold = 3s
stop_timeout = 1s
psi_trigger =
[cell:s]
threads = 1
size = 8M
JOB
"$MMT" run "$tmp/stall.ini" --results "$tmp/b" >/dev/null 2>&1 &
orch=$!
sleep 2
w=$(jq -r 'select(.type == "worker_start") | .pid' "$tmp"/b/*/events.jsonl | head -n 1)
kill -STOP "$w"
wait $orch
lat=$(jq -r 'select(.type == "stall") | .stalled_us' "$tmp"/b/*/events.jsonl | head -n 1)
echo "stall detected after ${lat} us (threshold 3000000 us)"
echo "ratio stall_detect_timeliness $(echo "$lat" | awk '{printf "%.3f", 3000000 / $1}') 0.6"

# 3. OOM kill to event.
"$MMT" run memcg-oom -t 10 --results "$tmp/c" >/dev/null 2>&1
worst=$(jq -s '[.[] | select(.type == "oom_kill" and .latency_us != null) | .latency_us] | max // 0' \
	"$tmp"/c/*/events.jsonl)
n=$(jq -s '[.[] | select(.type == "oom_kill")] | length' "$tmp"/c/*/events.jsonl)
echo "oom_kill events: $n, worst kill-to-event latency ${worst} us (reaper window 5 s + 1 s sample)"
[ "$worst" -gt 0 ] || { echo "bench_run: no oom_kill latency measured" >&2; exit 1; }
echo "ratio oom_event_timeliness $(echo "$worst" | awk '{printf "%.3f", 6000000 / $1}') 1.0"

# 4. Kernel record -> events.jsonl line, against a bare /dev/kmsg poller,
#    kill by kill (the same kmsg seq), over >= 100 memcg OOM kills.
poll=$builddir/bench/kmsg_poll
if [ -x "$poll" ]; then
	secs=${BENCH_OOM_SECONDS:-120}
	"$poll" $((secs + 10)) >"$tmp/bare" &
	bare=$!
	"$MMT" run memcg-oom -t "${secs}s" --no-ktap --results "$tmp/d" >/dev/null 2>&1 &
	orch=$!
	sleep 2
	t0=$(awk '{print $1}' "/proc/$orch/task/$orch/schedstat" 2>/dev/null || echo 0)
	sleep $((secs - 4))
	t1=$(awk '{print $1}' "/proc/$orch/task/$orch/schedstat" 2>/dev/null || echo 0)
	wait $orch
	kill $bare 2>/dev/null
	wait $bare 2>/dev/null
	jq -r 'select(.type == "oom_kill" and .kmsg_seq != null) |
	       "\(.kmsg_seq) \(.recorded_t_us - .t_us)"' "$tmp"/d/*/events.jsonl >"$tmp/ours"
	# seq ours bare -> extra = ours - bare, per kill seen by both
	awk 'NR == FNR { bare[$1] = $2; next } ($1 in bare) { print $2 - bare[$1] }' \
		"$tmp/bare" "$tmp/ours" | sort -n >"$tmp/extra"
	n=$(wc -l <"$tmp/extra")
	pct() { awk -v p="$1" '{ v[NR] = $1 } END { i = int((NR - 1) * p + 0.5) + 1; print v[i] }' "$tmp/extra"; }
	if [ "$n" -gt 0 ]; then
		p50=$(pct 0.5) p99=$(pct 0.99) max=$(tail -n 1 "$tmp/extra")
		echo "kernel record -> events.jsonl, minus a bare /dev/kmsg poller, over $n kills: p50 ${p50} us, p99 ${p99} us, max ${max} us"
		[ "$n" -ge 100 ] || echo "note: fewer than 100 kills; raise BENCH_OOM_SECONDS"
		echo "ratio oom_event_p99_extra $(echo "$p99" | awk '{v = $1 < 1 ? 1 : $1; printf "%.3f", 5000 / v}') 1.0"
	fi
	share=$(echo "$t0 $t1 $secs" | awk '{printf "%.5f", ($2 - $1) / 1e9 / ($3 - 4)}')
	echo "event loop with fdatasync of critical events: $share of one CPU"
	echo "ratio durable_loop_idle $(echo "$share" | awk '{printf "%.4f", 1 - $1}') 0.99"
fi
exit 0

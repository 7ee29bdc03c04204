#!/bin/sh
# The swap injector on the real kernel (issue 4):
#  1. swap on a file and on zram while a cell overcommits its memcg limit:
#     the samples show pswpout > 0 during the run, and afterwards
#     /proc/swaps is exactly as before, with no zram device or swap file of
#     ours left;
#  2. kill -9 of the orchestrator mid-run with swap on a loop device and a
#     loop-backed writeback mount active, then `mmtorture cleanup RUNDIR`
#     leaves nothing: no swap area, loop device, mount, cgroup, and the
#     vm.dirty_* sysctls are back.
#  3. dm-backed swap: CONF naming what this kernel lacks (device-mapper or
#     the dm-delay target), as the kernel answers it.
. "$MMT_SRCDIR/tests/integration/lib.sh"
need_root
need_tools jq flock mkswap losetup awk
[ -r /proc/swaps ] || skip "kernel built without CONFIG_SWAP (no /proc/swaps)"
serialize
mk_results


# Sum of every samples.csv column whose name ends in $2 (empty cells = NaN).
col_sum() {
	awk -F, -v suf="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ (suf "$")) c[i] = 1; next }
		{ for (i in c) if ($i != "" && $i != "nan") s += $i }
		END { printf "%d\n", s + 0 }' "$1/samples.csv"
}

swaps_now() { tail -n +2 /proc/swaps | awk '{ print $1 }' | sort; }
our_loops() { losetup -a 2>/dev/null | grep mmtorture || true; }
our_mounts() { grep mmtorture /proc/mounts || true; }
zram_devs() { ls /sys/block | grep '^zram' | sort; }

have_zram=1
[ -e /sys/class/zram-control/hot_add ] || modprobe zram 2>/dev/null || true
[ -e /sys/class/zram-control/hot_add ] || have_zram=0

# ---- 1. file + zram swap under an overcommitted memcg -----------------------
swaps_before=$(swaps_now)
zram_before=$(zram_devs)
job=$RESULTS/swap.ini
cat >"$job" <<EOF
[global]
description = integration: swap on a file and zram under an overcommitted memcg
duration = 12s
sample_interval = 1s
expect_oom = memcg

[cell:over]
workload = hog
threads = 1
size = 192M
memory_max = 64M
respawn = 1

[swap:file]
backing = file
size = 256M
priority = 5
churn = 4s
EOF
if [ $have_zram = 1 ]; then
	cat >>"$job" <<EOF

[swap:zram]
backing = zram
size = 256M
priority = 10
EOF
else
	note "no zram here (no /sys/class/zram-control): file swap only"
fi
mmt_run "$job" --results "$RESULTS/one"
d=$(find "$RESULTS/one" -mindepth 1 -maxdepth 1 -type d | head -n 1)
[ -n "$d" ] || fail "no run directory (exit $RC)"
[ $RC -eq 0 ] || fail "swap run exited $RC: $(jq -c '.verdict.reasons' "$d/run.json")"
out=$(col_sum "$d" "_pswpout")
used=$(col_sum "$d" "_swap_used_kb")
note "pswpout during the run: $out pages; swap_used_kb summed: $used"
[ "$out" -gt 0 ] || fail "pswpout did not rise during the run"
[ "$used" -gt 0 ] || fail "none of our swap areas was ever used"
[ "$(jq -r '.injectors["swap:file"].set_up' "$d/run.json")" = true ] || fail "swap:file not set up"
[ "$(swaps_now)" = "$swaps_before" ] || fail "/proc/swaps differs after the run: $(cat /proc/swaps)"
[ "$(zram_devs)" = "$zram_before" ] || fail "zram devices left: $(zram_devs)"
left=$(find "$d" -name 'mmtorture-*-swap' 2>/dev/null)
[ -z "$left" ] || fail "swap files left: $left"
assert_no_leftovers

# ---- 2. kill -9 mid-run with swap on loop and a loop writeback mount -------
dirty_before=$(cat /proc/sys/vm/dirty_ratio /proc/sys/vm/dirty_bytes)
job=$RESULTS/crash.ini
cat >"$job" <<EOF
[global]
description = integration: kill -9 with swap on loop and loop writeback active
duration = 120s
sample_interval = 1s
expect_oom = memcg

[cell:over]
workload = hog
threads = 1
size = 128M
memory_max = 48M

[swap:loop]
backing = loop
size = 128M

[writeback]
target = loop
image_size = 256M
file_size = 128M
dirty_ratio = 35
EOF
while :; do
	"$MMT" run "$job" --results "$RESULTS/two" 2>"$RESULTS/stderr2" &
	orch=$!
	sleep 1
	if ! kill -0 $orch 2>/dev/null && grep -q "another mmtorture run holds" "$RESULTS/stderr2"; then
		sleep 5
		continue
	fi
	break
done
RESULTS_SAVE=$RESULTS
RESULTS=$RESULTS/two
ok=1
wait_event injector 30 || ok=0
# Both injectors are up once each has reported its start.
i=0
while [ $ok = 1 ] && [ $i -lt 300 ]; do
	ev=$(find "$RESULTS" -name events.jsonl | head -n 1)
	if [ -n "$ev" ] && grep -q '"phase":"swapon"' "$ev" && grep -q '"phase":"dirtier_start"' "$ev"; then
		break
	fi
	sleep 0.1
	i=$((i + 1))
done
[ $i -lt 300 ] || ok=0
if [ $ok = 0 ]; then
	kill $orch 2>/dev/null
	wait $orch
	cat "$RESULTS_SAVE/stderr2" >&2
	fail "swap on loop and the writeback mount did not come up"
fi
# Kill only once the cell has pages in our swap area: cleanup must then
# get rid of the workers before swapoff can succeed.
i=0
while [ $i -lt 200 ]; do
	used=$(awk '$1 ~ /^\/dev\/loop/ && $4 > 0 { print $4 }' /proc/swaps | head -n 1)
	[ -n "$used" ] && break
	sleep 0.1
	i=$((i + 1))
done
[ -n "$used" ] || note "our swap area stayed empty: the kill comes without swapped pages"
d=$(run_dir)
RESULTS=$RESULTS_SAVE
[ -n "$(our_loops)" ] || fail "no loop device of ours mid-run (nothing to test)"
[ "$(swaps_now)" != "$swaps_before" ] || fail "no swap area of ours mid-run (nothing to test)"
[ -n "$(our_mounts)" ] || fail "no mount of ours mid-run (nothing to test)"
kill -KILL $orch
wait $orch 2>/dev/null
note "orchestrator killed with: $(our_loops | tr '\n' ' ')"
"$MMT" cleanup "$d" || fail "cleanup exited $?"
[ "$(swaps_now)" = "$swaps_before" ] || fail "/proc/swaps after cleanup: $(cat /proc/swaps)"
[ -z "$(our_loops)" ] || fail "loop devices left: $(our_loops)"
[ -z "$(our_mounts)" ] || fail "mounts left: $(our_mounts)"
[ "$(cat /proc/sys/vm/dirty_ratio /proc/sys/vm/dirty_bytes)" = "$dirty_before" ] ||
	fail "vm.dirty_ratio/bytes not restored"
assert_no_leftovers
"$MMT" cleanup "$d" || fail "second cleanup exited $?"

# ---- 3. dm-backed swap: CONF where the kernel lacks device-mapper or dm-delay -
missing=$(dm_missing delay)
if [ -n "$missing" ]; then
	job=$RESULTS/dm.ini
	cat >"$job" <<EOF
[global]
duration = 5s
[cell:a]
workload = fault
threads = 1
size = 8M
[swap]
backing = dm
EOF
	mmt_run "$job" --results "$RESULTS/three"
	[ $RC -eq 125 ] || fail "swap backing=dm without $missing exited $RC, want 125 (CONF)"
	d=$(find "$RESULTS/three" -mindepth 1 -maxdepth 1 -type d | head -n 1)
	why=$(jq -r '.verdict.reasons[].text' "$d/run.json")
	note "dm: $why"
	echo "$why" | grep -q "no $missing" || fail "CONF without the reason (no $missing): $why"
	[ "$(jq -r '.verdict.verdict' "$d/run.json")" = CONF ] || fail "verdict is not CONF"
else
	note "this kernel has device-mapper and dm-delay: dm swap runs in the lab VM tests"
fi
exit 0

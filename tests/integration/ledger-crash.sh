#!/bin/sh
# A changed setting survives no number of crashed runs (issue 14 item 2):
# run A sets vm.dirty_bytes and THP's `enabled` and is killed -9; run B
# refuses to start over A's unreplayed journal (exit 129, naming it), then
# starts with --allow-stale, sets both again to other values and is killed
# -9; `cleanup` of A leaves B's values (B still holds them), and `cleanup`
# with no arguments (the index of live journals) then brings the pristine
# values back.  The machine's own values are put back whatever happens.
. "$MMT_SRCDIR/tests/integration/lib.sh"
need_root
need_tools jq flock losetup mkfs.ext4
serialize
mk_results

THP=/sys/kernel/mm/transparent_hugepage/enabled
DB=/proc/sys/vm/dirty_bytes DR=/proc/sys/vm/dirty_ratio
thp_now() { sed 's/.*\[\(.*\)\].*/\1/' "$THP"; }
dirty_now() { echo "$(cat $DR) $(cat $DB)"; }
pristine_dirty=$(dirty_now)
pristine_thp=
[ -w "$THP" ] && pristine_thp=$(thp_now)
restore() {
	set -- $pristine_dirty
	if [ "$2" != 0 ]; then echo "$2" >$DB; else echo "$1" >$DR; fi
	[ -n "$pristine_thp" ] && echo "$pristine_thp" >"$THP"
}
pids=
trap 'rc=$?; for p in $pids; do kill -KILL $p 2>/dev/null; done
	"$MMT" cleanup "$RESULTS"/a/* "$RESULTS"/b/* >/dev/null 2>&1; restore
	if [ $rc -eq 0 ] || [ $rc -eq 77 ]; then rm -rf "$RESULTS"; else echo "results kept in $RESULTS" >&2; fi' EXIT

# Two THP modes other than the pristine one, and two dirty_bytes values
# other than the current one.
a_thp= b_thp=
for m in always madvise never; do
	[ "$m" = "$pristine_thp" ] && continue
	[ -z "$a_thp" ] && { a_thp=$m; continue; }
	[ -z "$b_thp" ] && b_thp=$m
done
a_bytes=33554432 b_bytes=50331648
set -- $pristine_dirty
[ "$2" = $a_bytes ] && a_bytes=41943040
[ "$2" = $b_bytes ] && b_bytes=58720256

job() {  # job FILE DIRTY_BYTES THP_MODE
	thp=
	[ -n "$pristine_thp" ] && thp="
[thp]
values = $3
interval = 1h"
	cat >"$1" <<EOF
[global]
description = integration: settings of a crashed run
duration = 10m
sample_interval = 1s

[cell:a]
workload = fault
threads = 1
size = 8M

[writeback]
target = loop
fs = ext4
image_size = 64M
file_size = 1M
rate = 1
dirty_bytes = $2
$thp
EOF
}

# Wait until the knobs show run's values (or the run is gone).
wait_values() {  # PID BYTES THP
	i=0
	while [ $i -lt 600 ]; do
		kill -0 "$1" 2>/dev/null || return 1
		if [ "$(cat $DB)" = "$2" ] && { [ -z "$pristine_thp" ] || [ "$(thp_now)" = "$3" ]; }; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

job "$RESULTS/a.ini" $a_bytes "$a_thp"
job "$RESULTS/b.ini" $b_bytes "$b_thp"

# Start a run, wait for its values, kill -9 it; sets DIR to its run dir.
run_and_kill() {  # NAME BYTES THP RUN-ARGS...
	name=$1 bytes=$2 mode=$3
	shift 3
	"$MMT" run "$RESULTS/$name.ini" "$@" --results "$RESULTS/$name" >/dev/null \
		2>"$RESULTS/$name.err" &
	p=$!
	pids="$pids $p"
	wait_values $p "$bytes" "$mode" ||
		{ cat "$RESULTS/$name.err" >&2; fail "run $name never set its values"; }
	kill -KILL $p
	wait $p 2>/dev/null
	DIR=$(find "$RESULTS/$name" -mindepth 1 -maxdepth 1 -type d)
	note "run $name ($DIR) killed at dirty_bytes $(cat $DB), THP $(thp_now)"
}

# ---- run A, killed ---------------------------------------------------------
run_and_kill a $a_bytes "$a_thp"
da=$DIR

# ---- run B refuses, then starts with --allow-stale and is killed -------------
"$MMT" run "$RESULTS/b.ini" -t 5s --results "$RESULTS/b0" >/dev/null 2>"$RESULTS/b0.err"
rc=$?
cat "$RESULTS/b0.err" >&2
[ $rc -eq 129 ] || fail "a run over an unreplayed journal exited $rc, not 129"
grep -q "$da/journal" "$RESULTS/b0.err" || fail "the refusal does not name A's journal"
[ -z "$(find "$RESULTS/b0" -mindepth 1 -maxdepth 1 -type d 2>/dev/null)" ] ||
	fail "the refused run made a run directory"

run_and_kill b $b_bytes "$b_thp" --allow-stale
db=$DIR

# ---- cleanup A, then all: the pristine values ----------------------------------
"$MMT" cleanup "$da" || fail "cleanup of A exited $?"
[ "$(cat $DB)" = $b_bytes ] || fail "cleanup of A undid B's dirty_bytes (now $(cat $DB))"
[ -z "$pristine_thp" ] || [ "$(thp_now)" = "$b_thp" ] ||
	fail "cleanup of A undid B's THP mode (now $(thp_now))"
(cd "$RESULTS" && "$MMT" cleanup) || fail "cleanup (the index) exited $?"
[ "$(dirty_now)" = "$pristine_dirty" ] ||
	fail "vm.dirty_ratio/dirty_bytes are $(dirty_now), not the pristine $pristine_dirty"
[ -z "$pristine_thp" ] || [ "$(thp_now)" = "$pristine_thp" ] ||
	fail "THP is $(thp_now), not the pristine $pristine_thp"
[ -z "$(losetup -a | grep -F "$RESULTS")" ] || fail "a loop device of ours is left"
assert_no_leftovers
# The index is empty of these runs: a new run starts.
"$MMT" run -t 1s --results "$RESULTS/c" >/dev/null 2>"$RESULTS/c.err" ||
	{ rc=$?; [ $rc -eq 129 ] && { cat "$RESULTS/c.err" >&2; fail "a run after cleanup still refused"; }; }
exit 0

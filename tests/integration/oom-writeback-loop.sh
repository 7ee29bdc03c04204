#!/bin/sh
# The writeback seed's victims on this host, loop path (issue 11): the
# built-in oom-writeback-loop job, whose dirty cells write through ext4 on
# loop (dir = @writeback) with their faulters at the memcg limit:
#  1. the cells wait for the writeback injector's mount (worker_deferred),
#     then run on it (run.json dir_resolved is that mount);
#  2. their workers are OOM-killed (expected: PASS), each victim is read at
#     its kill (oom_victims_seen_alive), and every victim counted in
#     writeback left its threads' stacks with a writeback-path frame
#     (victim-<pid>-kill.txt);
#  3. nothing of ours is left: cgroups, loop devices, mounts, sysctls.
#  4. a job whose dir names an injector it lacks is refused at parse time
#     (exit 128, file:line:key).
. "$MMT_SRCDIR/tests/integration/lib.sh"
need_root
need_tools jq flock losetup mkfs.ext4
serialize
mk_results

our_loops() { losetup -a 2>/dev/null | grep mmtorture || true; }
our_mounts() { grep mmtorture /proc/mounts || true; }
sysctls() {
	cat /proc/sys/vm/dirty_bytes /proc/sys/vm/dirty_background_bytes \
		/proc/sys/vm/dirty_ratio /proc/sys/vm/dirty_background_ratio
}
before=$(sysctls)

mmt_run "$MMT_SRCDIR/jobs/oom-writeback-loop.ini" -t 15s --results "$RESULTS/one"
d=$(find "$RESULTS/one" -mindepth 1 -maxdepth 1 -type d | head -n 1)
[ -n "$d" ] || fail "no run directory (exit $RC)"
[ $RC -eq 0 ] || fail "oom-writeback-loop exited $RC: $(jq -c '.verdict.reasons' "$d/run.json")"

# 1. deferred until the mount was published, then on it
grep -q '"type":"worker_deferred"' "$d/events.jsonl" || fail "no worker_deferred event"
mnt=$(jq -r '.injectors.writeback.mount' "$d/run.json")
[ -n "$mnt" ] && [ "$mnt" != null ] || fail "the writeback injector reports no mount"
for c in dirty dirty-range; do
	res=$(jq -r --arg c "$c" '.cells[] | select(.name == $c) |
		.workload_options.dir_resolved // empty' "$d/run.json")
	[ "$res" = "$mnt" ] || fail "cell $c wrote to '$res', not $mnt"
done

# 2. killed, read at the kill, the writeback ones with their stacks
kills=$(jq '[.cells[].oom_kills] | add' "$d/run.json")
alive=$(jq '[.cells[].oom_victims_seen_alive] | add' "$d/run.json")
inwb=$(jq '[.cells[].oom_victims_in_writeback] | add' "$d/run.json")
note "OOM kills $kills, victims read at the kill $alive, in writeback $inwb"
[ "$kills" -gt 0 ] || fail "the dirty cells were never OOM-killed"
[ "$alive" -gt 0 ] || fail "no victim was read at its kill"
[ "$alive" -le "$kills" ] || fail "more victims read ($alive) than kills ($kills)"
[ "$inwb" -le "$alive" ] || fail "more victims in writeback ($inwb) than read ($alive)"
nfiles=$(find "$d" -name 'victim-*-kill.txt' | wc -l)
[ "$nfiles" -eq "$inwb" ] || fail "$nfiles victim-*-kill.txt files for $inwb victims in writeback"
for f in $(find "$d" -name 'victim-*-kill.txt'); do
	grep -q 'Killed process' "$f" || fail "$f: no kill line"
	grep -q -E '(folio_wait|writeback|mempool_alloc|balance_dirty_pages|jbd2_|fdatawait|file_write_and_wait|generic_perform_write|io_schedule|loop_|lo_|ext4_sync_file|blkdev_issue_flush)' \
		"$f" || fail "$f: no writeback-path frame"
done
n=$(jq -s '[.[] | select(.type == "oom_kill" and .in_writeback == true)] | length' "$d/events.jsonl")
[ "$n" -eq "$inwb" ] || fail "$n oom_kill events in writeback, run.json says $inwb"

# 3. nothing left
[ -z "$(our_loops)" ] || fail "loop devices left: $(our_loops)"
[ -z "$(our_mounts)" ] || fail "mounts left: $(our_mounts)"
[ "$(sysctls)" = "$before" ] || fail "sysctls not restored: $(sysctls | tr '\n' ' ')"
assert_no_leftovers

# 4. a reference to an injector the job lacks
printf '[cell:a]\nworkload = dirty\nmemory_max = 64M\ndir = @writeback\n' >"$RESULTS/bad.ini"
mmt_run "$RESULTS/bad.ini" --results "$RESULTS/bad"
[ $RC -eq 128 ] || fail "a dangling @writeback exited $RC, want 128"
grep -q "bad.ini:4: \[cell:a\] dir: '@writeback' names no injector of the job" "$RESULTS/stderr" ||
	fail "no file:line:key error for the dangling reference"
exit 0

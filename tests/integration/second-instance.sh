#!/bin/sh
# Bad input that only shows at run time is refused before anything starts,
# with one line and exit 129 (the machine is not ours: aborts a `git bisect
# run`): a second instance while a run is active, and a results directory
# that cannot be written.
. "$MMT_SRCDIR/tests/integration/lib.sh"
need_root
need_tools jq flock
serialize
mk_results

# An unwritable results directory (below a regular file: even root fails).
touch "$RESULTS/afile"
before=$(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name 'mmtorture-*' | sort)
"$MMT" run -t 5 --results "$RESULTS/afile/runs" 2>"$RESULTS/err"
rc=$?
[ $rc -eq 129 ] || fail "unwritable results dir: exit $rc, expected 129"
grep -q "results dir $RESULTS/afile/runs" "$RESULTS/err" || fail "error does not name the dir: $(cat "$RESULTS/err")"
[ "$(wc -l <"$RESULTS/err")" -eq 1 ] || fail "more than one error line: $(cat "$RESULTS/err")"
after=$(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name 'mmtorture-*' | sort)
[ "$before" = "$after" ] || fail "cgroups created despite the error"

mkdir "$RESULTS/first" "$RESULTS/second"
"$MMT" run -t 15 --results "$RESULTS/first" >/dev/null 2>&1 &
first=$!
wait_event worker_start 20 || { kill $first; fail "first run did not start"; }
MMT_WAIT_LOCK= "$MMT" run -t 5 --results "$RESULTS/second" 2>"$RESULTS/err2"
rc=$?
[ $rc -eq 129 ] || { kill $first; fail "second instance: exit $rc, expected 129"; }
grep -q "another mmtorture run holds" "$RESULTS/err2" || { kill $first; fail "no lock message: $(cat "$RESULTS/err2")"; }
[ -z "$(ls -A "$RESULTS/second")" ] || { kill $first; fail "the second instance created a run directory"; }
kill -INT $first
wait $first
rc=$?
# The first run was interrupted: untestable, but it cleaned up.
[ $rc -eq 125 ] || fail "interrupted run exited $rc, expected 125"
assert_no_leftovers
exit 0

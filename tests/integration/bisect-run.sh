#!/bin/sh
# `git bisect run mmtorture run JOB` names the commit that makes the job
# FAIL, and a commit whose job file does not parse aborts the bisection
# (exit 128) instead of being marked bad.
#
# A toy repository stands in for a kernel tree; its history is
#   c1 good    a fault cell "busy" (PASS)
#   c2 typo    workload = faultt (a job-file error: exit 128)
#   c3 fixed   back to c1's job (PASS)
#   c4 bug     the cell is renamed "stuck"
#   c5 later   a comment (still FAIL)
# and the "kernel bug" of c4 is played by this script: it SIGSTOPs every
# worker of a cell named "stuck" (only our own workers: the pid must sit in
# an mmtorture-* cgroup), which the watchdog reports as a stall, a FAIL.
. "$MMT_SRCDIR/tests/integration/lib.sh"
need_root
need_tools jq flock git
serialize
mk_results

repo="$RESULTS/repo"
runs="$RESULTS/runs"
mkdir -p "$repo" "$runs"
export GIT_AUTHOR_NAME=mmtorture GIT_AUTHOR_EMAIL=mmtorture@localhost
export GIT_COMMITTER_NAME=mmtorture GIT_COMMITTER_EMAIL=mmtorture@localhost
g() { git -C "$repo" "$@"; }
g init -q
g config advice.detachedHead false

job() { # $1 cell name, $2 workload, $3 extra line
	cat >"$repo/bisect.ini" <<JOB
[global]
description = bisect toy
duration = 6s
sample_interval = 1s
stall_threshold = 2s
stop_timeout = 2s
psi_trigger =
$3

[cell:$1]
workload = $2
threads = 1
size = 16M
JOB
	g add bisect.ini
}
commit() { g commit -q -m "$1" && g rev-parse HEAD; }

job busy fault "";           c1=$(commit "good")
job busy faultt "";          c2=$(commit "typo in the job file")
job busy fault "";           c3=$(commit "typo fixed")
job stuck fault "";          c4=$(commit "the bug: cell stuck")
job stuck fault "; later";   c5=$(commit "later")

stopped="$RESULTS/stopped"
: >"$stopped"
(
	while :; do
		for ev in "$runs"/*/events.jsonl; do
			[ -f "$ev" ] || continue
			for p in $(jq -r 'select(.type == "worker_start" and .cell == "stuck") | .pid' "$ev" 2>/dev/null); do
				grep -qx "$p" "$stopped" && continue
				grep -q "mmtorture-" "/proc/$p/cgroup" 2>/dev/null || continue
				kill -STOP "$p" 2>/dev/null && echo "$p" >>"$stopped"
			done
		done
		sleep 0.2
	done
) &
saboteur=$!
# mk_results' trap, which this one replaces, plus the saboteur.
trap 'rc=$?; kill $saboteur 2>/dev/null; if [ $rc -eq 0 ] || [ $rc -eq 77 ]; then rm -rf "$RESULTS"; else echo "results kept in $RESULTS" >&2; fi' EXIT

cmd="$MMT run bisect.ini --results $runs"

# The three exit codes a bisection sees, one commit each.
for c in "$c1:0" "$c2:128" "$c4:1"; do
	g checkout -q "${c%%:*}"
	rc=0
	(cd "$repo" && $cmd) >"$RESULTS/out" 2>"$RESULTS/err" || rc=$?
	[ "$rc" = "${c##*:}" ] || { cat "$RESULTS/err" >&2; fail "commit ${c%%:*}: exit $rc, expected ${c##*:}"; }
done
g checkout -q "$c5"

# A bisection that lands on the typo stops there: nothing is marked bad.
g bisect start "$c5" "$c1" >/dev/null
g checkout -q "$c2"
rc=0
(cd "$repo" && git bisect run $cmd) >"$RESULTS/bisect1" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || { cat "$RESULTS/bisect1" >&2; fail "git bisect run did not abort on the typo commit"; }
grep -q "first bad commit" "$RESULTS/bisect1" && { cat "$RESULTS/bisect1" >&2; fail "the aborted bisection named a first bad commit"; }
[ "$(g rev-parse refs/bisect/bad)" = "$c5" ] || fail "the typo commit was marked bad"
g bisect log | grep -q "^git bisect bad $c2" && fail "the typo commit is in the bisect log as bad"

# The user skips the typo and runs on: the bug's commit is named.
g bisect skip >/dev/null
rc=0
(cd "$repo" && git bisect run $cmd) >"$RESULTS/bisect2" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || { cat "$RESULTS/bisect2" >&2; fail "git bisect run exited $rc"; }
grep -q "^$c4 is the first bad commit" "$RESULTS/bisect2" ||
	{ cat "$RESULTS/bisect2" >&2; fail "git bisect did not name $c4 (the bug)"; }
grep -q "^$c2 is the first bad commit" "$RESULTS/bisect2" && fail "the typo commit was named"
g bisect reset >/dev/null 2>&1
note "bisection named $c4; the typo commit $c2 aborted the run and was skipped"
[ -s "$stopped" ] || fail "no worker of cell stuck was ever stopped"
assert_no_leftovers
exit 0

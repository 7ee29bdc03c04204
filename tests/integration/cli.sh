#!/bin/sh
# Every command answers --help with its usage on stdout and exit 0, doing
# nothing else; an unknown option (or an argument where none is taken) is a
# usage error: exit 128, which aborts a git bisect run.
. "$MMT_SRCDIR/tests/integration/lib.sh"
mk_results
for cmd in run check list cleanup parse-kmsg report export; do
	rc=0
	"$MMT" "$cmd" --help >"$RESULTS/out" 2>"$RESULTS/err" || rc=$?
	[ $rc -eq 0 ] || fail "$cmd --help exited $rc"
	head -n 1 "$RESULTS/out" | grep -q "^usage: mmtorture $cmd" || fail "$cmd --help printed no usage: $(head -n 2 "$RESULTS/out")"
	[ ! -s "$RESULTS/err" ] || fail "$cmd --help wrote to stderr: $(cat "$RESULTS/err")"
	rc=0
	"$MMT" "$cmd" --bogus-option >"$RESULTS/out" 2>"$RESULTS/err" </dev/null || rc=$?
	[ $rc -eq 128 ] || fail "$cmd --bogus-option exited $rc, expected 128"
	grep -q "usage: mmtorture $cmd" "$RESULTS/err" || fail "$cmd --bogus-option: no usage on stderr"
done
# --help does nothing else: no check table, no job list.
"$MMT" check --help | grep -q "^kernel:" && fail "check --help ran the check"
"$MMT" list --help | grep -q "^Jobs (" && fail "list --help listed the jobs"
for cmd in check list; do
	rc=0
	"$MMT" "$cmd" extra >/dev/null 2>&1 || rc=$?
	[ $rc -eq 128 ] || fail "$cmd with an argument exited $rc, expected 128"
done
rc=0
"$MMT" no-such-command >/dev/null 2>&1 || rc=$?
[ $rc -eq 128 ] || fail "an unknown command exited $rc, expected 128"
# mmtorture-jobs(5) is generated from the option tables: every key that
# `list` prints is in the page, under its section.
"$MMT" list --man >"$RESULTS/jobs.5" || fail "list --man failed"
head -n 2 "$RESULTS/jobs.5" | grep -q '^\.TH MMTORTURE\\-JOBS 5 ' || fail "list --man: no .TH MMTORTURE-JOBS 5"
"$MMT" list >"$RESULTS/list"
keys=$(awk '/^\[global\] options:/ {g = 1; next} /^$/ {g = 0} g && $1 != "name" {print $1}' "$RESULTS/list")
[ -n "$keys" ] || fail "list printed no [global] keys"
for k in $keys; do
	grep -qx ".B $(printf %s "$k" | sed 's/-/\\\\-/g')" "$RESULTS/jobs.5" || fail "mmtorture-jobs(5) lacks [global] key $k"
done
for w in fault hog rebind swap; do
	grep -qx ".SS $w" "$RESULTS/jobs.5" || fail "mmtorture-jobs(5) has no section for $w"
done
note "--help and unknown options of every command; mmtorture-jobs(5) has every [global] key"
# Piped, the progress display is plain lines on stderr (a terminal gets one
# line redrawn at each sample).
if [ "$(id -u)" = 0 ] && command -v flock >/dev/null && command -v jq >/dev/null; then
	serialize
	"$MMT" run -t 2s --no-ktap --results "$RESULTS/runs" >/dev/null 2>"$RESULTS/err" ||
		{ cat "$RESULTS/err" >&2; fail "a 2 s default run failed"; }
	grep -qE '^mmtorture: default [0-9]+/2 s  PASS so far  [0-9]+ faults/s  [0-9]+ rebinds/s  [0-9]+ OOM kills?$' "$RESULTS/err" ||
		{ cat "$RESULTS/err" >&2; fail "no plain progress line on a piped stderr"; }
	grep -q "$(printf '\033')" "$RESULTS/err" && fail "terminal escapes on a piped stderr"
	assert_no_leftovers
fi
exit 0

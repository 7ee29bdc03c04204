#!/bin/sh
# Every tests/data/jobs/bad-*.ini (and injectors/bad-*.ini: errors of the
# real injectors, which test_job's fake registry does not have) is refused
# before anything starts: `run`
# exits 128 (a usage or job-file error, which aborts a `git bisect run`),
# stderr holds the file's "# expect: <substring>" line, and no run
# directory appears.  Needs no root: a job-file error stops `run` first.
. "$MMT_SRCDIR/tests/integration/lib.sh"
: "${MMT_TESTDATA:?MMT_TESTDATA must point at tests/data}"

[ -x "$MMT" ] || fail "$MMT is not an executable"
mk_results
n=0
bad=0
for job in "$MMT_TESTDATA"/jobs/bad-*.ini "$MMT_TESTDATA"/jobs/injectors/bad-*.ini; do
	[ -e "$job" ] || fail "no bad-*.ini under $MMT_TESTDATA/jobs"
	want=$(sed -n 's/^# expect: //p' "$job" | head -n 1)
	[ -n "$want" ] || fail "$job has no '# expect:' line"
	n=$((n + 1))
	rc=0
	# -t 1s and timeout only limit the damage if a bad job were run.
	timeout 60 "$MMT" run -t 1s --results "$RESULTS" "$job" \
		>"$RESULTS/.stdout" 2>"$RESULTS/.stderr" </dev/null || rc=$?
	if [ "$rc" -ne 128 ]; then
		note "$job: exit $rc, expected 128; stderr:"
		sed 's/^/#   /' "$RESULTS/.stderr" >&2
		bad=$((bad + 1))
	elif ! grep -qF -- "$want" "$RESULTS/.stderr"; then
		note "$job: stderr lacks '$want'; it says:"
		sed 's/^/#   /' "$RESULTS/.stderr" >&2
		bad=$((bad + 1))
	else
		note "ok: $(basename "$job")"
	fi
	left=$(find "$RESULTS" -mindepth 1 -maxdepth 1 -type d | head -n 1)
	[ -z "$left" ] || fail "$job: a refused job created $left"
done
[ "$bad" -eq 0 ] || fail "$bad of $n bad jobs were not refused as expected"
note "$n bad jobs refused with exit 128 and the expected message"
exit 0

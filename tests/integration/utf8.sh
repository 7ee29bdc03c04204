#!/bin/sh
# Whatever bytes a job brings (a Latin-1 comment, a file name with a 0xff
# byte, a form feed in a cell's description), the run's files stay valid:
# run.json and every events.jsonl line are UTF-8 JSON, junit.xml is
# well-formed XML (issue 9, item 6).
. "$MMT_SRCDIR/tests/integration/lib.sh"
need_root
need_tools jq xmllint iconv
serialize
mk_results

valid_utf8() { iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1; }

job=$(printf '%s/bad\377name.ini' "$RESULTS")
printf '; caf\351 cr\350me: a Latin-1 comment\n[global]\nduration = 3s\ndescription = form\014feed and caf\351\n[cell:a]\nworkload = fault\nthreads = 1\nsize = 4M\n' >"$job"
# The input really is what the test claims: not UTF-8.
! valid_utf8 "$job" || fail "the test job is valid UTF-8; the test proves nothing"

mmt_run "$job" --results "$RESULTS/runs"
[ "$RC" -eq 0 ] || fail "the run exited $RC"
d=$(find "$RESULTS/runs" -mindepth 1 -maxdepth 1 -type d | head -n 1)
[ -n "$d" ] || fail "no run directory"
for f in run.json events.jsonl samples.csv junit.xml result.ktap; do
	[ -s "$d/$f" ] || fail "$f missing or empty"
	valid_utf8 "$d/$f" || fail "$f is not valid UTF-8"
done
jq -e . "$d/run.json" >/dev/null || fail "run.json is not JSON"
jq -e '.job.text | contains("caf\ufffd")' "$d/run.json" >/dev/null ||
	fail "run.json does not hold the job text with U+FFFD for the Latin-1 byte"
assert_events_valid "$d"
xmllint --noout "$d/junit.xml" || fail "junit.xml is not well-formed XML"
"$MMT" cleanup "$d" >/dev/null 2>&1
assert_no_leftovers
exit 0

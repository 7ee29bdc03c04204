#!/bin/sh
# `mmtorture report` on real runs: a memcg-oom run renders to one
# self-contained page that says PASS, lists the OOM kills and has balanced
# SVG; --compare of two runs shows both, their timelines overlaid; a bad
# run directory exits 128 (usage error).
. "$MMT_SRCDIR/tests/integration/lib.sh"
need_root
need_tools jq flock
serialize
mk_results

# (lib.sh sets MMT_WAIT_LOCK: a run outside the tests makes these wait.)
"$MMT" run "$MMT_JOBS/memcg-oom.ini" -t 8 --results "$RESULTS/a" >/dev/null ||
	fail "memcg-oom run A did not pass"
"$MMT" run "$MMT_JOBS/memcg-oom.ini" -t 8 --results "$RESULTS/b" >/dev/null ||
	fail "memcg-oom run B did not pass"
a=$(find "$RESULTS/a" -mindepth 1 -maxdepth 1 -type d | head -n 1)
b=$(find "$RESULTS/b" -mindepth 1 -maxdepth 1 -type d | head -n 1)
[ -n "$a" ] && [ -n "$b" ] || fail "no run directories"

"$MMT" report "$a" >/dev/null || fail "report exited $?"
page="$a/report.html"
[ -s "$page" ] || fail "no $page"
grep -q '>PASS<' "$page" || fail "the page does not say PASS"
grep -q 'oom_kill' "$page" || fail "the page has no oom_kill"
grep -q '<td><b>hog</b></td>' "$page" || fail "the page has no row for cell hog"
grep -q '<td><b>bystander</b></td>' "$page" || fail "the page has no row for cell bystander"
open=$(grep -o '<svg' "$page" | wc -l)
close=$(grep -o '</svg>' "$page" | wc -l)
[ "$open" -ge 3 ] || fail "only $open timelines"
[ "$open" = "$close" ] || fail "$open <svg but $close </svg>"
grep -q '<script' "$page" && fail "the page has a script"
kills=$(jq -c 'select(.type == "oom_kill")' "$a/events.jsonl" | wc -l)
markers=$(grep -o '<line class="mk mk-oom_kill"' "$page" | wc -l)
[ "$markers" = $((kills * open)) ] ||
	fail "$markers OOM markers, expected $kills kills x $open timelines"
# Every <svg> element is well-formed XML on its own, when xmllint is here.
if command -v xmllint >/dev/null 2>&1; then
	awk '/<svg/{p=1} p{print} /<\/svg>/{p=0; print "<!--end-->"}' "$page" |
		awk -v d="$RESULTS" 'BEGIN{n=0; f=d "/svg0.svg"} /<!--end-->/{n++; f=d "/svg" n ".svg"; next} {print > f}'
	for f in "$RESULTS"/svg*.svg; do
		[ -s "$f" ] || continue
		xmllint --noout "$f" || fail "$f is not well-formed XML"
	done
fi

# Compare two runs, into a file of our choice.
"$MMT" report "$a" --compare "$b" -o "$RESULTS/cmp.html" >/dev/null || fail "report --compare exited $?"
grep -q '<h2 id=compare>' "$RESULTS/cmp.html" || fail "no comparison section"
[ "$(grep -o '<td><span class="vsmall pass">PASS' "$RESULTS/cmp.html" | wc -l)" = 2 ] ||
	fail "the comparison does not show both verdicts"
# Both runs' timelines overlaid, each run's series in the legends and each
# run's OOM kills marked on every overlaid timeline.
overlay=$(sed -n '/<h3 id=overlay>/,/<h2 id=timelines>/p' "$RESULTS/cmp.html")
# (memcg-oom has no rebinder: no rebind timeline, and the page says so.)
nr_overlaid=$(printf '%s\n' "$overlay" | grep -o '<svg' | wc -l)
[ "$nr_overlaid" = 3 ] || fail "$nr_overlaid overlaid timelines, not 3 (free memory, fault rate, PSI)"
printf '%s\n' "$overlay" | grep -q 'cpuset rebinds per second: neither run' ||
	fail "no word of the rebind timeline left out"
printf '%s\n' "$overlay" | grep -q '>A hog</text>' || fail "no series of A's cell hog"
printf '%s\n' "$overlay" | grep -q '>B hog</text>' || fail "no series of B's cell hog"
for run in A B; do
	dir=$a
	[ $run = B ] && dir=$b
	kills=$(jq -c 'select(.type == "oom_kill")' "$dir/events.jsonl" | wc -l)
	[ "$kills" -gt 0 ] || fail "run $run has no OOM kill to mark"
	marked=$(printf '%s\n' "$overlay" | grep -o "class=\"mk mk-oom_kill mk-run-$run\"" | wc -l)
	[ "$marked" = $((kills * nr_overlaid)) ] ||
		fail "$marked OOM markers of run $run overlaid, expected $kills kills x $nr_overlaid timelines"
done
grep -q 'cell hog: pages/s</th>.*class="num ratio">[0-9]' "$RESULTS/cmp.html" ||
	fail "no ratio for cell hog's pages/s"

# A truncated run directory still renders, and says what is missing.
t="$RESULTS/truncated"
mkdir "$t"
head -n 3 "$a/events.jsonl" >"$t/events.jsonl"
printf '{"type":"oom_kill","t_us":12' >>"$t/events.jsonl"
"$MMT" report "$t" >/dev/null || fail "report of a truncated run dir exited $?"
grep -q 'run.json is missing' "$t/report.html" || fail "no word of the missing run.json"
grep -q 'samples.csv is missing' "$t/report.html" || fail "no word of the missing samples.csv"

# Usage errors and unreadable directories exit 128 with a message naming the path.
"$MMT" report 2>/dev/null
[ $? = 128 ] || fail "report without RUNDIR did not exit 128"
err=$("$MMT" report "$RESULTS/nonexistent" 2>&1 >/dev/null)
[ $? = 128 ] || fail "report of a missing directory did not exit 128"
case $err in
*"$RESULTS/nonexistent"*) ;;
*) fail "the error does not name the path: $err" ;;
esac
mkdir "$RESULTS/empty"
"$MMT" report "$RESULTS/empty" 2>/dev/null
[ $? = 128 ] || fail "report of an empty directory did not exit 128"
note "$open timelines, $kills OOM kills marked"
assert_no_leftovers
exit 0

#!/bin/sh
# JUnit keeps to what both Jenkins schemas accept, checked with xmllint's
# XPath on every rendering at hand (junit_samples in lib.sh): no
# testsuites@skipped, <skipped> without attributes, time/timestamp/hostname
# on each suite, totals that add up, and one <testsuites> with one suite per
# run for a --repeat run.  tests/integration/junit-xsd.sh validates against
# the schemas themselves when they are at hand.
. "$MMT_SRCDIR/tests/integration/lib.sh"
need_tools xmllint
[ "$(id -u)" = 0 ] && { need_tools jq flock; serialize; }
mk_results
junit_samples "$RESULTS/xml"

x() { xmllint --xpath "$2" "$1" 2>/dev/null; }
n=0
for f in "$RESULTS"/xml/*.xml; do
	n=$((n + 1))
	b=$(basename "$f")
	xmllint --noout "$f" || fail "$b is not well-formed XML"
	[ "$(x "$f" 'count(/testsuites)')" = 1 ] || fail "$b: not one <testsuites> root"
	[ "$(x "$f" 'count(/testsuites/@skipped)')" = 0 ] || fail "$b: testsuites@skipped"
	[ "$(x "$f" 'count(//skipped/@*)')" = 0 ] || fail "$b: <skipped> has attributes"
	[ "$(x "$f" 'count(//testsuite[not(@time) or not(@timestamp) or not(@hostname) or not(@tests) or not(@failures) or not(@errors) or not(@skipped)])')" = 0 ] ||
		fail "$b: a testsuite lacks time, timestamp, hostname or a count"
	[ "$(x "$f" 'count(//testcase[count(skipped|failure|error) > 1])')" = 0 ] ||
		fail "$b: a testcase with more than one of skipped, failure, error"
	[ "$(x "$f" 'sum(//testsuite/@tests) = /testsuites/@tests and sum(//testsuite/@failures) = /testsuites/@failures and sum(//testsuite/@errors) = /testsuites/@errors')" = true ] ||
		fail "$b: testsuites totals are not the sum of the suites'"
	[ "$(x "$f" 'count(//testsuite[@tests != count(testcase) or @failures != count(testcase/failure) or @errors != count(testcase/error) or @skipped != count(testcase/skipped)])')" = 0 ] ||
		fail "$b: a suite's counts do not match its testcases"
	[ "$(x "$f" 'count(//testsuite/@time[not(number(.) >= 0)])')" = 0 ] || fail "$b: a time is not a number"
done
note "$n JUnit files checked"
f="$RESULTS/xml/fail.junit.xml"
[ "$(x "$f" 'string(//testsuite/@timestamp)')" = 2026-11-22T00:53:13 ] || fail "fail: timestamp is not the run's start"
[ "$(x "$f" 'string(//testsuite/@hostname)')" = lab1 ] || fail "fail: hostname is not the run's"
[ "$(x "$f" 'string(//testsuite/@time)')" = 30.012 ] || fail "fail: time is not the run's elapsed_s"
f="$RESULTS/xml/conf.junit.xml"
[ "$(x "$f" 'count(//testcase/skipped)')" = 8 ] || fail "conf: not 8 skipped testcases"
x "$f" 'string(//testcase[@name="no stall"]/skipped)' | grep -q "needs 2 NUMA nodes" ||
	fail "conf: the skip reason is not the <skipped> text"
f="$RESULTS/xml/combined.junit.xml"
if [ -f "$f" ]; then
	[ "$(x "$f" 'count(/testsuites/testsuite)')" = 2 ] || fail "combined: not 2 testsuites"
	[ "$(x "$f" 'count(/testsuites/testsuite[@id = ""])')" = 0 ] || fail "combined: a suite without its run id"
	[ "$(x "$f" 'count(//testcase)')" = 16 ] || fail "combined: not 16 testcases"
	[ "$(x "$f" 'count(/testsuites/testsuite[1]/testcase[@classname = /testsuites/testsuite[2]/testcase/@classname])')" = 0 ] ||
		fail "combined: the two runs' testcases share a classname"
	note "combined JUnit of a --repeat 2 run checked"
fi
exit 0

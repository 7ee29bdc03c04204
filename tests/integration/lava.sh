#!/bin/sh
# `mmtorture export --lava` and contrib/lava/run.sh: the lava-test-case
# calls are run by LAVA's own helper (lava-dispatcher's lava_test_shell/
# lava-test-case) when lava-dispatcher is installed, else by a stand-in
# that checks the same grammar; every case gets a valid name, a result in
# pass/fail/skip, and the measurements their units.  Then, as root, run.sh
# runs a real memcg-oom job and reports it the same way.
. "$MMT_SRCDIR/tests/integration/lib.sh"
need_tools jq
mk_results

helpers=/usr/lib/python3/dist-packages/lava_dispatcher/lava_test_shell
bin="$RESULTS/bin"
mkdir -p "$bin"
if [ -x "$helpers/lava-test-case" ] || [ -f "$helpers/lava-test-case" ]; then
	# LAVA fills in the interpreter when it deploys its helpers.
	{ echo '#!/bin/sh'; cat "$helpers/lava-test-case"; } >"$bin/lava-test-case"
	cp "$helpers/lava-common-functions" "$bin/"
	note "lava-test-case: lava-dispatcher's"
else
	cat >"$bin/lava-test-case" <<'STUB'
#!/bin/sh
# Stand-in for lava-dispatcher's lava-test-case: same arguments, same files.
name=$1
shift
r= m= u=
while [ $# -gt 0 ]; do
	case $1 in
	--result) r=$2; shift 2 ;;
	--measurement) m=$2; shift 2 ;;
	--units) u=$2; shift 2 ;;
	*) echo "lava-test-case: bad argument $1" >&2; exit 1 ;;
	esac
done
[ -n "$r" ] || { echo "--result must be specified"; exit 1; }
d="$LAVA_RESULT_DIR/results/$name"
mkdir -p "$d"
echo "$r" >"$d/result"
[ -z "$u" ] || echo "$u" >"$d/units"
[ -z "$m" ] || echo "$m" >"$d/measurement"
echo "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=$name RESULT=$r${u:+ UNITS=$u}${m:+ MEASUREMENT=$m}>"
STUB
	note "lava-test-case: a stand-in (lava-dispatcher is not installed)"
fi
chmod +x "$bin/lava-test-case"
PATH="$bin:$PATH"
export PATH

# check_cases DIR: what LAVA would record from the signals in DIR/console.
check_cases() {
	grep -c '^<LAVA_SIGNAL_TESTCASE ' "$1/console" >"$1/nr_signals"
	# Every signal: a valid name and result; measurements with units.
	grep '^<LAVA_SIGNAL_TESTCASE ' "$1/console" | while read -r line; do
		echo "$line" | grep -Eq '^<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=[A-Za-z0-9._-]+ RESULT=(pass|fail|skip)( UNITS=[^ ]+ MEASUREMENT=[0-9.]+)?>$' ||
			fail "not a valid LAVA test case signal: $line"
	done || exit 1
	# One directory per case, nothing nested (a '/' in a name would nest).
	n=$(find "$1/lava/results" -mindepth 1 -maxdepth 1 -type d | wc -l)
	[ "$n" = "$(cat "$1/nr_signals")" ] || fail "$n result directories for $(cat "$1/nr_signals") signals"
	[ -z "$(find "$1/lava/results" -mindepth 2 -type d)" ] || fail "a case name made nested directories"
}

# --- the fixture runs: PASS, FAIL, BROK, CONF --------------------------------
set --
for c in pass fail brok conf; do
	mkdir -p "$RESULTS/$c"
	cp "$MMT_TESTDATA/results/$c.run.json" "$RESULTS/$c/run.json"
	set -- "$@" "$RESULTS/$c"
done
"$MMT" export --lava -o "$RESULTS/cases.sh" "$@" || fail "export --lava failed"
t="$RESULTS/fixtures"
mkdir -p "$t/lava"
LAVA_RESULT_DIR="$t/lava" sh "$RESULTS/cases.sh" >"$t/console" || fail "the cases did not run"
check_cases "$t"
total=$(cat "$t/nr_signals")
[ "$total" -ge $((4 * 11)) ] || fail "only $total cases for 4 runs (8 checks and 3 figures each)"
res() { cat "$t/lava/results/$1/result" 2>/dev/null; }
# The verdicts, as LAVA records them (the fixtures' KTAP says the same).
for c in pass fail brok conf; do
	ktap="$MMT_TESTDATA/results/$c.ktap"
	job=$(jq -r '.job.name' "$RESULTS/$c/run.json")
	n=$(jq -r '.job.name' "$RESULTS"/*/run.json | grep -cx "$job")
	prefix=$job
	if [ "$n" -gt 1 ]; then
		i=0
		for d in "$@"; do
			[ "$(jq -r '.job.name' "$d/run.json")" = "$job" ] && i=$((i + 1))
			[ "$d" = "$RESULTS/$c" ] && break
		done
		prefix=$job.$i
	fi
	# Every KTAP check line maps to one LAVA case: ok -> pass, ok # SKIP ->
	# skip, not ok -> fail.
	grep -E '^(not )?ok [0-9]+ ' "$ktap" | while read -r line; do
		name=$(echo "$line" | sed -E 's/^(not )?ok [0-9]+ ([^ ]+).*/\2/')
		case $line in
		"not ok"*) want=fail ;;
		*"# SKIP"*) want=skip ;;
		*) want=pass ;;
		esac
		got=$(res "$prefix.$name")
		[ "$got" = "$want" ] || fail "$c: $prefix.$name is '$got' in LAVA, not $want (KTAP: $line)"
	done || exit 1
	[ "$(cat "$t/lava/results/$prefix.faults_per_s/units" 2>/dev/null)" = pages/s ] ||
		fail "$c: no faults_per_s measurement in pages/s"
	[ -s "$t/lava/results/$prefix.oom_kills/measurement" ] || fail "$c: no oom_kills measurement"
done

# --- a real run through contrib/lava/run.sh (root) ----------------------------
if [ "$(id -u)" != 0 ]; then
	note "not root: contrib/lava/run.sh not run"
	exit 0
fi
serialize
r="$RESULTS/real"
mkdir -p "$r/lava"
LAVA_RESULT_DIR="$r/lava" TMPDIR="$RESULTS" MMT="$MMT" \
	sh "$MMT_SRCDIR/contrib/lava/run.sh" "$MMT_JOBS/memcg-oom.ini" 8s >"$r/console" 2>"$r/stderr" ||
	fail "run.sh exited $?"
check_cases "$r"
grep -q '^KTAP version 1' "$r/console" || fail "no KTAP on the console"
for c in no_unexpected_OOM_kill no_stall no_unkillable_task no_kernel_BUG_WARNING \
	no_corruption no_worker_lost harness_ok requirements_met; do
	[ "$(cat "$r/lava/results/memcg-oom.$c/result" 2>/dev/null)" = pass ] ||
		fail "memcg-oom.$c is not pass: $(cat "$r/lava/results/memcg-oom.$c/result" 2>/dev/null)"
done
kills=$(cat "$r/lava/results/memcg-oom.oom_kills/measurement")
[ "$kills" -ge 1 ] || fail "memcg-oom made no OOM kill, or LAVA did not hear of it"
[ "$(cat "$r/lava/results/memcg-oom.faults_per_s/units")" = pages/s ] || fail "no fault rate"
# A job that cannot start is one failing case, not silence.
mkdir -p "$r/bad/lava"
LAVA_RESULT_DIR="$r/bad/lava" TMPDIR="$RESULTS" MMT="$MMT" \
	sh "$MMT_SRCDIR/contrib/lava/run.sh" "$RESULTS/no-such-job.ini" 8s >"$r/bad/console" 2>&1
[ "$(cat "$r/bad/lava/results/no-such-job.run/result" 2>/dev/null)" = fail ] ||
	fail "a job that cannot start is not reported as a failing case"
[ "$(cat "$r/bad/lava/results/no-such-job.run/measurement")" = 128 ] || fail "its exit code is not 128"
note "$total fixture cases, $(cat "$r/nr_signals") cases of a real run, $kills OOM kills"
assert_no_leftovers
exit 0

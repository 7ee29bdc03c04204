# Shared helpers for the host integration tests (sourced, POSIX sh + jq).
# Every test: runs the real binary ($MMT) on the real kernel, exits 77 with
# a reason when it cannot (not root, no cgroup controller), 1 on failure.

set -u
: "${MMT:?MMT must point at the mmtorture binary}"
: "${MMT_SRCDIR:?MMT_SRCDIR must point at the source tree}"
MMT_JOBS="$MMT_SRCDIR/jobs"
export MMT_JOBDIR="$MMT_JOBS"
# Wait for the machine-wide run lock instead of failing when someone else's
# run holds it (the tests serialize among themselves; see serialize()).
export MMT_WAIT_LOCK=10m

skip() { echo "SKIP: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "# $*" >&2; }

need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root (real cgroups, /dev/kmsg)"
}

need_tools() {
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || skip "needs $t (./bootstrap installs it)"
	done
}

# Integration tests share the machine-wide run lock: take turns, so that
# `make -j check` does not make them collide.
serialize() {
	exec 9>"${TMPDIR:-/tmp}/mmtorture-tests.lock"
	flock 9
}

# A private results directory, removed at exit unless the test failed.
mk_results() {
	RESULTS=$(mktemp -d "${TMPDIR:-/tmp}/mmtorture-test.XXXXXX")
	trap 'rc=$?; if [ $rc -eq 0 ] || [ $rc -eq 77 ]; then rm -rf "$RESULTS"; else echo "results kept in $RESULTS" >&2; fi' EXIT
}

# The only run directory under $RESULTS.
run_dir() {
	d=$(find "$RESULTS" -mindepth 1 -maxdepth 1 -type d | head -n 1)
	[ -n "$d" ] || fail "no run directory under $RESULTS"
	echo "$d"
}

# The cgroups of this test's runs (mmtorture-<run id>) left anywhere on the
# machine.  Only our own runs count, so that a leftover of someone else's
# cannot fail this test, nor hide behind it.
leftover_cgroups() {
	for d in "$RESULTS"/*/ "$RESULTS"/*/*/; do
		[ -f "$d/journal" ] || continue
		id=$(basename "$d")
		find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name "mmtorture-$id" 2>/dev/null
	done
}

assert_no_leftovers() {
	left=$(leftover_cgroups)
	[ -z "$left" ] || fail "cgroups left behind: $left"
}

jq_run() { jq -r "$1" "$2/run.json"; }

# Wait until events.jsonl of the run under $RESULTS has an event of type $1.
wait_event() {
	type=$1 timeout=${2:-30} i=0
	while [ $i -lt $((timeout * 10)) ]; do
		f=$(find "$RESULTS" -name events.jsonl 2>/dev/null | head -n 1)
		if [ -n "$f" ] && grep -q "\"type\":\"$type\"" "$f" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Every line of events.jsonl must be one whole JSON object.
assert_events_valid() {
	while IFS= read -r line; do
		printf '%s\n' "$line" | jq -e 'type == "object" and has("type") and has("time")' \
			>/dev/null || fail "bad events.jsonl line: $line"
	done <"$1/events.jsonl"
}

# True when FILE (JSON lines) has an object matching the jq FILTER.
# (jq -e with select() over many inputs judges only the last input.)
has_event() {
	jq -n -e "[inputs | select($2)] | length > 0" "$1" >/dev/null
}

# Wait up to $2 seconds for pid $1 to be gone (or a zombie).
wait_gone() {
	i=0
	while [ $i -lt $(( ${2:-5} * 10 )) ]; do
		[ -d "/proc/$1" ] || return 0
		grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Run mmtorture (waiting for the machine lock, see MMT_WAIT_LOCK): sets RC,
# keeps stderr in $RESULTS/stderr and shows it.
mmt_run() {
	"$MMT" run "$@" 2>"$RESULTS/stderr"
	RC=$?
	cat "$RESULTS/stderr" >&2
	return 0
}

# What this kernel lacks for dm target $1 ("delay"), asked of the kernel as
# the harness asks it (never of /dev/mapper/control, which `dmsetup ls`
# leaves behind without a driver): "device-mapper", "dm-$1", or nothing
# when both are there.  Loads the modules it needs, as a run would.
dm_missing() {
	grep -qw device-mapper /proc/misc 2>/dev/null || modprobe -q dm-mod 2>/dev/null
	if ! grep -qw device-mapper /proc/misc 2>/dev/null; then
		echo device-mapper
		return
	fi
	modprobe -q "dm-$1" 2>/dev/null
	dmsetup targets 2>/dev/null | grep -qw "^$1" || echo "dm-$1"
}

# JUnit files to check, into directory $1: the unit tests' expected
# renderings (tests/data/results/*.junit.xml: PASS, FAIL, BROK, CONF) and,
# as root, those of a real `run --repeat 2` (each run's junit.xml and the
# combined file).  Needs mk_results and serialize before it as root.
junit_samples() {
	mkdir -p "$1"
	cp "$MMT_TESTDATA"/results/*.junit.xml "$1/"
	[ "$(id -u)" = 0 ] || return 0
	"$MMT" run -t 1s --repeat 2 --results "$RESULTS/junit-runs" >/dev/null 2>"$RESULTS/junit-err" ||
		{ cat "$RESULTS/junit-err" >&2; fail "run --repeat 2 failed"; }
	combined=$(find "$RESULTS/junit-runs" -maxdepth 1 -name 'combined-*.junit.xml')
	[ -n "$combined" ] || fail "run --repeat 2 wrote no combined-*.junit.xml"
	cp "$combined" "$1/combined.junit.xml"
	i=0
	for f in "$RESULTS"/junit-runs/*/junit.xml; do
		i=$((i + 1))
		cp "$f" "$1/run$i.junit.xml"
	done
	[ $i -eq 2 ] || fail "run --repeat 2 made $i run directories with a junit.xml"
}

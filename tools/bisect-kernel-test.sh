#!/bin/sh
# tools/bisect-kernel without a kernel: its exit codes for git bisect run
# (usage 128, machine 129, a failed build 125) and its statistics (--plan).
# The end-to-end proof with a real kernel is `make check-bisect`.
set -u
SRC=${MMT_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
# shellcheck disable=SC2317 # called through expect "$@"
bk() { bash "$SRC/tools/bisect-kernel" "$@"; }
command -v git > /dev/null || { echo "SKIP: no git (a kernel tree under bisection is one)"; exit 77; }
T=$(mktemp -d /tmp/mmtorture-bisect-test.XXXXXX) || exit 99
trap 'rm -rf "$T"' EXIT
fails=0

expect() {   # code, description, command...
	want=$1 what=$2
	shift 2
	"$@" > "$T/out" 2>&1
	got=$?
	if [ "$got" = "$want" ]; then
		echo "ok: $what (exit $got)"
	else
		echo "FAIL: $what: exit $got, want $want"
		sed 's/^/    /' "$T/out"
		fails=$((fails + 1))
	fi
}
expect_out() {   # text, description: the last command's output holds text
	if grep -qF -- "$1" "$T/out"; then
		echo "ok: $2"
	else
		echo "FAIL: $2: no \"$1\" in:"
		sed 's/^/    /' "$T/out"
		fails=$((fails + 1))
	fi
}

expect 0 "--help" bk --help
expect_out "git bisect run" "--help explains itself"
expect 128 "unknown argument" bk --bogus
expect 128 "confidence 1" bk --plan --p-bad 0.5 --confidence 1
expect 128 "p_bad 0" bk --plan --p-bad 0
expect 128 "p_bad above 1" bk --plan --p-bad 1.5
expect 128 "calibration K above N" bk --plan --calibrate 5/4
expect 128 "bad duration" bk --plan --p-bad 0.5 --duration soon

# Statistics: one-sided z at 0.95 is 1.645; 4 FAILs in 4 runs give a Wilson
# lower bound of 0.596, and (1-0.596)^4 < 0.05 < (1-0.596)^3.
expect 0 "plan 4/4" bk --plan --calibrate 4/4
expect_out "z=1.645" "z at 0.95"
expect_out "p_bad=0.5964 passes_needed=4" "4/4 on the bad end: 4 PASSes make good"
expect 0 "plan 3/3" bk --plan --calibrate 3/3
expect_out "p_bad=0.5257 passes_needed=5" "3/3 on the bad end: 5 PASSes"
expect 0 "plan p_bad 0.1" bk --plan --p-bad 0.1
expect_out "passes_needed=29" "p_bad 0.1: 29 PASSes (0.9^29 < 0.05 < 0.9^28)"
expect 0 "plan p_bad 1" bk --plan --p-bad 1
expect_out "passes_needed=1" "p_bad 1: one PASS"
expect 0 "plan 0/5" bk --plan --calibrate 0/5
expect_out "p_bad=none" "no FAIL on the bad end: nothing to bisect"
# Wilson's bound is the stricter one when p_bad is small and C low:
# 0.5^n <= 0.4 at n=2, but z(0.6)^2 (1-p)/p = 0.064 -> 1; ln wins: 2.
expect 0 "plan p_bad 0.5 at 0.6" bk --plan --p-bad 0.5 --confidence 0.6
expect_out "passes_needed=2" "p_bad 0.5 at confidence 0.6: 2 PASSes"

# A tree that is no kernel tree, or not git: usage (abort).
mkdir -p "$T/empty"
expect 128 "not a kernel tree" bk --tree "$T/empty" --p-bad 0.5 --state "$T/state"

# A fake kernel git tree whose build fails: untestable (skip), logged.
K=$T/linux
mkdir -p "$K/kernel" "$K/mm"
printf 'olddefconfig:\n\t@echo "no compiler here" >&2; exit 2\n' > "$K/Makefile"
echo CONFIG_MODULES=y > "$K/.config"
(cd "$K" && git init -q && git add Makefile kernel mm 2> /dev/null &&
	git -c user.name=t -c user.email=t@t commit -q --allow-empty -m fake) || exit 99
expect 129 "no mmtorture binary" bk --tree "$K" --p-bad 0.5 --state "$T/state" \
	--mmtorture "$T/nonexistent"
expect 128 "state inside the tree" bk --tree "$K" --p-bad 0.5 --state "$K/state" \
	--mmtorture /bin/true
expect 128 "no p_bad stored" bk --tree "$K" --state "$T/state" --mmtorture /bin/true
mkdir -p "$T/other"
printf 'p_bad=0.6\nmeasured_with=job memcg-oom, 60s runs, cgroup v2, confidence 0.95\n' \
	> "$T/other/p_bad"
expect 128 "p_bad of another job" bk --tree "$K" --state "$T/other" --mmtorture /bin/true
expect_out "calibrate again" "the reason is said"
printf 'p_bad=0.6\nmeasured_with=job cpuset-rebind, 60s runs, cgroup v1, confidence 0.95\n' \
	> "$T/other/p_bad"
expect 125 "p_bad of the same settings is used" bk --tree "$K" --state "$T/other" \
	--mmtorture /bin/true
expect 125 "build failure" bk --tree "$K" --p-bad 0.5 --state "$T/state" --mmtorture /bin/true
expect_out "build failed" "the reason is said"
if grep -q '	untestable	125	build failed' "$T/state/steps.tsv" 2> /dev/null; then
	echo "ok: steps.tsv records the untestable step"
else
	echo "FAIL: steps.tsv lacks the step:"
	cat "$T/state/steps.tsv" 2> /dev/null
	fails=$((fails + 1))
fi
# The state directory is held by one bisect-kernel at a time.
mkdir -p "$T/held"
if command -v flock > /dev/null; then
	flock "$T/held/lock" bash "$SRC/tools/bisect-kernel" --tree "$K" --p-bad 0.5 --state "$T/held" \
		--mmtorture /bin/true > "$T/out" 2>&1
	got=$?
	if [ "$got" = 129 ]; then echo "ok: a held state directory aborts (129)"
	else echo "FAIL: held state directory: exit $got, want 129"; fails=$((fails + 1))
	fi
fi

[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
exit 0

#!/bin/sh
# The device-mapper probe asks the kernel, not the node (issue 15).
#
# `dmsetup ls` (any libdevmapper call) leaves /dev/mapper/control, char
# 10:236, on a kernel without device-mapper.  In a private mount namespace
# over a tmpfs /dev, so the real /dev is never touched, this test plants
# such a node and checks that:
#   - `mmtorture check` says what the kernel answers: "no ... stale
#     /dev/mapper/control, no driver" without a driver, "yes" with one;
#   - a dm-delay writeback job is CONF naming what the kernel lacks
#     (device-mapper, or the dm-delay target), never a wrong reason;
# and, outside the namespace, that the harness never makes the stale node
# itself (it never calls libdevmapper without a driver).
. "$MMT_SRCDIR/tests/integration/lib.sh"
need_root
need_tools unshare mount jq
serialize
mk_results

# --- the harness does not make the node itself -------------------------------
if ! grep -qw device-mapper /proc/misc && [ ! -e /dev/mapper/control ]; then
	"$MMT" check >/dev/null || fail "check exited $?"
	[ ! -e /dev/mapper/control ] || fail "mmtorture check created /dev/mapper/control"
	note "no driver, no node: check left /dev as it was"
fi

# --- a stale node in a private /dev -------------------------------------------
missing=$(dm_missing delay)
cat >"$RESULTS/dm.ini" <<EOT
[global]
duration = 5s
[cell:a]
workload = fault
threads = 1
size = 8M
[writeback]
target = dm-delay
EOT
# The body runs in the new namespace: a tmpfs /dev holding the nodes a run
# uses, bound from the real ones, plus the planted mapper/control.
unshare -m --propagation private sh -eu -c '
	old=$1/olddev
	mkdir -p "$old"
	mount --bind /dev "$old"
	mount -t tmpfs -o mode=0755 mmtorture-test-dev /dev
	for n in null zero full random urandom kmsg loop-control; do
		[ -e "$old/$n" ] || continue
		touch "/dev/$n"
		mount --bind "$old/$n" "/dev/$n"
	done
	mkdir /dev/mapper /dev/shm
	mknod /dev/mapper/control c 10 236
	"$2" check >"$1/check.out" 2>&1 || echo "check exited $?" >>"$1/check.out"
	rc=0
	"$2" run "$1/dm.ini" --results "$1/runs" 2>"$1/run.err" || rc=$?
	echo $rc >"$1/run.rc"
' sh "$RESULTS" "$MMT" || fail "namespace set-up failed"

cat "$RESULTS/check.out" >&2
line=$(grep '^  device-mapper' "$RESULTS/check.out") || fail "check printed no device-mapper line"
if grep -qw device-mapper /proc/misc; then
	echo "$line" | grep -q ' yes .*DM_VERSION' ||
		fail "a driver is loaded but check says: $line"
else
	echo "$line" | grep -q ' no .*stale /dev/mapper/control, no driver' ||
		fail "a stale node without a driver, but check says: $line"
fi

rc=$(cat "$RESULTS/run.rc")
d=$(find "$RESULTS/runs" -mindepth 1 -maxdepth 1 -type d | head -n 1)
[ -n "$d" ] || fail "the dm job left no run directory: $(cat "$RESULTS/run.err")"
if [ -n "$missing" ]; then
	[ "$rc" -eq 125 ] || fail "dm-delay job with a stale node exited $rc, want 125 (CONF)"
	why=$(jq -r '.verdict.reasons[].text' "$d/run.json")
	note "stale node: $why"
	echo "$why" | grep -q "no $missing" || fail "CONF without the reason (no $missing): $why"
else
	note "this kernel has device-mapper and dm-delay: the job ran (exit $rc)"
	[ "$rc" -eq 0 ] || fail "dm-delay job exited $rc with a real driver"
fi
"$MMT" cleanup "$d" >/dev/null 2>&1
assert_no_leftovers
exit 0

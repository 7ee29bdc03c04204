#!/bin/sh
# A stale journal must not undo devices it did not make (issue 14 item 1).
# After a reboot, /dev/loopN and /dev/zramN belong to whoever made them in
# this boot.  The "reboot" is simulated by journal records whose boot id is
# not this boot's; the foreign devices are made here (a loop over a file
# NOT under our prefix, a zram by hot_add), each with a swap area on it,
# and must come out of `mmtorture cleanup` untouched, the summary saying
# they were left alone, exit 0.  Then the same in this boot, where the
# recorded proof (backing file, disksize) differs from the device's.
. "$MMT_SRCDIR/tests/integration/lib.sh"
need_root
need_tools losetup mkswap swapon swapoff
serialize
mk_results

# Not "mmtorture" anywhere in these names: they are someone else's.
FOREIGN=$(mktemp -d /var/tmp/foreign-dev.XXXXXX) || fail "mktemp"
loopdev= zid=
undo_foreign() {
	[ -n "$loopdev" ] && { swapoff "$loopdev" 2>/dev/null; losetup -d "$loopdev" 2>/dev/null; }
	if [ -n "$zid" ]; then
		swapoff "/dev/zram$zid" 2>/dev/null
		echo 1 >"/sys/block/zram$zid/reset" 2>/dev/null
		echo "$zid" >/sys/class/zram-control/hot_remove 2>/dev/null
	fi
	rm -rf "$FOREIGN"
}
trap 'rc=$?; undo_foreign; if [ $rc -eq 0 ] || [ $rc -eq 77 ]; then rm -rf "$RESULTS"; else echo "results kept in $RESULTS" >&2; fi' EXIT

on_swap() { awk 'NR > 1 { print $1 }' /proc/swaps | grep -qx "$1"; }
OLD=00000000-dead-beef-0000-000000000000
NOW=$(cat /proc/sys/kernel/random/boot_id)
[ "$NOW" != "$OLD" ] || fail "this boot's id is the made-up old one"

# ---- the foreign loop with a swap area on it ------------------------------
dd if=/dev/zero of="$FOREIGN/disk.img" bs=1M count=16 status=none || fail "dd"
loopdev=$(losetup -f --show "$FOREIGN/disk.img") || skip "no loop device to make"
mkswap "$loopdev" >/dev/null || fail "mkswap $loopdev"
swapon "$loopdev" || skip "swapon $loopdev refused"
back=$(cat "/sys/block/${loopdev#/dev/}/loop/backing_file")

# ---- the foreign zram with a swap area on it ------------------------------
if [ -w /sys/class/zram-control/hot_add ] || modprobe -q zram 2>/dev/null; then
	zid=$(cat /sys/class/zram-control/hot_add 2>/dev/null) || zid=
fi
if [ -n "$zid" ]; then
	echo 16M >"/sys/block/zram$zid/disksize" || fail "zram$zid disksize"
	mkswap "/dev/zram$zid" >/dev/null || fail "mkswap zram$zid"
	swapon "/dev/zram$zid" || fail "swapon zram$zid"
	zsize=$(cat "/sys/block/zram$zid/disksize")
else
	note "no zram here: the zram half is not tested"
fi

# Cleanup of DIR must exit 0 and leave both foreign devices as they were.
cleanup_untouched() {  # WHAT DIR ERRFILE
	"$MMT" cleanup "$2" 2>"$3"
	rc=$?
	cat "$3" >&2
	[ $rc -eq 0 ] || fail "$1: cleanup exited $rc (nothing of ours failed)"
	on_swap "$loopdev" || fail "$1: the foreign swap on $loopdev was swapped off"
	[ "$(cat "/sys/block/${loopdev#/dev/}/loop/backing_file")" = "$back" ] ||
		fail "$1: the foreign loop $loopdev was detached"
	[ -z "$zid" ] && return 0
	on_swap "/dev/zram$zid" || fail "$1: the foreign swap on zram$zid was swapped off"
	[ "$(cat "/sys/block/zram$zid/disksize")" = "$zsize" ] || fail "$1: zram$zid was reset"
}

# ---- 1. records of an earlier boot ----------------------------------------
d1=$RESULTS/earlier-boot
mkdir -p "$d1"
{
	# A loop of ours over our image once held this number, with a swap on it.
	printf '1\tloop\t%s\t%s\t%s\n' "$loopdev" "$d1/mmtorture-swap.img" "$OLD"
	printf '2\tswapon\t%s\t%s\t%s\n' "$loopdev" "$OLD" "$d1/mmtorture-swap.img"
	# The same without a boot id, as an older mmtorture wrote them.
	printf '3\tswapon\t%s\n' "$loopdev"
	if [ -n "$zid" ]; then
		printf '4\tzram\t%s\t%s\t%s\n' "$zid" "$OLD" "$zsize"
		printf '5\tswapon\t/dev/zram%s\t%s\t%s\n' "$zid" "$OLD" "$zsize"
		printf '6\tzram\t%s\n' "$zid"
	fi
} >"$d1/journal"
cleanup_untouched "earlier boot" "$d1" "$RESULTS/err1"
grep -q "left alone" "$RESULTS/err1" || fail "cleanup did not say it left them alone"
grep -q "made in boot $OLD" "$RESULTS/err1" || fail "cleanup did not say why (the boot)"
if [ -n "$zid" ]; then
	grep -q "records not ours (any more): left alone" "$RESULTS/err1" ||
		fail "the summary does not count what was left alone"
fi

# ---- 2. records of this boot whose proof differs ----------------------------
d2=$RESULTS/this-boot
mkdir -p "$d2"
{
	printf '1\tloop\t%s\t%s\t%s\n' "$loopdev" "$d2/mmtorture-swap.img" "$NOW"
	printf '2\tswapon\t%s\t%s\t%s\n' "$loopdev" "$NOW" "$d2/mmtorture-swap.img"
	if [ -n "$zid" ]; then
		printf '3\tzram\t%s\t%s\t%s\n' "$zid" "$NOW" 999424
		printf '4\tswapon\t/dev/zram%s\t%s\t%s\n' "$zid" "$NOW" 999424
	fi
} >"$d2/journal"
cleanup_untouched "this boot" "$d2" "$RESULTS/err2"
grep -q "now backs $back" "$RESULTS/err2" || fail "cleanup did not name the loop's real backing file"
if [ -n "$zid" ]; then
	grep -q "disksize is $zsize, not our 999424" "$RESULTS/err2" ||
		fail "cleanup did not say the zram's disksize differs"
fi
# The records are settled: a second cleanup has nothing to do.
"$MMT" cleanup "$d1" "$d2" 2>"$RESULTS/err3" || fail "second cleanup exited $?"
grep -q "left alone" "$RESULTS/err3" && fail "a second cleanup looked at settled records again"
exit 0

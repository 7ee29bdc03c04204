#!/bin/sh
# The writeback injector on the real kernel (issue 4):
#  1. loop writeback (ext4 on a loop device over a file in the run): the
#     samples show nr_dirty and nr_writeback rising and the dirtier making
#     progress; afterwards no loop device or mount of ours remains, and the
#     vm.dirty_* overrides and the THP mode toggled meanwhile are restored;
#  2. dm-delay, dm-flakey and NFS targets: CONF naming what this kernel
#     lacks (device-mapper or the target; NFS); they run in the lab VM.
. "$MMT_SRCDIR/tests/integration/lib.sh"
need_root
need_tools jq flock losetup awk mkfs.ext4
serialize
mk_results


# Largest value of the samples.csv column whose name ends in $2.
col_max() {
	awk -F, -v suf="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ (suf "$")) c = i; next }
		c && $c != "" && $c != "nan" && $c + 0 > m { m = $c + 0 }
		END { printf "%d\n", m + 0 }' "$1/samples.csv"
}

our_loops() { losetup -a 2>/dev/null | grep mmtorture || true; }
our_mounts() { grep mmtorture /proc/mounts || true; }
sysctls() {
	cat /proc/sys/vm/dirty_ratio /proc/sys/vm/dirty_bytes \
		/proc/sys/vm/dirty_background_ratio /proc/sys/vm/dirty_background_bytes
	cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || true
}

# ---- 1. loop writeback ---------------------------------------------------
before=$(sysctls)
thp=
[ -w /sys/kernel/mm/transparent_hugepage/enabled ] && thp="
[thp]
values = always;never
interval = 1s"
job=$RESULTS/wb.ini
cat >"$job" <<EOF
[global]
description = integration: dirtier on ext4 over loop
duration = 10s
sample_interval = 1s

[cell:a]
workload = fault
threads = 1
size = 16M

[writeback]
target = loop
fs = ext4
image_size = 512M
file_size = 256M
fsync = 1
dirty_ratio = 40
dirty_background_bytes = 16M
$thp
EOF
mmt_run "$job" --results "$RESULTS/one"
d=$(find "$RESULTS/one" -mindepth 1 -maxdepth 1 -type d | head -n 1)
[ -n "$d" ] || fail "no run directory (exit $RC)"
[ $RC -eq 0 ] || fail "writeback run exited $RC: $(jq -c '.verdict.reasons' "$d/run.json")"
dirty=$(col_max "$d" "writeback_nr_dirty")
wb=$(col_max "$d" "writeback_nr_writeback")
mb=$(col_max "$d" "writeback_written_mb")
note "max nr_dirty $dirty, max nr_writeback $wb pages, written $mb MB"
[ "$dirty" -gt 0 ] || fail "nr_dirty never rose"
[ "$wb" -gt 0 ] || fail "nr_writeback never rose"
[ "$mb" -gt 0 ] || fail "the dirtier wrote nothing"
[ "$(jq -r '.injectors.writeback.set_up' "$d/run.json")" = true ] || fail "writeback not set up"
[ "$(jq -r '.injectors.writeback.stalled' "$d/run.json")" = false ] || fail "dirtier stalled"
[ -z "$(our_loops)" ] || fail "loop devices left: $(our_loops)"
[ -z "$(our_mounts)" ] || fail "mounts left: $(our_mounts)"
[ "$(sysctls)" = "$before" ] || fail "sysctls not restored: $(sysctls | tr '\n' ' ')"
left=$(find "$d" -name 'mmtorture-*' 2>/dev/null)
[ -z "$left" ] || fail "files left in the run: $left"
assert_no_leftovers

# ---- 2. dm-delay and NFS: CONF with the reason where the kernel lacks them --
conf_case() {       # $1 name, $2 job text, $3 word the reason must hold
	printf '[global]\nduration = 5s\n[cell:a]\nworkload = fault\nthreads = 1\nsize = 8M\n%s\n' \
		"$2" >"$RESULTS/$1.ini"
	mmt_run "$RESULTS/$1.ini" --results "$RESULTS/$1"
	[ $RC -eq 125 ] || fail "$1 exited $RC, want 125 (CONF)"
	d=$(find "$RESULTS/$1" -mindepth 1 -maxdepth 1 -type d | head -n 1)
	why=$(jq -r '.verdict.reasons[].text' "$d/run.json")
	note "$1: $why"
	echo "$why" | grep -q "$3" || fail "$1: CONF without the reason: $why"
	[ "$(jq -r '.verdict.verdict' "$d/run.json")" = CONF ] || fail "$1: verdict is not CONF"
}
for t in delay flakey; do
	missing=$(dm_missing $t)
	if [ -n "$missing" ]; then
		conf_case dm-$t "[writeback]
target = dm-$t" "no $missing"
	else
		note "this kernel has device-mapper and dm-$t: it runs in the lab VM tests"
	fi
done
if ! grep -qw nfs /proc/filesystems && ! modprobe -q nfs 2>/dev/null; then
	conf_case nfs "[nfs]
[writeback]
target = nfs" "NFS"
else
	note "this kernel has an NFS client: NFS runs in the lab VM tests"
fi
[ -z "$(our_loops)" ] || fail "loop devices left: $(our_loops)"
assert_no_leftovers
exit 0

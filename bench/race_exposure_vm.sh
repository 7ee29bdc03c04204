#!/bin/sh
# Exposure of bench/race_repro (the afternoon reproducer, the baseline) by
# the counters mmtorture's rebinder uses (docs/results.md, "exposure"):
# rewrites/s x the PSI memory "some" fraction over its run, and the
# machine's slow-path entries/s (allocstall_* + compact_stall).  Run inside
# the lab VM before the jobs (busybox sh), so that the same boot then runs
# cpuset-rebind-task; bench/exposure_ratio prints the ratio on the host:
#   make bench/race_repro
#   MMT_VM_PRE=bench/race_exposure_vm.sh MMT_VM_PRE_FILES=bench/race_repro \
#     tests/vm/run --cgroup v1 --jobs cpuset-rebind-task --duration 60s \
#     --no-selftest --crash-job none --out DIR
#   bench/exposure_ratio DIR/v1/share
# MMT_REPRO_SECONDS (default 60) sets race_repro's run time.
out=/results/race_exposure.txt
secs=${MMT_REPRO_SECONDS:-60}

psi_some() { sed -n 's/^some .*total=\([0-9]*\).*/\1/p' /proc/pressure/memory 2>/dev/null; }
slow() {
	awk '/^allocstall_|^compact_stall / { s += $2 } END { print s + 0 }' /proc/vmstat
}

p0=$(psi_some) s0=$(slow)
/results/pre/race_repro -m race -t "$secs" > /tmp/race_repro.out 2>&1
rc=$?
p1=$(psi_some) s1=$(slow)
cat /tmp/race_repro.out > "$out"
echo "race_repro exit: $rc" >> "$out"
line=$(grep '^race_repro: mode=race' /tmp/race_repro.out)
seconds=$(echo "$line" | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p')
writes=$(echo "$line" | sed -n 's/.*mems_writes=\([0-9]*\).*/\1/p')
awk -v s="${seconds:-0}" -v w="${writes:-0}" -v p0="${p0:-}" -v p1="${p1:-}" \
    -v s0="$s0" -v s1="$s1" 'BEGIN {
	if (s <= 0) { print "race_repro exposure: no run"; exit }
	r = w / s
	printf "race_repro exposure: seconds=%.1f rewrites_per_s=%.2f slow_path_per_s=%.2f", s, r, (s1 - s0) / s
	if (p0 != "" && p1 != "") {
		f = (p1 - p0) / (s * 1e6); if (f > 1) f = 1
		printf " stall_fraction=%.6f windows_per_s=%.4f\n", f, r * f
	} else
		printf " stall_fraction=none windows_per_s=none\n"
}' >> "$out"
cat "$out"

#!/bin/sh
# Run bench/race_repro inside the lab VM (busybox sh), 60 s per mode; the
# counts go to /results/race_repro.txt (share/race_repro.txt on the host).
#   make bench/race_repro
#   MMT_VM_PRE=bench/race_repro_vm.sh MMT_VM_PRE_FILES=bench/race_repro \
#     tests/vm/run --kernel BZIMAGE --modules DIR --cgroup v1 --jobs none \
#     --no-check --no-selftest --crash-job none --timeout 900
out=/results/race_repro.txt
: > "$out"
for m in race static; do
	before=$(dmesg | grep -c 'page allocation failure')
	/results/pre/race_repro -m "$m" -t 60 >> "$out" 2>&1
	echo "race_repro -m $m: exit $?" >> "$out"
	after=$(dmesg | grep -c 'page allocation failure')
	echo "kmsg during -m $m: page allocation failure lines: $((after - before))" >> "$out"
done
{
	echo "kmsg total: page allocation failure: $(dmesg | grep -c 'page allocation failure')"
	echo "kmsg total: VM_FAULT_OOM leaked: $(dmesg | grep -c 'VM_FAULT_OOM leaked')"
	echo "kmsg total: Killed process: $(dmesg | grep -c 'Killed process')"
} >> "$out"
cat "$out"

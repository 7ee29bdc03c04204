#!/bin/sh
# `mmtorture check` describes this machine, consistently with sysfs.
. "$MMT_SRCDIR/tests/integration/lib.sh"

out=$("$MMT" check) || fail "check exited $?"
echo "$out" >&2
nodes=$(ls -d /sys/devices/system/node/node[0-9]* 2>/dev/null | wc -l)
[ "$nodes" -ge 1 ] || nodes=1
echo "$out" | grep -q "^numa nodes: $nodes\$" || fail "check does not report $nodes NUMA node(s)"
for ctrl in cpuset memory; do
	echo "$out" | grep -Eq "^  $ctrl +(v1|v2|none)" || fail "no cgroup mode line for $ctrl"
done
if grep -q cpuset /proc/cgroups && [ -d /sys/fs/cgroup/cpuset ]; then
	echo "$out" | grep -Eq "^  cpuset +v1 /sys/fs/cgroup/cpuset" || fail "cpuset should be v1 here"
fi
echo "$out" | grep -q "^  /dev/kmsg" || fail "no /dev/kmsg line"
echo "$out" | grep -q "^  psi " || fail "no psi line"
exit 0

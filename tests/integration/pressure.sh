#!/bin/sh
# The pressure injector (issue 10): a hog per node in its own cgroup, bound
# to the node, with a limit, moved by a control loop toward free memory =
# watermark + margin.  Two runs on this host prove the loop both ways:
#   1. free memory far above the target: the hog grows to max_hold, in its
#      cgroup, and is never OOM-killed (its memcg has room above what it holds);
#   2. a target above all the free memory (margin = the node's size): the hog
#      holds nothing;
#   3. hogs = 4: four hogs share the node's hold, together max_hold, a
#      quarter each (their memory.max is the node's, so one more than the
#      share would not fit four times).
# Nothing is left behind.
. "$MMT_SRCDIR/tests/integration/lib.sh"
need_root
need_tools jq
serialize
mk_results

node_kb=$(awk '/MemTotal/ {print $4}' /sys/devices/system/node/node0/meminfo 2>/dev/null)
[ -n "$node_kb" ] || skip "no /sys/devices/system/node/node0/meminfo"

job() {   # $1 name, $2 extra [pressure] keys
	printf '[global]\nduration = 4s\n[cell:a]\nworkload = fault\nthreads = 1\nsize = 8M\n[pressure]\nnodes = 0\nmax_hold = 64M\nstep = 16M\ninterval = 50ms\n%s\n' \
		"$2" >"$RESULTS/$1.ini"
	mmt_run --no-ktap "$RESULTS/$1.ini" --results "$RESULTS/$1"
	[ $RC -eq 0 ] || fail "$1: exit $RC"
	D=$(find "$RESULTS/$1" -mindepth 1 -maxdepth 1 -type d | head -n 1)
	N=$(jq -c '.injectors.pressure.nodes[0]' "$D/run.json")
	note "$1: $N"
}

job grow ""
[ "$(echo "$N" | jq .held_max)" -eq $((64 << 20)) ] || fail "grow: the hog did not reach max_hold: $N"
[ "$(echo "$N" | jq .kills)" -eq 0 ] || fail "grow: the hog was killed: $N"
[ "$(echo "$N" | jq '.memory_max > .limit')" = true ] || fail "grow: no room above the hold: $N"
# The hog lived in its own cgroup under the run's, bound to node 0.
grep -q "pressure-default-node0" "$D/journal" || fail "grow: the hog's cgroup is not journalled"

job shrink "margin = ${node_kb}K"
[ "$(echo "$N" | jq .held_max)" -eq 0 ] || fail "shrink: the hog held memory below its target: $N"

job slices "hogs = 4"
[ "$(echo "$N" | jq .hogs)" -eq 4 ] || fail "slices: not 4 hogs: $N"
[ "$(echo "$N" | jq .spawns)" -eq 4 ] || fail "slices: 4 hogs, not 4 spawns: $N"
[ "$(echo "$N" | jq .held_max)" -eq $((64 << 20)) ] || fail "slices: the hogs did not reach max_hold together: $N"
[ "$(echo "$N" | jq .kills)" -eq 0 ] || fail "slices: a hog was killed: $N"

assert_no_leftovers
exit 0

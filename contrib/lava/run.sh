#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The run step of contrib/lava/mmtorture.yaml (POSIX sh; busybox ash will
# do):  run.sh JOB DURATION [RUN_ARGS...]
# Runs one mmtorture job into a new results directory, prints its KTAP on
# the console, then reports every check and figure with lava-test-case
# (`mmtorture export --lava`).  When no run directory comes out (a usage or
# job-file error, exit 128; another run holds the machine, 129) it reports
# one failing case, <job>.run, so that the job never passes silently.
set -u
JOB=${1:-default}
DURATION=${2:-60s}
[ $# -ge 2 ] && shift 2 || shift $#
MMT=${MMT:-$(command -v mmtorture || echo mmtorture)}
RESULTS=$(mktemp -d "${TMPDIR:-/tmp}/mmtorture-lava.XXXXXX") || exit 1

"$MMT" run "$JOB" -t "$DURATION" --results "$RESULTS" --ktap "$@"
rc=$?
echo "mmtorture: exit code $rc (0 PASS, 1 FAIL, 125 CONF/BROK, 128 usage, 129 busy)"

dirs=
for d in "$RESULTS"/*/; do
	[ -f "${d}run.json" ] && dirs="$dirs ${d%/}"
done
if [ -z "$dirs" ]; then
	name=$(basename "$JOB" .ini | sed 's/[^A-Za-z0-9._-]/_/g')
	lava-test-case "${name}.run" --result fail --measurement "$rc" --units exit_code
	exit 0
fi
# shellcheck disable=SC2086
"$MMT" export --lava $dirs > "$RESULTS/lava-test-cases.sh" || {
	echo "mmtorture: export --lava failed" >&2
	exit 1
}
cat "$RESULTS/lava-test-cases.sh"
# shellcheck disable=SC1091
. "$RESULTS/lava-test-cases.sh"
exit 0

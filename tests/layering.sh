#!/bin/sh
# The floors of the tree (docs/architecture.md): a folder includes only from
# the floors below it, so the import graph between folders has no cycle.
#   lib/ (0) -> results/ (1) -> api/ (2) -> workloads/, injectors/ (3) -> harness/ (4)
# workloads/ and injectors/ share a floor and include nothing of each other.
# bench/ and tests/ stand outside the house and may include anything.
# Method: every `#include "DIR/..."` line of every .c/.h file under the six
# folders, compared by floor.  Prints each offending line; exit 1 if any.
set -u
SRC=$(cd "${MMT_SRCDIR:-$(dirname "$0")/..}" && pwd) || exit 99

floor() {
	case $1 in
	lib) echo 0 ;; results) echo 1 ;; api) echo 2 ;;
	workloads|injectors) echo 3 ;; harness) echo 4 ;; *) echo -1 ;;
	esac
}

# check_tree DIR: prints the offending lines; sets bad and edges.
check_tree() {
	(cd "$1" && {
		bad=0 edges=0
		for dir in lib results api workloads injectors harness; do
			mine=$(floor "$dir")
			for f in $(find "$dir" -name '*.[ch]' 2>/dev/null | sort); do
				# "DIR/x.h" includes only; "config.h" and system headers are not ours.
				for inc in $(sed -n 's/^#include "\([a-z]*\)\/[^"]*".*/\1/p' "$f"); do
					edges=$((edges + 1))
					[ "$inc" = "$dir" ] && continue
					theirs=$(floor "$inc")
					if [ "$theirs" -lt 0 ] || [ "$theirs" -ge "$mine" ]; then
						echo "layering: $f includes $inc/ (floor $theirs), from $dir/ (floor $mine)"
						bad=$((bad + 1))
					fi
				done
				# A bare "x.h" would hide the floor it comes from.
				if grep -n '^#include "[^/"]*"' "$f" | grep -v '"config.h"'; then
					echo "layering: $f: include by path from the top (\"lib/x.h\")"
					bad=$((bad + 1))
				fi
			done
		done

		echo "$bad $edges" >&3
	}) 3>"$tmp/count"
	read -r bad edges <"$tmp/count"
}

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
# Positive control: a ground file that includes the orchestrator, and a bare
# include, must both be caught.
mkdir -p "$tmp/tree/lib" "$tmp/tree/harness"
printf '#include "harness/run.h"\n#include "util.h"\n' >"$tmp/tree/lib/x.c"
printf '#include "lib/x.h"\n' >"$tmp/tree/harness/run.c"
check_tree "$tmp/tree" >/dev/null
[ "$bad" -eq 2 ] || { echo "layering: the check itself is broken (control: $bad of 2 caught)"; exit 99; }

check_tree "$SRC"
echo "# $edges includes between our folders checked, $bad against the floors"
[ "$bad" -eq 0 ]

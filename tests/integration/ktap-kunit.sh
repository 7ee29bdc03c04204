#!/bin/sh
# The kernel's own KTAP parser (tools/testing/kunit/kunit_parser.py, which
# `kunit.py parse` runs) reads mmtorture's KTAP cleanly: no parse error and
# the counts of our "# Totals" line, for each result.ktap of the unit
# tests' fixtures and a combined document of four runs.  Needs
# $MMT_KUNIT_PARSER, the path of kunit_parser.py in a kernel tree (its
# kunit_printer.py beside it); skips (77) without it.
. "$MMT_SRCDIR/tests/integration/lib.sh"
[ -n "${MMT_KUNIT_PARSER:-}" ] || skip "MMT_KUNIT_PARSER is not set (path of the kernel's tools/testing/kunit/kunit_parser.py)"
[ -f "$MMT_KUNIT_PARSER" ] || skip "MMT_KUNIT_PARSER=$MMT_KUNIT_PARSER: no such file"
need_tools python3
mk_results
fix="$MMT_TESTDATA/results"
set --
for c in pass fail brok conf; do
	mkdir -p "$RESULTS/$c"
	cp "$fix/$c.run.json" "$RESULTS/$c/run.json"
	set -- "$@" "$RESULTS/$c"
done
"$MMT" export --ktap "$@" >"$RESULTS/combined.ktap" || fail "export --ktap failed"
for f in "$fix"/*.ktap "$RESULTS/combined.ktap"; do
	python3 "$MMT_SRCDIR/tests/integration/kunit-check.py" "$MMT_KUNIT_PARSER" "$f" ||
		fail "kunit_parser.py: $(basename "$f") does not parse cleanly"
done
note "kunit_parser.py parses every KTAP cleanly"
exit 0

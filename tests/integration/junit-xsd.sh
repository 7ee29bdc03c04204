#!/bin/sh
# Every JUnit rendering at hand (junit_samples in lib.sh) validates against
# Jenkins' junit-4.xsd (dtkit) and the xunit plugin's junit-10.xsd.  Their
# text is not ours to ship: put them in $MMT_JUNIT_XSD_DIR (default
# ~/.cache/mmtorture-schemas; README "JUnit" says where to get them).
# Skips (77) when neither is there.
. "$MMT_SRCDIR/tests/integration/lib.sh"
need_tools xmllint
dir=${MMT_JUNIT_XSD_DIR:-$HOME/.cache/mmtorture-schemas}
xsds=""
for s in junit-4.xsd junit-10.xsd; do
	[ -f "$dir/$s" ] && xsds="$xsds $dir/$s"
done
[ -n "$xsds" ] || skip "no junit-4.xsd or junit-10.xsd in $dir (MMT_JUNIT_XSD_DIR)"
[ "$(id -u)" = 0 ] && { need_tools jq flock; serialize; }
mk_results
junit_samples "$RESULTS/xml"
n=0
for xsd in $xsds; do
	for f in "$RESULTS"/xml/*.xml; do
		xmllint --noout --schema "$xsd" "$f" 2>"$RESULTS/xsd-err" ||
			{ cat "$RESULTS/xsd-err" >&2; fail "$(basename "$f") is not valid against $xsd"; }
		n=$((n + 1))
	done
	note "valid against $xsd"
done
note "$n validations"
exit 0

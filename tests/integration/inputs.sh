#!/bin/sh
# Bad input is refused on one clean line (issue 14 items 5-8), and nothing
# inside a run directory is followed through a symlink (item 7):
#  - a swap dir= that is a regular file is a job error (file:line:key);
#  - `run -t 99999h` is refused like the job key `duration` (at most 168h);
#  - a job line holding only a form feed or a vertical tab: one line of
#    error, the character shown as \x0c / \x0b, never raw;
#  - a directory given as a job "is a directory";
#  - --results may be a symlink (the user chose it), but a symlink planted
#    in a run directory as its journal or as report.html's temporary file
#    is not followed: the files it points at stay as they were.
. "$MMT_SRCDIR/tests/integration/lib.sh"
[ -x "$MMT" ] || fail "$MMT is not an executable"
mk_results

expect_usage() {  # WHAT WANT ARGS...
	what=$1 want=$2
	shift 2
	rc=0
	timeout 60 "$MMT" run "$@" >/dev/null 2>"$RESULTS/err" </dev/null || rc=$?
	[ $rc -eq 128 ] || { cat "$RESULTS/err" >&2; fail "$what: exit $rc, not 128"; }
	grep -qF -- "$want" "$RESULTS/err" || { cat "$RESULTS/err" >&2; fail "$what: no '$want'"; }
	[ "$(wc -l <"$RESULTS/err")" -eq 1 ] || { cat -A "$RESULTS/err" >&2; fail "$what: not one line"; }
	! LC_ALL=C grep -q "$(printf '[\001-\010\013-\037]')" "$RESULTS/err" ||
		fail "$what: raw control characters in the error"
}

expect_usage "-t 99999h" "-t 99999h: not a duration from 1s to 168h" -t 99999h --results "$RESULTS/r"
expect_usage "-t 169h" "-t 169h: not a duration from 1s to 168h" -t 169h --results "$RESULTS/r"
printf '[global]\n\f\n' >"$RESULTS/ff.ini"
expect_usage "form feed" "ff.ini:2: syntax error: '\\x0c' is not 'key = value'" "$RESULTS/ff.ini"
printf '\v\n' >"$RESULTS/vt.ini"
expect_usage "vertical tab" "vt.ini:1: syntax error: '\\x0b' is not 'key = value'" "$RESULTS/vt.ini"
printf '[cell:a]\nworkload = fault\nsize = 8M\n\n[swap]\nbacking = file\ndir = /etc/passwd\n' \
	>"$RESULTS/swapdir.ini"
expect_usage "swap dir= a file" "swapdir.ini:7: [swap] dir: /etc/passwd is not a directory" \
	"$RESULTS/swapdir.ini"
mkdir "$RESULTS/adir"
expect_usage "a directory" "job $RESULTS/adir: is a directory" "$RESULTS/adir"
[ ! -e "$RESULTS/r" ] || fail "a refused run made $RESULTS/r"

[ "$(id -u)" = 0 ] || { note "not root: the symlink half needs a run"; exit 0; }
need_tools jq flock
serialize
# --results through a symlink: allowed, the run lands in the target.
mkdir "$RESULTS/real"
ln -s "$RESULTS/real" "$RESULTS/link"
"$MMT" run -t 1s --results "$RESULTS/link" >/dev/null 2>"$RESULTS/err" ||
	{ rc=$?; [ $rc -ge 128 ] && { cat "$RESULTS/err" >&2; fail "run --results LINK exited $rc"; }; }
d=$(find "$RESULTS/real" -mindepth 1 -maxdepth 1 -type d | head -n 1)
[ -n "$d" ] && [ -f "$d/run.json" ] || fail "no run under the --results symlink's target"

# Planted links inside a run directory are not followed.
echo "keep" >"$RESULTS/victim"
ln -s "$RESULTS/victim" "$d/report.html.tmp"
"$MMT" report "$d" >/dev/null 2>&1
[ "$(cat "$RESULTS/victim")" = keep ] || fail "report wrote through a planted report.html.tmp"
printf '1\tfile\t%s/mmtorture-victim\n' "$RESULTS" >"$RESULTS/planted-journal"
echo "keep" >"$RESULTS/mmtorture-victim"
mv "$d/journal" "$d/journal.orig"
ln -s "$RESULTS/planted-journal" "$d/journal"
"$MMT" cleanup "$d" >/dev/null 2>"$RESULTS/err" && fail "cleanup replayed a journal that is a symlink"
grep -q "symbolic links" "$RESULTS/err" || { cat "$RESULTS/err" >&2; fail "cleanup did not say why"; }
[ -f "$RESULTS/mmtorture-victim" ] || fail "cleanup replayed a planted journal"
rm -f "$d/journal"
mv "$d/journal.orig" "$d/journal"
exit 0

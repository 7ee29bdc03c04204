#!/bin/sh
# `mmtorture export --kcidb` output validates against KernelCI's KCIDB I/O
# schema v5 (kernelci/kcidb-io; README "KernelCI" says how to extract it)
# with python3-jsonschema: every kcidb.v5.*.schema.json in
# $MMT_KCIDB_SCHEMA_DIR (default ~/.cache/mmtorture-schemas).  Skips (77)
# without a schema or the validator.
. "$MMT_SRCDIR/tests/integration/lib.sh"
dir=${MMT_KCIDB_SCHEMA_DIR:-$HOME/.cache/mmtorture-schemas}
ls "$dir"/kcidb.v5.*.schema.json >/dev/null 2>&1 || skip "no kcidb.v5.*.schema.json in $dir (MMT_KCIDB_SCHEMA_DIR)"
python3 -c 'import jsonschema' 2>/dev/null || skip "needs python3-jsonschema"
mk_results
set --
for c in pass fail brok conf; do
	mkdir -p "$RESULTS/$c"
	cp "$MMT_TESTDATA/results/$c.run.json" "$RESULTS/$c/run.json"
	set -- "$@" "$RESULTS/$c"
done
"$MMT" export --kcidb -o "$RESULTS/kcidb.json" "$@" || fail "export --kcidb failed"
for s in "$dir"/kcidb.v5.*.schema.json; do
	python3 - "$s" "$RESULTS/kcidb.json" <<'PY' || fail "not valid against $s"
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
data = json.load(open(sys.argv[2]))
cls = jsonschema.validators.validator_for(schema)
errors = sorted(cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(data), key=str)
for e in errors[:10]:
    print("%s: %s" % ("/".join(map(str, e.absolute_path)), e.message), file=sys.stderr)
sys.exit(1 if errors else 0)
PY
	note "valid against $(basename "$s")"
done
exit 0

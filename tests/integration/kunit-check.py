#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""kunit-check.py KUNIT_PARSER KTAP: parse KTAP with the kernel's
kunit_parser.py and check it cleanly: no error, and the leaf counts of our
own "# Totals:" lines (the subtests' in a combined document, else the
document's).  Exit 0 when clean, 1 otherwise (what is wrong on stderr)."""
import inspect
import io
import os
import re
import sys
from contextlib import redirect_stdout

sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[1])))
import kunit_parser  # noqa: E402

lines = open(sys.argv[2], encoding="utf-8").read().splitlines()
out = io.StringIO()
if hasattr(kunit_parser, "stdout"):  # the printer it imported (6.1 on)
    kunit_parser.stdout._output = out
with redirect_stdout(out):
    if len(inspect.signature(kunit_parser.parse_run_tests).parameters) > 1:
        import kunit_printer
        test = kunit_parser.parse_run_tests(lines, kunit_printer.Printer(out))
    else:
        test = kunit_parser.parse_run_tests(lines)
counts = test.counts
problems = []
if counts.errors:
    problems.append("%d parse error(s)" % counts.errors)
if "[ERROR]" in out.getvalue():
    problems.append("the parser printed an error")
nested = any(re.match(r"\s+KTAP version", l) for l in lines)
want = [0, 0, 0, 0]
for line in lines:
    m = re.match(r"(\s*)# Totals: pass:(\d+) fail:(\d+) xfail:0 xpass:0 skip:(\d+) error:(\d+)$",
                 line)
    if m and bool(m.group(1)) == nested:
        want = [w + int(x) for w, x in zip(want, m.groups()[1:])]
# kunit counts our ERROR results ("not ok ... # ERROR") as failed
got = [counts.passed, counts.failed, counts.skipped]
if got != [want[0], want[1] + want[3], want[2]]:
    problems.append("counts %s, the Totals lines say %s" % (got, want))
if problems:
    sys.stderr.write("%s: %s\n%s" % (sys.argv[2], "; ".join(problems), out.getvalue()))
    sys.exit(1)

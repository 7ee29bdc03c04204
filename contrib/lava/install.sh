#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The install step of contrib/lava/mmtorture.yaml: an mmtorture already on
# PATH (or in $MMT) is used as it is; otherwise this tree is built with
# ./bootstrap (as root on Debian it apt-get installs what it needs) and
# installed with make install.
set -eu
cd "$(dirname "$0")/../.."

if [ -n "${MMT:-}" ] && [ -x "$MMT" ]; then
	echo "mmtorture: using $MMT"
	exit 0
fi
if command -v mmtorture >/dev/null 2>&1; then
	echo "mmtorture: using $(command -v mmtorture)"
	exit 0
fi
echo "mmtorture: not installed; building $(pwd)"
./bootstrap
make install
echo "mmtorture: installed $(command -v mmtorture)"

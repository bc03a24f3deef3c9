#!/bin/sh
# `make report [DATASETS="dir ..."] [OUT=dir]`: the report of the given runs,
# into OUT when it is set (required by the report for several runs).
set -eu
cd "$(dirname "$0")/.."
if [ -n "${OUT:-}" ]; then
	exec bin/iotlbench report "$@" --out "$OUT"
fi
exec bin/iotlbench report "$@"

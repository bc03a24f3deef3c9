#!/bin/sh
# Times the report on a synthetic dataset standing for one 10 M-I/O run
# (bench/make_large.R). Target: at most 10 s on the project's machine.
#
#   sh analysis/bench/bench_report.sh [TOTAL_OPS]
#
# The dataset is generated once per size and kept in $TMPDIR; only the report
# (R start-up, loading, reach, figures, tables, HTML) is timed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
ops=${1:-10000000}
work=${TMPDIR:-/tmp}/iotlbench-bench-$ops
if [ ! -f "$work/data/meta.json" ]; then
	echo "generating $ops-operation dataset in $work/data"
	Rscript "$here/make_large.R" "$work/data" "$ops"
fi
rm -rf "$work/report"
start=$(date +%s.%N)
Rscript "$here/../report.R" "$work/data" --out "$work/report" 2>"$work/report.log"
end=$(date +%s.%N)
rows=$(wc -l <"$work/data/latency_hist.csv")
cases=$(($(wc -l <"$work/data/results.csv") - 1))
# Children's CPU time as well: on a shared machine the wall time says more
# about the neighbours than about the report.
times >"$work/times"; cpu=$(tail -n 1 "$work/times")
awk -v s="$start" -v e="$end" -v o="$ops" -v c="$cases" -v r="$rows" -v cpu="$cpu" \
	'BEGIN { printf "report: %s I/Os, %s cases, %s histogram rows: %.2f s wall (CPU user/sys of the whole script: %s)\n", o, c, r, e - s, cpu }'

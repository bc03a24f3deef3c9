#!/bin/sh
# Times the report on a 10 M-I/O run. Target: at most 10 s on the project's
# machine.
#
#   sh analysis/bench/bench_report.sh [--runs N] [TOTAL_OPS]   generated dataset
#   sh analysis/bench/bench_report.sh [--runs N] --real        real run
#
# Generated (default): a synthetic dataset standing for one run of TOTAL_OPS
# (default 10,000,000) operations, written by bench/make_large.R: every
# benchmark kind on three page sizes, counters and trace histograms, 129 cases.
# Real (--real): `bin/iotlbench run analysis/bench/real10m.suite --preset
# intel-e5-2660v2` on the emulated controller, the default suite scaled to
# 10,000,000 timed I/Os, 72 cases (1 to 1.5 minutes; needs `make all`).
#
# Either dataset is made once and kept in $TMPDIR; only the report (R
# start-up, loading, reach, figures, tables, HTML) is timed, N times
# (default 3), each run's wall and CPU time printed, then min/median/max.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=3
real=0
ops=10000000
while [ $# -gt 0 ]; do
	case $1 in
	--real) real=1 ;;
	--runs) runs=$2; shift ;;
	--runs=*) runs=${1#--runs=} ;;
	-h | --help) sed -n '2,18p' "$0"; exit 0 ;;
	*) ops=$1 ;;
	esac
	shift
done

if [ $real = 1 ]; then
	work=${TMPDIR:-/tmp}/iotlbench-bench-real10m
	data=$work/runs/latest
	if [ ! -f "$data/meta.json" ] || ! grep -q '"complete": *true' "$data/meta.json"; then
		[ -x "$root/bin/iotlbench" ] || { echo "bench_report: bin/iotlbench missing: run make all" >&2; exit 1; }
		echo "running $here/real10m.suite into $work/runs (1 to 1.5 minutes)"
		rm -rf "$work/runs"; mkdir -p "$work"
		"$root/bin/iotlbench" run "$here/real10m.suite" --preset intel-e5-2660v2 \
			--out "$work/runs" --quiet
	fi
	what="real run $(basename "$(cd "$data" && pwd -P)")"
else
	work=${TMPDIR:-/tmp}/iotlbench-bench-$ops
	data=$work/data
	if [ ! -f "$data/meta.json" ]; then
		echo "generating $ops-operation dataset in $data"
		Rscript "$here/make_large.R" "$data" "$ops"
	fi
	what="generated dataset"
fi

# Timed I/Os: the ops of the I/O kinds (map and count count map/unmap pairs).
ios=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "kind" || $i == "suite") k = i; if ($i == "ops") o = i }; next }
	$k == "reuse" || $k == "churn" || $k == "latency" { s += $o } END { printf "%d", s }' "$data/results.csv")
cases=$(($(wc -l <"$data/results.csv") - 1))
rows=$(($(wc -l <"$data/latency_hist.csv") - 1))
echo "report on the $what: $ios timed I/Os, $cases cases, $rows histogram rows ($data)"

# CPU time of the children (R), from the shell's `times` (run in this shell,
# not in a subshell, which would not see them): on a shared machine the wall
# time says more about the neighbours than about the report.
cpu_now() { times >"$work/times"; }
cpu_read() { awk 'NR == 2 { s = 0
	for (i = 1; i <= NF; i++) { split($i, p, "m"); sub("s", "", p[2]); s += p[1] * 60 + p[2] }
	printf "%.3f", s }' "$work/times"; }
i=0
: >"$work/walls"
while [ $i -lt "$runs" ]; do
	i=$((i + 1))
	rm -rf "$work/report"
	cpu_now; c0=$(cpu_read); t0=$(date +%s.%N)
	Rscript "$root/analysis/report.R" "$data" --out "$work/report" 2>"$work/report.log"
	t1=$(date +%s.%N); cpu_now; c1=$(cpu_read)
	awk -v a="$t0" -v b="$t1" -v c="$c0" -v d="$c1" -v i="$i" -v w="$work/walls" \
		'BEGIN { printf "run %d: %.2f s wall, %.2f s CPU (user+sys)\n", i, b - a, d - c; printf "%.3f\n", b - a >>w }'
done
sort -n "$work/walls" | awk '{ v[NR] = $1 } END {
	m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	printf "wall over %d runs: min %.2f s, median %.2f s, max %.2f s\n", NR, v[1], m, v[NR] }'

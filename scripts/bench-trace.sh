#!/bin/sh
# Tracing overhead on map/unmap latency: the same map suite run ROUNDS
# times alternately without and with probes attached (BENCH_TRACE_PROBES,
# default usdt: the driver's USDT probes aggregated in kernel histograms;
# in the QEMU guest use BENCH_TRACE_PROBES=all and BENCH_TRACE_BACKEND=vfio
# or iommufd to include the kernel probes). Prints the median of the
# per-round mean latencies and the overhead; budget: <= 5 %.
set -eu
ROUNDS=${ROUNDS:-5}
OPS=${OPS:-20000}
PROBES=${BENCH_TRACE_PROBES:-usdt}
BACKEND=${BENCH_TRACE_BACKEND:-emu}
BIN=${BIN:-bin/iotlbench}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cat >"$out/map.suite" <<SUITE
[global]
description = map/unmap latency for the tracing overhead benchmark
[map]
page_size = 4k
map_size = 4k
ops = $OPS
warmup = 1000
SUITE
# mean_ns of the map and unmap rows of a run's results.csv
means() {
	awk -F, 'NR > 1 && ($5 == "map" || $5 == "unmap") { printf "%s %s\n", $5, $14 }' "$1"/*/results.csv
}
for i in $(seq "$ROUNDS"); do
	for mode in off on; do
		rm -rf "$out/$mode"
		if [ "$mode" = on ]; then
			"$BIN" run "$out/map.suite" --backend "$BACKEND" --out "$out/$mode" --quiet \
				--trace="$PROBES" >/dev/null 2>"$out/err" || { cat "$out/err" >&2; exit 1; }
		else
			"$BIN" run "$out/map.suite" --backend "$BACKEND" --out "$out/$mode" --quiet \
				>/dev/null 2>"$out/err" || { cat "$out/err" >&2; exit 1; }
		fi
		means "$out/$mode" | sed "s/^/$mode /" >>"$out/all"
	done
done
echo "map/unmap mean latency, $ROUNDS rounds of $OPS ops, backend $BACKEND, probes '$PROBES'"
for op in map unmap; do
	off=$(awk -v o="$op" '$1 == "off" && $2 == o { print $3 }' "$out/all" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	on=$(awk -v o="$op" '$1 == "on" && $2 == o { print $3 }' "$out/all" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	awk -v op="$op" -v a="$off" -v b="$on" 'BEGIN { printf "  %-5s off %8.1f ns   on %8.1f ns   overhead %+6.1f %%\n", op, a, b, (b - a) * 100 / a }'
done

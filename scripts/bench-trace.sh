#!/bin/sh
# Tracing overhead on map/unmap latency: the same map suite run ROUNDS
# times alternately without and with probes attached (BENCH_TRACE_PROBES:
# default, the set `run --trace` takes; all; usdt; or a list), on
# BENCH_TRACE_BACKEND (emu; vfio or iommufd with BENCH_TRACE_DEVICE=BDF, in
# the QEMU guest: scripts/bench-trace-guest.sh). Prints the median of the
# per-round median and mean latencies and the overhead; budget: <= 5 %.
set -eu
ROUNDS=${ROUNDS:-5}
OPS=${OPS:-20000}
PROBES=${BENCH_TRACE_PROBES:-default}
DEVICE=${BENCH_TRACE_DEVICE:-}
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
# p50_ns and mean_ns of the map and unmap rows of a run's results.csv
means() {
	awk -F, 'NR > 1 && ($5 == "map" || $5 == "unmap") { printf "%s %s %s\n", $5, $15, $14 }' "$1"/*/results.csv
}
for i in $(seq "$ROUNDS"); do
	for mode in off on; do
		rm -rf "$out/$mode"
		if [ "$mode" = on ]; then
			"$BIN" run "$out/map.suite" --backend "$BACKEND" ${DEVICE:+--device "$DEVICE"} --out "$out/$mode" --quiet \
				--trace="$PROBES" >/dev/null 2>"$out/err" || { cat "$out/err" >&2; exit 1; }
		else
			"$BIN" run "$out/map.suite" --backend "$BACKEND" ${DEVICE:+--device "$DEVICE"} --out "$out/$mode" --quiet \
				>/dev/null 2>"$out/err" || { cat "$out/err" >&2; exit 1; }
		fi
		means "$out/$mode" | sed "s/^/$mode /" >>"$out/all"
	done
done
echo "map/unmap latency, $ROUNDS rounds of $OPS ops each way, backend $BACKEND, probes '$PROBES'"
med() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
for op in map unmap; do
	for col in 3 4; do
		off=$(awk -v o="$op" -v c="$col" '$1 == "off" && $2 == o { print $c }' "$out/all" | med)
		on=$(awk -v o="$op" -v c="$col" '$1 == "on" && $2 == o { print $c }' "$out/all" | med)
		awk -v op="$op" -v s="$([ "$col" = 3 ] && echo median || echo mean)" -v a="$off" -v b="$on" \
			'BEGIN { printf "  %-5s %-6s off %9.1f ns   on %9.1f ns   overhead %+6.1f %%\n", op, s, a, b, (b - a) * 100 / a }'
	done
done

#!/bin/sh
# Tracing overhead on real map/unmap, in the QEMU guest (tests/vm): one boot
# runs scripts/bench-trace.sh on vfio and iommufd with the default probe set
# and with every probe (PROBE_SETS, default "default all"). Same guest run,
# probes on vs off, alternating rounds. Output: bench-trace.sh's summary per
# backend and set.
#
# usage: sh scripts/bench-trace-guest.sh    (ROUNDS=5 OPS=5000 PROBE_SETS=...)
set -eu
ROUNDS=${ROUNDS:-5}
OPS=${OPS:-5000}
PROBE_SETS=${PROBE_SETS:-default all}
[ -x bin/iotlbench ] || { echo "bench-trace-guest.sh: build first (make)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/trace-bench" <<GUEST
#!/bin/sh
set -u
for b in vfio iommufd; do
	for p in $PROBE_SETS; do
		if ROUNDS=$ROUNDS OPS=$OPS BIN=iotlbench BENCH_TRACE_BACKEND=\$b BENCH_TRACE_PROBES=\$p \\
			BENCH_TRACE_DEVICE="\$IOTLB_BDF" sh /bin/bench-trace.sh >/tmp/bt.out 2>&1; then
			cat /tmp/bt.out
			echo "IOTLB-RESULT bench-trace/\$b-\$p pass"
		else
			cat /tmp/bt.out
			echo "IOTLB-RESULT bench-trace/\$b-\$p fail"
		fi
	done
done
GUEST
sh tests/vm/run-guest.sh --file bin/iotlbench:/bin/iotlbench --file scripts/bench-trace.sh:/bin/bench-trace.sh \
	--test "$work/trace-bench" --timeout 3000 --out "$work/vm" >"$work/log" 2>&1 || {
	tail -n 40 "$work/log" >&2
	exit 1
}
grep -E 'map/unmap latency|overhead|IOTLB-RESULT bench-trace' "$work/log" | sed 's/^guest: *//; s/^ *| //'

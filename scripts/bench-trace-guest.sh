#!/bin/sh
# Tracing overhead on real map/unmap, in the QEMU guest (tests/vm): one boot
# runs bin/bench-trace-map on vfio and iommufd with each probe set in
# PROBE_SETS (default "default all": the set `run --trace` takes, and every
# probe). Within one process, blocks of map+unmap pairs alternate between
# probes detached and attached; the summary gives the paired median added
# latency per operation.
#
# ICOUNT=N boots the guest with instruction-counted time (run-guest.sh
# --icount N), so the overhead is counted in guest instructions, free of the
# emulator's own costs and of run-to-run noise.
#
# usage: sh scripts/bench-trace-guest.sh
#        (ROUNDS=12 OPS=1000 PROBE_SETS="default all" SIZES="4K 2M" ICOUNT=)
set -eu
ROUNDS=${ROUNDS:-12}
OPS=${OPS:-1000}
PROBE_SETS=${PROBE_SETS:-default all}
SIZES=${SIZES:-4K 2M}
[ -x bin/bench-trace-map ] || { echo "bench-trace-guest.sh: build first (make)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/trace-bench" <<GUEST
#!/bin/sh
set -u
for sz in $SIZES; do
	for b in vfio iommufd; do
		for p in $PROBE_SETS; do
			if bench-trace-map --rounds $ROUNDS --ops $OPS --page-size \$sz \$b "\$IOTLB_BDF" \$p \
				2>/tmp/bt.err; then
				echo "IOTLB-RESULT bench-trace/\$b-\$p-\$sz pass"
			else
				cat /tmp/bt.err
				echo "IOTLB-RESULT bench-trace/\$b-\$p-\$sz fail"
			fi
		done
	done
done
GUEST
sh tests/vm/run-guest.sh --file bin/bench-trace-map:/bin/bench-trace-map --test "$work/trace-bench" \
	${ICOUNT:+--icount "$ICOUNT"} --append "hugepagesz=2M hugepages=8" --timeout 3000 --out "$work/vm" >"$work/log" 2>&1 || {
	tail -n 40 "$work/log" >&2
	exit 1
}
grep -E "probes '|  (map|unmap) +off|IOTLB-RESULT bench-trace" "$work/log" | sed 's/^guest: *//; s/^ *| //'

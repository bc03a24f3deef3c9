#!/bin/sh
# The kernel backend under each IOMMU mode, side by side: one QEMU guest boot
# per mode in MODES (tests/vm kernel-strict, kernel-lazy, kernel-pt,
# kernel-off: the NVMe function stays with the kernel's nvme driver), each
# running the same latency suite through `iotlbench run --backend kernel`
# (io_uring, O_DIRECT, QD1, 4 KiB and 128 KiB random reads). The run
# directories come back to OUT/kernel-MODE and `iotlbench report` puts them
# into one report; its side-by-side table (analysis/R/tab_side_by_side.R:
# p50 with its 95 % bootstrap interval, p99, and the iommu:map, iommu:unmap
# and qi_submit hits per case) is printed. The latencies are TCG emulation
# (every guest instruction emulated, the device emulated by QEMU): they
# compare the modes within this setup and say nothing about hardware.
#
# usage: sh scripts/kernel-side-by-side.sh
#        (MODES="strict lazy pt off" IOS=2000 OUT=tests/logs/kernel-side-by-side)
set -eu
MODES=${MODES:-strict lazy pt off}
IOS=${IOS:-2000}
OUT=${OUT:-tests/logs/kernel-side-by-side}
[ -x bin/iotlbench ] || {
	echo "kernel-side-by-side.sh: build first (make)" >&2
	exit 2
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/kss.suite" <<SUITE
[global]
description = kernel backend by IOMMU mode, QD1 random reads (TCG emulation)

[latency]
qd = 1
io_size = 4k,128k
ios = $IOS
warmup = 100
SUITE
cat >"$work/kernel-sbs" <<'GUEST'
#!/bin/sh
set -u
blk=${IOTLB_BLOCK:-}
[ -b "$blk" ] || { echo "IOTLB-RESULT kss/setup fail no block device"; exit 1; }
if iotlbench run /kss.suite --backend kernel --device "$blk" --out /tmp/kss \
	--no-summary >/tmp/kss.log 2>&1; then
	mkdir -p /guest-out
	(cd "$(readlink -f /tmp/kss/latest)" && tar cf /guest-out/run.tar .)
	echo "IOTLB-RESULT kss/run pass"
else
	echo "IOTLB-RESULT kss/run fail $(tail -n 2 /tmp/kss.log | tr '\n' ' ')"
fi
GUEST
mkdir -p "$OUT"
dirs=""
for m in $MODES; do
	echo "kernel-side-by-side: booting kernel-$m" >&2
	sh tests/vm/run-guest.sh --mode "kernel-$m" --test "$work/kernel-sbs" \
		--file bin/iotlbench:/bin/iotlbench --file "$work/kss.suite:/kss.suite" \
		--mem 2G --timeout 900 --out "$work/vm-$m" >"$work/log-$m" 2>&1 || {
		tail -n 20 "$work/log-$m" >&2
		exit 1
	}
	rm -rf "${OUT:?}/kernel-$m"
	mkdir -p "$OUT/kernel-$m"
	tar xf "$work/vm-$m/guest-out/run.tar" -C "$OUT/kernel-$m"
	dirs="$dirs $OUT/kernel-$m"
done
# shellcheck disable=SC2086
bin/iotlbench report $dirs --out "$OUT/report" >"$work/report.log" 2>&1 || {
	tail -n 20 "$work/report.log" >&2
	exit 1
}
echo "QD1 random reads through the kernel NVMe driver by IOMMU mode (TCG emulation, not hardware):"
cat "$OUT/report/table_side_by_side.md"

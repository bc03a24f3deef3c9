#!/bin/sh
# Guest test: every benchmark kind (the quick suite) on the real backends the
# boot mode offers, against the QEMU NVMe controller: vfio and iommufd with
# the IOMMU on, pagemap with it off. Each run must finish every case, leave
# no mapping behind and write a complete dataset; the datasets go back to the
# host through /guest-out (the reference guest dataset comes from here).
set -u
mode=${IOTLB_MODE:-iommu}
bdf=${IOTLB_BDF:-}
out=/tmp/runs
mkdir -p /guest-out "$out"
case $mode in
iommu) backends="vfio iommufd" ;;
*) backends="pagemap" ;;
esac
if [ -z "$bdf" ]; then
	echo "IOTLB-RESULT suites/setup fail no NVMe function (IOTLB_BDF unset)"
	exit 1
fi
# Small enough for TCG: every kind once, a few thousand I/Os each.
sets="--set ios=2000 --set ops=20"
for b in $backends; do
	log=/tmp/suite-$b.log
	# The vfio run is traced (USDT probes: the program's own map, unmap and
	# I/O timings), so the guest reference data carry a traced run and the
	# report's kernel-breakdown figure has something to draw.
	trace=""
	[ "$b" = vfio ] && trace="--trace=usdt"
	if iotlbench run quick --backend "$b" --device "$bdf" --out "$out/$b" $sets $trace >"$log" 2>&1; then
		dir=$(readlink -f "$out/$b/latest")
		meta="$dir/meta.json"
		if grep -q '"complete":true' "$meta" && grep -q '"dma_mappings_at_exit":0' "$meta" &&
			[ "$(wc -l <"$dir/results.csv")" -gt 10 ]; then
			echo "IOTLB-RESULT suites/quick-$b pass $(($(wc -l <"$dir/results.csv") - 1)) result rows"
		else
			echo "IOTLB-RESULT suites/quick-$b fail incomplete dataset or mappings left behind"
			cat "$meta"
		fi
		(cd "$dir/.." && tar czf "/guest-out/quick-$b.tar.gz" "$(basename "$dir")")
	else
		echo "IOTLB-RESULT suites/quick-$b fail iotlbench run exited non-zero"
		tail -n 30 "$log"
	fi
done

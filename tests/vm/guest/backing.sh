#!/bin/sh
# Guest test: `backing = hugetlb` (and memfd) with 2 MiB pages on the real
# backends. The suite's backing names the data buffers' memory; the driver's
# own 4 KiB structures (the queue rings, PRP lists) must still come from
# memory with 4 KiB pages (mem_kind_for()), or every case fails with
# "queue 1: allocating rings: hugetlb pages are 2 MiB or 1 GiB, not 4 KiB".
# iommu boot: vfio and iommufd; noiommu boot: pagemap. Every case must end
# with a row and the run with no failed case.
set -u
mode=${IOTLB_MODE:-iommu}
bdf=${IOTLB_BDF:-}
out=/tmp/backing
mkdir -p "$out"
res() { echo "IOTLB-RESULT backing/$1 $2 ${3:-}"; }
if [ -z "$bdf" ]; then
	res setup fail "no NVMe function (IOTLB_BDF unset)"
	exit 1
fi
case $mode in
iommu) backends="vfio iommufd" ;;
noiommu) backends="pagemap" ;;
*)
	res setup skip "runs in the iommu and noiommu boots (this boot is '$mode')"
	exit 0
	;;
esac
for kind in hugetlb memfd; do
	printf '[reuse]\npage_size = 2m\nbacking = %s\npages = 1,4\nios = 200\n' "$kind" >"$out/$kind.suite"
	for b in $backends; do
		d="$out/$b-$kind"
		iotlbench run "$out/$kind.suite" --backend "$b" --device "$bdf" --out "$d" -q \
			--no-summary >"$d.log" 2>&1
		rc=$?
		rows=0
		[ -f "$d/latest/results.csv" ] && rows=$(($(wc -l <"$d/latest/results.csv") - 1))
		failed=$(tr -d '\n' <"$d/latest/meta.json" 2>/dev/null | grep -o '"failed_cases": *\[[^]]*\]')
		if [ "$rc" = 0 ] && [ "$rows" = 2 ]; then
			res "$b-$kind" pass "2 MiB $kind pages, 2 cases"
		else
			res "$b-$kind" fail "exit $rc, $rows rows: $failed $(tail -n 2 "$d.log" | tr '\n' ' ')"
		fi
	done
done

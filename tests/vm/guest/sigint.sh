#!/bin/sh
# Guest test: SIGINT in the middle of a case on the vfio backend. iotlbench
# must exit 130 with a valid partial dataset marked incomplete, no DMA
# mapping left, the controller disabled, and the device free for the next
# user (a second run opens it again).
set -u
bdf=${IOTLB_BDF:-}
if [ "${IOTLB_MODE:-iommu}" != iommu ] || [ -z "$bdf" ]; then
	echo "IOTLB-RESULT sigint/vfio skip needs the IOMMU boot with the device on vfio-pci"
	exit 0
fi
out=/tmp/sigint
rm -rf "$out"
printf '[map]\nops = 50\n[reuse]\npages = 4,8\nios = 100000000\n' >/tmp/sigint.suite
iotlbench run /tmp/sigint.suite --backend vfio --device "$bdf" --out "$out" --quiet &
pid=$!
# Wait for the two map rows, then a moment into the long reuse case.
i=0
while [ "$i" -lt 600 ]; do
	n=$(cat "$out"/*/results.csv 2>/dev/null | wc -l)
	[ "$n" -ge 3 ] && break
	sleep 0.1
	i=$((i + 1))
done
sleep 1
kill -INT "$pid"
wait "$pid"
rc=$?
dir=$(ls -d "$out"/2* | head -n 1)
meta="$dir/meta.json"
fail=""
[ "$rc" = 130 ] || fail="$fail exit=$rc"
grep -q '"complete":false' "$meta" || fail="$fail not-marked-incomplete"
grep -q '"interrupted":"SIGINT"' "$meta" || fail="$fail no-interrupted-field"
grep -q '"dma_mappings_at_exit":0' "$meta" || fail="$fail mappings-left"
grep -q '"controller_ready_at_exit":false' "$meta" || fail="$fail controller-still-enabled"
rows=$(($(wc -l <"$dir/results.csv") - 1))
[ "$rows" = 2 ] || fail="$fail rows=$rows"
# Every row whole: as many fields as the header (columns get appended as the
# schema grows, so the count comes from the file, not from here).
awk -F, 'NR == 1 { n = NF } NR > 1 && NF != n { bad = 1 } END { exit bad }' "$dir/results.csv" ||
	fail="$fail torn-row"
# The device is released: a new run opens it.
printf '[map]\nops = 5\n' >/tmp/again.suite
iotlbench run /tmp/again.suite --backend vfio --device "$bdf" --out /tmp/again --quiet ||
	fail="$fail device-not-released"
if [ -z "$fail" ]; then
	echo "IOTLB-RESULT sigint/vfio pass exit 130, $rows finished cases kept, no mapping left, controller disabled"
else
	echo "IOTLB-RESULT sigint/vfio fail$fail"
	cat "$meta"
fi

#!/bin/sh
# Guest test: the IOMMU leaf size under the suite's control. A reuse and a
# latency case over hugetlb-backed 2 MiB pages run on iommufd with
# iommu_huge = off and on, and on vfio as it is; the IOPTE leaves the run recorded from the VT-d
# debugfs page-table dump (counters.csv, source iommu_debugfs) must be 4 KiB
# leaves only with huge pages off (one per 4 KiB of the buffer) and 2 MiB
# leaves only otherwise (one per page). vfio with iommu_huge = off must be
# refused before the first case with the message that names iommufd.
# meta.json must carry IOMMU_GET_HW_INFO for iommufd with CAP.SLLPS decoded.
# With the IOMMU off (noiommu) the pagemap backend must refuse the key.
set -u
mode=${IOTLB_MODE:-iommu}
bdf=${IOTLB_BDF:-}
out=/tmp/leaves
mkdir -p "$out"
res() { echo "IOTLB-RESULT leaves/$1 $2 ${3:-}"; }
if [ -z "$bdf" ]; then
	res setup fail "no NVMe function (IOTLB_BDF unset)"
	exit 1
fi
pages=2
cat >"$out/leaves.suite" <<SUITE
[global]
description = IOPTE leaves of a hugetlb buffer
page_size = 2m
[reuse]
pages = $pages
ios = 200
[latency]
buffer = $((pages * 2))m
ios = 200
warmup = 10
SUITE

if [ "$mode" != iommu ]; then
	# No IOMMU: nothing to choose, and the refusal must say so.
	if iotlbench run "$out/leaves.suite" --backend pagemap --device "$bdf" --out "$out/pm" \
		--set iommu_huge=off --quiet >"$out/pm.log" 2>&1; then
		res pagemap-refused fail "pagemap accepted iommu_huge = off"
	elif grep -q "cannot choose IOPTE sizes" "$out/pm.log"; then
		res pagemap-refused pass "$(tail -n 1 "$out/pm.log")"
	else
		res pagemap-refused fail "$(tail -n 3 "$out/pm.log")"
	fi
	res counts skip "the IOMMU is off in this boot (mode $mode): no IOPTEs to count"
	exit 0
fi

grep -qs debugfs /proc/mounts || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

# The leaf counts of the $2 case in run directory $1: "4k 2m 1g".
leaves() {
	awk -F, -v k="$2-" '$2 == "iommu_debugfs" && index($1, k) == 1 { n[$3] += $4; seen = 1 }
		END { if (seen) print n["leaf_4k"] + 0, n["leaf_2m"] + 0, n["leaf_1g"] + 0; else print "none" }' \
		"$1/counters.csv"
}

# run NAME BACKEND [iommu_huge]: runs the suite; d = the dataset directory.
run() {
	set -- "$1" "$2" ${3:+--set iommu_huge=$3}
	name=$1 b=$2
	shift 2
	if ! iotlbench run "$out/leaves.suite" --backend "$b" --device "$bdf" --out "$out/$name" \
		--quiet "$@" >"$out/$name.log" 2>&1; then
		res "$name" fail "iotlbench run exited non-zero: $(tail -n 2 "$out/$name.log" | tr '\n' ' ') $(cat "$out/$name"/*/meta.json 2>/dev/null | tr -d '\n' | grep -o '"failed_cases":[^]]*')"
		return 1
	fi
	d=$(readlink -f "$out/$name/latest")
}

# expect NAME DIR WANT4K WANT2M: the recorded leaves against the buffer's
# size in 4 KiB and 2 MiB units.
expect() {
	for k in reuse latency; do
		got=$(leaves "$2" $k)
		if [ "$got" = "$3 $4 0" ]; then
			res "$1-$k" pass "leaves 4k/2m/1g: $got over $pages x 2 MiB"
		else
			res "$1-$k" fail "leaves 4k/2m/1g: got '$got', want '$3 $4 0'; meta: $(tr -d '\n ' <"$2/meta.json" | grep -o '"leaves":{[^}]*}')"
		fi
	done
}

n4k=$((pages * 512))
if run iommufd-off iommufd off; then
	expect iommufd-off "$d" "$n4k" 0
	# IOMMU_GET_HW_INFO: QEMU's VT-d advertises 2 MiB second-level leaves
	# (CAP.SLLPS bit 34); the decoded sizes must agree with the raw bit.
	cap=$(grep -o '"cap_reg":"0x[0-9a-f]*"' "$d/meta.json" | sed 's/.*"0x\([0-9a-f]*\)"/\1/')
	sizes=$(grep -o '"sl_leaf_sizes":"[^"]*"' "$d/meta.json" | cut -d'"' -f4)
	if [ -z "$cap" ]; then
		res hw-info fail "no cap_reg in meta.json: $(grep -o '"hw_info":{[^}]*}' "$d/meta.json")"
	else
		bit34=$(( (0x$cap >> 34) & 1 ))
		case "$bit34:$sizes" in
		1:4k,2m*| 0:4k | 0:4k,1g) res hw-info pass "cap_reg 0x$cap: second-level leaves $sizes" ;;
		*) res hw-info fail "cap_reg 0x$cap has SLLPS bit 34 = $bit34 but sl_leaf_sizes '$sizes'" ;;
		esac
	fi
fi
if run iommufd-on iommufd on; then
	expect iommufd-on "$d" 0 "$pages"
fi
if run vfio-default vfio; then
	expect vfio-default "$d" 0 "$pages"
fi
if iotlbench run "$out/leaves.suite" --backend vfio --device "$bdf" --out "$out/vfio-off" \
	--set iommu_huge=off --quiet >"$out/vfio-off.log" 2>&1; then
	res vfio-off-refused fail "vfio accepted iommu_huge = off"
elif grep -q "use --backend iommufd" "$out/vfio-off.log" && [ ! -d "$out/vfio-off/latest" ]; then
	res vfio-off-refused pass "$(tail -n 1 "$out/vfio-off.log" | cut -c1-160)"
else
	res vfio-off-refused fail "$(tail -n 3 "$out/vfio-off.log")"
fi
exit 0

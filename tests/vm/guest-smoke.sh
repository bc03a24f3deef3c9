#!/bin/sh
# Guest smoke test: checks that the guest offers what the backends and the
# tracing code will need, one IOTLB-RESULT line per check. Runs under /init
# (tests/vm/init), which exports IOTLB_MODE (iommu|noiommu) and IOTLB_BDF.
# Exit status does not matter: the result lines carry the verdicts.
set -u

mode=${IOTLB_MODE:-iommu}
bdf=${IOTLB_BDF:-}
dev=/sys/bus/pci/devices/$bdf
tr=/sys/kernel/tracing

ok() { echo "IOTLB-RESULT $1 pass ${2:-}"; }
bad() { echo "IOTLB-RESULT $1 fail ${2:-}"; }
skip() { echo "IOTLB-RESULT $1 skip ${2:-}"; }
check() { # check NAME DETAIL-IF-FAILED TEST...
	n=$1 why=$2
	shift 2
	if "$@"; then ok "$n"; else bad "$n" "$why"; fi
}
driver_of() { [ -e "$dev/driver" ] && basename "$(readlink "$dev/driver")" || echo none; }

[ -n "$bdf" ] && [ -d "$dev" ] || {
	bad nvme-function "IOTLB_BDF not set or $dev missing (run under tests/vm/init)"
	exit 1
}

if [ "$mode" = iommu ]; then
	# IOMMUFD: Documentation/userspace-api/iommufd.rst.
	check dev-iommu "/dev/iommu missing: CONFIG_IOMMUFD" [ -c /dev/iommu ]
	n=$(ls /sys/class/iommu 2>/dev/null | wc -l)
	if [ "$n" -gt 0 ]; then
		ok sysfs-iommu "$(ls /sys/class/iommu | tr '\n' ' ')"
	else
		bad sysfs-iommu "/sys/class/iommu is empty: no DMAR unit (QEMU -device intel-iommu, intel_iommu=on)"
	fi
	drv=$(driver_of)
	check nvme-bound-vfio-pci "$bdf is bound to $drv" [ "$drv" = vfio-pci ]
	# Legacy API: container /dev/vfio/vfio plus one node per IOMMU group
	# (Documentation/driver-api/vfio.rst).
	check vfio-container "/dev/vfio/vfio missing: CONFIG_VFIO_CONTAINER" [ -c /dev/vfio/vfio ]
	if [ -e "$dev/iommu_group" ]; then
		g=$(basename "$(readlink "$dev/iommu_group")")
		check vfio-group "/dev/vfio/$g missing" [ -c "/dev/vfio/$g" ]
		# iommu.strict=1 gives the group a strict DMA domain ("DMA"), the lazy
		# flush queue mode would show "DMA-FQ" (sysfs-kernel-iommu_groups).
		t=$(cat "/sys/kernel/iommu_groups/$g/type" 2>/dev/null || echo unknown)
		check iommu-domain-strict "group $g domain type is $t, expected DMA (iommu.strict=1)" [ "$t" = DMA ]
	else
		bad vfio-group "$dev has no iommu_group"
		bad iommu-domain-strict "$dev has no iommu_group"
	fi
	# Device cdev for IOMMUFD: Documentation/driver-api/vfio.rst, "VFIO device cdev".
	v=$(ls "$dev/vfio-dev" 2>/dev/null | head -n 1)
	if [ -n "$v" ] && [ -c "/dev/vfio/devices/$v" ]; then
		ok vfio-cdev "$dev/vfio-dev/$v and /dev/vfio/devices/$v"
	else
		bad vfio-cdev "no vfio-dev/vfioN under $dev or no /dev/vfio/devices/${v:-vfioN}: CONFIG_VFIO_DEVICE_CDEV"
	fi
else
	# IOMMU off: the pagemap backend maps BAR0 through sysfs and gives the
	# device physical addresses.
	n=$(ls /sys/class/iommu 2>/dev/null | wc -l)
	check no-iommu "/sys/class/iommu has $n entries: an IOMMU is active" [ "$n" = 0 ]
	drv=$(driver_of)
	check nvme-unbound "$bdf is bound to $drv" [ "$drv" = none ]
	if [ -e "$dev/resource0" ]; then
		ok resource0 "$dev/resource0, $(stat -c %s "$dev/resource0") bytes"
	else
		bad resource0 "$dev/resource0 missing"
	fi
fi

check btf-vmlinux "/sys/kernel/btf/vmlinux missing: CONFIG_DEBUG_INFO_BTF" [ -s /sys/kernel/btf/vmlinux ]

[ -d "$tr/events" ] || mount -t tracefs tracefs "$tr" 2>/dev/null
missing=""
for e in iommu/map iommu/unmap iommu/io_page_fault intel_iommu/qi_submit; do
	[ -d "$tr/events/$e" ] || missing="$missing $e"
done
check iommu-tracepoints "missing in $tr/events:$missing" [ -z "$missing" ]

# A kprobe on a function of the map path proves more than a writable file:
# Documentation/trace/kprobetrace.rst.
if [ -w "$tr/kprobe_events" ] && echo 'p:iotlb_smoke iommu_map' >>"$tr/kprobe_events" 2>/dev/null; then
	if [ -d "$tr/events/kprobes/iotlb_smoke" ]; then
		ok kprobes "p:iotlb_smoke iommu_map registered"
	else
		bad kprobes "kprobe_events accepted the probe but no event appeared"
	fi
	echo '-:iotlb_smoke' >>"$tr/kprobe_events"
else
	bad kprobes "cannot add a kprobe on iommu_map via $tr/kprobe_events: CONFIG_KPROBE_EVENTS"
fi

# Hugepage pools, reserved at boot by hugepagesz=/hugepages= on the kernel
# command line (Documentation/admin-guide/mm/hugetlbpage.rst): each
# hugepages=N counts for the hugepagesz= before it, or for the default size.
pool() { cat "/sys/kernel/mm/hugepages/hugepages-$1/nr_hugepages" 2>/dev/null || echo 0; }
asked() { # asked 2M|1G: pages requested for that size on the command line
	awk -v want="$1" '{
		sz = "2M"; n = 0
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^default_hugepagesz=/) { d = $i; sub(/^[^=]*=/, "", d); if (!seen) sz = d }
			else if ($i ~ /^hugepagesz=/) { sz = $i; sub(/^[^=]*=/, "", sz); seen = 1 }
			else if ($i ~ /^hugepages=/ && sz == want) { n = $i; sub(/^[^=]*=/, "", n) }
		}
		print n + 0
	}' /proc/cmdline
}
hp_check() { # hp_check NAME SIZE SYSFS-NAME
	got=$(pool "$3") want=$(asked "$2")
	if [ "$want" = 0 ]; then
		skip "$1" "no hugepages requested for $2 on the kernel command line"
	elif [ "$got" -ge "$want" ]; then
		ok "$1" "$got of $want pages"
	elif [ "$2" = 1G ] && ! grep -qw pdpe1gb /proc/cpuinfo; then
		bad "$1" "CPU has no pdpe1gb, no 1 GiB pages (QEMU -cpu max has it)"
	else
		bad "$1" "$got of $want pages: not enough contiguous guest memory (raise --mem)"
	fi
}
hp_check hugepages-2M 2M 2048kB
hp_check hugepages-1G 1G 1048576kB
exit 0

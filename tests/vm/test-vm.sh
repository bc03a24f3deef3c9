#!/bin/sh
# The whole VM test run (what `make test-vm` calls): builds or reuses the
# guest kernel, packs one initramfs with tests/vm/guest-smoke.sh plus every
# guest test program given as an argument, boots it once per mode, and ends
# with one line over all modes:
#     vm: N passed, N failed, N skipped
#
# usage: test-vm.sh [GUEST-TEST-PROGRAM...]
# Each program runs in the guest from /guest-tests/ (see README.md for what it
# may print); bin/iotlbench goes in as /bin/iotlbench when it exists.
#
# Environment:
#   VM_MODES    modes to boot, in order (default "iommu noiommu")
#   VM_APPEND   extra kernel arguments (default: 64 x 2 MiB and 2 x 1 GiB
#               hugepages, default size 2 MiB)
#   VM_MEM      guest memory (default 5G)
#   VM_TIMEOUT  seconds per boot before QEMU is killed (default 300)
#   VM_TRACE    1: QEMU vtd_iotlb_* trace into each mode's output directory
#   VM_NVME     controller configurations booted after the modes, one
#               --nvme-opts value each, when limits.sh is among the tests:
#               noiommu, limits.sh only (default "mdts=1
#               logical_block_size=4096,physical_block_size=4096"; "" for none)
#   VM_KERNEL   IOMMU modes booted for the kernel backend when kernel.sh is
#               among the tests, kernel.sh only, NVMe left on the kernel
#               driver (default "strict lazy pt off"; "" for none)
#   VM_OUT      output directory (default tests/logs/vm); one subdirectory
#               per mode with console.txt, qemu.cmdline and the trace, and
#               <mode>.out with what run-guest.sh printed
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
modes=${VM_MODES:-iommu noiommu}
append=${VM_APPEND:-default_hugepagesz=2M hugepagesz=2M hugepages=64 hugepagesz=1G hugepages=2}
mem=${VM_MEM:-5G}
vmtimeout=${VM_TIMEOUT:-300}
outdir=${VM_OUT:-$top/tests/logs/vm}
nvme_cfgs=${VM_NVME-mdts=1 logical_block_size=4096,physical_block_size=4096}
kernel_modes=${VM_KERNEL-strict lazy pt off}
limits="" kernel_test=""
for t in "$@"; do
	case $t in
	*/limits.sh) limits=limits.sh ;;
	*/kernel.sh) kernel_test=kernel.sh ;;
	esac
done
[ -n "$limits" ] || nvme_cfgs=""
[ -n "$kernel_test" ] || kernel_modes=""

kernel=$(sh "$here/build-kernel.sh") || {
	echo "vm: 0 passed, 1 failed, 0 skipped"
	exit 1
}

mkdir -p "$outdir"
set -- -t "$here/guest-smoke.sh" $(for t in "$@"; do printf ' -t %s' "$t"; done)
if [ -x "$top/bin/iotlbench" ]; then
	# bin/iotlbench finds suites and presets in ../micro/suites and
	# ../driver/iommu of its own directory: / in the guest.
	set -- "$@" -f "$top/bin/iotlbench:/bin/iotlbench" \
		-f "$top/driver/iommu/presets.ini:/driver/iommu/presets.ini"
	for s in "$top"/micro/suites/*.suite; do
		set -- "$@" -f "$s:/micro/suites/${s##*/}"
	done
fi
sh "$here/mkinitramfs.sh" -o "$outdir/initramfs.cpio.gz" "$@"

tp=0 tf=0 ts=0
# One boot per mode with the default controller, then one noiommu boot per
# controller configuration that runs only limits.sh.
for boot in $modes $(for c in $nvme_cfgs; do echo "nvme:$c"; done) \
	$(for k in $kernel_modes; do echo "kernel-$k"; done); do
	case $boot in
	kernel-*)
		mode=$boot name=$boot
		set -- --only "$kernel_test"
		;;
	nvme:*)
		mode=noiommu nvme=${boot#nvme:}
		name=noiommu-$(echo "$nvme" | tr ',=' '_-')
		set -- --nvme-opts "$nvme" --only "$limits"
		;;
	*) mode=$boot name=$boot && set -- ;;
	esac
	set -- "$@" --initramfs "$outdir/initramfs.cpio.gz" --kernel "$kernel" --mode "$mode" \
		--mem "$mem" --timeout "$vmtimeout" --append "$append" --out "$outdir/$name"
	[ "${VM_TRACE:-0}" != 1 ] || set -- "$@" --trace
	echo "==== vm: $name ====" >&2
	sh "$here/run-guest.sh" "$@" | tee "$outdir/$name.out" || true
	line=$(tail -n 1 "$outdir/$name.out")
	# shellcheck disable=SC2086
	set -- $(echo "$line" | sed -n 's/^vm: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p')
	if [ $# = 3 ]; then
		tp=$((tp + $1)) tf=$((tf + $2)) ts=$((ts + $3))
	else
		echo "test-vm: run-guest.sh for $name gave no summary line" >&2
		tf=$((tf + 1))
	fi
done
echo "vm: $tp passed, $tf failed, $ts skipped"
[ "$tf" = 0 ]

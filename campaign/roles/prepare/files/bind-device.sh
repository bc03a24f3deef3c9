#!/bin/sh
# The NVMe function's kernel driver, for the backend about to run, and back.
#   bind-device.sh resolve DEVICE          PCI address of DEVICE (BDF or /dev/nvmeXnY)
#   bind-device.sh bind BDF DRIVER STATE   DRIVER: vfio-pci, or none (no driver)
#   bind-device.sh restore STATE           the driver recorded by the first bind
# Prints "changed" when it moved the device. Binding follows
# Documentation/driver-api/vfio.rst: unbind, set driver_override so only the
# wanted driver matches, ask the PCI core to probe again (drivers_probe).
# The original driver is recorded once, in STATE/driver.orig. A device whose
# namespaces are mounted, used as swap or held by another block device
# (LVM, md) is never unbound: it is a disk in use. $SYSFS_ROOT and
# $PROC_ROOT prefix /sys and /proc for tests.
set -eu
sys=${SYSFS_ROOT:-}/sys
proc=${PROC_ROOT:-}/proc

die() {
	echo "bind-device: $*" >&2
	exit 1
}

driver_of() {
	if [ -L "$sys/bus/pci/devices/$1/driver" ]; then
		basename "$(readlink "$sys/bus/pci/devices/$1/driver")"
	else
		echo none
	fi
}

resolve() {
	case "$1" in
	[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]:[0-9a-fA-F][0-9a-fA-F]:[0-9a-fA-F][0-9a-fA-F].[0-7])
		[ -d "$sys/bus/pci/devices/$1" ] || die "no PCI device $1 on this host: see 'bin/iotlbench devices' or lspci -D"
		echo "$1"
		;;
	/dev/nvme* | nvme*)
		# nvme1n1p2 -> controller nvme1 -> its PCI function.
		ctrl=$(basename "$1" | sed 's/^\(nvme[0-9]*\).*/\1/')
		[ -e "$sys/class/nvme/$ctrl/device" ] || die "no NVMe controller $ctrl for $1 (is it bound to nvme? give its PCI address instead)"
		basename "$(readlink -f "$sys/class/nvme/$ctrl/device")"
		;;
	*)
		die "device '$1' is neither a PCI address (0000:01:00.0) nor an NVMe block device (/dev/nvme0n1)"
		;;
	esac
}

# A namespace of this function that something uses: mounted, swap, or a
# holder (dm, md) under /sys/block/<ns>/holders.
in_use() {
	for ns in "$sys/bus/pci/devices/$1"/nvme/nvme*/nvme*n*; do
		[ -e "$ns" ] || continue
		n=$(basename "$ns")
		if grep -q "^/dev/${n}[ p]" "$proc/mounts" 2>/dev/null; then
			echo "/dev/$n is mounted ($(grep "^/dev/${n}[ p]" "$proc/mounts" | awk '{print $1 " on " $2}' | head -n 1))"
			return 0
		fi
		if grep -q "^/dev/${n}[ p]" "$proc/swaps" 2>/dev/null; then
			echo "/dev/$n holds swap"
			return 0
		fi
		for h in "$ns"/holders/* "$ns"/"$n"p*/holders/*; do
			[ -e "$h" ] && { echo "/dev/$n is held by $(basename "$h")"; return 0; }
		done
	done
	return 1
}

cmd=${1:?usage: bind-device.sh resolve DEVICE | bind BDF DRIVER STATE | restore STATE}
case "$cmd" in
resolve)
	resolve "${2:?device missing}"
	;;
bind)
	bdf=${2:?PCI address missing}
	want=${3:?driver missing}
	state=${4:?state directory missing}
	dev="$sys/bus/pci/devices/$bdf"
	[ -d "$dev" ] || die "no PCI device $bdf"
	cur=$(driver_of "$bdf")
	[ -f "$state/driver.orig" ] || echo "$bdf $cur" >"$state/driver.orig"
	[ "$cur" = "$want" ] && exit 0
	if why=$(in_use "$bdf"); then
		die "$bdf is a disk in use: $why. The campaign never takes a device away from its filesystem: give another device, or unmount it first"
	fi
	if [ "$want" = vfio-pci ] && [ ! -d "$sys/bus/pci/drivers/vfio-pci" ]; then
		modprobe vfio-pci 2>/dev/null || die "vfio-pci is not loaded and modprobe vfio-pci failed: the kernel needs CONFIG_VFIO_PCI"
	fi
	[ "$cur" = none ] || echo "$bdf" >"$dev/driver/unbind"
	echo "$want" >"$dev/driver_override"
	[ "$want" = none ] || echo "$bdf" >"$sys/bus/pci/drivers_probe"
	got=$(driver_of "$bdf")
	[ "$got" = "$want" ] || die "$bdf is bound to '$got' after asking for $want (dmesg says why; vfio-pci needs the IOMMU on: intel_iommu=on or amd_iommu=on)"
	echo "changed: $bdf $cur -> $want"
	;;
restore)
	state=${2:?state directory missing}
	[ -f "$state/driver.orig" ] || exit 0
	read -r bdf orig <"$state/driver.orig"
	dev="$sys/bus/pci/devices/$bdf"
	cur=$(driver_of "$bdf")
	# An empty driver_override lets every matching driver bind again.
	[ ! -e "$dev/driver_override" ] || echo >"$dev/driver_override"
	if [ "$cur" != "$orig" ]; then
		[ "$cur" = none ] || echo "$bdf" >"$dev/driver/unbind"
		[ "$orig" = none ] || echo "$bdf" >"$sys/bus/pci/drivers_probe"
		got=$(driver_of "$bdf")
		[ "$got" = "$orig" ] || die "$bdf is bound to '$got', not back to its original $orig: echo $bdf > /sys/bus/pci/drivers/$orig/bind"
		echo "changed: $bdf $cur -> $orig"
	fi
	rm -f "$state/driver.orig"
	;;
*)
	die "unknown command $cmd"
	;;
esac

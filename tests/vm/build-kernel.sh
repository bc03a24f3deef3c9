#!/bin/sh
# Builds (once) the guest kernel for the VM tests and prints the path of its
# bzImage on stdout. Everything else goes to stderr, so callers can write
#     kernel=$(sh tests/vm/build-kernel.sh)
#
# Why build a kernel at all: Debian 12's kernel images have no IOMMUFD and no
# VFIO_DEVICE_CDEV, and ship modules without modules.dep. So we start from
# Debian's own kernel source package (linux-source-6.12 from bookworm-security),
# run `make tinyconfig`, merge tests/vm/config.fragment with
# scripts/kconfig/merge_config.sh, and build everything in (no modules).
#
# The result is cached outside the checkout, under
#     $VM_CACHE/kernel/<key>/bzImage      (VM_CACHE=/var/cache/iotlbench)
# where <key> is the sha256 of the source package name and version, the
# fragment and this script. A run rebuilds only when one of those changes; a
# cached kernel makes this script return in well under a second.
#
# Environment:
#   VM_CACHE        cache root (default /var/cache/iotlbench)
#   VM_KERNEL_PKG   Debian source package (default linux-source-6.12; any
#                   linux-source-X.Y with X.Y >= 6.6 has IOMMUFD + device cdev)
#   VM_JOBS         parallel make jobs (default: number of CPUs)
#   VM_BUILD_DIR    where to unpack and build (default: the cache directory);
#                   needs about 2.5 GB, removed afterwards
#   VM_KEEP_BUILD=1 keep the build tree next to the bzImage
#   VM_NO_APT=1     never call apt-get, fail if something is missing
set -eu

here=$(cd "$(dirname "$0")" && pwd)
fragment="$here/config.fragment"
self="$here/build-kernel.sh"
pkg=${VM_KERNEL_PKG:-linux-source-6.12}
cache=${VM_CACHE:-/var/cache/iotlbench}
jobs=${VM_JOBS:-$(nproc 2>/dev/null || echo 2)}

say() { echo "build-kernel: $*" >&2; }
die() { echo "build-kernel: error: $*" >&2; exit 1; }

[ -r "$fragment" ] || die "missing $fragment (run from an iotlbench checkout)"

# --- Debian packages -------------------------------------------------------
# Build tools for a kernel with BTF (pahole is in dwarves), plus what the rest
# of the harness uses (cpio/gzip for the initramfs, busybox-static for /init,
# qemu-system-x86 for the guest), so one call sets up a fresh machine.
need="$pkg build-essential bc bison flex libelf-dev libssl-dev dwarves xz-utils \
cpio gzip busybox-static qemu-system-x86"
missing=""
for p in $need; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "${VM_NO_APT:-0}" = 1 ] || [ "$(id -u)" != 0 ]; then
		say "missing Debian packages:$missing"
		say "install them as root with:"
		echo "    apt-get install -y --no-install-recommends$missing" >&2
		exit 1
	fi
	if ! apt-cache show "$pkg" >/dev/null 2>&1; then
		die "$pkg not available: run 'apt-get update' (it comes from bookworm-security; \
check 'apt-cache policy $pkg'), or set VM_KERNEL_PKG to another linux-source-X.Y >= 6.6"
	fi
	say "installing:$missing"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing >&2 ||
		die "apt-get install failed (try 'apt-get update' first)"
fi

version=$(dpkg-query -W -f='${Version}' "$pkg")
series=${pkg#linux-source-}
tarball=/usr/src/linux-source-$series.tar.xz
[ -r "$tarball" ] || die "$pkg $version is installed but $tarball is missing: reinstall it \
(apt-get install --reinstall $pkg)"
case $series in
5.* | 6.[0-5]) die "$pkg is too old: IOMMUFD with VFIO_DEVICE_CDEV needs >= 6.6" ;;
esac

# --- Cache lookup ----------------------------------------------------------
key=$( {
	echo "$pkg=$version"
	cat "$fragment" "$self"
} | sha256sum | cut -c1-16)
dir="$cache/kernel/$key"
if [ -s "$dir/bzImage" ]; then
	say "cached: $pkg $version, key $key"
	echo "$dir/bzImage"
	exit 0
fi

mkdir -p "$cache/kernel" 2>/dev/null || die "cannot create $cache/kernel: run as root, \
or set VM_CACHE to a writable directory"

# Only one build per key at a time; a second caller waits and then finds the
# cached result (flock is in util-linux, which every Debian system has).
exec 9>"$cache/kernel/.lock-$key"
if ! flock -n 9; then
	say "another build of $key is running; waiting for it"
	flock 9
fi
if [ -s "$dir/bzImage" ]; then
	echo "$dir/bzImage"
	exit 0
fi

# --- Build -----------------------------------------------------------------
# The tree (about 2.5 GB with debug info) goes next to the cache by default.
# /dev/shm would be faster but is shared with everything else on the machine
# and was seen emptied under a running build here, so it is opt-in only.
VM_BUILD_DIR=${VM_BUILD_DIR:-$cache/kernel}
work="$VM_BUILD_DIR/iotlbench-kernel-$key"
rm -rf "$work"
mkdir -p "$work"
log="$work/build.log"
say "building $pkg $version (key $key) in $work; log: $log"
say "this takes 10-20 minutes on 2 cores (mostly debug info for BTF)"
t0=$(date +%s)

tar -C "$work" -xJf "$tarball"
t_unpack=$(date +%s)
src="$work/linux-source-$series"
[ -d "$src" ] || die "unexpected tarball layout: no linux-source-$series/ in $tarball"

(
	cd "$src"
	make tinyconfig
	# -m: only merge, do not run olddefconfig inside the script; we run it
	# ourselves below so that the check that follows sees its final verdict.
	./scripts/kconfig/merge_config.sh -m .config "$fragment"
	make olddefconfig
) >"$log" 2>&1 || die "configuring the kernel failed; see $log"

# Every option of the fragment must have survived olddefconfig: Kconfig drops
# a symbol silently when one of its dependencies is not met.
lost=""
while IFS= read -r line; do
	case $line in
	CONFIG_*=*) grep -qx "$line" "$src/.config" || lost="$lost ${line%%=*}" ;;
	esac
done <"$fragment"
if [ -n "$lost" ]; then
	for o in $lost; do
		say "option lost after olddefconfig: $o ($(grep "^# $o is not set\|^$o=" "$src/.config" || echo 'absent'))"
	done
	die "the kernel config lacks:$lost; fix tests/vm/config.fragment (add the missing dependency)"
fi

t_config=$(date +%s)
(cd "$src" && make -j"$jobs" bzImage) >>"$log" 2>&1 ||
	die "kernel build failed; last lines of $log:
$(tail -n 20 "$log")"

t_make=$(date +%s)
mkdir -p "$dir.tmp"
cp "$src/arch/x86/boot/bzImage" "$dir.tmp/bzImage"
cp "$src/.config" "$dir.tmp/config"
cp "$src/System.map" "$dir.tmp/System.map"
echo "$pkg=$version" >"$dir.tmp/source"
cp "$log" "$dir.tmp/build.log"
rm -rf "$dir"
mv "$dir.tmp" "$dir"
if [ "${VM_KEEP_BUILD:-0}" = 1 ]; then
	mv "$work" "$dir/build"
else
	rm -rf "$work"
fi
t1=$(date +%s)
say "built in $((t1 - t0)) s (unpack $((t_unpack - t0)) s, configure $((t_config - t_unpack)) s, \
make $((t_make - t_config)) s, clean-up $((t1 - t_make)) s): $dir/bzImage"
echo "$dir/bzImage"

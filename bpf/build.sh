#!/bin/sh
# Builds the BPF side into build/bpf/: vmlinux.h from the running kernel's
# BTF, iotlb.bpf.o (clang, CO-RE), and the libbpf skeleton iotlb.skel.h
# (bpftool gen skeleton). Called by the Makefile for build/bpf/iotlb.skel.h;
# in a script because the BTF source is chosen at build time.
#
# BTF source, first that exists: $VMLINUX_BTF (a BTF blob or a vmlinux ELF
# with .BTF), /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF, the normal
# case), /boot/vmlinux-$(uname -r). Without any, set VMLINUX_BTF to the BTF
# of any kernel >= 5.5: CO-RE relocates field offsets against the target
# kernel's BTF at load time, so the build kernel need not be the run kernel.
set -eu
out=${1:-build/bpf/iotlb.skel.h}
dir=$(dirname "$out")
CLANG=${CLANG:-clang}
BPFTOOL=${BPFTOOL:-bpftool}
mkdir -p "$dir"
btf=""
for f in "${VMLINUX_BTF:-}" /sys/kernel/btf/vmlinux "/boot/vmlinux-$(uname -r)"; do
	if [ -n "$f" ] && [ -r "$f" ]; then
		btf=$f
		break
	fi
done
if [ -z "$btf" ]; then
	echo "bpf/build.sh: no kernel BTF: /sys/kernel/btf/vmlinux is missing (kernel without" >&2
	echo "  CONFIG_DEBUG_INFO_BTF); set VMLINUX_BTF to a vmlinux with .BTF of any kernel >= 5.5" >&2
	exit 1
fi
command -v "$BPFTOOL" >/dev/null || { echo "bpf/build.sh: bpftool missing: apt-get install bpftool" >&2; exit 1; }
"$BPFTOOL" btf dump file "$btf" format c >"$dir/vmlinux.h.tmp"
mv "$dir/vmlinux.h.tmp" "$dir/vmlinux.h"
# -I/usr/include/x86_64-linux-gnu: usdt.bpf.h reaches asm/errno.h through it.
"$CLANG" -O2 -g -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
	-I"$dir" -I. -Ibpf -I/usr/include/x86_64-linux-gnu \
	-c bpf/iotlb.bpf.c -o "$dir/iotlb.bpf.o"
"$BPFTOOL" gen skeleton "$dir/iotlb.bpf.o" name iotlb_bpf >"$out.tmp"
mv "$out.tmp" "$out"

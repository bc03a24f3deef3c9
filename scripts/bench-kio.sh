#!/bin/sh
# Counts the kernel backend's own instructions per I/O with callgrind, like
# scripts/bench-hotpath.sh does for the userspace driver: bin/bench-kio reads
# 4 KiB at random LBAs at queue depth 1 through driver/kio (io_uring,
# O_DIRECT), and collection is on only inside kio_rw and kio_reap, the two
# calls between the latency kind's timestamps. Counted is user space: the
# backend's code, liburing's inline helpers and its library calls; the
# kernel's side of io_uring_enter(2) is invisible to valgrind (the kernel's
# cost is what bench-kernel-vs-fio and the guest's side-by-side runs time).
# Instruction counts, unlike times, are stable on a noisy shared machine.
#
# Needs a block device that takes O_DIRECT: DEVICE=..., or, as root, a
# loop device over a sparse file made here (losetup --direct-io=on).
# usage: sh scripts/bench-kio.sh   (IOS=20000 DEVICE=/dev/... OPTS=fixed=1)
set -eu
IOS=${IOS:-20000}
[ -x bin/bench-kio ] || {
	echo "bench-kio.sh: build first (make)" >&2
	exit 2
}
out=$(mktemp -d)
loop=""
cleanup() {
	[ -z "$loop" ] || losetup -d "$loop"
	rm -rf "$out"
}
trap cleanup EXIT
dev=${DEVICE:-}
if [ -z "$dev" ]; then
	if [ "$(id -u)" != 0 ] || ! command -v losetup >/dev/null; then
		echo "bench-kio.sh: give DEVICE=/dev/... (a block device that takes O_DIRECT), or run as root for a loop device" >&2
		exit 2
	fi
	truncate -s 64M "$out/disk.img"
	loop=$(losetup -f --show --direct-io=on "$out/disk.img")
	dev=$loop
fi
if ! valgrind --tool=callgrind --callgrind-out-file="$out/cg.out" --collect-atstart=no \
	--toggle-collect=kio_rw --toggle-collect=kio_reap \
	bin/bench-kio "$dev" "$IOS" ${OPTS:+"$OPTS"} >"$out/stdout" 2>"$out/stderr"; then
	tail -n 20 "$out/stderr" "$out/stdout" >&2
	echo "bench-kio: the run failed (a clang build's DWARF 5 is unreadable to valgrind 3.19: build with gcc)" >&2
	exit 1
fi
ios=$(sed -n 's/^ios \([0-9]*\) errors 0$/\1/p' "$out/stdout")
[ -n "$ios" ] || {
	cat "$out/stdout" "$out/stderr"
	echo "bench-kio: I/O errors" >&2
	exit 1
}
# Exclusive costs by where the code lives: kio.c, liburing.h (inlined into
# kio.c), liburing.so.
callgrind_annotate "$out/cg.out" 2>/dev/null | awk -v n="$ios" -v dev="$dev" -v opts="${OPTS:-plain}" '
/PROGRAM TOTALS/ { gsub(",", "", $1); total = $1 }
/^ *[0-9,]+ +\(/ {
	v = $1; gsub(",", "", v)
	if ($0 ~ /driver\/kio\/kio\.c:/) own += v
	else if ($0 ~ /liburing\.h:/) inl += v
	else if ($0 ~ /liburing\.so/) lib += v
}
END {
	printf "I/Os: %d (queue depth 1, 4 KiB random reads, %s, kernel-opts %s)\n", n, dev, opts
	printf "kernel backend, user space per I/O (submit + reap): %.1f instructions\n", total / n
	printf "  driver/kio/kio.c             %6.1f\n", own / n
	printf "  liburing.h inline helpers    %6.1f\n", inl / n
	printf "  liburing.so calls            %6.1f\n", lib / n
}'

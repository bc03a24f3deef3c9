#!/bin/sh
# Builds the libFuzzer targets with clang: the project's sources compiled
# with -fsanitize=fuzzer-no-link plus ASan and UBSan into build/fuzz/, so
# they never mix with the normal build's objects.
set -eu
cd "$(dirname "$0")/../.."
out=build/fuzz
mkdir -p "$out"
srcs=$(make -s print-srcs)
libs=$(make -s print-libs)
flags="-std=gnu11 -I. -O1 -g -D_GNU_SOURCE -pthread -Wall -Wextra -Werror -fsanitize=address,undefined -fno-omit-frame-pointer"
make -s build/version.h build/bpf/iotlb.skel.h >/dev/null
objs=""
for s in $srcs; do
	o="$out/$(echo "$s" | tr '/' '_' | sed 's/\.c$/.o/')"
	if [ ! -f "$o" ] || [ "$s" -nt "$o" ]; then
		clang $flags -fsanitize=fuzzer-no-link -c "$s" -o "$o"
	fi
	objs="$objs $o"
done
for t in "$@"; do
	# shellcheck disable=SC2086 # $libs is a list of -l flags
	clang $flags -fsanitize=fuzzer "tests/fuzz/$t.c" $objs -o "$out/$t" $libs
done

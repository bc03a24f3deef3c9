#!/bin/sh
# Hugepage pools for a campaign, and their original sizes back at the end.
#   hugepages.sh set STATE_DIR SIZE_KB PAGES   record the pool's size once, then resize it
#   hugepages.sh restore STATE_DIR             every recorded pool back to its size
# Prints "changed" when it wrote a pool. The pools are
# /sys/kernel/mm/hugepages/hugepages-<size>kB/nr_hugepages
# (Documentation/admin-guide/mm/hugetlbpage.rst); $SYSFS_ROOT prefixes /sys
# for tests.
set -eu
sys=${SYSFS_ROOT:-}/sys/kernel/mm/hugepages
cmd=${1:?usage: hugepages.sh set STATE_DIR SIZE_KB PAGES | restore STATE_DIR}
state=${2:?state directory missing}
case "$cmd" in
set)
	size=${3:?page size in KiB missing}
	want=${4:?number of pages missing}
	knob="$sys/hugepages-${size}kB/nr_hugepages"
	if [ ! -w "$knob" ]; then
		echo "hugepages: no pool of ${size} KiB pages ($knob): the kernel lacks that page size, or this is not root; sizes here: $(ls "$sys" 2>/dev/null | tr '\n' ' ')" >&2
		exit 1
	fi
	saved="$state/hugepages-${size}kB.orig"
	[ -f "$saved" ] || cat "$knob" >"$saved"
	[ "$(cat "$knob")" = "$want" ] && exit 0
	echo "$want" >"$knob"
	got=$(cat "$knob")
	echo "changed: ${size} KiB pool $got pages"
	if [ "$got" -lt "$want" ]; then
		echo "hugepages: asked for $want pages of ${size} KiB, the kernel gave $got (memory too fragmented: set them at boot with hugepages= on the kernel command line)" >&2
		exit 1
	fi
	;;
restore)
	for saved in "$state"/hugepages-*kB.orig; do
		[ -f "$saved" ] || continue
		name=$(basename "$saved" .orig)
		knob="$sys/$name/nr_hugepages"
		if [ "$(cat "$knob")" != "$(cat "$saved")" ]; then
			cat "$saved" >"$knob"
			echo "changed: $name back to $(cat "$knob") pages"
		fi
		rm -f "$saved"
	done
	;;
*)
	echo "hugepages.sh: unknown command $cmd" >&2
	exit 2
	;;
esac

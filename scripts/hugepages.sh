#!/bin/sh
# Makes sure at least N free 2 MiB hugepages exist, so the 2 MiB cases of a
# suite can run. Only root can grow the pool; others are told how.
set -eu
want=${1:-512}
knob=/sys/kernel/mm/hugepages/hugepages-2048kB
[ -d "$knob" ] || { echo "hugepages: this kernel has no 2 MiB hugepages; 2 MiB cases will be skipped"; exit 0; }
free=$(cat "$knob/free_hugepages")
total=$(cat "$knob/nr_hugepages")
[ "$free" -ge "$want" ] && exit 0
need=$((total + want - free))
if [ "$(id -u)" != 0 ]; then
	echo "hugepages: $free free 2 MiB pages, the suite wants $want; as root: echo $need > $knob/nr_hugepages"
	exit 0
fi
echo "$need" >"$knob/nr_hugepages"
echo "hugepages: 2 MiB pool $total -> $(cat "$knob/nr_hugepages") pages ($(cat "$knob/free_hugepages") free)"

#!/bin/sh
# Dataset size and memory of long runs: 1 M and 10 M I/Os of the latency
# benchmark (queue depth 32, emulated controller with no service time) must
# write the same small dataset in the same memory, since latencies go to
# constant-size histograms. Prints the bytes written and the peak RSS.
set -eu
out=$(mktemp -d)
for n in 1000000 10000000; do
	printf '[latency]\nqd = 32\nios = %s\n' "$n" >"$out/long.suite"
	/usr/bin/time -f '%M' -o "$out/rss" bin/iotlbench run "$out/long.suite" --out "$out/runs" \
		--emu-opts base_ns=0,bw=0 --preset none -q
	dir=$(readlink -f "$out/runs/latest")
	bytes=$(du -cb "$dir"/*.csv "$dir"/meta.json | tail -n 1 | cut -f1)
	iops=$(tail -n 1 "$dir/results.csv" | cut -d, -f21)
	echo "$n I/Os: dataset $bytes bytes, peak RSS $(cat "$out/rss") KiB, $iops IOPS"
done
bin/bench-timer
rm -rf "$out"

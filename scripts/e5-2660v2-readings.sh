#!/bin/sh
# The sweep that tells the two readings of the Xeon E5-2660v2 measurement apart,
# run on the emulated controller through both presets:
#   intel-e5-2660v2      64 entries, random replacement (the default preset)
#   intel-e5-2660v2-lru  126 entries, LRU (entry count from pcie-bench's Ivy Bridge fit)
# 4 KiB reuse sweep over 48..136 data pages in steps of 8 (48..64 show the baseline,
# 72..136 is the range the two readings disagree on). Prints, per point and preset, the
# median latency and the model's IOTLB misses per I/O (its counters are exact, so the
# curves are compared without the host's timing noise).
#
# Order: random (a uniformly random page per I/O, like pcie-bench's window sweeps) when
# the reuse kind has an `order` key; otherwise its cyclic order, and the header says so.
#
#   sh scripts/e5-2660v2-readings.sh [IOS]      (I/Os per point, default 20000)
#
# On real hardware run the suite it prints with --backend vfio or iommufd, plus
# --counters where the IOMMU has a PMU.
set -eu
cd "$(dirname "$0")/.."
ios=${1:-20000}
bin=bin/iotlbench
if [ ! -x "$bin" ]; then
	echo "e5-2660v2-readings: $bin not found: run make first" >&2
	exit 1
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/iotlb-readings.XXXXXX")
order=cyclic
if "$bin" help kinds | awk '/^  reuse:/ {r = 1; next} /^  [a-z]+:/ {r = 0} r && $1 == "order" {f = 1} END {exit !f}'; then
	order=random
fi
{
	echo "[global]"
	echo "description = E5-2660v2 readings: 64-entry random vs 126-entry LRU, 4 KiB, 48..136 pages"
	echo "[reuse-4k]"
	echo "kind = reuse"
	echo "page_size = 4k"
	echo "pages = 48,56,64,72,80,88,96,104,112,120,128,136"
	echo "ios = $ios"
	if [ "$order" = random ]; then echo "order = random"; fi
} >"$dir/readings.suite"
for p in intel-e5-2660v2 intel-e5-2660v2-lru; do
	"$bin" run "$dir/readings.suite" --preset "$p" -o "$dir/$p" -q --no-summary
done
echo "order: $order, $ios I/Os per point; the suite:"
sed 's/^/    /' "$dir/readings.suite"
# results.csv: case -> pages, p50_ns, ops; counters.csv: case -> the model's
# iotlb_miss. Columns are found by their header names, not positions.
for p in intel-e5-2660v2 intel-e5-2660v2-lru; do
	awk -F, -v p="$p" '
		FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		FILENAME ~ /results.csv$/ { pages[$col["case"]] = $col["pages"]; p50[$col["case"]] = $col["p50_ns"]; ops[$col["case"]] = $col["ops"]; next }
		$col["source"] == "model" && $col["event"] == "iotlb_miss" { miss[$col["case"]] = $col["value"] }
		END { for (c in pages) printf "%d %s %s %.3f\n", pages[c], p, p50[c], miss[c] / ops[c] }
	' "$dir/$p/latest/results.csv" "$dir/$p/latest/counters.csv"
done | sort -k1,1n -k2,2 | awk '
	BEGIN { printf "%6s  %-24s  %-24s\n", "pages", "64 random: p50, miss/IO", "126 LRU: p50, miss/IO" }
	$1 != last && NR > 1 { printf "%6s  %-24s  %-24s\n", last, a, b; a = b = "" }
	{ last = $1 }
	$2 == "intel-e5-2660v2" { a = sprintf("%7s ns  %6s", $3, $4) }
	$2 == "intel-e5-2660v2-lru" { b = sprintf("%7s ns  %6s", $3, $4) }
	END { printf "%6s  %-24s  %-24s\n", last, a, b }
'
rm -rf "$dir"

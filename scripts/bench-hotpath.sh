#!/bin/sh
# Counts the driver's instructions per I/O (submit + complete, queue depth
# 32, 4 KiB reads) with callgrind. Instruction counts, unlike times, are
# stable on a noisy shared machine. Collection is on only inside
# nvme_queue_rw and nvme_queue_poll; the emulated device runs outside them.
set -eu
ROUNDS=${ROUNDS:-2000}
out=$(mktemp -d)
if ! valgrind --tool=callgrind --callgrind-out-file="$out/cg.out" --collect-atstart=no \
	--toggle-collect=nvme_queue_rw --toggle-collect=nvme_queue_poll \
	bin/bench-hotpath "$ROUNDS" >"$out/stdout" 2>"$out/stderr"; then
	tail -n 20 "$out/stderr" >&2
	echo "bench-hotpath: valgrind failed (a clang build's DWARF 5 is unreadable to valgrind 3.19: build with gcc)" >&2
	exit 1
fi
ios=$(sed -n 's/^ios \([0-9]*\) errors 0$/\1/p' "$out/stdout")
[ -n "$ios" ] || { cat "$out/stdout" "$out/stderr"; echo "bench-hotpath: run failed" >&2; exit 1; }
total=$(callgrind_annotate "$out/cg.out" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
callgrind_annotate --inclusive=yes "$out/cg.out" 2>/dev/null | grep -E 'nvme_queue_(rw|poll)' | head -n 4 >"$out/split" || true
echo "I/Os: $ios (queue depth 32, 4 KiB reads, emu manual mode)"
echo "driver instructions: $total"
awk -v t="$total" -v n="$ios" 'BEGIN { printf "driver hot path: %.1f instructions per I/O (submit + complete)\n", t / n }'
sed 's/^/  /' "$out/split"
rm -rf "$out"

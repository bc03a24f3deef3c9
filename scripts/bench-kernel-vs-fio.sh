#!/bin/sh
# The kernel backend against fio on the same path, in one QEMU guest boot
# (tests/vm, kernel-MODE: the NVMe function stays with the kernel's nvme
# driver): QD1 4 KiB random reads through io_uring with O_DIRECT on
# /dev/nvme0n1, over the whole namespace, from one 4 KiB user buffer.
#   iotlbench: run --backend kernel, kind latency, qd 1, io_size 4k, buffer 4k
#   fio:       --ioengine=io_uring --iodepth=1 --bs=4k --rw=randread --direct=1
#              --norandommap over the whole block device, latency percentiles
#              of submission to completion (lat_ns, as iotlbench times it)
# ROUNDS rounds alternate the two (iotlbench first in odd rounds, fio first in
# even ones); printed are each round's p50s, the median of each, and the
# median of the rounds' ratios (each round's two runs are adjacent in time,
# so a host whose load drifts moves both). The target is agreement within
# 10 %. The times are TCG emulation wall clock (every guest instruction
# emulated): they compare the two programs within one boot and say nothing
# about hardware. QEMU's -icount does not help here: the emulated device's
# completion costs no guest instructions, and an idle guest waiting for it
# skips ahead to its next timer tick, so a run's p50 came out either ~10 us or
# ~1 ms (HZ_1000) depending on the run, not on the program. fio's percentiles come from its
# own histogram (64 buckets per power of two, up to 1.6 % from the value),
# iotlbench's from 128 per power of two.
#
# usage: sh scripts/bench-kernel-vs-fio.sh
#        (IOS=1000 ROUNDS=8 MODE=strict|lazy|pt|off)
set -eu
IOS=${IOS:-1000}
ROUNDS=${ROUNDS:-8}
MODE=${MODE:-strict}
[ -x bin/iotlbench ] && [ -f bin/guest_shm.so ] || {
	echo "bench-kernel-vs-fio.sh: build first (make)" >&2
	exit 2
}
fio=$(command -v fio) || {
	echo "bench-kernel-vs-fio.sh: fio is missing on this host (it is packed into the guest): apt-get install fio" >&2
	exit 2
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/kvf.suite" <<SUITE
[global]
description = kernel backend, QD1 4 KiB random read, for the comparison with fio

[latency]
qd = 1
io_size = 4k
buffer = 4k
ios = $IOS
warmup = 100
SUITE
cat >"$work/kernel-vs-fio" <<GUEST
#!/bin/sh
set -u
blk=\${IOTLB_BLOCK:-}
[ -b "\$blk" ] || { echo "IOTLB-RESULT kvf/setup fail no block device"; exit 1; }
one_iotlbench() {
	rm -rf /tmp/kvf-runs
	if ! iotlbench run /kvf.suite --backend kernel --device "\$blk" --out /tmp/kvf-runs \
		--no-summary >/tmp/kvf-i.log 2>&1; then
		echo "IOTLB-RESULT kvf/iotlbench-\$1 fail \$(tail -n 2 /tmp/kvf-i.log | tr '\n' ' ')"
		return
	fi
	p50=\$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[\$i] = i; next }
		{ print \$c["p50_ns"] }' /tmp/kvf-runs/latest/results.csv)
	echo "IOTLB-RESULT kvf/iotlbench-\$1 pass p50_ns=\$p50"
}
one_fio() {
	# The guest kernel has no System V IPC: fio's segments become anonymous
	# shared memory (tools/devbench/guest_shm.c; --thread: one process).
	if ! LD_PRELOAD=/lib/guest_shm.so fio --name=kvf --filename="\$blk" --ioengine=io_uring --iodepth=1 --bs=4k \
		--rw=randread --direct=1 --norandommap --thread --number_ios=$IOS \
		--clat_percentiles=0 --lat_percentiles=1 --percentile_list=50 \
		--output-format=json >/tmp/kvf-f.json 2>/tmp/kvf-f.err; then
		echo "IOTLB-RESULT kvf/fio-\$1 fail \$(tail -n 2 /tmp/kvf-f.err | tr '\n' ' ')"
		return
	fi
	# The read section's lat_ns percentile block comes first.
	p50=\$(sed -n 's/.*"50\.000000" *: *\([0-9]*\).*/\1/p' /tmp/kvf-f.json | head -n 1)
	ios=\$(sed -n 's/.*"total_ios" *: *\([0-9]*\).*/\1/p' /tmp/kvf-f.json | head -n 1)
	echo "IOTLB-RESULT kvf/fio-\$1 pass p50_ns=\$p50 ios=\$ios"
}
r=1
while [ \$r -le $ROUNDS ]; do
	if [ \$((r % 2)) = 1 ]; then one_iotlbench \$r; one_fio \$r; else one_fio \$r; one_iotlbench \$r; fi
	r=\$((r + 1))
done
GUEST
sh tests/vm/run-guest.sh --mode "kernel-$MODE" --test "$work/kernel-vs-fio" \
	--file bin/iotlbench:/bin/iotlbench --file "$work/kvf.suite:/kvf.suite" \
	--file "$fio:/bin/fio" --file bin/guest_shm.so:/lib/guest_shm.so --mem 2G --timeout 1200 \
	--out "$work/vm" >"$work/log" 2>&1 || {
	tail -n 40 "$work/log" >&2
	exit 1
}
grep -a "^IOTLB-RESULT kvf/" "$work/vm/console.txt" | sed 's/^IOTLB-RESULT kvf\///' >"$work/res"
cat "$work/res"
# Medians of each tool's rounds, then the ratio.
awk -v mode="$MODE" '
function median(a, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
$2 == "pass" {
	split($3, kv, "=")
	split($1, tr, "-")
	if (tr[1] == "iotlbench") { ia[++ni] = kv[2]; ib[tr[2]] = kv[2] } else { fa[++nf] = kv[2]; fb[tr[2]] = kv[2] }
}
END {
	if (!ni || !nf) { print "bench-kernel-vs-fio: a tool gave no result" > "/dev/stderr"; exit 1 }
	for (k in ib) if (k in fb && fb[k] > 0) ra[++nr] = ib[k] / fb[k]
	i = median(ia, ni); f = median(fa, nf); r = median(ra, nr)
	printf "kernel-%s, QD1 4 KiB random read, p50 (TCG emulation wall clock, not hardware):\n", mode
	printf "  iotlbench --backend kernel  %.0f ns (median of %d runs)\n", i, ni
	printf "  fio io_uring                %.0f ns (median of %d runs)\n", f, nf
	printf "  ratio iotlbench / fio       %.3f of the medians; %.3f median of %d rounds\n", i / f, r, nr
	printf "  (target: within 10 %%: %s)\n", (r >= 0.9 && r <= 1.1) ? "met" : "not met"
}' "$work/res"

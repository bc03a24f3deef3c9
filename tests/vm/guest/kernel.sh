#!/bin/sh
# Guest test: the kernel backend in each IOMMU mode test-vm.sh boots
# (kernel-strict, kernel-lazy, kernel-pt, kernel-off; VM_KERNEL): the NVMe
# function stays with the kernel's nvme driver and latency and reuse run
# through io_uring, plain, with a registered buffer, polled (the boots give
# nvme.poll_queues=1) and as NVMe passthrough on /dev/ng0n1. Each run must
# finish every case and record the mode of the device's own IOMMU group in
# meta.json; `devices` must list the namespace with its poll queue and char
# device; map must be refused with the reason. The results go back to the
# host through /guest-out (TCG emulation: the times are not hardware's).
set -u
mode=${IOTLB_MODE:-iommu}
blk=${IOTLB_BLOCK:-}
case $mode in
kernel-strict) want=strict ;;
kernel-lazy) want=lazy ;;
kernel-pt) want=passthrough ;;
kernel-off) want=none ;;
*)
	echo "IOTLB-RESULT kernel/setup skip runs in the kernel-* boots (NVMe left on the kernel driver), which test-vm.sh adds when kernel.sh is a test"
	exit 0
	;;
esac
res() { # res NAME pass|fail DETAIL...
	n=$1 s=$2
	shift 2
	echo "IOTLB-RESULT kernel/$n $s $*"
}
if [ -z "$blk" ] || [ ! -b "$blk" ]; then
	res setup fail "no block device (IOTLB_BLOCK='$blk'): /init did not find /dev/nvme0n1"
	exit 1
fi
mkdir -p /guest-out /tmp/kruns

# devices: the namespace with its poll queue and its char device.
if iotlbench devices >/tmp/devices.txt 2>&1 &&
	grep -q "^$blk .*poll queues yes.*passthru /dev/ng0n1[,]" /tmp/devices.txt; then
	res devices pass "$(grep "^$blk " /tmp/devices.txt)"
else
	res devices fail "$(tr '\n' ' ' </tmp/devices.txt)"
fi

# Few I/Os: the guest is TCG.
cat >/tmp/kernel.suite <<'SUITE'
[global]
description = kernel backend in the guest

[latency]
ios = 400
warmup = 50
qd = 1,4
buffer = 1m

[reuse]
pages = 2,16
io_size = 4k
ios = 100
SUITE

# The IOMMU tracepoints counted on every CPU in every context (source
# kernel in counters.csv): with a translating domain (strict, lazy) every
# I/O is mapped and unmapped once, the unmaps partly in the completion
# interrupt, so the counts must be equal and at least one per I/O (the two
# latency cases do 2 x 450); without one (passthrough, no IOMMU) the DMA API
# maps nothing and both are 0.
mapping_work() { # mapping_work LABEL COUNTERS.CSV
	set -- "$1" $(awk -F, '$2 == "kernel" { v[$3] += $4 }
		END { printf "%d %d %d %d", v["iommu:map"], v["iommu:unmap"],
			v["intel_iommu:qi_submit"], v["intel_iommu:cache_tag_flush_range"] }' "$2")
	detail="iommu:map $2, iommu:unmap $3, qi_submit $4, cache_tag_flush_range $5 over all cases"
	if [ "$(grep -c ',kernel,iommu:map,unsupported' "$dir/counters.csv")" != 0 ]; then
		res "maps-$1" fail "iommu:map not counted: $(cat /tmp/kernel-$1.log | grep 'kernel counters' | head -n 2)"
	elif [ "$want" = strict ] || [ "$want" = lazy ]; then
		if [ "$2" = "$3" ] && [ "$2" -ge 900 ]; then
			res "maps-$1" pass "$detail"
		else
			res "maps-$1" fail "maps and unmaps differ or too few: $detail"
		fi
	elif [ "$2" = 0 ] && [ "$3" = 0 ]; then
		res "maps-$1" pass "$detail"
	else
		res "maps-$1" fail "no translation in mode $want but $detail"
	fi
}

for opts in plain fixed=1 poll=1 passthru=1 passthru=1,fixed=1,poll=1; do
	label=$(echo "$opts" | tr ',=' '_-')
	set -- --kernel-opts "$opts"
	[ "$opts" != plain ] || set --
	log=/tmp/kernel-$label.log
	if ! iotlbench run /tmp/kernel.suite --backend kernel --device "$blk" "$@" \
		--out "/tmp/kruns/$label" --no-summary >"$log" 2>&1; then
		res "run-$label" fail "$(grep -v '^case ' "$log" | tail -n 2 | tr '\n' ' ')"
		continue
	fi
	dir=$(readlink -f "/tmp/kruns/$label/latest")
	meta=$(tr -d ' \n' <"$dir/meta.json")
	rows=$(($(wc -l <"$dir/results.csv") - 1))
	got=$(echo "$meta" | sed -n 's/.*"device_iommu":{[^}]*"mode":"\([a-z]*\)".*/\1/p')
	if ! echo "$meta" | grep -q '"complete":true'; then
		res "run-$label" fail "meta.json says the run did not complete"
	elif [ "$rows" != 4 ]; then
		res "run-$label" fail "$rows result rows, want 4"
	elif [ "$got" != "$want" ]; then
		res "run-$label" fail "device_iommu.mode is '$got', want '$want' for $mode"
	else
		# p50 of the QD1 latency case, for the log (TCG time).
		p50=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
			$c["kind"] == "latency" && $c["qd"] == 1 { print $c["p50_ns"] }' "$dir/results.csv")
		res "run-$label" pass "4 cases, device_iommu.mode $got, latency qd1 p50 ${p50} ns (TCG)"
		cp "$dir/results.csv" "/guest-out/kernel-$want-$label.csv"
		cp "$dir/counters.csv" "/guest-out/kernel-$want-$label-counters.csv"
		mapping_work "$label" "$dir/counters.csv"
	fi
done

# A writing case on the zeroed drive passes the data guard.
if iotlbench run /tmp/kernel.suite --backend kernel --device "$blk" --set op=write \
	--set ios=50 --out /tmp/kruns/write --no-summary >/tmp/kernel-write.log 2>&1; then
	res write pass "writes through the kernel driver"
else
	res write fail "$(grep -v '^case ' /tmp/kernel-write.log | tail -n 2 | tr '\n' ' ')"
fi

# The per-process trace filter on the kernel path: dd's direct reads are
# mapped in dd's context and unmapped in the NVMe completion interrupt over
# whatever task runs, so the filter must attribute the unmaps (and, strict,
# the invalidations) by IOVA: maps = unmaps = at least one per read, and
# the attribution said in the output. Without translation, none of either.
n=300
if iotlbench trace \
	--probes iommu:map,iommu:unmap,intel_iommu:cache_tag_flush_range \
	-- dd if="$blk" of=/dev/null bs=4k count=$n iflag=direct >/tmp/ktrace.txt 2>&1; then
	calls() { sed -n "s/^@$1: calls \([0-9]*\),.*/\1/p" /tmp/ktrace.txt | tail -n 1; }
	m=$(calls iommu:map) u=$(calls iommu:unmap) fl=$(calls intel_iommu:cache_tag_flush_range)
	detail="dd $n x 4k direct: iommu:map $m, iommu:unmap $u, cache_tag_flush_range $fl; $(grep '^attribution iommu:unmap' /tmp/ktrace.txt | tail -n 1)"
	case $want in
	strict | lazy)
		if [ -n "$m" ] && [ "$m" = "$u" ] && [ "$m" -ge $n ] &&
			grep -q '^attribution iommu:unmap .*by IOVA' /tmp/ktrace.txt &&
			{ [ "$want" = lazy ] || [ "$fl" = "$u" ]; }; then
			res trace-filter pass "$detail"
		else
			res trace-filter fail "maps, unmaps (and strict: flushes) differ, too few, or no attribution line: $detail"
		fi
		;;
	*)
		if [ "$m" = 0 ] && [ "$u" = 0 ]; then
			res trace-filter pass "$detail"
		else
			res trace-filter fail "no translation in mode $want but $detail"
		fi
		;;
	esac
else
	res trace-filter fail "$(tail -n 3 /tmp/ktrace.txt | tr '\n' ' ')"
fi

# map has no user-visible mapping to time on this path: refused with why.
if iotlbench run map --backend kernel --device "$blk" --out /tmp/kruns/map \
	>/tmp/kernel-map.log 2>&1; then
	res map-refused fail "map ran on the kernel backend"
elif grep -q "cannot run on the kernel backend.*DMA API" /tmp/kernel-map.log; then
	res map-refused pass "$(head -c 160 /tmp/kernel-map.log)"
else
	res map-refused fail "$(tail -n 2 /tmp/kernel-map.log | tr '\n' ' ')"
fi
exit 0

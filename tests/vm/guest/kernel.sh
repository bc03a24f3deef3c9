#!/bin/sh
# Guest test: the kernel backend in each IOMMU mode test-vm.sh boots
# (kernel-strict, kernel-lazy, kernel-pt, kernel-off; VM_KERNEL): the NVMe
# function stays with the kernel's nvme driver and latency and reuse run
# through io_uring, plain, with a registered buffer, polled (the boots give
# nvme.poll_queues=1) and as NVMe passthrough on /dev/ng0n1. Each run must
# finish every case and record the mode of the device's own IOMMU group in
# meta.json; `devices` must list the namespace with its poll queue and char
# device; map must be refused with the reason. Then the kernel's DMA-API
# benchmark (kind dmamap, backend dma-api) on the boot's pci-testdev, below.
# The results go back to the host through /guest-out (TCG emulation: the
# times are not hardware's).
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

# --- The kernel's DMA-API benchmark (kind dmamap, backend dma-api) ---------
# run-guest.sh adds QEMU's pci-testdev (1b36:0005), which no driver claims,
# for these boots. Each run lends it to dma_map_benchmark and must give it
# back as it was (no driver, no override, no debugfs file); the rows must
# hold the kernel's mean and stddev only, the group's mode must be the
# boot's, and the IOMMU tracepoints must count one map and one unmap per
# pair where the domain translates (strict, lazy) and none where it does
# not (passthrough, no IOMMU). Times are TCG emulation.
tdev=""
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat "$d/vendor" 2>/dev/null)" = 0x1b36 ] && [ "$(cat "$d/device" 2>/dev/null)" = 0x0005 ]; then
		tdev=${d##*/}
		break
	fi
done
binding() { # driver, override and debugfs file of the test device, one line
	drv=none
	[ -e "/sys/bus/pci/devices/$tdev/driver" ] && drv=$(basename "$(readlink "/sys/bus/pci/devices/$tdev/driver")")
	echo "driver=$drv override=$(cat "/sys/bus/pci/devices/$tdev/driver_override") debugfs=$([ -e /sys/kernel/debug/dma_map_benchmark ] && echo yes || echo no)"
}
if [ -z "$tdev" ]; then
	res dmamap-setup fail "no pci-testdev (1b36:0005) in the guest: run-guest.sh adds it to the kernel-* boots"
	exit 0
fi
before=$(binding)
t0=$(cut -d' ' -f1 /proc/uptime)
cat >/tmp/dmamap.suite <<'SUITE'
[global]
description = the kernel's dma_map_benchmark in the guest

[dmamap]
granule = 1,16
seconds = 1
SUITE
if ! iotlbench run /tmp/dmamap.suite --backend dma-api --device "$tdev" --out /tmp/kruns/dmamap \
	--no-summary >/tmp/dmamap.log 2>&1; then
	res dmamap-run fail "$(grep -v '^case ' /tmp/dmamap.log | tail -n 2 | tr '\n' ' ')"
else
	dir=$(readlink -f /tmp/kruns/dmamap/latest)
	meta=$(tr -d ' \n' <"$dir/meta.json")
	got=$(echo "$meta" | sed -n 's/.*"device_iommu":{[^}]*"mode":"\([a-z]*\)".*/\1/p')
	# Every row: kind dmamap, op map or unmap, a mean and a stddev, and
	# empty ops, p50..max and iops (the kernel reports none of them);
	# map_size = granule pages, threads 1, dir bidirectional. A mean of 0
	# (under 100 ns, the kernel's unit) is allowed only for map and unmap
	# without translation.
	bad=$(awk -F, -v want="$want" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ n++
		  why = ""
		  if ($c["kind"] != "dmamap") why = why " kind " $c["kind"]
		  if ($c["op"] != "map" && $c["op"] != "unmap") why = why " op " $c["op"]
		  if ($c["mean_ns"] == "" || $c["stddev_ns"] == "") why = why " no mean/stddev"
		  if ((want == "strict" || want == "lazy") && !($c["mean_ns"] > 0)) why = why " mean 0 with translation"
		  if ($c["ops"] != "" || $c["p50_ns"] != "" || $c["p99_ns"] != "" || $c["max_ns"] != "" || $c["iops"] != "") why = why " percentiles or counts filled in"
		  if ($c["map_size"] != 4096 && $c["map_size"] != 65536) why = why " map_size " $c["map_size"]
		  if ($c["threads"] != 1 || $c["dma_dir"] != "bidirectional") why = why " threads/dir"
		  if (why != "") { print $c["case"] ":" why; exit } }
		END { if (n != 4) print n " rows, want 4" }' "$dir/results.csv")
	nums=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ printf "%s %s %s +- %s ns; ", $c["map_size"] / 4096 "p", $c["op"], $c["mean_ns"], $c["stddev_ns"] }' "$dir/results.csv")
	if ! echo "$meta" | grep -q '"complete":true'; then
		res dmamap-run fail "meta.json says the run did not complete"
	elif [ -n "$bad" ]; then
		res dmamap-run fail "$bad"
	elif [ "$got" != "$want" ]; then
		res dmamap-run fail "device_iommu.mode is '$got', want '$want' for $mode"
	else
		res dmamap-run pass "mode $got: ${nums}(TCG emulation)"
		cp "$dir/results.csv" "/guest-out/dmamap-$want.csv"
		cp "$dir/meta.json" "/guest-out/dmamap-$want-meta.json"
	fi
	set -- $(awk -F, '$2 == "kernel" { v[$3] += $4 } END { printf "%d %d", v["iommu:map"], v["iommu:unmap"] }' "$dir/counters.csv")
	if grep -q ',kernel,iommu:map,unsupported' "$dir/counters.csv"; then
		res dmamap-maps fail "iommu:map not counted: $(grep 'kernel counters' /tmp/dmamap.log | head -n 1)"
	elif [ "$want" = strict ] || [ "$want" = lazy ]; then
		if [ "$1" -gt 0 ] && [ "$1" = "$2" ]; then
			res dmamap-maps pass "iommu:map $1 = iommu:unmap $2: the map/unmap pairs the kernel ran"
		else
			res dmamap-maps fail "iommu:map $1, iommu:unmap $2: want equal and > 0 with translation"
		fi
	elif [ "$1" = 0 ] && [ "$2" = 0 ]; then
		res dmamap-maps pass "no iommu:map/unmap in mode $want"
	else
		res dmamap-maps fail "mode $want translates nothing, yet iommu:map $1, iommu:unmap $2"
	fi
fi
after=$(binding)
if [ "$after" = "$before" ]; then
	res dmamap-restored pass "$tdev after the run: $after"
else
	res dmamap-restored fail "$tdev before: $before; after: $after"
fi

# SIGINT cuts the kernel's run short: the case is not recorded as if it
# had run its seconds, the exit status says interrupted, the binding is back.
iotlbench run /tmp/dmamap.suite --backend dma-api --device "$tdev" --set seconds=60 \
	--set granule=1 --out /tmp/kruns/dmamap-int --no-summary >/tmp/dmamap-int.log 2>&1 &
pid=$!
# Once the function is bound the ioctl follows at once; a second later the
# kernel threads are running.
n=0
while [ ! -e /sys/kernel/debug/dma_map_benchmark ] && [ $n -lt 50 ]; do
	sleep 0.2
	n=$((n + 1))
done
sleep 1
kill -INT "$pid"
wait "$pid"
st=$?
after=$(binding)
rows=$(($(wc -l <"$(readlink -f /tmp/kruns/dmamap-int/latest)/results.csv") - 1))
if [ "$st" = 130 ] && [ "$after" = "$before" ] && [ "$rows" = 0 ]; then
	res dmamap-sigint pass "exit 130, 0 rows, $after"
else
	res dmamap-sigint fail "exit $st (want 130), $rows rows (want 0), before: $before; after: $after"
fi

# Refusals: the NVMe function is in use by nvme (and stays so); dmamap on
# the kernel backend; an I/O kind on dma-api.
iotlbench run /tmp/dmamap.suite --backend dma-api --device "$IOTLB_BDF" --out /tmp/kruns/dmamap-busy \
	>/tmp/dmamap-busy.log 2>&1
if grep -q "is bound to nvme.*unbind it first" /tmp/dmamap-busy.log && [ -b "$blk" ] &&
	[ "$(basename "$(readlink "/sys/bus/pci/devices/$IOTLB_BDF/driver")")" = nvme ]; then
	res dmamap-busy pass "$(head -c 120 /tmp/dmamap-busy.log)"
else
	res dmamap-busy fail "$(tail -n 2 /tmp/dmamap-busy.log | tr '\n' ' ')"
fi
if ! iotlbench run /tmp/dmamap.suite --backend kernel --device "$blk" --out /tmp/kruns/dmamap-k \
	>/tmp/dmamap-k.log 2>&1 && grep -q "kind dmamap cannot run on the kernel backend" /tmp/dmamap-k.log &&
	! iotlbench run /tmp/kernel.suite --backend dma-api --device "$tdev" --out /tmp/kruns/dmamap-l \
		>/tmp/dmamap-l.log 2>&1 && grep -q "cannot run on the dma-api backend" /tmp/dmamap-l.log &&
	[ "$(binding)" = "$before" ]; then
	res dmamap-refused pass "dmamap on kernel and latency on dma-api refused, binding back"
else
	res dmamap-refused fail "$(tail -n 1 /tmp/dmamap-k.log) / $(tail -n 1 /tmp/dmamap-l.log) / $(binding)"
fi
echo "kernel.sh: the dmamap checks took $(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }') s of guest uptime (TCG)"
exit 0

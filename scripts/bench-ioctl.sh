#!/bin/sh
# Backend bookkeeping over the bare DMA ioctls, and map/unmap latency per
# backend and page size, measured in the QEMU guest (tests/vm): bin/bench-ioctl
# for vfio, iommufd with kernel-chosen IOVAs and iommufd with fixed IOVAs, at
# 4 KiB and 2 MiB pages (1 GiB with BENCH_1G=1: the guest then needs 5 GiB and
# a 1 GiB pool). One boot; the CSV goes to OUT (default bench-ioctl.csv) and
# a summary to stdout. On a real server run bin/bench-ioctl directly.
#
# ICOUNT=N boots the guest with instruction-counted time (run-guest.sh
# --icount N): each guest instruction then takes 2^N ns, so the figures
# compare instruction counts and none of the emulator's own costs.
#
# usage: sh scripts/bench-ioctl.sh      (PAIRS=5000 OUT=bench-ioctl.csv
#        BACKENDS="vfio iommufd-kernel iommufd-fixed" SIZES="4K 2M" ICOUNT=)
set -eu
PAIRS=${PAIRS:-5000}
OUT=${OUT:-bench-ioctl.csv}
BACKENDS=${BACKENDS:-vfio iommufd-kernel iommufd-fixed}
sizes=${SIZES:-4K 2M}
append="hugepagesz=2M hugepages=8"
case " $sizes " in *" 1G "*) [ "${BENCH_1G:-0}" = 1 ] || BENCH_1G=1 ;; esac
if [ "${BENCH_1G:-0}" = 1 ]; then
	case " $sizes " in *" 1G "*) ;; *) sizes="$sizes 1G" ;; esac
	append="$append hugepagesz=1G hugepages=1"
fi
[ -x bin/bench-ioctl ] || { echo "bench-ioctl.sh: build first (make)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The guest side: every combination, one CSV with a single header.
cat >"$work/run.sh" <<GUEST
#!/bin/sh
set -u
o=/guest-out/bench-ioctl.csv
h=""
for sz in $sizes; do
	for b in $BACKENDS; do
		case \$b in
		iommufd-kernel) c="--iova kernel iommufd" ;;
		iommufd-fixed) c="--iova fixed iommufd" ;;
		*) c=\$b ;;
		esac
		if bench-ioctl --pairs $PAIRS --page-size \$sz \$h \$c "\$IOTLB_BDF" >>\$o; then
			h=--no-header
			echo "IOTLB-RESULT bench-ioctl/\$(echo \$c | tr ' ' _)-\$sz pass"
		else
			echo "IOTLB-RESULT bench-ioctl/\$(echo \$c | tr ' ' _)-\$sz fail"
		fi
	done
done
GUEST
sh tests/vm/run-guest.sh --file bin/bench-ioctl:/bin/bench-ioctl --test "$work/run.sh" \
	${ICOUNT:+--icount "$ICOUNT"} --append "$append" --timeout 3000 --out "$work/vm" >"$work/log" 2>&1 || {
	tail -n 30 "$work/log" >&2
	exit 1
}
cp "$work/vm/guest-out/bench-ioctl.csv" "$OUT"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	{ printf "%-7s %-6s %10s %-5s backend %7.0f ns  bare %7.0f ns  bookkeeping %5.0f ns = %5.2f %%  (end to end %+5.2f %%)\n",
	  $c["backend"], $c["iova"], $c["page_size"], $c["op"], $c["backend_p50_ns"], $c["bare_p50_ns"],
	  $c["bookkeeping_ns"], $c["bookkeeping_pct"], $c["e2e_pct"] }' "$OUT"
echo "(medians of $PAIRS interleaved pairs; CSV: $OUT)"

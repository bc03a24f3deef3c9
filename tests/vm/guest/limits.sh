#!/bin/sh
# Guest test: the shipped suites against the controller QEMU was configured
# with (IOTLB_NVME_OPTS, from run-guest.sh --nvme-opts: mdts=N,
# logical_block_size=N), on the pagemap backend of the noiommu boot. Each
# suite with I/O kinds must either run to the end or be refused before its
# first case by the runner's device-limit check (micro/run/limits.c), with
# the message naming the limit and the fix; a refusal for 4 KiB LBAs must
# then run with the --set it proposes. Never a failure in the middle of a
# run. With MDTS below QEMU's default (mdts=1: 8 KiB transfers) a suite of
# I/Os twice the limit must be refused for MDTS, one at the limit must run.
#
# The suites are shrunk for TCG (few I/Os, few mappings and pages): the limit
# check looks at io_size, qd and threads, which are kept as shipped.
set -u
mode=${IOTLB_MODE:-iommu}
bdf=${IOTLB_BDF:-}
opts=${IOTLB_NVME_OPTS:-}
if [ "$mode" != noiommu ] || [ -z "$bdf" ]; then
	echo "IOTLB-RESULT limits/setup skip runs in the noiommu boots (pagemap backend), where test-vm.sh also boots the MDTS and 4 KiB-LBA controllers"
	exit 0
fi
mdts=7 lbs=512
for o in $(echo "$opts" | tr ',' ' '); do
	case $o in
	mdts=*) mdts=${o#mdts=} ;;
	logical_block_size=*) lbs=${o#logical_block_size=} ;;
	esac
done
cfg="${opts:-default controller}"
small="--set ios=64 --set ops=2 --set warmup=0 --set mappings=1,10 --set pages=1,2 --set buffer=4m"
out=/tmp/limits
mkdir -p "$out"

# run NAME SUITE [ARGS...]: runs a suite; sets $log, $rc, $started.
run() {
	log=$out/$1.log
	shift
	# shellcheck disable=SC2086
	iotlbench run "$@" --backend pagemap --device "$bdf" --out "$out/runs" $small >"$log" 2>&1
	rc=$?
	started=0
	grep -q '^case [0-9]*/[0-9]*' "$log" && started=1
}

# show: what went wrong in the last run: a sanitizer's report whole, else
# the log's end.
show() {
	if grep -q 'Sanitizer' "$log"; then
		sed -n '/ERROR: .*Sanitizer\|runtime error:/,/^SUMMARY/p' "$log" | head -n 60
	else
		tail -n 20 "$log"
	fi
}

# refused_with NAME TEXT: the last run was refused up front with TEXT.
refused_with() {
	if [ "$rc" != 0 ] && [ "$started" = 0 ] && grep -qF "$2" "$log"; then
		echo "IOTLB-RESULT limits/$1 pass refused up front ($cfg): $(grep -F "$2" "$log" | head -n 1)"
	else
		echo "IOTLB-RESULT limits/$1 fail expected a refusal before the first case with '$2' ($cfg), got exit $rc, cases started: $started"
		show
	fi
}

ran_ok() {
	if [ "$rc" = 0 ] && grep -q ' 0 failed)' "$log"; then
		echo "IOTLB-RESULT limits/$1 pass runs ($cfg): $(tail -n 1 "$log")"
	else
		echo "IOTLB-RESULT limits/$1 fail expected the run to finish ($cfg), exit $rc"
		show
	fi
}

lba_msg="is not a multiple of namespace 1's $lbs-byte LBAs: add --set io_size=$lbs"
mdts_msg="exceeds the controller's MDTS"
for s in /micro/suites/*.suite; do
	name=${s##*/}
	name=${name%.suite}
	if ! grep -Eq '^\[(reuse|churn|latency|throughput)|^kind *= *(reuse|churn|latency)' "$s"; then
		echo "IOTLB-RESULT limits/$name skip no I/O kind in the suite: io_size limits do not apply"
		continue
	fi
	run "$name" "$name"
	if [ "$rc" = 0 ]; then
		ran_ok "$name"
	elif [ "$started" = 1 ]; then
		echo "IOTLB-RESULT limits/$name fail failed after its first case ($cfg): a device limit must be refused up front"
		show
	elif [ "$lbs" != 512 ] && grep -qF "$lba_msg" "$log"; then
		refused_with "$name" "$lba_msg"
		run "$name-io$lbs" "$name" --set "io_size=$lbs"
		ran_ok "$name-io$lbs"
	elif [ "$mdts" != 0 ] && [ "$mdts" -lt 7 ] && grep -qF "$mdts_msg" "$log"; then
		refused_with "$name" "$mdts_msg"
	else
		echo "IOTLB-RESULT limits/$name fail refused up front for no limit this controller has ($cfg)"
		show
	fi
done

# MDTS: the largest transfer is 2^MDTS pages of CAP.MPSMIN (4 KiB in QEMU).
# No shipped suite asks for more than 4 KiB per I/O, so a latency suite at
# twice the limit must be refused up front, and at the limit it must run.
if [ "$mdts" != 0 ] && [ "$mdts" -lt 7 ]; then
	max=$(((1 << mdts) * 4096))
	printf '[latency]\nio_size = %s\n' $((max * 2)) >/tmp/over-mdts.suite
	printf '[latency]\nio_size = %s\n' $max >/tmp/at-mdts.suite
	run over-mdts /tmp/over-mdts.suite
	refused_with over-mdts "$mdts_msg"
	run at-mdts /tmp/at-mdts.suite
	ran_ok at-mdts
fi
exit 0

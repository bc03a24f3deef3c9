#!/bin/sh
# Boots the iotlbench test guest under QEMU (q35, TCG, emulated Intel VT-d and
# NVMe), shows what the guest reports, and exits 0 only if every result passed
# and the guest said IOTLB-DONE 0 before the timeout. The last line is always
#     vm: N passed, N failed, N skipped
#
# usage: run-guest.sh [options]
#   --initramfs FILE     boot this initramfs (from mkinitramfs.sh); or give the
#   --test FILE          payload here: --test/--file/--cmd are handed to
#   --file SRC[:DEST]    mkinitramfs.sh (-t/-f/-c) and the initramfs is built
#   --cmd NAME=CMD       into the output directory
#   --mode iommu|noiommu iommu (default): intel-iommu device, intel_iommu=on
#                        iommu.strict=1, NVMe bound to vfio-pci; noiommu: no
#                        IOMMU device, intel_iommu=off, NVMe left driverless
#   --mode kernel-strict|kernel-lazy|kernel-pt|kernel-off
#                        the NVMe function stays with the kernel's nvme driver
#                        (one poll queue: nvme.poll_queues=1) and the IOMMU
#                        runs strict (iommu.strict=1), lazy (iommu.strict=0),
#                        passthrough (iommu=pt) or not at all (no intel-iommu
#                        device, intel_iommu=off): the kernel backend's modes;
#                        these also get a driverless pci-testdev at 00:10.0
#                        for the kernel's DMA-API benchmark (kind dmamap)
#   --append ARGS        extra kernel arguments (e.g. hugepages, see README)
#   --mem SIZE           guest memory, QEMU -m syntax (default 5G: two 1 GiB
#                        hugepages fit only from 5G on, q35 puts 2G below 4G)
#   --smp N              guest CPUs (default 2)
#   --timeout SECS       kill QEMU after this long (default 300)
#   --test-timeout SECS  per guest test program (default: --timeout less 30 s,
#                        or two thirds of it when that is 60 s or less)
#   --only a,b           run only these /guest-tests entries
#   --iommu-opts OPTS    extra intel-iommu properties, e.g. aw-bits=48 or
#                        caching-mode=on
#   --nvme-opts OPTS     extra properties of the nvme device and its
#                        namespace, e.g. mdts=1 (8 KiB transfers) or
#                        logical_block_size=4096,physical_block_size=4096;
#                        the guest's tests see them as IOTLB_NVME_OPTS
#   --trace [PATTERNS]   QEMU log trace of the given comma-separated event
#                        patterns (default vtd_iotlb_*,vtd_inv_desc_iotlb_*)
#                        into OUT/qemu-trace.log
#   --icount SHIFT       instruction-counted time: the guest's clock advances
#                        2^SHIFT ns per instruction executed (QEMU -icount,
#                        single-threaded TCG), so guest timings count guest
#                        instructions instead of emulation speed
#   --kernel FILE        bzImage (default: the cached one, build-kernel.sh)
#   --out DIR            keep console log, trace, disk image and guest files
#                        here (default: a new directory under $TMPDIR or /tmp)
#   --verbose            show the whole console (kernel messages too)
#   --shell              interactive: leave a shell in the guest at the end
#                        (console on this terminal, no timeout)
# Environment: QEMU (default qemu-system-x86_64).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
die() { echo "run-guest: error: $*" >&2; exit 2; }
usage() { sed -n '7,42p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

initrd="" kernel="" mode=iommu append="" mem=5G smp=2 timeout=300 ttimeout=""
only="" iommu_opts="" nvme_opts="" trace="" icount="" out="" verbose=0 shell=0
payload=0
# The payload options are kept as positional arguments for mkinitramfs.sh.
mk_args=""
nl='
'
while [ $# -gt 0 ]; do
	case $1 in
	--initramfs) initrd=$2; shift ;;
	--test) mk_args="$mk_args-t$nl$2$nl"; payload=1; shift ;;
	--file) mk_args="$mk_args-f$nl$2$nl"; payload=1; shift ;;
	--cmd) mk_args="$mk_args-c$nl$2$nl"; payload=1; shift ;;
	--mode) mode=$2; shift ;;
	--append) append="$append $2"; shift ;;
	--mem) mem=$2; shift ;;
	--smp) smp=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--test-timeout) ttimeout=$2; shift ;;
	--only) only=$2; shift ;;
	--iommu-opts) iommu_opts=",$2"; shift ;;
	--nvme-opts) nvme_opts=$2; shift ;;
	--trace)
		case ${2:-} in
		"" | --*) trace="vtd_iotlb_*,vtd_inv_desc_iotlb_*" ;;
		*) trace=$2; shift ;;
		esac ;;
	--icount) icount=$2; shift ;;
	--kernel) kernel=$2; shift ;;
	--out) out=$2; shift ;;
	--verbose | -v) verbose=1 ;;
	--shell) shell=1 ;;
	-h | --help) usage ;;
	*) echo "run-guest: unknown option: $1" >&2; usage ;;
	esac
	shift
done
case $mode in iommu | noiommu | kernel-strict | kernel-lazy | kernel-pt | kernel-off) ;;
*) die "--mode must be iommu, noiommu or kernel-strict|lazy|pt|off, not '$mode'" ;;
esac
case $icount in "" | [0-9] | 10) ;; *) die "--icount takes a shift of 0..10, not '$icount'" ;; esac
[ -n "$initrd" ] || [ "$payload" = 1 ] || die "nothing to run: give --initramfs FILE or --test/--cmd"
[ -z "$initrd" ] || [ "$payload" = 0 ] || die "give either --initramfs or --test/--file/--cmd, not both"
case $nvme_opts in *[!A-Za-z0-9_.=,-]*) die "--nvme-opts takes QEMU properties like mdts=1,logical_block_size=4096 (letters, digits, _ . = , -), not '$nvme_opts'" ;; esac

qemu=${QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null || die "$qemu not found: apt-get install qemu-system-x86 (no /dev/kvm needed: the guest runs under TCG)"

if [ -z "$out" ]; then
	out=$(mktemp -d "${TMPDIR:-/tmp}/iotlb-vm.XXXXXX")
else
	mkdir -p "$out"
fi
out=$(cd "$out" && pwd)

if [ -z "$kernel" ]; then
	kernel=$(sh "$here/build-kernel.sh") || die "no guest kernel (see build-kernel.sh messages above)"
fi
[ -r "$kernel" ] || die "kernel $kernel not readable"

if [ "$payload" = 1 ]; then
	initrd=$out/initramfs.cpio.gz
	# Split the collected option list back into arguments (values may hold
	# spaces, never newlines).
	old_ifs=$IFS
	IFS=$nl
	set -f
	# shellcheck disable=SC2086
	set -- $mk_args
	set +f
	IFS=$old_ifs
	sh "$here/mkinitramfs.sh" -o "$initrd" "$@" || die "building the initramfs failed"
fi
[ -r "$initrd" ] || die "initramfs $initrd not readable"

# --- QEMU command line -----------------------------------------------------
# -cpu max under TCG offers every feature QEMU emulates, pdpe1gb (1 GiB pages)
# among them. kernel-irqchip=split is what interrupt remapping needs under KVM;
# TCG has no in-kernel irqchip and accepts it unchanged, so the same line
# works if someone swaps in -accel kvm. The intel-iommu device comes before
# the devices it translates for (QEMU docs, "intel-iommu").
console=$out/console.log
: >"$console"
disk=$out/nvme.img
# A sparse raw image: the emulated controller needs a backing drive; 256 MiB
# is plenty for I/O tests and costs no disk until written.
[ -e "$disk" ] || truncate -s 256M "$disk"

# no_timer_check: at boot the kernel checks that the timer interrupt arrives
# through the (remapped) IO-APIC within a few hundred thousand loop turns
# (arch/x86/kernel/apic/io_apic.c, check_timer()); under TCG on a loaded
# host it may not, and the kernel panics with "timer doesn't work through
# Interrupt-remapped IO-APIC" (seen in CI at load 17 on 2 CPUs). The timer
# works; only the check's patience is host-dependent.
kargs="console=ttyS0 panic=-1 no_timer_check iotlb.mode=$mode"
set -- -machine q35,kernel-irqchip=split -accel tcg -cpu max -smp "$smp" -m "$mem" \
	-nodefaults -no-user-config -display none -no-reboot
case $mode in
iommu)
	# intremap=on: without interrupt remapping VFIO refuses the device (EPERM)
	# unless vfio_iommu_type1.allow_unsafe_interrupts=1.
	set -- "$@" -device "intel-iommu,intremap=on$iommu_opts"
	kargs="$kargs intel_iommu=on iommu.strict=1"
	;;
kernel-strict | kernel-lazy | kernel-pt)
	# The kernel's own DMA path: the group's default domain is DMA (strict:
	# every unmap invalidates before it returns), DMA-FQ (lazy: unmaps wait
	# in a flush queue) or identity (passthrough: no translation), per
	# Documentation/admin-guide/kernel-parameters.txt (iommu.strict=, iommu=pt).
	set -- "$@" -device "intel-iommu,intremap=on$iommu_opts"
	case $mode in
	kernel-strict) kargs="$kargs intel_iommu=on iommu.strict=1" ;;
	kernel-lazy) kargs="$kargs intel_iommu=on iommu.strict=0" ;;
	kernel-pt) kargs="$kargs intel_iommu=on iommu=pt" ;;
	esac
	# no_timer_check: on a loaded host TCG can miss the IO-APIC timer check
	# through the remapped IO-APIC and panic ("timer doesn't work through
	# Interrupt-remapped IO-APIC"), seen here at load average 15.
	kargs="$kargs nvme.poll_queues=1 no_timer_check"
	;;
kernel-off) kargs="$kargs intel_iommu=off nvme.poll_queues=1 no_timer_check" ;;
*) kargs="$kargs intel_iommu=off" ;;
esac
# --nvme-opts go on the nvme device: QEMU gives its implicit namespace the
# drive's block properties (logical_block_size, ...) and the controller its
# own (mdts, ...). The guest learns them from iotlb.nvme= (IOTLB_NVME_OPTS).
set -- "$@" -drive "file=$disk,if=none,format=raw,id=nvm0" \
	-device "nvme,serial=iotlb0001,drive=nvm0${nvme_opts:+,$nvme_opts}"
[ -z "$nvme_opts" ] || kargs="$kargs iotlb.nvme=$nvme_opts"
# The kernel-* boots also get a PCI function no driver claims (QEMU's
# pci-testdev, 1b36:0005) for the kernel's DMA-API benchmark to be bound
# to, so kernel.sh's dmamap runs never take the NVMe function away. It sits
# behind the same intel-iommu in its own group.
case $mode in
kernel-*) set -- "$@" -device pci-testdev,addr=0x10 ;;
esac
# Each program gets less than the whole boot, so that a hanging one is named
# by /init (status 143) instead of the run ending in a bare QEMU timeout.
if [ -z "$ttimeout" ]; then
	if [ "$timeout" -gt 60 ]; then ttimeout=$((timeout - 30)); else ttimeout=$((timeout * 2 / 3)); fi
fi
kargs="$kargs iotlb.timeout=$ttimeout"
[ -z "$only" ] || kargs="$kargs iotlb.only=$only"
[ "$shell" = 0 ] || kargs="$kargs iotlb.shell=1"
kargs="$kargs$append"
set -- "$@" -kernel "$kernel" -initrd "$initrd" -append "$kargs"
if [ -n "$icount" ]; then
	# Virtual time from the instruction counter (QEMU docs, "-icount"):
	# sleep=off lets an idle guest jump to its next timer instead of waiting
	# in real time, align=off never slows the guest to wall-clock speed.
	set -- "$@" -icount "shift=$icount,sleep=off,align=off"
fi
if [ -n "$trace" ]; then
	# The "log" trace backend of Debian's QEMU: events named in a file (glob
	# patterns allowed), output to the -D file (QEMU docs, "Tracing").
	echo "$trace" | tr ',' '\n' >"$out/trace-events"
	set -- "$@" -trace "events=$out/trace-events" -D "$out/qemu-trace.log"
fi

echo "run-guest: mode=$mode mem=$mem smp=$smp kernel=$kernel${nvme_opts:+ nvme=$nvme_opts}" >&2
echo "run-guest: kernel args: $kargs" >&2
echo "run-guest: output in $out" >&2
printf '%s\n' "$qemu" "$@" >"$out/qemu.cmdline"

if [ "$shell" = 1 ]; then
	# Console on this terminal; type 'exit' in the guest shell to finish.
	exec "$qemu" "$@" -serial mon:stdio
fi

t0=$(date +%s)
timeout -k 5 "$timeout" "$qemu" "$@" -serial "file:$console" -monitor none \
	</dev/null >"$out/qemu.stderr" 2>&1 &
qpid=$!

# Show the console while it runs: everything with --verbose, else the lines
# of the protocol, the init messages and the test programs' output.
if [ "$verbose" = 1 ]; then
	filter='{ print "guest: " $0; fflush() }'
else
	# A program's own result lines come back from /init once it has ended.
	filter='/^(IOTLB-|iotlb-init:|  \| )/ && !/^(IOTLB-FILE|  \| IOTLB-RESULT )/ { print "guest: " $0; fflush() }'
fi
tail -n +1 -s 0.2 -f --pid="$qpid" "$console" | tr -d '\r' | awk "$filter" &
tpid=$!

status=0
wait "$qpid" || status=$?
wait "$tpid" 2>/dev/null || true
t1=$(date +%s)

# --- Verdict -----------------------------------------------------------------
tr -d '\r' <"$console" >"$out/console.txt"
counts=$(awk '
	/^IOTLB-RESULT / { c[$3]++ }
	/^IOTLB-DONE / { done = $2 }
	END { printf "%d %d %d %s\n", c["pass"], c["fail"], c["skip"], (done == "" ? "none" : done) }
' "$out/console.txt")
set -- $counts
passed=$1 failed=$2 skipped=$3 done=$4
bad=$(awk '/^IOTLB-RESULT / && $3 != "pass" && $3 != "fail" && $3 != "skip"' "$out/console.txt")

# Files the guest sent back (IOTLB-FILE name bytes / base64 / IOTLB-FILE-END).
if grep -q '^IOTLB-FILE ' "$out/console.txt"; then
	mkdir -p "$out/guest-out"
	awk -v dir="$out/guest-out" '
		/^IOTLB-FILE-END/ { close(f); f = ""; next }
		/^IOTLB-FILE / { n = $2; gsub(/[^A-Za-z0-9._-]/, "_", n); f = dir "/" n ".b64"; printf "" > f; next }
		f != "" { print > f }
	' "$out/console.txt"
	for b in "$out"/guest-out/*.b64; do
		base64 -d "$b" >"${b%.b64}" && rm -f "$b"
		echo "run-guest: guest file ${b%.b64}" >&2
	done
fi

problem=""
if [ "$status" = 124 ] || [ "$status" = 137 ]; then
	problem="timed out after ${timeout}s (QEMU killed); raise --timeout or look at $out/console.txt"
elif [ "$status" != 0 ]; then
	problem="QEMU exited with status $status: $(tail -n 3 "$out/qemu.stderr" | tr '\n' ' ')"
elif [ "$done" = none ]; then
	problem="the guest never printed IOTLB-DONE (kernel panic or /init died?)"
elif [ "$done" != 0 ]; then
	[ "$failed" != 0 ] || problem="guest reported IOTLB-DONE $done"
elif [ $((passed + failed + skipped)) = 0 ]; then
	problem="the guest reported no results"
fi
[ -z "$bad" ] || problem="${problem:+$problem; }malformed result lines: $bad"

if [ -n "$problem" ] || [ "$failed" != 0 ]; then
	if [ "$verbose" = 0 ]; then
		echo "run-guest: last console lines ($out/console.txt):" >&2
		awk '/^IOTLB-FILE /, /^IOTLB-FILE-END/ { next } !/^(IOTLB-|  \| )/' "$out/console.txt" |
			tail -n 25 | sed 's/^/  console: /' >&2
	fi
	grep '^IOTLB-RESULT [^ ]* fail' "$out/console.txt" | sed 's/^/run-guest: FAILED: /' >&2 || true
fi
if [ -n "$problem" ]; then
	echo "run-guest: $problem" >&2
	failed=$((failed + 1))
fi
if [ -n "$trace" ]; then
	echo "run-guest: QEMU trace: $out/qemu-trace.log ($(wc -l <"$out/qemu-trace.log" 2>/dev/null || echo 0) lines)" >&2
fi
echo "run-guest: mode $mode took $((t1 - t0)) s" >&2
echo "vm: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]

#!/bin/sh
# make test-campaign: the campaign playbook (campaign/) against three loopback
# hosts this test starts itself (tests/campaign/hosts.sh: sshd on 127.0.0.2-4,
# own ports, host keys and work directories), each running the emulated
# controller with another IOMMU preset. The hosts are one machine: they share
# one build directory (iotlbench_build_cache), so the pushed archive is
# built once. Checks:
#   1. the first campaign builds the pushed git archive once; killing amd's
#      sshd once its cell has started leaves intel and qemu complete, their
#      datasets matching their checksums, and amd listed as failed;
#   2. a rerun once amd is back runs only amd's cell and brings its dataset;
#   3. another rerun does nothing (no host is contacted, no file changes);
#   4. boot-config on a fake root (etc/default/grub): what update-grub and
#      the reboot would do, in order, and the original back at the end; a
#      host without reboot_ok is refused and left untouched;
#   5. the merged analysis names each host and infers each host's IOTLB
#      reach from its own data;
#   6. the host helpers on a fake sysfs.
# Ends with one line: campaign: N passed, N failed, N skipped
set -u
cd "$(dirname "$0")/../.."
top=$(pwd)
passed=0 failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }
check() { # NAME COMMAND...
	name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}
finish() {
	echo "campaign: $passed passed, $failed failed, 0 skipped"
	[ "$failed" = 0 ]
	exit $?
}
for tool in ansible-playbook /usr/sbin/sshd ssh-keygen ssh-keyscan Rscript git; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "skip: $tool is missing (make deps-campaign installs ansible-core and openssh-server)"
		echo "campaign: 0 passed, 0 failed, 1 skipped"
		exit 0
	fi
done
if [ "${SANITIZE:-0}" = 1 ]; then
	echo "skip: the campaign builds its own bin/iotlbench on each host from the archive; a sanitizer build of this checkout changes nothing it runs (make test without SANITIZE runs it)"
	echo "campaign: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
if ! git rev-parse HEAD >/dev/null 2>&1; then
	echo "skip: not a git checkout: the campaign pushes git archive HEAD to its hosts (run it from a clone)"
	echo "campaign: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "skip: the loopback sshd hosts need root (their own host keys and /run/sshd)"
	echo "campaign: 0 passed, 0 failed, 1 skipped"
	exit 0
fi

start=$(date +%s)
T=$(mktemp -d /tmp/iotlbench-campaign-test.XXXXXX)
logs=$top/tests/logs/campaign
rm -rf "$logs"
mkdir -p "$logs"
. tests/campaign/hosts.sh
cleanup() {
	hosts_stop
	cp "$T"/*.log "$logs/" 2>/dev/null
	for i in 2 3 4; do cp "$T/h$i/sshd.log" "$logs/sshd-h$i.log" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
if ! hosts_start "$T" 3; then
	fail "start three loopback sshd hosts"
	finish
fi
pass "start three loopback sshd hosts (ports $HOST_PORT_2 $HOST_PORT_3 $HOST_PORT_4)"
# Ansible's log, with a time stamp per line, goes to tests/logs/campaign/.
export ANSIBLE_SSH_CONTROL_PATH_DIR="$T/cp" ANSIBLE_LOCAL_TEMP="$T/ansible-local" ANSIBLE_LOG_PATH="$logs/ansible.log"
rev=$(git rev-parse HEAD | cut -c1-12)

name_of() { case $1 in 2) echo intel ;; 3) echo amd ;; 4) echo qemu ;; esac; }
preset_of() { case $1 in 2) echo intel-e5-2660v2 ;; 3) echo amd-epyc-7713 ;; 4) echo qemu-vtd ;; esac; }
# IOTLB entries of each preset (driver/iommu/presets.ini; 4 KiB pages).
entries_of() { case $1 in 2) echo 64 ;; 3) echo 256 ;; 4) echo 1024 ;; esac; }

# inventory FILE HOSTS... [-- EXTRA_HOST_VARS_FUNCTION]
host_entry() {
	i=$1
	eval "port=\$HOST_PORT_$i"
	cat <<H
    $(name_of "$i"):
      ansible_host: 127.0.0.$i
      ansible_port: $port
      ansible_remote_tmp: $T/h$i/ansible-tmp
      ansible_async_dir: $T/h$i/ansible-async
      iotlbench_workdir: $T/h$i/work
      iotlbench_run_args: --preset $(preset_of "$i")
H
}
inventory_head() {
	echo "all:"
	echo "  vars:"
	hosts_inventory_vars
	cat <<V
    iotlbench_suites: [$top/tests/campaign/campaign.suite]
    iotlbench_backends: [emu]
    iotlbench_build_cache: $T/build-cache
    campaign_poll: 1
    campaign_cell_timeout: 300
  hosts:
V
}
{
	inventory_head
	for i in 2 3 4; do host_entry $i; done
} >"$T/lab.yml"

campaign() { # ID LOG [INVENTORY]: run one campaign, bounded in time
	CAMPAIGN=$1 CAMPAIGN_ROOT=$T/campaigns timeout 1200 sh campaign/run.sh "${3:-$T/lab.yml}" >"$T/$2" 2>&1
}
cells() { Rscript tests/campaign/cells.R "$T/campaigns/campaign-$1" 2>>"$T/cells-errors.log"; }

# 1. The first campaign: one build of the pushed archive for the three hosts
#    (they are one machine and share iotlbench_build_cache), amd's sshd
#    killed once its cell has started: intel and qemu arrive complete and
#    checksummed, amd is listed as failed.
C1=$T/campaigns/campaign-t1
t0=$(date +%s)
CAMPAIGN=t1 CAMPAIGN_ROOT=$T/campaigns timeout 1200 sh campaign/run.sh "$T/lab.yml" >"$T/run1.log" 2>&1 &
bg=$!
# run-cell.sh makes the cell's log directory just before iotlbench starts;
# the build before it takes minutes on a loaded machine.
n=0
while [ ! -d "$T/h3/work/out/t1/default/.logs" ] && [ $n -lt 2400 ] && kill -0 $bg 2>/dev/null; do
	sleep 0.5
	n=$((n + 1))
done
check "amd started its cell in campaign t1" [ -d "$T/h3/work/out/t1/default/.logs" ]
hosts_kill 3
wait $bg
rc=$?
echo "campaign t1 with amd killed: $(($(date +%s) - t0)) s (one build of bin/iotlbench from the archive, three hosts)"
check "campaign with a lost host exits non-zero (run1.log)" [ "$rc" != 0 ]
cells t1 >"$T/t1.cells"
status_of() { awk -F'\t' -v h="$2" '$1 == h && $2 == "default" { print $5 }' "$1"; }
check "amd listed as failed" [ "$(status_of "$T/t1.cells" amd)" = failed ]
why=$(awk -F'\t' '$1 == "amd" { print $7 }' "$T/t1.cells")
echo "amd's reason: $why"
check "amd's reason names the lost connection" sh -c "echo '$why' | grep -qi 'unreachable\|ssh\|connect'"
check "summary.txt lists amd as failed" grep -q '^failed *amd default campaign emu: ' "$C1/summary.txt"
# Each host's dataset, whole: in <host>/default/<run-id>/, every file in
# SHA256SUMS and matching it, meta.json complete, the host's preset, the
# pushed revision.
dataset_checks() { # I
	h=$(name_of "$1")
	run=$(ls -d "$C1/$h/default"/2*-campaign-emu 2>/dev/null | head -n 1)
	check "$h: dataset in $h/default/<run-id>/" [ -n "$run" ]
	[ -n "$run" ] || return 0
	check "$h: every file matches SHA256SUMS, which lists meta.json, results.csv, latency_hist.csv" \
		sh -c "cd '$run' && sha256sum --quiet -c SHA256SUMS && grep -q ' meta.json\$' SHA256SUMS && grep -q ' results.csv\$' SHA256SUMS && grep -q ' latency_hist.csv\$' SHA256SUMS"
	check "$h: meta.json complete, preset $(preset_of "$1"), revision $rev" \
		sh -c "grep -q '\"complete\": *true' '$run/meta.json' && grep -q '\"preset\": *\"$(preset_of "$1")\"' '$run/meta.json' && grep -q '\"revision\": *\"$rev\"' '$run/meta.json'"
}
for i in 2 4; do
	check "$(name_of $i): cell complete despite amd" [ "$(status_of "$T/t1.cells" "$(name_of $i)")" = complete ]
	dataset_checks $i
done
builder=$(cat "$T/build-cache/$rev/.campaign-built" 2>/dev/null)
check "one build for the three hosts, by ${builder:-nobody}, in the shared build directory" \
	sh -c "[ -x '$T/build-cache/$rev/bin/iotlbench' ] && [ -s '$T/build-cache/$rev/build.log' ] && [ \$(ls '$T/build-cache' | grep -vc '\\.lock\$') = 1 ]"
check "no host built in its own work directory, no pushed archive left" \
	sh -c "! ls -d '$T'/h*/work/src/* >/dev/null 2>&1"

# 2. amd back: a rerun runs only amd's cell and finishes it.
hosts_restart 3 || fail "restart amd's sshd"
t0=$(date +%s)
campaign t1 run2.log
rc=$?
echo "campaign t1, rerun with amd back: $(($(date +%s) - t0)) s"
check "rerun after amd is back exits 0 (run2.log)" [ "$rc" = 0 ]
cells t1 >"$T/t1.cells"
check "amd complete after the rerun" [ "$(status_of "$T/t1.cells" amd)" = complete ]
check "the rerun ran only amd's cell" sh -c "awk -F'\t' '\$6 == \"true\" { print \$1 }' '$T/t1.cells' | tr -d ' ' | paste -sd, - | grep -qx amd"
dataset_checks 3

# 3. Another rerun does nothing: no host contacted, no dataset touched.
snapshot() {
	find "$T"/h*/work/out "$C1" -type f ! -name campaign.json ! -name summary.txt ! -name vars.json \
		-printf '%p %s %T@\n' | sort
}
snapshot >"$T/before"
logins() { cat "$T"/h*/sshd.log | grep -c 'Accepted publickey'; }
l0=$(logins)
t0=$(date +%s)
campaign t1 run3.log
rc=$?
echo "campaign t1, second rerun: $(($(date +%s) - t0)) s"
check "second rerun exits 0 (run3.log)" [ "$rc" = 0 ]
snapshot >"$T/after"
check "second rerun changes no file on the hosts or in the campaign" cmp -s "$T/before" "$T/after"
check "second rerun contacts no host (sshd logs)" [ "$(logins)" = "$l0" ]
cells t1 >"$T/t1.cells"
check "second rerun is recorded as a third invocation that ran nothing" grep -q '^invocations 3 ran 0' "$T/t1.cells"

# 4. Boot configurations on fake roots; a host without reboot_ok refused.
for r in root-intel root-qemu; do
	mkdir -p "$T/$r/etc/default" "$T/$r/proc"
	printf '# fake\nGRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX=""\n' >"$T/$r/etc/default/grub"
	echo "BOOT_IMAGE=/boot/vmlinuz root=/dev/fake ro quiet" >"$T/$r/proc/cmdline"
	cp -r "$T/$r" "$T/$r.orig"
done
fake="sh, $top/tests/campaign/fake-boot.sh"
{
	inventory_head
	host_entry 2
	cat <<H
      reboot_ok: true
      boot_configs: {strict: iommu.strict=1, pt: iommu=pt}
      boot_config_root: $T/root-intel
      boot_config_update_grub: [$fake, update-grub, $T/root-intel]
      boot_config_reboot_command: [$fake, reboot, $T/root-intel]
H
	host_entry 4
	cat <<H
      boot_configs: {strict: iommu.strict=1}
      boot_config_root: $T/root-qemu
      boot_config_update_grub: [$fake, update-grub, $T/root-qemu]
      boot_config_reboot_command: [$fake, reboot, $T/root-qemu]
H
} >"$T/boot.yml"
t0=$(date +%s)
campaign t3 run4.log "$T/boot.yml"
rc=$?
echo "campaign t3 (boot configurations): $(($(date +%s) - t0)) s"
check "campaign with a refused host exits non-zero (run4.log)" [ "$rc" != 0 ]
cells t3 >"$T/t3.cells"
check "intel strict complete" grep -q "^intel	strict	campaign	emu	complete" "$T/t3.cells"
check "intel pt complete" grep -q "^intel	pt	campaign	emu	complete" "$T/t3.cells"
check "qemu strict refused: needs reboot_ok" sh -c "grep '^qemu	strict	' '$T/t3.cells' | grep -q 'failed.*reboot_ok: true'"
base="BOOT_IMAGE=/boot/vmlinuz root=/dev/fake ro quiet"
printf '%s\n' "update-grub: $base iommu.strict=1" "reboot: $base iommu.strict=1" \
	"update-grub: $base iommu=pt" "reboot: $base iommu=pt" \
	"update-grub: $base" "reboot: $base" >"$T/expected-boot.log"
cp "$T/root-intel/would-run.log" "$T/boot-would-run.log" 2>/dev/null
check "intel: update-grub and reboot per configuration, then back (would-run.log)" cmp -s "$T/expected-boot.log" "$T/root-intel/would-run.log"
check "intel: the original command line is back" cmp -s "$T/root-intel.orig/proc/cmdline" "$T/root-intel/proc/cmdline"
check "intel: /etc/default/grub never edited, drop-in gone" sh -c "cmp -s '$T/root-intel.orig/etc/default/grub' '$T/root-intel/etc/default/grub' && [ ! -e '$T/root-intel/etc/default/grub.d/99-iotlbench-campaign.cfg' ]"
check "intel: no restore left pending" [ ! -e "$T/campaigns/campaign-t3/intel/.restore-pending" ]
check "qemu: refused before touching anything" sh -c "[ ! -e '$T/root-qemu/would-run.log' ] && [ ! -d '$T/root-qemu/etc/default/grub.d' ] && diff -r '$T/root-qemu.orig' '$T/root-qemu' >/dev/null"

# 5. The merged analysis tells the hosts apart and finds each one's reach.
Rscript tests/campaign/reach.R "$C1" >"$T/reach.txt" 2>"$T/reach-errors.log"
cat "$T/reach.txt"
for i in 2 3 4; do
	h=$(name_of $i)
	e=$(awk -F'\t' -v h="$h" '$1 == h { print $3 }' "$T/reach.txt")
	want=$(entries_of $i)
	# The inferred reach is the last swept point before the median steps up:
	# within half and one and a half times the preset's IOTLB entries.
	check "$h: reach $e inferred from its own sweep, near $want entries" \
		awk -v e="$e" -v w="$want" 'BEGIN { exit !(e != "" && e != "NA" && e >= w / 2 && e <= w * 1.5) }'
done
check "figure series name each host" sh -c "grep '^series' '$T/reach.txt' | grep -q 'amd: ' && grep '^series' '$T/reach.txt' | grep -q 'intel: ' && grep '^series' '$T/reach.txt' | grep -q 'qemu: '"

# 6. The host helpers on a fake sysfs: the device behind a block device, a
#    disk in use never unbound, hugepage pools put back.
F=$T/fakesys
dev=$F/sys/bus/pci/devices/0000:01:00.0
mkdir -p "$dev/nvme/nvme0/nvme0n1/holders" "$F/sys/bus/pci/drivers/nvme" "$F/sys/class/nvme/nvme0" "$F/proc" "$F/state" \
	"$F/sys/kernel/mm/hugepages/hugepages-2048kB"
ln -s ../../../bus/pci/drivers/nvme "$dev/driver"
ln -s ../../../bus/pci/devices/0000:01:00.0 "$F/sys/class/nvme/nvme0/device"
echo "/dev/nvme0n1p2 / ext4 rw 0 0" >"$F/proc/mounts"
helpers=campaign/roles/prepare/files
got=$(SYSFS_ROOT=$F sh $helpers/bind-device.sh resolve /dev/nvme0n1p2 2>&1)
check "bind-device: /dev/nvme0n1p2 is 0000:01:00.0 (got $got)" [ "$got" = 0000:01:00.0 ]
out=$(SYSFS_ROOT=$F PROC_ROOT=$F sh $helpers/bind-device.sh bind 0000:01:00.0 vfio-pci "$F/state" 2>&1)
rc=$?
echo "bind-device on a mounted disk: $out"
check "bind-device: a mounted disk is refused, nothing written" \
	sh -c "[ $rc != 0 ] && echo '$out' | grep -q 'disk in use: /dev/nvme0n1 is mounted' && [ ! -e '$F/sys/bus/pci/drivers/nvme/unbind' ] && [ ! -e '$dev/driver_override' ]"
check "bind-device: the original driver is recorded" grep -qx "0000:01:00.0 nvme" "$F/state/driver.orig"
echo 16 >"$F/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
SYSFS_ROOT=$F sh $helpers/hugepages.sh set "$F/state" 2048 512 >/dev/null 2>&1
check "hugepages: pool resized" grep -qx 512 "$F/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
SYSFS_ROOT=$F sh $helpers/hugepages.sh restore "$F/state" >/dev/null 2>&1
check "hugepages: original size back" grep -qx 16 "$F/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
out=$(SYSFS_ROOT=$F sh $helpers/hugepages.sh set "$F/state" 1048576 4 2>&1)
check "hugepages: a page size the kernel lacks is an error naming it" sh -c "echo '$out' | grep -q 'no pool of 1048576 KiB pages'"

echo "test time: $(($(date +%s) - start)) s; CPU (user, system) of this shell, then of everything it ran:"
times
finish

#!/bin/sh
# Campaign fan-out (README, Performance): wall time of a campaign of the
# quick suite on three loopback hosts against the same campaign on one of
# them. The hosts are tests/campaign/hosts.sh's sshd instances on
# 127.0.0.2-4, all on this machine and sharing one build directory
# (iotlbench_build_cache): a warm-up campaign builds bin/iotlbench once
# (timed and printed apart), then every measured campaign is a new campaign
# id on hosts that already hold the build, so what is compared is prepare,
# run, fetch and verify. The two sides alternate (one, three; then three,
# one; ...) so that a change in the machine's load falls on both; each
# repetition prints the load average beside its times. Target: three hosts
# <= 1.5 x one host.
#   sh scripts/bench-campaign.sh        (REPS=5: campaigns per side)
# Prints, per side, the median with the lowest and highest time, and the
# ratio as median of the per-repetition ratios (three / one, same
# repetition) with their range.
set -eu
cd "$(dirname "$0")/.."
REPS=${REPS:-5}
T=$(mktemp -d /tmp/iotlbench-bench-campaign.XXXXXX)
. tests/campaign/hosts.sh
trap 'hosts_stop; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
hosts_start "$T" 3
export ANSIBLE_SSH_CONTROL_PATH_DIR="$T/cp" ANSIBLE_LOCAL_TEMP="$T/ansible-local"
inventory() { # FILE HOST_NUMBERS...
	f=$1
	shift
	{
		echo "all:"
		echo "  vars:"
		hosts_inventory_vars
		echo "    iotlbench_suites: [quick]"
		echo "    iotlbench_build_cache: $T/build-cache"
		echo "  hosts:"
		for i in "$@"; do
			eval "port=\$HOST_PORT_$i"
			printf '    h%s:\n      ansible_host: 127.0.0.%s\n      ansible_port: %s\n' "$i" "$i" "$port"
			printf '      iotlbench_workdir: %s/h%s/work\n      ansible_async_dir: %s/h%s/async\n' "$T" "$i" "$T" "$i"
		done
	} >"$f"
}
inventory "$T/one.yml" 2
inventory "$T/three.yml" 2 3 4
now() { date +%s.%N; }
load() { cut -d' ' -f1 /proc/loadavg; }
timed() { # ID INVENTORY -> seconds
	s=$(now)
	CAMPAIGN=$1 CAMPAIGN_ROOT=$T/campaigns sh campaign/run.sh "$2" >"$T/$1.log" 2>&1 ||
		{
			echo "bench-campaign: campaign $1 failed:" >&2
			tail -n 20 "$T/$1.log" >&2
			exit 1
		}
	echo "$(now) $s" | awk '{ printf "%.1f", $1 - $2 }'
}
echo "setup: $(nproc) cores, $(uname -r), $(ansible-playbook --version 2>/dev/null | sed -n 1p); hosts: sshd on 127.0.0.2-4 of this machine; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "warm-up: three hosts, one build of bin/iotlbench from the archive: $(timed warm "$T/three.yml") s"
out=$T/times
: >"$out"
r=1
while [ "$r" -le "$REPS" ]; do
	l=$(load)
	if [ $((r % 2)) = 1 ]; then
		a=$(timed "one-$r" "$T/one.yml")
		b=$(timed "three-$r" "$T/three.yml")
	else
		b=$(timed "three-$r" "$T/three.yml")
		a=$(timed "one-$r" "$T/one.yml")
	fi
	echo "rep $r: one host $a s, three hosts $b s ($(echo "$a $b" | awk '{ printf "%.2f", $2 / $1 }') x); load average $l -> $(load)"
	echo "$a $b $l $(load)" >>"$out"
	r=$((r + 1))
done
# Median of a column of numbers (one per line).
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
range() { sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'; }
m1=$(awk '{ print $1 }' "$out" | median)
m3=$(awk '{ print $2 }' "$out" | median)
mr=$(awk '{ printf "%.3f\n", $2 / $1 }' "$out" | median)
echo "campaign of quick, $REPS repetitions: one host median $m1 s ($(awk '{ print $1 }' "$out" | range) s), three hosts median $m3 s ($(awk '{ print $2 }' "$out" | range) s)"
echo "three / one: median of per-repetition ratios $(printf '%.2f' "$mr") x (range $(awk '{ printf "%.2f\n", $2 / $1 }' "$out" | range) x), ratio of medians $(echo "$m1 $m3" | awk '{ printf "%.2f", $2 / $1 }') x; target <= 1.5 x"
echo "load average during the repetitions: $(awk '{ print $3; print $4 }' "$out" | range) on $(nproc) cores"

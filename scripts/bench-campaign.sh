#!/bin/sh
# Campaign fan-out (README, Performance): wall time of a campaign of the
# quick suite on three loopback hosts against the same campaign on one of
# them. The hosts are tests/campaign/hosts.sh's sshd instances on
# 127.0.0.2-4, all on this machine; they build bin/iotlbench once in a
# warm-up campaign (timed and printed apart), then every measured campaign
# is a new campaign id on hosts that already hold the build, so what is
# compared is push-check, run, fetch and verify. Target: three hosts
# <= 1.5 x one host.
#   sh scripts/bench-campaign.sh        (REPS=3: campaigns per side)
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
REPS=${REPS:-3}
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
timed() { # ID INVENTORY -> seconds
	s=$(now)
	CAMPAIGN=$1 CAMPAIGN_ROOT=$T/campaigns sh campaign/run.sh "$2" >"$T/$1.log" 2>&1 ||
		{ echo "bench-campaign: campaign $1 failed:" >&2; tail -n 20 "$T/$1.log" >&2; exit 1; }
	echo "$(now) $s" | awk '{ printf "%.1f", $1 - $2 }'
}
echo "warm-up: three hosts build bin/iotlbench from the archive: $(timed warm "$T/three.yml") s"
one="" three=""
r=1
while [ $r -le "$REPS" ]; do
	a=$(timed "one-$r" "$T/one.yml")
	b=$(timed "three-$r" "$T/three.yml")
	echo "rep $r: one host $a s, three hosts $b s"
	one="$one $a" three="$three $b"
	r=$((r + 1))
done
echo "$one|$three" | awk -F'|' '{
	n = split($1, a, " "); split($2, b, " ")
	for (i = 1; i <= n; i++) { sa += a[i]; sb += b[i] }
	printf "campaign of quick: one host %.1f s, three hosts %.1f s (mean of %d): %.2f x (target <= 1.5 x)\n", sa / n, sb / n, n, sb / sa
}'

#!/bin/sh
# Mutation check (`make mutation`): for every line of LIST (tests/mutation/list)
# applies the patch to a temporary copy of the tree, rebuilds what the test
# needs, runs the one test that must catch it, and expects that test to fail.
# The checkout is never modified: the copy (tracked and untracked files plus
# build/ and bin/, so only the patched file recompiles) lives in a temporary
# directory that is removed on exit, Ctrl-C included. Before any patch, each
# named test must pass on the unpatched copy, or its mutations count as
# missed. Ends with one line and fails when any mutation was missed:
#     mutation: N caught, N missed
#
# usage: run.sh LIST
# Environment: MAKE (default make), MUTATION_VM=1 also runs the vm: entries
# in the QEMU guest (tests/vm/test-vm.sh, modes MUTATION_VM_MODES, default
# "iommu"), TEST_TIMEOUT seconds per test run (default 600).
set -u
list=${1:?usage: run.sh LIST}
top=$(cd "$(dirname "$0")/../.." && pwd)
listdir=$(cd "$(dirname "$list")" && pwd)
make=${MAKE:-make}
tmo=${TEST_TIMEOUT:-600}
vm=${MUTATION_VM:-0}

tree=$(mktemp -d "${TMPDIR:-/tmp}/iotlbench-mutation.XXXXXX") || exit 2
trap 'rm -rf "$tree"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cd "$top" || exit 2
# Tracked and untracked (not ignored) files as they are in the checkout,
# then the build products with their times, so make rebuilds only what a
# patch touches. tar keeps modification times.
git ls-files -z --cached --others --exclude-standard |
	tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -C "$tree" -xf - || exit 2
tar --exclude=build/fuzz -cf - build bin 2>/dev/null | tar -C "$tree" -xf - || exit 2
cd "$tree" || exit 2
logs="$top/tests/logs/mutation"
rm -rf "$logs"
mkdir -p "$logs"

# run_test PROG NAME LOG: 0 the test passed, 1 it failed, 2 it could not run.
run_test() {
	prog=$1 name=$2 log=$3
	case "$prog" in
	R:*)
		timeout "$tmo" Rscript tests/mutation/run-r-test.R "${prog#R:}" "$name" >"$log" 2>&1
		return $?
		;;
	vm:*)
		timeout "$tmo" env VM_MODES="${MUTATION_VM_MODES:-iommu}" VM_OUT="$tree/vm-out" \
			sh tests/vm/test-vm.sh "${prog#vm:}" >"$log" 2>&1
		sum=$(grep -E '^vm: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
		[ -n "$sum" ] || return 2
		f=$(echo "$sum" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
		[ "$f" = 0 ] && return 0
		[ -z "$name" ] || grep -q "FAILED.*$name" "$log" || return 0
		return 1
		;;
	esac
	timeout "$tmo" "./$prog" >"$log" 2>&1
	rc=$?
	if [ -n "$name" ]; then
		grep -qx "\[  FAILED  \] $name" "$log" && return 1
		grep -qx "\[       OK \] $name" "$log" && return 0
		# Died inside the test (crash, timeout): it did not pass.
		[ "$rc" -ge 124 ] && return 1
		return 2
	fi
	[ "$rc" = 0 ] && return 0
	return 1
}

# build PROG LOG: the test program and, for the tests that spawn it, the CLI.
build() {
	case "$1" in
	R:*) return 0 ;;
	vm:*) "$make" all "${1#vm:}" >"$2" 2>&1 ;;
	*) "$make" bin/iotlbench "$1" >"$2" 2>&1 ;;
	esac
}

entries=$(grep -v '^[[:space:]]*#' "$list" | grep -v '^[[:space:]]*$')
caught=0 missed=0 notrun=0
baseline_ok=" "
echo "$entries" | while read -r patch prog name; do
	case "$prog" in vm:*) [ "$vm" = 1 ] || continue ;; esac
	key="$prog|$name"
	case "$baseline_ok" in *" $key "*) continue ;; esac
	baseline_ok="$baseline_ok$key "
	echo "$key"
done >"$tree/baseline.keys"

# Baseline: every named test passes on the unpatched tree.
broken=""
n=0
while IFS='|' read -r prog name; do
	n=$((n + 1))
	log="$logs/baseline-$n.log"
	if ! build "$prog" "$log"; then
		broken="$broken|$prog|$name|"
		echo "baseline: $prog does not build (see $log)"
		continue
	fi
	run_test "$prog" "$name" "$log"
	rc=$?
	if [ "$rc" != 0 ]; then
		broken="$broken|$prog|$name|"
		echo "baseline: $prog ${name:-(all)} does not pass unpatched (see $log)"
	fi
done <"$tree/baseline.keys"

# The mutations, one at a time.
exec 3<<EOF
$entries
EOF
while read -r patch prog name <&3; do
	label="${patch%.patch}"
	case "$prog" in
	vm:*)
		if [ "$vm" != 1 ]; then
			notrun=$((notrun + 1))
			printf '%-28s not run: guest test %s (MUTATION_VM=1 runs it)\n' "$label" \
				"${prog#vm:}"
			continue
		fi
		;;
	esac
	log="$logs/$label.log"
	start=$(date +%s)
	case "$broken" in *"|$prog|$name|"*)
		missed=$((missed + 1))
		printf '%-28s MISSED: %s %s does not pass unpatched\n' "$label" "$prog" "$name"
		continue
		;;
	esac
	if ! patch -p1 -s --no-backup-if-mismatch <"$listdir/$patch" >"$log" 2>&1; then
		missed=$((missed + 1))
		printf '%-28s MISSED: the patch no longer applies (see %s)\n' "$label" "$log"
		continue
	fi
	if build "$prog" "$log.build"; then
		run_test "$prog" "$name" "$log"
		rc=$?
	else
		rc=3
	fi
	patch -R -p1 -s --no-backup-if-mismatch <"$listdir/$patch" >>"$log" 2>&1 || {
		echo "mutation: could not revert $patch in the temporary copy" >&2
		exit 2
	}
	secs=$(($(date +%s) - start))
	case "$rc" in
	1)
		caught=$((caught + 1))
		printf '%-28s caught by %s %s (%ss)\n' "$label" "$prog" "$name" "$secs"
		;;
	0)
		missed=$((missed + 1))
		printf '%-28s MISSED: %s %s passes with the patch (see %s)\n' "$label" "$prog" \
			"$name" "$log"
		;;
	3)
		missed=$((missed + 1))
		printf '%-28s MISSED: does not build with the patch (see %s.build)\n' "$label" "$log"
		;;
	*)
		missed=$((missed + 1))
		printf '%-28s MISSED: %s %s did not run (see %s)\n' "$label" "$prog" "$name" "$log"
		;;
	esac
done
[ "$notrun" = 0 ] || echo "mutation: $notrun guest-only mutations not run"
echo "mutation: $caught caught, $missed missed"
[ "$missed" = 0 ]

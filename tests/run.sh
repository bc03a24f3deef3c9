#!/bin/sh
# Runs every test program given on the command line, keeps each one's output
# in tests/logs/, and ends with one summary line over all of them. A program
# that dies without a cmocka summary (crash, timeout) counts as one failure.
set -u
mkdir -p tests/logs
TIMEOUT=${TEST_TIMEOUT:-600}
passed=0 failed=0 skipped=0 bad=""
# An argument R:FILE runs an R test script, SH:FILE a shell test script,
# each ending with "NAME: N passed, N failed, N skipped"; SH:FILE:SECONDS
# and R:FILE:SECONDS give one its own time limit instead of $TEST_TIMEOUT. VM:0 runs
# the guest tests named in $GUEST_TESTS through tests/vm/test-vm.sh; VM:1
# counts them as one skipped entry and says why.
for t in "$@"; do
	limit=$TIMEOUT
	case "$t" in
	SH:*:* | R:*:*)
		limit=${t##*:}
		t=${t%:*}
		;;
	esac
	name=$(echo "${t#build/}" | tr '/:' '__')
	log="tests/logs/$name.log"
	case "$t" in
	VM:1)
		echo "skip: guest tests not run (SKIP_VM=1); make test-vm runs them" >"$log"
		rc=0 p=0 f=0 s=1
		;;
	VM:*)
		# shellcheck disable=SC2086
		timeout 3000 sh tests/vm/test-vm.sh ${GUEST_TESTS:-} >"$log" 2>&1
		rc=$?
		sum=$(grep -E '^vm: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -n 1)
		p=$(echo "$sum" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
		f=$(echo "$sum" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
		s=$(echo "$sum" | sed -n 's/.* \([0-9]*\) skipped.*/\1/p')
		;;
	R:* | SH:*)
		if [ "${t#SH:}" != "$t" ]; then
			timeout "$limit" sh "${t#SH:}" >"$log" 2>&1
		else
			timeout "$limit" Rscript "${t#R:}" >"$log" 2>&1
		fi
		rc=$?
		sum=$(grep -E '^[a-z][a-z0-9_-]*: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -n 1)
		p=$(echo "$sum" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
		f=$(echo "$sum" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
		s=$(echo "$sum" | sed -n 's/.* \([0-9]*\) skipped.*/\1/p')
		;;
	*)
		timeout "$TIMEOUT" "./$t" >"$log" 2>&1
		rc=$?
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\..*/\1/p' "$log" | tail -n 1)
		s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s), listed below:.*/\1/p' "$log" | tail -n 1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:.*/\1/p' "$log" | tail -n 1)
		;;
	esac
	p=${p:-0} s=${s:-0} f=${f:-0}
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		# Died before cmocka could report (signal, timeout, exit): a failure.
		f=1
		echo "$t: exited with status $rc without a test summary" >>"$log"
	fi
	passed=$((passed + p)) skipped=$((skipped + s)) failed=$((failed + f))
	printf '%-40s %3s passed %3s failed %3s skipped\n' "$t" "$p" "$f" "$s"
	if [ "$f" != 0 ]; then
		bad="$bad $t"
	fi
	if [ "$s" != 0 ]; then
		grep -E '^\[  SKIPPED \] [a-z_]' "$log" | sort -u | sed 's/^/    /'
		# Guest tests print their reasons as "skip: ..." lines.
		grep -E '^guest: +\| skip: ' "$log" | sed 's/^guest: *| skip: /    why: /' | sort -u
		grep '^skip: ' "$log" | sed 's/^skip: /    why: /'
	fi
done
for t in $bad; do
	name=$(echo "${t#build/}" | tr '/:' '__')
	echo "---- $t (tests/logs/$name.log) ----"
	cat "tests/logs/$name.log"
done
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]

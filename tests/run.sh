#!/bin/sh
# Runs every test program given on the command line, keeps each one's output
# in tests/logs/, and ends with one summary line over all of them. A program
# that dies without a cmocka summary (crash, timeout) counts as one failure.
set -u
mkdir -p tests/logs
TIMEOUT=${TEST_TIMEOUT:-600}
passed=0 failed=0 skipped=0 bad=""
for t in "$@"; do
	name=$(echo "$t" | tr '/' '_')
	log="tests/logs/$name.log"
	timeout "$TIMEOUT" "./$t" >"$log" 2>&1
	rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\..*/\1/p' "$log" | tail -n 1)
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s), listed below:.*/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:.*/\1/p' "$log" | tail -n 1)
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
		grep '^\[  SKIPPED \] [a-z_]' "$log" | sed 's/^/    /'
		grep -i 'skip' "$log" | grep -v '^\[' | sed 's/^/    why: /'
	fi
done
for t in $bad; do
	name=$(echo "$t" | tr '/' '_')
	echo "---- $t (tests/logs/$name.log) ----"
	cat "tests/logs/$name.log"
done
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]

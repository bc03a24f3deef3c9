#!/bin/sh
# Runs each test program under valgrind memcheck; any invalid access, use
# of uninitialised memory or definite leak fails it. Prints one summary.
set -u
mkdir -p tests/logs
ok=0 bad=0
for t in "$@"; do
	log="tests/logs/memcheck_$(echo "${t#build/}" | tr '/' '_').log"
	if valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
		"./$t" >"$log" 2>&1; then
		ok=$((ok + 1))
		printf '%-40s clean\n' "$t"
	else
		bad=$((bad + 1))
		printf '%-40s FAILED (%s)\n' "$t" "$log"
		grep -E '==[0-9]+==' "$log" | head -n 20
	fi
done
echo "memcheck: $ok passed, $bad failed"
[ "$bad" = 0 ]

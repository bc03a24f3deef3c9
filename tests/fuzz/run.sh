#!/bin/sh
# Runs every fuzz target for SECONDS each (default 60), starting from its
# corpus in tests/fuzz/corpus/<target>/ (seeds and every input that once
# crashed: those are the regression tests). New crashes are saved as
# build/fuzz/crash-<target>-*; the run fails if any target crashes.
set -u
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-60}
bad=0 ok=0
for t in "$@"; do
	corpus="tests/fuzz/corpus/$t"
	mkdir -p "$corpus" "build/fuzz/new-$t"
	log="build/fuzz/$t.log"
	if "build/fuzz/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 \
		-artifact_prefix="build/fuzz/crash-$t-" "build/fuzz/new-$t" "$corpus" >"$log" 2>&1; then
		ok=$((ok + 1))
		# libFuzzer's last status line: "#RUNS DONE cov: N ft: N corp: N/SIZE ..."
		done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)
		runs=$(echo "$done_line" | sed -n 's/^#\([0-9]*\).*/\1/p')
		cov=$(echo "$done_line" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
		ft=$(echo "$done_line" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
		corp=$(echo "$done_line" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
		echo "$t: ${runs:-?} runs in ${secs} s, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}, no crash"
	else
		bad=$((bad + 1))
		echo "$t: CRASH (see $log)"
		grep -E 'ERROR|SUMMARY|==[0-9]+==' "$log" | head -n 15
	fi
done
echo "fuzz: $ok passed, $bad failed"
[ "$bad" = 0 ]

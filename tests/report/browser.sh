#!/bin/sh
# The report as a reader sees it: renders the report of the checked-in
# reference runs (with a pcie-bench reference sweep beside them), opens it
# in headless Chromium (Debian's chromium) through tests/report/check.html,
# which checks that every image loaded (naturalWidth > 0), no text shows
# NaN/NA/Inf and every section is there, and keeps a screenshot in
# tests/logs/report-browser.png. Ends with one line:
#     browser: N passed, N failed, N skipped
set -u
cd "$(dirname "$0")/../.."
out=tests/logs/report-browser
mkdir -p tests/logs
if ! command -v chromium >/dev/null 2>&1; then
	echo "skip: chromium is not installed (apt-get install chromium; make deps does)"
	echo "browser: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
rm -rf "$out"
# --reference: the figure that sets the reuse sweeps beside a pcie-bench one
# is checked like the others.
if ! Rscript analysis/report.R datasets/reference/emu-small datasets/reference/emu-small-nommu \
	--reference pciebench-hsw-e5-2620v3-on-nosp --out "$out" >tests/logs/report-browser.render.log 2>&1; then
	echo "FAIL render: analysis/report.R failed (tests/logs/report-browser.render.log)"
	echo "browser: 0 passed, 1 failed, 0 skipped"
	exit 1
fi
cp tests/report/check.html "$out/check.html"
profile=$(mktemp -d)
# Flags: root needs --no-sandbox; the rest keep Chromium off the network
# (this machine has none) and let the check page read the report's frame.
flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
--disable-background-networking --disable-component-update --disable-sync \
--allow-file-access-from-files --user-data-dir=$profile"
here=$(pwd)
# shellcheck disable=SC2086
timeout 120 chromium $flags --virtual-time-budget=20000 --dump-dom \
	"file://$here/$out/check.html" >"$out/check.dom" 2>"$out/chromium.log"
# shellcheck disable=SC2086
timeout 120 chromium $flags --window-size=1400,5000 --screenshot="$here/tests/logs/report-browser.png" \
	"file://$here/$out/index.html" >/dev/null 2>>"$out/chromium.log"
rm -rf "$profile"
result=$(sed -n '/<pre id="result">/,/<\/pre>/p' "$out/check.dom" | sed 's/<[^>]*>//g')
passed=$(printf '%s\n' "$result" | grep -c '^PASS')
failed=$(printf '%s\n' "$result" | grep -c '^FAIL')
printf '%s\n' "$result"
if [ "$passed" = 0 ] && [ "$failed" = 0 ]; then
	echo "FAIL check: the check page gave no result (chromium log: $out/chromium.log)"
	failed=1
fi
[ -s tests/logs/report-browser.png ] || { echo "FAIL screenshot: none written"; failed=$((failed + 1)); }
echo "browser: $passed passed, $failed failed, 0 skipped"
[ "$failed" = 0 ]

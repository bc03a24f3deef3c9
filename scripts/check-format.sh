#!/bin/sh
# Fails, naming the files, when a tracked C source or header differs from
# what clang-format makes of it under the checked-in .clang-format. Fix with
#     clang-format -i FILE...
set -eu
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check-format: clang-format missing: apt-get install clang-format" >&2; exit 2; }
bad=""
for f in $(git ls-files '*.c' '*.h'); do
	clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
done
if [ -n "$bad" ]; then
	echo "check-format: not clang-formatted:$bad" >&2
	echo "check-format: run clang-format -i on them" >&2
	exit 1
fi
echo "check-format: $(git ls-files '*.c' '*.h' | wc -l) files clean ($(clang-format --version))"

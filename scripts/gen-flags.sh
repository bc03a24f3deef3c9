#!/bin/sh
# Records the compiler and flags of this build in a stamp file that every
# object depends on, rewriting it only when they change: switching CC,
# SANITIZE=1 or OPT then rebuilds everything instead of mixing objects.
set -eu
out=$1
shift
mkdir -p "$(dirname "$out")"
tmp="$out.tmp.$$"
printf '%s\n' "$*" >"$tmp"
if [ -f "$out" ] && cmp -s "$tmp" "$out"; then
	rm -f "$tmp"
else
	mv "$tmp" "$out"
fi

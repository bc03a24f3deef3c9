#!/bin/sh
# Writes build/version.h with the version and git revision, touching the file
# only when its content changes so that builds stay incremental.
set -eu
out=$1
version=$2
# A tree without .git (the git archive a campaign pushes to each host) is
# told its revision through $IOTLB_REVISION.
if [ -n "${IOTLB_REVISION:-}" ]; then
	rev=$IOTLB_REVISION
else
	rev=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
	if [ "$rev" != unknown ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
		rev="$rev-dirty"
	fi
fi
tmp="$out.tmp.$$"
printf '#define IOTLB_VERSION "%s"\n#define IOTLB_REVISION "%s"\n' "$version" "$rev" >"$tmp"
if [ -f "$out" ] && cmp -s "$tmp" "$out"; then
	rm -f "$tmp"
else
	mv "$tmp" "$out"
fi

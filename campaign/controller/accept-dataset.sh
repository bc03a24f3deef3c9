#!/bin/sh
# Takes a fetched dataset into the campaign directory when it is whole.
#   accept-dataset.sh TARBALL CONFIG_DIR RUN_ID MARKER
# Unpacks TARBALL (one directory RUN_ID) beside CONFIG_DIR, checks every file
# against the SHA256SUMS the host wrote right after the run, checks that
# meta.json says "complete": true and every file the run wrote is listed,
# then moves it to CONFIG_DIR/RUN_ID and writes MARKER (the cell is done;
# MARKER's .failed twin, from an earlier attempt, goes).
# A dataset that fails a check is left out, and the reason goes to stderr.
set -eu
tarball=$1 dir=$2 id=$3 marker=$4
die() {
	echo "accept-dataset: $*" >&2
	rm -rf "$tmp"
	exit 1
}
mkdir -p "$dir" "$(dirname "$marker")"
tmp="$dir/.partial-$id"
rm -rf "$tmp"
mkdir "$tmp"
tar -xzf "$tarball" -C "$tmp" || die "$tarball is not a readable tar archive: fetch it again (rerun the campaign)"
[ -d "$tmp/$id" ] || die "$tarball does not hold $id"
[ -f "$tmp/$id/SHA256SUMS" ] || die "$id has no SHA256SUMS: the host did not finish it"
if ! out=$(cd "$tmp/$id" && sha256sum -c SHA256SUMS 2>&1); then
	die "$id does not match its checksums ($(echo "$out" | grep -v ': OK$' | head -n 3 | tr '\n' ' ')): the copy was damaged; rerun the campaign to fetch it again"
fi
grep -q '"complete": *true' "$tmp/$id/meta.json" || die "$id: meta.json does not say \"complete\": true"
for f in $(cd "$tmp/$id" && find . -type f ! -name SHA256SUMS | sed 's|^\./||'); do
	grep -q "  $f\$" "$tmp/$id/SHA256SUMS" || die "$id: $f is not in SHA256SUMS"
done
rm -rf "${dir:?}/$id"
mv "$tmp/$id" "$dir/$id"
rmdir "$tmp"
echo "$id" >"$marker.tmp"
mv "$marker.tmp" "$marker"
# The cell is done: an earlier failure of it no longer holds.
rm -f "${marker%.done}.failed"
rm -f "$tarball"
echo "accepted $dir/$id"

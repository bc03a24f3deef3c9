#!/bin/sh
# One campaign cell on the host: runs bin/iotlbench and leaves a complete,
# checksummed dataset, or says why not.
#   run-cell.sh OUT_DIR MARKER LOG -- IOTLBENCH run SUITE [options]
# The run goes to OUT_DIR/<run-id>/ (--out OUT_DIR). When it ended normally
# (exit 0, meta.json "complete": true) every file of the dataset gets its
# sha256 in SHA256SUMS and MARKER names the run. A MARKER whose dataset still
# matches its checksums means the cell is done: nothing runs, and its run id
# is printed again (a rerun after the controller lost the connection only
# fetches). Prints the run id as its last line.
set -u
out=${1:?usage: run-cell.sh OUT_DIR MARKER LOG -- IOTLBENCH run ...}
marker=${2:?marker missing}
log=${3:?log missing}
shift 3
[ "${1:-}" = -- ] && shift

verified() {
	[ -f "$out/$1/SHA256SUMS" ] && grep -q '"complete": *true' "$out/$1/meta.json" 2>/dev/null &&
		(cd "$out/$1" && sha256sum --quiet -c SHA256SUMS >/dev/null 2>&1)
}

if [ -f "$marker" ]; then
	id=$(cat "$marker")
	if [ -n "$id" ] && verified "$id"; then
		echo "$id"
		exit 0
	fi
	rm -f "$marker"
fi
mkdir -p "$out" "$(dirname "$marker")" "$(dirname "$log")"
before=$(readlink "$out/latest" 2>/dev/null || true)
"$@" --out "$out" >"$log" 2>&1
rc=$?
id=$(readlink "$out/latest" 2>/dev/null || true)
if [ "$rc" != 0 ] || [ -z "$id" ] || [ "$id" = "$before" ]; then
	tail -n 5 "$log" >&2
	echo "run-cell: iotlbench exited with status $rc and left no new dataset (whole output: $log)" >&2
	exit 1
fi
if ! grep -q '"complete": *true' "$out/$id/meta.json"; then
	tail -n 5 "$log" >&2
	echo "run-cell: $out/$id is incomplete (meta.json \"complete\" is not true; output: $log)" >&2
	exit 1
fi
(cd "$out/$id" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' | sort | xargs sha256sum >SHA256SUMS) || {
	echo "run-cell: could not checksum $out/$id" >&2
	exit 1
}
echo "$id" >"$marker"
echo "$id"

#!/bin/sh
# What the campaign directory holds, one line per fact, tab-separated:
#   HOST CONFIG SUITE BACKEND STATUS DETAIL
# STATUS is complete (DETAIL: run id; the dataset is there, meta.json says
# "complete": true and every file matches SHA256SUMS), damaged (a cell marked
# done whose dataset no longer checks out: it is run again), failed (DETAIL:
# why), config-failed and host-failed (SUITE and BACKEND are "-", CONFIG too
# for a host), restore-failed (the host could not be put back).
#   cells-status.sh CAMPAIGN_DIR [HOST]
set -u
root=${1:?usage: cells-status.sh CAMPAIGN_DIR [HOST]}
only=${2:-}
[ -d "$root" ] || exit 0
one_line() { tr '\t\n' '  ' <"$1" | sed 's/ *$//'; }
for hd in "$root"/*/; do
	[ -d "$hd" ] || continue
	host=$(basename "$hd")
	[ -n "$only" ] && [ "$host" != "$only" ] && continue
	[ -f "$hd/.failed" ] && printf '%s\t-\t-\t-\thost-failed\t%s\n' "$host" "$(one_line "$hd/.failed")"
	[ -f "$hd/.restore-failed" ] && printf '%s\t-\t-\t-\trestore-failed\t%s\n' "$host" "$(one_line "$hd/.restore-failed")"
	for cd in "$hd"*/; do
		[ -d "$cd" ] || continue
		config=$(basename "$cd")
		[ -f "$cd/.failed" ] && printf '%s\t%s\t-\t-\tconfig-failed\t%s\n' "$host" "$config" "$(one_line "$cd/.failed")"
		for bd in "$cd".cells/*/; do
			[ -d "$bd" ] || continue
			backend=$(basename "$bd")
			for f in "$bd"*.done "$bd"*.failed; do
				[ -f "$f" ] || continue
				case "$f" in
				*.done)
					suite=$(basename "$f" .done)
					id=$(cat "$f")
					run="$cd$id"
					if [ -n "$id" ] && [ -f "$run/SHA256SUMS" ] &&
						grep -q '"complete": *true' "$run/meta.json" 2>/dev/null &&
						(cd "$run" && sha256sum --quiet -c SHA256SUMS >/dev/null 2>&1); then
						printf '%s\t%s\t%s\t%s\tcomplete\t%s\n' "$host" "$config" "$suite" "$backend" "$id"
					else
						printf '%s\t%s\t%s\t%s\tdamaged\t%s no longer matches its checksums\n' "$host" "$config" "$suite" "$backend" "$id"
					fi
					;;
				*.failed)
					suite=$(basename "$f" .failed)
					printf '%s\t%s\t%s\t%s\tfailed\t%s\n' "$host" "$config" "$suite" "$backend" "$(one_line "$f")"
					;;
				esac
			done
		done
	done
done
